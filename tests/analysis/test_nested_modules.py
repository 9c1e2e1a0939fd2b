"""Modules of the file's own classes nested several deep (analysis/interpreter.py rounds,
values.join_call_sites), and functions that hand back their parameter
(analysis/param_returns.py)."""

from __future__ import annotations

import ast
import textwrap

from pooling_lint.analysis.facts import build_facts_from_text
from pooling_lint.analysis.param_returns import param_return
from pooling_lint.analysis.values import Side, Tensor

from .conftest import facts_of, line_of, probe_at

# Python files define the callee first: each level down is reached one analysis round later.
_NESTED = """
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

class Inner(nn.Module):
    def forward(self, x):
        return x

class Middle(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()
    def forward(self, x):
        return self.inner(x)

class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.middle = Middle()
    def forward(self, x):
        return self.middle(x)

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 8)
        self.outer = Outer()
    def forward(self, ids):
        h = self.outer(self.embed(ids))
        probe(h)
        return h

def batches(rows):
    yield pad_sequence([torch.tensor(r) for r in rows], batch_first=True)

model = Model()
for ids in batches([[1, 2], [3]]):
    model(ids)
"""


def _value(src: str, marker: str = "probe(h)") -> object:
    return probe_at(facts_of(src), line_of(src, marker))


def test_padding_reaches_the_innermost_of_modules_defined_callee_first() -> None:
    h = _value(_NESTED)
    assert isinstance(h, Tensor)
    assert h.padding is not None and h.padding.side == Side.POST
    assert h.rank == 3 and str(h.layout) == "BTF"


def test_equal_length_rows_through_the_same_modules_are_not_padded() -> None:
    src = _NESTED.replace(
        "pad_sequence([torch.tensor(r) for r in rows], batch_first=True)",
        "torch.stack([torch.tensor(r) for r in rows])",
    )
    h = _value(src)
    assert not (isinstance(h, Tensor) and h.padding is not None)


# A parameter called `mask` that is passed on with `x` marks `x` padded before any caller
# bound it (analysis/connections.py); that shapeless guess must not blur the real batch
# its caller passes later.
_MASK_PASSED_ON = """
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Linear(8, 8)
    def forward(self, x, mask=None):
        probe(x)
        return x + self.ff(x)

class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(), Block()])
    def forward(self, x, mask=None):
        for block in self.blocks:
            x = block(x, mask)
        return x

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 8)
        self.stack = Stack()
    def forward(self, ids):
        return self.stack(self.embed(ids))

def batches(rows):
    yield pad_sequence([torch.tensor(r) for r in rows], batch_first=True)

model = Model()
for ids in batches([[1, 2], [3]]):
    model(ids)
"""


def test_a_shapeless_padded_guess_does_not_blur_the_batch_a_caller_passes() -> None:
    x = _value(_MASK_PASSED_ON, "probe(x)")
    assert isinstance(x, Tensor) and x.padding is not None
    assert x.rank == 3 and str(x.layout) == "BTF" and x.padding.side == Side.POST


def test_two_shaped_padded_call_sites_still_join_to_what_both_show() -> None:
    # a (batch, time, features) batch and a (time, batch, features) one: the layout differs
    src = _MASK_PASSED_ON.replace(
        "        return self.stack(self.embed(ids))",
        "        self.stack(self.embed(ids).transpose(0, 1))\n"
        "        return self.stack(self.embed(ids))",
    )
    x = _value(src, "probe(x)")
    assert isinstance(x, Tensor) and x.padding is not None
    assert x.layout is None


def _returned(src: str) -> tuple[int, bool] | None:
    text = textwrap.dedent(src).lstrip("\n")
    facts = build_facts_from_text(text)
    fn = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef))
    return param_return(facts, fn)


def test_helpers_that_return_a_parameter_or_copies_of_it() -> None:
    head = "import copy\nfrom copy import deepcopy\nimport torch.nn as nn\n"
    assert _returned(head + "def f(a, b):\n    return b\n") == (1, False)
    assert _returned(head + "def f(m):\n    return copy.deepcopy(m)\n") == (0, False)
    assert _returned(head + "def f(m, n):\n    return [deepcopy(m) for _ in range(n)]\n") == (
        0,
        True,
    )
    clones = "def clones(m, n):\n    return nn.ModuleList([copy.deepcopy(m) for _ in range(n)])\n"
    assert _returned(head + clones) == (0, True)


def test_helpers_that_may_return_something_else_are_not_summarised() -> None:
    head = "import copy\nimport torch.nn as nn\n"
    assert _returned(head + "def f(m):\n    m = m.half()\n    return m\n") is None
    assert _returned(head + "def f(m, k):\n    if k:\n        return m\n    return None\n") is None
    assert _returned(head + "def f(m):\n    return m.cuda()\n") is None
    assert _returned(head + "def f(m, n):\n    return nn.Sequential(*[m] * n)\n") is None
    assert _returned(head + "def f(m, n):\n    return [copy.deepcopy(x) for x in m]\n") is None
    # a function named like the helper but building something else
    other = "def clones(m, n):\n    return nn.ModuleList([nn.Linear(n, n)])\n"
    assert _returned(head + other) is None


# One stack class built twice with two different layer classes: its layer is one of the
# two (a choice), and running the stack runs that layer's forward, whichever it is.
_TWO_STACKS = """
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = nn.Linear(8, 8)
    def forward(self, x):
        return x + self.ff(x)

class Scale(nn.Module):
    def forward(self, x):
        return x * 2.0

class Stack(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layers = nn.ModuleList([layer, layer])
    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 8)
        self.enc = Stack(Residual())
        self.post = Stack(Scale())
    def forward(self, ids):
        h = self.post(self.enc(self.embed(ids)))
        probe(h)
        return h

def batches(rows):
    yield pad_sequence([torch.tensor(r) for r in rows], batch_first=True)

model = Model()
for ids in batches([[1, 2], [3]]):
    model(ids)
"""


def test_a_stack_built_with_two_layer_classes_runs_either() -> None:
    h = _value(_TWO_STACKS)
    assert isinstance(h, Tensor) and h.padding is not None and str(h.layout) == "BTF"


def test_either_layer_that_drops_the_padding_leaves_the_stack_unsure() -> None:
    # one of the two layer classes returns something the file does not show: the stack's
    # output is padded only when both are
    src = _TWO_STACKS.replace("        return x * 2.0", "        return self.project(x)")
    h = _value(src)
    assert not (isinstance(h, Tensor) and h.padding is not None)
