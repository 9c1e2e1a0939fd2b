"""flake8 plugin: ``flake8 --select=PLG`` reports pooling-lint's findings.

flake8 owns the selection (``--select``/``--ignore``/``--extend-ignore``), the ``# noqa``
comments and ``per-file-ignores``; this plugin therefore runs every rule and reports every
finding unfiltered, so nothing is suppressed twice or by two different rules. Positions are
pooling-lint's: flake8 takes a 0-based column and prints it 1-based, so the printed
``line:col`` equals pooling-lint's own. ``[tool.pooling-lint]`` settings are not read under
flake8. Registered in pyproject.toml under ``[project.entry-points."flake8.extension"]``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Any

from pooling_lint import __version__


class Flake8Plugin:
    """A flake8 tree plugin (flake8 calls ``run`` once per file)."""

    name = "pooling-lint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str = "<stdin>") -> None:
        # ``tree`` is unused (the engine parses the text itself, with the checks it needs
        # around the parse), but asking for it is what makes flake8 treat this as a per-file
        # plugin.
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        from pooling_lint.engine import lint_module_text
        from pooling_lint.rules import all_rules

        text = "".join(self.lines)
        rules = tuple(rule() for rule in all_rules())
        for d in lint_module_text(text, self.filename, rules):
            yield d.start.line, d.start.column - 1, f"{d.code} {d.message}", type(self)
