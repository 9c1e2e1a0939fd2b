"""Applying a layer object to a value: the torch modules, and the entry for Keras layers."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.arguments import arg_node, as_int, const, dim_from
from pooling_lint.analysis.axes import flatten
from pooling_lint.analysis.facts import (
    CallFact,
    LayerCall,
)
from pooling_lint.analysis.keras_layers import KERAS_APPLIES, keras_layer, text_vectorization
from pooling_lint.analysis.keras_merge import merge_layer
from pooling_lint.analysis.layout import BCT, BF, BT, BTF, TB, TBF, Axis
from pooling_lint.analysis.library import ApplyModel
from pooling_lint.analysis.padding import refill
from pooling_lint.analysis.polarity import torch_key_padding
from pooling_lint.analysis.project import foreign_module
from pooling_lint.analysis.reductions import pool_last_axis
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Evidence,
    Foreign,
    Instance,
    Layer,
    Packed,
    Padding,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def apply_layer(
    it: Interpreter,
    node: ast.AST,
    layer: Layer,
    inp: Value,
    fact: CallFact | None = None,
    in_sequential: bool = False,
    next_layers: tuple[Layer | None, ...] = (),
) -> Value:
    out = layer_output(it, node, layer, inp, fact, in_sequential, next_layers)
    it.log.layer_call(
        LayerCall(node, layer, inp, out, in_sequential, next_layers, fact),
    )
    return out


def layer_output(
    it: Interpreter,
    node: ast.AST,
    layer: Layer,
    inp: Value,
    fact: CallFact | None,
    in_sequential: bool,
    next_layers: tuple[Layer | None, ...],
) -> Value:
    """The value a layer returns for ``inp``: the handler its table row names."""
    q = layer.qualname
    spec = lib.lookup(q)
    apply = spec.apply if spec is not None else None
    if apply is None and q.startswith("keras.layers."):
        apply = ApplyModel.KERAS_OTHER
    lev = Evidence(layer.node or node, "")
    if isinstance(inp, Packed) and apply is ApplyModel.TORCH_RNN:
        return _torch_rnn_packed(layer, node, lev)
    if apply is ApplyModel.KERAS_MERGE:
        return merge_layer(it, node, layer, inp)  # a list of inputs
    if apply is ApplyModel.TEXT_VECTORIZATION:
        return text_vectorization(it, layer, inp, lev)  # strings of any form
    if apply is ApplyModel.KERAS_ATTENTION and isinstance(inp, TupleValue) and inp.items:
        # `Attention()([query, value])` / `[query, value, key]`: the output has the query's
        # steps (and carries the query's mask)
        inp = inp.items[0]
    if inp is None:
        inp = _default_input(layer, apply)
    if not isinstance(inp, Tensor) or apply is None:
        return None
    if apply in KERAS_APPLIES:
        return keras_layer(it, node, layer, apply, t=inp, lev=lev, fact=fact)
    return _TORCH_HANDLERS[apply](it, node, layer, inp, lev, fact)


def _rnn_cell(
    it: Interpreter, node: ast.AST, layer: Layer, inp: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    """One step of an RNN cell. A Keras cell takes ``(batch, features)`` and returns
    ``(output, new_states)``, the output ``(batch, units)``; a torch ``GRUCell``/``RNNCell``
    returns ``h`` and an ``LSTMCell`` ``(h, c)``, ``(batch, hidden)`` for a ``(batch, input)``
    input (an unbatched ``(input,)`` one gives ``(hidden,)``, so the input's rank must show)."""
    keras = layer.qualname.startswith("keras.")
    if not keras and inp.rank != 2:
        return None
    out = Tensor(rank=2, layout=BF, role=Role.DATA, rnn=lev, origin=lev)
    if keras or layer.short == "LSTMCell":
        return TupleValue((out, None))
    return out


def _default_input(layer: Layer, apply: ApplyModel | None) -> Value:
    """What a layer's input must be when the file does not show it."""
    if apply in (ApplyModel.TORCH_RNN, ApplyModel.TORCH_ATTENTION, ApplyModel.TRANSFORMER):
        return Tensor(rank=3)  # the output layout follows from batch_first alone
    if apply is ApplyModel.TORCH_EMBEDDING and const(layer.args.get("padding_idx")) is not None:
        return Tensor(role=Role.TOKENS)  # padding_idx is evidence of padding by itself
    if apply is ApplyModel.KERAS_EMBEDDING:
        return Tensor(rank=2, layout=BT, role=Role.TOKENS)
    if apply is ApplyModel.RNN_CELL and layer.qualname.startswith("keras."):
        return Tensor(rank=2, layout=BF)  # a Keras cell takes (batch, features)
    if apply in (ApplyModel.MASKING, ApplyModel.KERAS_RNN):
        # These Keras layers only accept (batch, time, ...) input, so their output layout is
        # known even when the input's is not.
        return Tensor(rank=3, layout=BTF)
    return None


def _torch_rnn_packed(layer: Layer, node: ast.AST, lev: Evidence) -> Value:
    bf = layer.arg("batch_first", False)
    bidir = layer.arg("bidirectional", False) is True
    src = Tensor(
        rank=3,
        layout=BTF if bf is True else TBF if bf is False else None,
        rnn=lev,
        bidirectional=lev if bidir else None,
    )
    state = Tensor(rank=3, role=Role.STATE, origin=lev)
    h: Value = TupleValue((state, state)) if layer.qualname.endswith("LSTM") else state
    return TupleValue((Packed(src, node), h))


TorchHandler = Callable[["Interpreter", ast.AST, Layer, Tensor, Evidence, "CallFact | None"], Value]


def _linear(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    in_f = layer.arg("in_features")
    last = t.dim(-1) if t.rank else None
    if isinstance(in_f, int) and isinstance(last, int) and in_f != last:
        return None  # this call raises; nothing downstream is known (no cascades)
    out_f = dim_from(layer.args.get("out_features"))
    dims = t.dims[:-1] + (out_f,) if t.dims is not None and t.dims else None
    return t.with_(dims=dims, padding=refill(t.padding), origin=lev)


def _embedding(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    emb = dim_from(layer.args.get("embedding_dim"))
    layout = (
        t.layout.append(Axis.FEATURE) if t.layout is not None and t.layout in (BT, TB) else None
    )
    dims = t.dims + (emb,) if t.dims is not None else None
    pad = t.padding
    if pad is None and "padding_idx" in layer.args and const(layer.args["padding_idx"]) is not None:
        # torch pads at the end: pad_sequence and pack_padded_sequence both assume it
        pad = Padding(Evidence(layer.node or node, ""), Side.POST)
    rank = t.rank + 1 if t.rank is not None else (3 if layout else None)
    return t.with_(
        rank=rank, dims=dims, layout=layout, padding=refill(pad), role=Role.DATA, origin=lev
    )


def _conv1d(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    out_c = dim_from(layer.args.get("out_channels"))
    layout = BCT if t.layout in (BCT, None) else None
    length = t.dim(2) if t.rank == 3 else None
    k = as_int(layer.args.get("kernel_size"))
    conv_pad = as_int(layer.args.get("padding", Const(0)))
    stride = as_int(layer.args.get("stride", Const(1)))
    dil = as_int(layer.args.get("dilation", Const(1)))
    if layer.arg("padding") == "same":
        conv_pad, k = 0, 1
    new_len: Dim = None
    if isinstance(length, int) and None not in (k, conv_pad, stride, dil):
        new_len = (length + 2 * conv_pad - dil * (k - 1) - 1) // stride + 1  # type: ignore[operator]
    dims = (t.dim(0), out_c, new_len) if t.rank == 3 else None
    return t.with_(layout=layout, dims=dims, padding=refill(t.padding), origin=lev)


def _pool(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    op = "max" if "Max" in layer.qualname else "mean"
    operand = arg_node(fact, 0, "input") if fact else None
    return pool_last_axis(it, node, op, f"`{layer.short}`", t, None, layer, operand)


def _sequential(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    cur: Value = t
    modules = layer.args.get("modules")
    for slot, child in enumerate(modules if isinstance(modules, tuple) else layer.children):
        if child is None or not isinstance(cur, (Tensor, Packed)):
            return None
        if isinstance(child, Instance):
            cur = _own_module(it, child, cur)
            continue
        if isinstance(child, Foreign):
            cur = foreign_module(it, node, slot, child, cur)  # another checked module's
            continue
        cur = apply_layer(it, node, child, cur)  # report at the call, where data flows
    return cur


def _own_module(it: Interpreter, inst: Instance, x: Value) -> Value:
    """A module of the file's own class inside an ``nn.Sequential``: its ``forward`` run
    with the running value."""
    key = it.class_method_key(inst.class_name, "forward")
    return it.call_unit(key, (x,), (), skip_self=True) if key is not None else None


#: shape-preserving modules that also leave the padded steps' values alone
_KEEP_FILL = frozenset({"torch.nn.Dropout", "torch.nn.ReLU", "torch.nn.Identity"})


def _same_shape(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    return t if layer.qualname in _KEEP_FILL else t.with_(padding=refill(t.padding))


def _flatten(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    start = as_int(layer.args.get("start_dim", Const(1)))
    out = flatten(t, start if start is not None else 1)
    return out if out is not None else Tensor(rank=2, origin=lev)


def batch_first(layer: Layer) -> object:
    """``batch_first`` of a torch attention / Transformer layer (a ``TransformerEncoder``
    takes its layer's; torch's default is False, time-first)."""
    if layer.qualname == "torch.nn.TransformerEncoder":
        inner = layer.args.get("encoder_layer")
        if not isinstance(inner, Layer):
            return None  # a layer the file does not show
        layer = inner
    return layer.arg("batch_first", False)


def _layout_by(layer: Layer, t: Tensor, lev: Evidence) -> Tensor:
    """The output of an attention / Transformer layer: the input's shape and layout; for an
    input of unknown layout, the one ``batch_first`` says."""
    out = t.with_(padding=refill(t.padding))
    bf = batch_first(layer)
    if t.layout is None and t.rank in (3, None) and bf in (True, False):
        out = out.with_(rank=3, layout=BTF if bf else TBF, layout_by=lev, origin=lev)
    elif bf in (True, False) and t.layout == (BTF if bf else TBF):
        out = out.with_(layout_by=lev)  # (a mismatched input is reported at the call)
    return out


def _attention(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    torch_key_padding(it, layer, fact)
    return TupleValue((_layout_by(layer, t, lev), None))


def _transformer(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    torch_key_padding(it, layer, fact)
    return _layout_by(layer, t, lev)


def _torch_rnn(
    it: Interpreter, node: ast.AST, layer: Layer, t: Tensor, lev: Evidence, fact: CallFact | None
) -> Value:
    return torch_rnn(it, layer, t, lev)


_TORCH_HANDLERS: dict[ApplyModel, TorchHandler] = {
    ApplyModel.RNN_CELL: _rnn_cell,  # torch and Keras cells alike
    ApplyModel.TORCH_RNN: _torch_rnn,
    ApplyModel.LINEAR: _linear,
    ApplyModel.TORCH_EMBEDDING: _embedding,
    ApplyModel.CONV1D: _conv1d,
    ApplyModel.TORCH_POOL: _pool,
    ApplyModel.TORCH_SEQUENTIAL: _sequential,
    ApplyModel.TORCH_SAME: _same_shape,
    ApplyModel.TORCH_FLATTEN: _flatten,
    ApplyModel.TORCH_ATTENTION: _attention,
    ApplyModel.TRANSFORMER: _transformer,
}


def torch_rnn(it: Interpreter, layer: Layer, t: Tensor, lev: Evidence) -> Value:
    bf = layer.arg("batch_first", False)
    bidir = layer.arg("bidirectional", False)
    hidden = dim_from(layer.args.get("hidden_size"))
    if as_int(layer.args.get("proj_size")):
        hidden = as_int(layer.args.get("proj_size"))  # LSTM(proj_size=P) outputs P features
    layout = BTF if bf is True else (TBF if bf is False else None)
    dirs = 2 if bidir is True else 1 if bidir is False else None
    feat: Dim = hidden * dirs if isinstance(hidden, int) and dirs else None
    dims = (t.dim(0), t.dim(1), feat) if t.rank == 3 and t.dims is not None else None
    out = Tensor(
        rank=3,
        dims=dims,
        layout=layout,
        padding=refill(t.padding),
        rnn=lev,
        bidirectional=lev if bidir is True else None,
        origin=lev,
    )
    state = Tensor(rank=3, role=Role.STATE, origin=lev, padding=refill(t.padding))
    h: Value = TupleValue((state, state)) if layer.qualname.endswith("LSTM") else state
    return TupleValue((out, h))
