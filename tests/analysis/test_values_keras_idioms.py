"""Keras idioms of real projects: return_state lists, merge layers, Masking after a masking
Embedding, legacy module paths, and data fed to a graph input (fit, feed_dict)."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.names import canonical
from pooling_lint.analysis.values import Fill, Role, Side, Tensor, TupleValue

from .conftest import facts_of, probe, probe_at, reduction_on


def test_return_state_gives_the_sequence_and_each_state() -> None:
    src = """
    import keras
    from keras import layers
    tokens = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(100, 8, mask_zero=True)(tokens)
    out = layers.LSTM(8, return_sequences=True, return_state=True)(x)
    gru = layers.Bidirectional(layers.GRU(8, return_state=True))(x)
    probe(out)
    probe(gru)
    """
    facts = facts_of(src)
    out, gru = probe_at(facts, 7), probe_at(facts, 8)
    assert isinstance(out, TupleValue) and len(out.items) == 3  # [seq, h, c]
    seq, h, c = out.items
    assert (
        isinstance(seq, Tensor) and seq.layout == Layout.parse("BTF") and seq.keras_mask is not None
    )
    assert seq.padding is not None and seq.padding.fill == Fill.COPY_LAST
    assert isinstance(h, Tensor) and h.role == Role.STATE and h.keras_mask is None
    # Bidirectional GRU: [output, h_fw, h_bw]
    assert isinstance(gru, TupleValue) and len(gru.items) == 3


def test_concatenate_along_time_keeps_padding_and_mask() -> None:
    src = """
    import keras
    from keras import layers
    a = keras.Input(shape=(None,), dtype="int32")
    b = keras.Input(shape=(None,), dtype="int32")
    emb = layers.Embedding(100, 8, mask_zero=True)
    ra = layers.GRU(8, return_sequences=True)(emb(a))
    rb = layers.GRU(8, return_sequences=True)(emb(b))
    time = layers.Concatenate(axis=1)([ra, rb])
    feat = layers.concatenate([ra, rb])
    total = layers.Add()([ra, rb])
    probe(time)
    probe(feat)
    probe(total)
    """
    facts = facts_of(src)
    time, feat, total = (probe_at(facts, n) for n in (11, 12, 13))
    for t in (time, feat, total):
        assert (
            isinstance(t, Tensor) and t.layout == Layout.parse("BTF") and t.keras_mask is not None
        )
        assert t.padding is not None and t.symbolic is not None
    assert isinstance(time, Tensor) and isinstance(feat, Tensor)
    assert time.padding is not None and time.padding.side is None  # a's padding is inside
    assert time.dims == (None, None, 8) and feat.dims == (None, None, 16)
    # masked RNN steps copy the last valid output; after a merge still copies of valid values
    assert time.padding.fill == Fill.COPY_LAST


def test_unpadded_merge_stays_unpadded() -> None:
    src = """
    import keras
    from keras import layers
    a = keras.Input(shape=(128, 3))
    b = keras.Input(shape=(128, 3))
    m = layers.Concatenate(axis=-1)([a, b])
    probe(m)
    """
    m = probe(src)
    assert isinstance(m, Tensor) and m.padding is None and m.dims == (None, 128, 6)


def test_masking_after_a_random_embedding_replaces_the_mask_by_nothing() -> None:
    src = """
    import keras
    from keras import layers
    tokens = keras.Input(shape=(60,), dtype="int32")
    x = layers.Embedding(100, 8, mask_zero=True)(tokens)
    y = layers.Masking(mask_value=0.0)(x)
    probe(y)
    """
    y = probe(src)
    assert isinstance(y, Tensor) and y.keras_mask is None and y.padding is not None


def test_masking_after_pretrained_embedding_is_unsure_and_keeps_a_mask() -> None:
    src = """
    import keras
    from keras import layers
    tokens = keras.Input(shape=(60,), dtype="int32")
    x = layers.Embedding(100, 8, mask_zero=True, weights=[matrix])(tokens)
    y = layers.Masking(mask_value=0.0)(x)
    probe(y)
    """
    y = probe(src)
    assert isinstance(y, Tensor) and y.keras_mask is not None  # row 0 may well be zeros


def test_legacy_module_paths_are_canonical() -> None:
    assert canonical("keras.layers.embeddings.Embedding") == "keras.layers.Embedding"
    assert canonical("keras.layers.merge.Concatenate") == "keras.layers.Concatenate"
    assert canonical("keras.layers.convolutional.Conv1D") == "keras.layers.Conv1D"
    assert canonical("keras.layers.wrappers.Bidirectional") == "keras.layers.Bidirectional"
    assert canonical("keras.engine.topology.Layer") == "keras.layers.Layer"
    assert canonical("keras.engine.topology.Input") == "keras.Input"


def test_data_given_to_fit_pads_the_functional_input() -> None:
    src = """
    import keras
    from keras import layers
    from keras.utils import pad_sequences
    def build():
        ids = keras.Input(shape=(50,))
        h = layers.LSTM(8, return_sequences=True)(layers.Embedding(100, 8)(ids))
        h.mean(1)
        return keras.Model(ids, h)
    def train(seqs):
        model = build()
        model.fit(pad_sequences(seqs, maxlen=50, padding="post"), labels)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 7)
    assert r.operand.padding is not None and r.operand.padding.side == Side.POST
    assert facts.line(r.operand.padding.evidence.node) == 11


def test_model_built_but_never_fed_stays_unpadded() -> None:
    src = """
    import keras
    from keras import layers
    ids = keras.Input(shape=(50,))
    h = layers.LSTM(8, return_sequences=True)(layers.Embedding(100, 8)(ids))
    h.mean(1)
    model = keras.Model(ids, h)
    model.fit(x_train, labels)
    """
    r = reduction_on(facts_of(src), 5)
    assert r.operand.padding is None  # x_train's padding is not shown


def test_feed_dict_pads_the_placeholder() -> None:
    src = """
    import tensorflow.compat.v1 as tf
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    ids = tf.placeholder(tf.int32, [None, 40])
    x = tf.nn.embedding_lookup(table, ids)
    x.mean(1)
    with tf.Session() as sess:
        sess.run(x, feed_dict={ids: pad_sequences(batch, maxlen=40, padding="post")})
    """
    facts = facts_of(src)
    r = reduction_on(facts, 5)
    assert r.operand.padding is not None and r.operand.padding.side == Side.POST


def test_embedding_input_length_and_output_shape_give_the_pool_size() -> None:
    src = """
    from keras.models import Sequential
    from keras.layers import AveragePooling1D, Embedding, Flatten
    model = Sequential()
    model.add(Embedding(5000, 50, input_length=400))
    model.add(AveragePooling1D(pool_size=model.output_shape[1]))
    model.add(Flatten())
    """
    r = reduction_on(facts_of(src), 5)
    assert r.windowed and r.pool_size == 400 and r.operand.dim(1) == 400


def test_backend_ops_around_a_pooling_keep_the_padding() -> None:
    src = """
    import tensorflow as tf
    from keras import backend as K
    from keras.utils import pad_sequences
    ids = tf.constant(pad_sequences(seqs, maxlen=30, padding="post"))
    h = tf.nn.embedding_lookup(tf.get_variable("e", [100, 8]), ids)
    w = tf.get_variable("w", [8, 1])
    scores = K.squeeze(K.dot(K.tanh(h), w), axis=-1)
    weights = K.softmax(scores)
    flipped = K.permute_dimensions(h, (0, 2, 1))
    probe(flipped)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 8)
    assert r.op == "softmax" and r.operand.layout == Layout.parse("BT") and r.axis == 1
    assert r.operand.padding is not None
    flipped = probe_at(facts, 10)
    assert isinstance(flipped, Tensor) and flipped.layout == Layout.parse("BCT")
