"""``pooling-lint check --add-noqa``: suppress every current finding, to adopt the linter on an
existing codebase and fix the findings one by one afterwards.

Where the comment goes: on the reported line if a comment can end that line, else on the last
line of the statement, else its first line (the engine honours a ``noqa`` on any of the three).
A line can take a comment unless it ends inside a string (a triple-quoted string that goes on)
or with a backslash continuation. An existing ``# noqa: X`` on that line is extended to
``# noqa: X, Y``; any other comment is kept and the directive is appended after it. A second run
finds nothing to suppress and changes nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from pooling_lint.diagnostics import Diagnostic
from pooling_lint.engine import Options, check_text
from pooling_lint.fixes import FileChangedError, write_atomic
from pooling_lint.rules import ENGINE_CODES
from pooling_lint.source import SourceError, SourceFile, read_source
from pooling_lint.suppression import _NOQA


def commentable_lines(text: str) -> set[int] | None:
    """Lines (1-based) whose end may take a ``# comment``; ``None`` if ``text`` won't tokenize."""
    lines = text.split("\n")
    ok = {i for i, line in enumerate(lines, 1) if not line.rstrip("\r").endswith("\\")}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    open_fstrings: list[int] = []
    for tok in tokens:
        if tok.type == tokenize.STRING:
            # Every line a multi-line string starts on or goes through ends inside it.
            ok.difference_update(range(tok.start[0], tok.end[0]))
        elif fstring_start is not None and tok.type == fstring_start:
            open_fstrings.append(tok.start[0])
        elif fstring_end is not None and tok.type == fstring_end and open_fstrings:
            ok.difference_update(range(open_fstrings.pop(), tok.end[0]))
    return ok


def _comments(text: str) -> dict[int, tuple[int, str]]:
    """Line -> (column, text) of the comment token on that line."""
    out: dict[int, tuple[int, str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = (tok.start[1], tok.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def target_line(d: Diagnostic, commentable: set[int]) -> int | None:
    """The line where a ``noqa`` for ``d`` goes (see the module docs), or ``None``."""
    for line in (d.start.line, d.stmt_last_line, d.stmt_first_line):
        if line > 0 and line in commentable:
            return line
    return None


def _with_codes(line: str, comment: tuple[int, str] | None, codes: set[str]) -> tuple[str, int]:
    """``line`` with a noqa for ``codes`` (merged into an existing one); and how many were new."""
    body, ending = (line[:-1], "\r") if line.endswith("\r") else (line, "")
    if comment is not None:
        column, text = comment
        m = _NOQA.search(text)
        if m is not None and m.group("codes"):
            have = [c.upper() for c in re.split(r"[\s,]+", m.group("codes")) if c]
            new = sorted(codes - set(have))
            if not new:
                return line, 0
            merged = f"# noqa: {', '.join([*have, *new])}"
            text = text[: m.start()] + merged + text[m.end() :]
            return body[:column] + text + body[column + len(comment[1]) :] + ending, len(new)
        if m is not None:  # a bare noqa already suppresses everything
            return line, 0
    directive = f"# noqa: {', '.join(sorted(codes))}"
    return body.rstrip() + "  " + directive + ending, len(codes)


def add_noqa_text(
    text: str, diagnostics: Iterable[Diagnostic], token_text: str | None = None
) -> tuple[str, int]:
    """``text`` with a noqa for each diagnostic; and how many codes were added.

    ``token_text`` is the text to tokenize when ``text`` is not plain Python (a notebook cell
    with IPython syntax replaced); it has the same lines.
    """
    commentable = commentable_lines(token_text if token_text is not None else text)
    if commentable is None:
        return text, 0
    wanted: dict[int, set[str]] = {}
    for d in diagnostics:
        if d.code in ENGINE_CODES:
            continue  # not suppressible: the file was not fully checked
        line = target_line(d, commentable)
        if line is not None:
            wanted.setdefault(line, set()).add(d.code)
    if not wanted:
        return text, 0
    comments = _comments(token_text if token_text is not None else text)
    lines = text.split("\n")
    added = 0
    for number, codes in wanted.items():
        lines[number - 1], n = _with_codes(lines[number - 1], comments.get(number), codes)
        added += n
    return "\n".join(lines), added


def _add_to_source(source: SourceFile, display: str, options: Options) -> tuple[int, str | None]:
    diagnostics = check_text(source.text, display, source.path, options)
    new, added = add_noqa_text(source.text, diagnostics)
    if not added or new == source.text:
        return 0, None
    write_atomic(source.path, source.encode(new), expected_old=source.raw)
    return added, None


def _add_to_notebook(source: SourceFile, display: str, options: Options) -> tuple[int, str | None]:
    from pooling_lint.engine import FileResult
    from pooling_lint.notebook import check_notebook_source, read_notebook, write_notebook

    nb = read_notebook(source, display)
    if isinstance(nb, Diagnostic):
        return 0, f"{display}: {nb.message}"
    result = check_notebook_source(source, display, options, FileResult(source.path, display))
    by_cell: dict[int, list[Diagnostic]] = {}
    for d in result.diagnostics:
        if d.cell is not None:
            by_cell.setdefault(d.cell, []).append(d)
    sources: dict[int, str] = {}
    added = 0
    for cell in nb.cells:
        if cell.skipped or cell.number not in by_cell:
            continue
        new, n = add_noqa_text(cell.source, by_cell[cell.number], token_text=cell.python)
        if n:
            sources[cell.number], added = new, added + n
    if sources:
        write_notebook(source, nb, sources)
    return added, None


def add_noqa_to_files(files: Sequence[Path], options: Options) -> tuple[int, list[str]]:
    """Add noqa comments to ``files``; returns (codes added, error messages)."""
    options = replace(options, fix=False, diff=False)
    total = 0
    errors: list[str] = []
    for path in files:
        display = path.as_posix()
        try:
            source = read_source(path)
            if path.suffix == ".ipynb":
                added, error = _add_to_notebook(source, display, options)
            else:
                added, error = _add_to_source(source, display, options)
        except SourceError as exc:
            errors.append(f"{display}: {exc}")
            continue
        except FileChangedError as exc:
            errors.append(f"{display}: not changed: {exc}")
            continue
        except OSError as exc:
            errors.append(f"{display}: not changed: cannot write: {exc.strerror or exc}")
            continue
        total += added
        if error:
            errors.append(error)
    return total, errors
