"""``x.view(b * heads, -1, d)`` of padded batch-first data, ``b`` a batch size: each batch
element's values are cut into consecutive pieces, so the middle axis keeps the padding at its
end (reshapes._heads_split); other first sizes say nothing."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Tensor

from .conftest import probe

HEAD = """
import torch
from torch.nn.utils.rnn import pad_sequence

x = pad_sequence([torch.randn(5, 16), torch.randn(3, 16)], batch_first=True)
b = x.size(0)
heads = 4
fixed = torch.randn(2, 5, 16)
"""


@pytest.mark.parametrize(
    ("expr", "padded"),
    [
        ("x.view(b * heads, -1, 4)", True),
        ("x.view(heads * b, -1, 4)", True),
        ("x.reshape(b * heads, -1, 4)", True),
        ("x.view(8, -1, 4)", False),  # a literal first size: not known to be a batch
        ("x.view(b * heads, 4, -1)", False),  # the steps are not the inferred axis
        ("x.view(n * heads, -1, 4)", False),  # n: not a batch size
        ("fixed.view(2 * heads, -1, 4)", False),  # nothing padded
    ],
)
def test_a_batch_split_into_heads_keeps_the_padding(expr: str, padded: bool) -> None:
    value = probe(HEAD + "n = load()\n" + f"probe({expr})\n")
    got = isinstance(value, Tensor) and value.padding is not None and value.time_axis == 1
    assert got is padded
