"""A row divided by its own sum over the padded time axis is a hand-written softmax
(reductions.normalised_over_time); ``x @ w`` is a matrix product (contractions.matmul); a
Keras layer called on a tensor without a mask gets ``mask=None``."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Const, Tensor

from .conftest import facts_of, line_of, probe

HEAD = """
import torch
from torch.nn.utils.rnn import pad_sequence

x = pad_sequence([torch.randn(5, 8), torch.randn(3, 8)], batch_first=True)
w = torch.randn(8)
W = torch.randn(8, 4)
"""


@pytest.mark.parametrize(
    ("expr", "rank", "layout"),
    [
        ("x @ w", 2, "BT"),  # one score per step
        ("torch.matmul(x, w)", 2, "BT"),
        ("x @ W", 3, "BTF"),  # a per-step projection
        ("torch.matmul(x, W)", 3, "BTF"),
        ("torch.matmul(x, torch.randn(2, 8, 1))", 3, "BTF"),  # a query per batch element
    ],
)
def test_a_product_with_a_weight_keeps_the_steps(expr: str, rank: int, layout: str) -> None:
    value = probe(HEAD + f"probe({expr})\n")
    assert isinstance(value, Tensor) and value.padding is not None
    assert value.rank == rank and str(value.layout) == layout


def _softmaxes(src: str) -> list[int]:
    facts = facts_of(src)
    return [facts.line(r.node) for r in facts.reductions if r.op == "softmax"]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("e = torch.exp(x @ w)\nhere = e / e.sum(1, keepdim=True)", True),
        ("e = torch.exp(x @ w)\nhere = e / torch.sum(e, dim=1, keepdim=True)", True),
        ("e = torch.exp(x @ w)\ne /= e.sum(1, keepdim=True) + 1e-9  # here", True),
        ("s = torch.exp(x @ w)\nt = s.sum(1, keepdim=True)\nhere = s / t", True),
        # another axis, another tensor, a sum of all axes: no softmax over time
        ("e = torch.exp(x @ W)\nhere = e / e.sum(2, keepdim=True)", False),
        ("e = torch.exp(x @ w)\nf = torch.exp(x @ w)\nhere = e / f.sum(1, keepdim=True)", False),
        ("e = torch.exp(x @ w)\nhere = e / e.sum()", False),
        # zero at the padding: no weight there
        ("m = x.abs().sum(-1) != 0\ne = torch.exp(x @ w) * m\nhere = e / e.sum(1, keepdim=True)",
         False),
    ],
)
def test_a_row_divided_by_its_sum_over_time_is_a_softmax(body: str, found: bool) -> None:
    src = HEAD + body + "\n"
    marker = "# here" if "# here" in body else "here ="
    assert (line_of(src, marker) in _softmaxes(src)) is found


KERAS = """
from keras import backend as K
from keras.layers import Embedding, Input, Layer, LSTM
from keras.preprocessing.sequence import pad_sequences

class Pool(Layer):
    def call(self, x, mask=None):
        probe(mask)
        return K.sum(x, axis=1)

X = pad_sequences([[1, 2], [3]], maxlen=10)
inp = Input(shape=(10,))
h = Embedding(100, 8{mask_zero})(inp)
h = LSTM(8, return_sequences=True)(h)
out = Pool()(h)
"""


def test_keras_passes_no_mask_to_a_layer_whose_input_has_none() -> None:
    assert probe(KERAS.format(mask_zero="")) == Const(None)


def test_keras_passes_the_mask_of_a_masked_input() -> None:
    value = probe(KERAS.format(mask_zero=", mask_zero=True"))
    assert value != Const(None)


def test_keras_epsilon_is_a_small_constant() -> None:
    value = probe("from keras import backend as K\nprobe(K.epsilon())\n")
    assert isinstance(value, Const) and 0 < value.value < 1e-3


@pytest.mark.parametrize(
    "expr",
    [
        "flat @ torch.randn(5, 4)",  # (batch, time) @ (time, k): time contracted away
        "torch.matmul(flat, torch.randn(5, 4))",
        "x @ torch.randn(3, 2, 8, 4)",  # broadcast over more axes: the layout is unknown
    ],
)
def test_a_product_that_contracts_or_batches_keeps_no_padded_time(expr: str) -> None:
    src = HEAD + "flat = pad_sequence([torch.randn(5), torch.randn(3)], batch_first=True)\n"
    value = probe(src + f"probe({expr})\n")
    assert not (isinstance(value, Tensor) and value.padding is not None and value.rank == 3)
