"""The project pass does no work twice (docs/speed.md, "Project pass, incremental").

- its rounds are incremental: a module's context is made again only when a summary it reads
  changed in the last round, and the contexts are those of rounds that make every context anew;
- the check of a file takes the tree the pass parsed (engine.PARSED) instead of parsing it
  again, and only for the same text;
- with workers, the files unlikely to get a context are checked while the pass runs, and one
  that got a context after all is checked again with it.

Behaviour only: nothing here is timed.
"""

from __future__ import annotations

import ast
import concurrent.futures
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pooling_lint import engine, runner
from pooling_lint.config import Config
from pooling_lint.engine import FileResult, Options
from pooling_lint.project import Project
from pooling_lint.runner import check_paths
from tests.test_project_mode import MODEL, TRAIN
from tests.test_project_mode import PADDING_DATA as DATA

#: imported by train.py, but nothing it gives or gets changes after the first round
LEAF = """
    import torch

    SIZE = 8

    def width():
        return SIZE
"""
USER = """
    import torch
    from leaf import width
    from data import make_batch

    def batch():
        return make_batch([[1] * width()])
"""
STANDALONE = """
    import torch

    def run(x):
        return x.mean(dim=1)
"""


def _write(root: Path, modules: dict[str, str]) -> list[Path]:
    root.mkdir(exist_ok=True)
    for name, text in modules.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return sorted(root.glob("*.py"))


def _tree(root: Path) -> list[Path]:
    return _write(
        root,
        {
            "data.py": DATA,
            "model.py": MODEL,
            "train.py": TRAIN,
            "leaf.py": LEAF,
            "user.py": USER,
            "standalone.py": STANDALONE,
        },
    )


def _codes(results: list[FileResult]) -> set[tuple[str, int, str]]:
    return {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}


class _FullRounds(Project):
    """The rounds as they were: every module's context made anew in every round."""

    def _context_of(
        self, module: Any, summaries: Any, inbound_of: Any, known: Any, changed: Any
    ) -> tuple[dict[str, Any], str]:
        return super()._context_of(module, summaries, inbound_of, {}, None)


def test_incremental_rounds_give_the_contexts_of_full_rounds(tmp_path: Path) -> None:
    files = _tree(tmp_path / "tree")
    incremental = Project(files).contexts()
    full = _FullRounds(files).contexts()
    assert incremental == full
    assert {p.name for p in incremental} >= {"model.py"}  # the pass found something


def test_a_module_whose_inputs_did_not_change_keeps_its_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path / "tree")
    made: Counter[str] = Counter()
    summarised: Counter[str] = Counter()
    original_context = Project._context
    original_summarise = Project._summarise

    def context(self: Project, module: Any, *args: Any, **kwargs: Any) -> Any:
        made[module.path.name] += 1
        return original_context(self, module, *args, **kwargs)

    def summarise(self: Project, module: Any, ctx: Any) -> Any:
        summarised[module.path.name] += 1
        return original_summarise(self, module, ctx)

    monkeypatch.setattr(Project, "_context", context)
    monkeypatch.setattr(Project, "_summarise", summarise)
    Project(files).contexts()
    # leaf.py imports no module of the tree and what user.py passes it never changes: one
    # context, one summary, over all the rounds (there are at least two)
    assert made["leaf.py"] == 1 and summarised["leaf.py"] == 1
    # user.py reads data.py's summary, which the first round changes: made again
    assert made["user.py"] >= 2
    # a module that takes no part gets no context at all
    assert made["standalone.py"] == 0


def test_the_check_takes_the_tree_the_pass_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path / "tree")
    parsed: Counter[str] = Counter()
    original = ast.parse

    def counting(source: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(source, str):
            parsed[source] += 1
        return original(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    results = check_paths(files, Options.for_config(Config()), jobs=1)
    assert ("model.py", 9, "PLG101") in _codes(results)
    data = (tmp_path / "tree" / "data.py").read_text(encoding="utf-8")
    assert parsed[data] == 1  # by the pass (it makes padding), not again by the check
    assert not engine.PARSED  # the trees serve one run only


def test_a_kept_tree_serves_only_the_same_text() -> None:
    text = "import torch\nx = torch.zeros(3)\n"
    tree = ast.parse(text)
    engine.PARSED[text] = tree
    try:
        other = engine.parse(text.replace("3", "4"), "a.py")
        assert other is not tree and isinstance(other, ast.Module)
        assert engine.parse(text, "a.py") is tree
        assert text not in engine.PARSED  # taken once
        assert engine.parse(text, "a.py") is not tree  # then parsed as usual
    finally:
        engine.PARSED.clear()


def test_likelihood_orders_the_files_checked_ahead(tmp_path: Path) -> None:
    files = _tree(tmp_path / "tree")
    proj = Project(files)
    edges = proj.taking_part()
    rank = {p.name: proj.likelihood(p, edges) for p in files}
    assert rank["standalone.py"] == 0  # takes no part: never gets a context
    assert rank["model.py"] == 1  # takes part, makes no padding
    assert rank["data.py"] == 2  # makes padding: waits for the pass


def test_a_file_checked_ahead_that_gets_a_context_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path / "tree")
    options = Options.for_config(Config())
    alone = _codes(check_paths(files, options, jobs=1))
    assert ("model.py", 9, "PLG101") in alone
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    ahead: dict[str, set[str]] = {}
    start, collect = runner._Ahead.start, runner._Ahead.collect

    def started(self: Any, proj: Project) -> None:
        start(self, proj)
        # let every check ahead finish before the pass ends (so that none is dropped)
        concurrent.futures.wait([f for _, f in self.futures])
        ahead["sent"] = {self.tasks[i][1].name for chunk, _ in self.futures for i in chunk}

    def collected(self: Any) -> Any:
        done = collect(self)
        ahead["done"] = {t[1].name for t in self.tasks if t[0] in done}
        return done

    monkeypatch.setattr(runner._Ahead, "start", started)
    monkeypatch.setattr(runner._Ahead, "collect", collected)
    parallel = check_paths(files, options, jobs=2)
    assert _codes(parallel) == alone
    assert [r.display for r in parallel] == [f.as_posix() for f in files]  # order kept
    if ahead.get("done"):  # (the workers may not start here: then all is checked after)
        assert "model.py" in ahead["done"]  # checked ahead on its own, without a finding
        assert "data.py" not in ahead["sent"]  # it may make padding: it waited for the pass
