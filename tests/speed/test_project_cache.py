"""Project mode's work is kept in the result cache (issue 11's warm target after project mode).

An unchanged tree (same files, same stamps) gets the last run's contexts without a module being
read or analysed; after a change, a module whose content and context did not change gets its
summary from the cache; findings are those of a run without any cache.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pooling_lint import cache as cache_module
from pooling_lint import project
from pooling_lint.cache import ResultCache
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import FileResult, check_paths
from tests.test_project_mode import MODEL, TRAIN
from tests.test_project_mode import PADDING_DATA as DATA
from tests.test_project_mode import STACKING_DATA as STACKED

# the same three-module project as the project-mode tests: data.py pads, model.py pools
OTHER = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    from helpers import scale

    def other(rows):
        return scale(pad_sequence(rows))
"""
HELPERS = """
    def scale(x):
        return x * 2
"""


def _write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _tree(root: Path) -> list[Path]:
    root.mkdir()
    modules = {
        "data.py": DATA,
        "model.py": MODEL,
        "train.py": TRAIN,
        "other.py": OTHER,
        "helpers.py": HELPERS,
    }
    for name, text in modules.items():
        _write(root / name, text)
    return sorted(root.glob("*.py"))


def _codes(results: list[FileResult]) -> set[tuple[str, int, str]]:
    return {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}


@pytest.fixture
def stamps_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test are seconds old: let their stamps count."""
    monkeypatch.setattr(cache_module, "RACY_SECONDS", -1.0)


@pytest.fixture
def summaries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules analysed (summarised) by the project pass, in order."""
    seen: list[str] = []
    original = project.Project._summarise

    def spy(self: project.Project, module: Any, ctx: Any) -> Any:
        seen.append(module.path.name)
        return original(self, module, ctx)

    monkeypatch.setattr(project.Project, "_summarise", spy)
    return seen


def test_an_unchanged_tree_does_no_project_work(
    tmp_path: Path, stamps_trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path / "tree")
    options = Options.for_config(Config())
    cache_dir = tmp_path / "cache"
    first = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert _codes(first) == {("model.py", 9, "PLG101")}

    def no_reading(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the project pass read the tree again")

    monkeypatch.setattr(project.Project, "__init__", no_reading)
    warm = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert _codes(warm) == _codes(first)


def test_a_change_reanalyses_only_what_it_reaches(
    tmp_path: Path, stamps_trusted: None, summaries: list[str]
) -> None:
    root = tmp_path / "tree"
    files = _tree(root)
    options = Options.for_config(Config())
    cache_dir = tmp_path / "cache"
    check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert "other.py" in summaries and "data.py" in summaries
    summaries.clear()
    _write(root / "data.py", STACKED)
    after = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert "data.py" in summaries  # its content changed
    assert "other.py" not in summaries  # its content and its context did not
    fresh = check_paths(files, options)  # no cache at all
    assert _codes(after) == _codes(fresh) == set()


def test_a_garbled_project_section_is_ignored(tmp_path: Path, stamps_trusted: None) -> None:
    files = _tree(tmp_path / "tree")
    options = Options.for_config(Config())
    cache_dir = tmp_path / "cache"
    cache = ResultCache.open(options, cache_dir)
    check_paths(files, options, cache=cache)
    data = json.loads(cache.path.read_text(encoding="utf-8"))
    key = data["project"]["snapshot"]
    assert key is not None
    data["project"] = {
        "snapshot": key,
        "contexts": {f.as_posix(): "garbled" for f in files},
        "summaries": {k: {"kinds": 1} for k in data["project"]["summaries"]},
    }
    data["entries"] = {}
    cache.path.write_text(json.dumps(data), encoding="utf-8")
    again = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert _codes(again) == {("model.py", 9, "PLG101")}


def test_a_recent_change_is_never_served_by_the_snapshot(tmp_path: Path) -> None:
    files = _tree(tmp_path / "tree")  # just written: their stamps are not trusted
    assert project.snapshot_key(files) is None


def test_workers_check_while_the_pass_runs_and_contexts_are_rechecked(
    tmp_path: Path, stamps_trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pooling_lint import runner

    files = _tree(tmp_path / "tree")
    options = Options.for_config(Config())
    alone = _codes(check_paths(files, options))  # one process, no cache
    assert alone == {("model.py", 9, "PLG101")}
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    cache_dir = tmp_path / "cache"
    cold = check_paths(files, options, jobs=2, cache=ResultCache.open(options, cache_dir))
    warm = check_paths(files, options, jobs=2, cache=ResultCache.open(options, cache_dir))
    assert _codes(cold) == _codes(warm) == alone
    assert [r.display for r in cold] == [f.as_posix() for f in files]  # order kept
