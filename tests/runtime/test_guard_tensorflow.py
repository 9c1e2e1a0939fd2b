"""guard under TensorFlow: eager checks, tf.function with unknown dims, Keras call()."""

# jaxtyping shape strings such as "batch time feat" are not Python expressions.
# ruff: noqa: F722

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytest.importorskip("jaxtyping")

from jaxtyping import Float  # noqa: E402

from pooling_lint.runtime import GuardError, guard  # noqa: E402
from pooling_lint.runtime import tensorflow as ptf  # noqa: E402


@guard
def pool(x: Float[tf.Tensor, "batch time feat"], lengths: tf.Tensor) -> tf.Tensor:
    return ptf.masked_mean(x, lengths)


def test_eager_checks():
    x = tf.zeros((3, 5, 2))
    assert pool(x, tf.constant([5, 1, 0])).shape == (3, 2)
    with pytest.raises(GuardError, match=r"lengths must lie in \[0, 5\]"):
        pool(x, tf.constant([6, 1, 0]))
    with pytest.raises(GuardError, match=r"lengths has shape \(2,\) but x \(3, 5, 2\)"):
        pool(x, tf.constant([5, 1]))


def test_tf_function_with_unknown_dims_skips_value_checks():
    spec = [tf.TensorSpec([None, None, 2]), tf.TensorSpec([None], tf.int32)]
    graph = tf.function(pool, input_signature=spec)
    x = tf.ones((3, 5, 2))
    lengths = tf.constant([5, 1, 0])
    np.testing.assert_allclose(graph(x, lengths).numpy(), pool(x, lengths).numpy())


def test_tf_function_with_static_dims_still_checks_shapes():
    spec = [tf.TensorSpec([3, None, 2]), tf.TensorSpec([2], tf.int32)]
    with pytest.raises(GuardError, match=r"lengths has shape \(2,\) but x \(3, \?, 2\)"):
        tf.function(pool, input_signature=spec).get_concrete_function()


def test_guarded_keras_call_in_a_functional_model():
    class MeanOverValid(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        @guard
        def call(self, inputs: Float[tf.Tensor, "batch time feat"], mask=None):
            return ptf.masked_mean(inputs, mask=mask)

        def compute_mask(self, inputs, mask=None):
            return None

    ids = keras.Input((None,), dtype="int32")
    embed = keras.layers.Embedding(10, 4, mask_zero=True)
    model = keras.Model(ids, MeanOverValid()(embed(ids)))
    batch = np.array([[1, 2, 0], [3, 0, 0]])
    np.testing.assert_allclose(model(batch).numpy()[1], embed(batch).numpy()[1, 0], rtol=1e-6)
    layer = model.layers[-1]
    with pytest.raises(GuardError, match=r"mask has shape \(2, 2\) but inputs \(2, 3, 4\)"):
        layer.call(tf.zeros((2, 3, 4)), mask=tf.ones((2, 2), tf.bool))


def test_guard_checks_the_tf_ops_own_string_annotations():
    guarded = guard(ptf.masked_mean)
    x = tf.zeros((4, 7, 3))
    assert guarded(x, tf.constant([7, 1, 0, 2])).shape == (4, 3)
    with pytest.raises(GuardError, match=r"lengths has shape \(3,\) but x \(4, 7, 3\)"):
        guarded(x, tf.constant([7, 1, 0]))
    with pytest.raises(GuardError, match="Float"):  # x must be floating
        guarded(tf.zeros((4, 7, 3), tf.int32), tf.constant([7, 1, 0, 2]))


def test_guarding_torch_and_tf_ops_in_one_process_keeps_their_tensor_types():
    # Integer[torch.Tensor, 'batch'] | None and the TF one print alike; beartype would reuse
    # the first for the second if the guard handed it `|` unions (it hands typing.Union).
    torch = pytest.importorskip("torch")
    from pooling_lint.runtime import torch as pt

    assert guard(pt.masked_mean)(torch.zeros(2, 3, 4), torch.tensor([3, 1])).shape == (2, 4)
    assert guard(ptf.masked_mean)(tf.zeros((2, 3, 4)), tf.constant([3, 1])).shape == (2, 4)
    with pytest.raises(GuardError):
        guard(ptf.masked_mean)(tf.zeros((2, 3, 4)), torch.tensor([3, 1]))
