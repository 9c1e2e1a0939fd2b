"""Project mode, round 3 (branch variants-project): names a package re-exports, a model held
in another module's attribute (``self.model(x)``), a Sequential model built in another module,
and the return of a shared callee that carries another caller's padding."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pooling_lint import runner
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

DATA = """
    import torch
    from torch.nn.utils.rnn import pad_sequence

    def make_batch(rows):
        return pad_sequence([torch.tensor(r) for r in rows], batch_first=True)
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


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def _codes(results: list[runner.FileResult]) -> set[tuple[str, int, str]]:
    return {(r.display.split("/")[-1], d.line, d.code) for r in results for d in r.diagnostics}


def _check(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, int, str]]:
    return _codes(check_paths(_write(tmp_path, files), Options.for_config(Config())))


def test_from_package_import_a_re_exported_class(tmp_path: Path) -> None:
    train = """
        from data import make_batch
        from nets import Pooler

        out = Pooler()(make_batch([[1, 2, 3], [4]]))
    """
    files = {
        "data.py": DATA,
        "nets/__init__.py": "from .pool import Pooler\n",
        "nets/pool.py": MODEL,
        "train.py": train,
    }
    assert _check(tmp_path, files) == {("pool.py", 9, "PLG101")}


def test_import_package_then_attribute_and_star_re_export(tmp_path: Path) -> None:
    train = """
        import data
        import nets

        out = nets.Pooler()(data.make_batch([[1, 2, 3], [4]]))
    """
    files = {
        "data.py": DATA,
        "nets/__init__.py": "from .pool import *\n",
        "nets/pool.py": MODEL,
        "train.py": train,
    }
    assert _check(tmp_path, files) == {("pool.py", 9, "PLG101")}


def test_a_name_the_package_defines_itself_is_its_own(tmp_path: Path) -> None:
    init = """
        from torch import nn
        from .pool import *

        class Pooler(nn.Module):
            def forward(self, ids):
                return ids
    """
    train = """
        from data import make_batch
        from nets import Pooler

        out = Pooler()(make_batch([[1, 2, 3], [4]]))
    """
    files = {"data.py": DATA, "nets/__init__.py": init, "nets/pool.py": MODEL, "train.py": train}
    assert _check(tmp_path, files) == set()


def test_a_model_held_in_another_modules_attribute(tmp_path: Path) -> None:
    trainer = """
        class Trainer:
            def __init__(self, model, batches):
                self.model = model
                self.batches = batches

            def epoch(self):
                for ids in self.batches:
                    self.model(ids)
    """
    main = """
        from data import make_batch
        from model import Pooler
        from trainer import Trainer

        Trainer(Pooler(), (make_batch(rows) for rows in [[[1, 2], [3]]])).epoch()
    """
    files = {"data.py": DATA, "model.py": MODEL, "trainer.py": trainer, "main.py": main}
    assert _check(tmp_path, files) == {("model.py", 9, "PLG101")}


def test_a_sequential_model_from_a_builder_module_is_fitted_on_padded_ids(
    tmp_path: Path,
) -> None:
    prep = """
        from keras.utils import pad_sequences

        def load(rows):
            return pad_sequences(rows, maxlen=20, padding="post")
    """
    build = """
        from keras.layers import LSTM, Embedding, GlobalAveragePooling1D
        from keras.models import Sequential

        def build():
            net = Sequential()
            net.add(Embedding(100, 8))
            net.add(LSTM(8, return_sequences=True))
            net.add(GlobalAveragePooling1D())
            return net
    """
    fit = """
        from build import build
        from prep import load

        build().fit(load([[1, 2], [3]]), [0, 1])
    """
    files = {"prep.py": prep, "build.py": build, "fit.py": fit}
    assert _check(tmp_path, files) == {("build.py", 8, "PLG101")}


def test_a_shared_callee_does_not_hand_one_callers_padding_to_another(tmp_path: Path) -> None:
    attend = """
        from torch import nn

        class Attend(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(8, 8)

            def forward(self, x):
                return self.proj(x)
    """
    padded_user = """
        from torch import nn
        from data import make_batch
        from attend import Attend

        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(50, 8)
                self.att = Attend()

            def forward(self, rows):
                return self.att(self.embed(make_batch(rows)))
    """
    other_user = """
        import torch
        from torch import nn
        from attend import Attend

        class B(nn.Module):
            def __init__(self):
                super().__init__()
                self.att = Attend()

            def forward(self, x):
                return self.att(x).mean(dim=1)
    """
    files = {"data.py": DATA, "attend.py": attend, "a.py": padded_user, "b.py": other_user}
    assert ("b.py", 11, "PLG101") not in _check(tmp_path, files)


def test_a_named_import_shares_only_the_members_the_file_names(tmp_path: Path) -> None:
    from pooling_lint.project import Project

    data = """
        import torch
        from torch.nn.utils.rnn import pad_sequence

        class Batches:
            def padded(self, rows):
                return pad_sequence([torch.tensor(r) for r in rows], batch_first=True)
    """
    names_it = """
        from data import Batches

        x = Batches().padded([[1, 2], [3]])
    """
    silent = """
        from data import Batches

        b = Batches()
    """
    files = _write(tmp_path, {"data.py": data, "a.py": names_it, "b.py": silent})
    contexts = {p.name: c for p, c in Project(files).contexts().items()}
    (shown,) = [m for k, m in contexts["a.py"]["modules"].items() if k.endswith("data.py")]
    assert "Batches.padded()" in shown["exports"]
    assert "b.py" not in contexts  # it receives no padding fact: checked on its own
