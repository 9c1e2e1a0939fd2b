"""A ``(N,)`` vector times an ``(N, 1)`` column broadcasts to ``(N, N)`` (``Tensor.outer``),
with the shapes from a per-sample loss and from a list the analysis folds."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Tensor

from .conftest import facts_of, line_of, probe

HEAD = """
import torch
import torch.nn.functional as F

logits = torch.randn(12, 50)
targets = torch.randint(0, 50, (12,))
"""


def test_a_per_sample_loss_has_one_value_per_row() -> None:
    value = probe(HEAD + 'probe(F.cross_entropy(logits, targets, reduction="none"))\n')
    assert isinstance(value, Tensor) and value.rank == 1 and value.dims == (12,)


@pytest.mark.parametrize("reduction", ['"mean"', '"sum"', "mode"])
def test_other_reductions_are_not_modelled(reduction: str) -> None:
    value = probe(HEAD + f"probe(F.cross_entropy(logits, targets, reduction={reduction}))\n")
    assert not (isinstance(value, Tensor) and value.rank == 1)


def test_a_folded_list_literal_has_its_length() -> None:
    value = probe(HEAD + "probe(torch.tensor([0] * 9 + [1] * 3))\n")
    assert isinstance(value, Tensor) and value.rank == 1 and value.dims == (12,)


@pytest.mark.parametrize(
    ("expr", "outer"),
    [
        ("vec * col", True),
        ("col * vec", True),
        ("vec * col.squeeze(1)", False),  # (N,) * (N,)
        ("wide * col", False),  # (N, C) * (N, 1): along classes, as meant
        ("vec * other_col", False),  # (N,) * (M, 1), M != N
        ("vec + col", False),  # only products
    ],
)
def test_an_outer_product_is_marked_with_its_column(expr: str, outer: bool) -> None:
    src = HEAD + f"""
vec = torch.randn(12)
col = torch.randn(12).unsqueeze(1)
other_col = torch.randn(5).unsqueeze(1)
wide = torch.randn(12, 50)
probe({expr})
"""
    facts = facts_of(src)
    value = probe(src)
    assert isinstance(value, Tensor)
    assert (value.outer is not None) == outer
    if outer:
        assert facts.code(value.outer.node) == "col"
        assert value.dims == (12, 12)


BODY = """
vec = torch.randn(12)
col = torch.randn(12).unsqueeze(1)
other = torch.randn(12).unsqueeze(1)
"""


@pytest.mark.parametrize(
    ("division", "normalised"),
    [
        ("(vec * col).sum() / col.sum()", True),
        ("(col * vec).sum() / col.sum()", True),
        # through names: the same values, whatever the text
        ("s = (vec * col).sum()\nn = col.sum()\nprobe_div = s / n", True),
        ("alias = col\nprobe_div = (vec * col).sum() / alias.sum()", True),
        ("(vec * col).sum() / other.sum()", False),  # another column
        ("(vec * col).sum() / vec.sum()", False),
        ("(vec * col).sum() / col.sum(0)", False),  # not a full sum
        ("(vec * col).sum(1) / col.sum()", False),
        ("(vec * col.squeeze(1)).sum() / col.sum()", False),  # no outer product
        # the same text, another value: `col` rebound between the two sums
        ("s = (vec * col).sum()\ncol = other\nprobe_div = s / col.sum()", False),
    ],
)
def test_a_division_by_the_columns_own_sum_is_matched_by_value(
    division: str, normalised: bool
) -> None:
    lines = division.splitlines()
    if not lines[-1].startswith("probe_div"):
        lines[-1] = f"probe_div = {lines[-1]}"
    src = HEAD + BODY + "\n".join(lines) + "\n"
    facts = facts_of(src)
    divisions = [d for d in facts.divisions if facts.line(d.node) == line_of(src, "probe_div")]
    assert divisions, "the division was not recorded"
    assert (divisions[-1].outer_normalised is not None) == normalised
    if normalised:
        assert facts.code(divisions[-1].outer_normalised.operand.outer.node) == "col"
