"""Keras merge layers (``Concatenate``, ``Add``, ``Average``, ...) and their functional forms.

The output keeps the inputs' (batch, time) axes and their padding, and carries a mask when an
input does (Keras merges the masks: a step is valid where any input is valid, and
``Concatenate`` along time concatenates them). Joined along time, the first input's padding
ends up in the middle of the result: the side is unknown, the padded steps are still there.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import as_int, bind_args
from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.layout import Axis
from pooling_lint.analysis.library import ApiSpec
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Evidence,
    Fill,
    Layer,
    Padding,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

#: merges whose padded steps stay zero when every input's are (0 + 0, max(0, 0), ...)
_ZERO_KEEPING = frozenset({"add", "subtract", "average", "maximum", "minimum", "multiply"})


def _rank(t: Tensor) -> int | None:
    return t.rank if t.rank is not None else (len(t.layout) if t.layout else None)


def merge(kind: str, inputs: Value, axis_value: Value, ev: Evidence) -> Value:
    """The output of the merge ``kind`` (``concatenate``, ``add``, ...) of ``inputs``."""
    if not isinstance(inputs, TupleValue) or not inputs.items:
        return None
    tensors = [i for i in inputs.items if isinstance(i, Tensor)]
    symbolic = next((t.symbolic for t in tensors if t.symbolic is not None), None)
    unknown = Tensor(symbolic=symbolic, origin=ev) if symbolic is not None else None
    if len(tensors) != len(inputs.items) or kind == "dot":
        return unknown
    ranks = {_rank(t) for t in tensors}
    layouts = {t.layout for t in tensors}
    if len(ranks) != 1 or None in ranks or len(layouts) != 1 or None in layouts:
        return unknown
    rank = ranks.pop()
    layout = layouts.pop()
    assert rank is not None and layout is not None
    if len(layout) != rank:
        return unknown
    first = tensors[0]
    dims = first.dims
    along_time = False
    fills = {t.padding.fill if t.padding is not None else None for t in tensors}
    all_padded = all(t.padding is not None for t in tensors)
    if kind == "concatenate":
        axis = as_int(axis_value) if axis_value is not None else -1
        if axis is None or not -rank <= axis < rank:
            return unknown
        axis %= rank
        along_time = layout[axis] is Axis.TIME
        sizes = [t.dim(axis) for t in tensors]
        total: Dim = sum(s for s in sizes if isinstance(s, int))
        if not all(isinstance(s, int) for s in sizes):
            total = None
        if dims is not None and len(dims) == rank:
            dims = tuple(total if i == axis else d for i, d in enumerate(dims))
        fill = fills.pop() if all_padded and len(fills) == 1 else None
    else:
        zero = all_padded and fills == {Fill.ZERO} and kind in _ZERO_KEEPING
        fill = Fill.ZERO if zero else None
    padded = [t.padding for t in tensors if t.padding is not None]
    padding = None
    if padded:
        sides = {p.side for p in padded}
        side = sides.pop() if len(sides) == 1 and not along_time else None
        padding = Padding(padded[0].evidence, side, fill)
    masked = [t for t in tensors if t.keras_mask is not None]
    consumed = masked[0].mask_consumed if masked and all(t.mask_consumed for t in masked) else None
    return first.with_(
        rank=rank,
        dims=dims,
        layout=layout,
        padding=padding,
        keras_mask=masked[0].keras_mask if masked else None,
        mask_consumed=consumed,
        symbolic=symbolic,
        bidirectional=next((t.bidirectional for t in tensors if t.bidirectional), None),
        rnn=None,
        masked=None,
        origin=ev,
    )


def merge_layer(it: Interpreter, node: ast.AST, layer: Layer, inputs: Value) -> Value:
    """A merge layer object applied to a list: ``Concatenate(axis=1)([a, b])``."""
    kind = layer.short.lower()
    axis = layer.args.get("axis", Const(-1)) if kind == "concatenate" else None
    return merge(kind, inputs, axis, Evidence(layer.node or node, ""))


def merge_call(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    """The functional form: ``concatenate([a, b], axis=1)``, ``add([a, b])``."""
    args = bind_args(spec.name, fact)
    kind = spec.short
    axis = args.get("axis", Const(-1)) if kind == "concatenate" else None
    return merge(kind, args.get("inputs"), axis, ev)
