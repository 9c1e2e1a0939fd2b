"""Text edits: an engine fix's edits, or the smallest replacement that turns one text into
another (for results of the fix loop and of ``noqa`` insertion)."""

from __future__ import annotations

from lsprotocol import types

from pooling_lint.diagnostics import Fix
from pooling_lint.server.positions import Positions, location_at


def fix_edits(fix: Fix, positions: Positions, text: str | None = None) -> list[types.TextEdit]:
    """The LSP edits of one engine fix (its edits never overlap).

    A fix that needs imports (``from pooling_lint.runtime.torch import masked_mean``) goes
    through the writer, as ``--fix`` would apply it, when the document's ``text`` is given: the
    import lands once, in the right place, with the edit.
    """
    if fix.imports and text is not None:
        from pooling_lint.writer import apply_fixes  # libcst: only when an action is asked for

        edit = replacement(text, apply_fixes(text, [fix]), positions)
        return [edit] if edit is not None else []
    return [types.TextEdit(positions.range(e.start, e.end), e.content) for e in fix.edits]


def replacement(old: str, new: str, positions: Positions) -> types.TextEdit | None:
    """One edit that replaces the part of ``old`` that differs from ``new``; ``None`` if equal.

    ``positions`` must be those of ``old``. A ``\\r\\n`` is never split between the edit and the
    text it keeps.
    """
    if old == new:
        return None
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
        start -= 1
    keep = 0  # characters kept at the end of both
    while keep < limit - start and old[-1 - keep] == new[-1 - keep]:
        keep += 1
    end = len(old) - keep
    if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
        keep -= 1
        end += 1
    content = new[start : len(new) - keep]
    return types.TextEdit(positions.range(location_at(old, start), location_at(old, end)), content)
