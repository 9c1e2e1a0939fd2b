"""Jupyter notebooks (``.ipynb``): the code cells are checked together, reported cell by cell.

A notebook is one program (a model defined in cell 2 is trained in cell 5), so the code cells
are joined into one module for the analysis, with a marker comment line before each cell and a
map from module lines back to ``(cell, line in cell)``. Decisions, documented in
the README ("Where to run it"):

- **Cell numbers** are 1-based positions among *all* cells, markdown and raw included, so
  ``cell 3`` is ``nb.cells[2]`` in nbformat and the third cell on screen. Lines and columns
  are relative to the cell.
- **IPython syntax** is not Python: a line magic (``%timeit f(x)``), a shell escape
  (``!pip install x``), a captured one (``files = !ls``, ``t = %time f()``) and help
  (``obj?``, ``??obj``) become ``pass`` with the same indentation, so the line numbers stay
  right. A cell that already parses as Python is never rewritten (``a % b`` on a continued line
  stays as it is).
- **Cell magics**: ``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``, ``%%debug``,
  ``%%python``/``%%python3`` run their body as Python, so the body is checked; any other cell
  magic (``%%bash``, ``%%writefile``, ``%%html``, ...) means the cell is not Python and it is
  skipped.
- A syntax error in one cell is a ``PLG000`` for that cell; the other cells are still checked
  together.
- ``--fix`` changes only the ``source`` of the fixed cells: outputs, metadata, key order and
  the JSON layout (nbformat's one-space indent, trailing newline) are kept; the file is written
  atomically.

The notebook is read with the standard ``json`` module; nbformat is not needed to lint.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pooling_lint.diagnostics import (
    ENGINE_CODES,
    FILE_ERROR,
    SYNTAX_ERROR,
    Diagnostic,
    Edit,
    Fix,
    Location,
    Related,
)
from pooling_lint.diagnostics import engine_diagnostic as _engine_diag
from pooling_lint.engine import (
    FileResult,
    Options,
    filter_diagnostics,
    fix_text,
    lint_module_text,
    parse,
)
from pooling_lint.fixes import FileChangedError, write_atomic
from pooling_lint.source import SourceFile

#: Cell magics whose body is Python code that IPython runs (so it is checked).
PYTHON_BODY_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "python", "python3"}
)

_MARKER = "# pooling-lint: notebook cell {}"
_MARKER_RE = re.compile(r"^# pooling-lint: notebook cell (\d+)$")
_CAPTURE = re.compile(r"^[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")
_HELP_SUFFIX = re.compile(r"^[\w.\[\]()'\"]+\?\??$")
#: IPython's automagic and default shell aliases: `pip install x`, `cd data`, `ls ./train/`
#: run as magics when the line is not Python (only such lines are rewritten).
_AUTOMAGIC = re.compile(
    r"^(pip|conda|mamba|cd|ls|ll|pwd|env|load_ext|reload_ext|autoreload|matplotlib|time|"
    r"timeit|run|mkdir|rmdir|cat|rm|cp|mv|less|more|man|clear|who|whos|history|config|"
    r"pinfo|psource|pdoc|bookmark|alias|unalias|sx|sc|store|reset|xdel|tensorflow_version)"
    r"\s+([^\s=(\[.,:;+*/%&|^<>!-]|\.{1,2}/|--?\w)"
)


class NotebookError(Exception):
    """A file that is not a readable notebook; ``line``/``column`` point into the JSON text."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class CodeCell:
    """One code cell: its place among all cells, its source, and the Python we analyse."""

    number: int  # 1-based among all cells
    source: str  # as stored (list joined); what --fix and --add-noqa write back to
    python: str  # IPython syntax replaced by ``pass``, same line count, ends with "\n"
    magic_lines: frozenset[int]  # 0-based lines of ``source`` that were replaced
    stored_as_list: bool
    skipped: bool  # a non-Python cell magic (``%%bash``): not analysed, never written
    #: IPython removes a cell's leading indent (the first line's) from every line that has
    #: it; ``python`` is the dedented code, these lines (0-based) get ``indent`` back.
    indent: str = ""
    dedented: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook: the JSON document and its code cells."""

    data: dict[str, Any]
    cells: tuple[CodeCell, ...]


def _is_magic_line(stripped: str) -> bool:
    if not stripped:
        return False
    if stripped[0] in "%!?":
        return True
    if _CAPTURE.match(stripped) or _HELP_SUFFIX.match(stripped):
        return True
    return bool(_AUTOMAGIC.match(stripped)) and not _parses(stripped)


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def dedent_cell(source: str) -> tuple[str, str, frozenset[int]]:
    """``(source, indent, dedented lines)`` after IPython's leading-indent clean-up.

    When the first non-blank line of a cell is indented, IPython removes that exact
    whitespace from every line that starts with it before running the cell.
    """
    lines = source.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), 0)
    if lines[start].strip().startswith("%%"):
        # A Python cell magic (`%%time`) runs its body through the same clean-up.
        start = next((i for i in range(start + 1, len(lines)) if lines[i].strip()), start)
    first = lines[start] if lines else ""
    indent = first[: len(first) - len(first.lstrip())]
    if not indent:
        return source, "", frozenset()
    out, dedented = lines[:start], set()
    for i, line in enumerate(lines[start:], start):
        if line.startswith(indent):
            out.append(line[len(indent) :])
            dedented.add(i)
        else:
            out.append(line)
    return "\n".join(out), indent, frozenset(dedented)


def _bound_before(lines: list[str], i: int) -> bool:
    """An automagic line whose name the cell assigned earlier is Python (IPython's rule)."""
    m = _AUTOMAGIC.match(lines[i].strip())
    if m is None:
        return False
    bound = re.compile(rf"^\s*{m.group(1)}\s*(=[^=]|,|:)")
    return any(bound.match(line) for line in lines[:i])


def to_python(source: str) -> tuple[str, frozenset[int], bool]:
    """``(python, replaced line indexes, skipped)`` for one cell's source (see module docs)."""
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if name not in PYTHON_BODY_CELL_MAGICS:
            return "\n" * len(lines), frozenset(), True
        lines = ["pass", *lines[1:]]
        replaced = {0}
    else:
        replaced = set()
    text = "\n".join(lines) + "\n"
    if not replaced and _parses(text):
        return text, frozenset(), False
    out = []
    continued: str | None = None  # the indent of a magic line that ends with a backslash
    for i, line in enumerate(lines):
        stripped = line.strip()
        if continued is not None:
            # IPython joins a magic or shell escape ending with `\` with the next line
            # (`!python train.py --lr 1e-3 \` / `    --epochs 3`): one logical line.
            out.append(f"{continued}pass")
            replaced.add(i)
            continued = continued if line.endswith("\\") else None
        elif i not in replaced and _is_magic_line(stripped) and not _bound_before(lines, i):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass")
            replaced.add(i)
            continued = indent if line.endswith("\\") else None
        else:
            out.append(line)
    return "\n".join(out) + "\n", frozenset(replaced), False


def _is_python(data: dict[str, Any]) -> bool:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(field_name), str):
            return bool(value[field_name].lower().startswith("python"))
    return True


def load_notebook(text: str) -> Notebook:
    """Parse notebook JSON (nbformat 4); raises :class:`NotebookError` with a location."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"invalid notebook JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            exc.lineno,
            exc.colno,
        ) from None
    except RecursionError:
        raise NotebookError("invalid notebook JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise NotebookError("not a Jupyter notebook: the JSON document is not an object")
    if "worksheets" in data:
        raise NotebookError(
            "nbformat 3 notebooks are not supported; convert with "
            "`jupyter nbconvert --to notebook --nbformat 4`"
        )
    raw_cells = data.get("cells")
    if not isinstance(raw_cells, list):
        raise NotebookError("not a Jupyter notebook: no `cells` list")
    cells = []
    for number, cell in enumerate(raw_cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        raw = cell.get("source", "")
        if isinstance(raw, list) and all(isinstance(s, str) for s in raw):
            source, as_list = "".join(raw), True
        elif isinstance(raw, str):
            source, as_list = raw, False
        else:
            raise NotebookError(f"cell {number}: `source` is not a string or a list of strings")
        code, indent, dedented = dedent_cell(source.replace("\r\n", "\n"))
        python, magic, skipped = to_python(code)
        cells.append(
            CodeCell(number, source, python, magic, as_list, skipped, indent, dedented)
        )
    return Notebook(data=data, cells=tuple(cells) if _is_python(data) else ())


@dataclass(frozen=True)
class _Module:
    """The code cells joined into one module, and the way back from its lines to the cells."""

    text: str
    line_map: tuple[tuple[int, int] | None, ...]  # module line - 1 -> (cell, line) | marker
    #: (cell, line) -> columns IPython's leading-indent clean-up removed from that line
    shifts: dict[tuple[int, int], int] = field(default_factory=dict)


def join_cells(cells: tuple[CodeCell, ...], blank: frozenset[int] = frozenset()) -> _Module:
    """Join the analysable cells; cells in ``blank`` keep their lines but lose their code."""
    parts: list[str] = []
    line_map: list[tuple[int, int] | None] = []
    shifts: dict[tuple[int, int], int] = {}
    for cell in cells:
        if cell.skipped:
            continue
        shifts.update(((cell.number, i + 1), len(cell.indent)) for i in cell.dedented)
        parts.append(_MARKER.format(cell.number) + "\n")
        line_map.append(None)
        n = cell.python.count("\n")
        parts.append("\n" * n if cell.number in blank else cell.python)
        line_map.extend((cell.number, i) for i in range(1, n + 1))
    return _Module("".join(parts), tuple(line_map), shifts)


def _map_loc(module: _Module, loc: Location) -> tuple[int | None, Location]:
    index = min(max(loc.line - 1, 0), len(module.line_map) - 1) if module.line_map else -1
    target = module.line_map[index] if index >= 0 else None
    if target is None:
        return None, loc
    return target[0], Location(target[1], loc.column + module.shifts.get(target, 0))


def _map_line(module: _Module, line: int, fallback: int) -> int:
    if line <= 0 or line > len(module.line_map):
        return fallback
    target = module.line_map[line - 1]
    return target[1] if target is not None else fallback


#: How messages cite evidence (``FileFacts.where``): "`pad_sequences(...)` at line 12".
_LINE_REF = re.compile(r"\bat line (\d+)\b")


def _cite_cells(module: _Module, message: str) -> str:
    """Rewrite "at line 12" (a module line) as "at cell 3, line 2"."""

    def cite(m: re.Match[str]) -> str:
        line = int(m.group(1))
        if not 0 < line <= len(module.line_map) or module.line_map[line - 1] is None:
            return m.group(0)
        cell, cell_line = module.line_map[line - 1]  # type: ignore[misc]
        return f"at cell {cell}, line {cell_line}"

    return _LINE_REF.sub(cite, message)


def to_cells(module: _Module, d: Diagnostic) -> Diagnostic:
    """A module-coordinate diagnostic moved to its cell (lines relative to the cell)."""
    cell, start = _map_loc(module, d.start)
    _, end = _map_loc(module, d.end)
    fix = d.fix
    if fix is not None:
        edits = tuple(
            Edit(_map_loc(module, e.start)[1], _map_loc(module, e.end)[1], e.content)
            for e in fix.edits
        )
        fix = Fix(edits, fix.applicability, fix.message, fix.imports)
    related = []
    for r in d.related:
        r_cell, r_start = _map_loc(module, r.start)
        if r_cell == cell:  # evidence in another cell has no place in this cell's lines
            related.append(Related(r.message, r_start, _map_loc(module, r.end)[1]))
    return replace(
        d,
        related=tuple(related),
        message=_cite_cells(module, d.message) if d.code not in ENGINE_CODES else d.message,
        start=start,
        end=end if end >= start else start,
        fix=fix,
        cell=cell,
        stmt_first_line=_map_line(module, d.stmt_first_line, start.line),
        stmt_last_line=_map_line(module, d.stmt_last_line, start.line),
    )


def _syntax_errors(nb: Notebook, display: str) -> tuple[list[Diagnostic], frozenset[int]]:
    """PLG000 for each cell that does not parse on its own, and those cells' numbers."""
    errors = []
    bad = set()
    for cell in nb.cells:
        if cell.skipped:
            continue
        parsed = parse(cell.python, display)
        if isinstance(parsed, Diagnostic):
            shift = len(cell.indent) if parsed.start.line - 1 in cell.dedented else 0
            start = Location(parsed.start.line, parsed.start.column + shift)
            errors.append(replace(parsed, cell=cell.number, start=start, end=start))
            bad.add(cell.number)
    return errors, frozenset(bad)


class _Linter:
    """Lints a notebook's joined module, remembering the cells that had to be blanked."""

    def __init__(self, nb: Notebook, display: str, path: Path, options: Options) -> None:
        self.nb, self.display, self.path, self.options = nb, display, path, options
        self.broken: list[Diagnostic] = []
        self.blank: frozenset[int] = frozenset()
        self.module = join_cells(nb.cells)

    def lint(self, text: str) -> list[Diagnostic]:
        """Module-coordinate diagnostics for ``text`` (the joined module, maybe fixed)."""
        diags = lint_module_text(text, self.display, self.options.rules, self.options.verbose)
        if any(d.code == SYNTAX_ERROR for d in diags) and not self.blank:
            self.broken, self.blank = _syntax_errors(self.nb, self.display)
            if self.blank:
                self.module = join_cells(self.nb.cells, self.blank)
                text = self.module.text
                diags = lint_module_text(
                    text, self.display, self.options.rules, self.options.verbose
                )
        return filter_diagnostics(diags, text, self.options.config, self.path)

    def report(self, diags: list[Diagnostic]) -> list[Diagnostic]:
        """Cell-coordinate diagnostics: the syntax errors per cell plus the mapped findings."""
        mapped = [to_cells(self.module, d) for d in diags]
        return sorted([*self.broken, *mapped], key=Diagnostic.sort_key)


def split_module(text: str, cells: tuple[CodeCell, ...]) -> dict[int, str] | None:
    """The per-cell Python of a (fixed) joined module; ``None`` if the markers were disturbed."""
    out: dict[int, list[str]] = {}
    current: int | None = None
    for line in _split_lines(text):
        m = _MARKER_RE.match(line.rstrip("\r\n"))
        if m:
            current = int(m.group(1))
            if current in out:
                return None
            out[current] = []
        elif current is None:
            return None
        else:
            out[current].append(line)
    expected = [c.number for c in cells if not c.skipped]
    if list(out) != expected:
        return None
    return {n: "".join(lines) for n, lines in out.items()}


def _split_lines(text: str) -> list[str]:
    """Lines with their ``\n`` (unlike ``str.splitlines``, form feeds do not split)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def restore_source(cell: CodeCell, python: str) -> str | None:
    """The cell source for new Python text: magics put back, the original ending kept."""
    if python == cell.python:
        return cell.source
    new_lines = python.split("\n")[:-1]
    if cell.magic_lines:
        old_python = cell.python.split("\n")[:-1]
        if len(new_lines) != len(old_python) or any(
            new_lines[i] != old_python[i] for i in cell.magic_lines
        ):
            return None  # a fix moved lines around IPython syntax; leave the cell alone
        original = cell.source.replace("\r\n", "\n").split("\n")
        for i in cell.magic_lines:
            new_lines[i] = original[i]
    if cell.dedented:
        if len(new_lines) != cell.python.count("\n"):
            return None  # lines moved: the indent cannot be put back line by line
        new_lines = [cell.indent + line if i in cell.dedented else line
                     for i, line in enumerate(new_lines)]
        if cell.magic_lines:
            original = cell.source.replace("\r\n", "\n").split("\n")
            for i in cell.magic_lines:
                new_lines[i] = original[i]
    text = "\n".join(new_lines)
    return text + "\n" if cell.source.endswith("\n") else text


def new_sources(nb: Notebook, text: str, writable: frozenset[int]) -> dict[int, str] | None:
    """Cell number -> new source for every cell that changed, or ``None`` if unsafe."""
    split = split_module(text, nb.cells)
    if split is None:
        return None
    out = {}
    for cell in nb.cells:
        if cell.skipped or cell.number not in writable or split[cell.number] == cell.python:
            continue
        source = restore_source(cell, split[cell.number])
        if source is None:
            return None
        if source != cell.source:
            out[cell.number] = source
    return out


def _indent_of(text: str) -> int | None:
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped:
            return len(line) - len(stripped)
    return None


def dump_like(data: dict[str, Any], original: str) -> str:
    """Serialise ``data`` in the layout of ``original`` (nbformat's: indent 1, no ASCII escapes)."""
    indent = _indent_of(original) if "\n" in original.strip() else None
    try:
        before = json.loads(original)
    except ValueError:
        before = None
    ensure_ascii = False
    for candidate in (False, True):
        if before is not None and _dumps(before, indent, candidate) == original.rstrip():
            ensure_ascii = candidate
            break
    tail = original[len(original.rstrip()) :]
    return _dumps(data, indent, ensure_ascii) + tail


def _dumps(data: Any, indent: int | None, ensure_ascii: bool) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=ensure_ascii)


def with_sources(nb: Notebook, sources: dict[int, str]) -> dict[str, Any]:
    """A copy of the notebook document with some cells' ``source`` replaced."""
    data: dict[str, Any] = json.loads(json.dumps(nb.data))
    by_number = {c.number: c for c in nb.cells}
    for number, source in sources.items():
        cell = data["cells"][number - 1]
        if by_number[number].stored_as_list:
            cell["source"] = source.splitlines(keepends=True)
        else:
            cell["source"] = source
    return data


def cell_diff(nb: Notebook, sources: dict[int, str], display: str) -> str:
    """A unified diff per changed cell, headed ``a/nb.ipynb:cell N``."""
    chunks = []
    for cell in nb.cells:
        if cell.number not in sources:
            continue
        chunks.append(
            "".join(
                difflib.unified_diff(
                    _lines(cell.source),
                    _lines(sources[cell.number]),
                    fromfile=f"a/{display}:cell {cell.number}",
                    tofile=f"b/{display}:cell {cell.number}",
                )
            )
        )
    return "".join(chunks)


def _lines(text: str) -> list[str]:
    return [line if line.endswith("\n") else line + "\n" for line in text.splitlines(True)]


def read_notebook(source: SourceFile, display: str) -> Notebook | Diagnostic:
    """The notebook in ``source``, or a PLG900 that names the JSON error and its line."""
    try:
        return load_notebook(source.text)
    except NotebookError as exc:
        return _engine_diag(FILE_ERROR, str(exc), display, exc.line, exc.column)


def write_notebook(source: SourceFile, nb: Notebook, sources: dict[int, str]) -> None:
    """Write the changed cells back atomically (raises ``FileChangedError``/``OSError``)."""
    text = dump_like(with_sources(nb, sources), source.text)
    write_atomic(source.path, source.encode(text), expected_old=source.raw)


def check_notebook_source(
    source: SourceFile, display: str, options: Options, result: FileResult
) -> FileResult:
    nb = read_notebook(source, display)
    if isinstance(nb, Diagnostic):
        result.diagnostics = [nb]
        return result
    linter = _Linter(nb, display, source.path, options)
    diags = linter.lint(linter.module.text)
    if not (options.fix or options.diff):
        result.diagnostics = linter.report(diags)
        return result
    original = linter.module.text
    new, applied, remaining = fix_text(linter.lint, original, options.unsafe_fixes)
    writable = frozenset(c.number for c in nb.cells) - linter.blank
    sources = new_sources(nb, new, writable) if new != original else {}
    if sources is None:
        note = _engine_diag(FILE_ERROR, "not fixed: a fix would move IPython syntax", display)
        result.diagnostics = [note, *linter.report(diags)]
        return result
    if not sources:
        result.diagnostics = linter.report(diags if new == original else remaining)
        return result
    if options.diff:
        result.diff = cell_diff(nb, sources, display)
        result.diagnostics = linter.report(diags)
        result.fixes_applied = applied
        return result
    try:
        write_notebook(source, nb, sources)
    except FileChangedError as exc:
        note = _engine_diag(FILE_ERROR, f"not fixed: {exc}", display)
        result.diagnostics = [note, *linter.report(diags)]
        return result
    except OSError as exc:
        message = f"not fixed: cannot write: {exc.strerror or exc}"
        result.diagnostics = [_engine_diag(FILE_ERROR, message, display), *linter.report(diags)]
        return result
    result.diagnostics = linter.report(remaining)
    result.fixes_applied = applied
    return result
