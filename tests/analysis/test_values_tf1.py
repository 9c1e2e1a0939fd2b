"""Abstract values in TF1 graph code: placeholders, embedding_lookup, the RNN functions of
``tf.nn`` / ``tf.compat.v1.nn`` / ``tf.contrib.rnn``, ``(fw, bw)`` joins, softmax's axis."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Fill, Role, Side, Tensor, TupleValue

from .conftest import facts_of, probe, probe_at, reduction_on


def test_int_placeholder_is_token_ids_float_3d_is_steps() -> None:
    src = """
    import tensorflow.compat.v1 as tf
    ids = tf.placeholder(tf.int32, [None, 40])
    x = tf.placeholder(tf.float32, [None, 20, 8])
    y = tf.placeholder(tf.float32, [None, 5])
    probe(ids, x, y)
    """
    facts = facts_of(src)
    call = [c for c in facts.calls if c.qualname is None and facts.line(c.node) == 5][-1]
    ids, x, y = call.args
    assert isinstance(ids, Tensor) and ids.role == Role.TOKENS and ids.layout == Layout.parse("BT")
    assert ids.dims == (None, 40)
    assert isinstance(x, Tensor) and x.layout == Layout.parse("BTF") and x.dims == (None, 20, 8)
    # a 2-D float placeholder is labels or features, not (batch, time)
    assert isinstance(y, Tensor) and y.rank == 2 and y.layout is None


def test_embedding_lookup_adds_the_feature_axis() -> None:
    src = """
    import tensorflow as tf
    ids = tf.placeholder(tf.int32, [None, 40])
    table = tf.get_variable("emb", [5000, 64])
    x = tf.nn.embedding_lookup(table, ids)
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor)
    assert x.layout == Layout.parse("BTF") and x.dims == (None, 40, 64) and x.role == Role.DATA


def test_bidirectional_dynamic_rnn_returns_fw_bw_and_states() -> None:
    src = """
    import tensorflow as tf
    x = tf.placeholder(tf.float32, [None, 20, 8])
    outputs, states = tf.nn.bidirectional_dynamic_rnn(fw_cell, bw_cell, x, dtype=tf.float32)
    probe(outputs)
    fw, bw = outputs
    probe(fw)
    probe(bw)
    """
    facts = facts_of(src)
    pair = probe_at(facts, 4)
    assert isinstance(pair, TupleValue) and len(pair.items) == 2
    fw, bw = probe_at(facts, 6), probe_at(facts, 7)
    assert isinstance(fw, Tensor) and isinstance(bw, Tensor)
    assert fw.layout == bw.layout == Layout.parse("BTF")
    # only the backward half's last step has seen a single input
    assert fw.bidirectional is None and bw.bidirectional is not None
    assert fw.padding is None  # no padding shown: none assumed


def test_sequence_length_zeroes_the_outputs_past_each_length() -> None:
    src = """
    import tensorflow.compat.v1 as tf
    x = tf.placeholder(tf.float32, [None, None, 8])
    out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    probe(out)
    probe(state)
    """
    facts = facts_of(src)
    out, state = probe_at(facts, 4), probe_at(facts, 5)
    assert isinstance(out, Tensor) and out.padding is not None
    assert out.padding.side == Side.POST and out.padding.fill == Fill.ZERO
    assert facts.line(out.padding.evidence.node) == 3
    # the state is each row's state at its own length
    assert isinstance(state, Tensor) and state.role == Role.STATE and state.padding is None


def test_without_sequence_length_the_input_padding_carries_over() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    ids = tf.constant(pad_sequences(seqs, maxlen=30, padding="post"))
    x = tf.nn.embedding_lookup(table, ids)
    out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    probe(out)
    """
    out = probe(src)
    assert isinstance(out, Tensor) and out.padding is not None
    assert out.padding.side == Side.POST and out.padding.fill is None  # the RNN's own values


def test_time_major_and_static_rnns_are_time_first() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.contrib import rnn
    x = tf.placeholder(tf.float32, [None, 28, 28])
    a, _ = tf.nn.dynamic_rnn(cell, tf.transpose(x, [1, 0, 2]), time_major=True)
    steps = tf.unstack(x, 28, 1)
    b, _, _ = rnn.static_bidirectional_rnn(fw, bw, steps, dtype=tf.float32)
    c, _ = rnn.static_rnn(cell, steps, dtype=tf.float32)
    probe(a)
    probe(steps)
    probe(b)
    probe(c)
    """
    facts = facts_of(src)
    a, steps, b, c = (probe_at(facts, n) for n in (8, 9, 10, 11))
    assert isinstance(a, Tensor) and a.layout == Layout.parse("TBF")
    # tf.unstack(x, T, 1): a list of (batch, features) steps, stacked on axis 0
    assert (
        isinstance(steps, Tensor)
        and steps.layout == Layout.parse("TBF")
        and steps.dims == (28, None, 28)
    )
    assert isinstance(b, Tensor) and b.layout == Layout.parse("TBF") and b.bidirectional is not None
    assert isinstance(c, Tensor) and c.layout == Layout.parse("TBF") and c.bidirectional is None


def test_stack_bidirectional_outputs_are_already_joined() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.contrib import rnn
    x = tf.placeholder(tf.float32, [None, None, 8])
    out, _, _ = rnn.stack_bidirectional_dynamic_rnn(fws, bws, x, sequence_length=n)
    probe(out)
    """
    out = probe(src)
    assert (
        isinstance(out, Tensor)
        and out.layout == Layout.parse("BTF")
        and out.bidirectional is not None
    )
    assert out.padding is not None and out.padding.fill == Fill.ZERO


def test_concat_of_the_pair_on_the_feature_axis_keeps_both_facts() -> None:
    src = """
    import tensorflow as tf
    x = tf.placeholder(tf.float32, [None, None, 8])
    outputs, _ = tf.nn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=n)
    both = tf.concat(outputs, 2)
    listed = tf.concat([outputs[0], outputs[1]], axis=-1)
    mixed = tf.concat([outputs[0], x, outputs[1]], axis=2)
    along_time = tf.concat([outputs[0], outputs[1]], 1)
    probe(both)
    probe(listed)
    probe(mixed)
    probe(along_time)
    """
    facts = facts_of(src)
    both, listed, mixed, along_time = (probe_at(facts, n) for n in (8, 9, 10, 11))
    for t in (both, listed):
        assert (
            isinstance(t, Tensor)
            and t.layout == Layout.parse("BTF")
            and t.bidirectional is not None
        )
        assert t.padding is not None and t.padding.fill == Fill.ZERO
    # the input's steps are not zero where the outputs are: the fill is unknown, the padding kept
    assert isinstance(mixed, Tensor) and mixed.padding is not None and mixed.padding.fill is None
    assert along_time is None  # a join along time is not a feature join


def test_sign_of_ids_is_a_mask_and_shows_zero_padding() -> None:
    src = """
    import tensorflow as tf
    ids = tf.placeholder(tf.int32, [None, 40])
    lengths = tf.reduce_sum(tf.sign(ids), 1)
    x = tf.nn.embedding_lookup(table, ids)
    probe(lengths)
    probe(x)
    """
    facts = facts_of(src)
    lengths, x = probe_at(facts, 5), probe_at(facts, 6)
    assert isinstance(lengths, Tensor) and lengths.role == Role.LENGTHS
    assert isinstance(x, Tensor) and x.padding is not None and x.layout == Layout.parse("BTF")
    assert facts.line(x.padding.evidence.node) == 3


def test_sign_of_data_is_elementwise() -> None:
    src = """
    import tensorflow as tf
    x = tf.placeholder(tf.float32, [None, 20, 8])
    s = tf.sign(x)
    probe(s)
    """
    s = probe(src)
    assert isinstance(s, Tensor) and s.role == Role.DATA and s.layout == Layout.parse("BTF")


def test_tf_softmax_without_axis_reduces_the_last_axis() -> None:
    src = """
    import tensorflow as tf
    x = tf.placeholder(tf.float32, [None, 20, 8])
    w1 = tf.get_variable("w1", [8, 16])
    u = tf.get_variable("u", [16])
    scores = tf.tensordot(tf.tanh(tf.tensordot(x, w1, axes=1)), u, axes=1)
    a = tf.nn.softmax(scores)
    b = tf.nn.softmax(scores, axis=None)
    """
    facts = facts_of(src)
    for line in (6, 7):
        r = reduction_on(facts, line)
        assert r.op == "softmax" and r.operand.layout == Layout.parse("BT") and r.axis == 1


def test_torch_softmax_without_dim_is_not_read_as_the_last_axis() -> None:
    src = """
    import torch
    import torch.nn.functional as F
    x = torch.randn(4, 10)
    w = F.softmax(x)
    """
    r = reduction_on(facts_of(src), 4)
    assert r.axis is None  # torch's implicit dim depends on the rank: not modelled


def test_compat_v1_names_share_the_tf2_model() -> None:
    src = """
    import tensorflow.compat.v1 as tf
    x = tf.placeholder(tf.float32, [None, 20, 8])
    y = tf.transpose(x, [1, 0, 2])
    probe(y)
    """
    y = probe(src)
    assert isinstance(y, Tensor) and y.layout == Layout.parse("TBF")
