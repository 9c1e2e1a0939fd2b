"""Values picked at run time from a dict: ``MODEL_CLASSES[model_type]``, ``poolers[name](h)``.

* A dict display whose values are classes, functions or models is a :class:`Table`. Read
  with a constant key it is that key's value; with a key the file does not fix it is a
  :class:`Choice` of all its values (``{"bert": (BertConfig, BertModel, BertTokenizer),
  ...}[t]``). Unpacking a choice of tuples, or indexing it, picks the same position in each
  (``config_class, model_class, tokenizer_class = MODEL_CLASSES[t]``).
* Classes in such a table are :class:`ClassRef` values: a ``transformers`` class, or a class
  of this file. ``C.from_pretrained(...)`` and ``C(...)`` make what that class makes (an HF
  tokenizer or model; an instance of a class of the file, for a subclass of an HF
  ``PreTrainedModel`` whose ``from_pretrained`` is the library's).
* Calling a choice (or a method of one) calls each option with the same arguments: each
  candidate function receives them, so each one's pooling is checked (a finding in a
  candidate holds on the path that picks it). The result is what every option agrees on:
  models of one kind, a tensor fact true of all, another choice of classes or models;
  unknown as soon as one option's result is unknown.
* ``functools.partial(f, k=v)`` (keywords only) of a function of the file is a
  :class:`Partial`; a lambda option is run on the call's arguments where it is called.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.hf_outputs import config_call, is_config
from pooling_lint.analysis.library.hf import classify
from pooling_lint.analysis.names import dotted
from pooling_lint.analysis.values import (
    Choice,
    ClassRef,
    Const,
    Foreign,
    FunctionRef,
    HFObject,
    Instance,
    MethodRef,
    Partial,
    SelfRef,
    Table,
    Tensor,
    TupleValue,
    Value,
    choice_of,
    join,
    same,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

_ANY = {
    "model": "transformers.PreTrainedModel",
    "tokenizer": "transformers.PreTrainedTokenizer",
    "config": "transformers.PretrainedConfig",
}


# ------------------------------------------------------------------ building
def class_value(it: Interpreter, node: ast.expr) -> Value:
    """A name of a dict's value that is a class: a ``transformers`` tokenizer/model class, or
    a class of this file the function does not shadow (None otherwise)."""
    if type(node) is ast.Name:
        frame = it.frame
        if frame is not None and node.id in frame.env:
            return None
        if node.id in it.classes and it.read_module(node.id) is _missing():
            return ClassRef(node.id, local=True)
    if type(node) in (ast.Name, ast.Attribute):
        q = it.facts.qualname(node)
        if q is not None and (
            (classify(q) is not None and classify(q) != ("collator", False)) or is_config(q)
        ):
            return ClassRef(q)
    return None


def _missing() -> object:
    from pooling_lint.analysis.scopes import MISSING

    return MISSING


def _entry(it: Interpreter, node: ast.expr, value: Value) -> Value:
    if type(node) is ast.Tuple:
        items = tuple(_entry(it, e, v) for e, v in zip(node.elts, _items(value, node)))
        return TupleValue(items, "tuple")
    cls = class_value(it, node)
    if cls is None and type(node) is ast.Attribute and type(node.value) is ast.Name:
        owner = it.frame.env.get(node.value.id) if it.frame is not None else None
        if isinstance(owner, SelfRef) and it.class_method_key(owner.class_name, node.attr):
            own = it.class_attrs.get(owner.class_name, {}).get(node.attr)
            if own is None:
                return MethodRef(owner.class_name, node.attr)  # `self.mean_pool`
    return cls if cls is not None else value


def _items(value: Value, node: ast.Tuple) -> tuple[Value, ...]:
    if isinstance(value, TupleValue) and len(value.items) == len(node.elts):
        return value.items
    if isinstance(value, Const) and isinstance(value.value, tuple):
        return tuple(Const(v) for v in value.value)
    return tuple(None for _ in node.elts)


def _pickable(v: Value) -> bool:
    if isinstance(v, TupleValue):
        return any(_pickable(i) for i in v.items)
    if isinstance(v, Foreign):
        return v.kind != "module"
    return isinstance(v, (ClassRef, FunctionRef, Partial, MethodRef, HFObject, Instance))


def table(it: Interpreter, node: ast.Dict, values: list[Value]) -> Value:
    """A dict display of classes, functions or models (else None, as any other dict)."""
    if any(k is None for k in node.keys):
        return None  # `{**other, ...}`: entries the file does not show
    entries = tuple(_entry(it, v, val) for v, val in zip(node.values, values))
    if not entries or not all(_pickable(e) for e in entries):
        return None
    keys = tuple(k.value if type(k) is ast.Constant else None for k in node.keys)
    return Table(keys, entries)


def pick(tab: Table, key: Value) -> Value:
    """``table[key]``: one entry for a constant key, else a choice of all of them."""
    k = key.value if isinstance(key, Const) else None
    if k is not None and None not in tab.keys:
        if k not in tab.keys:
            return None  # a KeyError
        value = tab.values[tab.keys.index(k)]
        return Choice((value,)) if _is_lambda(value) else value
    return _choice(tab.values)


def _choice(options: tuple[Value, ...]) -> Value:
    """:func:`values.choice_of`, except that a lone lambda stays a choice (so a call through
    the table runs it as a candidate)."""
    out = choice_of(options)
    return Choice((out,)) if _is_lambda(out) else out


def _is_lambda(v: Value) -> bool:
    return isinstance(v, FunctionRef) and isinstance(v.node, ast.Lambda)


def unpack(choice: Value, n: int) -> tuple[Value, ...] | None:
    """``a, b, c = choice``: when every option is an ``n``-tuple, each name is a choice of
    the options' items at its position (None for anything else)."""
    if not isinstance(choice, Choice):
        return None
    tuples = [o for o in choice.options if isinstance(o, TupleValue) and len(o.items) == n]
    if len(tuples) != len(choice.options):
        return None
    return tuple(_choice(tuple(o.items[k] for o in tuples)) for k in range(n))


def item(choice: Choice, index: int) -> Value:
    """``choice[k]`` of tuples: the options' items at ``k``."""
    items: list[Value] = []
    for o in choice.options:
        if not (isinstance(o, TupleValue) and -len(o.items) <= index < len(o.items)):
            return None
        items.append(o.items[index])
    return _choice(tuple(items))


def partial(fact: CallFact) -> Value:
    """``functools.partial(f, k=v)``: ``f`` of this file with keywords bound (positional
    bindings would shift the parameters: unknown)."""
    if len(fact.args) != 1 or fact.star_kwargs or not isinstance(fact.args[0], FunctionRef):
        return None
    return Partial(fact.args[0], fact.kwargs)


# ------------------------------------------------------------------ calling
def call(it: Interpreter, fact: CallFact, callee: Value) -> Value:
    """Calling a choice, a class reference or a partial."""
    if isinstance(callee, Choice):
        return _each(it, fact, callee, None)
    return _one(it, fact, callee, None)


def method(it: Interpreter, fact: CallFact, recv: Value, m: str) -> Value:
    """``choice.from_pretrained(...)``, ``cls_ref.from_pretrained(...)``: the method of each."""
    if isinstance(recv, Choice):
        return _each(it, fact, recv, m)
    return _one(it, fact, recv, m)


def _each(it: Interpreter, fact: CallFact, choice: Choice, m: str | None) -> Value:
    results: list[Value] = []
    for i, option in enumerate(choice.options):
        results.append(_one(it, fact, option, m))
        rekey_outbound(it, fact, i)
    return _union(results)


def _one(it: Interpreter, fact: CallFact, option: Value, m: str | None) -> Value:
    from pooling_lint.analysis import calls
    from pooling_lint.analysis.library_calls import library_call

    if isinstance(option, ClassRef):
        if option.local:
            if m is None:
                return calls.instantiate(it, fact, option.qualname)
            if m == "from_pretrained" and pretrained_class(it, option.qualname):
                return Instance(option.qualname, fact.node)
            return None
        if m is None:
            plain = replace(fact, receiver=None, method=None)
            return library_call(it, plain, option.qualname) or config_call(plain, option.qualname)
        if m == "from_pretrained":
            q = f"{option.qualname}.from_pretrained"
            plain = replace(fact, receiver=None, method=None)
            return library_call(it, plain, q) or config_call(plain, q)
        return None
    if isinstance(option, Partial):
        one = replace(fact, kwargs=option.kwargs + fact.kwargs) if m is None else None
        return calls.function_call(it, one, option.func) if one is not None else None
    if isinstance(option, Foreign) and option.kind == "class" and m is not None:
        return foreign_classmethod(it, option, m)
    if isinstance(option, MethodRef):
        if m is not None:
            return None
        return calls.instance_call(it, fact, Instance(option.class_name), option.method)
    if m is None and _is_lambda(option):
        return run_lambda(it, fact, option)  # type: ignore[arg-type]
    if m is None:
        return calls.call(it, replace(fact, receiver=None, method=None), option)
    return calls.method_call(it, replace(fact, receiver=option, method=m))


def run_lambda(it: Interpreter, fact: CallFact, ref: FunctionRef) -> Value:
    """A lambda option called here: its body valued with its parameters bound to this call's
    arguments (its events are this function's: the lambda is written in it or in the
    module). Defaults, ``*args`` and keywords it does not name: unknown."""
    node = ref.node
    frame = it.frame
    if not isinstance(node, ast.Lambda) or frame is None:
        return None
    args = node.args
    params = [p.arg for p in (*args.posonlyargs, *args.args)]
    if args.vararg or args.kwonlyargs or args.kwarg or len(fact.args) > len(params):
        return None
    inside = _within(node, frame.unit.node)
    saved = frame.env
    env = dict(saved) if inside else {}
    values = dict(zip(params, fact.args))
    values.update((k, v) for k, v in fact.kwargs if k in params)
    for p in params:
        env[p] = values.get(p)
    frame.env = env
    try:
        return it.eval(node.body)
    finally:
        frame.env = saved


def _within(node: ast.AST, scope: ast.AST) -> bool:
    if isinstance(scope, ast.Module):
        return False
    return any(n is node for n in ast.walk(scope))


def _union(results: list[Value]) -> Value:
    """What every option's result agrees on (unknown as soon as one is unknown)."""
    if not results or any(r is None for r in results):
        return None
    first = results[0]
    if all(same(r, first) for r in results):
        return first
    if all(isinstance(r, HFObject) for r in results):
        objs = [r for r in results if isinstance(r, HFObject)]
        kinds = {o.kind for o in objs}
        if len(kinds) != 1 or objs[0].kind not in _ANY:
            return None
        kind = objs[0].kind
        names = {o.qualname for o in objs}
        sides = {o.side for o in objs}
        ats = {o.hidden_at for o in objs}
        ons = {o.hidden_on for o in objs}
        return HFObject(
            kind,
            names.pop() if len(names) == 1 else _ANY[kind],
            sides.pop() if len(sides) == 1 else "?",
            all(o.base for o in objs),
            objs[0].node,
            ats.pop() if len(ats) == 1 else None,
            ons.pop() if len(ons) == 1 else None,
        )
    if all(isinstance(r, (Tensor, TupleValue)) for r in results):
        joined: Value = first
        for r in results[1:]:
            joined = join(joined, r)
        return joined
    if all(_instance_like(r) for r in results):
        return _choice(tuple(results))  # one of several models: a call reaches each
    return None


def _instance_like(v: Value) -> bool:
    return isinstance(v, (Instance, ClassRef)) or (
        isinstance(v, Foreign) and v.kind in ("instance", "class")
    )


# ------------------------------------------------------------ HF subclasses of the file
def pretrained_class(it: Interpreter, name: str, depth: int = 0) -> bool:
    """A class of this file that subclasses a ``transformers`` model (``BertPreTrainedModel``,
    ``BertModel``, or such a class of the file) and does not define its own
    ``from_pretrained``: the library's classmethod makes an instance of it."""
    cls = it.classes.get(name)
    if cls is None or depth > 4:
        return False
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in (
            "from_pretrained",
            "__new__",
        ):
            return False
    for base in cls.bases:
        q = it.facts.qualname(base)
        if q is not None and q.startswith("transformers."):
            last = q.rsplit(".", 1)[-1]
            if last.endswith("PreTrainedModel") or classify(q) == ("model", True) or (
                classify(q) is not None and classify(q)[0] == "model"  # type: ignore[index]
            ):
                return True
        local = dotted(base)
        if local and local in it.classes and local != name:
            if pretrained_class(it, local, depth + 1):
                return True
    return False


def torch_module(it: Interpreter, name: str, depth: int = 0) -> bool:
    """A class of this file that subclasses ``torch.nn.Module`` (directly, through a class of
    the file, or as an HF model subclass): ``.to(device)``, ``.eval()`` return the module."""
    cls = it.classes.get(name)
    if cls is None or depth > 4:
        return False
    if pretrained_class(it, name):
        return True
    for base in cls.bases:
        if it.facts.qualname(base) == "torch.nn.Module":
            return True
        local = dotted(base)
        if local and local in it.classes and local != name and torch_module(it, local, depth + 1):
            return True
    return False


def pretrained_exports(it: Interpreter) -> dict[str, Value]:
    """For the project summary: ``Cls.from_pretrained()`` of each such class, and each
    classmethod that returns ``cls(...)`` (analysis/factories.py), is an instance of it
    (another module calls it on the imported class)."""
    from pooling_lint.analysis.factories import factories_of

    made: dict[str, Value] = {
        f"{name}.from_pretrained()": Instance(name)
        for name in it.classes
        if pretrained_class(it, name)
    }
    for name, methods in factories_of(it).items():
        made.update((f"{name}.{m}()", Instance(name)) for m in methods)
    return made


def foreign_classmethod(it: Interpreter, recv: Foreign, m: str) -> Value:
    """``Cls.from_pretrained(...)`` of a class of another module of the tree: what that
    module's summary says (an instance, for an HF model subclass)."""
    ctx = it.facts.project
    if ctx is None or recv.kind != "class" or recv.alts:
        return None
    return ctx.exports.get(recv.module, {}).get(f"{recv.name}.{m}()")


def rekey_outbound(it: Interpreter, fact: CallFact, index: int) -> None:
    """Each option's outbound call is kept apart (by call node and option)."""
    ctx = it.facts.project
    if ctx is None:
        return
    key = id(fact.node)
    if key in ctx.outbound:
        ctx.outbound[(key, "choice", index)] = ctx.outbound.pop(key)
