"""Queries several rules share (analysis/queries.py), the typed index items and the enums."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.indexing import (
    FULL_SLICE,
    UNKNOWN,
    IntIndex,
    Marker,
    SliceIndex,
    TensorIndex,
    axis_items,
)
from pooling_lint.analysis.library import Framework
from pooling_lint.analysis.queries import (
    LastTake,
    fix_framework,
    reduces_over_padded_time,
    takes_last,
    takes_last_step,
    time_item,
    window_covers_time,
)
from pooling_lint.analysis.values import Fill, Role, Side, Tensor
from pooling_lint.engine import lint_source_text

from .conftest import facts_of, line_of, reduction_on, subscript_on

PADDED = """
import torch
from torch.nn.utils.rnn import pad_sequence
def f(seqs, scores):
    x = pad_sequence(seqs, batch_first=True)
    a = x.mean(dim=1)
    b = x.mean(dim=0)
    c = x[:, -1]
    d = x[:, -3:]
    e = x[:, 0]
    g = x[..., None]
"""


def test_reduces_over_padded_time() -> None:
    facts = facts_of(PADDED)
    assert reduces_over_padded_time(reduction_on(facts, line_of(PADDED, "a = ")))
    assert not reduces_over_padded_time(reduction_on(facts, line_of(PADDED, "b = ")))


def test_takes_last_step_reads_the_time_axis() -> None:
    facts = facts_of(PADDED)
    assert takes_last_step(subscript_on(facts, line_of(PADDED, "c = "))) is LastTake.STEP
    assert takes_last_step(subscript_on(facts, line_of(PADDED, "d = "))) is LastTake.WINDOW
    assert takes_last_step(subscript_on(facts, line_of(PADDED, "e = "))) is None
    g = subscript_on(facts, line_of(PADDED, "g = "))
    assert g.items == (Marker.ELLIPSIS, Marker.NEWAXIS)
    assert time_item(g) == FULL_SLICE  # `...` keeps the time axis whole


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (IntIndex(-1), LastTake.STEP),
        (IntIndex(0), None),
        (SliceIndex(-4, None), LastTake.WINDOW),
        (SliceIndex(-4, -1), None),
        (SliceIndex(UNKNOWN, None), None),
        (FULL_SLICE, None),
        (Marker.OTHER, None),
        (None, None),
    ],
)
def test_takes_last(item: object, expected: LastTake | None) -> None:
    assert takes_last(item) is expected  # type: ignore[arg-type]


def test_axis_items_expand_an_ellipsis() -> None:
    items = (Marker.ELLIPSIS, IntIndex(-1))
    assert axis_items(items, 3) == {2: IntIndex(-1)}
    around = (IntIndex(0), Marker.ELLIPSIS, FULL_SLICE)
    assert axis_items(around, 4) == {0: IntIndex(0), 3: FULL_SLICE}
    assert axis_items(items, None) is None  # where `...` ends is unknown
    assert axis_items((FULL_SLICE, Marker.OTHER), 2) is None
    assert axis_items((Marker.NEWAXIS, IntIndex(1)), 2) == {0: IntIndex(1)}
    assert TensorIndex(Tensor()) == TensorIndex(Tensor())


def test_window_covers_time() -> None:
    src = """
    from tensorflow import keras
    x = keras.Input(shape=(10, 4))
    m = keras.layers.Masking()(x)
    a = keras.layers.AveragePooling1D(pool_size=10)(m)
    b = keras.layers.AveragePooling1D(pool_size=4)(m)
    c = keras.layers.AveragePooling1D(pool_size=k)(m)
    d = keras.layers.GlobalAveragePooling1D()(m)
    """
    facts = facts_of(src)
    got = {
        name: window_covers_time(reduction_on(facts, line_of(src, f"{name} = ")))
        for name in "abcd"
    }
    assert got == {"a": True, "b": False, "c": False, "d": True}
    c = reduction_on(facts, line_of(src, "c = "))
    assert c.windowed and c.pool_size is None  # a window of unknown size, no -1 sentinel


@pytest.mark.parametrize(
    ("imports", "call", "expected"),
    [
        ("import torch", "torch.mean(x, dim=1)", Framework.TORCH),
        ("import tensorflow as tf", "tf.reduce_mean(x, axis=1)", Framework.TENSORFLOW),
        ("import numpy as np", "np.mean(x, axis=1)", Framework.TENSORFLOW),
        ("from keras import ops", "ops.mean(x, axis=1)", Framework.KERAS),
        ("import torch", "x.mean(1)", Framework.TORCH),  # a method: the file's imports
        ("import tensorflow as tf", "x.mean(1)", Framework.TENSORFLOW),
    ],
)
def test_fix_framework_from_the_api_then_the_imports(
    imports: str, call: str, expected: Framework
) -> None:
    src = f"""
    {imports}
    def f(x, lengths):
        return {call}
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "return"))
    assert fix_framework(facts, r.operand, r.framework) is expected


def test_fix_framework_of_a_keras_graph_is_keras() -> None:
    src = """
    import tensorflow as tf
    from tensorflow import keras
    x = keras.Input(shape=(None, 8))
    y = tf.reduce_mean(x, axis=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "y = "))
    assert fix_framework(facts, r.operand, r.framework) is Framework.KERAS


def test_roles_sides_and_fills_are_enums() -> None:
    facts = facts_of(PADDED)
    t = reduction_on(facts, line_of(PADDED, "a = ")).operand
    assert t.role is Role.DATA
    assert t.padding is not None
    assert t.padding.side is Side.POST and t.padding.fill is Fill.ZERO
    src = """
    import tensorflow as tf
    from tensorflow import keras
    x = keras.utils.pad_sequences(seqs, padding="post")
    y = tf.reduce_mean(x, axis=1)
    """
    r = reduction_on(facts_of(src), line_of(src, "y = "))
    assert r.operand.padding is not None and r.operand.padding.side is Side.POST
    assert r.operand.role is Role.TOKENS


def test_findings_carry_the_evidence_their_message_names() -> None:
    code = (
        "import torch\n"
        "def pool(out, lengths):\n"
        "    return out.mean(dim=1)\n"
    )
    (d,) = lint_source_text(code)
    assert d.code == "PLG101" and "the `lengths` parameter at line 2" in d.message
    (related,) = d.related
    assert related.message == "the `lengths` parameter"
    assert (related.start.line, related.start.column) == (2, 15)
    assert (related.end.line, related.end.column) == (2, 22)
