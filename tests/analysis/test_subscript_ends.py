"""Both ends of an axis taken together: ``cat((x[0], x[-1]))`` reads the first and last step."""

from __future__ import annotations

import pytest

from .conftest import facts_of, line_of

PROGRAM = """
import torch
from torch import nn

rnn = nn.LSTM(8, 16, bidirectional=True)
outputs, _ = rnn(torch.randn(12, 4, 8))
other, _ = rnn(torch.randn(12, 4, 8))
summary = {expr}  # here
"""


def _ends(expr: str) -> dict[str, bool]:
    """For each subscript on the marked line: whether it is paired with the other end."""
    src = PROGRAM.format(expr=expr)
    facts = facts_of(src)
    line = line_of(src, "# here")
    found = {}
    for s in facts.subscripts:
        if facts.line(s.node) == line:
            found[facts.code(s.node)] = s.other_end is not None
    assert found, "no subscript recorded on the line"
    return found


@pytest.mark.parametrize(
    "expr",
    [
        "torch.cat((outputs[0], outputs[-1]), dim=1)",
        "torch.cat([outputs[-1], outputs[0]], 1)",
        "torch.stack((outputs[0], outputs[-1]))",
        "torch.cat((outputs[0, :, :], outputs[-1, :, :]), dim=1)",
    ],
)
def test_first_and_last_step_joined_are_paired(expr: str) -> None:
    assert set(_ends(expr).values()) == {True}


@pytest.mark.parametrize(
    "expr",
    [
        "torch.cat((outputs[-1], outputs[-1]), dim=1)",  # the last step twice
        "torch.cat((other[0], outputs[-1]), dim=1)",  # another tensor's first step
        "torch.cat((outputs[1], outputs[-1]), dim=1)",  # not the first step
        "torch.cat((outputs[0, :, :16], outputs[-1]), dim=1)",  # differs on another axis too
        "outputs[0] + outputs[-1]",  # not a concatenation
        "(outputs[0], outputs[-1])",  # a tuple, not joined
    ],
)
def test_other_uses_are_not_paired(expr: str) -> None:
    ends = _ends(expr)
    last = [code for code in ends if "-1" in code]
    assert last and not any(ends[code] for code in last)
