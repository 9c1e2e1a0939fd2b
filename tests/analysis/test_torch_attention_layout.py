"""torch attention layers: their `batch_first` (a TransformerEncoder's is its layer's) sets the
layout of an output whose input layout the file does not show (issue #13)."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Tensor, TupleValue

from .conftest import facts_of, line_of, probe_at


def test_default_encoder_output_is_time_first() -> None:
    src = """
    from torch import nn
    layer = nn.TransformerEncoderLayer(d_model=32, nhead=4)
    enc = nn.TransformerEncoder(layer, num_layers=2)
    probe(enc(x))
    """
    facts = facts_of(src)
    z = probe_at(facts, line_of(src, "probe(enc(x))"))
    assert isinstance(z, Tensor) and z.layout == Layout.parse("TBF") and z.rank == 3
    assert z.layout_by is not None and facts.line(z.layout_by.node) == line_of(src, "enc = ")


def test_batch_first_layer_makes_the_encoder_batch_first() -> None:
    src = """
    from torch import nn
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, batch_first=True), 2)
    attn = nn.MultiheadAttention(32, 4, batch_first=True)
    probe(enc(x))
    probe(attn(x, x, x))
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(enc(x))")).layout == Layout.parse("BTF")  # type: ignore[union-attr]
    out = probe_at(facts, line_of(src, "probe(attn("))
    assert isinstance(out, TupleValue) and isinstance(out.items[0], Tensor)
    assert out.items[0].layout == Layout.parse("BTF")


def test_an_encoder_layer_the_file_does_not_show_gives_no_layout() -> None:
    src = """
    from torch import nn
    def build(layer):
        enc = nn.TransformerEncoder(layer, num_layers=2)
        probe(enc(x))
    """
    facts = facts_of(src)
    z = probe_at(facts, line_of(src, "probe(enc(x))"))
    assert not (isinstance(z, Tensor) and z.layout is not None)


def test_known_input_layout_is_kept() -> None:
    src = """
    import torch
    from torch import nn
    attn = nn.MultiheadAttention(8, 2)
    x = torch.nn.utils.rnn.pad_sequence(seqs)
    probe(attn(x, x, x)[0])
    """
    facts = facts_of(src)
    out = probe_at(facts, line_of(src, "probe(attn("))
    assert (
        isinstance(out, Tensor) and out.layout == Layout.parse("TB") and out.padding is not None
    )  # kept
