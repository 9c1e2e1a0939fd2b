"""Applying a Keras layer: output shape, padding fill and what happens to the mask."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.arguments import as_int, const, dim_from
from pooling_lint.analysis.axes import drop_axis
from pooling_lint.analysis.facts import (
    CallFact,
    MaskDropped,
    Reduction,
)
from pooling_lint.analysis.layout import BF, BT, BTF
from pooling_lint.analysis.library import ApplyModel, Framework, MaskEffect
from pooling_lint.analysis.padding import refill
from pooling_lint.analysis.reductions import reduce
from pooling_lint.analysis.values import (
    Const,
    Dim,
    DimOf,
    Evidence,
    Fill,
    FunctionRef,
    Layer,
    Padding,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def keras_layer(
    it: Interpreter,
    node: ast.AST,
    layer: Layer,
    apply: ApplyModel,
    t: Tensor,
    lev: Evidence,
    fact: CallFact | None,
) -> Value:
    """Apply a Keras layer: the handler of its row, after the mask effect of its row."""
    spec = lib.lookup(layer.qualname)
    unconsumed = t.keras_mask is not None and t.mask_consumed is None
    if spec is not None and spec.mask is MaskEffect.DROPS and unconsumed:
        it.log.mask_drop(MaskDropped(node, t, f"`{layer.short}`"))
    handler = _HANDLERS.get(apply)
    if handler is not None:
        return handler(it, node, layer, t, lev, fact)
    if spec is not None and spec.mask is MaskEffect.DROPS:
        return Tensor(symbolic=t.symbolic, origin=lev)  # Reshape, Permute
    return Tensor(symbolic=t.symbolic, origin=lev) if t.symbolic is not None else None


KerasHandler = Callable[["Interpreter", ast.AST, Layer, Tensor, Evidence, "CallFact | None"], Value]


def _masking(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    if t.keras_mask is not None and t.padding is not None and _random_pad_row(it, t):
        # The new mask replaces the Embedding's: it masks the steps whose features all equal
        # mask_value, and the padded steps hold the Embedding's row for id 0, a trained vector
        # initialised at random, so it masks none of them.
        return t.with_(keras_mask=None, mask_consumed=None, padding=refill(t.padding), origin=lev)
    pad: Padding | None = Padding(lev, t.padding.side if t.padding else None, Fill.ZERO)
    if t.rank is None and t.layout is None:
        t = t.with_(rank=3, layout=BTF)  # Masking takes (batch, time, features)
    return t.with_(keras_mask=lev, padding=pad, mask_consumed=None, origin=lev)


def from_masking(it: Interpreter, t: Tensor) -> bool:
    """``t`` is the output of a Keras ``Masking`` layer whose mask the analysis dropped
    because it hides none of the padded steps (:func:`_masking`): Keras still computes a mask
    there and passes it on, so a layer called on ``t`` receives one (not None)."""
    node = t.origin.node if t.origin is not None else None
    return (
        t.keras_mask is None
        and isinstance(node, ast.Call)
        and it.facts.qualname(node.func) == "keras.layers.Masking"
    )


def _random_pad_row(it: Interpreter, t: Tensor) -> bool:
    """``t`` comes straight from a Keras ``Embedding`` whose weights start at random (no
    ``weights=`` / ``embeddings_initializer=`` given): its padded steps are not constant."""
    node = t.origin.node if t.origin is not None else None
    if not isinstance(node, ast.Call) or it.facts.qualname(node.func) != "keras.layers.Embedding":
        return False
    given = {k.arg for k in node.keywords}
    return not given & {"weights", "embeddings_initializer", None}


def _embedding(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    out_dim = dim_from(layer.args.get("output_dim"))
    dims = (t.dim(0), t.dim(1), out_dim) if t.rank == 2 else None
    mask_zero = layer.arg("mask_zero", False) is True
    pad = t.padding
    if mask_zero:
        pad = Padding(lev, t.padding.side if t.padding else None, None)
    return t.with_(
        rank=3,
        dims=dims,
        layout=BTF,
        role=Role.DATA,
        keras_mask=lev if mask_zero else None,
        mask_consumed=None,
        padding=refill(pad),
        origin=lev,
    )


def _rnn(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    q = layer.qualname
    inner = layer
    bidir = q == "keras.layers.Bidirectional"
    if bidir:
        if not layer.children or layer.children[0] is None:
            return None
        inner = layer.children[0]
    if inner.qualname not in lib.KERAS_RNNS:
        return None
    units = dim_from(inner.args.get("units"))
    merge = layer.arg("merge_mode", "concat") if bidir else None
    if bidir and isinstance(units, int) and merge == "concat":
        units = units * 2
    elif bidir and merge != "concat":
        units = units if merge in ("sum", "ave", "mul") else None
    returns_state = inner.arg("return_state", False)
    if returns_state is not False and returns_state is not True:
        return None  # unknown: one tensor or [output, *states]
    out = _rnn_output(layer, inner, t, lev, bidir, units)
    if returns_state is not True:
        return out
    # [output, *states]: h (and c for an LSTM), per direction; the mask stays on the output
    state = Tensor(rank=2, dims=(t.dim(0), None), role=Role.STATE, symbolic=t.symbolic, origin=lev)
    count = (2 if inner.qualname.endswith("LSTM") else 1) * (2 if bidir else 1)
    return TupleValue((out, *([state] * count)))


def _rnn_output(
    layer: Layer, inner: Layer, t: Tensor, lev: Evidence, bidir: bool, units: Dim
) -> Tensor:
    seqs = inner.arg("return_sequences", False) is True
    masked = t.keras_mask is not None
    if not seqs:
        return Tensor(
            rank=2,
            dims=(t.dim(0), units),
            layout=BF,
            symbolic=t.symbolic,
            bidirectional=lev if bidir else None,
            origin=lev,
        )
    pad = t.padding
    if pad is not None:
        fill = (Fill.ZERO if bidir else Fill.COPY_LAST) if masked else None
        if masked and inner.arg("zero_output_for_mask", False) is True:
            fill = Fill.ZERO
        pad = Padding(pad.evidence, pad.side, fill)
    return t.with_(
        rank=3,
        dims=(t.dim(0), t.dim(1), units),
        layout=BTF,
        padding=pad,
        mask_consumed=lev if masked else t.mask_consumed,
        rnn=lev,
        bidirectional=lev if bidir else None,
        origin=lev,
    )


def _global_pool(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    q = layer.qualname
    op = "max" if "Max" in q else "mean"
    channels_first = layer.arg("data_format") == "channels_first"
    axis = 2 if channels_first else 1
    t2 = t if t.rank is not None else t.with_(rank=3)
    operand = fact.arg_node(0, "inputs") if fact is not None else None
    it.log.reduction(
        Reduction(
            node=node,
            op=op,
            api=f"`{layer.short}`",
            operand=t2,
            axis=axis,
            operand_node=operand,
            layer=layer,
            has_mask_arg=t.keras_mask is not None,
            framework=Framework.KERAS,
        ),
    )
    out = drop_axis(t2, axis, keepdims=layer.arg("keepdims") is True)
    return out.with_(keras_mask=None, mask_consumed=None, symbolic=t.symbolic)


def _window_pool(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    q = layer.qualname
    op = "max" if "Max" in q else "mean"
    pool = layer.args.get("pool_size", Const(2))
    if isinstance(pool, DimOf):
        # pool_size=model.output_shape[1], x.shape[1]: the size that dimension has
        size = pool.tensor.dim(pool.axis)
        pool = Const(size) if isinstance(size, int) else pool
    k = as_int(pool)
    if k is None and isinstance(const(pool), tuple) and len(const(pool)) == 1:
        k = const(pool)[0]
    T = t.dim(1)
    it.log.reduction(
        Reduction(
            node=node,
            op=op,
            api=f"`{layer.short}`",
            operand=t,
            axis=1,
            layer=layer,
            windowed=True,
            pool_size=k,
            framework=Framework.KERAS,
        ),
    )
    strides = as_int(layer.args.get("strides")) or k
    new_t: Dim = None
    if isinstance(T, int) and k is not None and strides:
        new_t = (T - k) // strides + 1 if layer.arg("padding", "valid") == "valid" else None
    dims = (t.dim(0), new_t, t.dim(2)) if t.rank == 3 else None
    pad = t.padding if new_t != 1 else None
    return t.with_(dims=dims, padding=pad, keras_mask=None, mask_consumed=None)


def _flatten(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    return Tensor(rank=2, symbolic=t.symbolic, origin=lev)


def _conv1d(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    filters = dim_from(layer.args.get("filters"))
    length = t.dim(1)
    k = as_int(layer.args.get("kernel_size"))
    stride = as_int(layer.args.get("strides", Const(1)))
    if stride != 1 or not isinstance(length, int):
        length = None
    elif layer.arg("padding", "valid") not in ("same", "causal"):
        length = length - k + 1 if k is not None else None
    dims = (t.dim(0), length, filters) if t.rank == 3 else None
    return t.with_(dims=dims, keras_mask=None, mask_consumed=None, padding=refill(t.padding))


def _dense(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    units = dim_from(layer.args.get("units"))
    dense_dims = t.dims[:-1] + (units,) if t.dims else None
    return t.with_(dims=dense_dims, padding=refill(t.padding), origin=lev)


def _softmax(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    axis = layer.args.get("axis", Const(-1))
    reduce(it, node, "softmax", "`Softmax`", t, axis, None, layer=layer, framework=Framework.KERAS)
    return t.with_(role=Role.WEIGHTS)


def _time_distributed(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    wrapped = layer.children[0] if layer.children else None
    if wrapped is not None and wrapped.qualname == "keras.layers.Dense" and t.dims:
        units = dim_from(wrapped.args.get("units"))
        return t.with_(dims=t.dims[:-1] + (units,), padding=refill(t.padding))
    return t.with_(dims=None, padding=refill(t.padding))


def _per_step(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    return t


def _lambda(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    fn = layer.args.get("function")
    return lambda_layer(it, node, fn, t)


def _attention(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    return t.with_(padding=refill(t.padding), mask_consumed=t.keras_mask and lev)


def text_vectorization(it: Interpreter, layer: Layer, inp: Value, lev: Evidence) -> Value:
    """``TextVectorization(...)(texts)``: in its default ``output_mode="int"`` (dense, not
    ``ragged=True``) each text becomes a row of token ids, padded at the end with id 0 up to
    ``output_sequence_length`` or, without one, to the longest text of the batch (measured on
    Keras 3.15: ``[[7, 6, 5, 0, 0, 0], [3, 0, 0, 0, 0, 0]]``). The other output modes give
    one vector per text (no time axis): nothing is known then."""
    node = layer.node
    if isinstance(node, ast.Call) and any(k.arg is None for k in node.keywords):
        return None  # `**config`: the mode is not shown
    if isinstance(node, ast.Call) and any(type(a) is ast.Starred for a in node.args):
        return None
    if layer.arg("output_mode", "int") != "int" or layer.arg("ragged", False) is not False:
        return None
    length = as_int(layer.args.get("output_sequence_length"))
    symbolic = inp.symbolic if isinstance(inp, Tensor) else None
    batch = inp.dim(0) if isinstance(inp, Tensor) and inp.rank is not None else None
    pev = Evidence(node or lev.node, f"`{layer.short}(...)`")
    return Tensor(
        rank=2,
        dims=(batch, length),
        layout=BT,
        padding=Padding(pev, Side.POST, Fill.ZERO),
        origin=pev,
        role=Role.TOKENS,
        symbolic=symbolic,
    )


_HANDLERS: dict[ApplyModel, KerasHandler] = {
    ApplyModel.MASKING: _masking,
    ApplyModel.KERAS_EMBEDDING: _embedding,
    ApplyModel.KERAS_RNN: _rnn,
    ApplyModel.GLOBAL_POOL: _global_pool,
    ApplyModel.WINDOW_POOL: _window_pool,
    ApplyModel.KERAS_FLATTEN: _flatten,
    ApplyModel.KERAS_CONV1D: _conv1d,
    ApplyModel.DENSE: _dense,
    ApplyModel.KERAS_SOFTMAX: _softmax,
    ApplyModel.TIME_DISTRIBUTED: _time_distributed,
    ApplyModel.PER_STEP: _per_step,
    ApplyModel.LAMBDA: _lambda,
    ApplyModel.KERAS_ATTENTION: _attention,
}

#: The apply models this module handles (every Keras layer; the merge layers, which take a
#: list, in analysis/keras_merge.py; TextVectorization, which takes strings of any form, in
#: :func:`text_vectorization`).
KERAS_APPLIES = frozenset(_HANDLERS) | {
    ApplyModel.KERAS_OTHER,
    ApplyModel.KERAS_MERGE,
    ApplyModel.TEXT_VECTORIZATION,
}


def lambda_layer(it: Interpreter, node: ast.AST, fn: Value, t: Tensor) -> Value:
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
                ret = it.read_return(key)
                if isinstance(ret, Tensor):
                    return ret.with_(symbolic=t.symbolic, keras_mask=None)
    return Tensor(symbolic=t.symbolic)


def layer_weight(it: Interpreter, fact: CallFact) -> Value:
    """``self.add_weight(...)`` in a Keras layer: a parameter of the shape it is given.

    The shape's position changed between releases (Keras 2.0: ``add_weight(shape,
    initializer, name=None)``; Keras 2.2 and ``tf.keras``: ``add_weight(name, shape, ...)``;
    Keras 3: ``add_weight(shape=None, initializer=None, ...)``), so the shape is the
    ``shape=`` keyword or, positionally, a tuple or list display among the first two
    arguments (a name is a string, never a tuple). Only its rank is a fact: a weight holds no
    time steps and no padding. Anything else (a shape built elsewhere) gives nothing.
    """
    node = fact.arg_node(-1, "shape")
    if node is None:
        for a in fact.node.args[:2]:
            if type(a) is ast.Starred:
                return None
            if isinstance(a, (ast.Tuple, ast.List)):
                node = a
                break
    if not isinstance(node, (ast.Tuple, ast.List)) or any(
        type(e) is ast.Starred for e in node.elts
    ):
        return None
    dims = tuple(dim_from(it.eval(e), e) for e in node.elts)
    return Tensor(rank=len(dims), dims=dims, origin=Evidence(fact.node, "`add_weight(...)`"))
