"""Positions of ``ast`` nodes as the linter reports them, and source text sliced by position.

``ast`` gives each node a 1-based line and a column counted in **UTF-8 bytes** of that line;
:class:`~pooling_lint.diagnostics.Location` columns are 1-based **characters**. The conversion
is per line and only done for the few nodes a message or a fix needs (ASCII lines, the vast
majority, need no decoding at all).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from pooling_lint.diagnostics import Location

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as Python's tokenizer counts them, without their line endings.

    Not ``str.splitlines``: a form feed or a Unicode line separator does not end a Python line.
    """
    if "\r" not in text:
        return text.split("\n")
    return _LINE_BREAK.split(text)


class SourceLines:
    """One file's text, indexed by line, converting ``ast`` byte columns to characters."""

    __slots__ = ("text", "lines", "_suites")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self._suites: dict[int, bool] = {}  # id(first statement) -> written on the header line

    def line_text(self, line: int) -> str:
        """The text of a 1-based line (empty past the end)."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def char_column(self, line: int, byte_col: int) -> int:
        """The 0-based character column of a 0-based UTF-8 byte column on ``line``."""
        text = self.line_text(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def start(self, node: ast.AST) -> Location:
        """Where ``node`` starts: 1-based line, 1-based character column."""
        line: int = node.lineno  # type: ignore[attr-defined]
        return Location(line, self.char_column(line, node.col_offset) + 1)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> Location:
        """Where ``node`` ends (the column after its last character)."""
        line: int = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        col: int = node.end_col_offset  # type: ignore[attr-defined]
        if col is None:
            col = node.col_offset
        return Location(line, self.char_column(line, col) + 1)

    def segment(self, node: ast.AST) -> str:
        """The exact source text of ``node`` (without enclosing parentheses)."""
        first: int = node.lineno  # type: ignore[attr-defined]
        last: int = node.end_lineno or first  # type: ignore[attr-defined]
        start: int = node.col_offset  # type: ignore[attr-defined]
        stop: int = node.end_col_offset  # type: ignore[attr-defined]
        if stop is None:
            stop = start
        if first == last:
            return _slice_bytes(self.line_text(first), start, stop)
        parts = [_slice_bytes(self.line_text(first), start, None)]
        parts.extend(self.line_text(n) for n in range(first + 1, last))
        parts.append(_slice_bytes(self.line_text(last), 0, stop))
        return "\n".join(parts)

    def is_simple_suite(self, body: Sequence[ast.stmt]) -> bool:
        """True for a block written on its header's line (``if x: y = 1``).

        Such a block starts after other code on its first line; an indented block's first
        statement has only indentation before it.
        """
        if not body:
            return False
        first = body[0]
        known = self._suites.get(id(first))
        if known is not None:
            return known
        text = self.line_text(first.lineno)
        col = first.col_offset
        before = text[:col] if text.isascii() else text.encode("utf-8")[:col].decode(
            "utf-8", errors="replace"
        )
        simple = self._suites[id(first)] = bool(before.strip())
        return simple


def _slice_bytes(text: str, start: int, stop: int | None) -> str:
    if text.isascii():
        return text[start:stop]
    return text.encode("utf-8")[start:stop].decode("utf-8", errors="replace")
