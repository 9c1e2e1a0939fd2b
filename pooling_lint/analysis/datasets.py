"""``tf.data`` pipelines: what a dataset's elements hold, and what ``fit(ds)`` / ``for x, y in
ds`` get from it (checked on TensorFlow 2.21).

* ``Dataset.from_tensor_slices(a)`` / ``((a, b))``: the elements are the rows of ``a`` (a
  pair of rows); ``.batch(n)`` stacks ``n`` of them again, so a batch of a padded array holds
  the same padding, layout and feature dims. ``from_tensors(a)`` has one element, ``a``.
* ``.padded_batch(n)`` pads each component of the batch at the end with 0 (or with
  ``padding_values``: the fill is then unknown) to its longest element.
* ``.shuffle`` / ``.repeat`` / ``.prefetch`` / ``.cache`` / ``.take`` / ``.skip`` /
  ``.shard`` / ``.filter`` keep the elements; ``.map(f)`` and anything else is unknown.
* Keras ``fit`` / ``evaluate`` / ``predict`` of a batched dataset take ``x`` from each
  element: the first item of an ``(x, y)`` / ``(x, y, w)`` tuple, or the element itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pooling_lint.analysis.values import (
    Dataset,
    Evidence,
    Fill,
    Padding,
    Side,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact

#: tf.data constructors (canonical names) -> whether their elements are already batches
SOURCES: dict[str, bool] = {
    "tensorflow.data.Dataset.from_tensor_slices": False,
    "tensorflow.data.Dataset.from_tensors": True,
}

_SAME = frozenset({"shuffle", "repeat", "prefetch", "cache", "take", "skip", "shard", "filter"})


def _known(v: Value) -> bool:
    """A tensor, or a tuple of arrays whose first (the ``x`` of ``(x, y)``) is a tensor."""
    if isinstance(v, Tensor):
        return True
    return isinstance(v, TupleValue) and bool(v.items) and isinstance(v.items[0], Tensor)


def source(fact: CallFact) -> Value:
    """``tf.data.Dataset.from_tensor_slices(data)`` and ``from_tensors(data)``."""
    assert fact.qualname is not None
    data = fact.args[0] if fact.args else fact.kwarg("tensors")
    if not _known(data):
        return None
    return Dataset(data, SOURCES[fact.qualname])


def method(fact: CallFact, ds: Dataset, m: str) -> Value:
    if m in _SAME:
        return ds
    if m == "batch":
        return Dataset(ds.element, True)
    if m == "padded_batch":
        fill = None if fact.has_kwarg("padding_values") or len(fact.args) > 2 else Fill.ZERO
        pad = Padding(Evidence(fact.node, "`padded_batch(...)`"), Side.POST, fill)
        return Dataset(_padded(ds.element, pad), True)
    return None


def _padded(v: Value, pad: Padding) -> Value:
    if isinstance(v, Tensor):
        # a component with no variable axis (a scalar label) gets no padding
        return v if v.rank == 1 or v.padding is not None else v.with_(padding=pad)
    if isinstance(v, TupleValue):
        return TupleValue(tuple(_padded(i, pad) if isinstance(i, Tensor) else i for i in v.items))
    return None


def loop_item(ds: Dataset) -> Value:
    """What ``for batch in ds`` binds: a batch (only once the dataset is batched)."""
    return ds.element if ds.batched else None


def fit_data(data: Value) -> Value:
    """The ``x`` Keras takes from ``data`` given to ``fit`` / ``evaluate`` / ``predict``."""
    if not isinstance(data, Dataset):
        return data
    if not data.batched:
        return None
    el = data.element
    if isinstance(el, TupleValue):
        return el.items[0] if el.items else None
    return el
