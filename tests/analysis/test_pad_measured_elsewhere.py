"""Hand padding whose count is measured on another list (analysis/pad_loops.py): ids made
from the tokens one for one, then ``ids += [0] * (n - len(tokens))`` under ``if len(tokens) <
n`` (else cut to ``ids[:n]``). Constants added up to a bound pad the list either way; a list
of ones followed by zeros is a mask made by hand, not padded data."""

from __future__ import annotations

from pooling_lint.analysis.values import Role, Side, Tensor

from .conftest import facts_of, line_of, probe_at

ROWS = """
import torch

def encode(texts, tok, pad_size=32):
    rows = []
    for text in texts:
        tokens = ["[CLS]"] + tok.tokenize(text)
        ids = tok.convert_tokens_to_ids(tokens)
        mask = []
        if pad_size:
            if len(tokens) < pad_size:
                mask = [1] * len(ids) + [0] * (pad_size - len(tokens))
                ids += [0] * (pad_size - len(tokens))
            else:
                mask = [1] * pad_size
                ids = ids[:pad_size]
        probe(ids)
        probe(mask)
        rows.append(ids)
    batch = torch.LongTensor(rows)
    probe(batch)
    return batch

encode(["a b"], None)
"""


def _at(src: str, marker: str) -> object:
    return probe_at(facts_of(src), line_of(src, marker))


def test_ids_padded_up_to_the_bound_by_the_tokens_count_are_padded() -> None:
    ids = _at(ROWS, "probe(ids)")
    assert isinstance(ids, Tensor) and ids.padding is not None
    assert ids.padding.side == Side.POST and ids.role == Role.TOKENS
    batch = _at(ROWS, "probe(batch)")
    assert isinstance(batch, Tensor) and batch.padding is not None and str(batch.layout) == "BT"


def test_a_mask_of_ones_and_zeros_made_by_hand_is_not_padded_data() -> None:
    mask = _at(ROWS, "probe(mask)")
    assert not (isinstance(mask, Tensor) and mask.padding is not None)


def test_a_list_extended_by_something_else_than_a_constant_stays_unpadded() -> None:
    src = ROWS.replace(
        "                ids += [0] * (pad_size - len(tokens))",
        "                ids += tok.convert_tokens_to_ids(['[SEP]'])",
    )
    ids = _at(src, "probe(ids)")
    assert not (isinstance(ids, Tensor) and ids.padding is not None)


def test_padding_tested_on_a_third_list_is_not_kept_past_the_if() -> None:
    # the test measures neither the padded list nor the list its count measures: whether
    # the other branch pads is unknown
    src = ROWS.replace("if len(tokens) < pad_size:", "if len(text) < pad_size:")
    ids = _at(src, "probe(ids)")
    assert not (isinstance(ids, Tensor) and ids.padding is not None)


def test_without_the_cut_to_the_same_bound_the_count_proves_nothing() -> None:
    # nothing shows that ids and tokens have the same length, and the long rows are left
    # as they are: whether ids ends up padded is not known
    src = ROWS.replace("                ids = ids[:pad_size]\n", "                pass\n")
    ids = _at(src, "probe(ids)")
    assert not (isinstance(ids, Tensor) and ids.padding is not None)
