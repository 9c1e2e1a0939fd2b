"""Keras text preprocessing as a padding source: ``TextVectorization`` in ``output_mode="int"``
pads each row of token ids at the end with id 0 (measured on Keras 3.15)."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.names import canonical
from pooling_lint.analysis.values import Fill, Role, Side, Tensor

from .conftest import facts_of, probe, probe_at, reduction_on


def test_text_vectorization_pads_token_ids_at_the_end() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.keras import layers
    fixed = layers.TextVectorization(max_tokens=100, output_sequence_length=12)
    longest = layers.TextVectorization(100)
    texts = tf.keras.Input(shape=(1,), dtype=tf.string)
    probe(fixed(texts))
    probe(longest(["a b", "c"]))
    """
    facts = facts_of(src)
    a, b = probe_at(facts, 6), probe_at(facts, 7)
    for t in (a, b):
        assert isinstance(t, Tensor) and t.layout == Layout.parse("BT") and t.role == Role.TOKENS
        assert t.padding is not None
        assert t.padding.side == Side.POST and t.padding.fill == Fill.ZERO
    assert isinstance(a, Tensor) and a.dims == (None, 12) and a.symbolic is not None
    assert isinstance(b, Tensor) and b.dims == (None, None)


def test_text_vectorization_other_modes_have_no_time_axis() -> None:
    src = """
    from keras import layers
    hot = layers.TextVectorization(max_tokens=100, output_mode="multi_hot")
    rag = layers.TextVectorization(max_tokens=100, ragged=True)
    cfg = layers.TextVectorization(**settings)
    probe(hot(["a b"]))
    probe(rag(["a b"]))
    probe(cfg(["a b"]))
    """
    facts = facts_of(src)
    for line in (5, 6, 7):
        t = probe_at(facts, line)
        assert not (isinstance(t, Tensor) and t.padding is not None)


def test_text_vectorization_first_in_a_sequential() -> None:
    src = """
    from tensorflow import keras
    from tensorflow.keras import layers
    vec = layers.TextVectorization(max_tokens=100, output_sequence_length=20)
    model = keras.Sequential([vec, layers.Embedding(101, 8),
        layers.GlobalAveragePooling1D()])
    """
    r = reduction_on(facts_of(src), 5)
    t = r.operand
    assert isinstance(t, Tensor) and t.padding is not None and t.padding.side == Side.POST


def test_experimental_preprocessing_path_is_the_layer() -> None:
    name = "tensorflow.keras.layers.experimental.preprocessing.TextVectorization"
    assert canonical(canonical(name)) == "keras.layers.TextVectorization"
    assert probe is not None


_LAYER = """
import tensorflow as tf
from tensorflow.keras import layers
class Pool(layers.Layer):
    def call(self, x, mask=None):
        if mask is None:
            return tf.reduce_mean(x, axis=1)
        return tf.reduce_sum(x, axis=1)
ids = tf.keras.Input(shape=(None,), dtype="int32")
h = layers.Embedding(100, 8, MASK)(ids)
h = layers.GRU(8, return_sequences=True)(h)
out = Pool()(h)
"""


def test_keras_passes_the_input_mask_to_call() -> None:
    # masked input: Keras passes `mask=`, so the `mask is None` branch does not see the padding
    r = reduction_on(facts_of(_LAYER.replace("MASK", "mask_zero=True")), 6)
    assert isinstance(r.operand, Tensor) and r.operand.padding is None


def test_an_explicit_mask_argument_is_the_callers() -> None:
    # `Pool()(h, mask=None)`: the caller's own (None) mask, not the input's
    src = _LAYER.replace("MASK", "mask_zero=True").replace("Pool()(h)", "Pool()(h, mask=None)")
    r = reduction_on(facts_of(src), 6)
    assert isinstance(r.operand, Tensor) and r.operand.padding is not None


def test_unmasked_padded_input_keeps_the_fallback_padded() -> None:
    # no Keras mask on the input (padded ids, plain Embedding): `mask` is None, the mean runs
    src = _LAYER.replace("MASK", "0").replace(
        'ids = tf.keras.Input(shape=(None,), dtype="int32")',
        'ids = tf.keras.preprocessing.sequence.pad_sequences(seqs, padding="post")',
    )
    r = reduction_on(facts_of(src), 6)
    assert isinstance(r.operand, Tensor) and r.operand.padding is not None


def test_attention_on_a_list_has_the_querys_steps_and_mask() -> None:
    src = """
    import keras
    from keras import layers
    ids = keras.Input(shape=(None,), dtype="int32")
    q = layers.Embedding(100, 8, mask_zero=True)(ids)
    v = layers.Dense(8)(q)
    probe(layers.Attention()([q, v]))
    probe(layers.AdditiveAttention()([q, v, v]))
    """
    facts = facts_of(src)
    for line in (6, 7):
        t = probe_at(facts, line)
        assert isinstance(t, Tensor) and t.layout == Layout.parse("BTF")
        assert t.padding is not None and t.keras_mask is not None
        assert t.mask_consumed is not None  # the attention used the mask: not "dropped"
