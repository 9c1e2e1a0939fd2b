"""Masked pooling over padded sequences for TensorFlow and Keras 3.

The ops mirror :mod:`pooling_lint.runtime.torch` (both are generated from :mod:`.opspec`):
``x`` is ``[batch, time, feat]`` (``time_axis=1``) or ``[time, batch, feat]``
(``time_axis=0``), or the same without ``feat``; give exactly one of ``lengths`` (``[batch]``
ints; ``padding="left"`` means the valid steps are the last ones) or ``mask`` (``[batch, time]``
bool or 0/1, True = valid; an int64 Hugging Face ``attention_mask`` works as it is). ``x`` may
also be a ``tf.RaggedTensor`` ``[batch, (time), feat]``, which carries its own lengths. The
output drops the time axis. A row with no valid step pools to 0, with finite gradients.

Bad values are errors by default (``validate=True``): lengths outside ``[0, time]`` and masks
holding anything but 0/1 raise :class:`PoolingInputError` eagerly, and inside ``tf.function``
they are ``tf.debugging`` asserts that fail the call with ``InvalidArgumentError``. XLA
(``jit_compile=True``) compiles asserts away, so there only the static checks run.
``validate=False`` skips the value checks. TensorFlow places tensors itself, so a mask on
another device is copied, not an error.

NaN policy: values in padded positions (NaN and inf included) never reach the result or its
gradient. Sums and means run as one batched matrix product (``einsum``: no
``[batch, time, feat]`` temporary); because ``0 * NaN`` is NaN, a non-finite result is
recomputed with a ``tf.where`` select inside a ``tf.cond``, so the slow path only runs when
something is not finite.

The Keras layers (``MaskedMeanPool`` ...) consume the Keras mask of their input, so
``Embedding(mask_zero=True)`` or ``Masking`` in front of them just works; they can also be
called with ``lengths=`` or an explicit ``mask=``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf

from . import opspec, shapes
from .errors import PaddingLeakError as PaddingLeakError  # re-exported
from .errors import PoolingInputError as PoolingInputError  # re-exported
from .invariance import Trials, compare_outputs, flatten_outputs, make_padding_invariance
from .opspec import PoolOp, ScoredPoolOp
from .padded import OPT_OUT, PaddedBatch, bad_entries, call_layout
from .shapes import Padding

if TYPE_CHECKING:
    from jaxtyping import Bool, Integer

__all__ = list(opspec.FRONT_END_NAMES)


_HALF = (tf.float16, tf.bfloat16)

SPELLING = opspec.Spelling(
    module=__name__,
    tensor="tf.Tensor",
    x_extra=" | tf.RaggedTensor",
    x_kinds=", or a ``tf.RaggedTensor`` ``[batch, (time), feat]``",
    own_lengths=" (neither for a ``tf.RaggedTensor``, which carries its own)",
)


if TYPE_CHECKING:
    _Batch = PaddedBatch[tf.Tensor]
else:  # dynamo cannot call a subscripted generic
    _Batch = PaddedBatch


def _fail(message: str) -> PoolingInputError:
    return PoolingInputError(message)


def _static(shape: tf.TensorShape) -> tuple[int | None, ...] | None:
    return None if shape.rank is None else tuple(shape.as_list())


def _tensor(value: Any, name: str) -> tf.Tensor:
    try:
        return tf.convert_to_tensor(value)
    except (TypeError, ValueError) as exc:
        raise _fail(f"{name} must be a tensor, got {type(value).__name__}: {exc}") from None


# --- value checks -------------------------------------------------------------------------------


def _check_lengths(lengths: tf.Tensor, time: Any, x_shape: Any, name: str) -> None:
    """Raise (eagerly) or assert (in a graph) that every length lies in ``[0, time]``."""
    where = f"(the time dim of x {shapes.format_shape(x_shape)})"
    if tf.executing_eagerly():
        values = np.asarray(lengths.numpy())
        bad = (values < 0) | (values > int(time))
        if bad.any():
            raise _fail(
                f"{name} must lie in [0, {int(time)}] {where}, got "
                f"{bad_entries(values, bad, name)}; {OPT_OUT}"
            )
        return
    # In a graph the values are unknown at trace time; automatic control dependencies run
    # these asserts before the function returns.
    need = f"{name} must lie in [0, time] {where}; {OPT_OUT}"
    time = tf.cast(time, lengths.dtype)
    # One Assert op (not assert_non_negative + assert_less_equal): half the graph overhead.
    inside = tf.reduce_all((lengths >= 0) & (lengths <= time))
    tf.debugging.Assert(inside, [need, "time =", time, f"{name} =", lengths], summarize=8)


def _check_binary(mask: tf.Tensor, name: str) -> None:
    """Raise (eagerly) or assert (in a graph) that a non-bool mask holds only 0 and 1."""
    need = f"{name} must hold only 0 and 1 (or be bool)"
    if tf.executing_eagerly():
        values = np.asarray(mask.numpy())
        bad = (values != 0) & (values != 1)
        if bad.any():
            raise _fail(f"{need}, got {bad_entries(values, bad, name)}; {OPT_OUT}")
        return
    binary = tf.reduce_all((mask == 0) | (mask == 1))
    tf.debugging.Assert(binary, [f"{need}; {OPT_OUT}", mask], summarize=8)


def lengths_to_mask(
    lengths: Integer[tf.Tensor, " batch"],  # noqa: F722, F821, UP037
    time: Any,
    *,
    padding: Padding = "right",
    validate: bool = True,
) -> Bool[tf.Tensor, "batch time"]:  # noqa: F722, F821, UP037
    """Turn ``[batch]`` integer lengths into a ``[batch, time]`` bool mask (True = valid).

    ``time`` may be a Python int or a scalar tensor. With ``padding="left"`` the valid steps are
    the last ``length`` ones. Lengths outside ``[0, time]`` raise (``validate=False``: they act
    as if clamped).
    """
    problem = shapes.padding_problem(padding)
    if problem:
        raise _fail(problem)
    lengths = _tensor(lengths, "lengths")
    if validate:
        _check_lengths(lengths, time, (lengths.shape[0], None), "lengths")
    time = tf.cast(time, lengths.dtype)
    if padding == "right":
        return tf.sequence_mask(tf.maximum(lengths, 0), time)
    steps = tf.range(time, dtype=lengths.dtype)
    return steps[None, :] >= (time - lengths)[:, None]


def _padded(value: Any, name: str, lengths: Any, mask: Any) -> tuple[Any, Any]:
    """A ``tf.RaggedTensor`` as a padded tensor plus its row lengths; anything else as it is."""
    if not isinstance(value, tf.RaggedTensor):
        return value, lengths
    if lengths is not None or mask is not None:
        raise _fail(
            f"{name} is a tf.RaggedTensor, which carries its own lengths: give neither "
            "lengths nor mask"
        )
    if value.ragged_rank != 1:
        raise TypeError(
            f"{name} is a tf.RaggedTensor with ragged_rank {value.ragged_rank}, but only the "
            "time axis (axis 1) may be ragged"
        )
    return value.to_tensor(), value.row_lengths()


def _prepare(
    x: Any, lengths: Any, mask: Any, time_axis: int, padding: str, validate: bool
) -> _Batch:
    x = _tensor(x, "x")
    rank = x.shape.rank
    axis = call_layout(
        rank,
        _static(x.shape),
        has_lengths=lengths is not None,
        has_mask=mask is not None,
        padding=padding,
        time_axis=time_axis,
    )
    squeeze = rank == 2
    x3 = x[..., None] if squeeze else x
    x_shape = tuple(x.shape.as_list())
    time = tf.shape(x3)[axis]
    if lengths is not None:
        lengths = _tensor(lengths, "lengths")
        problem = shapes.lengths_shape_problem(_static(lengths.shape), x_shape, axis)
        if problem:
            raise _fail(problem)
        if not lengths.dtype.is_integer:
            raise _fail(f"lengths has dtype {lengths.dtype.name} but needs an integer dtype")
        if validate:
            _check_lengths(lengths, time, x_shape, "lengths")
        valid = lengths_to_mask(lengths, time, padding=padding, validate=False)  # type: ignore[arg-type]
    else:
        mask = _tensor(mask, "mask")
        problem = shapes.mask_shape_problem(_static(mask.shape), x_shape, axis)
        if problem:
            raise _fail(problem)
        if mask.dtype != tf.bool:
            if not (mask.dtype.is_integer or mask.dtype.is_floating):
                raise _fail(f"mask has dtype {mask.dtype.name} but needs bool or 0/1 values")
            if validate:
                _check_binary(mask, "mask")
            mask = tf.not_equal(mask, tf.zeros((), mask.dtype))
        valid = mask
    return _Batch(x3, valid, lengths, axis, padding, squeeze)


def _valid_in_layout(batch: _Batch) -> tf.Tensor:
    """``valid`` arranged like the first two axes of ``x`` (transposed for time-first x)."""
    return batch.valid if batch.time_axis == 1 else tf.transpose(batch.valid)


def _finish(out: tf.Tensor, batch: _Batch) -> tf.Tensor:
    out = tf.cast(out, batch.x.dtype)
    return tf.squeeze(out, -1) if batch.squeeze else out


def _accumulator(dtype: tf.DType) -> tf.DType:
    return tf.float32 if dtype in _HALF else dtype


def _weighted_sum(batch: _Batch, weights: tf.Tensor) -> tf.Tensor:
    """Sum over time of ``weights[b, t] * x`` that ignores whatever is stored in padding.

    ``weights`` is ``[batch, time]`` in the accumulator dtype and 0 at padded steps.
    """
    x = tf.cast(batch.x, weights.dtype)
    equation = "bt,btf->bf" if batch.time_axis == 1 else "bt,tbf->bf"
    fast = tf.einsum(equation, weights, x)

    def select_first() -> tf.Tensor:
        kept = tf.where(_valid_in_layout(batch)[..., None], x, tf.zeros((), x.dtype))
        return tf.einsum(equation, weights, kept)

    # A finite result proves every padded value was finite, since 0 * NaN and 0 * inf are NaN.
    return tf.cond(tf.reduce_all(tf.math.is_finite(fast)), lambda: fast, select_first)


def _sum(batch: _Batch) -> tf.Tensor:
    dtype = batch.x.dtype
    if not dtype.is_floating:
        kept = tf.where(_valid_in_layout(batch)[..., None], batch.x, tf.zeros((), dtype))
        return tf.reduce_sum(kept, axis=batch.time_axis)
    return _weighted_sum(batch, tf.cast(batch.valid, _accumulator(dtype)))


def _extreme(batch: _Batch, largest: bool) -> tf.Tensor:
    x = batch.x
    if x.dtype.is_floating:
        fill = -np.inf if largest else np.inf
    else:
        fill = x.dtype.min if largest else x.dtype.max
    hidden = tf.where(_valid_in_layout(batch)[..., None], x, tf.cast(fill, x.dtype))
    reduce = tf.reduce_max if largest else tf.reduce_min
    out = reduce(hidden, axis=batch.time_axis)
    return tf.where(tf.reduce_any(batch.valid, axis=1)[:, None], out, tf.zeros((), x.dtype))


def _pick(batch: _Batch, last: bool) -> tf.Tensor:
    x = batch.x
    if x.shape[batch.time_axis] == 0:
        return tf.zeros_like(tf.reduce_sum(x, axis=batch.time_axis))
    time = tf.shape(batch.valid, out_type=tf.int64)[1]
    steps = tf.range(time)[None, :]
    if last:
        step = tf.reduce_max(tf.where(batch.valid, steps, -1), axis=1)
    else:
        step = tf.reduce_min(tf.where(batch.valid, steps, time), axis=1)
    present = tf.reduce_any(batch.valid, axis=1)
    step = tf.clip_by_value(step, 0, tf.maximum(time - 1, 0))
    if batch.time_axis == 1:
        picked = tf.gather(x, step, axis=1, batch_dims=1)
    else:
        rows = tf.range(tf.shape(step, out_type=tf.int64)[0])
        picked = tf.gather_nd(x, tf.stack([step, rows], axis=1))
    return tf.where(present[:, None], picked, tf.zeros((), x.dtype))


def _mean(batch: _Batch) -> tf.Tensor:
    weights = tf.cast(batch.valid, _accumulator(batch.x.dtype))
    counts = tf.maximum(tf.reduce_sum(weights, axis=1, keepdims=True), 1.0)
    # Scaling the weights instead of the result keeps the mean to one matrix product.
    return _weighted_sum(batch, weights / counts)


def _attention(batch: _Batch, scores: Any) -> tf.Tensor:
    scores = _tensor(_padded(scores, "scores", None, None)[0], "scores")
    if scores.shape.rank == 3 and scores.shape[-1] == 1:
        scores = tf.squeeze(scores, -1)
    need = tuple(batch.x.shape.as_list()[:2])
    got = _static(scores.shape)
    if (
        got is None
        or len(got) != 2
        or any(g is not None and n is not None and g != n for g, n in zip(got, need, strict=True))
    ):
        raise _fail(
            f"scores has shape {shapes.format_shape(got)} but x "
            f"{shapes.format_shape(_static(batch.x.shape))} with time_axis={batch.time_axis} "
            f"needs {shapes.format_shape(need)}"
        )
    if batch.time_axis == 0:
        scores = tf.transpose(scores)
    return _weighted_sum(batch, _softmax(scores, batch.valid))


def _softmax(scores: tf.Tensor, valid: tf.Tensor) -> tf.Tensor:
    work = tf.cast(scores, _accumulator(scores.dtype))
    hidden = tf.where(valid, work, tf.cast(-np.inf, work.dtype))
    # softmax of an all -inf row is NaN, which poisons gradients even behind a where.
    hidden = tf.where(tf.reduce_any(valid, axis=1)[:, None], hidden, tf.zeros((), work.dtype))
    return tf.where(valid, tf.nn.softmax(hidden, axis=1), tf.zeros((), work.dtype))


def _carries_lengths(x: Any) -> bool:
    return isinstance(x, tf.RaggedTensor)


def _dtype(batch: _Batch) -> tuple[bool, str]:
    return bool(batch.x.dtype.is_floating), str(batch.x.dtype.name)


def _softmax_batch(batch: _Batch) -> tf.Tensor:
    if batch.x.shape[-1] not in (1, None):
        shape = shapes.format_shape(_static(batch.x.shape))
        raise _fail(f"scores has shape {shape} but needs (batch, time) or (batch, time, 1)")
    return _softmax(batch.x[..., 0], batch.valid)


_BACKEND = opspec.Backend(
    SPELLING, _carries_lengths, _padded, _prepare, _dtype, _sum, _mean, _extreme, _pick,
    _attention, _softmax_batch, _finish
)  # fmt: skip

Op = PoolOp[Any, Any, tf.Tensor]

masked_mean: Op = opspec.make_op(opspec.MASKED_MEAN, _BACKEND)
masked_sum: Op = opspec.make_op(opspec.MASKED_SUM, _BACKEND)
masked_max: Op = opspec.make_op(opspec.MASKED_MAX, _BACKEND)
masked_min: Op = opspec.make_op(opspec.MASKED_MIN, _BACKEND)
last_valid: Op = opspec.make_op(opspec.LAST_VALID, _BACKEND)
first_valid: Op = opspec.make_op(opspec.FIRST_VALID, _BACKEND)
attention_pool: ScoredPoolOp[Any, Any, tf.Tensor] = opspec.make_op(opspec.ATTENTION_POOL, _BACKEND)
masked_softmax_pool = attention_pool
"""Alias of :func:`attention_pool` under the name used in the design notes."""
masked_softmax: Callable[..., tf.Tensor] = opspec.make_softmax(_BACKEND)


# --- Keras layers -------------------------------------------------------------------------------


class _KerasPool(opspec.SpecLayer, keras.layers.Layer):  # type: ignore[misc]
    """Shared behaviour of the Keras pooling layers: Keras-mask aware, mask not passed on.

    A subclass names its op with ``class MaskedMeanPool(_KerasPool, spec=opspec.MASKED_MEAN)``.
    """

    _ops = {spec.name: globals()[spec.name] for spec in opspec.OPS}
    _kind = "Keras layer"
    _call = "layer(x, lengths=None, mask=None)"

    def __init__(
        self,
        time_axis: int = 1,
        padding: Padding = "right",
        validate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._configure(time_axis, padding, validate)
        # Keras hands the incoming mask (Embedding(mask_zero=True), Masking) to call().
        self.supports_masking = True

    def _keras_pool(self, inputs: Any, lengths: Any, mask: Any, *extra: Any) -> tf.Tensor:
        if lengths is None and mask is None:
            raise _fail(
                f"{type(self).__name__} got neither lengths nor a Keras mask: put "
                "Embedding(mask_zero=True) or Masking() before it, or call it with lengths="
            )
        # Explicit lengths describe the batch exactly; a Keras mask riding along is ignored.
        mask = None if lengths is not None else mask
        return self._pool(inputs, *extra, lengths=lengths, mask=mask)

    def call(self, inputs: Any, lengths: Any = None, mask: Any = None) -> tf.Tensor:
        """Pool ``inputs`` over valid steps given ``lengths`` or the Keras ``mask``."""
        return self._keras_pool(inputs, lengths, mask, *self._extra(inputs))

    def _extra(self, inputs: Any) -> tuple[Any, ...]:
        """Arguments of the op between ``x`` and ``lengths`` (AttentionPool's scores)."""
        return ()

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        """Time is pooled away, so no mask goes downstream."""
        return None

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """The input shape without its time axis."""
        axis = shapes.normalise_time_axis(self.time_axis, len(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i != axis)

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, for saving and cloning."""
        config: dict[str, Any] = super().get_config()
        config.update(time_axis=self.time_axis, padding=self.padding, validate=self.validate)
        return config


class MaskedMeanPool(_KerasPool, spec=opspec.MASKED_MEAN):
    pass


class MaskedSumPool(_KerasPool, spec=opspec.MASKED_SUM):
    pass


class MaskedMaxPool(_KerasPool, spec=opspec.MASKED_MAX):
    pass


class MaskedMinPool(_KerasPool, spec=opspec.MASKED_MIN):
    pass


class LastValidPool(_KerasPool, spec=opspec.LAST_VALID):
    pass


class FirstValidPool(_KerasPool, spec=opspec.FIRST_VALID):
    pass


class AttentionPool(_KerasPool, spec=opspec.ATTENTION_POOL):
    """Learned attention pooling: a ``Dense(1)`` scorer and a softmax over the valid steps."""

    def __init__(
        self,
        time_axis: int = 1,
        padding: Padding = "right",
        use_bias: bool = True,
        validate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(time_axis=time_axis, padding=padding, validate=validate, **kwargs)
        self.use_bias = use_bias
        self.scorer = keras.layers.Dense(1, use_bias=use_bias, name="scorer")

    def build(self, input_shape: Any) -> None:
        """Build the scorer for the input's feature size."""
        self.scorer.build(input_shape)
        super().build(input_shape)

    def _extra(self, inputs: Any) -> tuple[Any, ...]:
        """Score every step; the op takes a softmax over the valid ones."""
        return (tf.squeeze(self.scorer(inputs), -1),)

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, for saving and cloning."""
        config = super().get_config()
        config.update(use_bias=self.use_bias)
        return config


def _to_numpy_if_tensor(value: Any) -> np.ndarray | None:
    if isinstance(value, (tf.Tensor, tf.Variable)):
        array = np.asarray(value.numpy())
        return array.astype(np.float64) if array.dtype.kind == "f" else array
    return None


def _check_invariance(
    fn: Callable[..., Any], x: Any, lengths: Any, mask: Any, options: Trials
) -> None:
    time_axis, padding, trials, fill, pad_steps, atol, rtol, seed = astuple(options)
    batch = _prepare(x, lengths, mask, time_axis, padding, validate=False)
    data = np.asarray(batch.x.numpy())
    if batch.squeeze:
        data = data[..., 0]
    valid = np.asarray(batch.valid.numpy())
    axis = batch.time_axis
    rng = np.random.default_rng(seed)
    n = valid.shape[0]

    def call(x_in: np.ndarray, extra: int) -> Any:
        if lengths is not None:
            return fn(tf.constant(x_in), lengths)
        grown = valid
        if extra:
            pad = np.zeros((n, extra), dtype=bool)
            grown = np.concatenate([grown, pad] if padding == "right" else [pad, grown], axis=1)
        given = _tensor(mask, "mask")
        return fn(tf.constant(x_in), tf.constant(grown.astype(given.dtype.as_numpy_dtype)))

    reference = flatten_outputs(call(data, 0), _to_numpy_if_tensor)
    layout_valid = valid if axis == 1 else valid.T
    for trial in range(trials):
        x_in, valid_in = data, layout_valid
        if pad_steps:
            shape = list(data.shape)
            shape[axis] = pad_steps
            block = np.zeros(shape, dtype=data.dtype)
            block_valid = np.zeros((pad_steps, n) if axis == 0 else (n, pad_steps), dtype=bool)
            right = padding == "right"
            x_in = np.concatenate([data, block] if right else [block, data], axis=axis)
            valid_in = np.concatenate(
                [layout_valid, block_valid] if right else [block_valid, layout_valid], axis=axis
            )
        if fill != "random":
            noise = np.full(x_in.shape, float(fill))
        elif data.dtype.kind == "f":
            # Large values of both signs: a leaked max/min or mean moves by a lot, not by eps.
            noise = rng.normal(scale=10.0, size=x_in.shape)
        else:
            low, high = (int(data.min()), int(data.max())) if data.size else (0, 1)
            noise = rng.integers(low, high + 1, size=x_in.shape)
        keep = valid_in.reshape(valid_in.shape + (1,) * (x_in.ndim - 2))
        x_in = np.where(keep, x_in, noise.astype(data.dtype))
        compare_outputs(
            reference,
            flatten_outputs(call(x_in, pad_steps), _to_numpy_if_tensor),
            valid=valid,
            time_axis=axis,
            extra_steps=pad_steps,
            padding=padding,
            trial=trial,
            trials=trials,
            atol=atol,
            rtol=rtol,
        )


padding_invariance = make_padding_invariance(
    _check_invariance, "``x`` and the outputs are TensorFlow tensors (or NumPy arrays).", __name__
)
