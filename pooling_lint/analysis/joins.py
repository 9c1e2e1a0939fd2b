"""Joining tensors side by side (``torch.cat``, ``tf.concat``, ``np.concatenate``).

Two joins are modelled. :func:`feature_join`: every operand has the same (batch, time) axes and
they are joined along the feature axis (``tf.concat([out_fw, out_bw], 2)``, ``tf.concat(outputs,
axis=2)`` of the ``(fw, bw)`` tuple a bidirectional TF1 RNN returns, ``torch.cat((emb, out),
2)``): the result keeps those axes, is padded where an operand is, and holds a backward direction
if an operand does. :func:`concatenated`: one padded part joined to others along any axis: along
the time axis the padded steps are still there (``torch.cat([start, x], dim=1)`` prepends a step;
the padding of ``x`` stays at its end), along another axis every step keeps its padding. The
padding side survives when it stays on the outside (a right-padded part last, a left-padded part
first), and is unknown otherwise. :func:`feature_join` also takes a list of equal elements
(``torch.cat([out.hidden_states[i] for i in (-1, -2)], dim=-1)``: the width is unknown).

:func:`stacked_equal`: ``torch.stack`` / ``tf.stack`` / ``np.stack`` of parts that are all the same
value (a slice of ``out.hidden_states``, a comprehension over it, a display of equal items) adds
a new :attr:`Axis.STACK` axis at ``dim`` and keeps every other fact of the part (padding,
layout); parts without a batch axis (padded ``(time,)`` rows, one sample each) make a batch
axis instead. Stacks of different parts are not modelled.
"""

from __future__ import annotations

from pooling_lint.analysis.arguments import as_int, axis_value, const
from pooling_lint.analysis.axes import normalise_axis
from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.layout import Axis
from pooling_lint.analysis.values import (
    Const,
    ListOf,
    Padding,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
    same,
)


def _rank(t: Tensor) -> int | None:
    return t.rank if t.rank is not None else (len(t.layout) if t.layout else None)


def feature_join(operands: Value, axis_arg: Value) -> Value:
    """The concatenation of ``operands`` (a tuple or list value) along ``axis_arg``, when
    that axis is the feature axis of every operand; None otherwise (not modelled)."""
    listed = isinstance(operands, ListOf)
    if isinstance(operands, ListOf):
        items: tuple[Value, ...] = (operands.item,)  # equal elements, how many unknown
    elif isinstance(operands, TupleValue) and operands.items:
        items = operands.items
    else:
        return None
    if not all(isinstance(i, Tensor) for i in items):
        return None
    tensors = [i for i in items if isinstance(i, Tensor)]
    ranks = {_rank(t) for t in tensors} - {None}
    axis = as_int(axis_arg)
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
    if layout[axis] not in (Axis.FEATURE, Axis.CHANNEL) or not layout.has(Axis.TIME):
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
        if all(isinstance(w, int) for w in widths) and not listed
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


#: ``stack`` functions and their default axis
STACKS = {
    "torch.stack": 0,
    "tensorflow.stack": 0,
    "keras.ops.stack": 0,
    "numpy.stack": 0,
}


def stacked_equal(name: str, operands: Value, axis_arg: Value) -> Value:
    """``torch.stack(parts, dim)`` where every part is the same tensor value: that value with a
    new ``STACK`` axis at ``dim``; None otherwise (not modelled)."""
    if name not in STACKS:
        return None
    if isinstance(operands, ListOf):
        part, count = operands.item, None
    elif isinstance(operands, TupleValue) and operands.items:
        part, count = operands.items[0], len(operands.items)
        if not all(same(i, part) for i in operands.items[1:]):
            return None
    else:
        return None
    if not isinstance(part, Tensor) or part.layout is None:
        return None
    rank = _rank(part)
    if rank is None or len(part.layout) != rank:
        return None
    axis = as_int(axis_arg) if const(axis_arg) is not None else STACKS[name]
    if axis_arg is None:
        return None  # a `dim=` the file does not show
    if axis is None or not -(rank + 1) <= axis <= rank:
        return None
    if axis < 0:
        axis += rank + 1
    dims = None
    if part.dims is not None and len(part.dims) == rank:
        dims = part.dims[:axis] + (count,) + part.dims[axis:]
    # samples without a batch axis (hand-padded `(time,)` rows) stacked together make the
    # batch, as `torch.tensor(rows)` does (analysis/pad_loops.py `stacked`)
    role = Axis.STACK if part.layout.has(Axis.BATCH) else Axis.BATCH
    return part.with_(
        rank=rank + 1,
        dims=dims,
        layout=part.layout.insert(axis, role),
        origin=None,
    )


#: joins along an existing axis (not stack)
CONCATENATIONS = frozenset(
    {
        "torch.cat",
        "torch.concat",
        "torch.concatenate",
        "tensorflow.concat",
        "keras.ops.concatenate",
        "numpy.concatenate",
    }
)


def concatenated(fact: CallFact, name: str) -> Value:
    """The joined value, when one part is padded data and every part's rank agrees."""
    if name not in CONCATENATIONS:
        return None
    parts = fact.args[0] if fact.args else fact.kwarg("tensors") or fact.kwarg("values")
    if not isinstance(parts, TupleValue) or len(parts.items) < 2:
        return None
    items = parts.items
    padded = [
        (n, t)
        for n, t in enumerate(items)
        if isinstance(t, Tensor) and t.padding is not None and t.role == Role.DATA
    ]
    if len(padded) != 1:
        return None  # several padded parts: where the padding ends up is unsure
    where, base = padded[0]
    rank = base.rank if base.rank is not None else (len(base.layout) if base.layout else None)
    if rank is None or base.layout is None or len(base.layout) != rank:
        return None
    for t in items:
        # an unknown part has the same rank (torch and TF raise otherwise)
        if t is not None and not (isinstance(t, Tensor) and t.rank in (None, rank)):
            return None
    default = 1 if name == "tensorflow.concat" else 0
    axis = axis_value(fact, 1, ("dim", "axis"))
    known, ax = normalise_axis(axis if axis is not None else Const(default), base)
    if not known or ax is None or not 0 <= ax < rank:
        return None
    pad = base.padding
    assert pad is not None
    side = pad.side
    if ax == base.time_axis:
        last, first = where == len(items) - 1, where == 0
        if not ((side is Side.POST and last) or (side is Side.PRE and first)):
            side = None  # other steps now lie after (before) the padding
    dims = None
    if base.dims is not None:
        dims = tuple(None if k == ax else d for k, d in enumerate(base.dims))
    joined = base.with_(
        dims=dims,
        padding=Padding(pad.evidence, side, pad.fill),  # a join moves no value
        rnn=base.rnn if ax != base.time_axis else None,
        origin=None,
    )
    return joined
