"""TensorFlow: bad values are errors by default (eager and tf.function), ragged and HF masks."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from pooling_lint.runtime import opspec  # noqa: E402
from pooling_lint.runtime import tensorflow as ptf  # noqa: E402
from pooling_lint.runtime.errors import PoolingInputError  # noqa: E402

SPECS = list(opspec.OPS)
IDS = [spec.name for spec in SPECS]
REDUCE = {
    opspec.Reduction.MEAN: lambda s: s.mean(0),
    opspec.Reduction.SUM: lambda s: s.sum(0),
    opspec.Reduction.MAX: lambda s: s.max(0),
    opspec.Reduction.MIN: lambda s: s.min(0),
    opspec.Reduction.LAST: lambda s: s[-1],
    opspec.Reduction.FIRST: lambda s: s[0],
}
X = np.random.default_rng(0).normal(size=(4, 7, 3)).astype(np.float32)
SCORES = np.random.default_rng(1).normal(size=(4, 7)).astype(np.float32)


def run(spec, x, **kwargs):
    extra = (SCORES[: x.shape[0], : x.shape[1]],) if spec.scored else ()
    return getattr(ptf, spec.name)(x, *extra, **kwargs)


def loop_oracle(spec, seqs, scores=None):
    """Pool each unpadded sequence on its own, in NumPy."""
    if spec.scored:
        rows = []
        for s, w in zip(seqs, scores):
            e = np.exp(w - w.max())
            rows.append(((e / e.sum())[:, None] * s).sum(0))
        return np.stack(rows)
    return np.stack([REDUCE[spec.reduction](s) for s in seqs])


BAD = [
    ({"lengths": np.array([7, 8, 0, 1])}, "lengths must lie in [0, 7]", "lengths[1] = 8"),
    ({"lengths": np.array([7, -1, 0, 1])}, "lengths must lie in [0, 7]", "lengths[1] = -1"),
    ({"mask": np.full((4, 7), 2)}, "mask must hold only 0 and 1", "mask[0, 0] = 2"),
    ({"mask": np.full((4, 7), 0.5, np.float32)}, "mask must hold only 0 and 1", "= 0.5"),
]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize(("kwargs", "need", "got"), BAD, ids=lambda v: str(v)[:24])
def test_eager_bad_values_raise_by_default(spec, kwargs, need, got):
    with pytest.raises(PoolingInputError) as info:
        run(spec, X, **kwargs)
    assert need in str(info.value) and got in str(info.value)
    assert "validate=False" in str(info.value)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_tf_function_asserts_name_the_argument_and_range(spec):
    signature = [tf.TensorSpec([None, None, 3]), tf.TensorSpec([None], tf.int32)]
    graph = tf.function(lambda x, n: run(spec, x, lengths=n), input_signature=signature)
    good = np.array([7, 3, 0, 1], np.int32)
    np.testing.assert_allclose(graph(X, good).numpy(), run(spec, X, lengths=good).numpy())
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"lengths must lie in \[0, time\]"):
        graph(X, np.array([7, 8, 0, 1], np.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"lengths must lie in \[0, time\]"):
        graph(X, np.array([7, -2, 0, 1], np.int32))
    unchecked = tf.function(lambda x, n: run(spec, x, lengths=n, validate=False))
    clamped = run(spec, X, lengths=np.array([7, 7, 0, 1]))
    np.testing.assert_allclose(unchecked(X, np.array([7, 9, -2, 1])).numpy(), clamped.numpy())


def test_tf_function_mask_assert():
    graph = tf.function(lambda x, m: ptf.masked_mean(x, mask=m))
    graph(X, np.ones((4, 7), np.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="mask must hold only 0 and 1"):
        graph(X, np.full((4, 7), 3, np.int64))


def test_xla_compiles_with_checks_on_but_drops_the_asserts():
    # Documented limit: XLA compiles tf.debugging asserts away, so there only static checks
    # run. If TensorFlow starts honouring them this test fails and the docs need updating.
    xla = tf.function(lambda x, n: ptf.masked_mean(x, n), jit_compile=True)
    good = np.array([7, 3, 0, 1], np.int32)
    tol = {"rtol": 1e-5, "atol": 1e-6}  # XLA may sum float32 in another order
    np.testing.assert_allclose(xla(X, good).numpy(), ptf.masked_mean(X, good).numpy(), **tol)
    clamped = ptf.masked_mean(X, np.array([7, 7, 0, 1])).numpy()
    np.testing.assert_allclose(xla(X, np.array([7, 9, 0, 1], np.int32)).numpy(), clamped, **tol)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_layers_check_values_and_take_hf_int64_masks(spec):
    attention_mask = np.array(
        [[1] * 7, [1, 1, 0, 0, 0, 0, 0], [0, 1, 1, 0, 1, 0, 0], [1] + [0] * 6]
    )
    seqs = [X[b][attention_mask[b] == 1] for b in range(4)]
    scores = [SCORES[b][attention_mask[b] == 1] for b in range(4)]
    want = loop_oracle(spec, seqs, scores)
    got = run(spec, X, mask=tf.constant(attention_mask, tf.int64))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    layer = getattr(ptf, spec.layer)()
    if spec.scored:
        as_bool = layer(X, mask=tf.constant(attention_mask == 1))
        np.testing.assert_allclose(layer(X, mask=tf.constant(attention_mask)), as_bool, rtol=1e-6)
    else:
        got = layer(X, mask=tf.constant(attention_mask, tf.int64)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(PoolingInputError, match=r"lengths must lie in \[0, 7\]"):
        layer(X, lengths=np.array([7, 8, 0, 1]))
    quiet = getattr(ptf, spec.layer)(validate=False)
    assert quiet.get_config()["validate"] is False
    assert quiet(X, lengths=np.array([7, 8, 0, 1])).shape == (4, 3)


def test_masked_mean_layer_matches_keras_average_pooling_with_int_mask():
    attention_mask = np.array([[1] * 7, [1, 1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0], [1] * 7])
    want = keras.layers.GlobalAveragePooling1D()(X, mask=tf.constant(attention_mask == 1))
    got = ptf.MaskedMeanPool()(X, mask=tf.constant(attention_mask, tf.int64))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_ragged_tensor_matches_loop_oracle(spec):
    lengths = [5, 2, 7, 1]
    seqs = [X[b, :n] for b, n in enumerate(lengths)]
    ragged = tf.ragged.constant([s.tolist() for s in seqs], ragged_rank=1, dtype=tf.float32)
    if spec.scored:
        scores = [SCORES[b, :n] for b, n in enumerate(lengths)]
        ragged_scores = tf.ragged.constant([s.tolist() for s in scores], dtype=tf.float32)
        got = ptf.attention_pool(ragged, ragged_scores)
        want = loop_oracle(spec, seqs, scores)
    else:
        got, want = getattr(ptf, spec.name)(ragged), loop_oracle(spec, seqs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_ragged_tensor_with_lengths_is_an_error():
    ragged = tf.ragged.constant([[[1.0]], [[2.0], [3.0]]], ragged_rank=1)
    with pytest.raises(PoolingInputError, match="RaggedTensor, which carries its own lengths"):
        ptf.masked_mean(ragged, lengths=[1, 2])
    weights = ptf.masked_softmax(tf.ragged.constant([[0.0, 0.0], [1.0]]))
    np.testing.assert_allclose(weights.numpy(), [[0.5, 0.5], [1.0, 0.0]])
