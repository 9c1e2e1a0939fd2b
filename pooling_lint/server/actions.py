"""Code actions: each finding's fix (safe ones preferred, unsafe ones marked), "add
``# noqa: CODE``", and ``source.fixAll.pooling-lint`` (the safe fixes, through the engine's fix
loop, so the result equals ``pooling-lint check --fix``)."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from pooling_lint.add_noqa import add_noqa_text
from pooling_lint.diagnostics import Diagnostic
from pooling_lint.notebook import to_python
from pooling_lint.rules import ENGINE_CODES
from pooling_lint.server.checking import check_notebook, fix_python
from pooling_lint.server.edits import fix_edits, replacement
from pooling_lint.server.session import Cell, Finding, Snapshot

FIX_ALL_KIND = "source.fixAll.pooling-lint"
FIX_ALL_TITLE = "pooling-lint: apply all safe fixes"
UNSAFE_SUFFIX = " [unsafe: review the change]"


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Does the client's ``context.only`` ask for ``kind``? Kinds are dot-separated
    hierarchies: asking for ``source`` includes ``source.fixAll.pooling-lint``."""
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def overlaps(finding: types.Range, request: types.Range) -> bool:
    """Does the request touch the finding's lines? (Editors ask with the cursor's position,
    which is often at the start of the line, before the finding.)"""
    return finding.start.line <= request.end.line and request.start.line <= finding.end.line


def code_actions(
    snapshot: Snapshot, uri: str, request: types.Range, only: Sequence[str] | None
) -> list[types.CodeAction]:
    """The actions for the findings of ``uri`` that touch ``request``, then fix-all."""
    actions: list[types.CodeAction] = []
    if wanted(only, types.CodeActionKind.QuickFix):
        for found in snapshot.findings.get(uri, ()):
            if not overlaps(found.lsp.range, request):
                continue
            for action in (fix_action(snapshot, found), noqa_action(snapshot, found)):
                if action is not None:
                    actions.append(action)
    if wanted(only, FIX_ALL_KIND):
        fix_all = fix_all_action(snapshot)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


def _same(a: Diagnostic, b: Diagnostic) -> bool:
    return (a.code, a.cell, a.start, a.end) == (b.code, b.cell, b.start, b.end)


def _cell_edits(cells: Sequence[Cell], sources: dict[int, str]) -> dict[str, list[types.TextEdit]]:
    changes: dict[str, list[types.TextEdit]] = {}
    for number, new in sorted(sources.items()):
        cell = cells[number - 1]
        edit = replacement(cell.text, new, cell.positions)
        if edit is not None:
            changes[cell.uri] = [edit]
    return changes


def _cell_of(snapshot: Snapshot, uri: str) -> Cell | None:
    return next((c for c in snapshot.cells if c.uri == uri), None)


def fix_action(snapshot: Snapshot, found: Finding) -> types.CodeAction | None:
    """The finding's own fix; an unsafe one says so and is never the preferred action."""
    d = found.diagnostic
    if d.fix is None:
        return None
    if snapshot.notebook:
        result = check_notebook(
            [c.text for c in snapshot.cells],
            snapshot.target,
            fix=lambda other: _same(other, d),
            single=True,
        )
        changes = _cell_edits(snapshot.cells, result.fixed_sources)
    else:
        changes = {found.uri: fix_edits(d.fix, snapshot.positions, snapshot.text)}
    if not changes:
        return None
    safe = d.fix.applicability == "safe"
    title = f"{d.fix.message or 'Fix'} ({d.code})"
    return types.CodeAction(
        title=title if safe else title + UNSAFE_SUFFIX,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[found.lsp],
        edit=types.WorkspaceEdit(changes=changes),
        is_preferred=safe,
    )


def noqa_action(snapshot: Snapshot, found: Finding) -> types.CodeAction | None:
    """Suppress the finding with ``# noqa: CODE`` where ``check --add-noqa`` would put it."""
    d = found.diagnostic
    if d.code in ENGINE_CODES:
        return None  # not suppressible: the file was not (fully) checked
    if snapshot.notebook:
        cell = _cell_of(snapshot, found.uri)
        if cell is None:
            return None
        python = to_python(cell.text.replace("\r\n", "\n"))[0]
        new, added = add_noqa_text(cell.text, [d], token_text=python)
        edit = replacement(cell.text, new, cell.positions) if added else None
    else:
        new, added = add_noqa_text(snapshot.text, [d])
        edit = replacement(snapshot.text, new, snapshot.positions) if added else None
    if edit is None:
        return None
    return types.CodeAction(
        title=f"Add `# noqa: {d.code}`",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[found.lsp],
        edit=types.WorkspaceEdit(changes={found.uri: [edit]}),
    )


def fix_all_action(snapshot: Snapshot) -> types.CodeAction | None:
    """All safe fixes of the document or notebook, or ``None`` if they change nothing."""
    if not any(
        f.diagnostic.fix is not None and f.diagnostic.fix.applicability == "safe"
        for found in snapshot.findings.values()
        for f in found
    ):
        return None
    if snapshot.notebook:
        result = check_notebook(
            [c.text for c in snapshot.cells], snapshot.target, fix=lambda _: True
        )
        changes = _cell_edits(snapshot.cells, result.fixed_sources)
    else:
        edit = replacement(
            snapshot.text, fix_python(snapshot.text, snapshot.target), snapshot.positions
        )
        changes = {snapshot.key: [edit]} if edit is not None else {}
    if not changes:
        return None
    return types.CodeAction(
        title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, edit=types.WorkspaceEdit(changes=changes)
    )
