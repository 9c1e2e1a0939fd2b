"""Project mode: imports between the checked files are followed (pooling_lint/project.py).

A small tree of our own: data.py pads, model.py pools, train.py joins them. The finding is in
model.py and names data.py's padding; a helper that does not pad gives nothing; the result
cache is invalidated when a module the file depends on changes; the parallel runner gives the
same results; relative and star imports resolve.
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from pooling_lint import runner
from pooling_lint.cache import ResultCache
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.project import Project, context_hash, project_contexts
from pooling_lint.runner import check_paths

PADDING_DATA = """
    import torch
    from torch.nn.utils.rnn import pad_sequence

    def make_batch(rows):
        return pad_sequence([torch.tensor(r) for r in rows], batch_first=True)
"""
STACKING_DATA = """
    import torch

    def make_batch(rows):
        return torch.stack([torch.tensor(r) for r in rows])
"""
MODEL = """
    from torch import nn

    class Pooler(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 8)

        def forward(self, ids):
            return self.embed(ids).mean(dim=1)
"""
TRAIN = """
    from data import make_batch
    from model import Pooler

    model = Pooler().train()
    out = model(make_batch([[1, 2, 3], [4]]))
"""


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def _codes(results: list[runner.FileResult]) -> set[tuple[str, int, str]]:
    return {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}


def _options() -> Options:
    return Options.for_config(Config())


def test_padding_in_one_module_pooled_in_another(tmp_path: Path) -> None:
    files = _write(tmp_path, {"data.py": PADDING_DATA, "model.py": MODEL, "train.py": TRAIN})
    results = check_paths(files, _options())
    assert _codes(results) == {("model.py", 9, "PLG101")}
    (diag,) = [d for r in results for d in r.diagnostics]
    assert "data.py" in diag.message and "pad_sequence" in diag.message
    assert diag.related == ()  # the evidence is in another file: no same-file location


def test_a_helper_that_does_not_pad_gives_nothing(tmp_path: Path) -> None:
    files = _write(tmp_path, {"data.py": STACKING_DATA, "model.py": MODEL, "train.py": TRAIN})
    assert _codes(check_paths(files, _options())) == set()


def test_without_project_mode_the_files_stand_alone(tmp_path: Path) -> None:
    files = _write(tmp_path, {"data.py": PADDING_DATA, "model.py": MODEL, "train.py": TRAIN})
    options = Options.for_config(Config(), project=False)
    assert _codes(check_paths(files, options)) == set()


def test_the_cache_key_covers_the_modules_a_file_depends_on(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    files = _write(tree, {"data.py": PADDING_DATA, "model.py": MODEL, "train.py": TRAIN})
    options = _options()
    cache_dir = tmp_path / "cache"
    past = time.time() - 60
    for f in files:
        os.utime(f, (past, past))  # old enough for a stamp: a stamp alone must not serve it
    first = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert _codes(first) == {("model.py", 9, "PLG101")}
    again = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert _codes(again) == {("model.py", 9, "PLG101")}
    (tree / "data.py").write_text(textwrap.dedent(STACKING_DATA).lstrip("\n"), encoding="utf-8")
    after = check_paths(files, options, cache=ResultCache.open(options, cache_dir))
    assert _codes(after) == set()  # model.py did not change, what it receives did


def test_parallel_runner_gives_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _write(tmp_path, {"data.py": PADDING_DATA, "model.py": MODEL, "train.py": TRAIN})
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    assert _codes(check_paths(files, _options(), jobs=2)) == {("model.py", 9, "PLG101")}


def test_relative_star_and_module_imports_resolve(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/data.py": PADDING_DATA,
            "pkg/model.py": MODEL,
            "pkg/train.py": """
                from .data import *
                from . import model as nets
                out = nets.Pooler()(make_batch([[1, 2], [3]]))
            """,
        },
    )
    assert _codes(check_paths(files, _options())) == {("model.py", 9, "PLG101")}
    project = Project(files)
    train = next(m for m in project.by_path.values() if m.display.endswith("train.py"))
    assert set(train.imports) == {"nets"} and len(train.stars) == 1


def test_contexts_only_for_files_in_the_import_graph(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {"data.py": PADDING_DATA, "model.py": MODEL, "train.py": TRAIN, "alone.py": MODEL},
    )
    contexts = project_contexts(files)
    names = {p.name for p in contexts}
    assert "alone.py" not in names and {"model.py", "train.py"} <= names
    model = next(c for p, c in contexts.items() if p.name == "model.py")
    assert model["inbound"] and context_hash(model) != context_hash({})
    assert context_hash(None) == ""


def test_an_unresolved_import_is_not_followed(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {"model.py": MODEL, "train.py": "from data import make_batch\nfrom model import Pooler\n"},
    )
    project = Project(files)
    train = next(m for m in project.by_path.values() if m.display.endswith("train.py"))
    assert set(train.imports) == {"Pooler"}


def _facts_in_context(files: list[Path], name: str):  # type: ignore[no-untyped-def]
    from pooling_lint.analysis.facts import build_facts_from_text
    from pooling_lint.analysis.positions import SourceLines
    from pooling_lint.analysis.project import ProjectContext

    contexts = project_contexts(files)
    path = next(p for p in files if p.name == name)
    text = path.read_text(encoding="utf-8")
    facts = build_facts_from_text(text)
    context = contexts.get(path)
    if context is not None:
        import ast

        from pooling_lint.analysis.facts import build_facts

        facts = build_facts(ast.parse(text), SourceLines(text), ProjectContext.from_json(context))
    return facts


def test_feed_dict_gives_another_modules_placeholder_its_padding(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "net.py": """
                import tensorflow as tf
                class Net:
                    def __init__(self, maxlen):
                        self.input_x = tf.compat.v1.placeholder(tf.int32, [None, maxlen])
                        probe(self.input_x)
            """,
            "fit.py": """
                import tensorflow as tf
                from tflearn.data_utils import pad_sequences
                from net import Net
                x = pad_sequences(rows, maxlen=20, padding="post")
                net = Net(20)
                sess.run(net.input_x, feed_dict={net.input_x: x})
            """,
        },
    )
    facts = _facts_in_context(files, "net.py")
    (probe,) = [c for c in facts.calls if getattr(c.node.func, "id", "") == "probe"]
    value = probe.args[0]
    assert value is not None and value.padding is not None
    assert value.padding.evidence.text.endswith("in `" + files[0].as_posix() + "`")


def test_feed_dict_of_unpadded_data_gives_nothing(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "net.py": """
                import tensorflow as tf
                class Net:
                    def __init__(self, maxlen):
                        self.input_x = tf.compat.v1.placeholder(tf.int32, [None, maxlen])
            """,
            "fit.py": """
                import numpy as np
                from net import Net
                net = Net(20)
                sess.run(net.input_x, feed_dict={net.input_x: np.ones((4, 20))})
            """,
        },
    )
    assert project_contexts(files) == {}


def test_torchtext_batches_made_in_a_data_module(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "loader.py": """
                from torchtext import data
                class Corpus:
                    def __init__(self):
                        self.batches = None
                    def load(self, examples):
                        text = data.Field(sequential=True)
                        label = data.Field(sequential=False)
                        fields = [("words", text), ("label", label)]
                        self.batches = data.BucketIterator(data.Dataset(examples, fields), 32)
            """,
            "bag.py": """
                from torch import nn
                class Bag(nn.Module):
                    def __init__(self):
                        super().__init__()
                        self.embed = nn.Embedding(100, 8)
                    def forward(self, words):
                        return self.embed(words).mean(0)
            """,
            "main.py": """
                from loader import Corpus
                from bag import Bag
                corpus = Corpus()
                corpus.load([])
                model = Bag()
                for batch in corpus.batches:
                    model(batch.words)
            """,
        },
    )
    assert _codes(check_paths(files, _options())) == {("bag.py", 7, "PLG101")}


def test_cli_no_project_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pooling_lint.cli import main

    _write(tmp_path, {"data.py": PADDING_DATA, "model.py": MODEL, "train.py": TRAIN})
    monkeypatch.chdir(tmp_path)
    followed = CliRunner().invoke(main, ["check", "--no-cache", "."])
    alone = CliRunner().invoke(main, ["check", "--no-cache", "--no-project", "."])
    assert "model.py:9:" in followed.stdout and "PLG101" in followed.stdout
    assert "PLG101" not in alone.stdout
