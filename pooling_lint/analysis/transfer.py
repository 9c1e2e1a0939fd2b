"""Transfer functions: what each modelled call, layer, operator and subscript does to values."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import (
    CallFact,
    LayerCall,
    MaskDropped,
    ModelCall,
    Reduction,
    SubscriptFact,
)
from pooling_lint.analysis.values import (
    Const,
    Dim,
    DimOf,
    Evidence,
    FunctionRef,
    Instance,
    KerasModel,
    Layer,
    ListOf,
    Packed,
    Padding,
    SelfRef,
    ShapeOf,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


# ----------------------------------------------------------------------------- helpers
def _const(v: Value) -> Any:
    return v.value if isinstance(v, Const) else None


def _int(v: Value) -> int | None:
    c = _const(v)
    return c if isinstance(c, int) and not isinstance(c, bool) else None


def _dim(v: Value, node: ast.expr | None = None) -> Dim:
    """A dimension from a value: an int, or a symbolic name for a plain variable."""
    c = _const(v)
    if isinstance(c, int) and not isinstance(c, bool):
        return c
    return _name_dim(node)


def _name_dim(node: ast.expr | None) -> Dim:
    """The name a dimension is written with: ``seq_len``, ``self.hidden`` -> ``hidden``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and _is_named_constant(node.value):
        return str(node.value)  # `None` was a name when libcst read the code
    return None


def _is_named_constant(value: object) -> bool:
    """True, False or None (by identity: ``1 == True``)."""
    return value is True or value is False or value is None


def _short(q: str) -> str:
    for long, short in (
        ("tensorflow.", "tf."),
        ("torch.nn.functional.", "F."),
        ("keras.backend.", "K."),
        ("numpy.", "np."),
    ):
        if q.startswith(long):
            return short + q[len(long) :]
    return q


def _layout_from_names(dims: tuple[Dim, ...]) -> str | None:
    """Infer a layout from dimension names like (batch_size, seq_len, n_features)."""
    if len(dims) != 3 or not all(isinstance(d, str) for d in dims):
        return None
    kinds = []
    for d in dims:
        low = str(d).lower()
        if "batch" in low or low in ("b", "bs", "n_samples", "num_samples"):
            kinds.append("B")
        elif any(k in low for k in ("seq", "len", "time", "step", "frames")) or low in ("t",):
            kinds.append("T")
        elif any(k in low for k in ("feat", "dim", "input_size", "hidden", "channel", "emb")):
            kinds.append("F")
        else:
            return None
    layout = "".join(kinds)
    return layout if layout in ("BTF", "TBF") else None


def _names(nodes: list[ast.expr | None]) -> tuple[Dim, ...]:
    return tuple(_name_dim(n) for n in nodes)


def _shape_from_literal(node: ast.expr) -> tuple[int, ...] | None:
    """The shape of a nested list/tuple literal, if it is rectangular."""
    if isinstance(node, (ast.List, ast.Tuple)):
        subs = [e for e in node.elts if type(e) is not ast.Starred]
        if len(subs) != len(node.elts):
            return None
        if not subs:
            return (0,)
        inner = [_shape_from_literal(s) for s in subs]
        if all(i is not None for i in inner) and all(i == inner[0] for i in inner):
            return (len(subs), *inner[0])  # type: ignore[misc]
        if all(i == () for i in inner):
            return (len(subs),)
        return None
    kind = type(node)
    if kind is ast.UnaryOp or kind is ast.Name:
        return ()
    if kind is ast.Constant and (
        type(node.value) in (int, float) or _is_named_constant(node.value)  # type: ignore[attr-defined]
    ):
        return ()  # a number, or True/False/None (names, as libcst read them)
    return None


def _literal_ints(node: ast.expr) -> tuple[int, ...] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for e in node.elts:
            if type(e) is ast.Constant and type(e.value) is int:
                out.append(e.value)
            else:
                return None
        return tuple(out)
    return None


def _bind_args(q: str, fact: CallFact) -> dict[str, Value]:
    names = lib.SIGNATURES.get(q, ())
    out: dict[str, Value] = {}
    for n, v in zip(names, fact.args):
        out[n] = v
    for k, v in fact.kwargs:
        out[k] = v
    return out


def _arg_node(fact: CallFact, index: int, name: str) -> ast.expr | None:
    return fact.arg_node(index, name)


def _first_tensor(values: tuple[Value, ...]) -> Tensor | None:
    for v in values:
        if isinstance(v, Tensor):
            return v
    return None


def _drop_axis(t: Tensor, axis: int | None, keepdims: bool = False) -> Tensor:
    if axis is None:
        return Tensor(origin=t.origin)
    time_gone = axis == t.time_axis
    layout = t.layout
    dims = t.dims
    rank = t.rank
    if keepdims:
        if dims is not None:
            dims = tuple(1 if i == axis else d for i, d in enumerate(dims))
    else:
        if layout is not None and (rank is None or len(layout) == rank) and axis < len(layout):
            layout = layout[:axis] + layout[axis + 1 :]
        else:
            layout = None
        if dims is not None and axis < len(dims):
            dims = dims[:axis] + dims[axis + 1 :]
        rank = rank - 1 if rank is not None else None
    return t.with_(
        rank=rank,
        dims=dims,
        layout=layout or None,
        padding=None if time_gone else t.padding,
        keras_mask=None if time_gone else t.keras_mask,
        rnn=None if time_gone else t.rnn,
        bidirectional=t.bidirectional,
        role="data" if t.role in ("scores", "masked_scores") and time_gone else t.role,
    )


def _axis_value(fact: CallFact, pos: int, names: tuple[str, ...] = ("axis", "dim")) -> Value:
    for n in names:
        v = fact.kwarg(n)
        if v is not None or fact.has_kwarg(n):
            return v
    if pos < len(fact.args):
        return fact.args[pos]
    return Const(None) if not any(fact.has_kwarg(n) for n in names) else None


def _normalise_axis(axis: Value, t: Tensor) -> tuple[bool, int | None]:
    """(known, axis): known is False when the axis expression could not be read."""
    c = _const(axis)
    if isinstance(axis, Const) and c is None:
        return True, None  # all axes
    if isinstance(c, (tuple, list)) and len(c) == 1:
        c = c[0]
    if isinstance(c, int) and not isinstance(c, bool):
        if c < 0:
            if t.rank is None:
                return False, None  # a layout prefix does not say how many axes follow
            c += t.rank
        return True, c
    return False, None


def reduce(
    it: Interpreter,
    node: ast.AST,
    op: str,
    api: str,
    t: Tensor,
    axis_value: Value,
    operand_node: ast.AST | None,
    keepdims: bool = False,
    layer: Layer | None = None,
    has_mask: bool = False,
) -> Value:
    known, axis = _normalise_axis(axis_value, t)
    if not known:
        return None
    it.record("reductions", Reduction(node, op, api, t, axis, operand_node, layer, has_mask))
    if op == "sum" and t.role == "mask":
        return Tensor(role="lengths", origin=Evidence(node, api))
    if op == "softmax":
        out = t.with_(role="weights", origin=Evidence(node, api))
        if t.padding is not None and axis == t.time_axis and t.padding.fill == "-inf":
            out = out.with_(padding=Padding(t.padding.evidence, t.padding.side, "zero"))
        return out
    out = _drop_axis(t, axis, keepdims)
    if op == "sum" and axis is not None and axis == t.time_axis and t.role == "data":
        out = out.with_(role="pooled_sum")
    return out


# ----------------------------------------------------------------------- entry point
def call(it: Interpreter, fact: CallFact, callee: Value) -> Value:
    if fact.method is not None and fact.receiver is not None:
        return _method_call(it, fact)
    func = fact.node.func
    if type(func) is ast.Name and callee is None and func.id in it.classes:
        frame_env = it.frame.env if it.frame is not None else {}
        if func.id not in frame_env:
            return _instantiate(it, fact, func.id)
    if isinstance(callee, Layer):
        return apply_layer(it, fact.node, callee, fact.args[0] if fact.args else None, fact)
    if isinstance(callee, KerasModel):
        return _model_call(it, fact, callee, None)
    if isinstance(callee, Instance):
        return _instance_call(it, fact, callee, "__call__")
    if isinstance(callee, FunctionRef):
        return _function_call(it, fact, callee)
    if fact.qualname is not None:
        return _library_call(it, fact, fact.qualname)
    return None


def _instantiate(it: Interpreter, fact: CallFact, class_name: str) -> Value:
    key = it.class_method_key(class_name, "__init__")
    if key is not None:
        it.call_unit(key, fact.args, fact.kwargs, skip_self=True)
    return Instance(class_name, fact.node)


def _instance_call(it: Interpreter, fact: CallFact, inst: Instance, method: str) -> Value:
    names = ("forward", "call") if method in ("__call__", "forward", "call") else (method,)
    for name in names:
        key = it.class_method_key(inst.class_name, name)
        if key is not None:
            # Inside a layer's call() the inputs are real tensors and the Keras mask arrives
            # as the `mask` argument, so symbolic facts do not cross the call.
            args = tuple(_drop_symbolic(a) for a in fact.args)
            kwargs = tuple((k, _drop_symbolic(v)) for k, v in fact.kwargs)
            ret = it.call_unit(key, args, kwargs, skip_self=True)
            first = fact.args[0] if fact.args else None
            if isinstance(first, Tensor) and first.keras_mask is not None:
                if inst.class_name in it.mask_passing:
                    # supports_masking / compute_mask: Keras hands the mask on downstream
                    base = ret if isinstance(ret, Tensor) else first
                    return base.with_(
                        keras_mask=first.keras_mask,
                        mask_consumed=first.mask_consumed,
                        padding=base.padding or first.padding,
                        symbolic=first.symbolic,
                    )
                return Tensor(symbolic=first.symbolic)  # what the layer does to the mask: unsure
            if isinstance(ret, Tensor) and isinstance(first, Tensor) and first.symbolic:
                ret = ret.with_(symbolic=first.symbolic)
            return ret
    if method in lib.MODEL_DATA_METHODS:
        it.record(
            "model_calls", ModelCall(fact.node, inst, method, fact.args[0] if fact.args else None)
        )
    return None


def _function_call(it: Interpreter, fact: CallFact, ref: FunctionRef) -> Value:
    if isinstance(ref.node, ast.Lambda):
        return None
    key = ref.name if ref.name in it.units and it.units[ref.name].node is ref.node else None
    if key is None:
        for k, unit in it.units.items():
            if unit.node is ref.node:
                key = k
                break
    if key is None:
        return None
    return it.call_unit(key, fact.args, fact.kwargs, skip_self=False)


# ------------------------------------------------------------------------ methods
def _method_call(it: Interpreter, fact: CallFact) -> Value:
    recv = fact.receiver
    m = fact.method or ""
    if isinstance(recv, Tensor):
        return _tensor_method(it, fact, recv, m)
    if isinstance(recv, KerasModel):
        return _model_call(it, fact, recv, m)
    if isinstance(recv, Instance):
        return _instance_call(it, fact, recv, m)
    if isinstance(recv, SelfRef):
        attr = it.class_attrs.get(recv.class_name, {}).get(m)
        if isinstance(attr, Layer):
            return apply_layer(it, fact.node, attr, fact.args[0] if fact.args else None, fact)
        if isinstance(attr, Instance):
            return _instance_call(it, fact, attr, "__call__")
        if isinstance(attr, KerasModel):
            return _model_call(it, fact, attr, None)
        key = it.class_method_key(recv.class_name, m)
        if key is not None:
            return it.call_unit(key, fact.args, fact.kwargs, skip_self=True)
        return None
    if isinstance(recv, Layer):
        if m in ("forward", "call", "__call__"):
            return apply_layer(it, fact.node, recv, fact.args[0] if fact.args else None, fact)
        return None
    if isinstance(recv, ShapeOf) and m == "as_list":
        return recv
    return None


def _tensor_method(it: Interpreter, fact: CallFact, t: Tensor, m: str) -> Value:
    node = fact.node
    func = node.func
    operand_node = func.value if isinstance(func, ast.Attribute) else None
    if m in lib.REDUCTION_METHODS:
        op = lib.REDUCTION_METHODS[m]
        if op == "sum" and t.role == "mask":
            # mask.sum(1): the number of valid steps per row
            return Tensor(role="lengths", origin=Evidence(node, ""))
        keepdims = _const(fact.kwarg("keepdim")) is True or _const(fact.kwarg("keepdims")) is True
        axis = _axis_value(fact, 0)
        out = reduce(it, node, op, f"`.{m}()`", t, axis, operand_node, keepdims)
        torch_style = fact.has_kwarg("dim") or (fact.args and not fact.has_kwarg("axis"))
        if op in ("max", "min") and m in ("max", "min") and torch_style and isinstance(out, Tensor):
            return TupleValue((out, None))
        return out
    if m in ("transpose", "swapaxes", "swapdims") and len(fact.args) == 2:
        a, b = _int(fact.args[0]), _int(fact.args[1])
        if a is None or b is None:
            return None
        return transpose(t, a, b, node, it)
    if m == "permute":
        dims = [_int(a) for a in fact.args]
        if len(dims) == 1 and isinstance(_const(fact.args[0]), tuple):
            dims = list(_const(fact.args[0]))
        if any(d is None for d in dims):
            return None
        return permute(t, tuple(d for d in dims if d is not None), node, it)
    if m == "t" and t.rank == 2:
        return permute(t, (1, 0), node, it)
    if m in ("unsqueeze", "expand_dims"):
        return expand(t, _int(fact.args[0]) if fact.args else _int(fact.kwarg("dim")))
    if m == "squeeze":
        return squeeze(t, _int(fact.args[0]) if fact.args else _int(fact.kwarg("dim")))
    if m == "flatten" and t.role not in ("mask", "lengths"):
        start = _int(fact.args[0]) if fact.args else _int(fact.kwarg("start_dim"))
        return flatten(t, start if start is not None else 0)
    if m in ("view", "reshape", "flatten", "view_as", "reshape_as"):
        if t.role in ("mask", "lengths"):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded)
        return None
    if m in lib.IDENTITY_METHODS:
        if m == "cpu":
            return t.with_(device_moved=None)
        return t
    if m in lib.DEVICE_METHODS:
        target = fact.args[0] if fact.args else fact.kwarg("device")
        target_node = _arg_node(fact, 0, "device")
        if _const(target) == "cpu":
            return t.with_(device_moved=None)
        if t.role == "lengths" and (m == "cuda" or _names_a_device(target, target_node)):
            return t.with_(device_moved=Evidence(node, ""))
        return t
    if m in ("masked_fill", "masked_fill_"):
        fill = fill_of(fact.args[1] if len(fact.args) > 1 else fact.kwarg("value"))
        out = _masked(t, node, fill, it)
        if m == "masked_fill_" and isinstance(operand_node, ast.Name) and it.frame is not None:
            it.frame.env[operand_node.id] = out
        return out
    if m in ("clamp", "clamp_", "clamp_min", "clip", "clamp_min_", "maximum"):
        return t.with_(guarded=True)
    if m == "size":
        if fact.args:
            size_axis = _int(fact.args[0])
            return DimOf(t, size_axis, node) if size_axis is not None else None
        return ShapeOf(t, node)
    if m == "dim":
        return Const(t.rank) if t.rank is not None else None
    if m in ("expand", "expand_as", "repeat", "type_as", "to_dense", "bool", "byte"):
        return t
    return None


def _names_a_device(value: Value, node: ast.expr | None) -> bool:
    """`.to(device)`, `.to("cuda")`, `.to(x.device)`; not `.to(torch.float32)`."""
    c = _const(value)
    if isinstance(c, str):
        return c.startswith(("cuda", "mps", "xpu"))
    if isinstance(node, ast.Name):
        return "device" in node.id.lower() or "gpu" in node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr == "device"
    return False


def fill_of(v: Value) -> str | None:
    c = _const(v)
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        if c == 0:
            return "zero"
        if c <= -1e4 or (isinstance(c, float) and math.isinf(c) and c < 0):
            return "-inf"
        if c >= 1e4 or (isinstance(c, float) and math.isinf(c)):
            return "+inf"
    return None


def _masked(t: Tensor, node: ast.AST, fill: str | None, it: Interpreter) -> Tensor:
    ev = Evidence(node, "")
    pad = t.padding
    if pad is not None:
        pad = Padding(pad.evidence, pad.side, fill)
    role = "masked_scores" if t.role in ("scores",) and fill == "-inf" else t.role
    return t.with_(masked=ev, padding=pad, role=role)


# ------------------------------------------------------------------ shape helpers
def permute(t: Tensor, perm: tuple[int, ...], node: ast.AST, it: Interpreter) -> Value:
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    if not rank or len(perm) != rank or sorted(p % rank for p in perm) != list(range(rank)):
        return t.with_(layout=None, dims=None)
    perm = tuple(p + rank if p < 0 else p for p in perm)
    layout = None
    if t.layout is not None and len(t.layout) == rank:
        layout = "".join(t.layout[p] for p in perm)
        layout = layout.replace("F", "C") if layout.endswith("T") else layout.replace("C", "F")
    dims = tuple(t.dims[p] for p in perm) if t.dims is not None else None
    return t.with_(layout=layout, dims=dims, rank=rank)


def transpose(t: Tensor, a: int, b: int, node: ast.AST, it: Interpreter) -> Value:
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    if not rank or not (-rank <= a < rank and -rank <= b < rank):
        return t.with_(layout=None, dims=None)
    a, b = a % rank, b % rank
    perm = list(range(rank))
    perm[a], perm[b] = perm[b], perm[a]
    return permute(t, tuple(perm), node, it)


def expand(t: Tensor, axis: int | None) -> Value:
    if axis is None:
        return None
    rank = t.rank
    if rank is None:
        return t.with_(layout=None, dims=None) if t.role in ("mask", "lengths") else None
    if axis < 0:
        axis += rank + 1
    layout = t.layout
    if layout is not None and len(layout) == rank:
        layout = layout[:axis] + "1" + layout[axis:]
    dims = t.dims[:axis] + (1,) + t.dims[axis:] if t.dims is not None else None
    return t.with_(rank=rank + 1, dims=dims, layout=layout)


def flatten(t: Tensor, start: int) -> Value:
    """``torch.flatten(x, start)``: the axes from ``start`` on become one."""
    if t.rank is None or not 0 <= start < max(t.rank, 1):
        return Tensor(origin=t.origin) if start == 1 else None
    dims: tuple[Dim, ...] | None = None
    if t.dims is not None:
        rest = t.dims[start:]
        total: Dim = 1
        for d in rest:
            total = total * d if isinstance(total, int) and isinstance(d, int) else None
        dims = t.dims[:start] + (total,)
    return Tensor(rank=start + 1, dims=dims, origin=t.origin)


def squeeze(t: Tensor, axis: int | None) -> Value:
    if t.rank is None:
        if axis == -1 and t.layout is not None and len(t.layout) <= 2 and t.role != "mask":
            # scores (batch, time, 1) -> (batch, time): the leading axes stay where they are
            return t
        return None
    if axis is None:
        if t.dims is None:
            return None
        keep = [i for i, d in enumerate(t.dims) if d != 1]
    else:
        if not -t.rank <= axis < t.rank:
            return None
        axis = axis % t.rank
        keep = [i for i in range(t.rank) if i != axis]
    layout = (
        "".join(t.layout[i] for i in keep)
        if t.layout is not None and len(t.layout) == t.rank
        else None
    )
    dims = tuple(t.dims[i] for i in keep) if t.dims is not None else None
    return t.with_(rank=len(keep), dims=dims, layout=layout)


# --------------------------------------------------------------------- operators
def binary(
    it: Interpreter,
    node: ast.AST,
    op: type | None,
    left: Value,
    right: Value,
    right_node: ast.AST,
) -> Value:
    out = _binary(it, node, op, left, right, right_node)
    if isinstance(out, Tensor) and isinstance(left, Tensor) and isinstance(right, Tensor):
        return broadcast_shape(out, left, right)
    return out


def additive_penalty(mask: Tensor, factor: Any) -> Tensor | None:
    """``mask * factor``: still a mask when the factor is 1 or large enough to mask by adding.

    ``(1 - mask) * -1e9`` pushes padded logits out of a softmax or max; ``* -1e-6`` moves them
    by nothing, so the product is plain data (no masking); a middling factor is unknown.
    """
    if not isinstance(factor, (int, float)) or isinstance(factor, bool):
        return mask
    size = abs(factor)
    if size == 1 or size >= 1e4 or size == float("inf"):
        return mask
    if size < 1:
        return Tensor(rank=mask.rank, dims=mask.dims, layout=mask.layout, origin=mask.origin)
    return None


def broadcast_shape(out: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``out`` with the shape an elementwise op of ``a`` and ``b`` broadcasts to.

    ``w[..., None] * out`` of a ``(B, T, 1)`` and a ``(B, T, H)`` is ``(B, T, H)``; an axis
    that neither side pins down is unknown.
    """
    if a.rank is None or b.rank is None:
        return out  # unknown rank on one side: keep what the op's own rule said
    rank = max(a.rank, b.rank)
    da = (None,) * (rank - a.rank) + (a.dims or (None,) * a.rank)
    db = (None,) * (rank - b.rank) + (b.dims or (None,) * b.rank)
    dims: list[Dim] = []
    for x, y in zip(da, db):
        if x == y:
            dims.append(x)
        elif x is None or y is None:
            known = y if x is None else x
            dims.append(known if known != 1 else None)  # N with an unknown side is N
        elif x == 1 or y == 1:
            dims.append(y if x == 1 else x)
        else:
            dims.append(None)  # the shapes contradict each other: unknown, not a guess
    if out.rank == rank and out.dims == tuple(dims):
        return out
    layout = out.layout if out.layout is not None and len(out.layout) == rank else None
    return out.with_(rank=rank, dims=tuple(dims), layout=layout)


def _binary(
    it: Interpreter,
    node: ast.AST,
    op: type | None,
    left: Value,
    right: Value,
    right_node: ast.AST,
) -> Value:
    lt = left if isinstance(left, Tensor) else None
    rt = right if isinstance(right, Tensor) else None
    if op is ast.Div and isinstance(node, ast.BinOp) and (lt or rt):
        it.division(node, left, right, node.right)
    if lt is None and rt is None:
        if isinstance(left, Const) and isinstance(right, Const):
            return _fold(op, left.value, right.value)
        return None
    if op is ast.Mult:
        for a, b in ((lt, rt), (rt, lt)):
            if a is not None and b is not None and b.role == "mask" and a.role != "mask":
                return _masked(a, node, "zero", it)
        if lt is not None and rt is not None and lt.role == "mask" and rt.role == "mask":
            return lt
        t = lt or rt
        assert t is not None
        other = right if t is lt else left
        if t.role == "mask" and isinstance(other, Const):
            return additive_penalty(t, other.value)  # (1 - mask) * -1e9 builds an additive mask
        if isinstance(other, Const):
            return t
        return (
            t.with_(padding=Padding(t.padding.evidence, t.padding.side, None)) if t.padding else t
        )
    if op in (ast.Add, ast.Sub):
        for a, b in ((lt, rt), (rt, lt)):
            if (
                a is not None
                and b is not None
                and b.role == "mask"
                and a.role in ("scores", "data")
            ):
                # scores + additive mask (-1e9 at padding)
                return _masked(a, node, "-inf", it).with_(
                    role="masked_scores" if a.role == "scores" else a.role
                )
        t = lt or rt
        assert t is not None
        other = right if t is lt else left
        if t.role == "lengths" and isinstance(other, Const):
            return t.with_(guarded=True) if op is ast.Add else t
        if t.role == "mask" and isinstance(other, Const):
            return t
        return (
            t if isinstance(other, Const) else t.with_(role="data" if t.role == "mask" else t.role)
        )
    if op is ast.Div:
        if lt is not None:
            if lt.role == "data" and rt is not None and rt.role == "lengths":
                return Tensor(rank=lt.rank, layout=lt.layout, dims=lt.dims, origin=lt.origin)
            return lt if isinstance(right, Const) else lt.with_(role="data")
        return None
    if op is ast.MatMult:
        return None
    return lt if lt is not None and isinstance(right, Const) else None


def _fold(op: type | None, a: Any, b: Any) -> Value:
    try:
        if op is ast.Add:
            return Const(a + b)
        if op is ast.Sub:
            return Const(a - b)
        if op is ast.Mult:
            return Const(a * b)
        if op is ast.FloorDiv:
            return Const(a // b)
    except Exception:  # noqa: BLE001 - folding is best effort
        return None
    return None


def comparison(it: Interpreter, node: ast.Compare) -> Value:
    left = it.eval(node.left)
    rights = [it.eval(c) for c in node.comparators]
    ops = [type(o) for o in node.ops]
    values = [left, *rights]
    roles = {v.role for v in values if isinstance(v, Tensor)}
    ev = Evidence(node, "")
    if "arange" in roles and "lengths" in roles:
        return Tensor(rank=2, layout="BT", role="mask", origin=ev)
    if ops and all(o in (ast.NotEq, ast.Eq, ast.Gt) for o in ops):
        t = left if isinstance(left, Tensor) else None
        if (
            t is not None
            and t.role in ("data", "tokens")
            and all(isinstance(r, Const) for r in rights)
        ):
            if t.rank == 2 or t.role == "tokens":
                return Tensor(rank=t.rank, dims=t.dims, layout=t.layout, role="mask", origin=ev)
    return None


# --------------------------------------------------------------------- subscripts
def subscript(it: Interpreter, fact: SubscriptFact) -> Value:
    t = fact.base
    if t.symbolic is not None and t.keras_mask is not None and t.mask_consumed is None:
        it.record("mask_drops", MaskDropped(fact.node, t, "slicing"))
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    axes = fact.axis_items(rank)
    if axes is None:
        if any(i[0] == "tensor" for i in fact.items):
            # x[arange(B), lengths - 1]: a gather of one step per row
            return Tensor(origin=t.origin, bidirectional=t.bidirectional)
        if t.role in ("mask", "lengths"):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded)
        return None
    newaxes = [n for n, i in enumerate(fact.items) if i[0] == "newaxis"]
    if rank is None:
        if t.role in ("mask", "lengths"):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded)
        return None
    keep: list[int] = []
    dims: list[Dim] = []
    layout_chars: list[str] = []
    time_kept = True
    for axis in range(rank):
        item = axes.get(axis, ("slice", None, None, None))
        if item[0] == "int":
            if axis == t.time_axis:
                time_kept = False
            continue
        keep.append(axis)
        full = item[0] == "slice" and item[1] is None and item[2] is None
        dims.append(t.dim(axis) if full else None)
        if t.layout is not None and len(t.layout) == rank:
            layout_chars.append(t.layout[axis])
    layout = "".join(layout_chars) if t.layout is not None and len(t.layout) == rank else None
    out = t.with_(
        rank=len(keep) + len(newaxes),
        dims=tuple(dims) if t.dims is not None and not newaxes else None,
        layout=layout if not newaxes else None,
        symbolic=t.symbolic,
        keras_mask=None if t.symbolic is not None else t.keras_mask,
    )
    if not time_kept:
        out = out.with_(padding=None, rnn=None)
    if newaxes and t.role not in ("mask", "lengths"):
        # x[:, :, None]: keep the layout letters in place with "1" for the new axes
        if (
            t.layout is not None
            and len(t.layout) == rank
            and time_kept
            and not any(i[0] == "int" for i in fact.items)
        ):
            chars = []
            k = 0
            for i in fact.items:
                if i[0] == "newaxis":
                    chars.append("1")
                elif i[0] == "ellipsis":
                    n = rank - sum(1 for j in fact.items if j[0] not in ("newaxis", "ellipsis"))
                    chars.extend(t.layout[k : k + n])
                    k += n
                else:
                    if k >= len(t.layout):
                        return out.with_(layout=None)  # more indices than axes: an error
                    chars.append(t.layout[k])
                    k += 1
            chars.extend(t.layout[k:])
            out = out.with_(layout="".join(chars), rank=len(chars))
    return out


# ------------------------------------------------------------------------- library
def _library_call(it: Interpreter, fact: CallFact, q: str) -> Value:
    node = fact.node
    ev = Evidence(node, "")
    raw = q.startswith(("tensorflow.", "keras.ops.", "keras.backend.", "keras.activations."))
    if raw:
        for a in fact.args:
            if (
                isinstance(a, Tensor)
                and a.symbolic is not None
                and a.keras_mask is not None
                and a.mask_consumed is None
            ):
                it.record("mask_drops", MaskDropped(node, a, f"`{_short(q)}`"))
                break
    # layer / model constructors
    last = q.rsplit(".", 1)[-1]
    if q == "keras.Input":
        shape_value = _bind_args(q, fact).get("shape")
        shape = _const(shape_value)
        if isinstance(shape, int):
            shape = (shape,)
        if isinstance(shape_value, TupleValue):
            # shape=(X.shape[1], X.shape[2]): the rank is known even if the sizes are not
            shape = tuple(
                _const(v) if isinstance(_const(v), int) else None for v in shape_value.items
            )
        if not isinstance(shape, tuple):
            return Tensor(symbolic=ev, origin=ev)
        dims = (None, *shape)
        layout = {3: "BTF", 2: "BT"}.get(len(dims))
        return Tensor(
            rank=len(dims),
            dims=dims,
            layout=layout,
            symbolic=ev,
            origin=ev,
            role="tokens" if len(dims) == 2 else "data",
        )
    if q == "keras.Sequential":
        return _sequential(it, fact, ev)
    if q in ("keras.load_model", "keras.saving.load_model"):
        return KerasModel("loaded", node=node)
    if q == "keras.Model":
        args = _bind_args(q, fact)
        inp = args.get("inputs")
        out = args.get("outputs")
        return KerasModel(
            "functional",
            input=inp if isinstance(inp, Tensor) else None,
            output=out if isinstance(out, Tensor) else None,
            node=node,
        )
    if (q.startswith("torch.nn.") and last[:1].isupper() and q.count(".") == 2) or (
        q.startswith("keras.layers.") and last[:1].isupper()
    ):
        children: tuple[Layer | None, ...] = ()
        if q == "torch.nn.ModuleList" and fact.args and isinstance(fact.args[0], ListOf):
            item = fact.args[0].item
            if isinstance(item, Layer):
                return Layer(q, {"repeated": True}, node, (item,))
            return Layer(q, {}, node, ())
        if q == "torch.nn.ModuleList" and fact.args and isinstance(fact.args[0], TupleValue):
            children = tuple(a if isinstance(a, Layer) else None for a in fact.args[0].items)
        elif q == "torch.nn.Sequential":
            children = tuple(a if isinstance(a, Layer) else None for a in fact.args)
        elif q in ("keras.layers.Bidirectional", "keras.layers.TimeDistributed"):
            inner = fact.args[0] if fact.args else fact.kwarg("layer")
            children = (inner if isinstance(inner, Layer) else None,)
        return Layer(q, _bind_args(q, fact), node, children)
    # reductions
    if q in lib.REDUCTION_FUNCTIONS:
        t = fact.args[0] if fact.args else fact.kwarg("input") or fact.kwarg("x")
        if not isinstance(t, Tensor):
            return None
        op = lib.REDUCTION_FUNCTIONS[q]
        names = ("axis", "dim", "reduction_indices")
        axis = _axis_value(fact, 1, names)
        keepdims = any(_const(fact.kwarg(k)) is True for k in ("keepdims", "keepdim", "keep_dims"))
        operand = _arg_node(fact, 0, "input")
        out = reduce(it, node, op, f"`{_short(q)}`", t, axis, operand, keepdims)
        torch_pair = len(fact.args) > 1 or fact.has_kwarg("dim")
        if q in ("torch.max", "torch.min") and torch_pair and isinstance(out, Tensor):
            return TupleValue((out, None))
        return out
    if q in (
        "torch.nn.functional.avg_pool1d",
        "torch.nn.functional.max_pool1d",
        "torch.nn.functional.adaptive_avg_pool1d",
        "torch.nn.functional.adaptive_max_pool1d",
    ):
        t = fact.args[0] if fact.args else None
        if not isinstance(t, Tensor):
            return None
        op = "max" if "max" in q else "mean"
        return _pool_last_axis(
            it, node, op, f"`{_short(q)}`", t, fact, None, _arg_node(fact, 0, "input")
        )
    # constructors of data
    if q in lib.SHAPED_CONSTRUCTORS:
        return _shaped(it, fact, q, ev)
    if q in lib.LITERAL_CONSTRUCTORS:
        data = _arg_node(fact, 0, "data") or _arg_node(fact, 0, "value")
        if data is None:
            return None
        shape = _shape_from_literal(data)
        if shape is None:
            return Tensor(origin=ev)
        ints = _literal_ints(data) if len(shape) == 1 else None
        return Tensor(rank=len(shape), dims=shape, origin=ev, lengths_literal=ints)
    if q == "keras.utils.pad_sequences":
        args = {k: v for k, v in fact.kwargs}
        side = _const(args.get("padding")) if "padding" in args else "pre"
        side = side if side in ("pre", "post") else None
        maxlen = _int(args.get("maxlen"))
        desc = f"`pad_sequences(...)` (padding={side!r})" if side else "`pad_sequences(...)`"
        pev = Evidence(node, desc)
        # Token-id sequences give (samples, maxlen); with a known maxlen that is its shape.
        return Tensor(
            rank=2 if maxlen is not None else None,
            layout="BT",
            dims=(None, maxlen) if maxlen is not None else None,
            padding=Padding(pev, side, "zero"),
            origin=pev,
            role="tokens",
        )
    if q == "torch.nn.utils.rnn.pad_sequence":
        bf = (
            _const(fact.kwarg("batch_first"))
            if fact.has_kwarg("batch_first")
            else (_const(fact.args[1]) if len(fact.args) > 1 else False)
        )
        side_kw = _const(fact.kwarg("padding_side"))
        side = "pre" if side_kw == "left" else "post"
        fill: str | None = "zero"
        if fact.has_kwarg("padding_value") and _const(fact.kwarg("padding_value")) not in (0, 0.0):
            fill = None
        layout = "BT" if bf is True else ("TB" if bf is False else None)
        pev = Evidence(node, "")
        # The elements' rank, when the list shows it: (len_i, feat) tensors give a 3-D batch.
        seqs = fact.args[0] if fact.args else fact.kwarg("sequences")
        items = (
            (seqs.item,)
            if isinstance(seqs, ListOf)
            else (seqs.items if isinstance(seqs, TupleValue) else ())
        )
        ranks = {i.rank for i in items if isinstance(i, Tensor)}
        if (
            layout is not None
            and len(ranks) == 1
            and len(items) == sum(isinstance(i, Tensor) for i in items)
        ):
            rank = ranks.pop()
            if rank in (1, 2):
                feats = {i.dim(1) for i in items if isinstance(i, Tensor)} if rank == 2 else set()
                feat = feats.pop() if len(feats) == 1 else None
                full = layout + ("F" if rank == 2 else "")
                dims = (None, None, feat) if rank == 2 else (None, None)
                return Tensor(
                    rank=rank + 1,
                    dims=dims,
                    layout=full,
                    padding=Padding(pev, side, fill),
                    origin=pev,
                )
        return Tensor(layout=layout, padding=Padding(pev, side, fill), origin=pev)
    if q == "torch.nn.utils.rnn.pack_padded_sequence":
        src = fact.args[0] if fact.args else fact.kwarg("input")
        return Packed(src if isinstance(src, Tensor) else None, node)
    if q == "torch.nn.utils.rnn.pack_sequence":
        return Packed(None, node)
    if q == "torch.nn.utils.rnn.pad_packed_sequence":
        packed = fact.args[0] if fact.args else fact.kwarg("sequence")
        bf = (
            _const(fact.kwarg("batch_first"))
            if fact.has_kwarg("batch_first")
            else (_const(fact.args[1]) if len(fact.args) > 1 else False)
        )
        src = packed.source if isinstance(packed, Packed) else None
        pev = Evidence(node, "`pad_packed_sequence(...)`")
        layout = "BTF" if bf is True else ("TBF" if bf is False else None)
        base = src if src is not None else Tensor(rank=3)
        out = base.with_(
            layout=layout, rank=3, dims=None, padding=Padding(pev, "post", "zero"), origin=pev
        )
        return TupleValue((out, Tensor(rank=1, role="lengths", origin=pev)))
    if q in ("tensorflow.sequence_mask", "keras.ops.sequence_mask"):
        return Tensor(rank=2, layout="BT", role="mask", origin=ev)
    if q in ("torch.arange", "tensorflow.range", "numpy.arange", "keras.ops.arange"):
        return Tensor(rank=1, role="arange", origin=ev)
    if q in ("tensorflow.shape", "keras.ops.shape"):
        t = fact.args[0] if fact.args else None
        return ShapeOf(t, node) if isinstance(t, Tensor) else None
    if q in (
        "tensorflow.expand_dims",
        "keras.ops.expand_dims",
        "torch.unsqueeze",
        "numpy.expand_dims",
        "keras.backend.expand_dims",
    ):
        t = fact.args[0] if fact.args else None
        new_axis = (
            _int(fact.args[1])
            if len(fact.args) > 1
            else _int(fact.kwarg("axis") or fact.kwarg("dim"))
        )
        return expand(t, new_axis) if isinstance(t, Tensor) else None
    if q in ("tensorflow.squeeze", "keras.ops.squeeze", "torch.squeeze"):
        t = fact.args[0] if fact.args else None
        new_axis = (
            _int(fact.args[1])
            if len(fact.args) > 1
            else _int(fact.kwarg("axis") or fact.kwarg("dim"))
        )
        return squeeze(t, new_axis) if isinstance(t, Tensor) else None
    if q == "torch.flatten":
        t = fact.args[0] if fact.args else None
        start = _int(fact.args[1]) if len(fact.args) > 1 else _int(fact.kwarg("start_dim"))
        return flatten(t, start or 0) if isinstance(t, Tensor) else None
    if q in ("tensorflow.reshape", "keras.ops.reshape", "torch.reshape"):
        t = fact.args[0] if fact.args else None
        if isinstance(t, Tensor) and t.role in ("mask", "lengths"):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded)
        return None
    if q in ("torch.transpose", "torch.swapaxes") and len(fact.args) == 3:
        t, a, b = fact.args
        if isinstance(t, Tensor) and _int(a) is not None and _int(b) is not None:
            return transpose(t, _int(a), _int(b), node, it)  # type: ignore[arg-type]
        return None
    if q in ("tensorflow.transpose", "keras.ops.transpose", "torch.permute", "numpy.transpose"):
        t = fact.args[0] if fact.args else None
        perm = (
            _const(fact.args[1])
            if len(fact.args) > 1
            else _const(fact.kwarg("perm") or fact.kwarg("axes") or fact.kwarg("dims"))
        )
        if isinstance(t, Tensor) and isinstance(perm, tuple):
            return permute(t, perm, node, it)
        return None
    if (
        q in ("torch.where", "tensorflow.where", "keras.ops.where", "numpy.where")
        and len(fact.args) == 3
    ):
        cond, a, b = fact.args
        if isinstance(a, Tensor) and isinstance(cond, Tensor) and cond.role == "mask":
            return _masked(a, node, fill_of(b) or ("zero" if _const(b) == 0 else None), it)
        return a if isinstance(a, Tensor) else None
    if q in (
        "torch.clamp",
        "torch.clamp_min",
        "tensorflow.maximum",
        "torch.maximum",
        "keras.ops.maximum",
        "numpy.maximum",
        "tensorflow.clip_by_value",
        "torch.clip",
    ):
        t = _first_tensor(fact.args)
        return t.with_(guarded=True) if t is not None else None
    if q in lib.IDENTITY_FUNCTIONS:
        t = fact.args[0] if fact.args else None
        if isinstance(t, Tensor):
            return t.with_(keras_mask=None) if raw and t.symbolic is not None else t
        return None
    if q in ("torch.einsum", "tensorflow.einsum", "keras.ops.einsum", "numpy.einsum"):
        return _einsum(it, fact)
    if q in ("torch.bmm", "torch.matmul", "tensorflow.matmul", "keras.ops.matmul", "numpy.matmul"):
        return _matmul(
            fact.args[0] if fact.args else None, fact.args[1] if len(fact.args) > 1 else None
        )
    if q in _DIVISIONS and len(fact.args) >= 2:
        den_node = _arg_node(fact, 1, "other")
        if den_node is not None:
            it.division(node, fact.args[0], fact.args[1], den_node)
        num = fact.args[0]
        return num.with_(role="data") if isinstance(num, Tensor) else None
    return None


_DIVISIONS = frozenset(
    {
        "torch.div",
        "torch.true_divide",
        "torch.divide",
        "tensorflow.divide",
        "tensorflow.truediv",
        "keras.ops.divide",
        "keras.ops.true_divide",
        "numpy.divide",
        "numpy.true_divide",
    }
)


def _einsum(it: Interpreter, fact: CallFact) -> Value:
    eq = _const(fact.args[0]) if fact.args else None
    operands = list(fact.args[1:])
    if len(operands) == 1 and isinstance(operands[0], TupleValue):
        operands = list(operands[0].items)
    if not isinstance(eq, str) or "->" not in eq or "." in eq:
        return None
    ins, out = eq.replace(" ", "").split("->")
    specs = ins.split(",")
    if len(specs) != len(operands):
        return None
    data = None
    for spec, v in zip(specs, operands):
        if isinstance(v, Tensor) and v.role == "data" and v.padding is not None:
            data = (spec, v)
            break
    masked = any(isinstance(v, Tensor) and v.role == "mask" for v in operands)
    if data is None:
        if masked:
            data_in = next(
                (v for v in operands if isinstance(v, Tensor) and v.role == "data"), None
            )
            return Tensor(rank=len(out), role="pooled_sum") if data_in is not None else None
        return None
    spec, t = data
    ta = t.time_axis
    if ta is None or ta >= len(spec):
        return None
    time_letter = spec[ta]
    if time_letter in out:
        layout = "".join(
            (t.layout[spec.index(c)] if t.layout and spec.index(c) < len(t.layout) else "F")
            if c in spec
            else "F"
            for c in out
        )
        return Tensor(rank=len(out), layout=layout, padding=_refill(t.padding), origin=t.origin)
    return Tensor(rank=len(out), role="pooled_sum") if masked else None


def _matmul(a: Value, b: Value) -> Value:
    if (
        isinstance(b, Tensor)
        and b.role == "data"
        and b.padding is not None
        and b.rank == 3
        and b.layout is not None
        and b.layout.startswith("B")
        and b.layout.endswith("T")
    ):
        # query @ context.transpose(1, 2): (batch, queries, time) attention scores
        return Tensor(
            rank=3, layout="BQT", padding=_refill(b.padding), origin=b.origin, role="scores"
        )
    if (
        isinstance(a, Tensor)
        and a.role == "data"
        and a.padding is not None
        and (a.layout or "").startswith("BT")
    ):
        return Tensor(rank=3, layout="BTF", padding=_refill(a.padding), origin=a.origin)
    if isinstance(a, Tensor) and a.role == "mask" and isinstance(b, Tensor):
        return Tensor(rank=3, role="pooled_sum")
    return None


def _shaped(it: Interpreter, fact: CallFact, q: str, ev: Evidence) -> Value:
    size_kw = fact.kwarg("size") or fact.kwarg("shape")
    candidates: list[tuple[Value, ast.expr | None]] = []
    if size_kw is not None:
        node = _arg_node(fact, 99, "size") or _arg_node(fact, 99, "shape")
        candidates.append((size_kw, node))
    elif (
        "randint" in q
        or q.endswith(("normal", "uniform", "full"))
        and not q.startswith(("tensorflow.", "keras."))
    ):
        if q == "torch.randint" and len(fact.args) >= 2:
            candidates.append((fact.args[-1], _arg_node(fact, len(fact.args) - 1, "size")))
        elif q == "numpy.full" and fact.args:
            candidates.append((fact.args[0], _arg_node(fact, 0, "shape")))
        else:
            return Tensor(origin=ev)
    elif (
        len(fact.args) == 1
        or (
            q.startswith(("numpy.", "tensorflow.", "keras."))
            and fact.args
            and q not in ("numpy.random.rand", "numpy.random.randn")
        )
        or isinstance(_arg_node(fact, 0, "shape"), (ast.Tuple, ast.List))
    ):
        # numpy/tf take one shape argument (then a dtype); torch takes *sizes or one tuple
        candidates.append((fact.args[0], _arg_node(fact, 0, "shape")))
    else:
        nodes = [_arg_node(fact, i, "") for i in range(len(fact.args))]
        dims = tuple(_dim(v, n) for v, n in zip(fact.args, nodes))
        if not dims:
            return Tensor(origin=ev)
        return Tensor(
            rank=len(dims), dims=dims, layout=_layout_from_names(_names(nodes)), origin=ev
        )
    value, node = candidates[0]
    c = _const(value)
    if isinstance(c, int) and not isinstance(c, bool):
        return Tensor(rank=1, dims=(c,), origin=ev)
    if isinstance(node, (ast.Tuple, ast.List)):
        elements = [e.value if isinstance(e, ast.Starred) else e for e in node.elts]
        dims = tuple(_dim(it.eval(e), e) for e in elements)
        names = _names(list(elements))
        return Tensor(rank=len(dims), dims=dims, layout=_layout_from_names(names), origin=ev)
    if isinstance(c, tuple):
        dims = tuple(d if isinstance(d, int) else None for d in c)
        return Tensor(rank=len(dims), dims=dims, origin=ev)
    if isinstance(value, ShapeOf):
        return value.tensor.with_(origin=ev, padding=None, keras_mask=None, symbolic=None)
    if isinstance(value, TupleValue):
        dims = tuple(_dim(v) for v in value.items)
        return Tensor(rank=len(dims), dims=dims, origin=ev)
    return Tensor(origin=ev)


def _pool_last_axis(
    it: Interpreter,
    node: ast.AST,
    op: str,
    api: str,
    t: Tensor,
    fact: CallFact | None,
    layer: Layer | None,
    operand_node: ast.AST | None,
) -> Value:
    """torch 1-D pools act on the last axis (time only for (N, C, L) inputs)."""
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    axis = rank - 1 if rank is not None else None
    window: int | None = None
    if layer is not None:
        if "Adaptive" in layer.qualname:
            window = None if _int(layer.args.get("output_size")) == 1 else -1
        else:
            window = _int(layer.args.get("kernel_size"))
    elif fact is not None:
        if "adaptive" in (fact.qualname or ""):
            out_size = fact.args[1] if len(fact.args) > 1 else fact.kwarg("output_size")
            window = None if _int(out_size) == 1 else -1
        else:
            k = fact.args[1] if len(fact.args) > 1 else fact.kwarg("kernel_size")
            if isinstance(k, DimOf) and axis is not None and k.axis % max(rank or 1, 1) == axis:
                window = None  # kernel_size = x.size(-1): a global pool
            else:
                window = _int(k)
                if window is not None and axis is not None and t.dim(axis) == window:
                    window = None
    if axis is None:
        return None
    if window == -1:
        return None  # adaptive pooling to several outputs: not a global reduction
    it.record(
        "reductions",
        Reduction(node, op, api, t, axis, operand_node, layer, False, window),
    )
    out = _drop_axis(t, axis, keepdims=True)
    if window is not None and t.dims is not None:
        # a real window keeps floor((L - k) / stride) + 1 steps
        stride = (
            _int(layer.args.get("stride"))
            if layer is not None
            else (
                _int(fact.args[2])
                if fact is not None and len(fact.args) > 2
                else _int(fact.kwarg("stride"))
                if fact is not None
                else None
            )
        )
        stride = stride or window
        length = t.dim(axis)
        new_len: Dim = (length - window) // stride + 1 if isinstance(length, int) else None
        dims = t.dims[:axis] + (new_len,) + t.dims[axis + 1 :]
        out = out.with_(dims=dims, padding=t.padding if new_len != 1 else None)
    return out


# -------------------------------------------------------------------------- layers
def apply_layer(
    it: Interpreter,
    node: ast.AST,
    layer: Layer,
    inp: Value,
    fact: CallFact | None = None,
    in_sequential: bool = False,
    next_layers: tuple[Layer | None, ...] = (),
) -> Value:
    out = _layer_output(it, node, layer, inp, fact, in_sequential, next_layers)
    it.record(
        "layer_calls",
        LayerCall(node, layer, inp, out, in_sequential, next_layers, fact),
    )
    return out


def _layer_output(
    it: Interpreter,
    node: ast.AST,
    layer: Layer,
    inp: Value,
    fact: CallFact | None,
    in_sequential: bool,
    next_layers: tuple[Layer | None, ...],
) -> Value:
    q = layer.qualname
    lev = Evidence(layer.node or node, "")
    if isinstance(inp, Packed) and q in lib.TORCH_RNNS:
        bf = layer.arg("batch_first", False)
        bidir = layer.arg("bidirectional", False) is True
        src = Tensor(
            rank=3,
            layout="BTF" if bf is True else "TBF" if bf is False else None,
            rnn=lev,
            bidirectional=lev if bidir else None,
        )
        state = Tensor(rank=3, role="state", origin=lev)
        h: Value = TupleValue((state, state)) if q.endswith("LSTM") else state
        return TupleValue((Packed(src, node), h))
    if inp is None and q in lib.TORCH_RNNS:
        inp = Tensor(rank=3)  # the output layout follows from batch_first alone
    elif (
        inp is None
        and q == "torch.nn.Embedding"
        and _const(layer.args.get("padding_idx")) is not None
    ):
        inp = Tensor(role="tokens")  # padding_idx is evidence of padding by itself
    elif inp is None and q in _KERAS_LAYOUT_LAYERS:
        # These Keras layers only accept (batch, time, ...) input, so their output layout is
        # known even when the input's is not.
        inp = (
            Tensor(rank=2, layout="BT", role="tokens")
            if q == "keras.layers.Embedding"
            else Tensor(rank=3, layout="BTF")
        )
    if not isinstance(inp, Tensor):
        return None
    t = inp
    if q in lib.TORCH_RNNS:
        return _torch_rnn(it, layer, t, lev)
    if q == "torch.nn.Linear":
        in_f = layer.arg("in_features")
        last = t.dim(-1) if t.rank else None
        if isinstance(in_f, int) and isinstance(last, int) and in_f != last:
            return None  # this call raises; nothing downstream is known (no cascades)
        out_f = _dim(layer.args.get("out_features"))
        dims = t.dims[:-1] + (out_f,) if t.dims is not None and t.dims else None
        return t.with_(dims=dims, padding=_refill(t.padding), origin=lev)
    if q == "torch.nn.Embedding":
        emb = _dim(layer.args.get("embedding_dim"))
        layout = t.layout + "F" if t.layout in ("BT", "TB") else None
        dims = t.dims + (emb,) if t.dims is not None else None
        pad = t.padding
        if (
            pad is None
            and "padding_idx" in layer.args
            and _const(layer.args["padding_idx"]) is not None
        ):
            pad = Padding(Evidence(layer.node or node, ""))
        rank = t.rank + 1 if t.rank is not None else (3 if layout else None)
        return t.with_(
            rank=rank, dims=dims, layout=layout, padding=_refill(pad), role="data", origin=lev
        )
    if q == "torch.nn.Conv1d":
        out_c = _dim(layer.args.get("out_channels"))
        layout = "BCT" if t.layout in ("BCT", None) else None
        length = t.dim(2) if t.rank == 3 else None
        k = _int(layer.args.get("kernel_size"))
        conv_pad = _int(layer.args.get("padding", Const(0)))
        stride = _int(layer.args.get("stride", Const(1)))
        dil = _int(layer.args.get("dilation", Const(1)))
        if layer.arg("padding") == "same":
            conv_pad, k = 0, 1
        new_len: Dim = None
        if isinstance(length, int) and None not in (k, conv_pad, stride, dil):
            new_len = (length + 2 * conv_pad - dil * (k - 1) - 1) // stride + 1  # type: ignore[operator]
        dims = (t.dim(0), out_c, new_len) if t.rank == 3 else None
        return t.with_(layout=layout, dims=dims, padding=_refill(t.padding), origin=lev)
    if q in (
        "torch.nn.AdaptiveAvgPool1d",
        "torch.nn.AvgPool1d",
        "torch.nn.AdaptiveMaxPool1d",
        "torch.nn.MaxPool1d",
    ):
        op = "max" if "Max" in q else "mean"
        return _pool_last_axis(
            it,
            node,
            op,
            f"`{layer.short}`",
            t,
            None,
            layer,
            _arg_node(fact, 0, "input") if fact else None,
        )
    if q == "torch.nn.Sequential":
        cur: Value = t
        for child in layer.children:
            if child is None or not isinstance(cur, (Tensor, Packed)):
                return None
            cur = apply_layer(it, node, child, cur)  # report at the call, where data flows
        return cur
    if q in lib.TORCH_SHAPE_PRESERVING:
        keep = q in ("torch.nn.Dropout", "torch.nn.ReLU", "torch.nn.Identity")
        return t if keep else t.with_(padding=_refill(t.padding))
    if q == "torch.nn.Flatten":
        start = _int(layer.args.get("start_dim", Const(1)))
        out = flatten(t, start if start is not None else 1)
        return out if out is not None else Tensor(rank=2, origin=lev)
    if q in ("torch.nn.MultiheadAttention",):
        return TupleValue((t.with_(padding=_refill(t.padding)), None))
    if q in ("torch.nn.TransformerEncoder", "torch.nn.TransformerEncoderLayer"):
        return t.with_(padding=_refill(t.padding))
    if q.startswith("keras.layers."):
        return _keras_layer(it, node, layer, t, lev, fact, in_sequential)
    return None


_KERAS_LAYOUT_LAYERS = frozenset(
    {"keras.layers.Masking", "keras.layers.Embedding", "keras.layers.Bidirectional"}
    | lib.KERAS_RNNS
)


def _refill(p: Padding | None) -> Padding | None:
    """After a per-step affine op the padded steps no longer hold a known value."""
    return Padding(p.evidence, p.side, None) if p is not None and p.fill != "copy_last" else p


def _torch_rnn(it: Interpreter, layer: Layer, t: Tensor, lev: Evidence) -> Value:
    bf = layer.arg("batch_first", False)
    bidir = layer.arg("bidirectional", False)
    hidden = _dim(layer.args.get("hidden_size"))
    if _int(layer.args.get("proj_size")):
        hidden = _int(layer.args.get("proj_size"))  # LSTM(proj_size=P) outputs P features
    layout = "BTF" if bf is True else ("TBF" if bf is False else None)
    dirs = 2 if bidir is True else 1 if bidir is False else None
    feat: Dim = hidden * dirs if isinstance(hidden, int) and dirs else None
    dims = (t.dim(0), t.dim(1), feat) if t.rank == 3 and t.dims is not None else None
    out = Tensor(
        rank=3,
        dims=dims,
        layout=layout,
        padding=_refill(t.padding),
        rnn=lev,
        bidirectional=lev if bidir is True else None,
        origin=lev,
    )
    state = Tensor(rank=3, role="state", origin=lev, padding=_refill(t.padding))
    h: Value = TupleValue((state, state)) if layer.qualname.endswith("LSTM") else state
    return TupleValue((out, h))


def _keras_layer(
    it: Interpreter,
    node: ast.AST,
    layer: Layer,
    t: Tensor,
    lev: Evidence,
    fact: CallFact | None,
    in_sequential: bool,
) -> Value:
    q = layer.qualname
    unconsumed = t.keras_mask is not None and t.mask_consumed is None
    if q in lib.KERAS_MASK_DROPPING and unconsumed:
        it.record("mask_drops", MaskDropped(node, t, f"`{layer.short}`"))
    if q == "keras.layers.Masking":
        pad: Padding | None = Padding(lev, t.padding.side if t.padding else None, "zero")
        if t.rank is None and t.layout is None:
            t = t.with_(rank=3, layout="BTF")  # Masking takes (batch, time, features)
        return t.with_(keras_mask=lev, padding=pad, mask_consumed=None, origin=lev)
    if q == "keras.layers.Embedding":
        out_dim = _dim(layer.args.get("output_dim"))
        dims = (t.dim(0), t.dim(1), out_dim) if t.rank == 2 else None
        mask_zero = layer.arg("mask_zero", False) is True
        pad = t.padding
        if mask_zero:
            pad = Padding(lev, t.padding.side if t.padding else None, None)
        return t.with_(
            rank=3,
            dims=dims,
            layout="BTF",
            role="data",
            keras_mask=lev if mask_zero else None,
            mask_consumed=None,
            padding=_refill(pad),
            origin=lev,
        )
    if q in lib.KERAS_RNNS or q == "keras.layers.Bidirectional":
        inner = layer
        bidir = q == "keras.layers.Bidirectional"
        if bidir:
            if not layer.children or layer.children[0] is None:
                return None
            inner = layer.children[0]
        if inner.qualname not in lib.KERAS_RNNS:
            return None
        units = _dim(inner.args.get("units"))
        merge = layer.arg("merge_mode", "concat") if bidir else None
        if bidir and isinstance(units, int) and merge == "concat":
            units = units * 2
        elif bidir and merge != "concat":
            units = units if merge in ("sum", "ave", "mul") else None
        seqs = inner.arg("return_sequences", False) is True
        masked = t.keras_mask is not None
        if inner.arg("return_state", False) is not False:
            return None  # [output, *states]: a list, not one tensor
        if not seqs:
            return Tensor(
                rank=2,
                dims=(t.dim(0), units),
                layout="BF",
                symbolic=t.symbolic,
                bidirectional=lev if bidir else None,
                origin=lev,
            )
        pad = t.padding
        if pad is not None:
            fill = ("zero" if bidir else "copy_last") if masked else None
            if masked and inner.arg("zero_output_for_mask", False) is True:
                fill = "zero"
            pad = Padding(pad.evidence, pad.side, fill)
        return t.with_(
            rank=3,
            dims=(t.dim(0), t.dim(1), units),
            layout="BTF",
            padding=pad,
            mask_consumed=lev if masked else t.mask_consumed,
            rnn=lev,
            bidirectional=lev if bidir else None,
            origin=lev,
        )
    if q in (
        "keras.layers.GlobalAveragePooling1D",
        "keras.layers.GlobalAvgPool1D",
        "keras.layers.GlobalMaxPooling1D",
        "keras.layers.GlobalMaxPool1D",
    ):
        op = "max" if "Max" in q else "mean"
        channels_first = layer.arg("data_format") == "channels_first"
        axis = 2 if channels_first else 1
        t2 = t if t.rank is not None else t.with_(rank=3)
        operand = fact.arg_node(0, "inputs") if fact is not None else None
        it.record(
            "reductions",
            Reduction(
                node,
                op,
                f"`{layer.short}`",
                t2,
                axis,
                operand,
                layer,
                t.keras_mask is not None,
            ),
        )
        out = _drop_axis(t2, axis, keepdims=layer.arg("keepdims") is True)
        return out.with_(keras_mask=None, mask_consumed=None, symbolic=t.symbolic)
    if q in (
        "keras.layers.AveragePooling1D",
        "keras.layers.AvgPool1D",
        "keras.layers.MaxPooling1D",
        "keras.layers.MaxPool1D",
    ):
        op = "max" if "Max" in q else "mean"
        pool = layer.args.get("pool_size", Const(2))
        k = _int(pool)
        if k is None and isinstance(_const(pool), tuple) and len(_const(pool)) == 1:
            k = _const(pool)[0]
        T = t.dim(1)
        it.record(
            "reductions",
            Reduction(
                node, op, f"`{layer.short}`", t, 1, None, layer, False, k if k is not None else -1
            ),
        )
        strides = _int(layer.args.get("strides")) or k
        new_t: Dim = None
        if isinstance(T, int) and k is not None and strides:
            new_t = (T - k) // strides + 1 if layer.arg("padding", "valid") == "valid" else None
        dims = (t.dim(0), new_t, t.dim(2)) if t.rank == 3 else None
        pad = t.padding if new_t != 1 else None
        return t.with_(dims=dims, padding=pad, keras_mask=None, mask_consumed=None)
    if q == "keras.layers.Flatten":
        return Tensor(rank=2, symbolic=t.symbolic, origin=lev)
    if q == "keras.layers.Conv1D":
        filters = _dim(layer.args.get("filters"))
        length = t.dim(1)
        k = _int(layer.args.get("kernel_size"))
        stride = _int(layer.args.get("strides", Const(1)))
        if stride != 1 or not isinstance(length, int):
            length = None
        elif layer.arg("padding", "valid") not in ("same", "causal"):
            length = length - k + 1 if k is not None else None
        dims = (t.dim(0), length, filters) if t.rank == 3 else None
        return t.with_(dims=dims, keras_mask=None, mask_consumed=None, padding=_refill(t.padding))
    if q == "keras.layers.Dense":
        units = _dim(layer.args.get("units"))
        dense_dims = t.dims[:-1] + (units,) if t.dims else None
        return t.with_(dims=dense_dims, padding=_refill(t.padding), origin=lev)
    if q == "keras.layers.Softmax":
        axis = layer.args.get("axis", Const(-1))
        reduce(it, node, "softmax", "`Softmax`", t, axis, None, layer=layer)
        return t.with_(role="weights")
    if q == "keras.layers.TimeDistributed":
        wrapped = layer.children[0] if layer.children else None
        if wrapped is not None and wrapped.qualname == "keras.layers.Dense" and t.dims:
            units = _dim(wrapped.args.get("units"))
            return t.with_(dims=t.dims[:-1] + (units,), padding=_refill(t.padding))
        return t.with_(dims=None, padding=_refill(t.padding))
    if q in lib.KERAS_PER_STEP:
        return t
    if q == "keras.layers.Lambda":
        fn = layer.args.get("function")
        return _lambda_layer(it, node, fn, t)
    if q in (
        "keras.layers.Attention",
        "keras.layers.AdditiveAttention",
        "keras.layers.MultiHeadAttention",
    ):
        return t.with_(padding=_refill(t.padding), mask_consumed=t.keras_mask and lev)
    if q in lib.KERAS_MASK_DROPPING:
        return Tensor(symbolic=t.symbolic, origin=lev)
    return Tensor(symbolic=t.symbolic, origin=lev) if t.symbolic is not None else None


def _lambda_layer(it: Interpreter, node: ast.AST, fn: Value, t: Tensor) -> Value:
    """Evaluate a Lambda's function on a real (non-symbolic) tensor to see what it does."""
    inner = t.with_(symbolic=None, keras_mask=None, mask_consumed=None)
    if isinstance(fn, FunctionRef) and isinstance(fn.node, ast.Lambda):
        lam = fn.node
        params = [p.arg for p in lam.args.args]
        frame = it.frame
        if frame is None or not params:
            return Tensor(symbolic=t.symbolic)
        saved = {p: frame.env.get(p, None) for p in params}
        had = {p: p in frame.env for p in params}
        frame.env[params[0]] = inner
        for p in params[1:]:
            frame.env[p] = None
        try:
            result = it.eval(lam.body)
        finally:
            for p in params:
                if had[p]:
                    frame.env[p] = saved[p]
                else:
                    frame.env.pop(p, None)
        if isinstance(result, Tensor):
            return result.with_(symbolic=t.symbolic, keras_mask=None)
        return Tensor(symbolic=t.symbolic)
    if isinstance(fn, FunctionRef):
        for key, unit in it.units.items():
            if unit.node is fn.node:
                it.bind_call(key, unit.params, False, (inner,), ())
                ret = it.returns.get(key)
                if isinstance(ret, Tensor):
                    return ret.with_(symbolic=t.symbolic, keras_mask=None)
    return Tensor(symbolic=t.symbolic)


# -------------------------------------------------------------------------- models
def _sequential(it: Interpreter, fact: CallFact, ev: Evidence) -> Value:
    layers_val = fact.args[0] if fact.args else fact.kwarg("layers")
    node_list = _arg_node(fact, 0, "layers")
    layers: list[Layer | None] = []
    inp: Tensor | None = None
    if isinstance(layers_val, (TupleValue, Const)) and isinstance(node_list, (ast.List, ast.Tuple)):
        items = layers_val.items if isinstance(layers_val, TupleValue) else ()
        for v in items:
            if isinstance(v, Tensor) and v.symbolic is not None and inp is None and not layers:
                inp = v  # keras.Input(...) as the first element
            elif isinstance(v, Layer):
                layers.append(v)
            else:
                layers.append(None)
    elif layers_val is not None:
        return KerasModel("sequential", (), node=fact.node)
    model = KerasModel("sequential", tuple(layers), input=inp, node=fact.node)
    start = inp or _declared_input(model)
    out = run_sequential(it, model, start) if start is not None else None
    return KerasModel(
        "sequential",
        tuple(layers),
        input=start,
        output=out if isinstance(out, Tensor) else None,
        node=fact.node,
    )


def _declared_input(model: KerasModel) -> Tensor | None:
    if model.input is not None:
        return model.input
    if not model.layers or model.layers[0] is None:
        return None
    first = model.layers[0]
    shape = first.arg("input_shape")
    if isinstance(shape, tuple):
        dims = (None, *shape)
        layout = {3: "BTF", 2: "BT"}.get(len(dims))
        return Tensor(
            rank=len(dims), dims=dims, layout=layout, role="tokens" if len(dims) == 2 else "data"
        )
    if first.qualname == "keras.layers.Embedding":
        return Tensor(rank=2, layout="BT", role="tokens")
    return None


def run_sequential(it: Interpreter, model: KerasModel, inp: Value) -> Value:
    cur = inp
    layers = model.layers
    for i, layer in enumerate(layers):
        if layer is None or not isinstance(cur, Tensor):
            return None
        where = layer.node or model.node
        if where is None:
            return None
        cur = apply_layer(it, where, layer, cur, None, True, layers[i + 1 :])
    return cur


def _model_call(it: Interpreter, fact: CallFact, model: KerasModel, method: str | None) -> Value:
    node = fact.node
    if method == "add":
        layer = fact.args[0] if fact.args else fact.kwarg("layer")
        func = node.func
        layers = model.layers + ((layer if isinstance(layer, Layer) else None),)
        new = KerasModel(
            model.kind, layers, input=model.input, output=model.output, node=model.node
        )
        start = new.input or _declared_input(new)
        if start is not None and isinstance(layer, Layer):
            prev = model.output if model.layers else start
            result = (
                apply_layer(it, layer.node or node, layer, prev, None, True, ())
                if isinstance(prev, Tensor)
                else None
            )
            new = KerasModel(
                model.kind,
                layers,
                input=start,
                output=result if isinstance(result, Tensor) else None,
                node=model.node,
            )
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and it.frame:
            it.frame.env[func.value.id] = new
        return None
    if method is None or method in lib.MODEL_DATA_METHODS:
        data = fact.args[0] if fact.args else (fact.kwarg("x") or fact.kwarg("inputs"))
        it.record("model_calls", ModelCall(node, model, method, data))
        if model.kind == "sequential" and isinstance(data, Tensor):
            declared = _declared_input(model)
            if declared is not None and data.dims is None and declared.dims is not None:
                data = data.with_(rank=declared.rank, dims=declared.dims, layout=declared.layout)
            elif data.layout is None and data.rank == 3:
                data = data.with_(layout="BTF")
            elif data.layout is None and data.rank == 2:
                data = data.with_(layout="BT")
            ran = run_sequential(it, model, data)
            return _drop_symbolic(ran) if method else ran
        if model.kind == "functional" and model.output is not None:
            return _drop_symbolic(model.output)
    return None


def _drop_symbolic(v: Value) -> Value:
    if isinstance(v, Tensor):
        return v.with_(symbolic=None, keras_mask=None, mask_consumed=None)
    return v
