"""The syntax analysis/texts.py reads: kinds of values (one text, a sequence, a dict, a
tuple) and the scopes of a module (every binding of each name, the parameters, what is
changed in place), without running anything."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

STR = "str"  # one Python str
FILE = "file"  # a file opened in text mode (iterating it gives str lines)
BOTTOM = "bottom"  # no value (an empty literal, a binding not reached yet)


@dataclass(frozen=True)
class Seq:
    """An iterable (list, tuple, set, generator) whose every element is ``item``."""

    item: Kind


@dataclass(frozen=True)
class Map:
    """A dict: its keys are ``key``, its values ``value``."""

    key: Kind
    value: Kind


@dataclass(frozen=True)
class Tup:
    """A tuple of known length (``(k, v)`` of ``dict.items()``, a tuple display)."""

    items: tuple[Kind, ...]


Kind = Union[str, Seq, Map, Tup, None]

MAX_DEPTH = 4
SCOPES = (
    ast.Module,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: methods that change a list, dict or set in place (what it holds is then unknown)
_MUTATORS = frozenset(
    {"append", "extend", "insert", "update", "setdefault", "add", "__setitem__", "__iadd__"}
)


def join(a: Kind, b: Kind) -> Kind:
    """What holds of a value that is ``a`` on one path and ``b`` on another."""
    if a == BOTTOM:
        return b
    if b == BOTTOM:
        return a
    if a is None or b is None:
        return None
    if a == b:
        return a
    if isinstance(a, Seq) and isinstance(b, Seq):
        return Seq(join(a.item, b.item))
    if isinstance(a, Map) and isinstance(b, Map):
        return Map(join(a.key, b.key), join(a.value, b.value))
    if isinstance(a, Tup) and isinstance(b, Tup) and len(a.items) == len(b.items):
        return Tup(tuple(join(x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, (Seq, Tup)) and isinstance(b, (Seq, Tup)):
        return Seq(join(elements(a), elements(b)))
    return None


def elements(k: Kind) -> Kind:
    """What iterating a value of kind ``k`` gives."""
    if k == BOTTOM:
        return BOTTOM
    if k == STR or k == FILE:
        return STR  # the characters of a text, the lines of a text file
    if isinstance(k, Seq):
        return k.item
    if isinstance(k, Map):
        return k.key
    if isinstance(k, Tup):
        out: Kind = BOTTOM
        for item in k.items:
            out = join(out, item)
        return out
    return None


def depth(k: Kind) -> int:
    if isinstance(k, Seq):
        return 1 + depth(k.item)
    if isinstance(k, Map):
        return 1 + max(depth(k.key), depth(k.value))
    if isinstance(k, Tup):
        return 1 + max((depth(i) for i in k.items), default=0)
    return 0


# ------------------------------------------------------------------ portable kinds
def to_json(k: Kind) -> Any:
    if isinstance(k, Seq):
        return {"seq": to_json(k.item)}
    if isinstance(k, Map):
        return {"map": [to_json(k.key), to_json(k.value)]}
    if isinstance(k, Tup):
        return {"tup": [to_json(i) for i in k.items]}
    return k if k in (STR, FILE) else None


def from_json(data: Any) -> Kind:
    if data in (STR, FILE):
        return str(data)
    if isinstance(data, dict):
        if "seq" in data:
            return Seq(from_json(data["seq"]))
        if "map" in data and isinstance(data["map"], list) and len(data["map"]) == 2:
            return Map(from_json(data["map"][0]), from_json(data["map"][1]))
        if "tup" in data and isinstance(data["tup"], list):
            return Tup(tuple(from_json(i) for i in data["tup"]))
    return None


# ------------------------------------------------------------------ scopes
@dataclass(frozen=True)
class Bind:
    """One binding of a name: ``mode`` is how (``assign``, ``for``, ``with``, ``aug``,
    ``def``, ``other``); ``expr`` the value (the iterable for ``for``); ``path`` the tuple
    positions of the name inside the target; ``outer``: ``expr`` is evaluated in the
    enclosing scope (a comprehension's first iterable)."""

    mode: str
    expr: ast.AST | None = None
    path: tuple[int, ...] = ()
    outer: bool = False


@dataclass
class Scope:
    node: ast.AST
    parent: Scope | None
    binds: dict[str, list[Bind]] = field(default_factory=dict)
    params: dict[str, tuple[ast.arg, str]] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)
    mutated: set[str] = field(default_factory=set)
    returns: list[ast.Return] = field(default_factory=list)
    generator: bool = False


class Index:
    """What one module's syntax says: parents, scopes, calls and loads of each name."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.parent: dict[ast.AST, ast.AST] = {}
        self.loads: dict[str, list[ast.Name]] = {}
        #: names some scope declares global/nonlocal (bound from elsewhere: unknown), and
        #: names changed in place in some scope (a container whose elements are unknown)
        self.declared: set[str] = set()
        self.mutated: set[str] = set()
        parent = self.parent
        stack: list[ast.AST] = [tree]
        while stack:  # one walk (ast.walk would list the children a second time)
            node = stack.pop()
            for child in ast.iter_child_nodes(node):
                parent[child] = node
                stack.append(child)
            kind = type(node)
            if isinstance(node, ast.Name) and type(node.ctx) is ast.Load:
                self.loads.setdefault(node.id, []).append(node)
            elif kind is ast.Global or kind is ast.Nonlocal:
                self.declared.update(node.names)  # type: ignore[attr-defined]
            elif kind is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is ast.Attribute and func.attr in _MUTATORS:
                    self.mutated |= _base_names(func.value)
            elif kind is ast.Subscript and type(node.ctx) is ast.Store:  # type: ignore[attr-defined]
                self.mutated |= _base_names(node)
            elif kind is ast.AugAssign and type(node.target) is not ast.Name:  # type: ignore[attr-defined]
                self.mutated |= _base_names(node.target)  # type: ignore[attr-defined]
        self.scopes: dict[ast.AST, Scope | None] = {}
        self.module = self.scope(tree)

    def scope(self, node: ast.AST) -> Scope | None:
        """The scope that ``node`` (a scope node) opens."""
        if node in self.scopes:
            return self.scopes[node]
        self.scopes[node] = None  # while it is built
        parent = None
        if type(node) is not ast.Module:
            outer = self.enclosing(node, skip_classes=True)
            parent = self.scope(outer) if outer is not None else None
            if parent is None:
                return None
        scope = Scope(node, parent)
        _collect(scope)
        self.scopes[node] = scope
        return scope

    def enclosing(self, node: ast.AST, skip_classes: bool = False) -> ast.AST | None:
        """The scope node whose code evaluates ``node`` (None: a class body)."""
        child = node
        current = self.parent.get(node)
        while current is not None:
            kind = type(current)
            if kind is ast.ClassDef:
                if not skip_classes and child in current.body:  # type: ignore[attr-defined]
                    return None
            elif kind is ast.Module:
                return current
            elif kind in DEFS:
                if child in current.body:  # type: ignore[attr-defined]
                    return current
            elif kind is ast.Lambda:
                if child is current.body:  # type: ignore[attr-defined]
                    return current
            elif kind is ast.comprehension:
                comp = self.parent[current]
                first = comp.generators[0] is current  # type: ignore[attr-defined]
                if not (child is current.iter and first):  # type: ignore[attr-defined]
                    return comp  # its targets, its conditions, a later iterable
                child, current = comp, self.parent.get(comp)
                continue
            elif kind in COMPREHENSIONS:
                return current  # its element
            child, current = current, self.parent.get(current)
        return None

    def scope_of(self, node: ast.AST) -> Scope | None:
        outer = self.enclosing(node)
        return self.scope(outer) if outer is not None else None


_INDEXES: weakref.WeakKeyDictionary[ast.Module, Index] = weakref.WeakKeyDictionary()


def index_of(tree: ast.Module) -> Index:
    found = _INDEXES.get(tree)
    if found is None:
        found = _INDEXES[tree] = Index(tree)
    return found


def _scope_nodes(scope: Scope) -> Iterator[ast.AST]:
    """Every node evaluated in ``scope`` (nested scopes: only their parts evaluated here)."""
    node = scope.node
    roots: list[ast.AST]
    if isinstance(node, ast.Module):
        roots = list(node.body)
    elif isinstance(node, DEFS):
        roots = list(node.body)
    elif isinstance(node, ast.Lambda):
        roots = [node.body]
    elif isinstance(node, ast.DictComp):
        roots = [node.key, node.value]
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        roots = [node.elt]
    else:
        roots = []
    if isinstance(node, COMPREHENSIONS):
        for i, gen in enumerate(node.generators):
            roots.extend([gen.target, *gen.ifs])
            if i:
                roots.append(gen.iter)
    stack = roots[::-1]
    while stack:
        n = stack.pop()
        yield n
        kind = type(n)
        if kind in DEFS or kind is ast.ClassDef or kind is ast.Lambda:
            outer: list[ast.AST] = list(getattr(n, "decorator_list", ()))
            args = getattr(n, "args", None)
            if isinstance(args, ast.arguments):
                outer += [d for d in (*args.defaults, *args.kw_defaults) if d is not None]
            if kind is ast.ClassDef:
                outer += [*n.bases, *(k.value for k in n.keywords)]  # type: ignore[attr-defined]
            stack.extend(outer[::-1])
            continue
        if kind in COMPREHENSIONS:
            stack.append(n.generators[0].iter)  # type: ignore[attr-defined]
            continue
        stack.extend(list(ast.iter_child_nodes(n))[::-1])


def _collect(scope: Scope) -> None:
    node = scope.node
    if isinstance(node, (*DEFS, ast.Lambda)):
        args = node.args
        for a in (*args.posonlyargs, *args.args):
            scope.params[a.arg] = (a, "positional")
        for a in args.kwonlyargs:
            scope.params[a.arg] = (a, "keyword")
        for star in (args.vararg, args.kwarg):
            if star is not None:
                scope.params[star.arg] = (star, "star")
    if isinstance(node, COMPREHENSIONS):
        for i, gen in enumerate(node.generators):
            _bind_target(scope, gen.target, gen.iter, "for", (), outer=i == 0)

    def add(name: str, bind: Bind) -> None:
        scope.binds.setdefault(name, []).append(bind)

    for n in _scope_nodes(scope):
        kind = type(n)
        if kind is ast.Assign:
            for t in n.targets:  # type: ignore[attr-defined]
                _bind_target(scope, t, n.value, "assign", ())  # type: ignore[attr-defined]
        elif kind is ast.AnnAssign:
            if n.value is not None:  # type: ignore[attr-defined]
                _bind_target(scope, n.target, n.value, "assign", ())  # type: ignore[attr-defined]
        elif kind is ast.AugAssign:
            target = n.target  # type: ignore[attr-defined]
            if type(target) is ast.Name:
                add(target.id, Bind("aug", n))
            else:
                _mutate(scope, target)
        elif kind is ast.For or kind is ast.AsyncFor:
            _bind_target(scope, n.target, n.iter, "for", ())  # type: ignore[attr-defined]
        elif kind is ast.With or kind is ast.AsyncWith:
            for item in n.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    _bind_target(scope, item.optional_vars, item.context_expr, "with", ())
        elif kind in COMPREHENSIONS:
            for sub in ast.walk(n):  # a walrus in a comprehension binds this scope
                if type(sub) is ast.NamedExpr and type(sub.target) is ast.Name:
                    add(sub.target.id, Bind("other"))
        elif kind is ast.NamedExpr:
            _bind_target(scope, n.target, n.value, "assign", ())  # type: ignore[attr-defined]
        elif kind is ast.Import or kind is ast.ImportFrom:
            for alias in n.names:  # type: ignore[attr-defined]
                add((alias.asname or alias.name).split(".")[0], Bind("other"))
        elif kind in DEFS:
            add(n.name, Bind("def", n))  # type: ignore[attr-defined]
        elif kind is ast.ClassDef:
            add(n.name, Bind("other"))  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler:
            if n.name:  # type: ignore[attr-defined]
                add(n.name, Bind("other"))  # type: ignore[attr-defined]
        elif kind is ast.Global or kind is ast.Nonlocal:
            scope.declared.update(n.names)  # type: ignore[attr-defined]
        elif kind in (ast.MatchAs, ast.MatchStar):
            if n.name:  # type: ignore[attr-defined]
                add(n.name, Bind("other"))  # type: ignore[attr-defined]
        elif kind is ast.MatchMapping:
            if n.rest:  # type: ignore[attr-defined]
                add(n.rest, Bind("other"))  # type: ignore[attr-defined]
        elif kind is ast.Call:
            func = n.func  # type: ignore[attr-defined]
            if type(func) is ast.Attribute and func.attr in _MUTATORS:
                _mutate(scope, func.value)
        elif kind is ast.Subscript and type(n.ctx) is ast.Store:  # type: ignore[attr-defined]
            _mutate(scope, n)
        elif kind is ast.Return:
            scope.returns.append(n)  # type: ignore[arg-type]
        elif kind is ast.Yield or kind is ast.YieldFrom or kind is ast.Await:
            scope.generator = True


def _base_names(target: ast.AST) -> set[str]:
    while type(target) in (ast.Subscript, ast.Attribute):
        target = target.value  # type: ignore[attr-defined]
    return {target.id} if isinstance(target, ast.Name) else set()


def _mutate(scope: Scope, target: ast.AST) -> None:
    while type(target) in (ast.Subscript, ast.Attribute):
        target = target.value  # type: ignore[attr-defined]
    if type(target) is ast.Name:
        scope.mutated.add(target.id)


def _bind_target(
    scope: Scope,
    target: ast.AST,
    expr: ast.AST,
    mode: str,
    path: tuple[int, ...],
    outer: bool = False,
) -> None:
    kind = type(target)
    if kind is ast.Name:
        scope.binds.setdefault(target.id, []).append(  # type: ignore[attr-defined]
            Bind(mode, expr, path, outer)
        )
    elif kind is ast.Tuple or kind is ast.List:
        for i, el in enumerate(target.elts):  # type: ignore[attr-defined]
            _bind_target(scope, el, expr, mode, (*path, i), outer)
    elif kind is ast.Starred:
        inner = target.value  # type: ignore[attr-defined]
        if type(inner) is ast.Name:
            scope.binds.setdefault(inner.id, []).append(Bind("other"))
    else:
        _mutate(scope, target)
