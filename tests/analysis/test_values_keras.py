"""Abstract values in Keras / TF code: symbolic tensors, masks, RNN outputs, pad_sequences."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Tensor

from .conftest import drops_on, facts_of, layer_call_on, probe, probe_at, reduction_on


def test_input_shape_gives_rank_dims_layout() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    probe(inp)
    """
    inp = probe(src)
    assert isinstance(inp, Tensor)
    assert inp.rank == 3 and inp.dims == (None, None, 8) and inp.layout == Layout.parse("BTF")
    assert inp.symbolic is not None
    assert inp.keras_mask is None and inp.padding is None


def test_masking_makes_a_mask_and_zero_padding() -> None:
    src = """
    import tensorflow as tf
    inp = tf.keras.Input(shape=(20, 8))
    x = tf.keras.layers.Masking(mask_value=0.0)(inp)
    probe(x)
    """
    facts = facts_of(src)
    x = probe_at(facts, 4)
    assert isinstance(x, Tensor)
    assert x.keras_mask is not None and facts.line(x.keras_mask.node) == 3
    assert x.padding is not None and x.padding.fill == "zero"
    assert x.dims == (None, 20, 8) and x.mask_consumed is None


def test_lstm_return_sequences_consumes_mask_and_copies_last_output() -> None:
    src = """
    from tensorflow.keras import layers as L
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    x = L.Masking()(inp)
    h = L.LSTM(16, return_sequences=True)(x)
    probe(h)
    """
    facts = facts_of(src)
    h = probe_at(facts, 6)
    assert isinstance(h, Tensor)
    assert h.dims == (None, None, 16) and h.layout == Layout.parse("BTF")
    assert h.mask_consumed is not None and facts.line(h.mask_consumed.node) == 5
    assert h.keras_mask is not None  # passed on (SEMANTICS B)
    assert h.padding is not None and h.padding.fill == "copy_last"
    assert h.rnn is not None


def test_lstm_without_return_sequences_is_last_valid_state() -> None:
    src = """
    from keras import layers, Input
    inp = Input(shape=(30, 4))
    x = layers.Masking()(inp)
    h = layers.GRU(12)(x)
    probe(h)
    """
    h = probe(src)
    assert isinstance(h, Tensor)
    assert h.rank == 2 and h.layout == Layout.parse("BF") and h.dims == (None, 12)
    assert h.padding is None and h.keras_mask is None


def test_bidirectional_doubles_units_and_zeroes_padding() -> None:
    src = """
    from tensorflow.keras import layers
    import tensorflow as tf
    inp = tf.keras.Input(shape=(None,))
    x = layers.Embedding(1000, 64, mask_zero=True)(inp)
    h = layers.Bidirectional(layers.LSTM(32, return_sequences=True))(x)
    probe(h)
    s = layers.Bidirectional(layers.LSTM(32, return_sequences=True), merge_mode="sum")(x)
    probe(s)
    """
    facts = facts_of(src)
    h = probe_at(facts, 6)
    assert isinstance(h, Tensor)
    assert h.dims == (None, None, 64) and h.bidirectional is not None
    assert h.padding is not None and h.padding.fill == "zero"
    s = probe_at(facts, 8)
    assert isinstance(s, Tensor) and s.dims == (None, None, 32)


def test_embedding_mask_zero_on_token_input() -> None:
    src = """
    import keras
    tokens = keras.Input(shape=(None,), dtype="int32")
    probe(tokens)
    x = keras.layers.Embedding(input_dim=5000, output_dim=128, mask_zero=True)(tokens)
    probe(x)
    """
    facts = facts_of(src)
    tokens = probe_at(facts, 3)
    x = probe_at(facts, 5)
    assert isinstance(tokens, Tensor) and tokens.rank == 2 and tokens.role == "tokens"
    assert isinstance(x, Tensor)
    assert x.dims == (None, None, 128) and x.layout == Layout.parse("BTF") and x.role == "data"
    assert x.keras_mask is not None and facts.line(x.keras_mask.node) == 4


def test_embedding_without_mask_zero_has_no_mask() -> None:
    src = """
    import keras
    tokens = keras.Input(shape=(None,))
    x = keras.layers.Embedding(5000, 128)(tokens)
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.keras_mask is None and x.padding is None


def test_pad_sequences_defaults_to_pre_padding() -> None:
    src = """
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    x = pad_sequences(token_lists)
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor)
    assert x.padding is not None and x.padding.side == "pre" and x.padding.fill == "zero"
    assert x.role == "tokens" and x.layout == Layout.parse("BT")


def test_pad_sequences_post_with_maxlen() -> None:
    src = """
    import tensorflow as tf
    x = tf.keras.utils.pad_sequences(token_lists, maxlen=40, padding="post")
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor)
    assert x.padding is not None and x.padding.side == "post"
    assert x.rank == 2 and x.dims == (None, 40)


def test_pad_sequences_side_from_unknown_variable_is_unknown() -> None:
    src = """
    from keras.utils import pad_sequences
    x = pad_sequences(token_lists, padding=side)
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.padding is not None and x.padding.side is None


def test_dense_keeps_mask_and_changes_last_dim() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(10, 8))
    x = keras.layers.Masking()(inp)
    y = keras.layers.Dense(4)(x)
    probe(y)
    """
    facts = facts_of(src)
    y = probe_at(facts, 5)
    assert isinstance(y, Tensor)
    assert y.dims == (None, 10, 4)
    assert y.keras_mask is not None and y.mask_consumed is None
    assert y.padding is not None and y.padding.fill is None  # Dense(0) = bias, not zero


def test_global_average_pooling_consumes_the_mask() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    pooled = keras.layers.GlobalAveragePooling1D()(x)
    probe(pooled)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 4)
    assert r.op == "mean" and r.axis == 1 and r.has_mask_arg
    assert r.operand.keras_mask is not None
    assert facts.mask_drops == []
    pooled = probe_at(facts, 5)
    assert isinstance(pooled, Tensor) and pooled.rank == 2 and pooled.dims == (None, 8)


def test_tf_reduce_mean_on_masked_keras_tensor_drops_mask() -> None:
    src = """
    import tensorflow as tf
    inp = tf.keras.Input(shape=(None, 8))
    x = tf.keras.layers.Masking()(inp)
    avg = tf.reduce_mean(x, axis=1)
    """
    facts = facts_of(src)
    drop = drops_on(facts, 4)
    assert len(drop) == 1 and drop[0].by == "`tf.reduce_mean`"
    assert facts.line(drop[0].tensor.keras_mask.node) == 3
    r = reduction_on(facts, 4)
    assert r.operand.padding is not None and r.axis == 1


def test_keras_ops_mean_drops_mask() -> None:
    src = """
    import keras
    from keras import ops
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    avg = ops.mean(x, axis=1)
    """
    facts = facts_of(src)
    drop = drops_on(facts, 5)
    assert len(drop) == 1 and "ops.mean" in drop[0].by


def test_keras_backend_mean_drops_mask() -> None:
    src = """
    import keras
    import keras.backend as K
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    avg = K.mean(x, axis=1)
    """
    facts = facts_of(src)
    drop = drops_on(facts, 5)
    assert len(drop) == 1 and drop[0].by == "`K.mean`"


def test_slicing_a_masked_keras_tensor_drops_mask() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    last = x[:, -1]
    """
    facts = facts_of(src)
    drop = drops_on(facts, 4)
    assert len(drop) == 1 and drop[0].by == "slicing"


def test_mask_consumed_by_rnn_is_not_dropped_later() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    h = keras.layers.LSTM(16, return_sequences=True)(x)
    y = keras.layers.GlobalMaxPooling1D()(h)
    """
    facts = facts_of(src)
    assert facts.mask_drops == []
    r = reduction_on(facts, 5)
    assert r.op == "max" and r.operand.mask_consumed is not None


def test_tf_sequence_mask_is_a_batch_time_mask() -> None:
    src = """
    import tensorflow as tf
    def pool(x, lengths):
        mask = tf.sequence_mask(lengths, maxlen=tf.shape(x)[1])
        probe(mask)
        m = tf.cast(mask, tf.float32)[:, :, None]
        return tf.reduce_sum(x * m, axis=1) / tf.cast(lengths, tf.float32)[:, None]
    """
    facts = facts_of(src)
    mask = probe_at(facts, 4)
    assert (
        isinstance(mask, Tensor)
        and mask.role == "mask"
        and mask.layout == Layout.parse("BT")
        and mask.rank == 2
    )
    r = reduction_on(facts, 6)
    assert r.op == "sum" and r.operand.masked is not None


def test_tf_transpose_to_time_major() -> None:
    src = """
    import tensorflow as tf
    inp = tf.keras.Input(shape=(20, 8))
    x = tf.transpose(inp, perm=[1, 0, 2])
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.layout == Layout.parse("TBF") and x.dims == (20, None, 8)


def test_expand_dims_on_mask() -> None:
    src = """
    import tensorflow as tf
    def pool(x, mask):
        m = tf.expand_dims(tf.cast(mask, tf.float32), -1)
        probe(m)
    """
    m = probe(src)
    assert isinstance(m, Tensor) and m.role == "mask"


def test_conv1d_keras_length_and_mask_drop() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(50, 8))
    x = keras.layers.Masking()(inp)
    c = keras.layers.Conv1D(16, 5)(x)
    probe(c)
    """
    facts = facts_of(src)
    c = probe_at(facts, 5)
    assert isinstance(c, Tensor) and c.dims == (None, 46, 16) and c.keras_mask is None
    assert [d.by for d in drops_on(facts, 4)] == ["`Conv1D`"]
    assert layer_call_on(facts, 4).layer.qualname == "keras.layers.Conv1D"


def test_tf_constant_from_padded_literal_is_not_claimed_padded() -> None:
    src = """
    import tensorflow as tf
    x = tf.constant([[1, 2, 0], [3, 0, 0]])
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.dims == (2, 3) and x.padding is None
