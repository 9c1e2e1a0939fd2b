"""Targeted walks over an ``ast`` tree: statement blocks, and expressions within a scope.

The analysis runs statement by statement; these walks serve the few syntactic scans (imports,
how parameters are used, which names a function mentions). They iterate ``_fields`` directly
and never allocate a wrapper per node.

A block written on its header's line (``if x: y = 1``, ``def f(): return 1``) is not entered:
the analysis has never modelled those (see :meth:`SourceLines.is_simple_suite`).
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from pooling_lint.analysis.positions import SourceLines

#: Nodes whose bodies are analysed as their own units (or not at all).
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def block(src: SourceLines, body: Sequence[ast.stmt]) -> Sequence[ast.stmt]:
    """``body`` as the analysis runs it: empty for a block written on its header's line."""
    if body and src.is_simple_suite(body):
        return ()
    return body


def child_blocks(src: SourceLines, stmt: ast.stmt) -> Iterator[Sequence[ast.stmt]]:
    """The statement blocks directly under a compound statement, in source order."""
    kind = type(stmt)
    if kind in (ast.If, ast.For, ast.AsyncFor, ast.While):
        yield block(src, stmt.body)  # type: ignore[attr-defined]
        yield block(src, stmt.orelse)  # type: ignore[attr-defined]
    elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith):
        yield block(src, stmt.body)  # type: ignore[attr-defined]
    elif kind is ast.Try:
        assert isinstance(stmt, ast.Try)
        yield block(src, stmt.body)
        for handler in stmt.handlers:
            yield block(src, handler.body)
        yield block(src, stmt.orelse)
        yield block(src, stmt.finalbody)
    elif kind is getattr(ast, "TryStar", None):
        # ``except*`` handlers were never entered
        yield block(src, stmt.body)  # type: ignore[attr-defined]
        yield block(src, stmt.orelse)  # type: ignore[attr-defined]
        yield block(src, stmt.finalbody)  # type: ignore[attr-defined]
    elif kind is ast.Match:
        assert isinstance(stmt, ast.Match)
        for case in stmt.cases:
            yield block(src, case.body)


def statements(src: SourceLines, body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in ``body`` and the blocks under it, depth first in source order."""
    stack: list[ast.stmt] = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if type(stmt) in COMPOUND_STATEMENTS:
            for sub in reversed(list(child_blocks(src, stmt))):
                stack.extend(reversed(sub))


COMPOUND_STATEMENTS = frozenset(
    t
    for t in (
        ast.If,
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.With,
        ast.AsyncWith,
        ast.Try,
        getattr(ast, "TryStar", None),
        ast.Match,
    )
    if t is not None
)


def walk(
    roots: Sequence[ast.AST] | ast.AST,
    into_scopes: bool = True,
    lines: Sequence[int] | None = None,
) -> Iterator[ast.AST]:
    """Every node under ``roots`` (included), depth first.

    With ``into_scopes=False`` nested function, class and lambda bodies are not entered
    (they are analysed as their own units), though the nested definitions are yielded.
    With ``lines`` (sorted line numbers) statements that span none of them are skipped, with
    everything under them; the order of the nodes that remain is unchanged.
    """
    stack: list[ast.AST] = [roots] if isinstance(roots, ast.AST) else list(reversed(roots))
    if lines is not None:
        stack = [n for n in stack if not isinstance(n, ast.stmt) or _spans_one(n, lines)]
    while stack:
        node = stack.pop()
        yield node
        if not into_scopes and isinstance(node, SCOPES):
            continue
        kids: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        if lines is not None and isinstance(item, ast.stmt):
                            if not _spans_one(item, lines):
                                continue
                        kids.append(item)
            elif isinstance(value, ast.AST):
                kids.append(value)
        kids.reverse()
        stack.extend(kids)


def _spans_one(stmt: ast.stmt, lines: Sequence[int]) -> bool:
    first = stmt.lineno
    decorators = getattr(stmt, "decorator_list", None)
    if decorators:
        first = min(first, *(d.lineno for d in decorators))
    i = bisect_left(lines, first)
    return i < len(lines) and lines[i] <= (stmt.end_lineno or stmt.lineno)
