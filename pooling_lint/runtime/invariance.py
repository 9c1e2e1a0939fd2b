"""Framework-free core of ``padding_invariance``: flatten outputs, compare, report a leak.

The torch and TensorFlow front ends refill the padding and call the user's function; this
module compares what came back, as NumPy arrays, and raises ``PaddingLeakError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import PaddingLeakError
from .shapes import Padding

__all__ = ["Trials", "compare_outputs", "flatten_outputs", "make_padding_invariance"]

Leaves = list[tuple[str, np.ndarray]]


def flatten_outputs(
    outputs: Any, to_numpy: Callable[[Any], np.ndarray | None], name: str = "output"
) -> Leaves:
    """Every array in a (nested tuple/list/dict) output, paired with a readable path name.

    ``to_numpy`` turns one framework tensor into an array and returns None for anything else;
    non-tensor leaves (None, ints) are skipped because padding cannot move them.
    """
    array = to_numpy(outputs)
    if array is not None:
        return [(name, array)]
    if isinstance(outputs, np.ndarray):
        return [(name, outputs)]
    if isinstance(outputs, Mapping):
        leaves: Leaves = []
        for key, value in outputs.items():
            leaves += flatten_outputs(value, to_numpy, f"{name}[{key!r}]")
        return leaves
    if isinstance(outputs, (tuple, list)):
        leaves = []
        for index, value in enumerate(outputs):
            leaves += flatten_outputs(value, to_numpy, f"{name}[{index}]")
        return leaves
    return []


def _batch_row(index: tuple[int, ...], shape: tuple[int, ...], batch: int, axis: int | None) -> str:
    if axis is None:
        # Without a time axis the batch axis is a guess: the first axis as long as the batch.
        axis = next((i for i, size in enumerate(shape) if size == batch), -1)
    return str(index[axis]) if axis >= 0 else "?"


def compare_outputs(
    reference: Leaves,
    moved: Leaves,
    *,
    valid: np.ndarray,
    time_axis: int,
    extra_steps: int,
    padding: str,
    trial: int,
    trials: int,
    atol: float,
    rtol: float,
) -> None:
    """Raise ``PaddingLeakError`` if any output in ``moved`` differs from ``reference``.

    ``valid`` is the ``[batch, time]`` mask of the original input; outputs whose two leading
    axes are the input's batch and time (in ``time_axis`` layout) are compared on valid steps
    only, after dropping the ``extra_steps`` padded steps the trial added.
    """
    batch, time = valid.shape
    if [name for name, _ in reference] != [name for name, _ in moved]:
        raise PaddingLeakError(
            f"the outputs changed structure when only the padding changed: "
            f"{[n for n, _ in reference]} became {[n for n, _ in moved]}"
        )
    layout = (batch, time) if time_axis == 1 else (time, batch)
    for (name, ref), (_, new) in zip(reference, moved, strict=True):
        keeps_time = ref.ndim >= 2 and tuple(ref.shape[:2]) == layout
        select: np.ndarray | None = None
        if keeps_time and new.ndim == ref.ndim and new.shape[time_axis] == time + extra_steps:
            start = 0 if padding == "right" else extra_steps
            new = np.take(new, np.arange(start, start + time), axis=time_axis)
            step_valid = valid if time_axis == 1 else valid.T
            select = np.broadcast_to(
                step_valid.reshape(step_valid.shape + (1,) * (ref.ndim - 2)), ref.shape
            )
        if new.shape != ref.shape:
            raise PaddingLeakError(
                f"{name} changed shape from {ref.shape} to {new.shape} when only the padding "
                f"changed (trial {trial + 1} of {trials})"
            )
        ref64 = ref.astype(np.float64)
        new64 = new.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            same = np.isclose(new64, ref64, atol=atol, rtol=rtol, equal_nan=True)
            distance = np.abs(new64 - ref64)
        distance = np.where(np.isnan(distance), np.inf, distance)
        bad = ~same if select is None else (~same & select)
        if not bad.any():
            continue
        worst = np.unravel_index(np.argmax(np.where(bad, distance, -1.0)), ref.shape)
        index = tuple(int(i) for i in worst)
        row = _batch_row(index, ref.shape, batch, 1 - time_axis if keeps_time else None)
        raise PaddingLeakError(
            f"{name} moved by {distance[worst]:.4g} at batch row {row} (index {index}: "
            f"{ref64[worst]:.6g} became {new64[worst]:.6g}; atol={atol}, rtol={rtol}) when only "
            f"the padded positions changed (trial {trial + 1} of {trials}): it reads the padding"
        )


@dataclass(frozen=True)
class Trials:
    """How ``padding_invariance`` refills the padding and compares the outputs."""

    time_axis: int = 1
    padding: Padding = "right"
    trials: int = 3
    fill: float | str = "random"
    pad_steps: int = 0
    atol: float = 1e-5
    rtol: float = 1e-4
    seed: int = 0


_DOC = """Check that ``fn``'s outputs do not depend on what sits in the padded positions of ``x``.

``fn`` is called as ``fn(x, lengths)`` or ``fn(x, mask)`` (wrap a model in a lambda to adapt
it, e.g. ``lambda x, mask: model(x)``); put the model in eval mode so that dropout does not
count as a leak. Each of ``trials`` calls refills the padded positions (random values of both
signs, or the constant ``fill``, e.g. a ``Masking`` value) and, when ``pad_steps > 0``, adds that
many more padded steps (after the data for right padding, before it for left). A model that
finds its padding by value (``Masking(0.0)``, ``Embedding(mask_zero=True)``) needs ``fill=``
that value and ``pad_steps > 0``: random values would look like data to it. Outputs may be a
tensor or nested tuples/lists/dicts of tensors. An output that keeps the time axis (its leading
axes are this batch's ``[batch, time]``) is compared on the valid steps only; any other output
must match everywhere (``atol``, ``rtol``).

Raises :class:`PaddingLeakError` naming the output, the batch row and how far it moved.
"""

Check = Callable[[Callable[..., Any], Any, Any, Any, Trials], None]


def make_padding_invariance(check: Check, notes: str, module: str) -> Callable[..., None]:
    """The public ``padding_invariance`` of a framework whose body is ``check``."""
    default = Trials()

    def padding_invariance(
        fn: Callable[..., Any],
        x: Any,
        lengths: Any = None,
        mask: Any = None,
        *,
        time_axis: int = default.time_axis,
        padding: Padding = default.padding,
        trials: int = default.trials,
        fill: float | str = default.fill,
        pad_steps: int = default.pad_steps,
        atol: float = default.atol,
        rtol: float = default.rtol,
        seed: int = default.seed,
    ) -> None:
        options = Trials(time_axis, padding, trials, fill, pad_steps, atol, rtol, seed)
        check(fn, x, lengths, mask, options)

    padding_invariance.__doc__ = _DOC + ("\n" + notes if notes else "")
    padding_invariance.__module__ = module
    return padding_invariance
