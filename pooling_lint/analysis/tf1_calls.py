"""Calls of TensorFlow 1 graph APIs (rows in ``library/tf1.py``, semantics documented there).

``tf.placeholder`` gives the shape of the data fed to the graph; ``embedding_lookup`` turns
token ids into per-step vectors; the RNN functions return their outputs with the layout,
direction and padding they really have: zero past each length when ``sequence_length`` is
given, whatever the input held at its padded steps otherwise.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import as_int, bind_args, const, dim_from
from pooling_lint.analysis.axes import permute
from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.feeds import fed_input
from pooling_lint.analysis.layout import BT, BTF, TB, TBF, Axis
from pooling_lint.analysis.library import ApiSpec, CallModel
from pooling_lint.analysis.library.tf1 import STATIC_RNNS
from pooling_lint.analysis.padding import refill
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Evidence,
    Fill,
    Padding,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

Handler = Callable[["Interpreter", CallFact, ApiSpec, Evidence, bool], Value]

_INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "int")


def _arg(fact: CallFact, spec: ApiSpec, name: str) -> ast.expr | None:
    """The expression passed for parameter ``name`` (keyword or its position in the row)."""
    index = spec.params.index(name) if name in spec.params else -1
    return fact.arg_node(index, name)


def _shape_dims(it: Interpreter, node: ast.expr | None) -> tuple[Dim, ...] | None:
    """``[None, MAX_LEN, 64]`` -> ``(None, "MAX_LEN", 64)`` (or with MAX_LEN's value)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    dims: list[Dim] = []
    for e in node.elts:
        if type(e) is ast.Starred:
            return None
        if type(e) is ast.Constant and e.value is None:
            dims.append(None)
        else:
            dims.append(dim_from(it.eval(e), e))
    return tuple(dims)


def _is_int_dtype(it: Interpreter, node: ast.expr | None) -> bool:
    if node is None:
        return False
    if type(node) is ast.Constant and isinstance(node.value, str):
        return node.value in _INT_DTYPES
    q = it.facts.qualname(node)
    return q is not None and q.rsplit(".", 1)[-1] in _INT_DTYPES


def _placeholder(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    dims = _shape_dims(it, _arg(fact, spec, "shape"))
    if dims is None:
        return Tensor(origin=ev)
    ints = _is_int_dtype(it, _arg(fact, spec, "dtype"))
    # [None, T] int ids, [None, T, F] float steps; a [None, n] float is anything (labels, ...)
    if len(dims) == 2 and ints:
        t = Tensor(rank=2, dims=dims, layout=BT, role=Role.TOKENS, origin=ev)
    elif len(dims) == 3 and not ints:
        t = Tensor(rank=3, dims=dims, layout=BTF, origin=ev)
    else:
        return Tensor(rank=len(dims), dims=dims, origin=ev)
    return fed_input(it, fact.node, t)  # padded like what a feed_dict gives it


def _variable(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    dims = _shape_dims(it, _arg(fact, spec, "shape"))
    if dims is not None:
        return Tensor(rank=len(dims), dims=dims, origin=ev)
    init = bind_args(spec.name, fact).get(
        "initial_value" if "initial_value" in spec.params else "initializer"
    )
    if isinstance(init, Tensor) and init.rank is not None:
        return Tensor(rank=init.rank, dims=init.dims, origin=ev)
    return Tensor(origin=ev)


def _embedding_lookup(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    args = bind_args(spec.name, fact)
    table, ids = args.get("params"), args.get("ids")
    if not isinstance(ids, Tensor):
        return None
    width = table.dim(-1) if isinstance(table, Tensor) and table.rank == 2 else None
    layout = (
        ids.layout.append(Axis.FEATURE)
        if ids.layout is not None and ids.layout in (BT, TB)
        else None
    )
    rank = ids.rank + 1 if ids.rank is not None else (3 if layout else None)
    dims = ids.dims + (width,) if ids.dims is not None else None
    # the padded ids look up the pad row: a learned vector, not zeros
    return Tensor(rank=rank, dims=dims, layout=layout, padding=refill(ids.padding), origin=ev)


def _rnn(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    kind = spec.short
    args = bind_args(spec.name, fact)
    inputs = args.get("inputs")
    static = kind in STATIC_RNNS
    time_major = const(args.get("time_major")) is True
    layout = TBF if static or time_major else BTF
    lengths_node = _arg(fact, spec, "sequence_length")
    lengths = args.get("sequence_length")
    lev = Evidence(fact.node, f"`{kind}(...)`")
    padding: Padding | None = None
    literal = isinstance(lengths, Tensor) and lengths.lengths_literal is not None
    if lengths_node is not None and not isinstance(lengths, Const) and not literal:
        # a constant (or literal list) says nothing about padding; anything else is each
        # row's own length
        code = it.facts.code(lengths_node, 30)
        text = f"`{kind}(..., sequence_length={code})` (its outputs are zero past each length)"
        padding = Padding(Evidence(lengths_node, text), Side.POST, Fill.ZERO)
    elif isinstance(inputs, Tensor):
        padding = refill(inputs.padding)
    dims: tuple[Dim, ...] | None = None
    if isinstance(inputs, Tensor) and inputs.rank == 3 and inputs.dims is not None:
        dims = (inputs.dims[0], inputs.dims[1], None)
    bidir = "bidirectional" in kind
    out = Tensor(rank=3, dims=dims, layout=layout, padding=padding, rnn=lev, origin=lev)
    state = Tensor(role=Role.STATE, origin=lev)  # each row's state at its length / the end
    if kind == "bidirectional_dynamic_rnn":
        # ((out_fw, out_bw), (state_fw, state_bw)); out_bw is back in time order, so its
        # last step is the backward direction after a single step
        fw, bw = out, out.with_(bidirectional=lev)
        pairs = (TupleValue((fw, bw), "tuple"), TupleValue((state, state), "tuple"))
        return TupleValue(pairs, "tuple")
    if bidir:
        # both directions depth-concatenated: (outputs, state(s)_fw, state(s)_bw)
        return TupleValue((out.with_(bidirectional=lev), None, None), "tuple")
    return TupleValue((out, state), "tuple")


def _dense(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    args = bind_args(spec.name, fact)
    t = args.get("inputs")
    if not isinstance(t, Tensor):
        return None
    units = dim_from(args.get("units"), _arg(fact, spec, "units"))
    dims = t.dims[:-1] + (units,) if t.dims else None
    role = t.role if t.role == Role.DATA else Role.DATA
    return t.with_(dims=dims, padding=refill(t.padding), role=role, origin=ev, masked=None)


def _unstack(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    """The list of slices along ``axis``, modelled as that axis moved to the front."""
    args = bind_args(spec.name, fact)
    t = args.get("value")
    if not isinstance(t, Tensor):
        return None
    axis = as_int(args.get("axis")) if "axis" in args else 0
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    if axis is None or rank is None or not -rank <= axis < rank:
        return None
    axis %= rank
    if axis == 0:
        return t
    perm = (axis, *[a for a in range(rank) if a != axis])
    return permute(t, perm, fact.node, it)


def _sign(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    """``tf.sign(ids)`` of token ids: 1 at every real token, 0 at the zero padding."""
    t = fact.args[0] if fact.args else None
    if not isinstance(t, Tensor):
        return None
    if t.role != Role.TOKENS:
        return t.with_(padding=refill(t.padding))  # the sign of data: elementwise
    node = fact.arg_node(0, "x")
    if t.padding is None and type(node) is ast.Name and it.frame is not None:
        # the code counts the nonzero ids: 0 is its padding id
        text = f"`{it.facts.code(fact.node, 30)}` (id 0 marks the padding)"
        padded = t.with_(padding=Padding(Evidence(fact.node, text), None, Fill.ZERO))
        if it.frame.env.get(node.id) is t:
            it.frame.env[node.id] = padded
    return Tensor(rank=t.rank, dims=t.dims, layout=t.layout, role=Role.MASK, origin=ev)


def _tensordot(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    """``tensordot(x, w, axes=1)`` and ``K.dot(x, w)``: the last axis of ``x`` against the
    first of ``w`` (``tensordot``) or, for ``K.dot`` of an n-D ``w``, against its next-to-last
    axis (Theano's ``dot``, which the backends reproduce: ``(2, 3) . (4, 3, 5) -> (2, 4, 5)``).
    The axes ``w`` adds are its own: features, never time."""
    args = bind_args(spec.name, fact)
    a, b = args.get("a"), args.get("b")
    axes = 1 if spec.short == "dot" else as_int(args.get("axes"))  # K.dot: tensordot axes=1
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or axes != 1:
        return None
    if a.rank is None or b.rank is None or b.rank < 1 or b.rank > 3:
        return None
    if a.layout is None or len(a.layout) != a.rank:
        return None
    layout = a.layout[:-1].append(Axis.FEATURE, b.rank - 1)
    dims: tuple[Dim, ...] | None = None
    if a.dims is not None and b.dims is not None and len(b.dims) == b.rank:
        kept = b.dims[:-2] + b.dims[-1:] if spec.short == "dot" else b.dims[1:]
        dims = a.dims[:-1] + (kept if b.rank > 1 else ())
    elif a.dims is not None:
        dims = a.dims[:-1] + (None,) * (b.rank - 1)
    rank = a.rank - 1 + (b.rank - 1)
    return a.with_(
        rank=rank, dims=dims, layout=layout, padding=refill(a.padding), origin=ev, masked=None
    )


HANDLERS: dict[CallModel, Handler] = {
    CallModel.PLACEHOLDER: _placeholder,
    CallModel.VARIABLE: _variable,
    CallModel.EMBEDDING_LOOKUP: _embedding_lookup,
    CallModel.TF1_RNN: _rnn,
    CallModel.DENSE_FUNCTION: _dense,
    CallModel.UNSTACK: _unstack,
    CallModel.SIGN: _sign,
    CallModel.TENSORDOT: _tensordot,
}
