"""Which steps a mask is True at (``Tensor.marks``, analysis/polarity.py): from where it was
made and each flip on the way, never from its name; unknown operations drop it."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Marks, Tensor

from .conftest import probe

HEAD = """
import torch
import tensorflow as tf
from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("bert-base-uncased")
enc = tok(["a b", "c"], padding=True, return_tensors="pt")
am = enc["attention_mask"]
ids = enc["input_ids"]  # token ids, padded by the tokenizer
lengths = torch.tensor([3, 1])
"""

VALID, PAD = Marks.VALID, Marks.PAD


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        ("am", VALID),  # a tokenizer's attention_mask: 1 at the real tokens
        ("am.bool()", VALID),
        ("am.float().to('cuda')", VALID),
        ("am[:, None]", VALID),  # structural: the same steps
        ("~am.bool()", PAD),
        ("am == 0", PAD),
        ("am != 1", PAD),
        ("am == 1", VALID),
        ("1 - am", PAD),
        ("(1 - am) * -1e9", PAD),  # additive: the penalty sits at the padding
        ("~~am.bool()", VALID),
        ("ids != 0", VALID),
        ("ids > 0", VALID),
        ("ids == 0", PAD),
        ("~(ids == 0)", VALID),
        ("(ids != 0) * (ids != 0)", VALID),
        ("tf.sequence_mask(lengths)", VALID),
        ("tf.cast(tf.sequence_mask(lengths), tf.float32)", VALID),
        # unknown or value-changing operations: no polarity
        ("am - 1", None),
        ("am + 1", None),
        ("am.log()", None),
        ("am.neg()", None),
        ("torch.exp(am)", None),
        ("torch.clamp(am, min=1)", None),
        ("am.masked_fill(am == 0, 1)", None),
        ("torch.logical_not(am.bool())", None),
        ("am.eq(0)", None),
        ("(ids != 0) * (ids == 0)", None),  # two polarities: neither
        ("ids ^ 1", None),
        # a comparison of something that is not token ids or zero-padded data is not a
        # padding mask (dropout draws, thresholds)
        ("torch.rand(2, 3) > 0.5", None),
        ("torch.ones(2, 3) > 0", None),
        ("am.float().softmax(-1) > 0", None),  # a reduction of a mask drops its polarity
    ],
)
def test_polarity_of_an_expression(expr: str, want: Marks | None) -> None:
    value = probe(HEAD + f"probe({expr})\n")
    got = value.marks[0] if isinstance(value, Tensor) and value.marks is not None else None
    assert got is want


def test_a_name_is_not_a_polarity() -> None:
    src = HEAD + "def f(attention_mask, key_padding_mask):\n    probe(attention_mask)\n"
    value = probe(src)
    assert not (isinstance(value, Tensor) and value.marks is not None)


CALLERS = """
def encode(x, mask):
    probe(mask)

{calls}
"""


@pytest.mark.parametrize(
    ("calls", "want"),
    [
        ("encode(1, am.bool())", VALID),
        ("encode(1, am.bool())\nencode(2, ids != 0)", VALID),  # every caller agrees
        ("encode(1, am.bool())\nencode(2, ids == 0)", None),  # callers disagree
        ("encode(1, am.bool())\nencode(2, other)", None),  # one caller unknown
    ],
)
def test_a_parameter_has_the_polarity_all_its_callers_give(calls: str, want: Marks | None) -> None:
    value = probe(HEAD + "other = load()\n" + CALLERS.format(calls=calls))
    got = value.marks[0] if isinstance(value, Tensor) and value.marks is not None else None
    assert got is want


def test_masks_handed_to_apis_are_recorded_with_the_polarity_they_expect() -> None:
    from pooling_lint.analysis.values import Marks as M

    from .conftest import facts_of

    src = HEAD + """
import torch.nn as nn
from transformers import AutoModel
encoder = AutoModel.from_pretrained("bert-base-uncased")
attn = nn.MultiheadAttention(8, 2, batch_first=True)
x = torch.randn(2, 3, 8)
out = encoder(input_ids=enc["input_ids"], attention_mask=am)
a, _ = attn(x, x, x, am == 0)
b, _ = attn(x, x, x, key_padding_mask=ids == 0)
c, _ = attn(x, x, x, *rest)
"""
    facts = facts_of(src)
    got = {(g.param, facts.code(g.node), g.true_at) for g in facts.masks_given}
    assert got == {
        ("attention_mask", "am", M.VALID),
        ("key_padding_mask", "am == 0", M.PAD),
        ("key_padding_mask", "ids == 0", M.PAD),
    }
