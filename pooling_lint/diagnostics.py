"""Diagnostics and fixes: the small frozen values that rules produce and reporters print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Applicability = Literal["safe", "unsafe"]

#: Codes that the engine itself emits (not rules): they cannot be selected away.
SYNTAX_ERROR = "PLG000"
FILE_ERROR = "PLG900"
INTERNAL_ERROR = "PLG999"


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


@dataclass(frozen=True)
class Fix:
    """A set of non-overlapping edits that together repair one finding."""

    edits: tuple[Edit, ...]
    applicability: Applicability
    message: str


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
