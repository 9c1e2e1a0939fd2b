"""Custom Keras layers whose attention runs through their own weights (issue #13, R067):
``self.add_weight(...)`` gives a weight of the shape it is given, ``K.dot`` of an n-D weight,
``K.expand_dims``' default axis, small helpers run per call site, ``train_test_split`` keeps
the rows, and a model built on one path of a branch is still fed by ``fit``."""

from __future__ import annotations

import textwrap

from pooling_lint.analysis.facts import build_facts_from_text
from pooling_lint.analysis.values import Tensor, TupleValue, Value


def _probes(text: str) -> list[Value]:
    facts = build_facts_from_text(textwrap.dedent(text).lstrip("\n"))
    found: dict[int, Value] = {}
    for c in facts.calls:
        name = getattr(c.node.func, "id", "")
        if name.startswith("probe"):
            found[int(name[5:] or 0)] = c.args[0] if c.args else None
    return [found[k] for k in sorted(found)]


def _weights(build_line: str, base: str = "keras.layers.Layer") -> list[Value]:
    lines = [
        "import keras",
        "from keras.engine import Layer",
        f"class Att({base}):",
        "    def build(self, input_shape):",
        *[f"        {line}" for line in build_line.split("\n")],
        "    def call(self, x):",
        "        probe0(self.W)",
    ]
    return _probes("\n".join(lines))


def test_add_weight_shape_keyword_positional_and_after_a_name() -> None:
    for body in (
        "self.W = self.add_weight(shape=(input_shape[-1], 8), initializer='uniform')",
        "self.W = self.add_weight((input_shape[-1], 8), initializer='uniform')",  # Keras 2.0
        "self.W = self.add_weight('W', (input_shape[-1], 8))",  # Keras 2.2: name first
    ):
        (w,) = _weights(body)
        assert isinstance(w, Tensor) and w.rank == 2 and w.dims == (None, 8), body
        assert w.padding is None and w.layout is None


def test_add_weight_of_a_shape_built_elsewhere_is_unknown() -> None:
    (w,) = _weights("shape = (input_shape[-1], 8)\nself.W = self.add_weight('W', shape)")
    assert not isinstance(w, Tensor) or w.rank is None


def test_keras_engine_layer_is_the_base_layer() -> None:
    (w,) = _weights("self.W = self.add_weight((4, 8))", base="Layer")
    assert isinstance(w, Tensor) and w.rank == 2


def test_a_class_that_is_no_keras_layer_or_has_its_own_add_weight_is_not_modelled() -> None:
    (w,) = _weights("self.W = self.add_weight((4, 8))", base="object")
    assert not isinstance(w, Tensor)
    (w,) = _probes(
        """
        import keras
        class Att(keras.layers.Layer):
            def add_weight(self, shape):
                return None
            def build(self, input_shape):
                self.W = self.add_weight((4, 8))
            def call(self, x):
                probe0(self.W)
        """
    )
    assert not isinstance(w, Tensor)


def test_k_dot_shapes_with_known_weights() -> None:
    p = _probes(
        """
        import keras
        from keras import backend as K
        import numpy as np
        class Att(keras.layers.Layer):
            def build(self, input_shape):
                self.W = self.add_weight((64, 64))
                self.u = self.add_weight((64,))
            def call(self, x):
                probe0(K.dot(x, K.expand_dims(self.W)))
                probe1(K.squeeze(K.dot(x, K.expand_dims(self.W)), axis=-1))
                probe2(K.squeeze(K.dot(K.dot(x, self.W), K.expand_dims(self.u)), axis=-1))
                probe3(K.expand_dims(self.u))
        inp = keras.Input(shape=(100, 64))
        out = Att()(inp)
        """
    )
    four, three, scores, col = p
    # (B, T, 64) . (64, 64, 1): x's last axis against w's next-to-last -> (B, T, 64, 1)
    assert isinstance(four, Tensor) and four.rank == 4 and four.dims == (None, 100, 64, 1)
    assert str(four.layout) == "BTFF"
    assert isinstance(three, Tensor) and three.rank == 3 and str(three.layout) == "BTF"
    assert isinstance(scores, Tensor) and scores.rank == 2 and str(scores.layout) == "BT"
    assert isinstance(col, Tensor) and col.dims == (64, 1)  # K.expand_dims: axis=-1


def test_only_k_expand_dims_has_a_default_axis() -> None:
    (t,) = _probes(
        """
        import tensorflow as tf
        x = tf.zeros((4, 8))
        probe0(tf.expand_dims(x))
        """
    )
    assert not isinstance(t, Tensor)


HELPER = """
    import keras
    from keras import backend as K
    def dot_product(x, kernel):
        if K.backend() == "tensorflow":
            return K.squeeze(K.dot(x, K.expand_dims(kernel)), axis=-1)
        return K.dot(x, kernel)
    class Att(keras.layers.Layer):
        def build(self, input_shape):
            self.W = self.add_weight((64, 64))
            self.u = self.add_weight((64,))
        def call(self, x):
            uit = K.tanh(dot_product(x, self.W))
            probe0(uit)
            probe1(dot_product(uit, self.u))
    inp = keras.Input(shape=(100, 64))
    out = Att()(inp)
"""


def test_a_small_helper_gives_each_call_site_its_own_result() -> None:
    # joined over both call sites the kernel's rank is unknown; run per call it is not
    uit, scores = _probes(HELPER)
    assert isinstance(uit, Tensor) and uit.rank == 3 and str(uit.layout) == "BTF"
    assert isinstance(scores, Tensor) and scores.rank == 2 and str(scores.layout) == "BT"


def test_a_helper_with_a_loop_is_still_joined_over_its_call_sites() -> None:
    uit, scores = _probes(
        HELPER.replace(
            '    if K.backend() == "tensorflow":',
            '    for _ in range(1):\n            pass\n        if K.backend() == "tensorflow":',
        )
    )
    assert not isinstance(scores, Tensor) or scores.layout is None


def test_train_test_split_keeps_the_padded_rows() -> None:
    x_tr, x_te, y_tr, alone, pair = _probes(
        """
        from keras.utils import pad_sequences
        from sklearn.model_selection import train_test_split
        from sklearn.utils import shuffle
        x = pad_sequences(rows, maxlen=100, padding="post")
        x_tr, x_te, y_tr, y_te = train_test_split(x, labels, test_size=0.2)
        probe0(x_tr); probe1(x_te); probe2(y_tr)
        probe3(shuffle(x))
        probe4(shuffle(x, labels))
        """
    )
    for t in (x_tr, x_te, alone):
        assert isinstance(t, Tensor) and t.padding is not None and t.dims == (None, 100)
    assert y_tr is None  # the labels are unknown and stay so
    assert isinstance(pair, TupleValue) and isinstance(pair.items[0], Tensor)
    assert pair.items[0].padding is not None


ONE_PATH = """
    import sys
    import keras
    from keras import layers
    from keras.utils import pad_sequences
    from keras.models import model_from_json
    def build():
        ids = keras.Input(shape=(100,))
        h = layers.LSTM(8, return_sequences=True)(layers.Embedding(50, 8)(ids))
        probe0(h)
        return keras.Model(ids, layers.GlobalAveragePooling1D()(h))
    def restore(path):
        return model_from_json(open(path).read())
    x = pad_sequences(rows, maxlen=100, padding="post")
    if sys.argv[1] == "load":
        model = restore("m.json")
    else:
        model = BUILD
    probe1(model(x))
    model.fit(x, labels)
"""


def test_a_model_built_on_one_path_is_fed_by_fit() -> None:
    h, called = _probes(ONE_PATH.replace("BUILD", "build()"))
    assert isinstance(h, Tensor) and h.padding is not None  # the Input got the padded data
    assert called is None  # nothing but the feed holds for the joined model


def test_a_model_loaded_by_keras_on_the_other_path_is_as_unknown() -> None:
    text = ONE_PATH.replace("BUILD", "build()").replace(
        'restore("m.json")', 'keras.models.load_model("m.keras")'
    )
    h, _ = _probes(text)
    assert isinstance(h, Tensor) and h.padding is not None


def test_two_unknown_models_feed_nothing() -> None:
    h, _ = _probes(ONE_PATH.replace("BUILD", "restore('other.json')"))
    assert not isinstance(h, Tensor) or h.padding is None
