"""Engine diagnostics as LSP diagnostics: the rule code, a ``codeDescription`` link to the rule's
docs (the URL the CLI's SARIF output uses), and the evidence as ``relatedInformation``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types

from pooling_lint.diagnostics import FILE_ERROR, INTERNAL_ERROR, SYNTAX_ERROR, Diagnostic, Related
from pooling_lint.report.sarif import rule_doc_url
from pooling_lint.server.positions import Positions

SOURCE = "pooling-lint"

_ERRORS = (SYNTAX_ERROR, FILE_ERROR, INTERNAL_ERROR)


@dataclass(frozen=True)
class Evidence:
    """One piece of a finding's evidence, in the document (or notebook cell) that holds it."""

    uri: str
    positions: Positions
    related: Related


def severity(code: str) -> types.DiagnosticSeverity:
    """Engine errors (the file was not fully checked) are errors; findings are warnings."""
    return types.DiagnosticSeverity.Error if code in _ERRORS else types.DiagnosticSeverity.Warning


def to_lsp(
    d: Diagnostic, positions: Positions, evidence: Sequence[Evidence], docs_url: str | None
) -> types.Diagnostic:
    """The LSP form of ``d`` (its ``data`` names the code, for clients that echo it back)."""
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                e.uri, e.positions.range(e.related.start, e.related.end, widen=True)
            ),
            message=e.related.message,
        )
        for e in evidence
    ]
    message = d.message
    if d.fix is not None:
        unsafe = " (unsafe)" if d.fix.applicability == "unsafe" else ""
        message += f"\nFix{unsafe}: {d.fix.message or 'available'}"
    return types.Diagnostic(
        range=positions.range(d.start, d.end, widen=True),
        message=message,
        severity=severity(d.code),
        code=d.code,
        code_description=types.CodeDescription(href=rule_doc_url(d.code, docs_url)),
        source=SOURCE,
        related_information=related or None,
    )
