"""``while len(x) < n: x.append(c)`` pads ``x`` at the end (``insert(0, c)`` at the front),
also written ``for _ in range(n - len(x))`` (pad_loops.appended_up_to)."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import Side, Tensor

from .conftest import probe

HEAD = """
def row(words, vocab, n):
    x = [vocab[w] for w in words]
"""


@pytest.mark.parametrize(
    ("loop", "side"),
    [
        ("    while len(x) < n:\n        x.append(0)\n", Side.POST),
        ("    while n > len(x):\n        x.append(0)\n", Side.POST),
        ("    for _ in range(n - len(x)):\n        x.append(0)\n", Side.POST),
        ("    while len(x) < n:\n        x.insert(0, 0)\n", Side.PRE),
    ],
)
def test_a_list_filled_up_to_a_bound_is_padded(loop: str, side: Side) -> None:
    value = probe(HEAD + loop + "    probe(x)\n")
    assert isinstance(value, Tensor) and value.padding is not None
    assert value.padding.side is side


@pytest.mark.parametrize(
    "loop",
    [
        "    while len(x) < n:\n        x.append(next_word())\n",  # not a constant
        "    while len(x) < n:\n        x.append(0)\n        log(x)\n",  # more than the append
        "    while len(y) < n:\n        x.append(0)\n",  # another list measured
        "    for _ in range(n):\n        x.append(0)\n",  # n zeros added, not up to n
    ],
)
def test_other_loops_do_not_pad(loop: str) -> None:
    value = probe(HEAD + "    y = []\n" + loop + "    probe(x)\n")
    assert not (isinstance(value, Tensor) and value.padding is not None)
