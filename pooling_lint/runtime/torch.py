"""Masked pooling over padded sequences for PyTorch.

Every op takes ``x`` of shape ``[batch, time, feat]`` (``time_axis=1``, the default) or
``[time, batch, feat]`` (``time_axis=0``), or the same without ``feat``, and exactly one of

- ``lengths``: ``[batch]`` integers, the number of valid steps per row; with
  ``padding="right"`` (default) the valid steps are the first ``length`` ones, with
  ``padding="left"`` the last ``length`` ones;
- ``mask``: ``[batch, time]`` bool or 0/1 (an int64 Hugging Face ``attention_mask`` works as
  it is), True where a step is valid, whatever the layout of ``x``. ``padding`` is ignored
  when a mask is given.

``x`` may also be a ``PackedSequence`` or a jagged nested tensor
(``torch.nested.nested_tensor(..., layout=torch.jagged)``): both carry their own lengths, so
give neither ``lengths`` nor ``mask``. The output drops the time axis: ``[batch, feat]`` (or
``[batch]``). A row with no valid step pools to 0 in every op, with finite gradients.

Bad values are errors by default (``validate=True``): lengths outside ``[0, time]`` and masks
holding anything but 0/1 raise :class:`PoolingInputError` naming the bad entries. On CPU the
check reads a few scalars; on other devices and under ``torch.compile`` it is a device-side
``torch._assert_async``, so it never synchronises the host and never breaks the graph (it then
raises a ``RuntimeError`` when the kernel runs). ``validate=False`` skips the value checks;
lengths outside ``[0, time]`` then act as if clamped.

NaN policy: whatever sits in padded positions (NaN and inf included) never reaches the result
or its gradient. Sums and means use ``index_add`` on CPU (one pass, no ``[batch, time, feat]``
temporary, and padded rows are routed to a discarded bin instead of being multiplied by 0, which
would turn NaN into NaN); elsewhere they use a ``torch.where`` select, which is NaN-safe too.

The ops, the modules and their docstrings are generated from :mod:`.opspec`, shared with the
TensorFlow front end.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import astuple
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

if TYPE_CHECKING:
    from jaxtyping import Bool, Integer

from . import opspec, shapes
from .errors import PaddingLeakError as PaddingLeakError  # re-exported
from .errors import PoolingInputError as PoolingInputError  # re-exported
from .invariance import Trials, compare_outputs, flatten_outputs, make_padding_invariance
from .opspec import PoolOp, ScoredPoolOp
from .padded import OPT_OUT, PaddedBatch, bad_entries, call_layout
from .shapes import Padding

__all__ = list(opspec.FRONT_END_NAMES)

_HALF = (torch.float16, torch.bfloat16)
_INDEX_PATH_DTYPES = (torch.float32, torch.float64)

SPELLING = opspec.Spelling(
    module=__name__,
    tensor="Tensor",
    x_extra=" | PackedSequence",
    x_kinds=", a ``PackedSequence`` or a jagged ``torch.nested`` tensor",
    own_lengths=" (neither for a ``PackedSequence`` or a nested tensor, which carry their own)",
)


def _consume_index_reduce_notice() -> None:
    # index_reduce (the fast NaN-safe masked max on CPU) prints a one-time "beta" notice on its
    # first call. Using it once here, with the notice silenced only inside catch_warnings, keeps
    # it out of users' logs without touching the process's warning filters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.zeros(1).index_reduce_(0, torch.zeros(1, dtype=torch.int64), torch.ones(1), "amax")


_consume_index_reduce_notice()


if TYPE_CHECKING:
    _Batch = PaddedBatch[Tensor]
else:  # dynamo cannot call a subscripted generic
    _Batch = PaddedBatch


def _fail(message: str) -> PoolingInputError:
    return PoolingInputError(message)


def _as_tensor(value: Any, name: str, device: torch.device) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return torch.as_tensor(value, device=device)
    raise _fail(f"{name} must be a torch.Tensor, got {type(value).__name__}")


# --- value checks -------------------------------------------------------------------------------


def _defer_to_device(values: Tensor) -> bool:
    """Whether a value check must run on the device (no host sync, no graph break)."""
    # is_compiling() first: dynamo folds it to True, so the host branch is never traced.
    return torch.compiler.is_compiling() or not values.is_cpu


def _range_need(name: str, time: int, x_shape: tuple[int, ...]) -> str:
    return f"{name} must lie in [0, {time}] (the time dim of x {shapes.format_shape(x_shape)})"


def _check_lengths(lengths: Tensor, time: int, x_shape: tuple[int, ...], name: str) -> None:
    """Raise unless every length lies in ``[0, time]``."""
    # The common case (CPU, eager) is one aminmax and two scalar reads; messages are only
    # built on failure, since formatting them would cost as much as the check.
    if _defer_to_device(lengths):
        if lengths.is_meta or lengths.numel() == 0:
            return
        low, high = torch.aminmax(lengths)
        torch._assert_async((low >= 0) & (high <= time), _range_need(name, time, x_shape))
        return
    if lengths.numel() == 0:
        return
    low, high = torch.aminmax(lengths)
    if low.item() < 0 or high.item() > time:
        bad = (lengths < 0) | (lengths > time)
        raise _fail(
            f"{_range_need(name, time, x_shape)}, got {bad_entries(lengths, bad, name)}; {OPT_OUT}"
        )


def _check_binary(mask: Tensor, name: str) -> None:
    """Raise unless a non-bool mask holds only 0 and 1."""
    if mask.is_meta or mask.numel() == 0:
        return
    if mask.dtype.is_floating_point:
        ok = ((mask == 0) | (mask == 1)).all()
    else:
        low, high = torch.aminmax(mask)
        ok = (low >= 0) & (high <= 1)
    need = "must hold only 0 and 1 (or be bool)"
    if _defer_to_device(mask):
        torch._assert_async(ok, f"{name} {need}")
    elif not ok.item():
        bad = (mask != 0) & (mask != 1)
        raise _fail(f"{name} {need}, got {bad_entries(mask, bad, name)}; {OPT_OUT}")


def lengths_to_mask(
    lengths: Integer[Tensor, " batch"],  # noqa: F722, F821, UP037
    time: int,
    *,
    padding: Padding = "right",
    validate: bool = True,
) -> Bool[Tensor, "batch time"]:  # noqa: F722, F821, UP037
    """Turn ``[batch]`` integer lengths into a ``[batch, time]`` bool mask (True = valid).

    With ``padding="left"`` the valid steps are the last ``length`` ones. Lengths outside
    ``[0, time]`` raise (``validate=False``: they act as if clamped).
    """
    problem = shapes.padding_problem(padding)
    if problem:
        raise _fail(problem)
    if lengths.dim() != 1:
        raise _fail(f"lengths has shape {shapes.format_shape(lengths.shape)} but needs (batch,)")
    if validate:
        _check_lengths(lengths, time, (lengths.shape[0], time), "lengths")
    steps = torch.arange(time, device=lengths.device)
    if padding == "right":
        return steps[None, :] < lengths[:, None]
    return steps[None, :] >= (time - lengths)[:, None]


# --- inputs that carry their own lengths ---------------------------------------------------------


def _padded(value: Any, name: str, lengths: Any, mask: Any) -> tuple[Any, Any]:
    """``value`` as a padded batch-first tensor plus its lengths, for packed and nested inputs.

    Any other value comes back as it is, with ``lengths`` unchanged.
    """
    if isinstance(value, PackedSequence):
        kind = "a PackedSequence"
    elif isinstance(value, Tensor) and value.is_nested:
        if value.layout is not torch.jagged:
            raise TypeError(
                f"{name} is a nested tensor with layout {value.layout}, which the pooling ops "
                "do not support: build it with torch.nested.nested_tensor(..., "
                "layout=torch.jagged), or pad it and pass lengths"
            )
        if getattr(value, "_ragged_idx", 1) != 1:
            raise TypeError(f"{name} is a jagged nested tensor whose ragged dim is not dim 1")
        kind = "a jagged nested tensor"
    else:
        return value, lengths
    if lengths is not None or mask is not None:
        raise _fail(
            f"{name} is {kind}, which carries its own lengths: give neither lengths nor mask"
        )
    if isinstance(value, PackedSequence):
        padded, counts = pad_packed_sequence(value, batch_first=True)
        # The lengths come from batch_sizes, which live on the CPU; no wait for the device.
        return padded, counts.to(padded.device, non_blocking=True)
    holes = value.lengths()  # NJT-only methods
    counts = holes if holes is not None else value.offsets().diff()
    padded = torch.nested.to_padded_tensor(value, 0.0)
    return padded, counts


def _prepare(
    x: Any,
    lengths: Any,
    mask: Any,
    time_axis: int,
    padding: str,
    validate: bool,
) -> _Batch:
    if not isinstance(x, Tensor):
        raise _fail(f"x must be a torch.Tensor, got {type(x).__name__}")
    axis = call_layout(
        x.dim(),
        tuple(x.shape),
        has_lengths=lengths is not None,
        has_mask=mask is not None,
        padding=padding,
        time_axis=time_axis,
    )
    squeeze = x.dim() == 2
    x3 = x.unsqueeze(-1) if squeeze else x
    x_shape = tuple(x.shape)
    time = x3.shape[axis]
    if lengths is not None:
        lengths = _as_tensor(lengths, "lengths", x.device)
        problem = shapes.lengths_shape_problem(tuple(lengths.shape), x_shape, axis)
        if problem:
            raise _fail(problem)
        if (
            lengths.dtype.is_floating_point
            or lengths.dtype.is_complex
            or lengths.dtype is torch.bool
        ):
            raise _fail(f"lengths has dtype {lengths.dtype} but needs an integer dtype")
        if lengths.device != x.device:
            raise _fail(f"lengths is on {lengths.device} but x is on {x.device}")
        if validate:
            _check_lengths(lengths, time, x_shape, "lengths")
        valid = lengths_to_mask(lengths, time, padding=padding, validate=False)  # type: ignore[arg-type]
    else:
        mask = _as_tensor(mask, "mask", x.device)
        problem = shapes.mask_shape_problem(tuple(mask.shape), x_shape, axis)
        if problem:
            raise _fail(problem)
        if mask.device != x.device:
            raise _fail(f"mask is on {mask.device} but x is on {x.device}")
        if mask.dtype != torch.bool:
            if mask.dtype.is_complex:
                raise _fail(f"mask has dtype {mask.dtype} but needs bool or 0/1 values")
            if validate:
                _check_binary(mask, "mask")
            mask = mask != 0
        valid = mask
    return _Batch(x3, valid, lengths, axis, padding, squeeze)


def _finish(out: Tensor, batch: _Batch) -> Tensor:
    out = out.to(batch.x.dtype)
    return out.squeeze(-1) if batch.squeeze else out


def _valid_in_layout(batch: _Batch) -> Tensor:
    """``valid`` arranged like the first two axes of ``x`` (transposed for time-first x)."""
    return batch.valid if batch.time_axis == 1 else batch.valid.t()


def _uses_index_path(x: Tensor) -> bool:
    # index_add/index_reduce are the fastest NaN-safe reductions on CPU; on CUDA they would
    # serialise on atomics (every step of a row hits the same output row), so a select is used.
    return x.device.type == "cpu" and x.dtype in _INDEX_PATH_DTYPES


def _bins(batch: _Batch) -> tuple[Tensor, Tensor]:
    """Rows of ``x`` as a 2-D view and, per row, its batch index or the discard bin ``batch``."""
    x = batch.x
    n = batch.valid.shape[0]
    rows = x.reshape(-1, x.shape[-1])
    owner = torch.arange(n, device=x.device)
    if batch.time_axis == 1:
        bins = torch.where(batch.valid, owner[:, None], n)
    else:
        bins = torch.where(batch.valid.t(), owner[None, :], n)
    return rows, bins.reshape(-1)


def _sum(batch: _Batch) -> Tensor:
    x = batch.x
    if _uses_index_path(x):
        rows, bins = _bins(batch)
        n = batch.valid.shape[0]
        return x.new_zeros(n + 1, x.shape[-1]).index_add(0, bins, rows)[:n]
    accumulate = torch.float32 if x.dtype in _HALF else None
    selected = torch.where(_valid_in_layout(batch)[..., None], x, 0)
    return selected.sum(batch.time_axis, dtype=accumulate)


def _counts(batch: _Batch, dtype: torch.dtype) -> Tensor:
    return batch.valid.sum(1).clamp(min=1).to(dtype)[:, None]


class _IndexExtreme(torch.autograd.Function):
    """Max/min of rows per bin with ``index_reduce``, with a backward that ignores the discard bin.

    The built-in backward of ``index_reduce`` divides by the number of tied rows per bin,
    and NaN padding routed to the discard bin turns that into NaN gradients; this one only
    looks at rows whose bin is a real batch row.
    """

    @staticmethod
    def forward(ctx: Any, rows: Tensor, bins: Tensor, n: int, largest: bool) -> Tensor:
        out = rows.new_zeros(n + 1, rows.shape[-1]).index_reduce_(
            0, bins, rows, "amax" if largest else "amin", include_self=False
        )[:n]
        ctx.save_for_backward(rows, bins, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, None, None]:
        rows, bins, out = ctx.saved_tensors
        n = out.shape[0]
        if n == 0:
            return torch.zeros_like(rows), None, None, None
        owner = bins.clamp(max=n - 1)
        hit = (rows == out.index_select(0, owner)) & (bins < n)[:, None]
        # Ties share the gradient evenly, as torch.amax does.
        ties = rows.new_zeros(n, rows.shape[-1]).index_add(0, owner, hit.to(rows.dtype))
        share = (grad / ties.clamp(min=1)).index_select(0, owner)
        return torch.where(hit, share, 0), None, None, None


def _extreme(batch: _Batch, largest: bool) -> Tensor:
    x = batch.x
    if _uses_index_path(x):
        rows, bins = _bins(batch)
        # Bins that receive no row keep the initial 0: that is the empty-row result.
        out: Tensor = _IndexExtreme.apply(  # type: ignore[no-untyped-call]
            rows, bins, batch.valid.shape[0], largest
        )
        return out
    if x.dtype.is_floating_point:
        fill = float("-inf") if largest else float("inf")
    else:
        info = torch.iinfo(x.dtype)
        fill = info.min if largest else info.max
    hidden = x.masked_fill(~_valid_in_layout(batch)[..., None], fill)
    out = hidden.amax(batch.time_axis) if largest else hidden.amin(batch.time_axis)
    return torch.where(batch.valid.any(1)[:, None], out, 0)


def _pick(batch: _Batch, last: bool) -> Tensor:
    x = batch.x
    n, time = batch.valid.shape
    if time == 0:
        return x.new_zeros(n, x.shape[-1])
    if batch.lengths is not None:
        lengths = batch.lengths.clamp(0, time)
        if batch.padding == "right":
            step = lengths - 1 if last else torch.zeros_like(lengths)
        else:
            step = torch.full_like(lengths, time - 1) if last else time - lengths
        present = lengths > 0
    else:
        as_int = batch.valid.to(torch.uint8)
        # argmax returns the first maximal index, so the flip finds the last valid step.
        step = time - 1 - as_int.flip(1).argmax(1) if last else as_int.argmax(1)
        present = batch.valid.any(1)
    step = step.clamp(0, time - 1).to(torch.int64)
    steps = x.movedim(batch.time_axis, 1)
    picked = steps.gather(1, step.view(n, 1, 1).expand(n, 1, x.shape[-1])).squeeze(1)
    return torch.where(present[:, None], picked, 0)


def _mean(batch: _Batch) -> Tensor:
    total = _sum(batch)
    return total / _counts(batch, total.dtype)


def _softmax(scores: Tensor, valid: Tensor) -> Tensor:
    work = scores.float() if scores.dtype in _HALF else scores
    hidden = torch.where(valid, work, float("-inf"))
    # An all-padding row would be softmax(-inf, ...) = NaN, and NaN poisons the backward pass
    # even behind a where; give such rows finite scores and zero their weights afterwards.
    hidden = torch.where(valid.any(1)[:, None], hidden, 0.0)
    return torch.where(valid, torch.softmax(hidden, dim=1), 0.0)


def _attention(batch: _Batch, scores: Any) -> Tensor:
    scores, _ = _padded(scores, "scores", None, None)
    if not isinstance(scores, Tensor):
        raise _fail(f"scores must be a torch.Tensor, got {type(scores).__name__}")
    if scores.dim() == 3 and scores.shape[-1] == 1:
        scores = scores.squeeze(-1)
    need = tuple(batch.x.shape[:2])
    if tuple(scores.shape) != need:
        raise _fail(
            f"scores has shape {shapes.format_shape(scores.shape)} but x "
            f"{shapes.format_shape(batch.x.shape)} with time_axis={batch.time_axis} needs "
            f"{shapes.format_shape(need)}"
        )
    if batch.time_axis == 0:
        scores = scores.t()
    weights = _softmax(scores, batch.valid)
    # The select keeps NaN/inf stored in padded steps out of the weighted sum (0 * NaN = NaN).
    selected = torch.where(_valid_in_layout(batch)[..., None], batch.x, 0).to(weights.dtype)
    if batch.time_axis == 1:
        return torch.bmm(weights[:, None, :], selected)[:, 0]
    return torch.einsum("bt,tbf->bf", weights, selected)


def _carries_lengths(x: Any) -> bool:
    return isinstance(x, PackedSequence) or (isinstance(x, Tensor) and x.is_nested)


def _dtype(batch: _Batch) -> tuple[bool, str]:
    return batch.x.dtype.is_floating_point, str(batch.x.dtype)


def _softmax_batch(batch: _Batch) -> Tensor:
    if batch.x.shape[-1] != 1:
        shape = shapes.format_shape(batch.x.shape)
        raise _fail(f"scores has shape {shape} but needs (batch, time) or (batch, time, 1)")
    return _softmax(batch.x[..., 0], batch.valid)


_BACKEND = opspec.Backend(
    SPELLING, _carries_lengths, _padded, _prepare, _dtype, _sum, _mean, _extreme, _pick,
    _attention, _softmax_batch, _finish
)  # fmt: skip

Op = PoolOp[Tensor | PackedSequence, Any, Tensor]

masked_mean: Op = opspec.make_op(opspec.MASKED_MEAN, _BACKEND)
masked_sum: Op = opspec.make_op(opspec.MASKED_SUM, _BACKEND)
masked_max: Op = opspec.make_op(opspec.MASKED_MAX, _BACKEND)
masked_min: Op = opspec.make_op(opspec.MASKED_MIN, _BACKEND)
last_valid: Op = opspec.make_op(opspec.LAST_VALID, _BACKEND)
first_valid: Op = opspec.make_op(opspec.FIRST_VALID, _BACKEND)
attention_pool: ScoredPoolOp[Tensor | PackedSequence, Any, Tensor] = opspec.make_op(
    opspec.ATTENTION_POOL, _BACKEND
)
masked_softmax_pool = attention_pool
"""Alias of :func:`attention_pool` under the name used in the design notes."""
masked_softmax: Callable[..., Tensor] = opspec.make_softmax(_BACKEND)


# --- modules ------------------------------------------------------------------------------------


class _Pool(opspec.SpecLayer, nn.Module):
    """Shared constructor and call signature of the drop-in pooling modules.

    A subclass names its op with ``class MaskedMeanPool(_Pool, spec=opspec.MASKED_MEAN)``.
    """

    _ops = {spec.name: globals()[spec.name] for spec in opspec.OPS}
    _kind = "Module"
    _call = "forward(x, lengths=None, mask=None)"

    def __init__(
        self, *, time_axis: int = 1, padding: Padding = "right", validate: bool = True
    ) -> None:
        super().__init__()
        self._configure(time_axis, padding, validate)

    def forward(
        self,
        x: Tensor | PackedSequence,
        lengths: Tensor | None = None,
        mask: Tensor | None = None,
    ) -> Tensor:
        """Pool ``x`` over its valid steps given ``lengths`` or ``mask`` (exactly one)."""
        out: Tensor = self._pool(x, *self._extra(x), lengths=lengths, mask=mask)
        return out

    def _extra(self, x: Tensor | PackedSequence) -> tuple[Any, ...]:
        """Arguments of the op between ``x`` and ``lengths`` (AttentionPool's scores)."""
        return ()

    def extra_repr(self) -> str:
        return f"time_axis={self.time_axis}, padding={self.padding!r}"


class MaskedMeanPool(_Pool, spec=opspec.MASKED_MEAN):
    pass


class MaskedSumPool(_Pool, spec=opspec.MASKED_SUM):
    pass


class MaskedMaxPool(_Pool, spec=opspec.MASKED_MAX):
    pass


class MaskedMinPool(_Pool, spec=opspec.MASKED_MIN):
    pass


class LastValidPool(_Pool, spec=opspec.LAST_VALID):
    pass


class FirstValidPool(_Pool, spec=opspec.FIRST_VALID):
    pass


class AttentionPool(_Pool, spec=opspec.ATTENTION_POOL):
    """Learned attention pooling: a ``Linear(features, 1)`` scorer and a masked softmax.

    ``forward(x, lengths=None, mask=None)`` returns ``[batch, features]``; padded steps get no
    weight and an empty row pools to 0. ``x`` may be a ``PackedSequence`` or a jagged nested
    tensor.
    """

    def __init__(
        self,
        features: int,
        *,
        time_axis: int = 1,
        padding: Padding = "right",
        bias: bool = True,
        validate: bool = True,
    ) -> None:
        super().__init__(time_axis=time_axis, padding=padding, validate=validate)
        self.scorer = nn.Linear(features, 1, bias=bias)

    def _extra(self, x: Tensor | PackedSequence) -> tuple[Any, ...]:
        """Score every step; the op takes a softmax over the valid ones."""
        if isinstance(x, PackedSequence):
            # Score the packed steps themselves: the op unpacks x and scores alike.
            return (x._replace(data=self.scorer(x.data)),)
        scores = self.scorer(x)  # a jagged nested x gives jagged scores
        return (scores if scores.is_nested else scores.squeeze(-1),)


def _refill(
    x: Tensor,
    valid_layout: Tensor,
    generator: torch.Generator,
    fill: float | str,
    low: float,
    high: float,
) -> Tensor:
    """``x`` with every padded entry replaced by ``fill`` or by random values."""
    if fill != "random":
        noise = torch.full_like(x, float(fill))
    elif x.dtype.is_floating_point:
        # Large values of both signs: a leaked max/min or mean moves by a lot, not by eps.
        noise = torch.randn(x.shape, generator=generator, dtype=torch.float32) * 10.0
        noise = noise.to(x.device, x.dtype)
    else:
        noise = torch.randint(int(low), int(high) + 1, x.shape, generator=generator)
        noise = noise.to(x.device, x.dtype)
    shape = valid_layout.shape + (1,) * (x.dim() - 2)
    return torch.where(valid_layout.reshape(shape), x, noise)


def _check_invariance(
    fn: Callable[..., Any], x: Any, lengths: Any, mask: Any, options: Trials
) -> None:
    time_axis, padding, trials, fill, pad_steps, atol, rtol, seed = astuple(options)
    batch = _prepare(x, lengths, mask, time_axis, padding, validate=False)
    layout_valid = _valid_in_layout(batch).to(x.device)
    generator = torch.Generator().manual_seed(seed)
    lo, hi = (0.0, 1.0)
    if not x.dtype.is_floating_point and x.numel():
        lo, hi = float(x.min()), float(x.max())
    axis = batch.time_axis
    n, time = batch.valid.shape

    def call(x_in: Tensor, extra: int) -> Any:
        if lengths is not None:
            return fn(x_in, lengths)
        valid = batch.valid
        if extra:
            pad = torch.zeros(n, extra, dtype=torch.bool, device=valid.device)
            valid = torch.cat([valid, pad] if padding == "right" else [pad, valid], dim=1)
        return fn(x_in, valid if mask is None or mask.dtype == torch.bool else valid.to(mask.dtype))

    with torch.no_grad():
        reference = flatten_outputs(call(x, 0), _to_numpy_if_tensor)
        for trial in range(trials):
            x_in, extra = x, pad_steps
            if extra:
                shape = list(x.shape)
                shape[axis] = extra
                block = torch.zeros(shape, dtype=x.dtype, device=x.device)
                parts = [x, block] if padding == "right" else [block, x]
                x_in = torch.cat(parts, dim=axis)
                pad_valid = torch.zeros(
                    (extra, n) if axis == 0 else (n, extra), dtype=torch.bool, device=x.device
                )
                valid_parts = (
                    [layout_valid, pad_valid] if padding == "right" else [pad_valid, layout_valid]
                )
                valid_in = torch.cat(valid_parts, dim=axis)
            else:
                valid_in = layout_valid
            x_in = _refill(x_in, valid_in, generator, fill, lo, hi)
            moved = flatten_outputs(call(x_in, extra), _to_numpy_if_tensor)
            compare_outputs(
                reference,
                moved,
                valid=batch.valid.cpu().numpy(),
                time_axis=axis,
                extra_steps=extra,
                padding=padding,
                trial=trial,
                trials=trials,
                atol=atol,
                rtol=rtol,
            )


def _to_numpy_if_tensor(value: Any) -> np.ndarray | None:
    if isinstance(value, Tensor):
        return (
            value.detach().float().cpu().numpy()
            if value.is_floating_point()
            else (value.detach().cpu().numpy())
        )
    return None


_INVARIANCE_NOTE = "It runs under ``torch.no_grad()``; ``x`` and the outputs are torch tensors."
padding_invariance = make_padding_invariance(_check_invariance, _INVARIANCE_NOTE, __name__)
