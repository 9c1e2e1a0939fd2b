"""Framework-free parts of a checked padded batch, shared by the torch and TensorFlow ops.

``PaddedBatch`` is what each front end's ``prepare`` hands to its kernels; ``call_layout`` runs
the checks that need only the call's arguments and static shapes; ``bad_entries`` words a
failed value check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from . import shapes
from .errors import PoolingInputError

__all__ = ["OPT_OUT", "PaddedBatch", "bad_entries", "call_layout"]

T = TypeVar("T")

#: Appended to every value-check failure.
OPT_OUT = "pass validate=False to skip value checks"


@dataclass(frozen=True)
class PaddedBatch(Generic[T]):
    """A checked padded batch: ``x`` is rank 3 in its own layout, ``valid`` is [batch, time]."""

    x: T
    valid: T
    lengths: T | None
    time_axis: int
    padding: str
    squeeze: bool


def call_layout(
    rank: int | None,
    x_shape: Sequence[int | None] | None,
    *,
    has_lengths: bool,
    has_mask: bool,
    padding: object,
    time_axis: int,
) -> int:
    """Check an op call's rank, lengths/mask choice and padding; return the time axis (0 or 1).

    Raises :class:`PoolingInputError` naming what is wrong.
    """
    if rank not in (2, 3):
        raise PoolingInputError(
            f"x has shape {shapes.format_shape(x_shape)} but needs rank 3 "
            "([batch, time, feat]) or rank 2 ([batch, time])"
        )
    for problem in (
        shapes.one_of_problem(has_lengths, has_mask),
        shapes.padding_problem(padding),
    ):
        if problem:
            raise PoolingInputError(problem)
    try:
        return shapes.normalise_time_axis(time_axis, rank)
    except ValueError as exc:
        raise PoolingInputError(str(exc)) from None


def bad_entries(values: Any, bad: Any, name: str) -> str:
    """``lengths[3] = 8, lengths[5] = -1 and 2 more``: the entries of ``values`` flagged ``bad``."""
    values, bad = np.asarray(values), np.asarray(bad)
    rows = np.argwhere(bad)[:4].tolist()
    shown = ", ".join(
        f"{name}[{', '.join(map(str, row))}] = {values[tuple(row)].item()}" for row in rows
    )
    more = int(bad.sum()) - len(rows)
    return shown + (f" and {more} more" if more > 0 else "")
