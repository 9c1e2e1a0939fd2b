"""RNN cells (one step: ``(batch, features) -> (batch, units)``) and a TF/NumPy reduction of a
Python list of their per-step outputs, which stacks the list on a new axis 0 (time)."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.layout import BF, TBF
from pooling_lint.analysis.values import Tensor, TupleValue

from .conftest import facts_of, line_of, probe, reduction_on

KERAS = """
import numpy as np
import tensorflow as tf

cell = tf.keras.layers.{cell}(16)
x = tf.random.normal([4, 10, 8])
state = [tf.zeros([4, 16])]
steps = []
for t in range(10):
    out, state = cell(x[:, t], state)
    steps.append(out)
"""


@pytest.mark.parametrize("cell", ["GRUCell", "LSTMCell", "SimpleRNNCell"])
def test_a_keras_cell_returns_its_output_and_states(cell: str) -> None:
    src = KERAS.format(cell=cell) + "probe(cell(x[:, 0], state))\n"
    value = probe(src)
    assert isinstance(value, TupleValue) and len(value.items) == 2
    out = value.items[0]
    assert isinstance(out, Tensor) and out.layout == BF and out.rnn is not None


@pytest.mark.parametrize("call", ["tf.reduce_mean(steps, axis=1)", "np.mean(steps, axis=1)"])
def test_a_list_of_steps_is_stacked_time_first_by_a_tf_or_numpy_reduction(call: str) -> None:
    src = KERAS.format(cell="GRUCell") + f"summary = {call}\n"
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "summary ="))
    assert r.operand.layout == TBF and r.operand.stacked is not None
    assert r.axis == 1 and r.operand.batch_axis == 1


def test_a_list_of_other_tensors_is_not_stacked() -> None:
    src = """
import tensorflow as tf

dense = tf.keras.layers.Dense(16)
x = tf.random.normal([4, 10, 8])
steps = []
for t in range(10):
    steps.append(dense(x[:, t]))
summary = tf.reduce_mean(steps, axis=1)
"""
    facts = facts_of(src)
    assert not [r for r in facts.reductions if r.operand.stacked is not None]


def test_torch_reductions_take_no_list() -> None:
    src = """
import torch
from torch import nn

cell = nn.GRUCell(8, 16)
x = torch.randn(4, 10, 8)
h = torch.zeros(4, 16)
steps = []
for t in range(10):
    h = cell(x[:, t], h)
    steps.append(h)
summary = torch.mean(steps, dim=1)
"""
    facts = facts_of(src)
    assert not [r for r in facts.reductions if facts.line(r.node) == line_of(src, "summary =")]


@pytest.mark.parametrize(
    ("cell", "inp", "kind"),
    [
        ("GRUCell", "torch.randn(4, 8)", "tensor"),
        ("RNNCell", "torch.randn(4, 8)", "tensor"),
        ("LSTMCell", "torch.randn(4, 8)", "pair"),
        ("GRUCell", "torch.randn(8)", "unknown"),  # unbatched: (hidden,)
        ("GRUCell", "inp", "unknown"),  # rank not shown
    ],
)
def test_torch_cells_need_a_batched_input(cell: str, inp: str, kind: str) -> None:
    src = f"""
import torch
from torch import nn

def step(inp):
    cell = nn.{cell}(8, 16)
    probe(cell({inp}))
"""
    value = probe(src)
    if kind == "unknown":
        assert value is None
        return
    out = value.items[0] if kind == "pair" else value
    assert isinstance(value, TupleValue) == (kind == "pair")
    assert isinstance(out, Tensor) and out.layout == BF and out.rnn is not None
