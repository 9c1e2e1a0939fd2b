"""Functions that return (copies of) one of their parameters, for project mode.

A module's summary gives other modules each function's return joined over all its call sites
(analysis/project.py). For a helper that hands back what it was given, ``clones(layer, n)``
returning ``nn.ModuleList([copy.deepcopy(layer) for _ in range(n)])``, that join is useless:
two callers pass two different modules and the joined return is unknown, so neither caller
learns that its stack holds its own layer. The summary says instead which parameter comes
back, and whether as a list of copies; each caller applies that to its own argument.

Only what the function's one ``return`` shows by data flow: the parameter itself, a
``copy.copy``/``copy.deepcopy`` of it, a list comprehension of those, or an
``nn.ModuleList`` of such a list.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.library.spec import COPIES
from pooling_lint.analysis.values import Foreign, Layer, ListOf, Value
from pooling_lint.analysis.walk import FUNCTIONS

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact, FileFacts
    from pooling_lint.analysis.project import ProjectContext
    from pooling_lint.analysis.scopes import FunctionNode

_LISTS = frozenset({"torch.nn.ModuleList"})
_NOT_SHOWN = (ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal)


def param_return(facts: FileFacts, fn: FunctionNode) -> tuple[int, bool] | None:
    """``(k, as_list)`` when ``fn`` returns its ``k``-th positional parameter (``as_list``:
    a list of copies of it); None otherwise."""
    returns = [
        n
        for n in ast.walk(fn)
        if isinstance(n, ast.Return) or (isinstance(n, FUNCTIONS + (ast.Lambda,)) and n is not fn)
    ]
    if len(returns) != 1 or not isinstance(returns[0], ast.Return) or returns[0].value is None:
        return None  # several returns, a nested function, or a bare return: not shown
    if any(isinstance(n, _NOT_SHOWN) for n in ast.walk(fn)):
        return None
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    value = returns[0].value
    if isinstance(value, ast.Call) and facts.qualname(value.func) in _LISTS:
        if len(value.args) != 1 or value.keywords:
            return None
        value = value.args[0]
        if not isinstance(value, ast.ListComp):
            return None
    as_list = isinstance(value, ast.ListComp)
    if isinstance(value, ast.ListComp):
        value = value.elt
    name = _copied(facts, value)
    if name is None or name not in params or _rebound(fn, name):
        return None
    return params.index(name), as_list


def _copied(facts: FileFacts, expr: ast.expr) -> str | None:
    """The name ``expr`` is, or is a copy of."""
    if (
        isinstance(expr, ast.Call)
        and len(expr.args) == 1
        and not expr.keywords
        and facts.qualname(expr.func) in COPIES
    ):
        expr = expr.args[0]
    return expr.id if isinstance(expr, ast.Name) else None


def _rebound(fn: FunctionNode, name: str) -> bool:
    """Is ``name`` assigned anywhere in ``fn`` (so the return may not be the parameter)?"""
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, (ast.Store, ast.Del)):
            return True
    return False


def given_back(ctx: ProjectContext | None, fact: CallFact, ref: Foreign) -> Value:
    """What a function of another module that returns (copies of) its ``k``-th parameter
    gives this call: this call's argument, or a list of copies of it (a ``ModuleList``)."""
    given = ctx.param_returns.get(ref.module, {}).get(ref.name) if ctx is not None else None
    if given is None or given[0] >= len(fact.args):
        return None
    arg = fact.args[given[0]]
    if not given[1] or arg is None:
        return arg
    if isinstance(arg, Layer):
        return Layer("torch.nn.ModuleList", {"repeated": True}, fact.node, (arg,))
    return ListOf(arg)
