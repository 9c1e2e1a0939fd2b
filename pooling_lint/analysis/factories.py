"""Classmethods that build an instance of the class they are called on.

``BertModel.from_pretrained(path)`` of a class that a project defines itself (a vendored copy
of an old ``pytorch_pretrained_bert``, say) runs the base class's classmethod, which makes
``model = cls(config)``, loads weights into it and returns it. What it returns is an instance
of ``BertModel`` (``cls``), so ``self.bert(ids)`` later runs ``BertModel.forward``.

Shown by data flow only: every ``return`` of the method gives ``cls(...)``, a name whose only
assignments in the method are ``cls(...)``, or a function of the same file that returns that
argument (analysis/param_returns.py); ``return None`` (a failure path) does not count against
it. The method name says nothing.
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING

from pooling_lint.analysis.names import dotted
from pooling_lint.analysis.param_returns import param_return
from pooling_lint.analysis.walk import FUNCTIONS

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import FileFacts
    from pooling_lint.analysis.interpreter import Interpreter
    from pooling_lint.analysis.scopes import FunctionNode


def factory_methods(
    facts: FileFacts, classes: dict[str, ast.ClassDef], functions: dict[str, FunctionNode]
) -> dict[str, frozenset[str]]:
    """Class name -> the classmethods (its own or inherited from classes of the file) that
    return an instance of the class they are called on. The first class on the way up that
    defines a method decides it (a subclass's own method of that name hides the base's)."""
    own = {name: _own_factories(facts, cls, functions) for name, cls in classes.items()}
    out: dict[str, frozenset[str]] = {}
    for name in classes:
        decided: set[str] = set()
        found: set[str] = set()
        seen: set[str] = set()
        todo = [name]
        while todo:
            cur = todo.pop(0)
            if cur in seen or cur not in classes:
                continue
            seen.add(cur)
            defined = {s.name for s in classes[cur].body if isinstance(s, FUNCTIONS)}
            found |= (own[cur] & defined) - decided
            decided |= defined
            todo.extend(local for b in classes[cur].bases if (local := dotted(b)) is not None)
        if found:
            out[name] = frozenset(found)
    return out


def _own_factories(
    facts: FileFacts, cls: ast.ClassDef, functions: dict[str, FunctionNode]
) -> frozenset[str]:
    names: set[str] = set()
    for stmt in cls.body:
        if not isinstance(stmt, FUNCTIONS) or not stmt.args.args:
            continue
        if not any(isinstance(d, ast.Name) and d.id == "classmethod" for d in stmt.decorator_list):
            continue
        if _returns_instance(facts, stmt, stmt.args.args[0].arg, functions):
            names.add(stmt.name)
    return frozenset(names)


def _returns_instance(
    facts: FileFacts, fn: FunctionNode, cls: str, functions: dict[str, FunctionNode]
) -> bool:
    made: set[str] = set()
    other: set[str] = set()
    returns: list[ast.expr] = []
    todo: list[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
            continue  # a nested definition's returns are its own
        if isinstance(node, ast.Return):
            if node.value is not None and not _is_none(node.value):
                returns.append(node.value)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    (made if _made(node.value, cls) else other).add(target.id)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(
            node.target, ast.Name
        ):
            other.add(node.target.id)
        todo.extend(ast.iter_child_nodes(node))
    instances = made - other
    return bool(returns) and all(
        _gives(facts, r, cls, instances, functions) for r in returns
    )


def _made(expr: ast.expr, cls: str) -> bool:
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == cls


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _gives(
    facts: FileFacts,
    expr: ast.expr,
    cls: str,
    instances: set[str],
    functions: dict[str, FunctionNode],
) -> bool:
    if _made(expr, cls) or (isinstance(expr, ast.Name) and expr.id in instances):
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        helper = functions.get(expr.func.id)
        given = param_return(facts, helper) if helper is not None else None
        if given is not None and not given[1] and given[0] < len(expr.args):
            return _gives(facts, expr.args[given[0]], cls, instances, {})
    return False


_CACHE: weakref.WeakKeyDictionary[ast.AST, dict[str, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def factories_of(it: Interpreter) -> dict[str, frozenset[str]]:
    """:func:`factory_methods` of the interpreter's file, computed once per tree."""
    known = _CACHE.get(it.tree)
    if known is None:
        known = _CACHE[it.tree] = factory_methods(it.facts, it.classes, it.functions)
    return known
