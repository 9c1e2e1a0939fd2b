"""Stacks of the file's own modules: ``copy.deepcopy`` copies, a ``ModuleList`` of instances,
a helper that builds the list from a module it is given, and a loop that runs each element
(analysis/calls.py, library_calls.py, scopes.py, values.py)."""

from __future__ import annotations

from pooling_lint.analysis.values import Instance, ListOf, Side, Tensor, TupleValue

from .conftest import facts_of, line_of, probe_at

_BLOCKS = """
import copy
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.inner = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.inner(x)
"""


def _value(src: str, marker: str) -> object:
    return probe_at(facts_of(src), line_of(src, marker))


def test_a_copy_holds_what_the_original_holds() -> None:
    src = (
        _BLOCKS
        + """
from copy import deepcopy
probe(copy.deepcopy(Block(4)))
probe(deepcopy(nn.LSTM(4, 4)))
x = pad_sequence([torch.randn(3, 4), torch.randn(2, 4)], batch_first=True)
probe(copy.copy(x))
"""
    )
    facts = facts_of(src)
    block = probe_at(facts, line_of(src, "copy.deepcopy(Block"))
    assert isinstance(block, Instance) and block.class_name == "Block"
    lstm = probe_at(facts, line_of(src, "deepcopy(nn.LSTM"))
    assert getattr(lstm, "qualname", None) == "torch.nn.LSTM"
    t = probe_at(facts, line_of(src, "copy.copy(x)"))
    assert isinstance(t, Tensor) and t.padding is not None


def test_module_list_of_instances_is_a_list_of_them() -> None:
    src = (
        _BLOCKS
        + """
probe(nn.ModuleList([copy.deepcopy(Block(4)) for _ in range(3)]))
probe(nn.ModuleList([Block(4), Block(8)]))
"""
    )
    facts = facts_of(src)
    copies = probe_at(facts, line_of(src, "for _ in range(3)"))
    assert isinstance(copies, ListOf) and isinstance(copies.item, Instance)
    two = probe_at(facts, line_of(src, "Block(4), Block(8)"))
    assert isinstance(two, TupleValue) and all(isinstance(i, Instance) for i in two.items)


STACK = (
    _BLOCKS
    + """
def clones(module, n):
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])

class Encoder(nn.Module):
    def __init__(self, vocab, dim, depth):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = clones(Block(dim), depth)

    def forward(self, ids):
        h = self.embed(ids)
        for block in self.blocks:
            h = block(h)
        probe(h)
        return h

def main(seqs):
    Encoder(10, 4, 2)(pad_sequence(seqs, batch_first=True))
"""
)


def test_a_loop_over_a_stack_of_copies_runs_each_block() -> None:
    h = _value(STACK, "probe(h)")
    assert isinstance(h, Tensor) and h.padding is not None
    assert h.padding.side is Side.POST and h.rank == 3


def test_a_helper_given_two_different_modules_runs_once_per_call_site() -> None:
    # `clones` is a small stateless helper (analysis/inline.py): each call site runs it on its
    # own arguments, so the encoder's call still gets its Blocks, not the join with the Linears
    src = STACK.replace(
        "def main(seqs):",
        "other = clones(nn.Linear(4, 4), 2)\n\ndef main(seqs):",
    )
    h = _value(src, "probe(h)")
    assert isinstance(h, Tensor) and h.padding is not None and h.rank == 3


def test_a_helper_too_big_to_inline_given_two_different_modules_stays_unsure() -> None:
    # a helper that is not inlined (a loop in its body) has one body for both call sites
    src = STACK.replace(
        "def main(seqs):",
        "other = clones(nn.Linear(4, 4), 2)\n\ndef main(seqs):",
    ).replace(
        "def clones(module, n):\n", "def clones(module, n):\n    for _ in range(0):\n        pass\n"
    )
    assert "for _ in range(0)" in src
    assert _value(src, "probe(h)") is None


def test_a_loop_over_an_unknown_list_runs_nothing() -> None:
    src = STACK.replace("self.blocks = clones(Block(dim), depth)", "self.blocks = blocks")
    src = src.replace(
        "def __init__(self, vocab, dim, depth):",
        "def __init__(self, vocab, dim, depth, blocks=None):",
    )
    assert _value(src, "probe(h)") is None


def test_a_sequential_runs_the_files_own_modules_in_order() -> None:
    src = (
        _BLOCKS
        + """
class Scaled(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.table = nn.Embedding(vocab, dim)

    def forward(self, ids):
        return self.table(ids) * 2.0

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Sequential(Scaled(10, 4), nn.Dropout(0.1))
        self.broken = nn.Sequential(Scaled(10, 4), unknown_module)

    def forward(self, ids):
        probe(self.embed(ids))
        probe2(self.broken(ids))

def main(seqs):
    Model()(pad_sequence(seqs, batch_first=True))
"""
    )
    facts = facts_of(src)
    out = probe_at(facts, line_of(src, "probe(self.embed"))
    assert isinstance(out, Tensor) and out.padding is not None and out.rank == 3
    assert probe_at(facts, line_of(src, "probe2("), "probe2") is None  # an unknown module


def test_a_list_of_the_files_keras_layers_is_not_unrolled() -> None:
    # each block's call(x, mask=None) would be taken to receive padded inputs: a loop over
    # image or fixed-length blocks does not show that Keras passes them a mask
    src = """
    import keras
    from keras import layers, ops

    class Block(layers.Layer):
        def __init__(self, dim):
            super().__init__()
            self.dense = layers.Dense(dim)

        def call(self, x, mask=None):
            return x + self.dense(x)

    class Encoder(layers.Layer):
        def __init__(self, dim):
            super().__init__()
            self.embed = layers.Dense(dim)
            self.blocks = [Block(dim) for _ in range(2)]

        def call(self, images):
            x = self.embed(images)
            for block in self.blocks:
                x = block(x)
            probe(x)
            return x
    """
    assert _value(src, "probe(x)") is None
