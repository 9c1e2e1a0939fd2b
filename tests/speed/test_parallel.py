"""The process pool: same output as one process, same order, and a dead worker loses nothing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from pooling_lint import runner
from pooling_lint.cli import main
from pooling_lint.runner import Outcome, Task, check_paths, default_jobs

from .conftest import BUGGY, CLEAN, default_options, everything


@pytest.fixture
def always_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the pool even for a handful of small files (normally they stay in-process)."""
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)


@pytest.fixture
def many(tmp_path: Path) -> list[Path]:
    """Twenty files whose names sort differently from their creation order."""
    folder = tmp_path / "many"
    folder.mkdir()
    files = []
    for i in range(20):
        body = BUGGY if i % 3 == 0 else CLEAN
        if i % 7 == 0:
            body += "def broken(:\n"
        path = folder / f"m{(i * 7) % 20:02d}.py"
        path.write_text(body, encoding="utf-8")
        files.append(path)
    return sorted(files)


def test_default_jobs() -> None:
    assert default_jobs() >= 1


@pytest.mark.usefixtures("always_parallel")
def test_jobs_2_equals_jobs_1(many: list[Path]) -> None:
    options = default_options()
    one = check_paths(many, options, jobs=1)
    two = check_paths(many, options, jobs=2)
    assert everything(two) == everything(one)
    assert [r.path for r in two] == many
    assert any(d.code == "PLG302" for r in one for d in r.diagnostics)


@pytest.mark.usefixtures("always_parallel")
def test_cli_jobs_2_prints_what_jobs_1_prints(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(many[0].parent.parent)
    outputs = []
    for jobs in ("1", "2"):
        for fmt in ("text", "json"):
            result = CliRunner().invoke(
                main, ["check", "many", "--no-cache", "--jobs", jobs, "--format", fmt]
            )
            assert result.exit_code == 1, result.output
            outputs.append(result.output)
    assert outputs[0] == outputs[2]
    assert outputs[1] == outputs[3]


def _crash_on_m05(chunk: Sequence[Task]) -> list[Outcome]:
    for _, path, *_ in chunk:
        if path.name == "m05.py":
            (path.parent / "crashed").write_text("yes", encoding="utf-8")
            os._exit(3)  # a worker dies without a word, as on a segfault or the OOM killer
    return runner._check_chunk(chunk, runner._worker_options)  # type: ignore[arg-type]


@pytest.mark.usefixtures("always_parallel")
def test_a_dead_worker_loses_no_result(
    many: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    options = default_options()
    expected = check_paths(many, options, jobs=1)
    monkeypatch.setattr(runner, "_start_method", lambda: "fork")
    monkeypatch.setattr(runner, "_worker_chunk", _crash_on_m05)
    assert everything(check_paths(many, options, jobs=2)) == everything(expected)
    assert (many[0].parent / "crashed").exists()


def test_small_runs_stay_in_process(many: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("started a pool for a small run")

    monkeypatch.setattr(runner, "_run_parallel", no_pool)
    options = default_options()
    check_paths(many[:1], options, jobs=4)  # one file, as a pre-commit hook passes it
    check_paths(many, options, jobs=4)  # twenty tiny files: under the size threshold
