"""Project mode: the annotated-transformer layout spread over modules (R063's class).

A ``clones(module, n)`` helper in one module returns ``nn.ModuleList`` copies of whatever it
is given (analysis/param_returns.py), an ``nn.Sequential`` holds modules of another checked
module (analysis/layers.py, project.foreign_module), and the stack's layer class is built in
one module and run in its own (project._own). The padded batch reaches the last-step
pooling four modules away.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

HELPERS = """
import copy
import math
from torch import nn

def clones(module, n):
    "n copies of module."
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])

class Scaled(nn.Module):
    def __init__(self, dim, vocab):
        super().__init__()
        self.table = nn.Embedding(vocab, dim)
        self.dim = dim

    def forward(self, ids):
        return self.table(ids) * math.sqrt(self.dim)

class Shift(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        return self.drop(x)
"""

LAYERS = """
import torch
from torch import nn
from helpers import clones

class Norm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        centred = x - x.mean(-1, keepdim=True)
        return self.gain * centred

class Residual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = Norm(dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, inner):
        return x + self.drop(inner(self.norm(x)))

class Layer(nn.Module):
    def __init__(self, dim, ff):
        super().__init__()
        self.ff = ff
        self.wraps = clones(Residual(dim), 2)

    def forward(self, x, mask=None):
        x = self.wraps[0](x, lambda y: self.ff(y))
        return self.wraps[1](x, self.ff)

class Stack(nn.Module):
    def __init__(self, layer, depth):
        super().__init__()
        self.layers = clones(layer, depth)
        self.norm = Norm(16)

    def forward(self, x, mask=None):
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)
"""

MODEL = """
from torch import nn
from helpers import Scaled, Shift
from layers import Layer, Stack

class Classifier(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Sequential(Scaled(16, vocab), Shift(16))
        self.stack = Stack(Layer(16, nn.Linear(16, 16)), 2)
        self.out = nn.Linear(16, 4)

    def forward(self, ids):
        h = self.stack(self.embed(ids))
        return self.out(h[:, -1, :])
"""

DATA_PADDED = """
import torch
from torch.nn.utils.rnn import pad_sequence

def batches(rows):
    for chunk in rows:
        yield pad_sequence([torch.tensor(r) for r in chunk], batch_first=True)
"""

DATA_EQUAL = """
import torch

def batches(rows):
    for chunk in rows:
        yield torch.stack([torch.tensor(r) for r in chunk])
"""

TRAIN = """
from data import batches
from model import Classifier

model = Classifier(100)
for ids in batches([[[1, 2, 3], [4, 5]]]):
    model(ids)
"""


def _findings(root: Path, data: str, model: str = MODEL) -> set[tuple[str, int, str]]:
    files = {"helpers.py": HELPERS, "layers.py": LAYERS, "model.py": model}
    files |= {"data.py": data, "train.py": TRAIN}
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    results = check_paths(sorted(root.glob("*.py")), Options.for_config(Config()))
    return {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}


def _line(text: str, marker: str) -> int:
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    return next(n for n, line in enumerate(lines, 1) if marker in line)


def test_last_step_of_a_stack_built_from_helpers_in_other_modules(tmp_path: Path) -> None:
    assert _findings(tmp_path, DATA_PADDED) == {
        ("model.py", _line(MODEL, "h[:, -1, :]"), "PLG103")
    }


def test_equal_length_batches_through_the_same_stack_are_clean(tmp_path: Path) -> None:
    assert _findings(tmp_path, DATA_EQUAL) == set()


def test_the_first_step_of_post_padded_rows_is_clean(tmp_path: Path) -> None:
    # right padding: step 0 is a real token of every row
    first = MODEL.replace("h[:, -1, :]", "h[:, 0, :]")
    assert _findings(tmp_path, DATA_PADDED, first) == set()


def test_the_gathered_last_valid_step_is_clean(tmp_path: Path) -> None:
    fixed = MODEL.replace(
        "    def forward(self, ids):\n        h = self.stack(self.embed(ids))\n"
        "        return self.out(h[:, -1, :])",
        "    def forward(self, ids):\n        h = self.stack(self.embed(ids))\n"
        "        last = (ids != 0).sum(1) - 1\n"
        "        return self.out(h[torch.arange(h.size(0)), last])",
    ).replace("from torch import nn", "import torch\nfrom torch import nn")
    assert "last = " in fixed
    assert _findings(tmp_path, DATA_PADDED, fixed) == set()
