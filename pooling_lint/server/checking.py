"""Checking what the editor holds: one Python document, or a notebook's code cells as one
program. The same config (``[tool.pooling-lint]`` found from the document's path, or
``--config``), ``noqa`` comments and per-file ignores as the CLI; the fix loop is the engine's,
so "fix all" equals ``pooling-lint check --fix``."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pooling_lint.config import Config, ConfigError, load_config
from pooling_lint.diagnostics import FILE_ERROR, INTERNAL_ERROR, Diagnostic, Location
from pooling_lint.engine import Options, check_text, fix_text
from pooling_lint.notebook import CellsCheck, check_cells
from pooling_lint.rules import ENGINE_CODES, known_codes


@dataclass(frozen=True)
class Target:
    """How to check one document: its options, and a config problem to report on it."""

    path: Path
    display: str
    options: Options
    excluded: bool = False
    problem: Diagnostic | None = None


def engine_diagnostic(code: str, message: str, display: str) -> Diagnostic:
    """A diagnostic of the engine's own (PLG900, PLG999) at the top of the document."""
    loc = Location(1, 1)
    return Diagnostic(
        code, ENGINE_CODES[code][0], message, display, loc, loc, stmt_first_line=1, stmt_last_line=1
    )


def target_for(path: Path, config_file: Path | None) -> Target:
    """The options for the document at ``path`` (which need not exist on disk yet).

    The config is read for every check (a few ``stat`` calls and one small TOML file), so an
    edit to ``pyproject.toml`` counts at the next keystroke without a file watcher.
    """
    display = path.as_posix()
    try:
        config = load_config(config_file, path, known_codes())
    except ConfigError as exc:
        options = Options.for_config(Config(root=path.parent))
        return Target(
            path,
            display,
            options,
            problem=engine_diagnostic(FILE_ERROR, f"config not used: {exc}", display),
        )
    return Target(path, display, Options.for_config(config), _force_excluded(path, config))


def _force_excluded(path: Path, config: Config) -> bool:
    """With ``force-exclude = true`` an excluded file stays unchecked in the editor too, as it
    would in pre-commit (the CLI checks any file named explicitly otherwise)."""
    if not config.force_exclude or not path.is_file():
        return False
    from pooling_lint.files import discover

    files, _ = discover([path], config, force_exclude=True)
    return not files


def _contained(target: Target, exc: Exception) -> Diagnostic:
    detail = "".join(traceback.format_exception(exc))
    message = f"internal error in the language server: {type(exc).__name__}: {exc}"
    return replace(engine_diagnostic(INTERNAL_ERROR, message, target.display), detail=detail)


def check_python(text: str, target: Target) -> list[Diagnostic]:
    """The diagnostics of one Python document; never raises (an error becomes PLG999)."""
    if target.excluded:
        return []
    problem = [target.problem] if target.problem else []
    try:
        return problem + check_text(text, target.display, target.path, target.options)
    except Exception as exc:  # noqa: BLE001 - a bug must not take the server down
        return [*problem, _contained(target, exc)]


def fix_python(text: str, target: Target) -> str:
    """``text`` with its safe fixes applied round by round, as ``--fix`` would write it."""
    if target.excluded:
        return text
    path, display, options = target.path, target.display, target.options

    def lint(source: str) -> list[Diagnostic]:
        return check_text(source, display, path, options)

    new, _, _ = fix_text(lint, text, unsafe=False)
    return new


EMPTY_CHECK = CellsCheck((), (), {})


def check_notebook(
    sources: Sequence[str],
    target: Target,
    fix: Callable[[Diagnostic], bool] | None = None,
    single: bool = False,
) -> CellsCheck:
    """Notebook cells checked together (cell ``n`` is ``sources[n - 1]``); never raises.

    ``fix`` chooses fixes to apply: all the safe ones (fix all), or with ``single`` the one
    diagnostic it accepts, safe or not, in one round. A config problem or an internal error is
    reported on the first cell.
    """
    if target.excluded or not sources:
        return EMPTY_CHECK
    options = replace(target.options, unsafe_fixes=single)
    try:
        result = check_cells(sources, target.display, target.path, options, fix, single)
    except Exception as exc:  # noqa: BLE001 - a bug must not take the server down
        result = CellsCheck((replace(_contained(target, exc), cell=1),), ((),), {})
    if target.problem is None:
        return result
    return replace(
        result,
        diagnostics=(replace(target.problem, cell=1), *result.diagnostics),
        related=((), *result.related),
    )
