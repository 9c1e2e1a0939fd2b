"""A Keras ``Masking`` layer after ``Embedding(mask_zero=True)`` computes a mask that hides
none of the padded steps (analysis/keras_layers.py ``_masking``), but it is a mask: a layer
called on its output receives it, so that layer's ``if mask is not None:`` path runs and its
path without a mask does not (calls.keras_passed_mask, keras_layers.from_masking)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

SRC = """
import tensorflow as tf
from tensorflow.keras import layers

class Pool(layers.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is not None:
            m = tf.cast(mask, x.dtype)[:, :, None]
            return tf.reduce_sum(x * m, axis=1) / tf.maximum(tf.reduce_sum(m, axis=1), 1.0)
        return tf.reduce_mean(x, axis=1)

inp = layers.Input(shape=(None,), dtype="int32")
h = layers.Embedding(100, 16, mask_zero=True)(inp)
h = layers.Masking()(h)
out = Pool()(h)
model = tf.keras.Model(inp, out)
"""


def _codes(tmp_path: Path, src: str) -> set[tuple[int, str]]:
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(src).lstrip("\n"), encoding="utf-8")
    results = check_paths([path], Options.for_config(Config()))
    return {(d.line, d.code) for r in results for d in r.diagnostics}


def test_the_path_without_a_mask_is_not_taken_after_masking(tmp_path: Path) -> None:
    assert _codes(tmp_path, SRC) == set()


def test_without_any_mask_the_plain_mean_is_reported(tmp_path: Path) -> None:
    # no mask_zero, no Masking: Keras passes mask=None and the plain mean runs over the
    # padded steps of a padded batch fed to the model
    src = SRC.replace("mask_zero=True", "mask_zero=False").replace(
        "h = layers.Masking()(h)\n", ""
    ) + (
        "x = tf.keras.preprocessing.sequence.pad_sequences([[1, 2], [3]], padding='post')\n"
        "model.predict(x)\n"
    )
    lines = textwrap.dedent(src).lstrip("\n").splitlines()
    mean = next(n for n, line in enumerate(lines, 1) if "tf.reduce_mean(x, axis=1)" in line)
    assert (mean, "PLG101") in _codes(tmp_path, src)
