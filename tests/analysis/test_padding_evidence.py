"""Evidence of padding: where it comes from, and that the fact keeps the node (and line)."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Tensor, TupleValue

from .conftest import facts_of, layer_call_on, line_of, probe_at, reduction_on, subscript_on


def test_nn_embedding_padding_idx_is_evidence() -> None:
    src = """
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(1000, 64, padding_idx=0)
            self.lstm = nn.LSTM(64, 32, batch_first=True)
        def forward(self, tokens):
            out, _ = self.lstm(self.emb(tokens))
            return out.mean(dim=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "out.mean"))
    assert r.operand.padding is not None
    assert facts.line(r.operand.padding.evidence.node) == line_of(src, "padding_idx=0")
    assert r.operand.layout == Layout.parse("BTF") and r.axis == 1


def test_nn_embedding_positional_padding_idx_is_evidence() -> None:
    src = """
    import torch.nn as nn
    emb = nn.Embedding(1000, 64, 0)
    h = emb(tokens)
    probe(h)
    """
    facts = facts_of(src)
    h = probe_at(facts, 4)
    assert isinstance(h, Tensor) and h.padding is not None
    assert facts.line(h.padding.evidence.node) == 2


def test_nn_embedding_padding_idx_none_is_no_evidence() -> None:
    src = """
    import torch.nn as nn
    emb = nn.Embedding(1000, 64, padding_idx=None)
    h = emb(tokens)
    probe(h)
    """
    facts = facts_of(src)
    h = probe_at(facts, 4)
    assert h is None or (isinstance(h, Tensor) and h.padding is None)


def test_pad_packed_sequence_output_is_post_zero_padded() -> None:
    src = """
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    lstm = nn.LSTM(8, 16, batch_first=True)
    def run(x, lengths):
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, (h, c) = lstm(packed)
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        probe(out)
        probe(out_lengths)
    """
    facts = facts_of(src)
    out = probe_at(facts, line_of(src, "probe(out)"))
    lens = probe_at(facts, line_of(src, "probe(out_lengths)"))
    assert isinstance(out, Tensor)
    assert out.layout == Layout.parse("BTF") and out.rank == 3
    assert out.padding is not None and out.padding.side == "post" and out.padding.fill == "zero"
    assert facts.line(out.padding.evidence.node) == line_of(src, "out, out_lengths")
    assert isinstance(lens, Tensor) and lens.role == "lengths"
    lstm_call = layer_call_on(facts, line_of(src, "packed_out, (h, c)"))
    assert isinstance(lstm_call.output, TupleValue)


def test_pad_packed_sequence_default_is_time_major() -> None:
    src = """
    from torch.nn.utils.rnn import pad_packed_sequence
    out, lens = pad_packed_sequence(packed_out)
    probe(out)
    """
    facts = facts_of(src)
    out = probe_at(facts, 3)
    assert isinstance(out, Tensor) and out.layout == Layout.parse("TBF")


def test_pad_sequence_default_is_time_major_and_post() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs)
    probe(x)
    y = pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    probe(y)
    """
    facts = facts_of(src)
    x = probe_at(facts, 4)
    y = probe_at(facts, 6)
    assert isinstance(x, Tensor) and x.layout == Layout.parse("TB")
    assert x.padding is not None and x.padding.side == "post" and x.padding.fill == "zero"
    assert isinstance(y, Tensor) and y.layout == Layout.parse("BT")
    assert y.padding is not None and y.padding.fill is None


def test_lengths_parameter_by_pack_padded_sequence_usage() -> None:
    # `n` has no conventional name; passing it to pack_padded_sequence makes it the lengths
    src = """
    import torch.nn as nn
    from torch.nn.utils.rnn import pack_padded_sequence
    def encode(x, n):
        probe(n)
        probe(x)
        return pack_padded_sequence(x, n.cpu(), batch_first=True)
    """
    facts = facts_of(src)
    n = probe_at(facts, 4)
    x = probe_at(facts, 5)
    assert isinstance(n, Tensor) and n.role == "lengths"
    assert isinstance(x, Tensor) and x.padding is not None
    # the evidence is where the lengths meet `x`, not the parameter's name
    assert facts.line(x.padding.evidence.node) == 6


def test_lengths_parameter_by_sequence_mask_usage() -> None:
    src = """
    import tensorflow as tf
    def pool(h, n):
        m = tf.sequence_mask(n)
        probe(n)
        return tf.reduce_mean(h, axis=1)
    """
    facts = facts_of(src)
    n = probe_at(facts, 4)
    assert isinstance(n, Tensor) and n.role == "lengths"
    # The mask is never used with `h`: nothing shows that these lengths are h's.
    assert not padded_reductions(facts, 5)


def test_sequence_mask_against_the_tensors_time_dim_connects_them() -> None:
    src = """
    import tensorflow as tf
    def pool(h, n):
        m = tf.sequence_mask(n, maxlen=tf.shape(h)[1])
        return tf.reduce_mean(h, axis=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 4)
    assert r.operand.padding is not None and r.axis == 1
    assert facts.line(r.operand.padding.evidence.node) == 3


def test_mask_parameter_by_masked_fill_usage() -> None:
    src = """
    import torch
    def pool(h, keep):
        probe(keep)
        filled = h.masked_fill(keep, 0.0)
        return filled.sum(1)
    """
    facts = facts_of(src)
    keep = probe_at(facts, 3)
    assert isinstance(keep, Tensor) and keep.role == "mask"
    # Filled by the mask, but two same-rank parameters show no time axis (a [B, B] pair mask
    # of a distance matrix reads the same): not known to be padded.
    assert not padded_reductions(facts, 5)


def test_lengths_parameter_by_comparison_with_arange() -> None:
    # `n` compared with an arange over time is a lengths vector, and the result a mask
    src = """
    import torch
    def pool(h, n):
        keep = torch.arange(h.size(1))[None, :] < n[:, None]
        probe(keep)
        return h.mean(1)
    """
    facts = facts_of(src)
    keep = probe_at(facts, 4)
    assert isinstance(keep, Tensor) and keep.role == "mask"
    r = reduction_on(facts, 5)
    assert r.operand.padding is not None


def test_parameter_names_give_roles_never_padding() -> None:
    # A name is not evidence: `x` may be the decoder's tokens while `seq_lens` are the source's.
    src = """
    def a(x, seq_lens):
        probe(seq_lens)
        return x.mean(1)
    def b(x, attention_mask):
        probe(attention_mask)
        return x.mean(1)
    def c(x, src_key_padding_mask):
        return x.mean(1)
    """
    facts = facts_of(src)
    assert probe_at(facts, 2).role == "lengths"
    assert probe_at(facts, 5).role == "mask"
    for line in (3, 6, 8):
        assert not padded_reductions(facts, line), line


def test_mask_expanded_against_a_tensor_pads_it_batch_first() -> None:
    src = """
    def a(x, mask):
        y = (x * mask.unsqueeze(-1)).sum(1)
        return x.mean(1)
    def b(h, keep):
        h = h.masked_fill(~keep[..., None], 0.0)
        return h.max(dim=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 3)
    assert r.operand.padding is not None and r.operand.layout == Layout.parse("BTF") and r.axis == 1
    assert facts.line(r.operand.padding.evidence.node) == 2
    r = reduction_on(facts, 6)
    assert r.operand.padding is not None and r.operand.padding.fill == "zero"


def test_attention_key_padding_mask_goes_with_the_keys_not_the_queries() -> None:
    src = """
    import torch.nn as nn
    attn = nn.MultiheadAttention(16, 2, batch_first=True)
    def pool(queries, memory, memory_mask):
        mixed, _ = attn(queries, memory, memory, key_padding_mask=memory_mask)
        probe(memory)
        return mixed.mean(dim=1)
    """
    facts = facts_of(src)
    memory = probe_at(facts, 5)
    assert isinstance(memory, Tensor) and memory.padding is not None
    assert not padded_reductions(facts, 6)


def test_one_caller_passing_padded_data_is_evidence() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    def pool(x):
        return x.mean(dim=1)
    padded = pad_sequence(seqs, batch_first=True)
    a = pool(padded)
    b = pool(torch.randn(2, 5, 3))
    """
    facts = facts_of(src)
    r = reduction_on(facts, 4)
    assert r.operand.padding is not None


def test_mask_parameter_role_and_sum_gives_lengths() -> None:
    src = """
    def pool(x, mask):
        probe(mask)
        n = mask.sum(1)
        probe(n)
    """
    facts = facts_of(src)
    mask = probe_at(facts, 2)
    n = probe_at(facts, 4)
    assert isinstance(mask, Tensor) and mask.role == "mask"
    assert facts.line(mask.origin.node) == 1
    assert isinstance(n, Tensor) and n.role == "lengths"


def test_masking_in_keras_is_evidence_with_line() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.keras import layers
    inp = tf.keras.Input(shape=(None, 16))
    x = layers.Masking(mask_value=0.0)(inp)
    h = layers.LSTM(8, return_sequences=True)(x)
    avg = layers.AveragePooling1D(pool_size=4)(h)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 6)
    assert r.op == "mean" and r.pool_size == 4 and r.axis == 1
    assert r.operand.padding is not None
    assert facts.line(r.operand.padding.evidence.node) == 4
    assert "Masking" in facts.where(r.operand.padding.evidence)
    assert facts.where(r.operand.padding.evidence).endswith("at line 4")


def test_padding_flows_through_helper_function() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    def project(t):
        return t * 2.0
    x = pad_sequence(seqs, batch_first=True)
    y = project(x)
    last = y[:, -1]
    """
    facts = facts_of(src)
    s = subscript_on(facts, 7)
    assert s.base.padding is not None
    assert facts.line(s.base.padding.evidence.node) == 5


def test_padding_from_pad_sequences_through_embedding_and_lstm() -> None:
    src = """
    from tensorflow import keras
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    x = pad_sequences(tokens, maxlen=50)
    model = keras.Sequential([
        keras.layers.Embedding(1000, 16),
        keras.layers.LSTM(8, return_sequences=True),
    ])
    out = model.predict(x)
    probe(out)
    """
    facts = facts_of(src)
    out = probe_at(facts, line_of(src, "probe(out)"))
    assert isinstance(out, Tensor)
    assert out.padding is not None and out.padding.side == "pre"
    assert facts.line(out.padding.evidence.node) == 3
    assert out.dims == (None, 50, 8)
    assert out.symbolic is None  # predict returns real arrays


def test_nn_embedding_padding_idx_on_tracked_tokens() -> None:
    src = """
    import torch
    import torch.nn as nn
    tokens = torch.randint(0, 1000, (4, 12))
    h = nn.Embedding(1000, 64, padding_idx=0)(tokens)
    probe(h)
    """
    facts = facts_of(src)
    h = probe_at(facts, 5)
    assert isinstance(h, Tensor) and h.dims == (4, 12, 64) and h.rank == 3
    assert h.padding is not None and facts.line(h.padding.evidence.node) == 4


def test_pad_sequence_positional_batch_first() -> None:
    src = """
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs, True)
    probe(x)
    """
    facts = facts_of(src)
    x = probe_at(facts, 3)
    assert isinstance(x, Tensor) and x.layout == Layout.parse("BT") and x.padding is not None


def padded_reductions(facts, line: int) -> list[object]:  # type: ignore[no-untyped-def]
    """The reductions on ``line`` whose operand is known to be padded."""
    return [
        r for r in facts.reductions if facts.line(r.node) == line and r.operand.padding is not None
    ]
