"""The layout of a tensor: what each of its axes holds, as far as pooling is concerned.

A :class:`Layout` is an immutable sequence of :class:`Axis` roles, one per axis, outermost
first. It is written (in messages, tests and the project-mode facts) with one letter per axis:
``BTF`` batch-first features, ``TBF`` time-first, ``BCT`` channels-first, ``BT`` token ids or
scores, ``BQT`` attention scores (batch, queries, time), ``1`` a size-1 axis made by an
``expand_dims`` / ``x[:, None]``. ``Layout.parse("BTF")`` reads the letters, ``str()`` gives
them back.

The operations are the ones the analysis applies to tensors (drop an axis, permute, keep some
axes, insert a size-1 axis, concatenate); each returns a new layout. An empty layout (rank 0,
e.g. every axis indexed away) is falsy, like the empty string the layouts once were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import overload


class Axis(Enum):
    """What one axis of a tensor holds."""

    BATCH = "B"
    TIME = "T"  # the (possibly padded) steps of a sequence
    FEATURE = "F"  # features / hidden units, the last axis
    CHANNEL = "C"  # features on a channels-first axis (Conv1d's (batch, channels, time))
    HEAD = "H"  # attention heads
    QUERY = "Q"  # the queries of (batch, queries, time) attention scores
    ONE = "1"  # a new size-1 axis (expand_dims, x[:, None])
    STACK = "S"  # a new axis that stacks equal tensors (``torch.stack(out.hidden_states[-4:])``)

    def __str__(self) -> str:
        return self.value


#: the axes a feature-wise (not time-wise) reduction or join runs along
FEATURE_LIKE = frozenset((Axis.FEATURE, Axis.CHANNEL, Axis.HEAD))

_BY_LETTER = {a.value: a for a in Axis}


@dataclass(frozen=True)
class Layout:
    """The roles of a tensor's axes, outermost first."""

    axes: tuple[Axis, ...]

    @staticmethod
    def of(*axes: Axis) -> Layout:
        return Layout(tuple(axes))

    @staticmethod
    def parse(letters: str) -> Layout:
        """``Layout.parse("BTF")``; ValueError on a letter that names no axis."""
        return _parse(letters)

    # -- reading --------------------------------------------------------------------------

    @property
    def rank(self) -> int:
        return len(self.axes)

    def __len__(self) -> int:
        return len(self.axes)

    def __iter__(self) -> Iterator[Axis]:
        return iter(self.axes)

    def __contains__(self, axis: Axis) -> bool:
        return axis in self.axes

    @overload
    def __getitem__(self, index: int) -> Axis: ...

    @overload
    def __getitem__(self, index: slice) -> Layout: ...

    def __getitem__(self, index: int | slice) -> Axis | Layout:
        if isinstance(index, slice):
            return Layout(self.axes[index])
        return self.axes[index]

    def has(self, axis: Axis) -> bool:
        return axis in self.axes

    def find(self, axis: Axis) -> int | None:
        """The position of the first axis with this role, or None."""
        return self.axes.index(axis) if axis in self.axes else None

    @property
    def time_axis(self) -> int | None:
        return self.find(Axis.TIME)

    @property
    def batch_axis(self) -> int | None:
        return self.find(Axis.BATCH)

    def startswith(self, prefix: Layout) -> bool:
        return self.axes[: len(prefix.axes)] == prefix.axes

    def endswith(self, suffix: Layout) -> bool:
        n = len(suffix.axes)
        return n == 0 or self.axes[-n:] == suffix.axes

    # -- making new layouts ---------------------------------------------------------------

    def drop(self, axis: int) -> Layout:
        """Without the axis at position ``axis`` (a reduction, an integer index)."""
        axis = axis % len(self.axes) if axis < 0 else axis
        return Layout(self.axes[:axis] + self.axes[axis + 1 :])

    def insert(self, axis: int, role: Axis) -> Layout:
        """With a new axis of ``role`` at position ``axis`` (before the axis now there)."""
        return Layout(self.axes[:axis] + (role,) + self.axes[axis:])

    def append(self, role: Axis, count: int = 1) -> Layout:
        """With ``count`` new last axes of ``role`` (an embedding's features, a split axis)."""
        return Layout(self.axes + (role,) * count)

    def permute(self, perm: Iterable[int]) -> Layout:
        """Axis ``i`` of the result is axis ``perm[i]`` of this layout."""
        return Layout(tuple(self.axes[p] for p in perm))

    def select(self, axes: Iterable[int]) -> Layout:
        """Only the axes at these positions, in this order (slicing, squeeze)."""
        return Layout(tuple(self.axes[i] for i in axes))

    def concat(self, other: Layout) -> Layout:
        return Layout(self.axes + other.axes)

    def __add__(self, other: Layout) -> Layout:
        return self.concat(other)

    def features_named_by_position(self) -> Layout:
        """The feature axis named for where it now lies: after a permute, a layout that ends in
        time holds channels (``BCT``, Conv1d's input); any other holds features (``BTF``)."""
        if self.endswith(T):
            old, new = Axis.FEATURE, Axis.CHANNEL
        else:
            old, new = Axis.CHANNEL, Axis.FEATURE
        return Layout(tuple(new if a is old else a for a in self.axes))

    # -- writing --------------------------------------------------------------------------

    def __str__(self) -> str:
        return "".join(a.value for a in self.axes)

    def __repr__(self) -> str:
        return f"Layout({str(self)!r})"


@lru_cache(maxsize=256)
def _parse(letters: str) -> Layout:
    try:
        return Layout(tuple(_BY_LETTER[c] for c in letters))
    except KeyError as e:
        raise ValueError(f"not a layout: {letters!r}") from e


def parse_layout(letters: str | None) -> Layout | None:
    """``Layout.parse`` that keeps None (unknown) as None."""
    return None if letters is None else _parse(letters)


# The layouts the analysis builds by name.
B = Layout.parse("B")
T = Layout.parse("T")
BT = Layout.parse("BT")
TB = Layout.parse("TB")
BF = Layout.parse("BF")
BTF = Layout.parse("BTF")
TBF = Layout.parse("TBF")
BCT = Layout.parse("BCT")
BQT = Layout.parse("BQT")
