"""Abstract tensor values in PyTorch code: layout, dims, padding, roles, bidirectional."""

from __future__ import annotations

from pooling_lint.analysis.indexing import IntIndex, SliceIndex
from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Tensor, TupleValue

from .conftest import (
    facts_of,
    layer_call_on,
    line_of,
    probe,
    probe_at,
    reduction_on,
    subscript_on,
)


def test_pad_sequence_then_batch_first_lstm() -> None:
    src = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence([torch.randn(5, 10), torch.randn(3, 10)], batch_first=True)
    lstm = nn.LSTM(10, 20, batch_first=True)
    out, (h, c) = lstm(x)
    pooled = out.mean(1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "out.mean"))
    assert r.op == "mean" and r.axis == 1
    assert r.operand.layout == Layout.parse("BTF")
    assert r.operand.rank == 3
    assert r.operand.rnn is not None
    assert r.operand.bidirectional is None
    pad = r.operand.padding
    assert pad is not None and pad.side == "post"
    assert facts.line(pad.evidence.node) == line_of(src, "pad_sequence([")
    # an LSTM's outputs at padded steps are not zero (SEMANTICS C)
    assert pad.fill is None


def test_tuple_unpacking_of_lstm_output_in_module() -> None:
    src = """
    import torch.nn as nn
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(16, 32, batch_first=True)
        def forward(self, x, lengths):
            out, (h, c) = self.lstm(x)
            probe(out)
            probe(h)
            probe(c)
            return h[-1]
    """
    facts = facts_of(src)
    out = probe_at(facts, line_of(src, "probe(out)"))
    h = probe_at(facts, line_of(src, "probe(h)"))
    c = probe_at(facts, line_of(src, "probe(c)"))
    assert isinstance(out, Tensor) and out.layout == Layout.parse("BTF") and out.role == "data"
    assert out.padding is None  # `lengths` is never used with `x`: a name is not evidence
    assert isinstance(h, Tensor) and h.role == "state" and h.rank == 3
    assert isinstance(c, Tensor) and c.role == "state"


def test_gru_returns_output_and_one_state() -> None:
    src = """
    import torch
    import torch.nn as nn
    gru = nn.GRU(8, 16, batch_first=True)
    out, h = gru(torch.randn(4, 9, 8))
    probe(out)
    probe(h)
    """
    facts = facts_of(src)
    out = probe_at(facts, 5)
    h = probe_at(facts, 6)
    assert isinstance(out, Tensor) and out.dims == (4, 9, 16) and out.layout == Layout.parse("BTF")
    assert isinstance(h, Tensor) and h.role == "state"


def test_default_batch_first_is_false_time_major_output() -> None:
    src = """
    import torch
    import torch.nn as nn
    lstm = nn.LSTM(10, 20)
    out, _ = lstm(torch.randn(32, 50, 10))
    last = out[:, -1]
    """
    facts = facts_of(src)
    s = subscript_on(facts, 5)
    assert s.base.layout == Layout.parse("TBF")
    assert s.base.time_axis == 0
    assert s.base.dims == (32, 50, 20)
    assert s.items == (SliceIndex(None, None, None), IntIndex(-1))


def test_positional_batch_first_and_bidirectional() -> None:
    src = """
    import torch
    import torch.nn as nn
    lstm = nn.LSTM(10, 20, 2, True, True, 0.1, True)
    out, _ = lstm(torch.randn(32, 50, 10))
    probe(out)
    """
    out = probe(src)
    assert isinstance(out, Tensor)
    assert out.layout == Layout.parse("BTF")
    assert out.bidirectional is not None
    assert out.dims == (32, 50, 40)


def test_rnn_positional_batch_first_is_sixth() -> None:
    # nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, ...)
    src = """
    import torch.nn as nn
    rnn = nn.RNN(10, 20, 1, "tanh", True, True)
    out, h = rnn(x_unknown)
    probe(out)
    """
    out = probe(src)
    assert isinstance(out, Tensor) and out.layout == Layout.parse("BTF") and out.rank == 3


def test_bidirectional_keyword_dims_and_flag() -> None:
    src = """
    import torch
    import torch.nn as nn
    x = torch.randn(8, 30, 5)
    lstm = nn.LSTM(input_size=5, hidden_size=64, batch_first=True, bidirectional=True)
    out, (h, c) = lstm(x)
    last = out[:, -1, :]
    """
    facts = facts_of(src)
    s = subscript_on(facts, line_of(src, "last ="))
    assert s.base.bidirectional is not None
    assert facts.line(s.base.bidirectional.node) == line_of(src, "lstm = nn.LSTM")
    assert s.base.dims == (8, 30, 128)


def test_transpose_turns_time_major_into_batch_first() -> None:
    src = """
    import torch
    import torch.nn as nn
    lstm = nn.LSTM(10, 20)
    out, _ = lstm(torch.randn(50, 32, 10))
    out = out.transpose(0, 1)
    pooled = out.mean(1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 6)
    assert r.operand.layout == Layout.parse("BTF")
    assert r.operand.dims == (32, 50, 20)
    assert r.operand.time_axis == r.axis == 1


def test_permute_to_channels_first() -> None:
    src = """
    import torch
    import torch.nn as nn
    lstm = nn.LSTM(10, 20, batch_first=True)
    out, _ = lstm(torch.randn(32, 50, 10))
    y = out.permute(0, 2, 1)
    probe(y)
    z = torch.transpose(out, 1, 2)
    probe(z)
    """
    facts = facts_of(src)
    for line in (6, 8):
        y = probe_at(facts, line)
        assert isinstance(y, Tensor)
        assert y.layout == Layout.parse("BCT")
        assert y.dims == (32, 20, 50)
        assert y.time_axis == 2


def test_unsqueeze_and_none_index_add_axis_to_mask() -> None:
    src = """
    import torch
    def pool(x, mask):
        m1 = mask.unsqueeze(-1)
        probe(m1)
        m2 = mask[:, :, None]
        probe(m2)
        return (x * m1).sum(1)
    """
    facts = facts_of(src)
    m1 = probe_at(facts, 4)
    m2 = probe_at(facts, 6)
    assert isinstance(m1, Tensor) and m1.role == "mask"
    assert isinstance(m2, Tensor) and m2.role == "mask"


def test_mask_multiplied_in_marks_padding_zeroed() -> None:
    src = """
    import torch
    def pool(x, lengths):
        mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
        probe(mask)
        masked = x * mask.unsqueeze(-1)
        probe(masked)
        return masked.sum(1) / lengths[:, None]
    """
    facts = facts_of(src)
    mask = probe_at(facts, 4)
    masked = probe_at(facts, 6)
    assert isinstance(mask, Tensor) and mask.role == "mask" and mask.layout == Layout.parse("BT")
    assert isinstance(masked, Tensor)
    assert masked.masked is not None
    assert masked.padding is not None and masked.padding.fill == "zero"
    div = [d for d in facts.divisions if facts.line(d.node) == 7]
    assert div and isinstance(div[0].denominator, Tensor) and div[0].denominator.role == "lengths"


def test_masked_fill_with_large_negative_is_minus_inf_fill() -> None:
    src = """
    import torch
    def attend(scores, mask):
        scores = scores.masked_fill(~mask.unsqueeze(-1), -1e9)
        probe(scores)
    """
    s = probe(src)
    assert isinstance(s, Tensor)
    assert s.masked is not None
    assert s.padding is not None and s.padding.fill == "-inf"


def test_reassignment_replaces_the_padded_value() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs, batch_first=True)
    probe(x)
    x = torch.randn(4, 12, 8)
    probe(x)
    """
    facts = facts_of(src)
    before = probe_at(facts, 4)
    after = probe_at(facts, 6)
    assert isinstance(before, Tensor) and before.padding is not None
    assert isinstance(after, Tensor) and after.padding is None and after.dims == (4, 12, 8)


def test_slicing_keeps_or_drops_the_time_axis() -> None:
    src = """
    import torch
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs, batch_first=True)
    out, _ = nn.GRU(8, 16, batch_first=True)(x)
    window = out[:, :10]
    probe(window)
    step = out[:, 0]
    probe(step)
    """
    facts = facts_of(src)
    window = probe_at(facts, 7)
    step = probe_at(facts, 9)
    assert isinstance(window, Tensor)
    assert window.layout == Layout.parse("BTF") and window.padding is not None
    assert isinstance(step, Tensor)
    assert step.layout == Layout.parse("BF") and step.rank == 2 and step.padding is None


def test_max_over_time_returns_values_and_indices() -> None:
    src = """
    import torch
    h = torch.randn(4, 12, 8)
    values, idx = h.max(1)
    probe(values)
    first = h.max(dim=1)[0]
    probe(first)
    best = torch.max(h, dim=1).values
    probe(best)
    top = torch.max(h, dim=1)[0]
    probe(top)
    """
    facts = facts_of(src)
    assert [r.op for r in facts.reductions] == ["max", "max", "max", "max"]
    assert {r.axis for r in facts.reductions} == {1}
    for line in (4, 6, 8, 10):
        value = probe_at(facts, line)
        # torch.max(x, dim) returns (values, indices) however `dim` is spelled
        assert isinstance(value, Tensor) and value.dims == (4, 8), (line, value)


def test_linear_changes_last_dim_and_keeps_padding() -> None:
    src = """
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs, batch_first=True)
    emb = nn.Embedding(100, 32)
    h = emb(x)
    y = nn.Linear(32, 8)(h)
    probe(y)
    """
    facts = facts_of(src)
    y = probe_at(facts, 7)
    assert isinstance(y, Tensor)
    assert y.layout == Layout.parse("BTF") and y.dims is None
    assert y.padding is not None and facts.line(y.padding.evidence.node) == 3


def test_linear_with_static_dims() -> None:
    src = """
    import torch
    import torch.nn as nn
    x = torch.randn(32, 50, 128)
    y = nn.Linear(128, 64)(x)
    """
    call = layer_call_on(facts_of(src), 4)
    assert call.layer.qualname == "torch.nn.Linear"
    assert call.input.dims == (32, 50, 128)
    assert call.output.dims == (32, 50, 64)


def test_linear_on_wrong_last_dim_gives_unknown_output() -> None:
    # nn.Linear(128, 64) on (32, 128, 100) raises "mat1 and mat2 shapes cannot be multiplied"
    src = """
    import torch
    import torch.nn as nn
    x = torch.randn(32, 128, 100)
    y = nn.Linear(128, 64)(x)
    """
    call = layer_call_on(facts_of(src), 4)
    assert call.input.dims == (32, 128, 100)
    assert call.output is None


def test_conv1d_output_length() -> None:
    src = """
    import torch
    import torch.nn as nn
    x = torch.randn(32, 128, 100)
    conv = nn.Conv1d(128, 64, kernel_size=3, padding=1)
    y = conv(x)
    probe(y)
    z = nn.Conv1d(128, 64, 5, 2)(x)
    probe(z)
    """
    facts = facts_of(src)
    y = probe_at(facts, 6)
    z = probe_at(facts, 8)
    assert isinstance(y, Tensor) and y.dims == (32, 64, 100)
    # (100 - 4 - 1) // 2 + 1 = 48
    assert isinstance(z, Tensor) and z.dims == (32, 64, 48)


def test_adaptive_avg_pool_reduces_the_last_axis() -> None:
    src = """
    import torch
    import torch.nn as nn
    x = torch.randn(32, 50, 128)
    pool = nn.AdaptiveAvgPool1d(1)
    y = pool(x)
    probe(y)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 5)
    assert r.op == "mean" and r.axis == 2 and r.pool_size is None
    assert r.layer is not None and r.layer.qualname == "torch.nn.AdaptiveAvgPool1d"
    y = probe_at(facts, 6)
    assert isinstance(y, Tensor) and y.dims == (32, 50, 1)


def test_functional_avg_pool_over_full_length_is_global() -> None:
    src = """
    import torch
    import torch.nn.functional as F
    x = torch.randn(32, 64, 20)
    y = F.avg_pool1d(x, kernel_size=x.size(-1))
    z = F.avg_pool1d(x, 4)
    """
    facts = facts_of(src)
    assert reduction_on(facts, 4).pool_size is None
    r = reduction_on(facts, 5)
    assert r.axis == 2 and r.pool_size == 4


def test_nn_sequential_runs_its_children() -> None:
    src = """
    import torch
    import torch.nn as nn
    net = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 3))
    y = net(torch.randn(4, 7, 10))
    probe(y)
    """
    facts = facts_of(src)
    y = probe_at(facts, 5)
    assert isinstance(y, Tensor) and y.dims == (4, 7, 3)
    linears = [c for c in facts.layer_calls if c.layer.qualname == "torch.nn.Linear"]
    assert [c.output.dims for c in linears] == [(4, 7, 20), (4, 7, 3)]


def test_multihead_attention_returns_a_pair_and_keeps_padding() -> None:
    src = """
    import torch.nn as nn
    def encode(x, key_padding_mask):
        attn = nn.MultiheadAttention(64, 4, batch_first=True)
        ctx, weights = attn(x, x, x, key_padding_mask=key_padding_mask)
        probe(ctx)
    """
    facts = facts_of(src)
    call = layer_call_on(facts, 4)
    assert isinstance(call.output, TupleValue) and len(call.output.items) == 2
    ctx = probe_at(facts, 5)
    assert isinstance(ctx, Tensor) and ctx.padding is not None


def test_transformer_encoder_keeps_padding() -> None:
    src = """
    import torch.nn as nn
    layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, batch_first=True)
    enc = nn.TransformerEncoder(layer, num_layers=2)
    def run(x, src_key_padding_mask):
        h = enc(x, src_key_padding_mask=src_key_padding_mask)
        return h.mean(dim=1)
    """
    facts = facts_of(src)
    call = layer_call_on(facts, 5)
    assert call.layer.qualname == "torch.nn.TransformerEncoder"
    assert call.layer.args["num_layers"].value == 2
    r = reduction_on(facts, 6)
    assert r.operand.padding is not None
    assert facts.line(r.operand.padding.evidence.node) == 5  # passed with the mask
