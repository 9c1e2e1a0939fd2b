"""Questions several rules ask of the facts: does a reduction pool over padded time, does a
subscript take the last step, which framework's fix fits a value."""

from __future__ import annotations

from enum import Enum

from pooling_lint.analysis.facts import FileFacts, Reduction, SubscriptFact
from pooling_lint.analysis.indexing import FULL_SLICE, IndexItem, IntIndex, SliceIndex
from pooling_lint.analysis.library import Framework
from pooling_lint.analysis.values import Role, Tensor


def window_covers_time(r: Reduction) -> bool:
    """A global reduction, or a pooling window that spans the whole known length."""
    if not r.windowed:
        return True
    if r.pool_size is None:
        return False  # a window of a size the file does not show
    length = r.operand.dim(r.axis) if r.axis is not None else None
    return isinstance(length, int) and r.pool_size >= length > 0


def reduces_over_padded_time(r: Reduction) -> bool:
    """The reduction runs over the time axis of a padded data tensor, window and all."""
    t = r.operand
    return (
        t.padding is not None
        and r.axis is not None
        and r.axis == t.time_axis
        and t.role not in (Role.MASK, Role.LENGTHS)
        and window_covers_time(r)
    )


def time_item(s: SubscriptFact) -> IndexItem | None:
    """The index item that applies to the base's time axis, if it can be read."""
    t = s.base
    ta = t.time_axis
    if ta is None:
        return None
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    axes = s.axis_items(rank)
    if axes is None:
        return None
    return axes.get(ta, FULL_SLICE)


class LastTake(Enum):
    """What an index takes from the end of an axis."""

    STEP = "step"  # x[-1]
    WINDOW = "window"  # x[-n:]


def takes_last(item: IndexItem | None) -> LastTake | None:
    """``STEP`` for ``[-1]``, ``WINDOW`` for ``[-n:]``, else None."""
    if item == IntIndex(-1):
        return LastTake.STEP
    if (
        isinstance(item, SliceIndex)
        and isinstance(item.lower, int)
        and item.lower < 0
        and item.upper is None
    ):
        return LastTake.WINDOW
    return None


def takes_last_step(s: SubscriptFact) -> LastTake | None:
    """What ``s`` takes from the end of its base's time axis (None: not the end)."""
    return takes_last(time_item(s))


def reads_last_step(s: SubscriptFact) -> LastTake | None:
    """What ``s`` reads from the end of its base's time axis: None when it is not the end, or
    when only the slice's shape is used (``zeros_like(x[:, -1:])``)."""
    return takes_last_step(s) if s.reads_values else None


def fix_framework(facts: FileFacts, t: Tensor, api: Framework | None = None) -> Framework:
    """Whose fix fits: KERAS (a Keras graph or a Keras API), TORCH or TENSORFLOW.

    The value's own facts decide first (a symbolic Keras tensor, a Keras mask), then the
    framework of the API that made the event (NumPy code gets TensorFlow's fixes), then the
    file's imports.
    """
    if t.symbolic is not None or t.keras_mask is not None:
        return Framework.KERAS
    if api is Framework.TORCH or api is Framework.KERAS:
        return api
    if api is Framework.TENSORFLOW or api is Framework.NUMPY:
        return Framework.TENSORFLOW
    roots = facts.imports.framework_roots
    if "torch" in roots and not ({"tensorflow", "keras"} & roots):
        return Framework.TORCH
    if {"tensorflow", "keras"} & roots:
        return Framework.TENSORFLOW
    return Framework.TORCH
