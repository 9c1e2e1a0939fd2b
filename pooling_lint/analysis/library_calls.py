"""Calls of framework functions, modelled by the handler their table row names."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis import hf
from pooling_lint.analysis import library as lib
from pooling_lint.analysis.arguments import (
    arg_node,
    as_int,
    axis_value,
    bind_args,
    const,
    dim_from,
    dim_names,
    first_tensor,
    layout_from_names,
    literal_ints,
    shape_from_literal,
    short_name,
)
from pooling_lint.analysis.axes import expand, flatten, permute, squeeze, transpose
from pooling_lint.analysis.contractions import matmul
from pooling_lint.analysis.facts import (
    CallFact,
    MaskDropped,
)
from pooling_lint.analysis.feeds import fed_input
from pooling_lint.analysis.flows import data_loader
from pooling_lint.analysis.joins import concatenated, feature_join, stacked_equal
from pooling_lint.analysis.keras_merge import merge_call
from pooling_lint.analysis.keras_models import sequential
from pooling_lint.analysis.layout import BF, BT, BTF, TB, TBF, Axis, B, Layout
from pooling_lint.analysis.lengths import nonzero
from pooling_lint.analysis.library import ApiSpec, CallModel, Family, Framework
from pooling_lint.analysis.library.spec import SAME_VALUE_FUNCTIONS
from pooling_lint.analysis.pad_loops import stacked
from pooling_lint.analysis.padding import fill_of, masked, refill
from pooling_lint.analysis.reductions import pool_last_axis, reduce
from pooling_lint.analysis.reshapes import reshape, shape_operand
from pooling_lint.analysis.row_calls import per_sample_loss, row_split
from pooling_lint.analysis.subscripts import join_ends
from pooling_lint.analysis.tf1_calls import HANDLERS as TF1_HANDLERS
from pooling_lint.analysis.torchtext import torchtext_call
from pooling_lint.analysis.values import (
    Const,
    DimOf,
    Evidence,
    Fill,
    KerasModel,
    Layer,
    ListOf,
    Marks,
    Packed,
    Padding,
    Role,
    ShapeOf,
    Side,
    Tensor,
    TupleValue,
    Value,
    own_module,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


Handler = Callable[["Interpreter", CallFact, ApiSpec, Evidence, bool], Value]


def library_call(it: Interpreter, fact: CallFact, q: str) -> Value:
    """A call of a framework function or constructor: the handler its table row names."""
    node = fact.node
    raw = q.startswith(("tensorflow.", "keras.ops.", "keras.backend.", "keras.activations."))
    if raw:
        for a in fact.args:
            if (
                isinstance(a, Tensor)
                and a.symbolic is not None
                and a.keras_mask is not None
                and a.mask_consumed is None
            ):
                it.log.mask_drop(MaskDropped(node, a, f"`{short_name(q)}`"))
                break
    spec = lib.lookup(q)
    if spec is None:
        if not lib.is_layer_name(q):
            return None
        spec = ApiSpec(q, Family.LAYER, CallModel.LAYER)  # a layer class the table does not list
    return _HANDLERS[spec.call](it, fact, spec, Evidence(node, ""), raw)


def _input(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    shape_value = bind_args(spec.name, fact).get("shape")
    shape = const(shape_value)
    if isinstance(shape, int):
        shape = (shape,)
    if isinstance(shape_value, TupleValue):
        # shape=(X.shape[1], X.shape[2]): the rank is known even if the sizes are not
        shape = tuple(const(v) if isinstance(const(v), int) else None for v in shape_value.items)
    if not isinstance(shape, tuple):
        return Tensor(symbolic=ev, origin=ev)
    dims = (None, *shape)
    layout = {3: BTF, 2: BT}.get(len(dims))
    t = Tensor(
        rank=len(dims),
        dims=dims,
        layout=layout,
        symbolic=ev,
        origin=ev,
        role=Role.TOKENS if len(dims) == 2 else Role.DATA,
    )
    return fed_input(it, fact.node, t)


def _sequential(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    return sequential(it, fact, ev)


def _load_model(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    return KerasModel("loaded", node=fact.node)


def _functional(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    args = bind_args(spec.name, fact)
    inp = args.get("inputs")
    out = args.get("outputs")
    return KerasModel(
        "functional",
        input=inp if isinstance(inp, Tensor) else None,
        output=out if isinstance(out, Tensor) else None,
        node=fact.node,
    )


def _layer(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    q, node = spec.name, fact.node
    children: tuple[Layer | None, ...] = ()
    if q == "torch.nn.ModuleList" and fact.args and isinstance(fact.args[0], ListOf):
        item = fact.args[0].item
        if isinstance(item, Layer):
            return Layer(q, {"repeated": True}, node, (item,))
        if own_module(item):
            return fact.args[0]  # modules of the tree's own classes: walked, indexed as a list
        return Layer(q, {}, node, ())
    if q == "torch.nn.ModuleList" and fact.args and isinstance(fact.args[0], TupleValue):
        if any(own_module(a) for a in fact.args[0].items):
            return fact.args[0]
        children = tuple(a if isinstance(a, Layer) else None for a in fact.args[0].items)
    elif q == "torch.nn.Sequential":
        children = tuple(a if isinstance(a, Layer) else None for a in fact.args)
        if any(own_module(a) for a in fact.args):
            # modules of the tree's own classes among the layers: run in order too
            modules = tuple(
                a if isinstance(a, Layer) or own_module(a) else None for a in fact.args
            )
            return Layer(q, {**bind_args(q, fact), "modules": modules}, node, children)
    elif q in ("keras.layers.Bidirectional", "keras.layers.TimeDistributed"):
        inner = fact.args[0] if fact.args else fact.kwarg("layer")
        children = (inner if isinstance(inner, Layer) else None,)
    return Layer(q, bind_args(q, fact), node, children)


def _reduce(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    q = spec.name
    t = fact.args[0] if fact.args else fact.kwarg("input") or fact.kwarg("x")
    if isinstance(t, ListOf) and spec.framework in (Framework.TENSORFLOW, Framework.NUMPY):
        t = stacked_steps(t, fact.node)
    if not isinstance(t, Tensor) or spec.op is None:
        return None
    names = ("axis", "dim", "reduction_indices")
    axis = axis_value(fact, 1, names)
    if spec.op == "softmax" and spec.framework in (Framework.TENSORFLOW, Framework.KERAS):
        if const(axis) is None and isinstance(axis, Const):
            axis = Const(-1)  # TF and Keras softmax: no axis (or axis=None) is the last axis
    keepdims = any(const(fact.kwarg(k)) is True for k in ("keepdims", "keepdim", "keep_dims"))
    operand = arg_node(fact, 0, "input")
    api = f"`{short_name(q)}`"
    out = reduce(it, fact.node, spec.op, api, t, axis, operand, keepdims, framework=spec.framework)
    torch_pair = len(fact.args) > 1 or fact.has_kwarg("dim")
    if q in ("torch.max", "torch.min") and torch_pair and isinstance(out, Tensor):
        return TupleValue((out, None))  # (values, indices)
    return out


def stacked_steps(steps: ListOf, node: ast.AST) -> Tensor | None:
    """A TF or NumPy reduction given a Python list converts it to an array first, which
    stacks the elements on a new axis 0 (``tf.convert_to_tensor``, ``np.asarray``). For a
    list of one RNN cell's per-step ``(batch, units)`` outputs that is ``(time, batch,
    units)``. torch reductions take no list (``torch.mean(list)`` raises)."""
    item = steps.item
    if not (isinstance(item, Tensor) and item.rnn is not None and item.layout == BF):
        return None
    if item.rank != 2:
        return None
    return Tensor(
        rank=3,
        layout=TBF,
        role=Role.DATA,
        rnn=item.rnn,
        stacked=Evidence(node, ""),
        origin=Evidence(node, ""),
    )


def _pool_function(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    t = fact.args[0] if fact.args else None
    if not isinstance(t, Tensor) or spec.op is None:
        return None
    api = f"`{short_name(spec.name)}`"
    return pool_last_axis(it, fact.node, spec.op, api, t, fact, None, arg_node(fact, 0, "input"))


def _shaped(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    return shaped(it, fact, spec.name, ev)


def _literal(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    data = arg_node(fact, 0, "data") or arg_node(fact, 0, "value")
    if data is None:
        return None
    given = fact.args[0] if fact.args else None
    if isinstance(given, Tensor) and given.padded_rows is not None:
        return given  # torch.tensor([len(p) for p in padded]): still the padded length
    if _lengths_of_items(it, data):
        # torch.tensor([len(s) for s in seqs]): one length per sequence
        return Tensor(rank=1, layout=B, role=Role.LENGTHS, origin=ev)
    if type(data) not in (ast.List, ast.Tuple, ast.Constant, ast.UnaryOp):
        # tf.convert_to_tensor(x) / torch.tensor(n): the value it was given, not a literal
        given = fact.args[0] if fact.args else fact.kwarg("value") or fact.kwarg("data")
        batch = stacked(given, fact.node)  # a list of hand-padded sequences
        if batch is not None:
            return batch
        if isinstance(given, Tensor):
            return _identity(it, fact, spec, ev, raw)
        if isinstance(given, Const) and isinstance(given.value, (int, float)):
            return Tensor(rank=0, dims=(), origin=ev)
        if _flat_numbers(given):
            # a list the file computes from literals (`[0] * 9 + [1] * 3`): one axis
            assert isinstance(given, Const)
            return Tensor(rank=1, dims=(len(given.value),), origin=ev)
        return Tensor(origin=ev)
    shape = shape_from_literal(data)
    if shape is None:
        return Tensor(origin=ev)
    ints = literal_ints(data) if len(shape) == 1 else None
    return Tensor(rank=len(shape), dims=shape, origin=ev, lengths_literal=ints)


def _flat_numbers(value: Value) -> bool:
    """A non-empty tuple of plain numbers (a list literal folded by the analysis)."""
    return (
        isinstance(value, Const)
        and isinstance(value.value, tuple)
        and bool(value.value)
        and all(isinstance(v, (int, float)) for v in value.value)
    )


def _lengths_of_items(it: Interpreter, data: ast.expr) -> bool:
    """``[len(s) for s in seqs]``: Python's ``len`` of each item of a comprehension."""
    if type(data) not in (ast.ListComp, ast.GeneratorExp):
        return False
    elt = data.elt  # type: ignore[attr-defined]
    gens = data.generators  # type: ignore[attr-defined]
    return (
        type(elt) is ast.Call
        and type(elt.func) is ast.Name
        and elt.func.id == "len"
        and "len" not in it.module_env
        and len(elt.args) == 1
        and len(gens) == 1
        and type(gens[0].target) is ast.Name
        and type(elt.args[0]) is ast.Name
        and elt.args[0].id == gens[0].target.id
    )


def _pad_sequences(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    args = {k: v for k, v in fact.kwargs}
    written = const(args.get("padding")) if "padding" in args else spec.op  # the row's default
    side = Side(written) if written in ("pre", "post") else None
    maxlen = as_int(args.get("maxlen"))
    desc = f"`pad_sequences(...)` (padding={side.value!r})" if side else "`pad_sequences(...)`"
    pev = Evidence(fact.node, desc)
    # Token-id sequences give (samples, maxlen); with a known maxlen that is its shape.
    return Tensor(
        rank=2 if maxlen is not None else None,
        layout=BT,
        dims=(None, maxlen) if maxlen is not None else None,
        padding=Padding(pev, side, Fill.ZERO),
        origin=pev,
        role=Role.TOKENS,
    )


def _batch_first(fact: CallFact) -> Any:
    if fact.has_kwarg("batch_first"):
        return const(fact.kwarg("batch_first"))
    return const(fact.args[1]) if len(fact.args) > 1 else False


def _pad_sequence(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    bf = _batch_first(fact)
    side_kw = const(fact.kwarg("padding_side"))
    side = Side.PRE if side_kw == "left" else Side.POST
    fill: Fill | None = Fill.ZERO
    if fact.has_kwarg("padding_value") and const(fact.kwarg("padding_value")) not in (0, 0.0):
        fill = None
    layout = BT if bf is True else (TB if bf is False else None)
    pev = Evidence(fact.node, "")
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
            full = layout.append(Axis.FEATURE, 1 if rank == 2 else 0)
            dims = (None, None, feat) if rank == 2 else (None, None)
            return Tensor(
                rank=rank + 1,
                dims=dims,
                layout=full,
                padding=Padding(pev, side, fill),
                origin=pev,
            )
    return Tensor(layout=layout, padding=Padding(pev, side, fill), origin=pev)


def _pack_padded(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    src = fact.args[0] if fact.args else fact.kwarg("input")
    lengths_node = arg_node(fact, 1, "lengths")
    if lengths_node is not None:
        # pack_padded_sequence raises on a zero length: past this call the lengths it was
        # given (`lengths`, `lengths.cpu()`, `lengths.to("cpu")`) are all at least 1
        nonzero(it, lengths_node, Evidence(fact.node, "`pack_padded_sequence(...)`"))
    return Packed(src if isinstance(src, Tensor) else None, fact.node)


def _pack_sequence(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    return Packed(None, fact.node)


def _pad_packed(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    packed = fact.args[0] if fact.args else fact.kwarg("sequence")
    bf = _batch_first(fact)
    src = packed.source if isinstance(packed, Packed) else None
    pev = Evidence(fact.node, "`pad_packed_sequence(...)`")
    layout = BTF if bf is True else (TBF if bf is False else None)
    base = src if src is not None else Tensor(rank=3)
    out = base.with_(
        layout=layout, rank=3, dims=None, padding=Padding(pev, Side.POST, Fill.ZERO), origin=pev
    )
    # the lengths that packing accepted: none is 0
    lengths = Tensor(rank=1, role=Role.LENGTHS, origin=pev, nonzero=pev)
    return TupleValue((out, lengths))


def _sequence_mask(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    # [batch, maxlen]: the batch is the lengths' own, the time size the maxlen given
    lengths = fact.args[0] if fact.args else fact.kwarg("lengths")
    maxlen = fact.args[1] if len(fact.args) > 1 else fact.kwarg("maxlen")
    batch = lengths.dim(0) if isinstance(lengths, Tensor) and lengths.rank == 1 else None
    steps = as_int(maxlen)
    if isinstance(maxlen, DimOf):
        size = maxlen.tensor.dim(maxlen.axis)
        steps = size if isinstance(size, int) else None
    dims = (batch if isinstance(batch, int) else None, steps)
    return Tensor(
        rank=2,
        layout=BT,
        role=Role.MASK,
        origin=ev,
        dims=dims if dims != (None, None) else None,
        marks=(Marks.VALID, ev),  # True at the first `length` steps of each row
    )


def _arange(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    return Tensor(rank=1, role=Role.ARANGE, origin=ev)


def _shape_of(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else None
    return ShapeOf(t, fact.node) if isinstance(t, Tensor) else None


def _axis_argument(fact: CallFact) -> int | None:
    if len(fact.args) > 1:
        return as_int(fact.args[1])
    return as_int(fact.kwarg("axis") or fact.kwarg("dim"))


def _expand(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else None
    axis = _axis_argument(fact)
    given = len(fact.node.args) > 1 or fact.has_kwarg("axis") or fact.has_kwarg("dim")
    if spec.name == "keras.backend.expand_dims" and not given:
        axis = -1  # `K.expand_dims(x, axis=-1)`: the only one of these with a default axis
    return expand(t, axis) if isinstance(t, Tensor) else None


def _squeeze(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else None
    return squeeze(t, _axis_argument(fact)) if isinstance(t, Tensor) else None


def _flatten(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else None
    start = as_int(fact.args[1]) if len(fact.args) > 1 else as_int(fact.kwarg("start_dim"))
    return flatten(t, start or 0) if isinstance(t, Tensor) else None


def _reshape(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else fact.kwarg("tensor") or fact.kwarg("input")
    source_node = arg_node(fact, 0, "tensor") or arg_node(fact, 0, "input")
    target = fact.args[1] if len(fact.args) > 1 else fact.kwarg("shape")
    target_node = arg_node(fact, 1, "shape")
    if not isinstance(t, Tensor) or source_node is None or target_node is None:
        return None
    like_node = shape_operand(target_node)
    return reshape(it, fact.node, t, source_node, target, target_node, like_node)


def _transpose(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    if len(fact.args) != 3:
        return None
    t, a, b = fact.args
    a_axis, b_axis = as_int(a), as_int(b)
    if isinstance(t, Tensor) and a_axis is not None and b_axis is not None:
        return transpose(t, a_axis, b_axis, fact.node, it)
    return None


def _permute(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else None
    perm = (
        const(fact.args[1])
        if len(fact.args) > 1
        else const(fact.kwarg("perm") or fact.kwarg("axes") or fact.kwarg("dims"))
    )
    if isinstance(t, Tensor) and isinstance(perm, tuple):
        return permute(t, perm, fact.node, it)
    return None


def _where(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    if len(fact.args) != 3:
        return None
    cond, a, b = fact.args
    if isinstance(a, Tensor) and isinstance(cond, Tensor) and cond.role == Role.MASK:
        return masked(a, fact.node, fill_of(b) or (Fill.ZERO if const(b) == 0 else None), it)
    return a if isinstance(a, Tensor) else None


def _guard(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = first_tensor(fact.args)
    return t.with_(guarded=True, marks=None) if t is not None else None


def _identity(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    t = fact.args[0] if fact.args else None
    if isinstance(t, Tensor) and t.marks is not None and spec.short not in SAME_VALUE_FUNCTIONS:
        t = t.with_(marks=None)  # `tf.exp(m)`, `torch.relu(m)`: a mask's steps may change
    if isinstance(t, Tensor):
        return t.with_(keras_mask=None) if raw and t.symbolic is not None else t
    if isinstance(t, DimOf) and spec.short in SAME_VALUE_FUNCTIONS:
        return t  # `tf.cast(tf.shape(x)[1], tf.float32)`: the same size, as another dtype
    return None



def _einsum(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    return einsum(it, fact)


def _matmul(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    a = fact.args[0] if fact.args else None
    b = fact.args[1] if len(fact.args) > 1 else None
    return matmul(a, b, batched=spec.short == "bmm")


def _divide(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    if len(fact.args) < 2:
        return None
    den_node = arg_node(fact, 1, "other")
    if den_node is not None:
        it.division(fact.node, fact.args[0], fact.args[1], den_node)
    num = fact.args[0]
    return num.with_(role=Role.DATA) if isinstance(num, Tensor) else None


def _concatenate(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    seq = arg_node(fact, 0, "tensors") or arg_node(fact, 0, "values") or arg_node(fact, 0, "x")
    if isinstance(seq, (ast.Tuple, ast.List)):
        join_ends(it, fact.node, list(seq.elts))
    operands = fact.args[0] if fact.args else None
    if operands is None:
        operands = fact.kwarg("tensors") or fact.kwarg("values") or fact.kwarg("x")
    if spec.short in ("stack", "hstack"):
        # a new axis: modelled only for a stack of equal parts (analysis/joins.py)
        return stacked_equal(spec.name, operands, axis_value(fact, 1, ("axis", "dim")))
    joined = feature_join(operands, axis_value(fact, 1, ("axis", "dim")))
    if joined is not None:
        return joined  # the feature axis of every operand (analysis/joins.py)
    return concatenated(fact, spec.name)  # one padded part, any axis


_HANDLERS: dict[CallModel, Handler] = {
    CallModel.INPUT: _input,
    CallModel.SEQUENTIAL: _sequential,
    CallModel.LOAD_MODEL: _load_model,
    CallModel.FUNCTIONAL_MODEL: _functional,
    CallModel.LAYER: _layer,
    CallModel.REDUCE: _reduce,
    CallModel.POOL_FUNCTION: _pool_function,
    CallModel.SHAPED: _shaped,
    CallModel.LITERAL: _literal,
    CallModel.PAD_SEQUENCES: _pad_sequences,
    CallModel.DATA_LOADER: data_loader,
    CallModel.TORCHTEXT: torchtext_call,
    CallModel.PAD_SEQUENCE: _pad_sequence,
    CallModel.PACK_PADDED: _pack_padded,
    CallModel.PACK_SEQUENCE: _pack_sequence,
    CallModel.PAD_PACKED: _pad_packed,
    CallModel.SEQUENCE_MASK: _sequence_mask,
    CallModel.ARANGE: _arange,
    CallModel.SHAPE_OF: _shape_of,
    CallModel.EXPAND: _expand,
    CallModel.SQUEEZE: _squeeze,
    CallModel.FLATTEN: _flatten,
    CallModel.RESHAPE: _reshape,
    CallModel.TRANSPOSE: _transpose,
    CallModel.PERMUTE: _permute,
    CallModel.WHERE: _where,
    CallModel.GUARD: _guard,
    CallModel.IDENTITY: _identity,
    CallModel.EINSUM: _einsum,
    CallModel.ROW_SPLIT: row_split,
    CallModel.MATMUL: _matmul,
    CallModel.DIVIDE: _divide,
    CallModel.CONCATENATE: _concatenate,
    CallModel.PER_SAMPLE_LOSS: per_sample_loss,
    **TF1_HANDLERS,
    CallModel.KERAS_MERGE: merge_call,
    CallModel.HF: lambda it, fact, spec, ev, raw: hf.library_call(it, fact, spec.name),
}


def einsum(it: Interpreter, fact: CallFact) -> Value:
    eq = const(fact.args[0]) if fact.args else None
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
        if isinstance(v, Tensor) and v.role == Role.DATA and v.padding is not None:
            data = (spec, v)
            break
    masked = any(isinstance(v, Tensor) and v.role == Role.MASK for v in operands)
    if data is None:
        if masked:
            data_in = next(
                (v for v in operands if isinstance(v, Tensor) and v.role == Role.DATA), None
            )
            return Tensor(rank=len(out), role=Role.POOLED_SUM) if data_in is not None else None
        return None
    spec, t = data
    ta = t.time_axis
    if ta is None or ta >= len(spec):
        return None
    time_letter = spec[ta]
    if time_letter in out:
        layout = Layout(
            tuple(
                (
                    t.layout[spec.index(c)]
                    if t.layout and spec.index(c) < len(t.layout)
                    else Axis.FEATURE
                )
                if c in spec
                else Axis.FEATURE
                for c in out
            )
        )
        return Tensor(rank=len(out), layout=layout, padding=refill(t.padding), origin=t.origin)
    return Tensor(rank=len(out), role=Role.POOLED_SUM) if masked else None


def shaped(it: Interpreter, fact: CallFact, q: str, ev: Evidence) -> Value:
    size_kw = fact.kwarg("size") or fact.kwarg("shape")
    candidates: list[tuple[Value, ast.expr | None]] = []
    if size_kw is not None:
        node = arg_node(fact, 99, "size") or arg_node(fact, 99, "shape")
        candidates.append((size_kw, node))
    elif (
        "randint" in q
        or q.endswith(("normal", "uniform", "full"))
        and not q.startswith(("tensorflow.", "keras."))
    ):
        if q == "torch.randint" and len(fact.args) >= 2:
            candidates.append((fact.args[-1], arg_node(fact, len(fact.args) - 1, "size")))
        elif q == "numpy.full" and fact.args:
            candidates.append((fact.args[0], arg_node(fact, 0, "shape")))
        else:
            return Tensor(origin=ev)
    elif (
        len(fact.args) == 1
        or (
            q.startswith(("numpy.", "tensorflow.", "keras."))
            and fact.args
            and q not in ("numpy.random.rand", "numpy.random.randn")
        )
        or isinstance(arg_node(fact, 0, "shape"), (ast.Tuple, ast.List))
    ):
        # numpy/tf take one shape argument (then a dtype); torch takes *sizes or one tuple
        candidates.append((fact.args[0], arg_node(fact, 0, "shape")))
    else:
        nodes = [arg_node(fact, i, "") for i in range(len(fact.args))]
        dims = tuple(dim_from(v, n) for v, n in zip(fact.args, nodes))
        if not dims:
            return Tensor(origin=ev)
        return Tensor(
            rank=len(dims), dims=dims, layout=layout_from_names(dim_names(nodes)), origin=ev
        )
    value, node = candidates[0]
    c = const(value)
    if isinstance(c, int) and not isinstance(c, bool):
        return Tensor(rank=1, dims=(c,), origin=ev)
    if isinstance(node, (ast.Tuple, ast.List)):
        elements = [e.value if isinstance(e, ast.Starred) else e for e in node.elts]
        dims = tuple(dim_from(it.eval(e), e) for e in elements)
        names = dim_names(list(elements))
        return Tensor(rank=len(dims), dims=dims, layout=layout_from_names(names), origin=ev)
    if isinstance(c, tuple):
        dims = tuple(d if isinstance(d, int) else None for d in c)
        return Tensor(rank=len(dims), dims=dims, origin=ev)
    if isinstance(value, ShapeOf):
        return value.tensor.with_(origin=ev, padding=None, keras_mask=None, symbolic=None)
    if isinstance(value, TupleValue):
        dims = tuple(dim_from(v) for v in value.items)
        return Tensor(rank=len(dims), dims=dims, origin=ev)
    return Tensor(origin=ev)
