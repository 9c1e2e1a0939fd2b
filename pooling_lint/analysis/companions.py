"""The lengths or the mask that go with a padded value, named where a fix can use them.

A fix that switches ``x.mean(dim=1)`` to ``masked_mean(x, lengths)`` needs the lengths (or the
mask) that belong to ``x``, as a name that holds them at the finding. That comes from data
flow, never from a name: the value's padding must come from a connection
(analysis/connections.py) of a form whose meaning the API fixes, and the finding must read the
value that connection was made with, through steps that keep every row's steps in place.

- ``pack_padded_sequence(x, lengths)``, ``sequence_mask(lengths, x.shape[1])`` and
  ``arange(x.size(1)) < lengths[:, None]`` give the lengths of ``x``'s right-padded rows;
- ``x * m[..., None]``, ``where(m, x, 0)`` and ``x.masked_fill(~m[..., None], 0)`` give a mask
  ``m`` that is true at the valid steps (``masked_fill(m, ...)`` fills where ``m`` is true, so
  there ``m`` marks the padding and is no such mask); a mask built from the lengths
  (``m = sequence_mask(lengths, ...)``) gives the lengths themselves.

The name must hold the same value at the finding as at the connection (a parameter never
rebound, or a local bound once, in the function's own top-level statements), and the connection
must run before the finding on every path (a top-level statement of the same function, or a
part of the pooled expression: ``(h * mask[..., None]).mean(1)``). A mask
passed to a call (``self.encoder(x, mask)``) says nothing about which of its values mark the
padding, and a value moved along time (``x[:, 1:]``, ``flip``, ``cat``, ``x[idx]``) no longer
lines up with the lengths: neither gives a companion.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from pooling_lint.analysis.connections import _arange_bound, _dim_of
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library.spec import SAME_VALUE_FUNCTIONS
from pooling_lint.analysis.scopes import all_params
from pooling_lint.analysis.values import Evidence, Tensor
from pooling_lint.analysis.walk import FUNCTIONS, walk

Kind = Literal["lengths", "mask"]


@dataclass(frozen=True)
class Companion:
    """``name`` holds the lengths (``[batch]``) or the valid-step mask (``[batch, time]``) of
    the padded value, at the finding; ``evidence`` is the connection that shows it."""

    kind: Kind
    name: str
    evidence: Evidence


#: Methods whose result holds the same values as the receiver (dtype and device moves).
_SAME_VALUES = frozenset(
    {"float", "double", "half", "bool", "long", "int", "byte", "to", "type", "type_as"}
    | {"cuda", "cpu", "detach", "contiguous", "clone"}
)
#: Methods and functions applied step by step: the result keeps every row's steps in place.
_STEPWISE = frozenset(
    _SAME_VALUES
    | {"relu", "gelu", "tanh", "sigmoid", "exp", "log", "abs", "neg", "sqrt", "dropout"}
    | {"masked_fill", "masked_fill_", "mul", "add", "sub", "div", "softplus", "elu", "silu"}
    | {"layer_norm", "leaky_relu"}
)
#: Layers whose output keeps the (batch, time) steps of their input.
_STEP_LAYERS = frozenset(
    {
        "torch.nn.LSTM",
        "torch.nn.GRU",
        "torch.nn.RNN",
        "torch.nn.Linear",
        "torch.nn.Dropout",
        "torch.nn.LayerNorm",
        "torch.nn.ReLU",
        "torch.nn.Tanh",
        "torch.nn.GELU",
        "torch.nn.Identity",
        "keras.layers.Dense",
        "keras.layers.Dropout",
        "keras.layers.LayerNormalization",
    }
)
#: Layers that return ``(output, state)``: element 0 keeps the input's steps.
_TUPLE_LAYERS = frozenset({"torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"})
_PAD_PACKED = "torch.nn.utils.rnn.pad_packed_sequence"
_PACK = "torch.nn.utils.rnn.pack_padded_sequence"

_PARAM = "param"


def companion(facts: FileFacts, t: Tensor, operand: ast.AST, at: ast.AST) -> Companion | None:
    """The lengths or mask of ``t`` (the value of ``operand``), usable at ``at``; else None."""
    pad = t.padding
    if pad is None:
        return None
    conn = pad.evidence.node
    scope = facts.connection_scopes.get(conn)
    if scope is None:
        return _from_pad_packed(facts, conn, operand, at)
    by, fn = scope
    if not isinstance(fn, FUNCTIONS):
        return None
    body = _Body(fn)
    if not (body.runs_before(conn, at) or _inside(conn, operand)):
        return None
    found = _read(body, conn, by)
    if found is None:
        return None
    kind, name, data, expanded = found
    if kind == "mask" and not expanded and t.rank != 2:
        return None  # `h * mask` with the mask at h's own rank: not a [batch, time] mask
    if not body.stable(name, at):
        return None
    if not (_points(facts, body, operand) & _points(facts, body, data)):
        return None
    return Companion(kind, name, Evidence(conn, ""))


def _inside(node: ast.AST, expr: ast.AST) -> bool:
    """``node`` is part of ``expr`` (``(h * mask[..., None]).mean(1)``): it ran before."""
    return any(n is node for n in walk(expr))


def _from_pad_packed(
    facts: FileFacts, conn: ast.AST, operand: ast.AST, at: ast.AST
) -> Companion | None:
    """``out, _ = pad_packed_sequence(self.lstm(pack_padded_sequence(x, lengths))...)``: the
    lengths given to the packing are the lengths of every row of ``out``."""
    if not isinstance(conn, ast.Call) or facts.qualname(conn.func) != _PAD_PACKED:
        return None
    fn = _enclosing_function(facts.tree, at)
    if fn is None:
        return None
    body = _Body(fn)
    if not body.runs_before(conn, at) or not conn.args:
        return None
    name = _packed_lengths(facts, body, conn.args[0])
    if name is None or not body.stable(name, at):
        return None
    if not (_points(facts, body, operand) & _first_of_tuple(facts, body, conn)):
        return None
    return Companion("lengths", name, Evidence(conn, ""))


def _packed_lengths(facts: FileFacts, body: _Body, expr: ast.expr, depth: int = 0) -> str | None:
    """The lengths a ``PackedSequence`` was packed with, back through the RNNs that read it."""
    if depth > 20:
        return None
    if isinstance(expr, ast.Name):
        b = body.binding(expr.id, expr)
        if not isinstance(b, ast.Assign) or len(b.targets) != 1:
            return None
        target, value = b.targets[0], b.value
        if isinstance(target, ast.Name):
            return _packed_lengths(facts, body, value, depth + 1)
        if isinstance(target, ast.Tuple) and target.elts and isinstance(value, ast.Call):
            first = target.elts[0]
            if isinstance(first, ast.Name) and first.id == expr.id and value.args:
                if _layer_of(facts, value) in _TUPLE_LAYERS:
                    return _packed_lengths(facts, body, value.args[0], depth + 1)
        return None
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Call):
        call = expr.value
        if _int_value(expr.slice) == 0 and call.args and _layer_of(facts, call) in _TUPLE_LAYERS:
            return _packed_lengths(facts, body, call.args[0], depth + 1)
        return None
    if isinstance(expr, ast.Call) and facts.qualname(expr.func) == _PACK:
        args = [a for a in expr.args if not isinstance(a, ast.Starred)]
        kw = {k.arg: k.value for k in expr.keywords if k.arg is not None}
        lengths = args[1] if len(args) > 1 else kw.get("lengths")
        return _plain_lengths(lengths) if lengths is not None else None
    return None


def _enclosing_function(
    tree: ast.AST, node: ast.AST
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose body holds ``node``."""
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for fn in ast.walk(tree):
        if isinstance(fn, FUNCTIONS) and _pos(fn) <= _pos(node) and _end(node) <= _end(fn):
            if best is None or _pos(fn) > _pos(best):
                best = fn
    return best


# ---------------------------------------------------------------- the function's bindings
def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


class _Body:
    """Where each name of one function is bound: only plain top-level bindings are read."""

    def __init__(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.fn = fn
        self.params = {p.arg for p, _ in all_params(fn.args)}
        if fn.args.kwarg is not None:
            self.params.add(fn.args.kwarg.arg)
        self.top = list(fn.body)
        self.nodes = set(walk(fn.body, into_scopes=False))
        #: name -> its top-level plain bindings (Assign/AnnAssign statements), in order
        self.plain: dict[str, list[ast.stmt]] = {}
        #: names also bound some other way (in a block, a loop target, augmented, deleted...)
        self.other: set[str] = set()
        plain_targets: set[int] = set()
        for stmt in self.top:
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = list(stmt.targets)
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets = [stmt.target]
            for target in targets:
                for el in _plain_names(target):
                    self.plain.setdefault(el.id, []).append(stmt)
                    plain_targets.add(id(el))
        for node in self.nodes:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                if id(node) not in plain_targets:
                    self.other.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.other.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.other.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.other.add(node.name)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                self.other.update(node.names)

    def top_statement(self, node: ast.AST) -> ast.stmt | None:
        for stmt in self.top:
            if _pos(stmt) <= _pos(node) and _end(node) <= _end(stmt):
                return stmt
        return None

    def runs_before(self, conn: ast.AST, at: ast.AST) -> bool:
        """``conn`` is in a top-level statement of the function that ends before ``at``."""
        if conn not in self.nodes or at not in self.nodes:
            return False
        stmt = self.top_statement(conn)
        return (
            stmt is not None
            and isinstance(stmt, ast.Assign | ast.AnnAssign | ast.Expr)
            and (_end(stmt) <= _pos(at))
        )

    def binding(self, name: str, before: ast.AST) -> ast.stmt | str | None:
        """The statement whose value ``name`` holds at ``before``; ``"param"``; None: unsure."""
        if name in self.other:
            return None
        earlier = [s for s in self.plain.get(name, []) if _end(s) <= _pos(before)]
        if earlier:
            return earlier[-1]
        return _PARAM if name in self.params else None

    def stable(self, name: str, at: ast.AST) -> bool:
        """``name`` holds one value wherever the function can read it before ``at``."""
        if name in self.other:
            return False
        plain = self.plain.get(name, [])
        if name in self.params:
            return not plain
        return len(plain) == 1 and _end(plain[0]) <= _pos(at)

    def value(self, name: str) -> ast.expr | None:
        """The expression a local bound exactly once holds."""
        plain = self.plain.get(name, [])
        if name in self.other or name in self.params or len(plain) != 1:
            return None
        stmt = plain[0]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            if isinstance(stmt.targets[0], ast.Name):
                return stmt.value
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            return stmt.value
        return None


def _plain_names(target: ast.expr) -> list[ast.Name]:
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        if all(isinstance(el, ast.Name) for el in target.elts):
            return [el for el in target.elts if isinstance(el, ast.Name)]
    return []


# ---------------------------------------------------------------- what a connection shows
#: (kind, name, the data the connection was made with, whether the mask met that data on a
#: new trailing axis: a mask applied as is has the data's own rank)
_Read = tuple[Kind, str, ast.expr, bool]


def _read(body: _Body, conn: ast.AST, by: str) -> _Read | None:
    """What a connection of one of the forms of the module doc shows."""
    if isinstance(conn, ast.Call):
        func = conn.func
        fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args = [a for a in conn.args if not isinstance(a, ast.Starred)]
        kw = {k.arg: k.value for k in conn.keywords if k.arg is not None}
        if fname == "pack_padded_sequence" and args:
            lengths = args[1] if len(args) > 1 else kw.get("lengths")
            if lengths is not None and _plain_lengths(lengths) == by:
                return ("lengths", by, args[0], True)
            return None
        if fname == "sequence_mask":
            lengths = args[0] if args else kw.get("lengths")
            maxlen = args[1] if len(args) > 1 else kw.get("maxlen")
            owner = _time_owner(body, maxlen)
            if lengths is not None and owner is not None and _plain_lengths(lengths) == by:
                return ("lengths", by, owner, True)
            return None
        if fname in ("masked_fill", "masked_fill_"):
            if isinstance(func, ast.Attribute) and not _is_module(func.value):
                data, mask = func.value, (args[0] if args else kw.get("mask"))
            elif len(args) >= 2:
                data, mask = args[0], args[1]
            else:
                return None
            return _masked(body, data, mask, by, marks_valid=False)
        if fname == "where" and len(args) >= 2:
            return _masked(body, args[1], args[0], by, marks_valid=True)
        return None
    if isinstance(conn, ast.BinOp) and isinstance(conn.op, ast.Mult):
        for data, mask in ((conn.left, conn.right), (conn.right, conn.left)):
            found = _masked(body, data, mask, by, marks_valid=True)
            if found is not None:
                return found
        return None
    if isinstance(conn, ast.Compare):
        sides = [conn.left, *conn.comparators]
        ranges = [s for s in sides if _arange_bound(s) is not None]
        others = [s for s in sides if s not in ranges]
        if len(ranges) != 1 or len(others) != 1 or _plain_lengths(others[0]) != by:
            return None
        owner = _time_owner(body, _arange_bound(ranges[0]))
        return ("lengths", by, owner, True) if owner is not None else None
    return None


def _masked(
    body: _Body, data: ast.expr, mask: ast.expr | None, by: str, marks_valid: bool
) -> _Read | None:
    chain = _mask_chain(mask) if mask is not None else None
    if chain is None:
        return None
    root, inverted, expanded = chain
    if expanded > 1:
        return None
    if root == by:
        valid = marks_valid != inverted
        return ("mask", by, data, expanded == 1) if valid else None
    # a local mask made of the lengths: those lengths are the companion, whatever the polarity
    value = body.value(root)
    if value is not None and _lengths_mask_of(body, value) == by:
        return ("lengths", by, data, True)
    return None


def _lengths_mask_of(body: _Body, value: ast.expr) -> str | None:
    """``sequence_mask(n, T)`` / ``arange(T)[None] < n[:, None]`` (through ``.float()``): n."""
    while (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in _SAME_VALUES
    ):
        value = value.func.value
    if isinstance(value, ast.Call):
        fname = value.func.attr if isinstance(value.func, ast.Attribute) else ""
        fname = fname or getattr(value.func, "id", "")
        if fname in SAME_VALUE_FUNCTIONS and value.args:
            return _lengths_mask_of(body, value.args[0])
        if fname == "sequence_mask" and value.args:
            return _plain_lengths(value.args[0])
        return None
    if isinstance(value, ast.Compare) and len(value.comparators) == 1:
        sides = [value.left, value.comparators[0]]
        ranges = [s for s in sides if _arange_bound(s) is not None]
        others = [s for s in sides if s not in ranges]
        if len(ranges) == 1 and len(others) == 1:
            return _plain_lengths(others[0])
    return None


def _time_owner(body: _Body, bound: ast.expr | None) -> ast.expr | None:
    """``x`` of ``x.size(1)`` / ``x.shape[1]`` / ``tf.shape(x)[1]`` (through ``T = ...``)."""
    if bound is None:
        return None
    if isinstance(bound, ast.Name):
        value = body.value(bound.id)
        if value is None:
            return None
        bound = value
    owner, axis = _dim_of(bound)
    return owner if axis == 1 else None


def _is_module(node: ast.expr) -> bool:
    """``torch`` / ``tf`` / ``F`` in ``torch.masked_fill(x, m, 0)``: a module, no receiver."""
    return isinstance(node, ast.Name) and node.id in ("torch", "tf", "F", "np", "ops")


def _plain_lengths(node: ast.expr) -> str | None:
    """The name of ``lengths``, ``lengths.cpu()``, ``lengths[:, None]``, ``tf.cast(lengths, t)``:
    the same values, as they are or on a new trailing axis."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _SAME_VALUES:
                node = func.value
                continue
            if isinstance(func, ast.Attribute) and func.attr == "unsqueeze":
                if _int_value(node.args[0] if node.args else None) in (1, -1):
                    node = func.value
                    continue
                return None
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname in SAME_VALUE_FUNCTIONS and node.args:
                node = node.args[0]
                continue
            return None
        if isinstance(node, ast.Subscript) and _trailing_newaxis(node.slice, rank=1):
            node = node.value
            continue
        return None


def _mask_chain(node: ast.expr) -> tuple[str, bool, int] | None:
    """The name a ``[batch, time]`` mask expression is a form of, whether it is inverted
    (``~m``, ``m == 0``, ``1 - m``, ``m.logical_not()``) and how many new trailing axes it got
    (``m[..., None]``, ``m.unsqueeze(-1)``); dtype moves keep it. Anything else: None."""
    inverted, expanded = False, 0
    while True:
        if isinstance(node, ast.Name):
            return node.id, inverted, expanded
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
            inverted, node = not inverted, node.operand
        elif isinstance(node, ast.Subscript) and _trailing_newaxis(node.slice, rank=2):
            node, expanded = node.value, expanded + 1
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            if _int_value(node.left) != 1:
                return None
            inverted, node = not inverted, node.right
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            flip = _compare_flip(node.ops[0], node.comparators[0])
            if flip is None:
                return None
            inverted, node = inverted != flip, node.left
        elif isinstance(node, ast.Call):
            func = node.func
            recv = func.value if isinstance(func, ast.Attribute) else None
            attr = func.attr if isinstance(func, ast.Attribute) else None
            fname = attr or getattr(func, "id", "")
            if recv is not None and not _is_module(recv):
                if attr in _SAME_VALUES:
                    node = recv
                elif attr == "unsqueeze":
                    if _int_value(node.args[0] if node.args else None) not in (2, -1):
                        return None
                    node, expanded = recv, expanded + 1
                elif attr == "logical_not":
                    inverted, node = not inverted, recv
                elif attr in ("eq", "ne") and len(node.args) == 1:
                    op: ast.cmpop = ast.Eq() if attr == "eq" else ast.NotEq()
                    flip = _compare_flip(op, node.args[0])
                    if flip is None:
                        return None
                    inverted, node = inverted != flip, recv
                else:
                    return None
            elif fname in SAME_VALUE_FUNCTIONS and node.args:
                node = node.args[0]
            elif fname == "logical_not" and node.args:
                inverted, node = not inverted, node.args[0]
            elif fname == "expand_dims" and len(node.args) == 2:
                if _int_value(node.args[1]) not in (2, -1):
                    return None
                node, expanded = node.args[0], expanded + 1
            else:
                return None
        else:
            return None


def _compare_flip(op: ast.cmpop, other: ast.expr) -> bool | None:
    """Does ``m <op> other`` invert a 0/1 mask (``== 0``: yes, ``!= 0``/``== 1``/``> 0``: no)?"""
    value = _int_value(other)
    if isinstance(other, ast.Constant) and isinstance(other.value, bool):
        value = int(other.value)
    if value == 0:
        if isinstance(op, ast.Eq):
            return True
        if isinstance(op, (ast.NotEq, ast.Gt)):
            return False
    if value == 1:
        if isinstance(op, ast.Eq):
            return False
        if isinstance(op, (ast.NotEq, ast.Lt)):
            return True
    return None


def _trailing_newaxis(index: ast.expr, rank: int) -> bool:
    """``[..., None]``, or a full slice per axis of a value of ``rank`` and then ``None``
    (``lengths[:, None]``, ``mask[:, :, None]``): one new last axis."""
    items = list(index.elts) if isinstance(index, ast.Tuple) else [index]
    if len(items) < 2 or not (isinstance(items[-1], ast.Constant) and items[-1].value is None):
        return False
    head = items[:-1]
    if len(head) == 1 and isinstance(head[0], ast.Constant) and head[0].value is Ellipsis:
        return True
    return len(head) == rank and all(
        isinstance(i, ast.Slice) and i.lower is None and i.upper is None and i.step is None
        for i in head
    )


def _int_value(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_value(node.operand)
        return -inner if inner is not None else None
    return None


# ---------------------------------------------------------------- which values line up
def _points(facts: FileFacts, body: _Body, expr: ast.AST, depth: int = 0) -> set[object]:
    """The bindings whose value ``expr`` holds step by step: every row's steps in place.

    A binding point is ``("param", name)`` or ``(statement, name)``. Two expressions whose
    points meet hold values whose (batch, time) steps line up.
    """
    if depth > 40:
        return set()
    nxt = depth + 1
    if isinstance(expr, ast.Name):
        b = body.binding(expr.id, expr)
        if b is None:
            return set()
        if b == _PARAM:
            return {(_PARAM, expr.id)}
        assert isinstance(b, ast.stmt)
        out: set[object] = {(b, expr.id)}
        value = getattr(b, "value", None)
        target = b.targets[0] if isinstance(b, ast.Assign) and len(b.targets) == 1 else None
        if isinstance(b, ast.AnnAssign):
            target = b.target
        if isinstance(target, ast.Name) and value is not None:
            out |= _points(facts, body, value, nxt)
        elif isinstance(target, ast.Tuple) and target.elts and isinstance(value, ast.Call):
            first = target.elts[0]
            if isinstance(first, ast.Name) and first.id == expr.id:
                out |= _first_of_tuple(facts, body, value, nxt)
        return out
    if isinstance(expr, ast.Subscript):
        if _int_value(expr.slice) == 0 and isinstance(expr.value, ast.Call):
            return _first_of_tuple(facts, body, expr.value, nxt)
        return set()
    if isinstance(expr, ast.BinOp):
        if isinstance(expr.op, ast.MatMult):
            return _points(facts, body, expr.left, nxt)
        if isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            return _points(facts, body, expr.left, nxt) | _points(facts, body, expr.right, nxt)
        return set()
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return _points(facts, body, expr.operand, nxt)
    if isinstance(expr, ast.Call):
        func = expr.func
        args = [a for a in expr.args if not isinstance(a, ast.Starred)]
        if isinstance(func, ast.Attribute) and not _is_module(func.value):
            if func.attr in _STEPWISE:
                return _points(facts, body, func.value, nxt)
            if func.attr == "squeeze" and _int_value(args[0] if args else None) in (-1, 2):
                return _points(facts, body, func.value, nxt)
        qual = facts.qualname(func) or ""
        if qual == _PACK and args:
            return _points(facts, body, args[0], nxt)
        short = qual.rsplit(".", 1)[-1]
        if qual.split(".")[0] in ("torch", "tensorflow", "keras") and args:
            if short in _STEPWISE or short in SAME_VALUE_FUNCTIONS:
                return _points(facts, body, args[0], nxt)
            if short == "where" and len(args) == 3:  # where(m, x, 0): x's steps, selected
                return _points(facts, body, args[1], nxt) | _points(facts, body, args[2], nxt)
        layer = _layer_of(facts, expr)
        if layer in _STEP_LAYERS and layer not in _TUPLE_LAYERS and args:
            return _points(facts, body, args[0], nxt)
    return set()


def _first_of_tuple(facts: FileFacts, body: _Body, call: ast.Call, depth: int = 0) -> set[object]:
    """Element 0 of ``self.lstm(x)`` or ``pad_packed_sequence(out, ...)``: x's steps."""
    args = [a for a in call.args if not isinstance(a, ast.Starred)]
    if not args:
        return set()
    if facts.qualname(call.func) == _PAD_PACKED or _layer_of(facts, call) in _TUPLE_LAYERS:
        return _points(facts, body, args[0], depth)
    return set()


def _layer_of(facts: FileFacts, call: ast.Call) -> str | None:
    for lc in facts.layer_calls:
        if lc.node is call:
            return lc.layer.qualname
    return None
