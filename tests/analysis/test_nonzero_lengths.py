"""Lengths that cannot be zero: handed back by pad_packed_sequence, or already packed."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Tensor

from .conftest import ev_line, facts_of, line_of, probe

HEAD = """
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

def f(x, lengths, rnn):
"""


def _value(body: str) -> Tensor:
    value = probe(HEAD + body)
    assert isinstance(value, Tensor)
    return value


def test_pad_packed_lengths_are_nonzero() -> None:
    src = HEAD + """
    out, out_lengths = pad_packed_sequence(rnn(pack_padded_sequence(x, lengths)))
    probe(out_lengths)  # here
    """
    facts = facts_of(src)
    value = probe(src)
    assert isinstance(value, Tensor) and value.role == "lengths"
    assert value.nonzero is not None
    assert ev_line(facts, value.nonzero) == line_of(src, "pad_packed_sequence(rnn")


@pytest.mark.parametrize(
    "given", ["lengths", "lengths.cpu()", "lengths.to('cpu')", "lengths.long().cpu()"]
)
def test_lengths_given_to_pack_padded_are_nonzero_afterwards(given: str) -> None:
    value = _value(f"""
    packed = pack_padded_sequence(x, {given}, batch_first=True, enforce_sorted=False)
    probe(lengths.unsqueeze(1).float())
    """)
    assert value.role == "lengths" and value.nonzero is not None


def test_lengths_before_packing_may_be_zero() -> None:
    src = HEAD + """
    probe(lengths)
    packed = pack_padded_sequence(x, lengths, batch_first=True)
    """
    value = probe(src)
    assert isinstance(value, Tensor) and value.nonzero is None


def test_packed_on_one_branch_only_is_not_a_fact() -> None:
    value = _value("""
    if x.size(0) > 1:
        packed = pack_padded_sequence(x, lengths, batch_first=True)
    probe(lengths)
    """)
    assert value.nonzero is None


def test_packed_on_both_branches_is_a_fact() -> None:
    value = _value("""
    if x.size(0) > 1:
        packed = pack_padded_sequence(x, lengths, batch_first=True)
    else:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    probe(lengths)
    """)
    assert value.role == "lengths" and value.nonzero is not None  # both paths, two reasons


@pytest.mark.parametrize(
    "expr", ["lengths - 1", "lengths * mask_like", "lengths * 0"]
)
def test_arithmetic_that_can_reach_zero_drops_the_fact(expr: str) -> None:
    value = _value(f"""
    packed = pack_padded_sequence(x, lengths, batch_first=True)
    mask_like = x.sum(-1)
    probe({expr})
    """)
    assert value.nonzero is None


@pytest.mark.parametrize("expr", ["lengths[:, None]", "lengths.view(-1, 1)", "lengths + 1"])
def test_value_preserving_ops_keep_the_fact(expr: str) -> None:
    value = _value(f"""
    packed = pack_padded_sequence(x, lengths, batch_first=True)
    probe({expr})
    """)
    assert value.nonzero is not None


def test_other_names_are_not_refined() -> None:
    value = _value("""
    other = lengths.clone()
    packed = pack_padded_sequence(x, lengths, batch_first=True)
    probe(other)
    """)
    assert value.nonzero is None
