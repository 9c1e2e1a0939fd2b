"""Project mode: a model copied into the project (``vendor/modeling.py``) loaded with its own
``from_pretrained`` classmethod, fed ids padded by hand in ``data.py`` (R027's class;
analysis/factories.py, pad_loops.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

MODELING = """
import copy
import torch
from torch import nn

class Layer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dense = nn.Linear(dim, dim)

    def forward(self, h, mask):
        return h + self.dense(h)

class Stack(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        layer = Layer(dim)
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(depth)])

    def forward(self, h, mask):
        for layer in self.layers:
            h = layer(h, mask)
        return h

class PreTrained(nn.Module):
    @classmethod
    def from_pretrained(cls, path, *args):
        model = cls(*args)
        model.load_state_dict(torch.load(path))
        return model

class Encoder(PreTrained):
    def __init__(self, dim=16):
        super().__init__()
        self.embed = nn.Embedding(1000, dim)
        self.stack = Stack(dim, 2)

    def forward(self, ids, attention_mask=None):
        return self.stack(self.embed(ids), attention_mask)
"""

DATA = """
import torch

def encode(texts, tok, pad_size=32):
    rows = []
    for text in texts:
        tokens = tok.tokenize(text)
        ids = tok.convert_tokens_to_ids(tokens)
        if len(tokens) < pad_size:
            ids += [0] * (pad_size - len(tokens))
        else:
            ids = ids[:pad_size]
        rows.append(ids)
    return torch.LongTensor(rows)
"""

MODEL = """
from torch import nn
from vendor.modeling import Encoder

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder.from_pretrained("weights.bin")
        self.out = nn.Linear(16, 2)

    def forward(self, ids):
        states = self.encoder(ids, attention_mask=(ids > 0))
        return self.out(states.max(dim=1).values)
"""

TRAIN = """
from data import encode
from model import Classifier

model = Classifier()
model(encode(["a b c", "d"], None))
"""


def _findings(
    root: Path, modeling: str = MODELING, model: str = MODEL
) -> set[tuple[str, int, str]]:
    (root / "vendor").mkdir()
    files = {"vendor/__init__.py": "", "vendor/modeling.py": modeling}
    files |= {"data.py": DATA, "model.py": model, "train.py": TRAIN}
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    paths = sorted(root.rglob("*.py"))
    results = check_paths(paths, Options.for_config(Config()))
    return {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}


def _line(text: str, marker: str) -> int:
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    return next(n for n, line in enumerate(lines, 1) if marker in line)


def test_the_vendored_model_loaded_by_its_classmethod_carries_the_padding(tmp_path: Path) -> None:
    assert _findings(tmp_path) == {("model.py", _line(MODEL, "states.max(dim=1)"), "PLG104")}


def test_a_classmethod_that_returns_something_else_stays_unsure(tmp_path: Path) -> None:
    # `from_pretrained` hands back a loaded object, not `cls(...)`: what it is is unknown
    other = MODELING.replace("        return model\n", "        return torch.load(path)\n")
    assert _findings(tmp_path, other) == set()



def test_the_max_over_valid_steps_only_is_clean(tmp_path: Path) -> None:
    fixed = MODEL.replace(
        "        return self.out(states.max(dim=1).values)",
        "        valid = (ids > 0).unsqueeze(-1)\n"
        "        return self.out(states.masked_fill(~valid, float('-inf')).max(dim=1).values)",
    )
    assert "masked_fill" in fixed
    assert _findings(tmp_path, model=fixed) == set()
