"""Shared pieces for the speed-machinery tests (triage, cache, parallel runner)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from pooling_lint.config import Config
from pooling_lint.diagnostics import Diagnostic
from pooling_lint.engine import FileResult, Options

REPO_ROOT = Path(__file__).resolve().parents[2]

#: PLG302 (the foundation's rule) at 4:12, with a safe fix.
BUGGY = (
    "import tensorflow as tf\n"
    "\n"
    "def pool(hidden):\n"
    "    return tf.reduce_sum(hidden, reduction_indices=1)\n"
)
CLEAN = BUGGY.replace("reduction_indices=", "axis=")


def corpus_files() -> list[Path]:
    """The fixture corpus: tests/fixtures/**.py and examples/*.py, whatever exists."""
    fixtures = REPO_ROOT / "tests" / "fixtures"
    # The issue-#13 recall reproductions are not part of this corpus yet.
    files = sorted(
        p for p in fixtures.rglob("*.py") if p.relative_to(fixtures).parts[0] != "recall"
    )
    files += sorted((REPO_ROOT / "examples").glob("*.py"))
    return files


def default_options(**kwargs: bool) -> Options:
    return Options.for_config(Config(root=REPO_ROOT), **kwargs)


def keyed(results: Sequence[FileResult]) -> list[tuple[str, str, int, int, str]]:
    return [
        (d.path, d.code, d.start.line, d.start.column, d.message)
        for r in results
        for d in r.diagnostics
    ]


def everything(results: Sequence[FileResult]) -> list[tuple[str, list[Diagnostic]]]:
    return [(r.display, list(r.diagnostics)) for r in results]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: one buggy file, one clean file, one non-framework file."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "buggy.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "pkg" / "clean.py").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "pkg" / "plain.py").write_text("def f(x):\n    return x\n", encoding="utf-8")
    return tmp_path
