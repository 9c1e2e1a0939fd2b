"""The shape fact of a reshape: known dims, an inferred -1, the element counts it proves."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.reshapes import CountChange, DimKind, Reshape
from pooling_lint.analysis.values import Tensor

from .conftest import facts_of, line_of, one_on, probe


def reshape_at(src: str, marker: str) -> Reshape:
    facts = facts_of(src)
    found = one_on(facts, facts.reshapes, line_of(src, marker))
    assert isinstance(found, Reshape)
    return found


TORCH_MASK = """
import torch

def f(x, lengths):
    # x: the [B, T, C] output of a recurrent layer; the mask is built from its time size
    out, _ = torch.nn.LSTM(8, 16, batch_first=True)(x)
    mask = torch.arange(out.size(1))[None, :] < lengths[:, None]
    y = {target}  # here
    probe(y)
"""


@pytest.mark.parametrize(
    "target",
    [
        "mask.view(mask.size(0), out.size(1), -1)",  # frame downsampling of a padding mask
        "mask.view(-1, 4, mask.size(1))",  # [B * beam, S] -> [B, beam, S]
        "mask.view(-1, mask.size(0), mask.size(1))",  # a leading axis of 1
        "mask.reshape(-1)",  # flattened with the tokens
        "mask.reshape((-1, 1))",
        "torch.reshape(mask, (mask.size(0), -1, 2))",
    ],
)
def test_an_inferred_dim_keeps_the_count(target: str) -> None:
    r = reshape_at(TORCH_MASK.format(target=target), "# here")
    assert r.inferred
    assert r.count_change() is CountChange.KEPT
    assert r.source.role == "mask"


def test_inferred_dim_kinds_and_result_rank() -> None:
    r = reshape_at(TORCH_MASK.format(target="mask.view(mask.size(0), out.size(1), -1)"), "# here")
    assert r.dims is not None
    assert [d.kind for d in r.dims] == [DimKind.SIZE, DimKind.SIZE, DimKind.INFERRED]
    assert r.rank == 3 and r.adds_axes()  # more axes, the same elements: a split, not a bug
    value = probe(TORCH_MASK.format(target="mask.view(mask.size(0), out.size(1), -1)"))
    assert isinstance(value, Tensor) and value.role == "mask" and value.rank == 3


@pytest.mark.parametrize(
    ("target", "change"),
    [
        ("mask.reshape(out.shape)", CountChange.DIFFERS),  # [B, T] -> [B, T, 16]
        ("mask.float().view_as(out)", CountChange.DIFFERS),
        ("mask.view(mask.size(0), mask.size(1), 16)", CountChange.DIFFERS),
        ("mask.view(mask.size(0), mask.size(1), 1)", CountChange.KEPT),  # a unit axis
        ("mask.view(mask.size(1), mask.size(0))", CountChange.KEPT),  # same axes, other order
        ("mask.view(out.size(0), out.size(1), 16)", CountChange.UNKNOWN),  # whose B and T?
        ("mask.view(n, m, k)", CountChange.UNKNOWN),
        ("mask.view_as(mask)", CountChange.KEPT),
    ],
)
def test_count_change_without_inferred_dims(target: str, change: CountChange) -> None:
    src = TORCH_MASK.replace("def f(x, lengths)", "def f(x, lengths, n, m, k)")
    r = reshape_at(src.format(target=target), "# here")
    assert not r.inferred
    assert r.count_change() is change


def test_exact_counts_when_every_dim_is_known() -> None:
    src = """
    import tensorflow as tf

    def average(outputs, n_valid):
        steps = tf.shape(outputs)[1]
        keep = tf.sequence_mask(n_valid, steps)
        keep = tf.reshape(keep, tf.shape(outputs))  # here
        return keep

    average(tf.random.normal([4, 6, 8]), tf.constant([6, 3, 1, 4]))
    """
    r = reshape_at(src, "# here")
    assert r.source.dims == (4, 6)  # sequence_mask: the lengths' batch, the maxlen given
    assert r.source_count() == 24 and r.target_count() == 192
    assert r.count_change() is CountChange.DIFFERS


def test_shape_of_a_tensor_of_unknown_rank_proves_nothing() -> None:
    src = """
    import tensorflow as tf

    def f(x, lengths):
        m = tf.sequence_mask(lengths, tf.shape(x)[1])
        m = tf.reshape(m, tf.shape(x))  # here
    """
    r = reshape_at(src, "# here")
    assert r.like is not None and r.like.rank is None
    assert r.count_change() is CountChange.UNKNOWN


def test_shape_of_a_tensor_whose_other_axes_are_one() -> None:
    src = """
    import tensorflow as tf

    def f(x, lengths):
        h = tf.random.normal([4, 6, 1])
        m = tf.sequence_mask(lengths, tf.shape(h)[1])
        m = tf.reshape(m, tf.shape(h))  # here
    """
    r = reshape_at(src, "# here")
    assert r.like is not None and r.like.dims == (4, 6, 1)
    assert r.count_change() is not CountChange.DIFFERS


@pytest.mark.parametrize(
    ("target", "regrouped"),
    [
        ("tf.reshape(lengths, [-1, tf.shape(x)[1]])", True),  # rows of T lengths
        ("tf.reshape(lengths, [-1, 5])", True),
        ("tf.reshape(lengths, [-1, 1])", False),  # a column: the batch's rows stay
        ("tf.reshape(lengths, [-1])", False),
        ("tf.reshape(lengths, [1, -1])", False),
        ("tf.reshape(lengths, [-1, n])", False),  # size not shown
    ],
)
def test_lengths_rows_regrouped(target: str, regrouped: bool) -> None:
    src = f"""
    import tensorflow as tf

    def f(x, lengths, n):
        m = tf.sequence_mask(lengths, tf.shape(x)[1])
        d = {target}  # here
    """
    r = reshape_at(src, "# here")
    assert r.source.role == "lengths"
    assert (r.rows_regrouped() is not None) is regrouped


def test_convert_to_tensor_of_a_tensor_is_that_tensor() -> None:
    # Not a literal: the value keeps its shape (it used to read as a 0-d literal).
    value = probe(
        """
        import tensorflow as tf
        x = tf.random.normal([4, 6, 8])
        y = tf.convert_to_tensor(x, dtype=tf.float32)
        probe(y)
        """
    )
    assert isinstance(value, Tensor) and value.dims == (4, 6, 8)


def test_literal_of_an_unknown_name_has_no_rank() -> None:
    value = probe(
        """
        import torch
        def f(values):
            probe(torch.tensor(values))
        """
    )
    assert isinstance(value, Tensor) and value.rank is None


def test_a_shape_held_in_a_tensor_is_not_read() -> None:
    src = """
    import tensorflow as tf

    def f(lengths):
        m = tf.sequence_mask(tf.constant([3, 1, 2, 4]), 6)
        m = tf.reshape(m, tf.constant([4, 6]))  # here
    """
    r = reshape_at(src, "# here")
    assert r.like is None and r.dims is None
    assert r.count_change() is CountChange.UNKNOWN
