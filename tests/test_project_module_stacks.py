"""Project mode: a ``ModuleList`` of instances of a class of another checked module, run by
a loop (analysis/library_calls.py, scopes.py; analysis/project.py keeps what each run of the
unrolled call passed)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

PADDED = """
import torch
from torch.nn.utils.rnn import pad_sequence

def batches(items):
    for chunk in items:
        yield pad_sequence([torch.tensor(i) for i in chunk], batch_first=True)
"""

STACKED = """
import torch

def batches(items):
    for chunk in items:
        yield torch.stack([torch.tensor(i) for i in chunk])
"""

BLOCKS = """
from torch import nn

class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.inner = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.inner(x).relu()
"""

MODEL = """
from torch import nn
from blocks import Block

class Encoder(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        self.embed = nn.Embedding(100, dim)
        self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])

    def forward(self, ids):
        h = self.embed(ids)
        for block in self.blocks:
            h = block(h)
        return h.mean(dim=1)
"""

TRAIN = """
from data import batches
from model import Encoder

model = Encoder(16, 2)
for ids in batches([[[1, 2, 3], [4, 5]]]):
    model(ids)
"""


def _flagged(root: Path, data: str, blocks: str = BLOCKS) -> set[tuple[str, str]]:
    files = {"data.py": data, "blocks.py": blocks, "model.py": MODEL, "train.py": TRAIN}
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    results = check_paths(sorted(root.glob("*.py")), Options.for_config(Config()))
    return {(Path(r.display).name, d.code) for r in results for d in r.diagnostics}


def test_blocks_of_another_module_carry_the_padding_through_the_loop(tmp_path: Path) -> None:
    # the second unrolled run of `block(h)` passes the first run's result: the padded
    # batch the first run passed still reaches blocks.py
    assert _flagged(tmp_path, PADDED) == {("model.py", "PLG101")}


def test_unpadded_batches_through_the_same_blocks_are_clean(tmp_path: Path) -> None:
    assert _flagged(tmp_path, STACKED) == set()


def test_a_block_that_returns_something_else_stays_unsure(tmp_path: Path) -> None:
    # the block's output is not known to be the padded batch: nothing to report
    other = BLOCKS.replace("return x + self.inner(x).relu()", "return self.pool(x)")
    assert _flagged(tmp_path, PADDED, other) == set()
