"""Lengths measured on the rows of a padded batch are all the padded length
(``Tensor.padded_rows``, analysis/row_lengths.py); the unpadded sequences' own lengths are
not, nor is another axis of the rows."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Tensor

from .conftest import probe

HEAD = """
import torch
from torch.nn.utils.rnn import pad_sequence

def collate(batch):
    seqs = [b[0] for b in batch]
    padded = pad_sequence(seqs, batch_first=True)
    time_first = pad_sequence(seqs)
"""


@pytest.mark.parametrize(
    ("expr", "measured"),
    [
        ("[len(p) for p in padded]", True),
        ("[p.shape[0] for p in padded]", True),
        ("[p.size(0) for p in padded]", True),
        ("[int(len(p)) for p in padded]", True),
        ("torch.tensor([len(p) for p in padded])", True),
        ("torch.LongTensor([p.shape[0] for p in padded])", True),
        ("[len(s) for s in seqs]", False),  # before padding: the real lengths
        ("torch.tensor([len(s) for s in seqs])", False),
        ("[p.shape[1] for p in padded]", False),  # another axis
        ("[len(p) for p in time_first]", False),  # rows of a time-first batch are steps
        ("[len(p) for p in padded if p.sum() > 0]", False),
        ("[len(q) for p in padded for q in p]", False),
    ],
)
def test_lengths_measured_on_padded_rows(expr: str, measured: bool) -> None:
    value = probe(HEAD + f"    probe({expr})\n")
    got = isinstance(value, Tensor) and value.padded_rows is not None
    assert got is measured
