"""The analysis runs without an internal error over a sample of the real frameworks' sources.

The installed torch / keras / tensorflow packages are located without importing them; a
deterministic sample (every k-th file by sorted path) is parsed and analysed. Files Python's
``ast`` cannot parse are skipped: the engine is only ever given parsed modules.
"""

from __future__ import annotations

import ast
import importlib.util
import time
from pathlib import Path

import pytest

from pooling_lint.analysis.facts import build_facts
from pooling_lint.analysis.positions import SourceLines

SAMPLE = 300
MAX_BYTES = 200_000  # a few generated files are megabytes of tables; they add time, not cases
BUDGET_S = 60.0


def _package_files(name: str) -> list[Path]:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    files: list[Path] = []
    for location in spec.submodule_search_locations:
        files.extend(Path(location).rglob("*.py"))
    return files


def _sample() -> list[Path]:
    files = sorted(
        {p for name in ("torch", "keras", "tensorflow", "tf_keras") for p in _package_files(name)}
    )
    files = [p for p in files if p.stat().st_size <= MAX_BYTES]
    if not files:
        return []
    stride = max(1, len(files) // SAMPLE)
    return files[::stride][:SAMPLE]


def test_build_facts_over_framework_sources() -> None:
    sample = _sample()
    if not sample:
        pytest.skip("none of torch, keras, tensorflow is installed")
    start = time.monotonic()
    analysed = 0
    for path in sample:
        try:
            text = path.read_text(encoding="utf-8")
            module = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError, RecursionError, ValueError):
            continue
        try:
            facts = build_facts(module, SourceLines(text))
        except Exception as exc:  # noqa: BLE001 - name the file that broke the engine
            raise AssertionError(f"build_facts raised on {path}: {exc!r}") from exc
        # the events point at nodes of this module
        for r in facts.reductions[:3]:
            assert facts.line(r.node) >= 1
            assert facts.location(r.node) <= facts.end_location(r.node)
        analysed += 1
    elapsed = time.monotonic() - start
    assert analysed >= min(len(sample), SAMPLE) * 0.9
    assert elapsed < BUDGET_S * 2, f"{analysed} files took {elapsed:.0f}s"
