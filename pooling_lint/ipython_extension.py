"""``%load_ext pooling_lint``: check each IPython/Jupyter cell before it runs.

Before a cell runs (IPython's ``pre_run_cell`` event) it is checked together with the cells
that already ran successfully, as one program (a model defined three cells ago is known), and
the findings *in this cell* are shown as :class:`PoolingLintWarning` warnings above its output:
cell-relative line and column, rule code, message and the fix. The cell then runs as usual.

``%pooling_lint``              check every cell run so far, now, and list the findings
``%pooling_lint off`` / ``on``  stop / resume checking cells before they run
``%pooling_lint raise``        findings stop the cell instead: it does not run, and the error
                               (:class:`PoolingLintFindings`) lists them
``%pooling_lint warn``         back to warnings (the default)
``%pooling_lint reset``        forget the cells run so far

The settings come from the ``[tool.pooling-lint]`` found from the working directory (or from
the notebook's path, which Jupyter gives the kernel as ``JPY_SESSION_NAME``), so ``select``,
``ignore``, ``per-file-ignores`` and ``# noqa`` work as with ``pooling-lint check``. Nothing is
imported or run to check a cell: the linter reads the code as text. The warnings are ordinary
Python warnings, so ``warnings.filterwarnings("ignore", category=PoolingLintWarning)`` silences
them and ``"error"`` turns them into exceptions printed before the cell runs.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from IPython.core.error import InputRejected

from pooling_lint.config import Config, ConfigError, load_config
from pooling_lint.diagnostics import SYNTAX_ERROR, Diagnostic
from pooling_lint.engine import Options
from pooling_lint.ipython_history import CellNames, cell_names, relevant_cells
from pooling_lint.notebook import check_cells
from pooling_lint.rules import known_codes

MAGIC = "pooling_lint"

#: Cells that only drive IPython or this extension are not checked (and not remembered).
_CONTROL_PREFIXES = ("%pooling_lint", "%load_ext", "%reload_ext", "%unload_ext")


class PoolingLintWarning(UserWarning):
    """A pooling-lint finding in the cell about to run."""


class PoolingLintFindings(InputRejected):
    """``%pooling_lint raise``: the cell had findings and was not run."""


class Mode(Enum):
    """What a finding does to the cell about to run."""

    WARN = "warn"
    RAISE = "raise"


@dataclass(frozen=True)
class RunCell:
    """A cell that ran successfully: its ``In[n]`` number, its source and its names."""

    number: int | None
    source: str
    names: CellNames


def describe(d: Diagnostic) -> str:
    """One finding as the warning shows it: ``PLG101 line 3:9: message (fix: ...)``."""
    text = f"{d.code} line {d.start.line}:{d.start.column}: {d.message}"
    if d.fix is not None:
        unsafe = ", unsafe" if d.fix.applicability == "unsafe" else ""
        text += f" (fix{unsafe}: {d.fix.message or 'available with pooling-lint check --fix'})"
    return text


#: How a message cites evidence in another cell of the checked program (see notebook.py).
_CELL_REF = re.compile(r"\bat cell (\d+), line (\d+)\b")


def cite_runs(d: Diagnostic, numbers: Sequence[int | None]) -> Diagnostic:
    """``d`` with "at cell 2, line 3" (a cell of the checked program) rewritten as the cell's
    ``In [n]`` number; ``numbers[k]`` is the number of program cell ``k + 1`` (``None``: the
    cell about to run, which has no number yet)."""

    def cite(m: re.Match[str]) -> str:
        index = int(m.group(1)) - 1
        if not 0 <= index < len(numbers):
            return m.group(0)
        number = numbers[index]
        where = "in this cell" if number is None else f"in In [{number}]"
        return f"{where}, line {m.group(2)}"

    message = _CELL_REF.sub(cite, d.message)
    return d if message == d.message else replace(d, message=message)


def _is_control(source: str) -> bool:
    stripped = source.lstrip()
    return not stripped or stripped.startswith(_CONTROL_PREFIXES)


def session_path() -> Path:
    """The path the session's config and per-file ignores are matched against."""
    name = os.environ.get("JPY_SESSION_NAME")
    return Path(name) if name else Path.cwd() / "ipython-session.ipynb"


def session_options(path: Path) -> tuple[Options, str | None]:
    """The options for ``path``; on a config error, the defaults and the error's message."""
    try:
        return Options.for_config(load_config(None, path, known_codes())), None
    except ConfigError as exc:
        return Options.for_config(Config(root=path.parent)), str(exc)


@dataclass
class CellChecker:
    """The extension's state in one shell: the cells run so far and the current mode."""

    options: Options
    path: Path
    enabled: bool = True
    mode: Mode = Mode.WARN
    history: list[RunCell] = field(default_factory=list)
    #: findings of the cell about to run, until its AST is seen (``raise`` mode)
    pending: tuple[Diagnostic, ...] = ()
    _last: tuple[tuple[str, ...], tuple[Diagnostic, ...]] | None = None

    def check(self, sources: Sequence[str]) -> tuple[Diagnostic, ...]:
        """The findings of ``sources`` checked as one program (cached for a re-run)."""
        key = tuple(sources)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        found = check_cells(sources, self.path.name, self.path, self.options).diagnostics
        self._last = (key, found)
        return found

    def findings_for(self, source: str) -> tuple[Diagnostic, ...]:
        """The findings in ``source`` when it runs after the history: checked with the earlier
        cells it needs (:func:`relevant_cells`), so the cost does not grow with the session."""
        needed = relevant_cells([c.names for c in self.history], cell_names(source))
        sources = [self.history[i].source for i in needed] + [source]
        numbers = [self.history[i].number for i in needed] + [None]
        cell = len(sources)
        # IPython reports a syntax error itself, better placed (the cell will not run).
        return tuple(
            cite_runs(d, numbers)
            for d in self.check(sources)
            if d.cell == cell and d.code != SYNTAX_ERROR
        )

    def pre_run_cell(self, info: Any) -> None:
        """IPython ``pre_run_cell``: warn about (or stage for raising) this cell's findings."""
        self.pending = ()
        source = getattr(info, "raw_cell", None)
        if not self.enabled or not isinstance(source, str) or _is_control(source):
            return
        try:
            found = self.findings_for(source)
        except Exception as exc:  # noqa: BLE001 - a linter bug must not get in the way
            warnings.warn(
                f"pooling-lint could not check this cell: {type(exc).__name__}: {exc}",
                PoolingLintWarning,
                stacklevel=1,
            )
            return
        if self.mode is Mode.RAISE:
            self.pending = found
            return
        for d in found:
            warnings.warn_explicit(
                describe(d),
                PoolingLintWarning,
                filename="cell",
                lineno=d.start.line,
                module="pooling_lint",
                registry={},  # a fresh registry: shown every time
            )

    def post_run_cell(self, result: Any) -> None:
        """IPython ``post_run_cell``: remember a cell that ran without error."""
        self.pending = ()
        info = getattr(result, "info", None)
        source = getattr(info, "raw_cell", None)
        if not isinstance(source, str) or _is_control(source) or not result.success:
            return
        # A cell run again replaces its earlier run: the program has its code once.
        self.history = [c for c in self.history if c.source != source]
        number = getattr(result, "execution_count", None)
        self.history.append(RunCell(number, source, cell_names(source)))

    def report(self) -> str:
        """``%pooling_lint``: every finding in the cells run so far, by cell."""
        if not self.history:
            return "pooling-lint: no cells have run yet."
        numbers = [c.number for c in self.history]
        found = tuple(cite_runs(d, numbers) for d in self.check([c.source for c in self.history]))
        lines = []
        for d in found:
            run = self.history[(d.cell or 1) - 1]
            where = f"In [{run.number}]" if run.number is not None else f"cell {d.cell}"
            lines.append(f"{where}: {describe(d)}")
        cells = len(self.history)
        summary = (
            f"pooling-lint: {len(found)} finding{'s' if len(found) != 1 else ''} in "
            f"{cells} cell{'s' if cells != 1 else ''} run so far."
        )
        return "\n".join([*lines, summary])


class RejectFindings(ast.NodeTransformer):
    """Registered in ``shell.ast_transformers``: in ``raise`` mode, a cell with findings is
    rejected before it runs (IPython shows the error and does not run the cell)."""

    def __init__(self, checker: CellChecker) -> None:
        self.checker = checker

    def visit(self, node: ast.AST) -> ast.AST:
        found, self.checker.pending = self.checker.pending, ()
        if found:
            count = f"{len(found)} pooling-lint finding{'s' if len(found) != 1 else ''}"
            listing = "\n".join(f"  {describe(d)}" for d in found)
            raise PoolingLintFindings(
                f"{count}; the cell was not run (`%pooling_lint warn` to run it anyway):\n{listing}"
            )
        return node


_STATE_KEY = "_pooling_lint_checker"


def load(shell: Any) -> CellChecker:
    """Install the checker into ``shell`` (once; loading again keeps the first one)."""
    existing = getattr(shell, _STATE_KEY, None)
    if isinstance(existing, CellChecker):
        return existing
    path = session_path()
    options, problem = session_options(path)
    checker = CellChecker(options=options, path=path)
    if problem:
        warnings.warn(f"pooling-lint: config not used: {problem}", PoolingLintWarning, stacklevel=2)
    shell.events.register("pre_run_cell", checker.pre_run_cell)
    shell.events.register("post_run_cell", checker.post_run_cell)
    transformer = RejectFindings(checker)
    shell.ast_transformers.append(transformer)

    def magic(line: str) -> None:
        _run_magic(checker, line)

    shell.register_magic_function(magic, "line", MAGIC)
    setattr(shell, _STATE_KEY, checker)
    setattr(shell, _STATE_KEY + "_transformer", transformer)
    return checker


def unload(shell: Any) -> None:
    """Remove what :func:`load` installed."""
    checker = getattr(shell, _STATE_KEY, None)
    if not isinstance(checker, CellChecker):
        return
    shell.events.unregister("pre_run_cell", checker.pre_run_cell)
    shell.events.unregister("post_run_cell", checker.post_run_cell)
    transformer = getattr(shell, _STATE_KEY + "_transformer", None)
    if transformer in shell.ast_transformers:
        shell.ast_transformers.remove(transformer)
    shell.magics_manager.magics["line"].pop(MAGIC, None)
    delattr(shell, _STATE_KEY)
    delattr(shell, _STATE_KEY + "_transformer")


_USAGE = "usage: %pooling_lint [on | off | warn | raise | reset]"


def _run_magic(checker: CellChecker, line: str) -> None:
    from IPython.core.error import UsageError

    word = line.strip().lower()
    if word == "":
        print(checker.report())
    elif word in ("on", "off"):
        checker.enabled = word == "on"
        print(f"pooling-lint: checking cells before they run is {word}.")
    elif word in ("warn", "raise"):
        checker.mode = Mode(word)
        print(f"pooling-lint: findings now {'stop the cell' if word == 'raise' else 'warn'}.")
    elif word == "reset":
        checker.history.clear()
        print("pooling-lint: forgot the cells run so far.")
    else:
        raise UsageError(_USAGE)
