"""Diagnostics and fixes: the small frozen values that rules produce and reporters print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Applicability = Literal["safe", "unsafe"]

#: Codes that the engine itself emits (not rules): they cannot be selected away.
SYNTAX_ERROR = "PLG000"
FILE_ERROR = "PLG900"
INTERNAL_ERROR = "PLG999"

#: Codes the engine emits itself; they are listed by `rules` and documented by `explain`.
ENGINE_CODES = {
    SYNTAX_ERROR: ("syntax-error", "The file could not be parsed; nothing else in it was checked."),
    FILE_ERROR: ("file-error", "The file could not be read or decoded (exit code 2)."),
    INTERNAL_ERROR: ("internal-error", "A rule or the engine failed on this file (exit code 2)."),
}


@dataclass(frozen=True, order=True)
class Location:
    """A position in a file: 1-based line, 1-based column (in characters)."""

    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` with ``content``."""

    start: Location
    end: Location
    content: str


@dataclass(frozen=True, order=True)
class RequiredImport:
    """``from module import name``, which a fix's new text needs (added once by the writer)."""

    module: str
    name: str


@dataclass(frozen=True)
class Fix:
    """A set of non-overlapping edits that together repair one finding.

    ``imports`` are names the new text uses; the writer adds each import once (reusing an
    existing ``from module import ...``), after the docstring and the file's leading imports.
    """

    edits: tuple[Edit, ...]
    applicability: Applicability
    message: str
    imports: tuple[RequiredImport, ...] = ()


@dataclass(frozen=True)
class Related:
    """A place in the same file that a finding's evidence points at (SARIF
    ``relatedLocations``, LSP ``relatedInformation``): ``pad_sequences(...)`` at line 4."""

    message: str
    start: Location
    end: Location


@dataclass(frozen=True)
class Diagnostic:
    """One finding in one file.

    ``stmt_first_line``/``stmt_last_line`` bound the statement the finding sits in, so a
    ``# noqa`` on either line of a multi-line statement suppresses it (as ruff does).
    ``cell`` is the 1-based notebook cell number for ``.ipynb`` files; lines are then
    cell-relative.
    """

    code: str
    name: str
    message: str
    path: str
    start: Location
    end: Location
    fix: Fix | None = None
    stmt_first_line: int = 0
    stmt_last_line: int = 0
    cell: int | None = None
    detail: str | None = field(default=None, compare=False)
    #: the evidence the message names, as locations (empty where a rule gives none yet)
    related: tuple[Related, ...] = field(default=(), compare=False)

    @property
    def line(self) -> int:
        return self.start.line

    @property
    def column(self) -> int:
        return self.start.column

    @property
    def is_error(self) -> bool:
        """Engine errors (unreadable file, internal error) make the run exit with 2."""
        return self.code in (FILE_ERROR, INTERNAL_ERROR)

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.start.line, self.start.column, self.code)


def engine_diagnostic(
    code: str, message: str, path: str, line: int = 1, column: int = 1
) -> Diagnostic:
    """A diagnostic the engine itself emits (PLG000/PLG900/PLG999), on one line."""
    loc = Location(line, column)
    return Diagnostic(
        code,
        ENGINE_CODES[code][0],
        message,
        path,
        loc,
        loc,
        stmt_first_line=line,
        stmt_last_line=line,
    )
