"""Flows across functions of a file: what a generator yields, what a ``DataLoader`` gives.

* A function that ``yield``s gives its callers an iterable whose elements are the yielded
  value (a :class:`ListOf`); a ``for`` loop over it binds the element to its target.
* ``DataLoader(dataset, collate_fn=f)`` is an iterable of what ``f`` returns (the batches are
  made by ``f``); without a ``collate_fn`` the default one stacks equal-sized samples and pads
  nothing: over a dataset class whose ``__getitem__`` returns a sample padded to a fixed
  length, the batch is that padding with a batch axis in front; otherwise unknown. ``f`` may
  be an instance of a class of the file: the loader calls it, so a batch is what its
  ``__call__`` returns; a method ``self.collate``; or a ``lambda``, whose body is evaluated
  with its parameters unknown (the samples).
* ``enumerate(xs)`` gives ``(index, element)`` pairs; ``iter``, ``list``, ``tqdm`` keep the
  elements.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.datasets import loop_item as dataset_batch
from pooling_lint.analysis.project import foreign_attr
from pooling_lint.analysis.values import (
    Dataset,
    DimOf,
    Encoding,
    Foreign,
    FunctionRef,
    Instance,
    ListOf,
    Record,
    SelfRef,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
    from pooling_lint.analysis.interpreter import Interpreter
    from pooling_lint.analysis.library.spec import ApiSpec
    from pooling_lint.analysis.values import Evidence

#: builtins and wrappers whose iteration gives the elements of their first argument
_KEEP_ELEMENTS = frozenset(
    {"iter", "list", "tuple", "tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm"}
)


def loop_item(iterable: Value) -> Value:
    """What a ``for`` target holds on each step over ``iterable`` (None: unknown).

    Only data (batches, tuples of them, records, HF encodings a collator made): a list of
    layers or of model instances is run element by element elsewhere, or not at all."""
    if isinstance(iterable, Dataset):
        iterable = ListOf(dataset_batch(iterable))  # a tf.data dataset's batches
    if isinstance(iterable, ListOf) and isinstance(
        iterable.item, (Tensor, TupleValue, Record, ListOf, Encoding)
    ):
        return iterable.item
    return None


def eval_yield(it: Interpreter, node: ast.Yield | ast.YieldFrom) -> Value:
    """``yield v``: the generator's callers iterate over the values it yields."""
    value = it.eval(node.value) if node.value is not None else None
    frame = it.frame
    if frame is not None and frame.unit.key != "<module>":
        item = value if type(node) is ast.Yield else loop_item(value)
        frame.returns.append((ListOf(item) if item is not None else None, frame.path.absent))
    return None  # what `send` passes in: unknown


def unit_key_of(it: Interpreter, ref: FunctionRef) -> str | None:
    """The unit of a function defined in this file."""
    if isinstance(ref.node, ast.Lambda):
        return None
    unit = it.units.get(ref.name)
    if unit is not None and unit.node is ref.node:
        return ref.name
    for key, unit in it.units.items():
        if unit.node is ref.node:
            return key
    return None


def data_loader(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    """``DataLoader(..., collate_fn=f)``: an iterable of what ``f`` returns. Without a
    ``collate_fn``, the default one over a map-style dataset's ``__getitem__`` samples."""
    keywords = {kw.arg: kw.value for kw in fact.node.keywords if kw.arg is not None}
    if "collate_fn" not in keywords or _is_none(keywords["collate_fn"]):
        if len(fact.node.args) > 1 or any(k in keywords for k in _UNBATCHED):
            return None  # a batch size (or sampler) the file does not show: unsure
        if _is_none(keywords.get("batch_size")):
            return None  # batching turned off: the samples come one by one, uncollated
        dataset = fact.args[0] if fact.args else fact.kwarg("dataset")
        stacked = default_collate(dataset_item(it, dataset))
        return ListOf(stacked) if stacked is not None else None
    collate = fact.kwarg("collate_fn")
    batch: Value = None
    if isinstance(collate, FunctionRef) and isinstance(collate.node, ast.Lambda):
        batch = lambda_result(it, collate.node)
    elif isinstance(collate, FunctionRef):
        key = unit_key_of(it, collate)
        if key is not None:
            batch = it.read_return(key)
    elif collate is None and (method := _self_method(it, fact.arg_node(99, "collate_fn"))):
        batch = it.read_return(method)  # `collate_fn=self.collate`: a method of the class
    elif isinstance(collate, Instance):
        call_key = it.class_method_key(collate.class_name, "__call__")
        if call_key is not None:
            batch = it.read_return(call_key)
    else:
        from pooling_lint.analysis.project import foreign_return

        batch = foreign_return(it, collate)
    return ListOf(batch) if batch is not None else None


def _self_method(it: Interpreter, node: ast.expr | None) -> str | None:
    """The unit of ``self.<name>`` when it names a method of the running method's class."""
    if not (type(node) is ast.Attribute and type(node.value) is ast.Name):
        return None
    frame = it.frame
    owner = frame.env.get(node.value.id) if frame is not None else None
    if not isinstance(owner, SelfRef):
        return None
    return it.class_method_key(owner.class_name, node.attr)


def lambda_result(it: Interpreter, lam: ast.Lambda) -> Value:
    """What ``lam`` returns with every parameter unknown, evaluated where it is written."""
    frame = it.frame
    if frame is None:
        return None
    params = [a.arg for a in (*lam.args.posonlyargs, *lam.args.args, *lam.args.kwonlyargs)]
    params += [a.arg for a in (lam.args.vararg, lam.args.kwarg) if a is not None]
    saved = {p: frame.env[p] for p in params if p in frame.env}
    for p in params:
        frame.env[p] = None
    try:
        return it.eval(lam.body)
    finally:
        for p in params:
            if p in saved:
                frame.env[p] = saved[p]
            else:
                frame.env.pop(p, None)


#: DataLoader keywords that decide the batches in a way the default collate rule does not
#: model (a batch sampler groups indices itself; an iterable-style dataset has no __getitem__)
_UNBATCHED = frozenset({"batch_sampler"})


def _is_none(node: ast.expr | None) -> bool:
    return type(node) is ast.Constant and node.value is None


def dataset_item(it: Interpreter, dataset: Value) -> Value:
    """What ``dataset[i]`` gives for an instance of a map-style dataset class of the tree:
    what its ``__getitem__`` returns (this file's class, or another module's by its summary)."""
    if isinstance(dataset, Instance):
        key = it.class_method_key(dataset.class_name, "__getitem__")
        return it.read_return(key) if key is not None else None
    if isinstance(dataset, Foreign) and dataset.kind == "instance" and not dataset.alts:
        return foreign_attr(it, dataset, "__getitem__()")
    return None


def default_collate(sample: Value) -> Value:
    """torch's default collate over samples like ``sample``: a tensor sample is stacked
    along a new leading batch axis (which needs equal-sized samples: a padded sample keeps
    its padding, along the same axis one further in); a tuple is collated element by element.
    A dict, an unknown layout or a sample already batched is left unknown. (A padded Python
    list sample is collated to a list of per-step ``(batch,)`` tensors, which a model can
    only take once stacked back along axis 1: the same ``(batch, time)`` padding.)"""
    from pooling_lint.analysis.layout import Axis

    if isinstance(sample, TupleValue):
        items = tuple(default_collate(v) for v in sample.items)
        return TupleValue(items) if any(v is not None for v in items) else None
    if not isinstance(sample, Tensor) or sample.padding is None:
        return None
    layout = sample.layout
    if layout is None or sample.rank != layout.rank or Axis.BATCH in layout:
        return None
    return sample.with_(
        rank=layout.rank + 1,
        layout=layout.insert(0, Axis.BATCH),
        dims=(None, *sample.dims) if sample.dims is not None else None,
    )


def builtin_call(it: Interpreter, fact: CallFact) -> Value:
    """``enumerate(xs)``, ``iter(xs)``, ``tqdm(xs)``: iterables of known elements."""
    func = fact.node.func
    name = fact.qualname
    if name is None and type(func) is ast.Name and not _bound(it, func.id):
        name = func.id
    if name is None or not fact.args:
        return None
    if name in ("float", "int") and isinstance(fact.args[0], DimOf):
        return fact.args[0]  # `float(x.size(1))`: the same size
    first = iterated(it, fact.args[0])
    if not isinstance(first, ListOf):
        return None
    if name == "enumerate":
        return ListOf(TupleValue((None, first.item)))
    if name in _KEEP_ELEMENTS:
        return first
    return None


def iterated(it: Interpreter, value: Value) -> Value:
    """What a ``for`` over ``value`` walks: for an object that is its own iterator (its class
    defines ``__iter__`` returning ``self``, and ``__next__``), the values ``__next__``
    returns; for an ``__iter__`` that is a generator, what it yields. An instance of another
    module's class whose ``__next__`` the summary shows is walked the same way. Anything
    else is returned unchanged."""
    if isinstance(value, Instance):
        iter_key = it.class_method_key(value.class_name, "__iter__")
        ret = it.read_return(iter_key) if iter_key is not None else None
        if isinstance(ret, SelfRef) and ret.class_name == value.class_name:
            next_key = it.class_method_key(value.class_name, "__next__")
            item = it.read_return(next_key) if next_key is not None else None
            return ListOf(item) if item is not None else value
        return ret if isinstance(ret, ListOf) else value
    if isinstance(value, Foreign) and value.kind == "instance" and not value.alts:
        item = foreign_attr(it, value, "__next__()")
        return ListOf(item) if item is not None else value
    return value


def _bound(it: Interpreter, name: str) -> bool:
    frame = it.frame
    if frame is not None and name in frame.env:
        return True
    return name in it.module_env or name in it.functions
