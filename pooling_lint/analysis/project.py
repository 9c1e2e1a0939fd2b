"""Project mode inside one file's analysis: values that come from, or go to, other modules of
the checked tree (pooling_lint/project.py finds the modules and runs the rounds).

A :class:`ProjectContext` hands the interpreter, for one file:

* ``imports``: the local names bound to another module of the tree, to a function or class
  of it, or to a value it exports (a module-level array, a function's return);
* ``modules``: the summaries of the modules it imports (what each function returns, which
  names are classes and functions);
* ``inbound``: the arguments that other modules pass to this file's functions, classes and
  model instances (``model(ids)`` in ``train.py`` binds ``forward``'s ``ids`` here).

While the file runs, its calls into other modules are recorded (``outbound``), and afterwards
:func:`summarise` writes its own summary. Values cross modules in a portable (JSON) form:
tensors keep their rank, layout, role and padding; evidence keeps its path, line and the code
it quotes (:class:`ForeignNode`), so a message can say where another module padded.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis.feeds import feed
from pooling_lint.analysis.layout import parse_layout
from pooling_lint.analysis.library import MODEL_DATA_METHODS
from pooling_lint.analysis.param_returns import given_back, param_return
from pooling_lint.analysis.values import (
    Const,
    Evidence,
    Fill,
    Foreign,
    FunctionRef,
    Instance,
    KerasModel,
    ListOf,
    Padding,
    Record,
    Role,
    Side,
    Tensor,
    TupleValue,
    Value,
    join_call_sites,
)
from pooling_lint.analysis.walk import FUNCTIONS

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact, FileFacts
    from pooling_lint.analysis.interpreter import Interpreter

Portable = Any  # JSON: dicts, lists, str, int, float, bool, None


class ForeignNode(ast.AST):
    """Evidence made in another module: where it is, with no position in this file."""

    _fields = ()

    def __init__(self, path: str, line: int, quote: str) -> None:
        super().__init__()
        self.path = path
        self.line = line
        self.quote = quote  # the evidence's own words in its module


@dataclass
class ProjectContext:
    """What one file gets from, and gives to, the other modules of its tree."""

    path: str
    imports: dict[str, Foreign] = field(default_factory=dict)
    #: module path -> exported name -> value (already converted into this file's values)
    exports: dict[str, dict[str, Value]] = field(default_factory=dict)
    #: module path -> name -> "function" | "class"
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (target in this file, positional args, keyword args) passed by other modules
    inbound: list[tuple[str, tuple[Value, ...], tuple[tuple[str, Value], ...]]] = field(
        default_factory=list
    )
    #: (class, attribute) -> the value other modules feed it (TF1 `feed_dict={m.x: data}`)
    fed: dict[tuple[str, str], Value] = field(default_factory=dict)
    #: function -> the data other modules give to the Keras model it returns (`build().fit(x)`)
    fed_models: dict[str, Value] = field(default_factory=dict)
    #: calls of this file into other modules, by call node (and target module, for a module
    #: picked at run time) (the last round's values)
    outbound: dict[Any, tuple[str, str, tuple[Value, ...], tuple[tuple[str, Value], ...]]] = field(
        default_factory=dict
    )
    #: constant prefix of ``import_module(prefix + name)`` -> the modules of the tree under it
    dynamic: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: (module, name) -> what the module only imports from another (`models/__init__.py`'s
    #: `from .lstm import Model`: `models.Model` is `models/lstm.py`'s `Model`)
    reexports: dict[tuple[str, str], Foreign] = field(default_factory=dict)
    #: how the other modules call this module's functions: one text or not (analysis/texts.py)
    texts: dict[str, Any] = field(default_factory=dict)
    #: module -> function -> (k, as_list): it returns its k-th parameter (analysis/param_returns.py)
    param_returns: dict[str, dict[str, tuple[int, bool]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Portable) -> ProjectContext:
        ctx = cls(str(data.get("path", "")))
        for local, (module, name, kind) in data.get("imports", {}).items():
            ctx.imports[local] = Foreign(module, name, kind)
        for module, summary in data.get("modules", {}).items():
            ctx.kinds[module] = dict(summary.get("kinds", {}))
            exports = summary.get("exports", {})
            ctx.exports[module] = {
                name: from_portable(v) for name, v in exports.items() if name[-3:] != "(*)"
            }
            ctx.param_returns[module] = {
                name[:-3]: (int(v["i"]), bool(v["list"]))
                for name, v in exports.items()
                if name[-3:] == "(*)"
            }
        for module, names in data.get("reexports", {}).items():
            for name, (target, tname, kind) in names.items():
                ctx.reexports[(str(module), str(name))] = Foreign(target, tname, kind)
        for prefix, modules in data.get("dynamic", {}).items():
            ctx.dynamic[str(prefix)] = tuple(str(m) for m in modules)
        ctx.texts = dict(data.get("texts", {}))
        for target, args, kwargs in data.get("inbound", []):
            ctx.inbound.append(
                (
                    target,
                    tuple(from_portable(a) for a in args),
                    tuple((k, from_portable(v)) for k, v in kwargs),
                )
            )
        return ctx


# ------------------------------------------------------------------ portable values
_TENSOR_EVIDENCE = ("masked", "bidirectional", "rnn", "nonzero", "origin")


def _ev_out(ev: Evidence | None, facts: FileFacts, path: str) -> Portable:
    if ev is None:
        return None
    node = ev.node
    if isinstance(node, ForeignNode):
        return [node.path, node.line, node.quote]
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    return [path, line, facts.describe(ev)]


def _ev_in(data: Portable) -> Evidence | None:
    if not isinstance(data, list) or len(data) != 3:
        return None
    path, line, text = data
    return Evidence(ForeignNode(str(path), int(line), str(text)), f"{text} in `{path}`")


def to_portable(v: Value, facts: FileFacts, path: str, depth: int = 0) -> Portable:
    """A value in JSON form (None when it does not cross modules)."""
    if depth > 4:
        return None
    if isinstance(v, Tensor):
        out: dict[str, Any] = {"t": "tensor", "role": v.role.value}
        if v.rank is not None:
            out["rank"] = v.rank
        if v.dims is not None:
            out["dims"] = [d if isinstance(d, (int, str)) else None for d in v.dims]
        if v.layout is not None:
            out["layout"] = str(v.layout)
        if v.guarded:
            out["guarded"] = True
        if v.padding is not None:
            pev = _ev_out(v.padding.evidence, facts, path)
            if pev is not None:
                out["padding"] = [
                    pev,
                    v.padding.side.value if v.padding.side else None,
                    v.padding.fill.value if v.padding.fill else None,
                ]
        for name in _TENSOR_EVIDENCE:
            ev = _ev_out(getattr(v, name), facts, path)
            if ev is not None:
                out[name] = ev
        return out
    if isinstance(v, TupleValue):
        items = [to_portable(i, facts, path, depth + 1) for i in v.items]
        return {"t": "tuple", "items": items, **({"py": v.kind} if v.kind else {})}
    if isinstance(v, ListOf):
        item = to_portable(v.item, facts, path, depth + 1)
        return {"t": "list", "item": item} if item is not None else None
    if isinstance(v, Const) and isinstance(v.value, (int, float, str, bool)):
        return {"t": "const", "v": v.value}
    if isinstance(v, Record) and v.kind == "torchtext.Batch":
        attrs = [[k, to_portable(a, facts, path, depth + 1)] for k, a in v.attrs]
        return {"t": "record", "kind": v.kind, "attrs": attrs}
    if isinstance(v, Instance):
        return {"t": "foreign", "module": path, "name": v.class_name, "kind": "instance"}
    if isinstance(v, FunctionRef) and isinstance(v.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {"t": "foreign", "module": path, "name": v.name, "kind": "function"}
    if isinstance(v, Foreign):
        out = {"t": "foreign", "module": v.module, "name": v.name, "kind": v.kind}
        if v.alts:
            out["alts"] = list(v.alts)
        return out
    return None


def from_portable(data: Portable) -> Value:
    if not isinstance(data, dict):
        return None
    kind = data.get("t")
    if kind == "tensor":
        padding = None
        raw = data.get("padding")
        if isinstance(raw, list) and len(raw) == 3:
            pev = _ev_in(raw[0])
            if pev is not None:
                side = Side(raw[1]) if raw[1] in ("pre", "post") else None
                fill = Fill(raw[2]) if raw[2] in {f.value for f in Fill} else None
                padding = Padding(pev, side, fill)
        dims = data.get("dims")
        evs: dict[str, Any] = {name: _ev_in(data.get(name)) for name in _TENSOR_EVIDENCE}
        return Tensor(
            rank=data.get("rank"),
            dims=tuple(dims) if isinstance(dims, list) else None,
            layout=parse_layout(data.get("layout")),
            padding=padding,
            role=Role(data.get("role", "data")),
            guarded=bool(data.get("guarded", False)),
        ).with_(**evs)
    if kind == "tuple":
        kind = data.get("py")
        items = tuple(from_portable(i) for i in data.get("items", []))
        return TupleValue(items, kind if kind in ("tuple", "list") else None)
    if kind == "list":
        item = from_portable(data.get("item"))
        return ListOf(item) if item is not None else None
    if kind == "const":
        return Const(data.get("v"))
    if kind == "record":
        attrs = tuple((str(k), from_portable(a)) for k, a in data.get("attrs", []))
        return Record(str(data.get("kind")), attrs)
    if kind == "foreign":
        alts = tuple(str(m) for m in data.get("alts", ()))
        return Foreign(str(data["module"]), str(data["name"]), str(data["kind"]), alts)
    return None


# -------------------------------------------------------------- using foreign names
#: nn.Module methods that return the module itself
_SELF_METHODS = frozenset(
    {"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "bfloat16"}
    | {"requires_grad_", "share_memory", "apply"}
)


def _context(it: Interpreter) -> ProjectContext | None:
    return it.facts.project


def _export(it: Interpreter, module: str, name: str) -> Value:
    ctx = _context(it)
    if ctx is None:
        return None
    alias = ctx.reexports.get((module, name))
    if alias is not None:
        if alias.kind == "module":
            return alias
        module, name = alias.module, alias.name
    kind = ctx.kinds.get(module, {}).get(name)
    if kind in ("function", "class"):
        return Foreign(module, name, kind)
    return ctx.exports.get(module, {}).get(name)


def module_names(it: Interpreter) -> dict[str, Value]:
    """The module environment a file starts with: its imports of the tree's modules."""
    ctx = _context(it)
    if ctx is None:
        return {}
    out: dict[str, Value] = {}
    for local, ref in ctx.imports.items():
        if ref.kind == "module":
            out[local] = ref
        else:
            value = _export(it, ref.module, ref.name)
            if value is not None:
                out[local] = value
    return out


def seed_inbound(it: Interpreter) -> None:
    """Bind the arguments other modules pass to this file's units."""
    ctx = _context(it)
    if ctx is None:
        return
    for target, args, kwargs in ctx.inbound:
        args = tuple(_own(a, ctx.path) for a in args)
        kwargs = tuple((k, _own(v, ctx.path)) for k, v in kwargs)
        owner, _, method = target.partition(".")
        if owner.endswith("()") and args:  # `build().fit(x)`: data for the returned model
            old = ctx.fed_models.get(owner[:-2])
            new = args[0]
            ctx.fed_models[owner[:-2]] = new if old is None else join_call_sites(old, new)
            continue
        if method.endswith(FED) and args:
            attr = method[: -len(FED)]
            old = ctx.fed.get((owner, attr))
            ctx.fed[(owner, attr)] = args[0] if old is None else join_call_sites(old, args[0])
            continue
        if not method:
            unit = it.units.get(owner)
            if unit is not None and unit.class_name is None:
                it.bind_call(owner, unit.params, False, args, kwargs)
            continue
        names = ("forward", "call") if method == "__call__" else (method,)
        for name in names:
            key = it.class_method_key(owner, name)
            if key is not None:
                it.bind_call(key, it.units[key].params, True, args, kwargs)
                break
        else:
            if method in MODEL_DATA_METHODS:
                data = args[0] if args else dict(kwargs).get("x")
                fit_to_call(it, owner, data)


def _own(v: Value, path: str) -> Value:
    """A module of this file's own class that another module passes back (``Encoder(
    EncoderLayer(...))`` built elsewhere): an instance of the class here, run here."""
    if isinstance(v, Foreign) and v.kind == "instance" and v.module == path and not v.alts:
        return Instance(v.name)
    if isinstance(v, ListOf):
        return ListOf(_own(v.item, path))
    return v


def fit_to_call(it: Interpreter, class_name: str, data: Value) -> None:
    """``model.fit(x)`` / ``predict(x)`` of a subclassed Keras model that defines ``call`` but
    not that method: Keras runs ``self(x)`` on each batch, so ``call`` receives ``x``."""
    from pooling_lint.analysis.padding import drop_symbolic

    key = it.class_method_key(class_name, "call")
    if key is None or data is None:
        return
    it.bind_call(key, it.units[key].params, True, (drop_symbolic(data),), ())


FED = ":fed"


def feed_returned_model(it: Interpreter, key: str, ret: Value) -> None:
    """The functional Keras model that unit ``key`` returns is fitted (or asked to predict)
    by another module on data: that data reaches the model's ``Input``."""
    ctx = _context(it)
    if ctx is None or key not in ctx.fed_models:
        return
    if isinstance(ret, KerasModel) and ret.kind == "functional" and ret.input is not None:
        feed(it, ret.input, ctx.fed_models[key])
    elif isinstance(ret, KerasModel) and ret.kind == "sequential" and not ret.one_path:
        # a Sequential model has no Input to feed: its layers run on the fitted data, as
        # `model.fit(x)` in the same file runs them (keras_models.model_call)
        data = ctx.fed_models[key]
        if isinstance(data, Tensor) and data.padding is not None:
            from pooling_lint.analysis.keras_models import run_sequential_on
            from pooling_lint.analysis.padding import drop_symbolic

            fed = drop_symbolic(data)
            if isinstance(fed, Tensor):
                run_sequential_on(it, ret, fed)


def fed_attr(it: Interpreter, class_name: str, attr: str, value: Value) -> Value:
    """``self.x = tf.placeholder(...)`` of a class whose ``x`` another module feeds with
    padded data (``feed_dict={model.x: padded}``): when the graph runs it holds that data."""
    ctx = _context(it)
    if ctx is None or not ctx.fed:
        return value
    fed = ctx.fed.get((class_name, attr))
    if not isinstance(fed, Tensor) or fed.padding is None:
        return value
    if not isinstance(value, Tensor):
        return fed  # a fed tensor holds, when the graph runs, what was fed
    if value.rank is not None and fed.rank is not None and value.rank != fed.rank:
        return value
    layout = value.layout or fed.layout
    return value.with_(padding=fed.padding, layout=layout, rank=value.rank or fed.rank)


def feed_dict(it: Interpreter, fact: CallFact) -> None:
    """``sess.run(ops, feed_dict={model.input_x: batch})`` where ``model`` is an instance of
    another module's class: record what is fed to that attribute."""
    from pooling_lint.analysis.facts import EventLog

    for kw in fact.node.keywords:
        if kw.arg != "feed_dict" or type(kw.value) is not ast.Dict:
            continue
        for key, value in zip(kw.value.keys, kw.value.values):
            if type(key) is not ast.Attribute or type(key.value) is not ast.Name:
                continue
            owner = it.lookup(key.value.id)
            if not isinstance(owner, Foreign) or owner.kind != "instance":
                continue
            saved, it.log = it.log, EventLog()  # evaluated again: its events are not kept
            try:
                fed = it.eval(value)
            finally:
                it.log = saved
            ctx = _context(it)
            if ctx is not None:
                ctx.outbound[id(key)] = (owner.module, f"{owner.name}.{key.attr}{FED}", (fed,), ())


def foreign_attr(it: Interpreter, base: Foreign, attr: str) -> Value:
    """``data.make_loader`` of an imported module; ``loader.dataset`` of an instance."""
    if base.alts:
        return _picked_attr(it, base, attr)
    if base.kind == "module":
        return _export(it, base.module, attr)
    if base.kind == "instance":
        return _export(it, base.module, f"{base.name}.{attr}")
    return None


def foreign_return(it: Interpreter, value: Value) -> Value:
    """What calling ``value`` gives when it is a function of another module (else None)."""
    if isinstance(value, Foreign) and value.kind == "function":
        return _returned(it, value.module, value.name)
    return None


def _record(it: Interpreter, fact: CallFact, module: str, target: str) -> None:
    ctx = _context(it)
    if ctx is None:
        return
    args, kwargs = fact.args, fact.kwargs
    old = ctx.outbound.get(id(fact.node))
    if old is not None and old[:2] == (module, target) and len(old[2]) == len(args):
        # the same call run again (a loop unrolled over a list of modules: the second run
        # passes what the first call returned): what each run passed, as over call sites
        args = tuple(join_call_sites(a, b) for a, b in zip(old[2], args))
        if [k for k, _ in old[3]] == [k for k, _ in kwargs]:
            kwargs = tuple((k, join_call_sites(v, w)) for (k, v), (_, w) in zip(old[3], kwargs))
    ctx.outbound[id(fact.node)] = (module, target, args, kwargs)


def _padding_keys(v: Value, here: str, depth: int = 0) -> set[tuple[str, int | None]]:
    """Where the padding of ``v`` (and of its parts) was made, as (module, line)."""
    if depth > 4:
        return set()
    if isinstance(v, Tensor):
        if v.padding is None:
            return set()
        node = v.padding.evidence.node
        if isinstance(node, ForeignNode):
            return {(node.path, node.line)}
        return {(here, getattr(node, "lineno", None))}
    if isinstance(v, TupleValue):
        return {k for item in v.items for k in _padding_keys(item, here, depth + 1)}
    if isinstance(v, ListOf):
        return _padding_keys(v.item, here, depth + 1)
    return set()


def _this_call(it: Interpreter, fact: CallFact, module: str, ret: Value) -> Value:
    return _this_pass(it, (*fact.args, *(v for _, v in fact.kwargs)), module, ret)


def _this_pass(
    it: Interpreter, passed_values: tuple[Value, ...], module: str, ret: Value, depth: int = 0
) -> Value:
    """What another module's function returns is its return over every call site joined (one
    caller passing padded data is enough for the callee). Padding made in a third module,
    that this call does not pass, came with another caller's arguments: for this call it is
    unknown."""
    ctx = _context(it)
    if ctx is None or depth > 4:
        return ret
    if isinstance(ret, Tensor) and ret.padding is not None:
        node = ret.padding.evidence.node
        if not isinstance(node, ForeignNode) or node.path in (module, ctx.path):
            return ret
        passed: set[tuple[str, int | None]] = set()
        for a in passed_values:
            passed |= _padding_keys(a, ctx.path)
        return ret if (node.path, node.line) in passed else None
    if isinstance(ret, TupleValue):
        items = tuple(_this_pass(it, passed_values, module, v, depth + 1) for v in ret.items)
        return TupleValue(items, ret.kind)
    return ret


def record_step(it: Interpreter, fact: CallFact, model: Foreign, step: str, batch: Value) -> None:
    """A framework calls ``model.<step>(batch, index)`` of another module's model (Lightning's
    ``trainer.fit``): an outbound call, keyed by the trainer call and the step."""
    ctx = _context(it)
    if ctx is not None:
        ctx.outbound[(id(fact.node), step)] = (model.module, f"{model.name}.{step}", (batch,), ())


def foreign_call(it: Interpreter, fact: CallFact, ref: Foreign) -> Value:
    if ref.alts:
        return _picked_call(it, fact, ref, None)
    if ref.kind == "function":
        _record(it, fact, ref.module, ref.name)
        given = given_back(_context(it), fact, ref)
        if given is not None:
            return given
        ret = _this_call(it, fact, ref.module, _returned(it, ref.module, ref.name))
        # unknown (a Keras model, say): still named, so that `build().fit(x)` can be followed
        return Foreign(ref.module, ref.name, "result") if ret is None else ret
    if ref.kind == "class":
        _record(it, fact, ref.module, f"{ref.name}.__init__")
        return Foreign(ref.module, ref.name, "instance")
    if ref.kind == "instance":
        _record(it, fact, ref.module, f"{ref.name}.__call__")
        for name in ("forward", "call"):
            ret = _returned(it, ref.module, f"{ref.name}.{name}")
            if ret is not None:
                return _this_call(it, fact, ref.module, ret)
    return None


def foreign_module(it: Interpreter, node: ast.AST, slot: int, ref: Foreign, x: Value) -> Value:
    """Another module's module object run on ``x`` as the ``slot``-th layer of an
    ``nn.Sequential`` called at ``node``: an outbound call of its ``forward``, keyed by the
    call and the slot (one call runs several modules)."""
    ctx = _context(it)
    if ctx is None or ref.kind != "instance" or ref.alts:
        return None
    ctx.outbound[(id(node), slot)] = (ref.module, f"{ref.name}.__call__", (x,), ())
    for name in ("forward", "call"):
        ret = _returned(it, ref.module, f"{ref.name}.{name}")
        if ret is not None:
            return _this_pass(it, (x,), ref.module, ret)
    return None


def foreign_method(it: Interpreter, fact: CallFact, recv: Foreign, method: str) -> Value:
    if recv.alts:
        return _picked_call(it, fact, recv, method)
    if recv.kind == "module":
        target = _export(it, recv.module, method)
        return foreign_call(it, fact, target) if isinstance(target, Foreign) else None
    if recv.kind == "result":
        if method in MODEL_DATA_METHODS and method != "__call__":
            data = fact.args[0] if fact.args else fact.kwarg("x")
            ctx = _context(it)
            if ctx is not None and data is not None:
                ctx.outbound[id(fact.node)] = (recv.module, f"{recv.name}().{method}", (data,), ())
        return None
    if recv.kind != "instance":
        return None
    if method in _SELF_METHODS:
        return recv  # model.to(device), model.eval(): nn.Module returns itself
    if method in ("forward", "call"):
        return foreign_call(it, fact, recv)
    _record(it, fact, recv.module, f"{recv.name}.{method}")
    return _this_call(it, fact, recv.module, _returned(it, recv.module, f"{recv.name}.{method}"))


def _picked(results: list[Value]) -> Value:
    """One value for the same name in several candidate modules: references to the same name
    stay a picked reference; a value all of them agree on is kept; else unknown."""
    refs = [r for r in results if isinstance(r, Foreign)]
    if refs and len(refs) == len(results):
        first = refs[0]
        if all(r.name == first.name and r.kind == first.kind for r in refs):
            modules = tuple(dict.fromkeys(m for r in refs for m in r.modules()))
            return Foreign(modules[0], first.name, first.kind, modules if len(modules) > 1 else ())
        return None
    known = [r for r in results if r is not None]
    return known[0] if known and all(r == known[0] for r in known) else None


def _picked_attr(it: Interpreter, base: Foreign, attr: str) -> Value:
    results = [foreign_attr(it, Foreign(m, base.name, base.kind), attr) for m in base.modules()]
    return _picked([r for r in results if r is not None])


def _picked_call(it: Interpreter, fact: CallFact, ref: Foreign, method: str | None) -> Value:
    """A call on a picked reference is a call on each candidate: each one's outbound entry is
    kept (by call node and module), so every candidate receives the arguments."""
    ctx = _context(it)
    results: list[Value] = []
    for module in ref.modules():
        one = Foreign(module, ref.name, ref.kind)
        if method is None:
            results.append(foreign_call(it, fact, one))
        else:
            results.append(foreign_method(it, fact, one, method))
        if ctx is not None and id(fact.node) in ctx.outbound:
            ctx.outbound[(id(fact.node), module)] = ctx.outbound.pop(id(fact.node))
    return _picked(results)


def _returned(it: Interpreter, module: str, name: str) -> Value:
    ctx = _context(it)
    if ctx is None:
        return None
    return ctx.exports.get(module, {}).get(f"{name}()")


# ------------------------------------------------------------------------ summaries
def relevant(data: Portable, refs: bool = True) -> bool:
    """Does a portable value carry something another module can use: padding, a mask or
    lengths, or (with ``refs``) a reference to a function, class or model of the tree?"""
    if not isinstance(data, dict):
        return False
    kind = data.get("t")
    if kind == "tensor":
        return "padding" in data or data.get("role") in ("mask", "lengths")
    if kind == "foreign":
        return refs and data.get("kind") != "result"  # an unknown return carries nothing
    if kind == "tuple":
        return any(relevant(i, refs) for i in data.get("items", []))
    if kind == "list":
        return relevant(data.get("item"), refs)
    if kind == "record":
        return any(relevant(a, refs) for _, a in data.get("attrs", []))
    return False


def _local_refs(data: Portable, path: str) -> bool:
    """Every function, class or instance the value names is of module ``path``: exports do not
    pass on references to third modules (a chain of them would grow one module per round)."""
    if not isinstance(data, dict):
        return True
    kind = data.get("t")
    if kind == "foreign":
        return bool(data.get("module") == path)
    if kind == "tuple":
        return all(_local_refs(i, path) for i in data.get("items", []))
    if kind == "list":
        return _local_refs(data.get("item"), path)
    if kind == "record":
        return all(_local_refs(a, path) for _, a in data.get("attrs", []))
    return True


def _exported(data: Portable, path: str) -> bool:
    return relevant(data) and _local_refs(data, path)


def summarise(it: Interpreter, path: str) -> Portable:
    """This file's summary for the other modules: names, returns, outbound calls."""
    from pooling_lint.analysis.choices import pretrained_exports

    facts = it.facts
    kinds: dict[str, str] = {}
    exports: dict[str, Portable] = {}
    for name in it.classes:
        kinds[name] = "class"
    for key, unit in it.units.items():
        if key == "<module>" or ".<locals>." in key:
            continue
        if unit.class_name is None:
            kinds.setdefault(key, "function")
        ret = to_portable(_walked(it, it.returns.get(key)), facts, path)
        if _exported(ret, path):
            exports[f"{key}()"] = ret
        fn = unit.node
        given = param_return(facts, fn) if isinstance(fn, FUNCTIONS) and "." not in key else None
        if given is not None and unit.class_name is None:
            exports[f"{key}(*)"] = {"t": "param", "i": given[0], "list": given[1]}
    for key, made in pretrained_exports(it).items():
        exports.setdefault(key, to_portable(made, facts, path))  # `Cls.from_pretrained()`
    for cls, attrs in it.class_attrs.items():
        for attr, value in attrs.items():
            p = to_portable(value, facts, path)
            if _exported(p, path):
                exports[f"{cls}.{attr}"] = p
    for name, value in it.module_env.items():
        if name in kinds or isinstance(value, Foreign):
            continue
        p = to_portable(value, facts, path)
        if _exported(p, path):
            exports[name] = p
    outbound: list[Portable] = []
    ctx = facts.project
    if ctx is not None:
        for module, target, args, kwargs in ctx.outbound.values():
            pargs = [to_portable(_walked(it, a), facts, path) for a in args]
            pkwargs = [[k, to_portable(_walked(it, v), facts, path)] for k, v in kwargs]
            if any(relevant(a) for a in pargs) or any(relevant(v) for _, v in pkwargs):
                outbound.append([module, target, pargs, pkwargs])
    outbound.sort(key=repr)
    return {"kinds": kinds, "exports": exports, "outbound": outbound}


def _walked(it: Interpreter, v: Value) -> Value:
    """An instance of a class of this file that is its own iterator (``__iter__`` returns
    self, ``__next__`` gives each batch) crosses modules as what iterating it gives: the other
    module does not see its class (analysis/flows.py ``iterated``)."""
    from pooling_lint.analysis.flows import iterated

    if isinstance(v, Instance):
        walked = iterated(it, v)
        if isinstance(walked, ListOf):
            return walked
    return v
