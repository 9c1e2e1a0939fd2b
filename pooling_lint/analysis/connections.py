"""Which tensors a function's masks and lengths go with, read from how the code combines them.

A parameter called ``mask`` or ``lengths`` says nothing about *which* tensor it pads: a decoder
takes the source's lengths and indexes its own tokens, a loss takes a ``[B, B]`` pair-selection
mask, cross-attention takes the memory's mask and pools the queries. So a function's tensors are
not padded because a mask-like parameter exists; one is padded when the code *connects* it to a
mask or lengths:

- the mask multiplies, fills or selects it (``x * mask[..., None]``, ``x.masked_fill(m, 0)``,
  ``where(m, x, -inf)``, ``x[t] * mask[t]`` in a loop over steps);
- the lengths are packed with it (``pack_padded_sequence(x, lengths)``) or compared against its
  time dimension (``arange(x.size(1)) < lengths[:, None]``, ``sequence_mask(n, tf.shape(x)[1])``);
- both are passed to one call (``self.encoder(x, mask)``, ``model(input_ids=ids,
  attention_mask=m)``; for attention, the mask goes with the keys).

A connected value pads the parameter it flows from through steps that keep its (batch, time)
axes: layers called on it, elementwise arithmetic, dtype/device moves, ``unsqueeze``. A matmul,
einsum, transpose, reshape or reduction breaks that line. A same-rank product of two raw
parameters (``(dist - m) * mask`` with a ``[B, B]`` mask) says nothing about time and is not a
connection; expanding the mask on the last axis (``mask.unsqueeze(-1)``) shows ``[B, T]``
against ``[B, T, F]``.

The scan is syntactic and flow-insensitive, once per function; the interpreter then carries
the padding along the data flow from the connected parameters and locals.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pooling_lint.analysis.layout import BT, BTF, TB, Layout
from pooling_lint.analysis.walk import walk

#: Methods whose result keeps the receiver's (batch, time) axes.
_CARRY_METHODS = frozenset(
    {
        "float",
        "double",
        "half",
        "bfloat16",
        "long",
        "int",
        "bool",
        "to",
        "cuda",
        "cpu",
        "contiguous",
        "detach",
        "clone",
        "type",
        "type_as",
        "masked_fill",
        "masked_fill_",
        "relu",
        "sigmoid",
        "tanh",
        "exp",
        "log",
        "abs",
        "neg",
        "mul",
        "add",
        "sub",
        "div",
        "pow",
        "sqrt",
        "unsqueeze",
        "expand_as",
        "new_tensor",
        # a step's values picked per row: still the rows of the same batch
        "gather",
        "squeeze",
        "index_select",
    }
)
#: Methods that turn a mask or lengths into another form of the same mask.
_MASK_FORMS = frozenset(
    {
        "unsqueeze",
        "float",
        "long",
        "int",
        "bool",
        "byte",
        "to",
        "type_as",
        "cuda",
        "eq",
        "ne",
        "logical_not",
        "expand_as",
        "detach",
        "type",
        "cpu",
        "numpy",
        "tolist",
        "squeeze",
    }
)
#: Keyword arguments through which a call receives the mask of its input.
MASK_KEYWORDS = frozenset(
    {"mask", "attention_mask", "padding_mask", "src_key_padding_mask", "x_mask", "input_mask"}
)
#: Keyword arguments through which a call receives the lengths of its input.
LENGTH_KEYWORDS = frozenset(
    {"lengths", "input_lengths", "sequence_length", "seq_lengths", "src_lengths", "seq_len"}
)
#: Keyword arguments whose mask pads the keys/memory of an attention call (args 1 and 2).
KEY_MASK_KEYWORDS = frozenset({"key_padding_mask", "memory_key_padding_mask"})


@dataclass(frozen=True)
class Connection:
    """``name`` is padded: the mask/lengths ``by`` is used with it at ``node``.

    ``layout`` is what the connection shows of its axes: ``BTF`` (a ``[B, T]`` mask expanded on
    the last axis), ``BT`` (batch-first time axis), ``TB`` (time-major), or None.
    """

    name: str
    by: str
    node: ast.AST
    layout: Layout | None


def connections(
    fn: ast.AST, roles: Mapping[str, object], params: frozenset[str]
) -> dict[str, Connection]:
    """See :func:`scan_connections`; only the connections."""
    return scan_connections(fn, roles, params)[0]


def scan_connections(
    fn: ast.AST, roles: Mapping[str, object], params: frozenset[str]
) -> tuple[dict[str, Connection], frozenset[ast.AST]]:
    """The parameters and locals of ``fn`` that its masks/lengths are shown to go with.

    ``roles`` maps names already known as masks or lengths (by how they are used) to their role.
    A parameter is in the result with the first connection found; a local name too, when it does
    not flow from a parameter (``h = self.encoder(batch.src)``, then ``h * mask[..., None]``).
    """
    scan = _Scan(roles, params)
    body = getattr(fn, "body", [])
    nodes = list(walk(body, into_scopes=False))
    for node in nodes:  # first how values flow, then where masks meet them
        if type(node) in (ast.Assign, ast.AnnAssign, ast.AugAssign):
            scan.visit(node)
    for node in nodes:
        if type(node) in (ast.BinOp, ast.Call, ast.Compare):
            scan.visit(node)
    return scan.found, frozenset(scan.masked_reads)


class _Scan:
    def __init__(self, roles: Mapping[str, object], params: frozenset[str]) -> None:
        self.roles = roles
        self.params = params
        self.found: dict[str, Connection] = {}
        #: step reads whose value is multiplied by the mask of the same step (masked after)
        self.masked_reads: set[ast.AST] = set()
        self.derived: dict[str, set[str]] = {}  # local -> names it flows from (one step)
        self.raw: set[str] = set(params)  # names bound only to a parameter's own value
        self.values: dict[str, ast.expr] = {}  # a local bound once: its expression
        self.bound: dict[str, list[ast.expr]] = {}  # every expression bound to a name
        #: locals that hold a form of a mask/lengths: name -> (that mask, its broadcast layout)
        self.aliases: dict[str, tuple[str, Layout | None]] = {}

    # ------------------------------------------------------------------ visiting
    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            self._assign(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign) or isinstance(node, ast.AugAssign):
            value = node.value
            if value is not None:
                self._assign([node.target], value)
        elif isinstance(node, ast.BinOp):
            self._binop(node)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Compare):
            self._compare(node)

    def _assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        sources = set(self._carried(value))
        for target in targets:
            for name in _target_names(target):
                self.bound.setdefault(name, []).append(value)
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            name = targets[0].id
            self.values[name] = value if name not in self.values else ast.Constant(None)
            by = self._mask_of(value) or self._lengths_mask(value)
            if by is not None and name not in self.params:
                self.aliases[name] = (by, _expansion_layout(value))
        for target in targets:
            for name in _target_names(target):
                if name in self.params and name not in sources:
                    self.raw.discard(name)
                self.derived.setdefault(name, set()).update(sources - {name})

    # ------------------------------------------------------------------ connections
    def _binop(self, node: ast.BinOp) -> None:
        if type(node.op) not in (ast.Mult, ast.Add, ast.Sub):
            return
        for data, mask in ((node.left, node.right), (node.right, node.left)):
            by = self._mask_of(mask)
            if by is None or self._mask_of(data) is not None:
                continue
            if isinstance(node.op, ast.Mult):
                self._masked_after(data, mask)
            same_step = _same_step(data, mask, self.values)
            layout = TB if same_step else self._layout(mask)
            if layout is None:
                continue
            self._connect(data, by, node, layout, ambiguous=layout == BT and not same_step)
            return

    def _call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else _name(func)
        args = [a for a in node.args if not isinstance(a, ast.Starred)]
        kw = {k.arg: k.value for k in node.keywords if k.arg is not None}
        if name in ("masked_fill", "masked_fill_") and isinstance(func, ast.Attribute):
            mask = args[0] if args else kw.get("mask")
            self._masks_data(func.value, mask, node)
        elif name == "masked_fill" and len(args) >= 2:
            self._masks_data(args[0], args[1], node)
        elif name in ("where", "boolean_mask") and len(args) >= 2:
            cond, data = (args[0], args[1]) if name == "where" else (args[1], args[0])
            self._masks_data(data, cond, node)
        elif name == "pack_padded_sequence" and args:
            lengths = args[1] if len(args) > 1 else kw.get("lengths")
            by = self._mask_of(lengths) if lengths is not None else None
            if by is not None:
                first = kw.get("batch_first")
                batch_first = isinstance(first, ast.Constant) and first.value is True
                self._connect(args[0], by, node, BT if batch_first else TB)
        elif name == "sequence_mask":
            lengths = args[0] if args else kw.get("lengths")
            maxlen = args[1] if len(args) > 1 else kw.get("maxlen")
            by = self._mask_of(lengths) if lengths is not None else None
            if by is not None and maxlen is not None:
                self._time_dim(maxlen, by, node)
        else:
            self._passed_together(node, args, kw)

    def _masks_data(self, data: ast.expr, mask: ast.expr | None, node: ast.AST) -> None:
        by = self._mask_of(mask) if mask is not None else None
        if by is None or mask is None or self._mask_of(data) is not None:
            return
        layout = self._layout(mask)
        if layout is not None:
            self._connect(data, by, node, layout, ambiguous=layout == BT)

    def _passed_together(
        self, node: ast.Call, args: list[ast.expr], kw: dict[str, ast.expr]
    ) -> None:
        key_masks = [v for k, v in kw.items() if k in KEY_MASK_KEYWORDS]
        if key_masks and len(args) >= 2:
            by = self._mask_of(key_masks[0])
            if by is not None:
                for key in args[1:3]:  # attention: the mask goes with the keys and values
                    self._connect(key, by, node, None)
            return
        if not _shown_callee(node.func):
            return
        masks = [v for k, v in kw.items() if k in MASK_KEYWORDS or k in LENGTH_KEYWORDS]
        masks += [a for a in args[1:] if self._mask_of(a) is not None]
        ids = kw.get("input_ids") or kw.get("inputs_embeds")
        data: ast.expr | None = args[0] if args else ids
        for mask in masks:
            by = self._mask_of(mask)
            if by is not None and data is not None and self._mask_of(data) is None:
                self._connect(data, by, node, BT if data is ids else None)
                return

    def _compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        ranges = [s for s in sides if _arange_bound(s) is not None]
        if not ranges:
            return
        for side in sides:
            if side in ranges:
                continue
            by = self._mask_of(side)
            if by is not None:
                bound = _arange_bound(ranges[0])
                assert bound is not None
                self._time_dim(bound, by, node)
                return

    def _time_dim(self, bound: ast.expr, by: str, node: ast.AST) -> None:
        """``bound`` is ``x.size(k)`` / ``x.shape[k]`` / ``tf.shape(x)[k]``: x's axis k is time."""
        if isinstance(bound, ast.Name) and bound.id in self.values:
            bound = self.values[bound.id]  # T = x.size(1)
        owner, axis = _dim_of(bound)
        if owner is not None and axis in (0, 1):
            self._connect(owner, by, node, BT if axis == 1 else TB)

    def _masked_after(self, data: ast.expr, mask: ast.expr) -> None:
        """``x[-1]...`` times ``mask[-1]``: what was read at that step contributes nothing."""
        step = _const_step(mask)
        if step is None:
            return
        value = self.values.get(data.id, data) if isinstance(data, ast.Name) else data
        for node in walk(value):
            if isinstance(node, ast.Subscript) and _const_step(node, own=True) == step:
                self.masked_reads.add(node)

    # ------------------------------------------------------------------ helpers
    def _layout(self, mask: ast.expr) -> Layout | None:
        """The broadcast layout of the mask side, through a local that holds the mask."""
        layout = _expansion_layout(mask)
        if layout == BT and isinstance(mask, ast.Name) and mask.id in self.aliases:
            return self.aliases[mask.id][1]
        return layout

    def _lengths_mask(self, value: ast.expr) -> str | None:
        """``sequence_mask(n, ...)`` / ``arange(T)[None] < n[:, None]``: a mask made of lengths."""
        if isinstance(value, ast.Call) and _name(value.func) == "sequence_mask" and value.args:
            return self._mask_of(value.args[0])
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            return self._lengths_mask(value.func.value)  # (...).float()
        if isinstance(value, ast.Compare):
            sides = [value.left, *value.comparators]
            if any(_arange_bound(s) is not None for s in sides):
                for side in sides:
                    if _arange_bound(side) is None and self._mask_of(side) is not None:
                        return self._mask_of(side)
        return None

    def _mask_of(self, node: ast.expr | None) -> str | None:
        """The mask/lengths name that ``node`` is a form of (``~m``, ``m.unsqueeze(-1)``...)."""
        while node is not None:
            if isinstance(node, ast.Name):
                name = node.id
                if name in self.roles:
                    return name
                alias = self.aliases.get(name)
                return alias[0] if alias is not None else None
            if isinstance(node, ast.UnaryOp):
                node = node.operand
            elif isinstance(node, ast.Subscript):
                node = node.value
            elif isinstance(node, ast.BinOp) and _is_number(node.left):
                node = node.right  # 1 - mask, 1.0 - m
            elif isinstance(node, ast.BinOp) and _is_number(node.right):
                node = node.left  # mask * -1e9
            elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
                if not isinstance(node.comparators[0], ast.Constant):
                    return None
                node = node.left  # mask == 0
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in _MASK_FORMS:
                    node = func.value
                elif (
                    _name(func) in ("cast", "expand_dims", "logical_not", "to_float") and node.args
                ):
                    node = node.args[0]
                else:
                    return None
            else:
                return None
        return None

    def _carried(self, node: ast.expr) -> Iterator[str]:
        """The names whose (batch, time) axes ``node``'s value keeps."""
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            # `batch.text`, `out.data`; `x.shape` is not a tensor of x's axes
            if node.attr not in ("shape", "size", "dtype", "device", "T", "mT"):
                yield from self._carried(node.value)
        elif isinstance(node, ast.Subscript):
            yield from self._carried(node.value)
        elif isinstance(node, ast.UnaryOp):
            yield from self._carried(node.operand)
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, ast.MatMult):
                yield from self._carried(node.left)
                yield from self._carried(node.right)
        elif isinstance(node, ast.IfExp):
            yield from self._carried(node.body)
            yield from self._carried(node.orelse)
        elif isinstance(node, ast.Tuple) or isinstance(node, ast.List):
            for el in node.elts:
                yield from self._carried(el)
        elif isinstance(node, ast.Call):
            func = node.func
            args = [a for a in node.args if not isinstance(a, ast.Starred)]
            if isinstance(func, ast.Attribute) and func.attr in _CARRY_METHODS:
                yield from self._carried(func.value)
            elif _shown_callee(func) and args:
                yield from self._carried(args[0])  # self.lstm(x), self.embed(tokens)

    def _connect(
        self, data: ast.expr, by: str, node: ast.AST, layout: Layout | None, ambiguous: bool = False
    ) -> None:
        roots = set(self._carried(data))
        direct = roots & self.params
        if ambiguous and not any(self._via_layer(name) for name in roots):
            return  # same-rank values no layer made: nothing shows a time axis
        for name in sorted(self._params_of(roots)):
            if name not in self.roles and name != by:
                self.found.setdefault(
                    name, Connection(name, by, node, layout if name in direct else None)
                )
        for name in sorted(roots - self.params):
            if name not in self.roles and name != "self":
                self.found.setdefault(name, Connection(name, by, node, layout))

    def _via_layer(self, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """``name`` holds what a layer or function the file shows made (a sequence's output)."""
        if name in seen:
            return False
        for node in walk(self.bound.get(name, [])):
            if isinstance(node, ast.Call) and _shown_callee(node.func):
                return True
        return any(self._via_layer(n, seen | {name}) for n in self.derived.get(name, ()))

    def _params_of(self, names: set[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(names)
        out: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.params:
                out.add(name)
            todo.extend(self.derived.get(name, ()))
        return out


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


_BUILTINS = frozenset(
    {
        "len",
        "int",
        "float",
        "bool",
        "str",
        "range",
        "list",
        "tuple",
        "dict",
        "set",
        "zip",
        "enumerate",
        "sorted",
        "reversed",
        "max",
        "min",
        "sum",
        "abs",
        "round",
        "isinstance",
        "getattr",
        "hasattr",
        "print",
        "type",
        "any",
        "all",
        "map",
        "filter",
        "iter",
        "next",
        "super",
        "id",
        "repr",
        "format",
        "open",
    }
)


def _shown_callee(func: ast.expr) -> bool:
    """A call whose callee the file can show: ``self.encoder(...)``, a function or model name."""
    if isinstance(func, ast.Name):
        return func.id not in _BUILTINS
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    )


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for el in target.elts:
            yield from _target_names(el)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _expansion_layout(mask: ast.expr) -> Layout | None:
    """How the mask side is broadcast: on a new last axis (BTF), as is (BT), or otherwise."""
    node = mask
    trailing = False
    while True:
        if isinstance(node, ast.Call):
            func = node.func
            args = node.args
            if isinstance(func, ast.Attribute) and func.attr == "unsqueeze":
                axis = _int_arg(args, node.keywords, "dim")
                if axis not in (-1, 2):
                    return None
                trailing = True
                node = func.value
            elif _name(func) == "expand_dims" and args:
                axis = _int_arg(args[1:], node.keywords, "axis")
                if axis not in (-1, 2):
                    return None
                trailing = True
                node = args[0]
            elif isinstance(func, ast.Attribute):
                node = func.value
            elif args:
                node = args[0]
            else:
                break
        elif isinstance(node, ast.Subscript):
            items = _index_items(node.slice)
            nones = [i for i, item in enumerate(items) if _is_none(item)]
            if nones:
                if nones != [len(items) - 1] and not (
                    len(items) == 2
                    and isinstance(items[0], ast.Constant)
                    and items[0].value is Ellipsis
                ):
                    return None
                trailing = True
            elif any(not isinstance(item, ast.Slice) for item in items):
                return None  # mask[t]: a step, handled as a same-step product
            node = node.value
        elif isinstance(node, ast.UnaryOp):
            node = node.operand
        elif isinstance(node, ast.BinOp):
            node = node.right if isinstance(node.left, ast.Constant) else node.left
        elif isinstance(node, ast.Compare):
            node = node.left
        else:
            break
    return BTF if trailing else BT


def _same_step(data: ast.expr, mask: ast.expr, values: dict[str, ast.expr]) -> bool:
    """``x[t] ... * mask[t]``: both sides read the same step of a time-major tensor."""
    a, b = _step_index(data, values), _step_index(mask)
    return a is not None and b is not None and ast.dump(a) == ast.dump(b)


def _step_index(node: ast.expr, values: dict[str, ast.expr] | None = None) -> ast.expr | None:
    while True:
        if isinstance(node, ast.Subscript):
            index = node.slice
            if type(index) in (ast.Name, ast.BinOp):
                return index
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        elif isinstance(node, ast.BinOp):
            node = node.left
        elif isinstance(node, ast.Name) and values is not None and node.id in values:
            node, values = values[node.id], None  # emit = x[t]...
        else:
            return None


def _const_step(node: ast.expr, own: bool = False) -> object:
    """The constant step ``k`` of ``m[k]`` / ``m[:, k]`` (through ``.float()`` and the like)."""
    while not own and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    if not isinstance(node, ast.Subscript):
        return None
    items = _index_items(node.slice)
    for item in items:
        if isinstance(item, ast.Slice):
            continue
        if isinstance(item, ast.Constant) and isinstance(item.value, int):
            return item.value
        if isinstance(item, ast.UnaryOp) and isinstance(item.operand, ast.Constant):
            value = item.operand.value
            return -value if isinstance(value, int) else None
        return None
    return None


def _arange_bound(node: ast.expr) -> ast.expr | None:
    """The bound of ``arange(x.size(1))[None, :]`` (or ``range``), else None."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    if isinstance(node, ast.Call):
        func = node.func
        if _name(func) in ("arange", "range") and node.args:
            return node.args[-1] if len(node.args) <= 2 else node.args[1]
        if isinstance(func, ast.Attribute):
            return _arange_bound(func.value)
    return None


def _dim_of(node: ast.expr) -> tuple[ast.expr | None, int | None]:
    """``x.size(1)``, ``x.shape[1]``, ``tf.shape(x)[1]``, ``x.shape.as_list()[1]`` -> (x, 1)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "size"
    ):
        axis = _int_arg(node.args, node.keywords, "dim")
        return node.func.value, axis
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        axis = node.slice.value if isinstance(node.slice.value, int) else None
        if not isinstance(axis, int):
            return None, None
        base = node.value
        if isinstance(base, ast.Attribute) and base.attr == "shape":
            return base.value, axis
        if isinstance(base, ast.Call) and _name(base.func) == "shape" and base.args:
            return base.args[0], axis
    return None, None


def _int_arg(args: list[ast.expr], keywords: list[ast.keyword], name: str) -> int | None:
    node: ast.expr | None = args[0] if args else None
    for k in keywords:
        if k.arg == name:
            node = k.value
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        value = node.operand.value
        return -value if isinstance(value, int) else None
    return None


def _index_items(index: ast.expr) -> list[ast.expr]:
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def _is_number(node: ast.expr) -> bool:
    """``1.0``, ``-1e9``, ``-inf``-free literals: the constant side of ``1 - mask``."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
