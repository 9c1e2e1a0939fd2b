"""The value of a concatenation: tensors joined side by side along their feature axis.

``tf.concat([out_fw, out_bw], 2)``, ``tf.concat(outputs, axis=2)`` of the ``(fw, bw)`` tuple a
bidirectional TF1 RNN returns, ``torch.cat((emb, out), 2)``: every operand has the same
(batch, time) axes, so the result keeps them, is padded where an operand is, and holds a
backward direction if an operand does. A join along any other axis is not modelled here.
"""

from __future__ import annotations

from pooling_lint.analysis.arguments import as_int
from pooling_lint.analysis.values import Padding, Tensor, TupleValue, Value


def _rank(t: Tensor) -> int | None:
    return t.rank if t.rank is not None else (len(t.layout) if t.layout else None)


def feature_join(operands: Value, axis_value: Value) -> Value:
    """The concatenation of ``operands`` (a tuple or list value) along ``axis_value``, when
    that axis is the feature axis of every operand; None otherwise (not modelled)."""
    if not isinstance(operands, TupleValue) or not operands.items:
        return None
    items = operands.items
    if not all(isinstance(i, Tensor) for i in items):
        return None
    tensors = [i for i in items if isinstance(i, Tensor)]
    ranks = {_rank(t) for t in tensors} - {None}
    axis = as_int(axis_value)
    if len(ranks) != 1 or axis is None:
        return None
    rank: int = ranks.pop()  # type: ignore[assignment]
    if not -rank <= axis < rank:
        return None
    axis %= rank
    layouts = {t.layout for t in tensors if t.layout is not None and len(t.layout) == rank}
    if len(layouts) != 1:
        return None
    layout = layouts.pop()
    if layout[axis] not in "FC" or "T" not in layout:
        return None
    padded = [t.padding for t in tensors if t.padding is not None]
    padding: Padding | None = None
    if padded:
        first = padded[0]
        same_side = all(p.side == first.side for p in padded)
        # a step is padding in the result if it is in one operand; its value is known only
        # when every operand holds the same fill there
        same_fill = len(padded) == len(tensors) and all(p.fill == first.fill for p in padded)
        padding = Padding(
            first.evidence, first.side if same_side else None, first.fill if same_fill else None
        )
    widths = [t.dim(axis) for t in tensors]
    width = (
        sum(w for w in widths if isinstance(w, int))
        if all(isinstance(w, int) for w in widths)
        else None
    )
    base = next((t for t in tensors if t.padding is not None), tensors[0])
    dims = None
    if base.dims is not None and len(base.dims) == rank:
        dims = tuple(width if i == axis else d for i, d in enumerate(base.dims))
    return base.with_(
        rank=rank,
        dims=dims,
        layout=layout,
        padding=padding,
        bidirectional=next((t.bidirectional for t in tensors if t.bidirectional), None),
        rnn=next((t.rnn for t in tensors if t.rnn), None),
        masked=base.masked if all(t.masked is not None for t in tensors) else None,
    )
