"""torchtext's (legacy) data pipeline: ``Field`` -> ``Dataset`` -> ``Iterator`` -> ``Batch``.

A sequential ``Field`` pads every batch to its longest example, or to ``fix_length``, with
``pad_token`` ('<pad>', whose vocabulary index is 1 by default: the padded steps are not
zero), at the end unless ``pad_first=True``; the batch is ``(time, batch)`` unless
``batch_first=True``; with ``include_lengths=True`` the batch attribute is the pair
``(padded, lengths)``. A dataset names its fields (``fields=[("text", TEXT), ...]``) and a
``Batch`` has one attribute per name, so ``batch.text`` is what ``TEXT`` made. A field with
``sequential=False`` (labels) is not padded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import const
from pooling_lint.analysis.layout import BT, TB, B
from pooling_lint.analysis.values import (
    Evidence,
    ListOf,
    Padding,
    Record,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
    from pooling_lint.analysis.interpreter import Interpreter
    from pooling_lint.analysis.library.spec import ApiSpec

#: torchtext's own datasets: `X.splits(text_field, label_field)` -> how many datasets (their
#: examples have the attributes `text` and `label`)
_BUILTIN = {"IMDB.splits": 2, "TREC.splits": 2, "SST.splits": 3}

#: how many datasets `TabularDataset.splits` returns: one per split given
_SPLITS = ("train", "validation", "test")


def _flag(fact: CallFact, name: str, default: object) -> object:
    if fact.has_kwarg(name):
        return const(fact.kwarg(name))
    return default


def _field(fact: CallFact) -> Value:
    settings = {
        name: _flag(fact, name, default)
        for name, default in (
            ("sequential", True),
            ("batch_first", False),
            ("include_lengths", False),
            ("pad_first", False),
        )
    }
    if any(not isinstance(v, bool) for v in settings.values()):
        return None  # a setting the file does not show: unsure
    return Record("torchtext.Field", tuple(settings.items()), fact.node)


def _fields_of(value: Value) -> tuple[tuple[str, Record], ...] | None:
    """``[("text", TEXT), ("label", LABEL)]`` -> the named fields (None if not shown)."""
    if not isinstance(value, TupleValue):
        return None
    out = []
    for item in value.items:
        if not isinstance(item, TupleValue) or len(item.items) != 2:
            return None
        name = const(item.items[0])
        field = item.items[1]
        if not isinstance(name, str):
            return None
        if isinstance(field, Record) and field.kind == "torchtext.Field":
            out.append((name, field))
    return tuple(out)


def _dataset(fact: CallFact, fields_at: int) -> Record | None:
    raw = fact.kwarg("fields") if fact.has_kwarg("fields") else None
    if raw is None and len(fact.args) > fields_at:
        raw = fact.args[fields_at]
    fields = _fields_of(raw)
    if not fields:
        return None
    return Record("torchtext.Dataset", fields, fact.node)


def _builtin_splits(fact: CallFact, count: int) -> Value:
    text = fact.args[0] if fact.args else fact.kwarg("text_field")
    label = fact.args[1] if len(fact.args) > 1 else fact.kwarg("label_field")
    fields = tuple(
        (name, f)
        for name, f in (("text", text), ("label", label))
        if isinstance(f, Record) and f.kind == "torchtext.Field"
    )
    if not fields:
        return None
    dataset = Record("torchtext.Dataset", fields, fact.node)
    return TupleValue((dataset,) * count)


def _batch_value(field: Record) -> Value:
    if not field.get("sequential"):
        return None
    ev = Evidence(field.node, "") if field.node is not None else None
    if ev is None:
        return None
    side = Side.PRE if field.get("pad_first") else Side.POST
    ids = Tensor(
        rank=2,
        layout=BT if field.get("batch_first") else TB,
        padding=Padding(ev, side, None),  # '<pad>' is index 1, not 0
        origin=ev,
        role=Role.TOKENS,
    )
    if field.get("include_lengths"):
        return TupleValue((ids, Tensor(rank=1, layout=B, role=Role.LENGTHS, origin=ev)))
    return ids


def _batches(dataset: Value) -> Value:
    if not isinstance(dataset, Record) or dataset.kind != "torchtext.Dataset":
        return None
    attrs = tuple((name, _batch_value(field)) for name, field in dataset.attrs)
    return ListOf(Record("torchtext.Batch", attrs, dataset.node))


def torchtext_call(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    short = spec.name.rsplit(".", 2)
    what = short[-1] if short[-1] != "splits" else f"{short[-2]}.splits"
    if what == "Field":
        return _field(fact)
    if what == "Dataset":
        return _dataset(fact, 1)
    if what == "TabularDataset":
        return _dataset(fact, 2)
    if what == "TabularDataset.splits":
        one = _dataset(fact, 99)
        n = sum(1 for s in _SPLITS if fact.has_kwarg(s))
        return TupleValue((one,) * n) if one is not None and n else None
    if what in _BUILTIN:
        return _builtin_splits(fact, _BUILTIN[what])
    if what in ("BucketIterator", "Iterator"):
        first = fact.args[0] if fact.args else fact.kwarg("dataset")
        return _batches(first)
    if what in ("BucketIterator.splits", "Iterator.splits"):
        first = fact.args[0] if fact.args else fact.kwarg("datasets")
        if isinstance(first, TupleValue):
            return TupleValue(tuple(_batches(d) for d in first.items))
    return None


def record_method(fact: CallFact, recv: Record, method: str) -> Value:
    """``train_data.split(split_ratio=0.8)``: datasets with the same fields (two, or one per
    ratio of a list)."""
    if recv.kind != "torchtext.Dataset" or method != "split":
        return None
    ratio = fact.kwarg("split_ratio") if fact.has_kwarg("split_ratio") else None
    if ratio is None and fact.args:
        ratio = fact.args[0]
    if not fact.args and not fact.has_kwarg("split_ratio"):
        return TupleValue((recv, recv))  # the default 0.7: train and test
    value = const(ratio)
    if isinstance(value, float):
        return TupleValue((recv, recv))
    if isinstance(value, tuple) and len(value) in (2, 3):
        return TupleValue((recv,) * len(value))
    return None
