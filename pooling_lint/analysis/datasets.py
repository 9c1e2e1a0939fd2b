"""``tf.data`` pipelines: what a dataset's elements hold, and what ``fit(ds)`` / ``for x, y in
ds`` get from it (checked on TensorFlow 2.21).

* ``Dataset.from_tensor_slices(a)`` / ``((a, b))``: the elements are the rows of ``a`` (a
  pair of rows); ``.batch(n)`` stacks ``n`` of them again, so a batch of a padded array holds
  the same padding, layout and feature dims. ``from_tensors(a)`` has one element, ``a``.
* ``Dataset.from_generator(gen, output_signature=(tf.TensorSpec([None]), tf.TensorSpec([])))``:
  elements of the shapes the signature's ``TensorSpec`` literals give (a spec whose shape the
  file does not show leaves the elements unknown).
* ``.padded_batch(n)`` pads each component of the batch at the end with 0 (or with
  ``padding_values``: the fill is then unknown) to its longest element.
* ``.shuffle`` / ``.repeat`` / ``.prefetch`` / ``.cache`` / ``.take`` / ``.skip`` /
  ``.shard`` / ``.filter`` keep the elements; ``.map(f)`` and anything else is unknown.
* Keras ``fit`` / ``evaluate`` / ``predict`` of a batched dataset take ``x`` from each
  element: the first item of an ``(x, y)`` / ``(x, y, w)`` tuple, or the element itself.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.values import (
    Dataset,
    Evidence,
    Fill,
    Padding,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
    from pooling_lint.analysis.interpreter import Interpreter

#: tf.data constructors (canonical names) -> whether their elements are already batches
SOURCES: dict[str, bool] = {
    "tensorflow.data.Dataset.from_tensor_slices": False,
    "tensorflow.data.Dataset.from_tensors": True,
    "tensorflow.data.Dataset.from_generator": False,
}

_SAME = frozenset({"shuffle", "repeat", "prefetch", "cache", "take", "skip", "shard", "filter"})


def _known(v: Value) -> bool:
    """A tensor, or a tuple of arrays whose first (the ``x`` of ``(x, y)``) is a tensor."""
    if isinstance(v, Tensor):
        return True
    return isinstance(v, TupleValue) and bool(v.items) and isinstance(v.items[0], Tensor)


def source(it: Interpreter, fact: CallFact) -> Value:
    """``tf.data.Dataset.from_tensor_slices(data)`` and ``from_tensors(data)``."""
    assert fact.qualname is not None
    if fact.qualname.endswith(".from_generator"):
        return _from_generator(it, fact)
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
        # a component with no variable axis (a scalar label, a fixed-size spec) gets none
        fixed = v.dims is not None and all(isinstance(d, int) for d in v.dims[1:])
        return v if v.rank == 1 or fixed or v.padding is not None else v.with_(padding=pad)
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


def _from_generator(it: Interpreter, fact: CallFact) -> Value:
    sig = fact.kwarg("output_signature")
    items = sig.items if isinstance(sig, TupleValue) else (sig,)
    batched = tuple(_batch_of(i) for i in items)
    if not items or any(b is None for b in batched):
        return None
    return Dataset(TupleValue(batched) if isinstance(sig, TupleValue) else batched[0], False)


def _batch_of(spec: Value) -> Tensor | None:
    """A batch of elements of a ``TensorSpec``'s shape: one more axis in front."""
    if not isinstance(spec, Tensor) or spec.role is not Role.SPEC or spec.dims is None:
        return None
    return Tensor(rank=len(spec.dims) + 1, dims=(None, *spec.dims), origin=spec.origin)


def tensor_spec(it: Interpreter, fact: CallFact) -> Value:
    """``tf.TensorSpec(shape=[None], dtype=...)``: the shape of a tensor, when a literal."""
    shape = fact.node.args[0] if fact.node.args else None
    for k in fact.node.keywords:
        if k.arg == "shape":
            shape = k.value
    if not isinstance(shape, (ast.Tuple, ast.List)):
        return None
    dims: list[int | None] = []
    for e in shape.elts:
        if isinstance(e, ast.Constant) and (e.value is None or type(e.value) is int):
            dims.append(e.value)
        else:
            return None
    ev = Evidence(fact.node, "`TensorSpec(...)`")
    return Tensor(rank=len(dims), dims=tuple(dims), role=Role.SPEC, origin=ev)
