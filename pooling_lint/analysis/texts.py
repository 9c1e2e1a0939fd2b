"""One text or many: what a tokenizer's first argument is, by data flow over the syntax.

A Hugging Face tokenizer given one ``str`` returns a batch of one: ``padding=True`` (or
``"longest"``) pads it to its own length, so nothing is padded and a mean over
``last_hidden_state`` is exact. A list, a slice of one, a column, a batch from a loader is
a batch of many, padded to the longest. Whether the argument is one text is decided here
from where the value comes from, never from its name:

* a ``str`` literal, an f-string, ``str(...)``, ``repr(...)``, ``input(...)``, ``"a" + "b"``,
  ``"%s" % x``, a ``str`` method of a text (``.strip()``, ``.lower()``, ``" ".join(...)``),
  an item or a slice of a text, ``f.read()`` of a file opened in text mode;
* an element of a sequence of texts: a literal list of them, a comprehension that makes
  them, ``text.split(". ")``, ``f.readlines()``, the values of a dict whose values are
  such lists (``for k, v in d.items()``);
* a parameter declared ``str`` (``List[str]`` is a sequence of texts); an undeclared one
  of a module-level function that is never passed around as a value, that no decorator
  wraps, and whose every call site (in this file and, in project mode, in the other
  modules: :func:`project_sites`) passes one text;
* what a module-level function of the file returns on every ``return``.

A name holds the join of all its bindings in its scope (flow-insensitive, so sound for
loops and branches); a list that is mutated (``append``, ``x[i] = v``) is unknown. Anything
else is unknown, and an unknown argument keeps the tokenizer's padding (analysis/hf.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Union

from pooling_lint.analysis.text_scopes import (
    BOTTOM,
    COMPREHENSIONS,
    DEFS,
    FILE,
    MAX_DEPTH,
    STR,
    Bind,
    Kind,
    Map,
    Scope,
    Seq,
    Tup,
    depth,
    elements,
    from_json,
    index_of,
    join,
    to_json,
)

#: str methods that return a str
_STR_METHODS = frozenset(
    {
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "replace",
        "format",
        "format_map",
        "join",
        "removeprefix",
        "removesuffix",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "expandtabs",
        "translate",
    }
)
_STR_SPLITS = frozenset({"split", "rsplit", "splitlines"})
_SEQ_ANNOTATIONS = frozenset(
    {"List", "list", "Sequence", "Iterable", "Collection", "Set", "set", "FrozenSet", "frozenset"}
)
_KEEP = frozenset({"list", "tuple", "sorted", "set", "frozenset", "reversed", "iter"})


# ------------------------------------------------------------------ the resolver
#: function name -> None (no other module names it), "escaped" (passed around, star
#: imported), or the call sites there: [(positional kinds, [(keyword, kind)])]
ForeignSites = Union[None, str, list[tuple[tuple[Kind, ...], tuple[tuple[str, Kind], ...]]]]


class Resolver:
    """Kinds of expressions of one module. ``foreign(name)`` says how the other modules of
    the tree use the module-level function ``name`` (:data:`ForeignSites`)."""

    def __init__(self, tree: ast.Module, foreign: Any = None) -> None:
        self.index = index_of(tree)
        self.foreign = foreign
        self._approx: dict[tuple[int, str], Kind] = {}
        self._done: dict[tuple[int, str], Kind] = {}
        self._stack: set[tuple[int, str]] = set()
        self._cyclic = False

    def kind_at(self, expr: ast.AST) -> Kind:
        """The kind of ``expr`` where it is written (None: unknown)."""
        scope = self.index.scope_of(expr)
        if scope is None:
            return None
        for _ in range(MAX_DEPTH):
            self._cyclic = False
            self._done = {}
            k = self.kind(expr, scope)
            if not self._cyclic:
                return k
            # a name that reaches itself (`text = text.strip()`): again, from what the
            # last pass found, until nothing changes
            if all(self._approx.get(key) == v for key, v in self._done.items()):
                return k
            self._approx = dict(self._done)
        return None

    # ------------------------------------------------------------- names
    def name(self, scope: Scope, name: str) -> Kind:
        s: Scope | None = scope
        while s is not None and name not in s.binds and name not in s.params:
            if name in s.declared:
                return None
            s = s.parent
        if s is None or name in s.declared or name in self.index.declared:
            return None
        found: Scope = s

        def resolve() -> Kind:
            value = self._resolve(found, name)
            return None if value is not None and depth(value) > MAX_DEPTH else value

        return self._once((id(s.node), name), resolve)

    def _once(self, key: tuple[int, str], compute: Callable[[], Kind]) -> Kind:
        """``compute()`` once per key and pass; a key met again while it is computed (a
        name that reaches itself) gives the last pass's value and asks for another pass."""
        if key in self._done:
            return self._done[key]
        if key in self._stack:
            self._cyclic = True
            return self._approx.get(key, BOTTOM)
        self._stack.add(key)
        try:
            value = compute()
        finally:
            self._stack.discard(key)
        self._done[key] = value
        return value

    def _resolve(self, scope: Scope, name: str) -> Kind:
        out: Kind = BOTTOM
        if name in scope.params:
            out = self.param(scope, name)
        for bind in scope.binds.get(name, ()):
            if out is None:
                return None
            out = join(out, self._bound(scope, bind))
        if name in self.index.mutated and not (out == STR or out == BOTTOM):
            return None  # a container changed in place: what it holds is unknown
        return out

    def _bound(self, scope: Scope, bind: Bind) -> Kind:
        where = scope.parent if bind.outer and scope.parent is not None else scope
        expr = bind.expr
        if bind.mode == "aug":
            assert isinstance(expr, ast.AugAssign)
            value = self.kind(expr.value, where)
            if type(expr.op) is ast.Add and (value == STR or isinstance(value, (Seq, Tup))):
                return value if value == STR else Seq(elements(value))
            return BOTTOM if value == BOTTOM else None
        if expr is None or bind.mode not in ("assign", "for", "with"):
            return None  # an import, a def, a class, an exception, a match capture
        k = self.kind(expr, where)
        if bind.mode == "for":
            k = elements(k)
        elif bind.mode == "with":
            k = k if k == FILE or k == BOTTOM else None  # a file's __enter__ returns itself
        for i in bind.path:
            k = _unpack(k, i)
        return k

    # ------------------------------------------------------------- parameters
    def param(self, scope: Scope, name: str) -> Kind:
        arg, how = scope.params[name]
        if arg.annotation is not None:
            return annotation_kind(arg.annotation)
        fn = scope.node
        if how == "star" or not isinstance(fn, DEFS) or fn.decorator_list:
            return None
        module = self.index.module
        if module is None or scope.parent is not module or fn not in self.index.tree.body:
            return None  # a method, a nested or guarded function: callers not all shown
        binds = module.binds.get(fn.name, [])
        if len(binds) != 1 or binds[0].expr is not fn or fn.name in module.declared:
            return None  # a method, or a name bound again
        sites: list[tuple[ast.Call, Scope]] = []
        for load in self.index.loads.get(fn.name, ()):
            call = self.index.parent.get(load)
            if not (type(call) is ast.Call and call.func is load):
                return None  # passed around as a value: called where the file does not show
            where = self.index.scope_of(call)
            if where is None:
                return None
            sites.append((call, where))
        foreign = self.foreign(fn.name) if self.foreign is not None else None
        if foreign == "escaped":
            return None
        out: Kind = BOTTOM
        for call, where in sites:
            out = join(out, self._site_arg(fn, name, call, where))
            if out is None:
                return None
        for positional, keywords in foreign or ():
            out = join(out, _foreign_arg(fn, name, positional, dict(keywords), self, module))
            if out is None:
                return None
        return None if out == BOTTOM and not sites and not foreign else out

    def _site_arg(self, fn: ast.AST, name: str, call: ast.Call, where: Scope) -> Kind:
        assert isinstance(fn, DEFS)
        expr, missing = _argument(fn, name, call)
        if expr is not None:
            return self.kind(expr, where)
        if missing:
            return self._default(fn, name)
        return None

    def _default(self, fn: ast.AST, name: str) -> Kind:
        assert isinstance(fn, DEFS)
        default = _default_of(fn, name)
        module = self.index.module
        if default is None or module is None:
            return None
        return self.kind(default, module)

    # ------------------------------------------------------------- expressions
    def kind(self, node: ast.AST | None, scope: Scope, depth: int = 0) -> Kind:
        if node is None or depth > 12:
            return None
        kind = type(node)
        if kind is ast.Constant:
            return STR if type(node.value) is str else None  # type: ignore[attr-defined]
        if kind is ast.JoinedStr:
            return STR
        if kind is ast.Name:
            return self.name(scope, node.id)  # type: ignore[attr-defined]
        if kind is ast.BinOp:
            return self._binop(node, scope, depth)  # type: ignore[arg-type]
        if kind is ast.Call:
            return self._call(node, scope, depth)  # type: ignore[arg-type]
        if kind is ast.Subscript:
            return self._subscript(node, scope, depth)  # type: ignore[arg-type]
        if kind is ast.IfExp:
            return join(
                self.kind(node.body, scope, depth + 1),  # type: ignore[attr-defined]
                self.kind(node.orelse, scope, depth + 1),  # type: ignore[attr-defined]
            )
        if kind is ast.Tuple or kind is ast.List or kind is ast.Set:
            items: list[Kind] = []
            for e in node.elts:  # type: ignore[attr-defined]
                if type(e) is ast.Starred:
                    items.append(elements(self.kind(e.value, scope, depth + 1)))
                    kind = ast.List  # a length the display does not show
                else:
                    items.append(self.kind(e, scope, depth + 1))
            if kind is ast.Tuple:
                return Tup(tuple(items))
            out: Kind = BOTTOM
            for item in items:
                out = join(out, item)
            return Seq(out)
        if kind in COMPREHENSIONS:
            inner = self.index.scope(node)
            if inner is None:
                return None
            if kind is ast.DictComp:
                return Map(
                    self.kind(node.key, inner, depth + 1),  # type: ignore[attr-defined]
                    self.kind(node.value, inner, depth + 1),  # type: ignore[attr-defined]
                )
            return Seq(self.kind(node.elt, inner, depth + 1))  # type: ignore[attr-defined]
        if kind is ast.Dict:
            keys: Kind = BOTTOM
            values: Kind = BOTTOM
            for k, v in zip(node.keys, node.values):  # type: ignore[attr-defined]
                if k is None:
                    return None  # `**other`
                keys = join(keys, self.kind(k, scope, depth + 1))
                values = join(values, self.kind(v, scope, depth + 1))
            return Map(keys, values)
        return None

    def _binop(self, node: ast.BinOp, scope: Scope, depth: int) -> Kind:
        left = self.kind(node.left, scope, depth + 1)
        op = type(node.op)
        if op is ast.Mod:
            return STR if left == STR else None  # "%s" % x
        right = self.kind(node.right, scope, depth + 1)
        if BOTTOM in (left, right):
            return BOTTOM if None not in (left, right) else None
        if op is ast.Add:
            if left == STR and right == STR:
                return STR
            if isinstance(left, Seq) and isinstance(right, Seq):
                return join(left, right)
        if op is ast.Mult and STR in (left, right):
            return STR  # "-" * n
        return None

    def _subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Kind:
        base = self.kind(node.value, scope, depth + 1)
        if base == BOTTOM:
            return BOTTOM
        if type(node.slice) is ast.Slice:
            if base == STR:
                return STR
            if isinstance(base, Seq):
                return base
            if isinstance(base, Tup):
                return Seq(elements(base))
            return None
        if base == STR:
            return STR
        if isinstance(base, Seq):
            return base.item
        if isinstance(base, Map):
            return base.value
        if isinstance(base, Tup):
            index = node.slice
            if type(index) is ast.Constant and type(index.value) is int:
                k = index.value
                return base.items[k] if -len(base.items) <= k < len(base.items) else None
            return elements(base)
        return None

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Kind:
        func = node.func
        if type(func) is ast.Attribute:
            return self._method(node, func, scope, depth)
        if type(func) is not ast.Name:
            return None
        name = func.id
        if _bound(scope, name):
            return self._function_return(scope, name)
        args = node.args
        if any(type(a) is ast.Starred for a in args):
            return None
        if name in ("str", "repr", "input"):
            return STR
        if name == "open":
            mode: ast.AST | None = args[1] if len(args) > 1 else None
            for k in node.keywords:
                if k.arg == "mode":
                    mode = k.value
            if mode is None or (
                type(mode) is ast.Constant and type(mode.value) is str and "b" not in mode.value
            ):
                return FILE
            return None
        if name in _KEEP:
            if not args:
                return Seq(BOTTOM)
            return Seq(elements(self.kind(args[0], scope, depth + 1)))
        if name == "enumerate" and args:
            return Seq(Tup((None, elements(self.kind(args[0], scope, depth + 1)))))
        if name == "zip" and args and not node.keywords:
            return Seq(Tup(tuple(elements(self.kind(a, scope, depth + 1)) for a in args)))
        if name == "filter" and len(args) == 2:
            return Seq(elements(self.kind(args[1], scope, depth + 1)))
        return None

    def _method(self, node: ast.Call, func: ast.Attribute, scope: Scope, depth: int) -> Kind:
        recv = self.kind(func.value, scope, depth + 1)
        m = func.attr
        if recv == BOTTOM:
            return BOTTOM
        if recv == STR:
            if m in _STR_METHODS:
                return STR
            if m in _STR_SPLITS:
                return Seq(STR)
            if m in ("partition", "rpartition"):
                return Tup((STR, STR, STR))
            return None
        if recv == FILE:
            if m in ("read", "readline"):
                return STR
            if m == "readlines":
                return Seq(STR)
            return None
        if isinstance(recv, Map):
            if m == "items":
                return Seq(Tup((recv.key, recv.value)))
            if m == "keys":
                return Seq(recv.key)
            if m == "values":
                return Seq(recv.value)
            if m == "copy":
                return recv
            if m == "get":
                if len(node.args) > 1:
                    return join(recv.value, self.kind(node.args[1], scope, depth + 1))
                return recv.value
            return None
        if isinstance(recv, Seq):
            if m == "copy":
                return recv
            if m == "pop":
                return recv.item
        return None

    def _function_return(self, scope: Scope, name: str) -> Kind:
        """``f(...)`` of a module-level function of the file: what it returns every time."""
        module = self.index.module
        if module is None:
            return None
        s: Scope | None = scope
        while s is not None and name not in s.binds and name not in s.params:
            s = s.parent
        binds = module.binds.get(name, ())
        if s is not module or len(binds) != 1 or binds[0].mode != "def":
            return None
        fn = binds[0].expr
        inner = self.index.scope(fn) if fn is not None else None
        if inner is None or inner.generator or not inner.returns:
            return None
        body: Scope = inner

        def returns() -> Kind:
            out: Kind = BOTTOM
            for ret in body.returns:
                out = join(out, self.kind(ret.value, body) if ret.value is not None else None)
                if out is None:
                    break
            return out

        return self._once((id(fn), "<return>"), returns)


def _bound(scope: Scope, name: str) -> bool:
    s: Scope | None = scope
    while s is not None:
        if name in s.binds or name in s.params or name in s.declared:
            return True
        s = s.parent
    return False


def _unpack(k: Kind, i: int) -> Kind:
    if k == BOTTOM:
        return BOTTOM
    if isinstance(k, Tup):
        return k.items[i] if i < len(k.items) else None
    if isinstance(k, Seq):
        return k.item
    if k == STR:
        return STR
    return None


def _argument(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str, call: ast.Call
) -> tuple[ast.expr | None, bool]:
    """The expression ``call`` passes to parameter ``name`` of ``fn``, and whether it passes
    none (the default then applies); (None, False): unsure (``*args``, ``**kw``)."""
    args = fn.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if name in positional:
        i = positional.index(name)
        for j, a in enumerate(call.args):
            if type(a) is ast.Starred:
                return None, False
            if j == i:
                return a, False
    for k in call.keywords:
        if k.arg == name:
            return k.value, False
    if any(k.arg is None for k in call.keywords):
        return None, False
    return None, True


def _default_of(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
    args = fn.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if name in positional:
        i = positional.index(name) - (len(positional) - len(args.defaults))
        return args.defaults[i] if i >= 0 else None
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if a.arg == name:
            return d
    return None


def _foreign_arg(
    fn: ast.AST,
    name: str,
    positional: tuple[Kind, ...],
    keywords: dict[str, Kind],
    resolver: Resolver,
    module: Scope,
) -> Kind:
    assert isinstance(fn, DEFS)
    args = fn.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if name in names and names.index(name) < len(positional):
        return positional[names.index(name)]
    if name in keywords:
        return keywords[name]
    default = _default_of(fn, name)
    return resolver.kind(default, module) if default is not None else None


def annotation_kind(node: ast.AST) -> Kind:
    """The kind a declared type says: ``str`` (``Optional[str]``, ``str | None``), or a
    sequence of them (``List[str]``, ``list[str]``, ``Sequence[str]``, ``tuple[str, ...]``)."""
    kind = type(node)
    if kind is ast.Name:
        return STR if node.id == "str" else None  # type: ignore[attr-defined]
    if kind is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        sides = [node.left, node.right]  # type: ignore[attr-defined]
        real = [s for s in sides if not (type(s) is ast.Constant and s.value is None)]
        return annotation_kind(real[0]) if len(real) == 1 else None
    if kind is ast.Subscript:
        head = node.value  # type: ignore[attr-defined]
        head_name = head.attr if type(head) is ast.Attribute else getattr(head, "id", None)
        inner = node.slice  # type: ignore[attr-defined]
        if head_name == "Optional":
            return annotation_kind(inner)
        if head_name in _SEQ_ANNOTATIONS:
            item = annotation_kind(inner)
            return Seq(item) if item is not None else None
        if head_name in ("Tuple", "tuple") and type(inner) is ast.Tuple:
            elts = inner.elts
            if len(elts) == 2 and type(elts[1]) is ast.Constant and elts[1].value is Ellipsis:
                item = annotation_kind(elts[0])
                return Seq(item) if item is not None else None
    return None


# ------------------------------------------------------------------ the tokenizer's question
def first_text(call: ast.Call) -> ast.expr | None:
    """The text a tokenizer call passes: its first positional argument (none after a
    ``*args``), else its ``text=``."""
    if call.args:
        first = call.args[0]
        return None if type(first) is ast.Starred else first
    for k in call.keywords:
        if k.arg == "text":
            return k.value
    return None


def single_text(tree: ast.Module, arg: ast.expr | None, foreign: Any = None) -> bool:
    """Is ``arg`` (a tokenizer's text) one text everywhere it runs, a batch of one: a
    ``str``, or a one-element list display of a ``str``?"""
    if arg is None:
        return False
    resolver = Resolver(tree, foreign)
    if type(arg) is ast.List and len(arg.elts) == 1 and type(arg.elts[0]) is not ast.Starred:
        arg = arg.elts[0]
    try:
        return resolver.kind_at(arg) == STR
    except RecursionError:
        return False


# ------------------------------------------------------------------ project mode
def sites_of(project: Any) -> Any:
    """How the other modules of the tree use this module's functions, from the ``texts``
    the project pass puts in the file's context (:func:`project_sites`); None outside
    project mode (or when no other module names them)."""
    data = getattr(project, "texts", None)
    if not data:
        return None
    if data.get("*"):

        def everything(name: str) -> ForeignSites:
            return "escaped"

        return everything
    names = data.get("names", {})

    def of(name: str) -> ForeignSites:
        raw = names.get(name)
        if raw is None:
            return None
        if raw == "escaped":
            return "escaped"
        out: list[tuple[tuple[Kind, ...], tuple[tuple[str, Kind], ...]]] = []
        for positional, keywords in raw:
            out.append(
                (
                    tuple(from_json(k) for k in positional),
                    tuple((str(n), from_json(k)) for n, k in keywords),
                )
            )
        return out

    return of


def calls_in(
    tree: ast.Module,
    local: str,
    name: str,
    module: bool,
    names: dict[str, Any],
    foreign: Any,
) -> None:
    """Record in ``names`` (function -> call sites, or ``"escaped"``) how module ``tree``
    calls the functions of another module that it imports as ``local``: that function
    (``name``), or the module itself (``module``: its attributes are the functions).
    ``foreign`` says which functions of ``tree`` a third module names (their parameters are
    unknown here). ``names["*"] = "escaped"``: the module itself is passed around."""
    index = index_of(tree)
    resolver = Resolver(tree, foreign)
    for load in index.loads.get(local, ()):
        node: ast.AST = load
        target = name
        if module:
            attr = index.parent.get(load)
            if not (type(attr) is ast.Attribute and attr.value is load):
                names["*"] = "escaped"
                return
            node, target = attr, attr.attr
        if names.get(target) == "escaped":
            continue
        call = index.parent.get(node)
        if (
            not (type(call) is ast.Call and call.func is node)
            or any(type(a) is ast.Starred for a in call.args)
            or any(k.arg is None for k in call.keywords)
        ):
            names[target] = "escaped"  # passed around, or arguments it does not show
            continue
        try:
            positional = [to_json(resolver.kind_at(a)) for a in call.args]
            keywords = [[k.arg, to_json(resolver.kind_at(k.value))] for k in call.keywords]
        except RecursionError:
            names[target] = "escaped"
            continue
        names.setdefault(target, []).append([positional, keywords])
