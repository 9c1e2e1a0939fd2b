"""Project mode: a model module picked at run time, ``import_module("models." + name)``
(pooling_lint/project.py finds the candidates, analysis/project.py calls each of them)."""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

from pooling_lint.analysis.dynamic_imports import dynamic_prefix
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.project import Project
from pooling_lint.runner import check_paths

DATA = """
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

def collate(items):
    return pad_sequence([torch.tensor(i) for i in items], batch_first=True)

def loader(items):
    return DataLoader(items, batch_size=2, collate_fn=collate)
"""

MEAN_MODEL = """
from torch import nn

class Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed = nn.Embedding(10, 4)

    def forward(self, x):
        return self.embed(x).mean(dim=1)
"""

RUN = """
from importlib import import_module
from data import loader
from train import fit

def main(name, items):
    module = import_module({spec})
    model = module.Model(None).to("cpu")
    fit(model, loader(items))
"""

TRAIN = """
def fit(model, batches):
    model.train()
    for x in batches:
        model(x)
"""


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return sorted(root.rglob("*.py"))


def _flagged(files: list[Path]) -> set[str]:
    results = check_paths(files, Options.for_config(Config()))
    return {"/".join(Path(r.display).parts[-2:]) for r in results if r.diagnostics}


def _tree(root: Path, spec: str) -> list[Path]:
    return _write(
        root,
        {
            "data.py": DATA,
            "train.py": TRAIN,
            "run.py": RUN.format(spec=spec),
            "models/__init__.py": "",
            "models/mean_a.py": MEAN_MODEL,
            "models/mean_b.py": MEAN_MODEL,
            "other/mean_c.py": MEAN_MODEL,
        },
    )


def test_prefix_of_a_module_name_built_at_run_time() -> None:
    def prefix(code: str) -> str | None:
        node = ast.parse(code, mode="eval").body
        return dynamic_prefix(node)

    assert prefix('"models." + name') == "models."
    assert prefix('f"pkg.sub.{name}"') == "pkg.sub."
    assert prefix('"models" + name') is None  # not a package prefix
    assert prefix('"models." + "cnn"') is None  # a constant: a plain name, not a pick
    assert prefix("name") is None


def test_candidates_are_the_checked_modules_of_that_package(tmp_path: Path) -> None:
    files = _tree(tmp_path, '"models." + name')
    project = Project(files)
    run = project.by_path[os.path.realpath(tmp_path / "run.py")]
    root = os.path.realpath(tmp_path)
    found = [Path(p).relative_to(root).as_posix() for p in run.dynamic["models."]]
    assert found == ["models/mean_a.py", "models/mean_b.py"]  # not __init__, not other/


def test_every_candidate_receives_the_padded_batches(tmp_path: Path) -> None:
    files = _tree(tmp_path, '"models." + name')
    # through another module's function (fit), as the candidates' `Model.__call__`
    assert _flagged(files) == {"models/mean_a.py", "models/mean_b.py"}


def test_f_string_name_is_the_same_pick(tmp_path: Path) -> None:
    files = _tree(tmp_path, 'f"models.{name}"')
    assert _flagged(files) == {"models/mean_a.py", "models/mean_b.py"}


def test_a_prefix_the_tree_does_not_hold_picks_nothing(tmp_path: Path) -> None:
    files = _tree(tmp_path, '"plugins." + name')
    assert _flagged(files) == set()


def test_a_name_without_a_constant_prefix_picks_nothing(tmp_path: Path) -> None:
    files = _tree(tmp_path, "name")
    assert _flagged(files) == set()
