"""Joining tensors side by side (``torch.cat``, ``tf.concat``, ``np.concatenate``).

A join keeps the padding of the padded parts: along the time axis the padded steps are still
there (``torch.cat([start, x], dim=1)`` prepends a step; the padding of ``x`` stays at its
end), along another axis every step keeps its padding (``torch.cat([words, chars], -1)``).
The padding side survives when it stays on the outside (a right-padded part last, a
left-padded part first), and is unknown otherwise (padding in the middle). ``stack`` adds an
axis and is not modelled here.
"""

from __future__ import annotations

from pooling_lint.analysis.arguments import axis_value
from pooling_lint.analysis.axes import normalise_axis
from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.values import Const, Padding, Role, Side, Tensor, TupleValue, Value

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
