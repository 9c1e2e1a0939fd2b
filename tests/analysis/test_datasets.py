"""tf.data pipelines: batches of sliced arrays keep their facts; fit(ds) takes x."""

from __future__ import annotations

from pooling_lint.analysis.values import Dataset, Fill, Side, Tensor, TupleValue

from .conftest import facts_of, probe, probe_at, reduction_on

_HEAD = """
import numpy as np
import tensorflow as tf
from tensorflow.keras.preprocessing.sequence import pad_sequences
X = pad_sequences(seqs, maxlen=20, padding="post")
Y = np.array(labels)
"""


def test_batches_of_slices_keep_the_padding() -> None:
    src = (
        _HEAD
        + """
ds = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(64).batch(8).prefetch(1)
probe(ds)
for xb, yb in ds:
    probe(xb)
probe(tf.data.Dataset.from_tensor_slices(X).map(f).batch(8))
probe(tf.data.Dataset.from_tensor_slices((X, Y)))
"""
    )
    facts = facts_of(src)
    ds = probe_at(facts, 8)
    assert isinstance(ds, Dataset) and ds.batched and isinstance(ds.element, TupleValue)
    xb = probe_at(facts, 10)
    assert isinstance(xb, Tensor) and xb.padding is not None and xb.padding.side == Side.POST
    assert probe_at(facts, 11) is None  # `.map(f)`: unknown elements
    rows = probe_at(facts, 12)
    assert isinstance(rows, Dataset) and not rows.batched


def test_padded_batch_pads_the_sequences_not_the_labels() -> None:
    src = """
import numpy as np
import tensorflow as tf
ids = tf.constant(rows)
labels = np.zeros((100,), dtype="int32")
probe(tf.data.Dataset.from_tensor_slices((ids, labels)).padded_batch(4))
probe(tf.data.Dataset.from_tensor_slices(ids).padded_batch(4, padding_values=-1))
"""
    facts = facts_of(src)
    ds = probe_at(facts, 5)
    assert isinstance(ds, Dataset) and isinstance(ds.element, TupleValue)
    x, y = ds.element.items
    assert isinstance(x, Tensor) and x.padding is not None and x.padding.fill == Fill.ZERO
    assert isinstance(y, Tensor) and y.padding is None  # scalar rows: nothing to pad
    other = probe_at(facts, 6)
    assert isinstance(other, Dataset) and isinstance(other.element, Tensor)
    assert other.element.padding is not None and other.element.padding.fill is None


def test_fit_of_a_dataset_feeds_x_to_the_model() -> None:
    src = (
        _HEAD
        + """
class Net(tf.keras.Model):
    def call(self, ids):
        return tf.reduce_mean(tf.keras.layers.Embedding(9, 4)(ids), axis=1)
Net().fit(tf.data.Dataset.from_tensor_slices((X, Y)).batch(4))
"""
    )
    r = reduction_on(facts_of(src), 9)
    assert r.operand.padding is not None and r.operand.padding.side == Side.POST


def test_fit_of_an_unbatched_dataset_gives_nothing() -> None:
    src = (
        _HEAD
        + """
class Net(tf.keras.Model):
    def call(self, ids):
        return tf.reduce_mean(tf.keras.layers.Embedding(9, 4)(ids), axis=1)
Net().fit(tf.data.Dataset.from_tensor_slices((X, Y)))
"""
    )
    facts = facts_of(src)
    assert not [r for r in facts.reductions if r.operand.padding is not None]
    assert probe is not None


def test_a_generator_dataset_has_the_shapes_of_its_signature() -> None:
    src = """
import tensorflow as tf
sig = (tf.TensorSpec(shape=(None,), dtype=tf.int32), tf.TensorSpec([], tf.int32))
ds = tf.data.Dataset.from_generator(gen, output_signature=sig)
ok = tf.data.Dataset.from_generator(
    gen, output_signature=(tf.TensorSpec(shape=(None,), dtype=tf.int32), tf.TensorSpec([]))
)
probe(ok.padded_batch(16))
probe(tf.data.Dataset.from_generator(gen, output_types=(tf.int32, tf.int32)))
"""
    facts = facts_of(src)
    batched = probe_at(facts, 7)
    assert isinstance(batched, Dataset) and isinstance(batched.element, TupleValue)
    x, y = batched.element.items
    assert isinstance(x, Tensor) and x.rank == 2 and x.padding is not None
    assert isinstance(y, Tensor) and y.rank == 1 and y.padding is None
    assert probe_at(facts, 8) is None  # no shapes shown: unknown
