"""``X[idx]`` of a padded ``(batch, time)`` array with an index the analysis cannot evaluate
selects rows, which keep their padding; a counter (``range``, ``enumerate``, ``i += 1``) picks
one row, which is not read as rows (analysis/subscripts.py)."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Tensor

from .conftest import probe

HEAD = """
import numpy as np
import pandas as pd
from keras.preprocessing.sequence import pad_sequences

X = pad_sequences([[1, 2, 3], [4, 5]], maxlen=10)
plain = np.zeros((4, 10))
frame = pd.read_csv("x.csv")
"""


@pytest.mark.parametrize(
    "body",
    [
        "probe(X[idx])",
        "idx = frame.index[frame['a'] == 0].values\nprobe(X[idx])",
        "probe(X[np.concatenate((a, b))])",
        "for tr, va in folds.split(X):\n    probe(X[tr])",
        "probe(X[frame.order])",
    ],
)
def test_rows_picked_by_an_unknown_index_keep_the_padding(body: str) -> None:
    value = probe(HEAD + body + "\n")
    assert isinstance(value, Tensor) and value.padding is not None
    assert value.rank == 2 and value.time_axis == 1


@pytest.mark.parametrize(
    "body",
    [
        "for i in range(len(X)):\n    probe(X[i])",  # one row at a time
        "for n, row in enumerate(X):\n    probe(X[n])",
        "i = 0\nwhile i < 2:\n    probe(X[i])\n    i += 1",
    ],
)
def test_a_counter_is_not_read_as_rows(body: str) -> None:
    value = probe(HEAD + body + "\n")
    assert not (isinstance(value, Tensor) and value.rank == 2)


def test_an_unpadded_array_gains_no_padding() -> None:
    value = probe(HEAD + "probe(plain[idx])\n")
    assert not (isinstance(value, Tensor) and value.padding is not None)
