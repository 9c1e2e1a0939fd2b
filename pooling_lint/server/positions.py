"""Engine locations (1-based lines, 1-based columns in code points) <-> LSP positions (0-based
lines, columns in the client's units: UTF-16 unless the client chose otherwise)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from pooling_lint.diagnostics import Location

#: The line breaks of Python (and libcst): form feeds and other Unicode breaks do not end a line.
_BREAK = re.compile(r"\r\n|\r|\n")

#: Counts a string's length in the client's position units.
Units = Callable[[str], int]


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units, the LSP default."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their endings (one empty line for an empty text)."""
    return _BREAK.split(text)


def location_at(text: str, offset: int) -> Location:
    """The location of a code-point offset into ``text``."""
    line, start = 1, 0
    for m in _BREAK.finditer(text, 0, offset):
        line, start = line + 1, m.end()
    return Location(line, offset - start + 1)


@dataclass(frozen=True)
class Positions:
    """Converts between the two coordinate systems for one text."""

    lines: tuple[str, ...]
    units: Units = utf16_units

    @classmethod
    def of(cls, text: str, units: Units = utf16_units) -> Positions:
        return cls(tuple(split_lines(text)), units)

    def position(self, loc: Location) -> types.Position:
        """The LSP position of ``loc``; locations past the text are clamped to its end."""
        index = min(max(loc.line - 1, 0), len(self.lines) - 1)
        text = self.lines[index]
        column = loc.column - 1 if loc.line - 1 == index else len(text)
        return types.Position(index, self.units(text[: max(column, 0)]))

    def location(self, pos: types.Position) -> Location:
        """The engine location of an LSP position (inside a character: its start)."""
        index = min(pos.line, len(self.lines) - 1)
        text = self.lines[index]
        units = 0
        for i, ch in enumerate(text):
            if units >= pos.character:
                return Location(index + 1, i + 1)
            units += self.units(ch)
        return Location(index + 1, len(text) + 1)

    def range(self, start: Location, end: Location, widen: bool = False) -> types.Range:
        """The LSP range. With ``widen`` (diagnostics, not edits) an empty one, a syntax
        error's point, is widened to one character so that editors can show it."""
        first, last = self.position(start), self.position(max(start, end))
        if widen and first == last:
            text = self.lines[first.line]
            width = self.units(text)
            if first.character < width:
                column = start.column - 1
                last = types.Position(first.line, first.character + self.units(text[column]))
            elif first.character > 0:
                first = types.Position(first.line, first.character - self.units(text[-1]))
        return types.Range(first, last)
