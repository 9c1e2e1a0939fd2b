"""The pipeline: find files -> triage -> one ``ast`` parse -> facts -> rules -> diagnostics.

Fixes are applied by :mod:`pooling_lint.writer` (libcst), imported only when fixing.
"""

from __future__ import annotations

import ast
import difflib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pooling_lint.analysis.facts import FileFacts, build_facts
from pooling_lint.analysis.names import IMPLICIT_ALIASES
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.project import ProjectContext
from pooling_lint.analysis.walk import COMPOUND_STATEMENTS as _COMPOUND
from pooling_lint.analysis.walk import child_blocks
from pooling_lint.config import Config
from pooling_lint.diagnostics import (
    FILE_ERROR,
    INTERNAL_ERROR,
    SYNTAX_ERROR,
    Diagnostic,
    Fix,
    Related,
    engine_diagnostic,
)
from pooling_lint.fixes import FileChangedError, reparses, select_fixes, write_atomic
from pooling_lint.rules import ENGINE_CODES, all_rules
from pooling_lint.rules.base import Finding, Rule
from pooling_lint.source import SourceError, SourceFile, long_bool_chain, read_source
from pooling_lint.suppression import parse_noqa
from pooling_lint.triage import Plan, can_hold_findings, quiet_parse, triage_for
from pooling_lint.triage import plan as triage_plan

#: A file that mentions none of these cannot hold a finding: every rule is about framework code.
FRAMEWORK_WORDS = ("torch", "tensorflow", "keras")

MAX_FIX_ROUNDS = 10


@dataclass(frozen=True)
class Options:
    """How to check: the rules, the config and what to do with fixes."""

    config: Config = field(default_factory=Config)
    rules: tuple[Rule, ...] = ()
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    verbose: bool = False
    #: follow the imports between the checked files (project mode, pooling_lint/project.py)
    project: bool = True

    @classmethod
    def for_config(cls, config: Config, **kwargs: bool) -> Options:
        rules = tuple(r() for r in all_rules() if config.is_enabled(r.code))
        return cls(config=config, rules=rules, **kwargs)


@dataclass
class FileResult:
    """The outcome for one file."""

    path: Path
    display: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixes_applied: int = 0
    diff: str = ""


def _engine_diag(code: str, message: str, display: str, line: int = 1, col: int = 1) -> Diagnostic:
    return engine_diagnostic(code, message, display, line, col)


def triage(text: str, rules: Sequence[Rule]) -> bool:
    """Can this file hold any finding of these rules at all? (text, then ``ast``; see triage.py)"""
    return can_hold_findings(text, rules)


#: trees this process parsed already (the project pass's), by their text: the check of the
#: same text takes its tree instead of parsing it again (runner.py fills and empties it; the
#: analysis never changes a tree, which the project pass's rounds rely on too)
PARSED: dict[str, ast.Module] = {}


def parse(text: str, display: str) -> ast.Module | Diagnostic:
    """Parse with Python's ``ast``; a syntax error becomes a PLG000 diagnostic at its line."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return _engine_diag(SYNTAX_ERROR, "source contains a null byte", display, line)
    if PARSED:
        tree = PARSED.pop(text, None)
        if tree is not None:
            return tree
    try:
        return quiet_parse(text)
    except SyntaxError as exc:
        message = str(exc.msg or "invalid syntax")
        if "too many nested" in message or "too complex" in message:
            why = f"file is too deeply nested to parse ({message})"
            return _engine_diag(FILE_ERROR, why, display)
        line = exc.lineno or 1
        col = max(exc.offset or 1, 1)
        return _engine_diag(SYNTAX_ERROR, f"syntax error: {message}", display, line, col)
    except (RecursionError, MemoryError):
        return _engine_diag(FILE_ERROR, "file is too deeply nested to parse", display)
    except ValueError as exc:
        return _engine_diag(SYNTAX_ERROR, f"syntax error: {exc}", display)


def statement_spans(tree: ast.Module, src: SourceLines) -> dict[int, tuple[int, int]]:
    """For each line, the innermost statement span containing it (for ``# noqa``).

    A simple statement (and the others on its line after ``;``) spans its lines; a compound
    statement only its header's first line. Blocks written on their header's line add nothing.
    """
    spans: list[tuple[int, int]] = []
    blocks: list[Sequence[ast.stmt]] = [tree.body]
    while blocks:
        body = blocks.pop()
        line_start = line_end = -1
        for stmt in body:
            if type(stmt) in _COMPOUND:
                if line_start != -1:
                    spans.append((line_start, line_end))
                    line_start = -1
                spans.append((stmt.lineno, stmt.lineno))
                blocks.extend(child_blocks(src, stmt))
                continue
            end = stmt.end_lineno or stmt.lineno
            if line_start != -1 and stmt.lineno == line_end:
                line_end = max(line_end, end)  # `a = 1; b = f(` ... on one logical line
                continue
            if line_start != -1:
                spans.append((line_start, line_end))
            line_start, line_end = stmt.lineno, end
        if line_start != -1:
            spans.append((line_start, line_end))
    return _innermost_spans(spans)


def _innermost_spans(spans: list[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """For each line, the smallest statement span that contains it.

    Built once per file in time linear in the file's length (simple statements never overlap,
    compound statements contribute only their header line), so a file with many findings is
    not quadratic.
    """
    best: dict[int, tuple[int, int]] = {}
    for first, last in sorted(spans, key=lambda s: s[0] - s[1]):  # widest first
        for line in range(first, last + 1):
            best[line] = (first, last)
    return best


def lint_module_text(
    text: str,
    display: str,
    rules: Sequence[Rule],
    verbose: bool = False,
    project: dict[str, Any] | None = None,
) -> list[Diagnostic]:
    """Lint one piece of source text (a file, or a notebook cell) and return its diagnostics.

    Suppressions and per-file ignores are not applied here; see :func:`filter_diagnostics`.
    """
    plan = triage_plan(text, rules)
    if project:
        # the padding evidence the rules' second word groups look for may be in another
        # module: every rule's triggers count, also where some rules' groups are met here
        # (a plan narrowed to those rules would drop the others' triggers)
        whole = triage_for(rules)
        if whole.text_stage(text):
            plan = Plan(whole)
    if plan is None:
        return []
    parsed = parse(text, display)
    if isinstance(parsed, Diagnostic):
        return [parsed]
    tree = parsed
    if plan.narrowed is None or not plan.narrowed.tree_stage(text, tree):
        return []
    long_chain = long_bool_chain(text, tree)
    if long_chain is not None:
        return [_engine_diag(FILE_ERROR, long_chain, display)]
    src = SourceLines(text)
    try:
        context = ProjectContext.from_json(project) if project else None
        facts = build_facts(tree, src, context)
    except RecursionError:
        return [_engine_diag(FILE_ERROR, "file is too deeply nested to analyse", display)]
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        return [_internal(display, "the analysis", exc, verbose)]
    findings: list[tuple[Rule, Finding, tuple[Related, ...]]] = []
    errors: list[Diagnostic] = []
    for rule in rules:
        try:
            facts.cited.clear()
            for finding in rule.check(facts):
                findings.append((rule, finding, _related(facts, finding)))
                facts.cited.clear()
        except RecursionError:
            errors.append(_engine_diag(FILE_ERROR, "file is too deeply nested to check", display))
        except Exception as exc:  # noqa: BLE001
            errors.append(_internal(display, f"rule {rule.code} ({rule.name})", exc, verbose))
    if not findings:
        return errors
    innermost = statement_spans(tree, src)
    implied = _implied_note(facts.imports.implicit)
    out = errors
    seen: set[tuple[str, int, int, str]] = set()
    for rule, finding, related in findings:
        start, end = src.start(finding.node), src.end(finding.node)
        key = (rule.code, start.line, start.column, "")
        if key in seen:
            continue
        seen.add(key)
        first, last = innermost.get(start.line, (start.line, start.line))
        out.append(
            Diagnostic(
                code=rule.code,
                name=rule.name,
                message=finding.message + implied,
                path=display,
                start=start,
                end=end,
                fix=_make_fix(finding),
                stmt_first_line=first,
                stmt_last_line=max(last, end.line),
                related=related,
            )
        )
    return out


def _implied_note(aliases: frozenset[str]) -> str:
    """What a fragment's findings assume: which unbound names were read as which modules."""
    if not aliases:
        return ""
    named = ", ".join(f"`{a}` as `{IMPLICIT_ALIASES[a]}`" for a in sorted(aliases))
    return f" (this file imports nothing under these names; read {named})"


def _related(facts: FileFacts, finding: Finding) -> tuple[Related, ...]:
    """The evidence a finding's message named (and any it lists), each place once."""
    seen: set[int] = set()
    out: list[Related] = []
    for evidence in (*facts.cited, *finding.evidence):
        if id(evidence.node) in seen or not hasattr(evidence.node, "lineno"):
            continue
        seen.add(id(evidence.node))
        out.append(facts.related(evidence))
    return tuple(out)


def _make_fix(finding: Finding) -> Fix | None:
    if not finding.fix:
        return None
    return Fix(
        tuple(finding.fix),
        "safe" if finding.fix_safe else "unsafe",
        finding.fix_title,
        finding.imports,
    )


def _internal(display: str, where: str, exc: BaseException, verbose: bool) -> Diagnostic:
    message = f"internal error in {where}: {type(exc).__name__}: {exc}"
    detail = "".join(traceback.format_exception(exc)) if verbose else None
    diag = _engine_diag(INTERNAL_ERROR, message, display)
    return Diagnostic(**{**diag.__dict__, "detail": detail})


def filter_diagnostics(
    diagnostics: Sequence[Diagnostic], text: str, config: Config, path: Path
) -> list[Diagnostic]:
    """Drop what ``# noqa`` comments, select/ignore and per-file-ignores suppress."""
    if not diagnostics:
        return []  # most files: no need to tokenize them for noqa comments
    noqa = parse_noqa(text)
    per_file = config.ignored_for(path)
    kept = []
    for d in diagnostics:
        if d.code not in ENGINE_CODES:
            if not config.is_enabled(d.code) or any(d.code.startswith(c) for c in per_file):
                continue
            if noqa.suppresses(d.code, {d.start.line, d.stmt_first_line, d.stmt_last_line}):
                continue
        kept.append(d)
    return sorted(kept, key=Diagnostic.sort_key)


LintText = Callable[[str], list[Diagnostic]]


def check_text(
    text: str,
    display: str,
    path: Path,
    options: Options,
    project: dict[str, Any] | None = None,
) -> list[Diagnostic]:
    """Lint and filter one file's text (``project``: its project-mode context, if any)."""
    diags = lint_module_text(text, display, options.rules, options.verbose, project)
    return filter_diagnostics(diags, text, options.config, path)


def fix_text(lint: LintText, text: str, unsafe: bool) -> tuple[str, int, list[Diagnostic]]:
    """Apply fixes round by round until none is left; returns (text, fixes applied, remaining)."""
    applied = 0
    diags = lint(text)
    for _ in range(MAX_FIX_ROUNDS):
        chosen = select_fixes(diags, unsafe)
        if not chosen:
            break
        from pooling_lint.writer import apply_fixes  # libcst: only on the fix path

        new = apply_fixes(text, [d.fix for d in chosen if d.fix is not None])
        if new == text or not reparses(new):
            break  # never write a file that does not parse
        text, applied = new, applied + len(chosen)
        diags = lint(text)
    return text, applied, diags


def unified_diff(old: str, new: str, display: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{display}",
            tofile=f"b/{display}",
        )
    )


def _contained(
    where: str, display: str, options: Options, result: FileResult, exc: Exception
) -> FileResult:
    """One file's unexpected failure becomes its PLG999; the run goes on with the others."""
    result.diagnostics = [_internal(display, where, exc, options.verbose)]
    result.diff = ""
    return result


def check_file(path: Path, display: str, options: Options) -> FileResult:
    """Check one file; with ``options.fix``/``diff`` also fix it (or show the diff).

    Never raises for a problem with one file: it becomes that file's diagnostic.
    """
    try:
        return _check_file(path, display, options)
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        return _contained("the engine", display, options, FileResult(path, display), exc)


def _check_file(path: Path, display: str, options: Options) -> FileResult:
    result = FileResult(path=path, display=display)
    try:
        source = read_source(path)
    except SourceError as exc:
        result.diagnostics = [_engine_diag(FILE_ERROR, str(exc), display)]
        return result
    if path.suffix == ".ipynb":
        from pooling_lint.notebook import check_notebook_source

        return check_notebook_source(source, display, options, result)
    return check_source(source, display, options, result)


def check_source(
    source: SourceFile,
    display: str,
    options: Options,
    result: FileResult,
    project: dict[str, Any] | None = None,
) -> FileResult:
    """Check (and with ``--fix`` fix) one file already read; never raises for one file."""
    try:
        return _check_source(source, display, options, result, project)
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        return _contained("the engine", display, options, result, exc)


def _check_source(
    source: SourceFile,
    display: str,
    options: Options,
    result: FileResult,
    project: dict[str, Any] | None = None,
) -> FileResult:
    path = source.path
    if path.suffix == ".ipynb":
        from pooling_lint.notebook import check_notebook_source

        return check_notebook_source(source, display, options, result)

    def lint(text: str) -> list[Diagnostic]:
        return check_text(text, display, path, options, project)

    if not (options.fix or options.diff):
        result.diagnostics = lint(source.text)
        return result
    new, applied, remaining = fix_text(lint, source.text, options.unsafe_fixes)
    result.diagnostics = remaining
    if new == source.text:
        return result
    if options.diff:
        result.diff = unified_diff(source.text, new, display)
        result.diagnostics = lint(source.text)
        result.fixes_applied = applied
        return result
    try:
        write_atomic(path, source.encode(new), expected_old=source.raw)
    except FileChangedError as exc:
        result.diagnostics = [_engine_diag(FILE_ERROR, f"not fixed: {exc}", display)] + lint(
            source.text
        )
        return result
    except OSError as exc:
        result.diagnostics = [
            _engine_diag(FILE_ERROR, f"not fixed: cannot write: {exc.strerror or exc}", display)
        ] + lint(source.text)
        return result
    result.fixes_applied = applied
    return result


def lint_source_text(
    text: str, options: Options | None = None, display: str = "<string>"
) -> list[Diagnostic]:
    """Convenience for tests and the flake8 plugin: lint a string with the default rules."""
    if options is None:
        options = Options.for_config(Config())
    return check_text(text, display, Path(display), options)
