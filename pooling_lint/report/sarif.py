"""SARIF 2.1.0 output, for code-scanning services (GitHub's ``upload-sarif`` and others).

Every rule (and the engine's own codes) is listed in ``tool.driver.rules`` with its docs, so a
consumer can show the help text without running pooling-lint. Paths are relative to the
directory the command ran in, expressed against the ``%SRCROOT%`` base id. Findings in a
notebook keep the cell-relative region that every other format uses and carry the cell number
in ``properties.cell`` (and at the start of the message text).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pooling_lint import __version__
from pooling_lint.diagnostics import FILE_ERROR, INTERNAL_ERROR, SYNTAX_ERROR, Diagnostic
from pooling_lint.engine import FileResult

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

#: Where the project lives. The rule docs are ``docs/rules/PLGNNN.md`` in that repository.
PROJECT_URL = "https://github.com/pooling-lint/pooling-lint"

#: Environment variable that moves the rule docs (a fork, a mirror, a pinned tag).
DOCS_URL_ENV = "POOLING_LINT_DOCS_URL"
DEFAULT_DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules/"

SRCROOT = "%SRCROOT%"

_ERROR_CODES = (SYNTAX_ERROR, FILE_ERROR, INTERNAL_ERROR)


def docs_base_url(override: str | None = None) -> str:
    """The base that ``PLGNNN.md`` is appended to: ``override``, the env variable, the default."""
    base = override or os.environ.get(DOCS_URL_ENV) or DEFAULT_DOCS_URL
    return base if base.endswith("/") else base + "/"


def rule_doc_url(code: str, base: str | None = None) -> str:
    """The absolute URL of one rule's generated docs page."""
    return f"{docs_base_url(base)}{code}.md"


def level(code: str) -> str:
    """Engine errors are ``error``; rule findings are ``warning``."""
    return "error" if code in _ERROR_CODES else "warning"


def _first_paragraph(markdown: str) -> str:
    """The text under the first ``##`` heading (ruff's "What it does"), as one line."""
    body: list[str] = []
    started = False
    for line in markdown.splitlines():
        if line.startswith("## "):
            if started:
                break
            started = True
            continue
        if started:
            if not line.strip() and body:
                break
            if line.strip():
                body.append(line.strip())
    return " ".join(body)


def rule_descriptors(docs_url: str | None = None) -> list[dict[str, Any]]:
    """``reportingDescriptor`` objects for every code pooling-lint can emit, sorted by code."""
    from pooling_lint.rules import ENGINE_CODES, all_rules

    out: list[dict[str, Any]] = []
    for code, (name, summary) in ENGINE_CODES.items():
        docs = engine_code_docs(code)
        out.append(_descriptor(code, name, summary, summary, docs, docs_url))
    for rule in all_rules():
        docs = rule.full_docs()
        full = _first_paragraph(docs) or rule.summary
        out.append(_descriptor(rule.code, rule.name, rule.summary, full, docs, docs_url))
    return sorted(out, key=lambda r: str(r["id"]))


def engine_code_docs(code: str) -> str:
    """Docs for a code the engine emits itself (no rule class behind it)."""
    from pooling_lint.rules import ENGINE_CODES

    name, summary = ENGINE_CODES[code]
    exit_status = "1" if code == SYNTAX_ERROR else "2"
    return (
        f"# {name} ({code})\n\n"
        "## What it does\n"
        f"{summary}\n\n"
        "## Notes\n"
        "The engine reports this code itself, not a rule: it cannot be deselected with "
        "`--ignore` or suppressed with `# noqa`, because it means the file was not (fully) "
        f"checked. A run that reports it exits with status {exit_status} or more.\n"
    )


def _descriptor(
    code: str, name: str, short: str, full: str, docs: str, docs_url: str | None
) -> dict[str, Any]:
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule_doc_url(code, docs_url),
        "defaultConfiguration": {"level": level(code)},
    }


def artifact_location(display: str, root: Path) -> dict[str, str]:
    """A relative URI against ``%SRCROOT%`` when the file is under ``root``, else a file URI."""
    path = Path(display)
    absolute = path if path.is_absolute() else root / path
    try:
        rel = absolute.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return {"uri": absolute.resolve().as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def result(d: Diagnostic, index: int, root: Path) -> dict[str, Any]:
    """One ``result`` object."""
    text = d.message if d.cell is None else f"cell {d.cell}: {d.message}"
    region = {
        "startLine": d.start.line,
        "startColumn": d.start.column,
        "endLine": max(d.end.line, d.start.line),
        "endColumn": d.end.column if d.end > d.start else d.start.column,
    }
    out: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": level(d.code),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(d.path, root),
                    "region": region,
                }
            }
        ],
    }
    if d.related:
        out["relatedLocations"] = [
            {
                "id": n,
                "physicalLocation": {
                    "artifactLocation": artifact_location(d.path, root),
                    "region": {
                        "startLine": r.start.line,
                        "startColumn": r.start.column,
                        "endLine": max(r.end.line, r.start.line),
                        "endColumn": r.end.column if r.end > r.start else r.start.column,
                    },
                },
                "message": {"text": r.message},
            }
            for n, r in enumerate(d.related)
        ]
    if d.cell is not None:
        out["properties"] = {"cell": d.cell}
    if d.fix is not None:
        out.setdefault("properties", {})["fix"] = {
            "applicability": d.fix.applicability,
            "title": d.fix.message,
        }
    return out


def _directory_uri(root: Path) -> str:
    uri = root.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def to_sarif(
    results: Sequence[FileResult], root: Path | None = None, docs_url: str | None = None
) -> dict[str, Any]:
    """The SARIF log as a dict (see :func:`render`)."""
    root = Path.cwd() if root is None else root
    rules = rule_descriptors(docs_url)
    index = {str(r["id"]): i for i, r in enumerate(rules)}
    diags = sorted((d for r in results for d in r.diagnostics), key=Diagnostic.sort_key)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pooling-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
                "columnKind": "unicodeCodePoints",
                "results": [result(d, index[d.code], root) for d in diags if d.code in index],
            }
        ],
    }


def render(
    results: Sequence[FileResult], root: Path | None = None, docs_url: str | None = None, **_: Any
) -> str:
    """SARIF 2.1.0 JSON for ``results``; paths relative to ``root`` (default: the cwd)."""
    return json.dumps(to_sarif(results, root, docs_url), indent=2) + "\n"
