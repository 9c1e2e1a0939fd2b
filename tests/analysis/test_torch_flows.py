"""torch values that keep their facts through joins, module chains and own-size reshapes."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import DimOf, Layer, Side, Tensor

from .conftest import facts_of, line_of, probe_at

_PAD = """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence([torch.randn(5, 16), torch.randn(2, 16)], batch_first=True)\
"""


def test_cat_along_time_keeps_the_padding_and_its_outer_side() -> None:
    src = (
        _PAD
        + """
    probe(torch.cat([start, x], dim=1))
    probe(torch.cat([x, end], dim=1))
    probe(torch.cat((x, y), -1))
    probe(torch.cat([x, x], dim=1))
    """
    )
    facts = facts_of(src)
    before = probe_at(facts, line_of(src, "[start, x]"))
    assert (
        isinstance(before, Tensor)
        and before.layout == Layout.parse("BTF")
        and before.padding is not None
    )
    assert before.padding.side is Side.POST  # the padding is still at the end
    after = probe_at(facts, line_of(src, "[x, end]"))
    assert isinstance(after, Tensor) and after.padding is not None
    assert after.padding.side is None  # `end` now lies after the padding
    features = probe_at(facts, line_of(src, "(x, y)"))
    assert isinstance(features, Tensor) and features.padding is not None
    assert features.padding.side is Side.POST and features.layout == Layout.parse("BTF")
    assert probe_at(facts, line_of(src, "[x, x]")) is None  # two padded parts: unsure


def test_stack_of_different_parts_is_not_modelled() -> None:
    src = (
        _PAD
        + """
    probe(torch.stack([x, y], dim=1))
    """
    )
    assert probe_at(facts_of(src), line_of(src, "stack")) is None


def test_stack_of_equal_parts_adds_a_stack_axis() -> None:
    src = (
        _PAD
        + """
    probe(torch.stack([x, x], dim=1))
    """
    )
    t = probe_at(facts_of(src), line_of(src, "stack"))
    assert isinstance(t, Tensor) and t.layout == Layout.parse("BSTF") and t.padding is not None


def test_module_chain_returns_the_module() -> None:
    src = """
    import torch
    from torch import nn
    gru = nn.GRU(32, 64, batch_first=True).to("cuda").eval().float()
    probe(gru)
    """
    gru = probe_at(facts_of(src), line_of(src, "probe(gru)"))
    assert isinstance(gru, Layer) and gru.qualname == "torch.nn.GRU"
    assert gru.arg("batch_first") is True


def test_size_unpacking_gives_each_own_size() -> None:
    src = (
        _PAD
        + """
    b, t, h = x.size()
    probe(t)
    """
    )
    t = probe_at(facts_of(src), line_of(src, "probe(t)"))
    assert isinstance(t, DimOf) and t.axis == 1


def test_reshape_from_own_batch_and_time_sizes_keeps_layout_and_padding() -> None:
    src = (
        _PAD
        + """
    b, t, h = x.size()
    probe(x.view(b, t, 2, h // 2))
    probe(x.reshape(b * t, h))
    probe(x.view(t, b, h))
    """
    )
    facts = facts_of(src)
    split = probe_at(facts, line_of(src, "x.view(b, t, 2"))
    assert isinstance(split, Tensor) and split.rank == 4 and split.layout == Layout.parse("BTFF")
    assert split.padding is not None
    assert probe_at(facts, line_of(src, "b * t")) is None  # batch and time merged
    assert probe_at(facts, line_of(src, "x.view(t, b, h)")) is None  # not in place


def test_cat_keeps_what_the_padded_steps_hold() -> None:
    src = (
        _PAD
        + """
    scores = x.masked_fill(pad_mask, -10000.0)
    probe(torch.cat([first.unsqueeze(1), scores], dim=1))
    """
    )
    facts = facts_of(src)
    joined = probe_at(facts, line_of(src, "torch.cat"))
    assert isinstance(joined, Tensor)
    assert joined.padding is not None and joined.masked is not None
    assert joined.padding.fill is not None  # still -inf-like: a softmax over it is safe


def test_attributes_set_in_a_setup_method_called_from_init() -> None:
    src = """
    from torch import nn
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.setup_layers()
        def setup_layers(self):
            self.rnn = nn.LSTM(16, 32, batch_first=True)
        def reset(self):
            self.head = nn.Linear(32, 2)
        def forward(self, x):
            probe(self.rnn)
            probe(self.head)
    """
    facts = facts_of(src)
    rnn = probe_at(facts, line_of(src, "probe(self.rnn)"))
    assert isinstance(rnn, Layer) and rnn.qualname == "torch.nn.LSTM"
    # set in any method (issue 13): forward can only read it after that method ran
    head = probe_at(facts, line_of(src, "probe(self.head)"))
    assert isinstance(head, Layer) and head.qualname == "torch.nn.Linear"


def test_an_attribute_set_differently_by_two_methods_is_unknown() -> None:
    src = """
    from torch import nn
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(16, 32, batch_first=True)
        def time_first(self):
            self.rnn = nn.LSTM(16, 32)
        def forward(self, x):
            probe(self.rnn)
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(self.rnn)")) is None


def test_lengths_of_the_items_and_a_tiled_mask() -> None:
    src = """
    import torch
    lengths = torch.tensor([len(s) for s in seqs])
    sizes = torch.tensor([len(other) for s in seqs])
    mask = torch.arange(10)[None, :] < lengths[:, None]
    probe(lengths)
    probe(sizes)
    probe(mask.repeat(1, 16))
    probe(mask.repeat(3, 1))
    """
    from pooling_lint.analysis.values import Role

    facts = facts_of(src)
    lengths = probe_at(facts, line_of(src, "probe(lengths)"))
    assert isinstance(lengths, Tensor) and lengths.role == Role.LENGTHS
    sizes = probe_at(facts, line_of(src, "probe(sizes)"))
    assert not (isinstance(sizes, Tensor) and sizes.role == Role.LENGTHS)  # not the items'
    tiled = probe_at(facts, line_of(src, "repeat(1, 16)"))
    assert isinstance(tiled, Tensor) and tiled.role == Role.MASK and tiled.tiled is not None
    rows = probe_at(facts, line_of(src, "repeat(3, 1)"))
    assert isinstance(rows, Tensor) and rows.tiled is None  # the batch repeated, not time
