"""Typed subscript items: what each position of ``x[...]`` selects.

``x[:, -1]`` is ``(SliceIndex(), IntIndex(-1))``; ``x[..., None]`` is
``(Marker.ELLIPSIS, Marker.NEWAXIS)``; a slice bound the file does not show is ``UNKNOWN``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from pooling_lint.analysis.values import Tensor


class Unknown(Enum):
    """A slice bound that is not a literal int (``x[:n]`` with ``n`` unknown)."""

    UNKNOWN = "?"


UNKNOWN = Unknown.UNKNOWN

#: A slice bound: an int, absent (None), or unknown.
Bound = Union[int, None, Unknown]


class Marker(Enum):
    """Items that select no axis by a number."""

    ELLIPSIS = "..."
    NEWAXIS = "None"  # adds an axis of size 1
    OTHER = "other"  # anything else: a boolean mask, a list, an unknown value


@dataclass(frozen=True)
class IntIndex:
    """``x[k]`` on this axis: the axis is taken away."""

    value: int


@dataclass(frozen=True)
class SliceIndex:
    """``x[lower:upper:step]`` on this axis."""

    lower: Bound = None
    upper: Bound = None
    step: Bound = None

    @property
    def covers(self) -> bool:
        """No bounds: the whole axis is kept (the step aside)."""
        return self.lower is None and self.upper is None


@dataclass(frozen=True)
class TensorIndex:
    """A tensor as an index: a gather (``x[arange(B), lengths - 1]``)."""

    tensor: Tensor


IndexItem = Union[IntIndex, SliceIndex, TensorIndex, Marker]

#: ``:``, what an axis gets when the index does not mention it.
FULL_SLICE = SliceIndex()


def axis_items(items: tuple[IndexItem, ...], rank: int | None) -> dict[int, IndexItem] | None:
    """Map tensor axes to index items (expanding a leading/trailing ``...``); None if unsure."""
    kept = [i for i in items if i is not Marker.NEWAXIS]
    if any(i is Marker.OTHER for i in kept):
        return None
    out: dict[int, IndexItem] = {}
    if any(i is Marker.ELLIPSIS for i in kept):
        if rank is None:
            return None
        k = next(n for n, i in enumerate(kept) if i is Marker.ELLIPSIS)
        before, after = kept[:k], kept[k + 1 :]
        for n, i in enumerate(before):
            out[n] = i
        for n, i in enumerate(after):
            out[rank - len(after) + n] = i
        return out
    for n, i in enumerate(kept):
        out[n] = i
    return out


def index_elements(index: ast.expr) -> list[ast.expr]:
    """The comma-separated items of a subscript (``x[a, 1:2]`` has two)."""
    return index.elts if type(index) is ast.Tuple else [index]
