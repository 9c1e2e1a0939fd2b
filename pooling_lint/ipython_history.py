"""Which earlier cells a new IPython cell needs, so the check before each cell stays cheap.

Checking a cell with *every* cell run before it costs time in proportion to the session; but a
finding in the new cell can only depend on the cells its names lead to. The check takes every
cell that imports something (the framework imports make it framework code), and follows names
backwards like a liveness analysis:

- a name the new cell uses leads back through the cells whose top-level code (outside function
  and class bodies) mentions it (``model.add(...)``, ``model = ...``) until the cell that last
  bound it outright (``model = Sequential()``, ``def model``, ``import``), which is included too;
- the names the included cells read at top level are followed back from where each cell ran;
  the names inside their function bodies from the end of the session (a global is looked up
  when the function is called, which is now). A name a cell only assigns leads nowhere.

A name bound by an import (``torch``, ``nn``, ``tf``) links nothing: nearly every cell uses it.
Over-including a cell costs time, never findings; a cell that does not parse is always kept.
The link is by name only, so an effect through ``globals()``, ``exec`` or a star import's
names is not followed: the whole-history check (``%pooling_lint``) has no such limit.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from pooling_lint.notebook import to_python


@dataclass(frozen=True)
class CellNames:
    """What one cell does with names: those its top-level code mentions, those used only in
    its function and class bodies, those it binds outright, those its imports bind."""

    top_level: frozenset[str]
    top_loads: frozenset[str]  # the top-level names read (not only assigned)
    deferred: frozenset[str]
    binds: frozenset[str]
    imported: frozenset[str]
    imports: bool
    parsed: bool


_EMPTY: frozenset[str] = frozenset()


def _identifiers(node: ast.AST) -> set[str]:
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            out.update(n.names)
    return out


def _top_level(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Identifiers of the code that runs when the cell runs (not function bodies), and those
    of them that are read."""
    out: set[str] = set()
    loads: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name):
            out.add(node.id)
            if not isinstance(node.ctx, ast.Store):
                loads.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            loads.add(node.target.id)  # ``x += 1`` reads x
        stack.extend(ast.iter_child_nodes(node))
    return out, loads


def _target_names(target: ast.expr) -> list[str] | None:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        names: list[str] = []
        for element in target.elts:
            inner = _target_names(element.value if isinstance(element, ast.Starred) else element)
            if inner is None:
                return None
            names.extend(inner)
        return names
    return None


def _binds(tree: ast.Module) -> set[str]:
    """Names the cell's top-level statements bind unconditionally."""
    out: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                out.update(_target_names(target) or ())
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            out.update(_target_names(stmt.target) or ())
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out.update(a.asname or a.name.split(".")[0] for a in stmt.names)
    return out


def cell_names(source: str) -> CellNames:
    """What :func:`relevant_cells` needs to know about one cell (IPython syntax allowed)."""
    python, _, skipped = to_python(source.replace("\r\n", "\n"))
    if skipped:
        return CellNames(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, False, True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(python)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return CellNames(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, False, False)
    imported: set[str] = set()
    imports = False
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports = True
            imported.update(a.asname or a.name.split(".")[0] for a in node.names)
    top, loads = _top_level(tree)
    return CellNames(
        frozenset(top),
        frozenset(loads),
        frozenset(_identifiers(tree) - top),
        frozenset(_binds(tree)),
        frozenset(imported),
        imports,
        True,
    )


def relevant_cells(history: Sequence[CellNames], new: CellNames) -> list[int]:
    """Indexes (in order) of the history cells the new cell's check needs (see module docs)."""
    linking = set().union(*(c.imported for c in history), new.imported)
    end = len(history)
    keep: set[int] = set()
    seen: set[tuple[str, int]] = set()
    work: list[tuple[str, int]] = []

    def include(index: int) -> None:
        if index in keep:
            return
        keep.add(index)
        cell = history[index]
        work.extend((name, index) for name in cell.top_loads - linking)
        work.extend((name, end) for name in cell.deferred - linking)

    for i, cell in enumerate(history):
        if cell.imports or not cell.parsed:
            include(i)
    work.extend((name, end) for name in (new.top_loads | new.deferred) - linking)
    while work:
        name, before = work.pop()
        if (name, before) in seen:
            continue
        seen.add((name, before))
        for index in range(before - 1, -1, -1):
            cell = history[index]
            if name in cell.top_level:
                include(index)
                if name in cell.binds:
                    break
    return sorted(keep)
