"""Small helpers run once per call site (issue #13, R067).

A unit's parameters are the join over its call sites, so a helper called twice with different
shapes (``dot_product(x, self.W)`` with a matrix, ``dot_product(h, self.u)`` with a vector)
gives each caller the join of both results: an unknown rank. A module-level function whose
body is only assignments, tests and returns (:func:`inlinable`) has no state of its own;
running it on one call's own arguments gives that call's result. Its events are left to the
unit's own run (they are not recorded twice).
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING

from pooling_lint.analysis.facts import EventLog
from pooling_lint.analysis.scopes import MISSING
from pooling_lint.analysis.values import Value
from pooling_lint.analysis.walk import FUNCTIONS

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter
    from pooling_lint.analysis.scopes import FunctionNode

DEPTH = 3  # helpers calling helpers, inline
SIZE = 12  # statements
_STATEMENTS = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.Expr,
    ast.Return,
    ast.If,
    ast.Pass,
    ast.Assert,
    ast.Raise,
)
_NOT_INLINE = (ast.Yield, ast.YieldFrom, ast.Lambda, ast.NamedExpr, ast.Global, ast.Nonlocal)
_SEEN: weakref.WeakKeyDictionary[ast.AST, bool] = weakref.WeakKeyDictionary()


def inlinable(fn: FunctionNode) -> bool:
    """A small helper with no state of its own: a plain function whose body is only
    assignments, tests and returns (no loop, no nested definition, no lambda, no ``yield``,
    no ``global``, no decorator), at most ``SIZE`` statements."""
    if isinstance(fn, ast.AsyncFunctionDef) or fn.decorator_list:
        return False
    count = 0
    todo: list[ast.stmt] = list(fn.body)
    while todo:
        stmt = todo.pop()
        count += 1
        if not isinstance(stmt, _STATEMENTS) or count > SIZE:
            return False
        if isinstance(stmt, ast.If):
            todo.extend(stmt.body)
            todo.extend(stmt.orelse)
    return not any(isinstance(n, _NOT_INLINE) for n in ast.walk(fn))


def inline_call(
    it: Interpreter,
    key: str,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    joined: dict[str, Value] | None,
) -> object:
    """The result of this call of the unit ``key`` run on the call's own arguments, or
    ``MISSING`` when the unit is no small module-level helper, or when this call passes what
    the call sites before it (``joined``) do: the unit's own result then says the same."""
    unit = it.units.get(key)
    if unit is None or key in it.inlining or len(it.inlining) >= DEPTH:
        return MISSING
    fn = unit.node
    if not isinstance(fn, FUNCTIONS) or unit.class_name is not None or key != fn.name:
        return MISSING
    ok = _SEEN.get(fn)
    if ok is None:
        ok = _SEEN[fn] = inlinable(fn)
    if not ok:
        return MISSING
    values: dict[str, Value] = dict(zip(unit.params, args))
    values.update((k, v) for k, v in kwargs if k in unit.params)
    if joined is not None and joined == values:
        return MISSING  # the only call site so far: the unit's own run is this call
    saved = (it.frame, it.log, it.frame_links, it.link_evidence)
    old = it.bindings.get(key)
    it.bindings[key] = values
    it.inlining.add(key)
    try:
        it.log = EventLog()  # the unit's own run records the events
        return it.run_aside(unit)
    finally:
        it.inlining.discard(key)
        if old is None:
            it.bindings.pop(key, None)
        else:
            it.bindings[key] = old
        it.frame, it.log, it.frame_links, it.link_evidence = saved
