"""Hover on a finding: its message, the rule's docs (as ``pooling-lint explain`` prints them) and
the link to them."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from pooling_lint.report.sarif import engine_code_docs, rule_doc_url
from pooling_lint.rules import ENGINE_CODES, rule_by_code
from pooling_lint.server.session import Finding


def rule_docs(code: str) -> str:
    """The markdown docs of one code (a rule's, or the engine's own codes')."""
    if code in ENGINE_CODES:
        return engine_code_docs(code)
    rule = rule_by_code(code)
    return rule.full_docs() if rule is not None else ""


def contains(r: types.Range, p: types.Position) -> bool:
    return (
        (r.start.line, r.start.character)
        <= (p.line, p.character)
        <= (
            r.end.line,
            r.end.character,
        )
    )


def hover(
    findings: Sequence[Finding], at: types.Position, docs_url: str | None
) -> types.Hover | None:
    """The hover for the findings under ``at``, or ``None`` if there is none."""
    hits = [f for f in findings if contains(f.lsp.range, at)]
    if not hits:
        return None
    parts = []
    for code in dict.fromkeys(f.diagnostic.code for f in hits):
        messages = "\n".join(f"- {f.diagnostic.message}" for f in hits if f.diagnostic.code == code)
        link = rule_doc_url(code, docs_url)
        parts.append(f"**pooling-lint {code}**\n\n{messages}\n\n{rule_docs(code)}\n[Docs]({link})")
    value = "\n\n---\n\n".join(parts)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
        range=hits[0].lsp.range,
    )
