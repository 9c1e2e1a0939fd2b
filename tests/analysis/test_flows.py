"""Flows across the functions of one file: generators, DataLoader(collate_fn=...), enumerate,
attributes set in any method, and the pad_sequences rows' default sides."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Side, Tensor

from .conftest import facts_of, line_of, probe_at


def test_collate_fn_batches_reach_the_loop_target() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader
    def collate(batch):
        return pad_sequence([torch.tensor(b) for b in batch], batch_first=True), None
    for i, (ids, extra) in enumerate(DataLoader([[1, 2], [3]], collate_fn=collate)):
        probe(ids)
    """
    v = probe_at(facts_of(src), line_of(src, "probe(ids)"))
    assert isinstance(v, Tensor) and v.padding is not None
    assert v.padding.side is Side.POST and v.layout == Layout.parse("BT")


def test_dataloader_without_collate_fn_gives_nothing_known() -> None:
    src = """
    from torch.utils.data import DataLoader
    for ids in DataLoader([[1, 2], [3, 4]], batch_size=2):
        probe(ids)
    """
    assert probe_at(facts_of(src), line_of(src, "probe(ids)")) is None


def test_a_generator_yields_its_padded_batches() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    def batches(rows):
        for start in range(0, len(rows), 2):
            yield pad_sequence([torch.tensor(r) for r in rows[start:start + 2]])
    for x in batches([[1], [2, 3]]):
        probe(x)
    """
    v = probe_at(facts_of(src), line_of(src, "probe(x)"))
    assert isinstance(v, Tensor) and v.padding is not None and v.layout == Layout.parse("TB")


def test_a_generator_of_unpadded_batches_is_not_padded() -> None:
    src = """
    import torch
    def batches(rows):
        for start in range(0, len(rows), 2):
            yield torch.stack([torch.tensor(r) for r in rows[start:start + 2]])
    for x in batches([[1, 2], [2, 3]]):
        probe(x)
    """
    v = probe_at(facts_of(src), line_of(src, "probe(x)"))
    assert not (isinstance(v, Tensor) and v.padding is not None)


def test_attribute_set_in_a_setup_method_is_tracked() -> None:
    src = """
    import torch
    from torch import nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.build_layers()
        def build_layers(self):
            self.rnn = nn.LSTM(4, 8, batch_first=True, bidirectional=True)
        def forward(self, x):
            out, _ = self.rnn(x)
            probe(out)
    Net()(torch.zeros(2, 5, 4))
    """
    v = probe_at(facts_of(src), line_of(src, "probe(out)"))
    assert isinstance(v, Tensor) and v.bidirectional is not None


def test_attribute_set_differently_in_two_methods_is_unknown() -> None:
    src = """
    import torch
    from torch import nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(4, 8, batch_first=True, bidirectional=True)
        def reset(self):
            self.rnn = make_rnn()
        def forward(self, x):
            out, _ = self.rnn(x)
            probe(out)
    Net()(torch.zeros(2, 5, 4))
    """
    v = probe_at(facts_of(src), line_of(src, "probe(out)"))
    assert not (isinstance(v, Tensor) and v.bidirectional is not None)


def test_tflearn_pad_sequences_side_is_unknown_unless_written() -> None:
    src = """
    from tflearn.data_utils import pad_sequences
    a = pad_sequences(rows, maxlen=20)
    b = pad_sequences(rows, maxlen=20, padding="post")
    probe(a)
    probe(b)
    """
    facts = facts_of(src)
    a = probe_at(facts, line_of(src, "probe(a)"))
    b = probe_at(facts, line_of(src, "probe(b)"))
    assert isinstance(a, Tensor) and a.padding is not None and a.padding.side is None
    assert isinstance(b, Tensor) and b.padding is not None and b.padding.side is Side.POST


def test_keras_pad_sequences_default_stays_pre() -> None:
    src = """
    from keras.utils import pad_sequences
    a = pad_sequences(rows, maxlen=20)
    probe(a)
    """
    a = probe_at(facts_of(src), line_of(src, "probe(a)"))
    assert isinstance(a, Tensor) and a.padding is not None and a.padding.side is Side.PRE


def test_torchtext_batches_are_padded_per_their_field() -> None:
    src = """
    from torchtext import data
    TEXT = data.Field(sequential=True, lower=True)
    FIRST = data.Field(batch_first=True, include_lengths=True, pad_first=True)
    LABEL = data.Field(sequential=False, use_vocab=False)
    fields = [("text", TEXT), ("other", FIRST), ("label", LABEL)]
    train = data.Dataset(examples, fields)
    train, valid = train.split(split_ratio=0.8)
    train_iter, valid_iter = data.BucketIterator.splits((train, valid), batch_size=8)
    for batch in train_iter:
        probe(batch.text)
        probe(batch.other[0])
        probe(batch.label)
    """
    facts = facts_of(src)
    text = probe_at(facts, line_of(src, "probe(batch.text)"))
    assert (
        isinstance(text, Tensor) and text.layout == Layout.parse("TB") and text.padding is not None
    )
    assert text.padding.side is Side.POST and text.padding.fill is None  # '<pad>' is index 1
    other = probe_at(facts, line_of(src, "probe(batch.other[0])"))
    assert isinstance(other, Tensor) and other.layout == Layout.parse("BT")
    assert other.padding is not None and other.padding.side is Side.PRE
    assert probe_at(facts, line_of(src, "probe(batch.label)")) is None


def test_torchtext_field_with_unknown_settings_is_unsure() -> None:
    src = """
    from torchtext import data
    TEXT = data.Field(batch_first=config.batch_first)
    it = data.BucketIterator(data.Dataset(examples, [("text", TEXT)]), batch_size=8)
    for batch in it:
        probe(batch.text)
    """
    assert probe_at(facts_of(src), line_of(src, "probe(batch.text)")) is None


def test_a_loop_over_model_instances_binds_nothing() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    blocks = [Block() for _ in range(3)]
    for block in blocks:
        probe(block)
    for x in [pad_sequence(rows) for rows in chunks]:
        probe(x)
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(block)")) is None
    x = probe_at(facts, line_of(src, "probe(x)"))
    assert isinstance(x, Tensor) and x.padding is not None


def test_none_placeholder_in_init_gives_way_to_the_value_set_later() -> None:
    src = """
    from torch import nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = None
        def setup(self):
            self.rnn = nn.LSTM(4, 8, bidirectional=True)
        def forward(self, x):
            probe(self.rnn)
    """
    rnn = probe_at(facts_of(src), line_of(src, "probe(self.rnn)"))
    assert rnn is not None and getattr(rnn, "qualname", None) == "torch.nn.LSTM"


def test_default_collate_stacks_the_padded_samples_of_getitem() -> None:
    src = """
    import torch
    from torch.utils.data import Dataset, DataLoader
    class Reviews(Dataset):
        def __init__(self, rows):
            self.rows = rows
        def __getitem__(self, i):
            ids = self.rows[i][:64]
            ids = ids + [0] * (64 - len(ids))
            return torch.tensor(ids), torch.tensor(1)
    def main(rows):
        for x, y in DataLoader(Reviews(rows), batch_size=8, shuffle=True):
            probe(x)
    """
    v = probe_at(facts_of(src), line_of(src, "probe(x)"))
    assert isinstance(v, Tensor) and v.padding is not None
    assert v.padding.side is Side.POST and v.layout == Layout.parse("BT")


def test_default_collate_of_unpadded_samples_or_no_batching_is_unknown() -> None:
    src = """
    import torch
    from torch.utils.data import Dataset, DataLoader
    class Padded(Dataset):
        def __getitem__(self, i):
            ids = self.rows[i]
            return torch.tensor(ids + [0] * (64 - len(ids)))
    class Plain(Dataset):
        def __getitem__(self, i):
            return torch.tensor(self.rows[i])
    for a in DataLoader(Plain(), batch_size=8):
        probe(a)
    for b in DataLoader(Padded(), batch_size=None):
        probe(b)
    for c in DataLoader(Padded(), batch_sampler=None):
        probe(c)
    """
    facts = facts_of(src)
    for name in ("a", "b", "c"):
        v = probe_at(facts, line_of(src, f"probe({name})"))
        assert not (isinstance(v, Tensor) and v.padding is not None), name


def test_lightning_fit_gives_the_loader_batches_to_training_step() -> None:
    src = """
    import torch
    import pytorch_lightning as pl
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader
    def collate(batch):
        return pad_sequence([torch.tensor(b) for b in batch], batch_first=True), None
    class Lit(pl.LightningModule):
        def forward(self, ids):
            probe(ids)
        def training_step(self, batch, batch_idx):
            x, y = batch
            return self(x)
        def validation_step(self, batch, batch_idx):
            probe(batch)
    pl.Trainer(max_epochs=1).fit(Lit(), DataLoader([[1, 2], [3]], collate_fn=collate))
    """
    facts = facts_of(src)
    v = probe_at(facts, line_of(src, "probe(ids)"))
    assert isinstance(v, Tensor) and v.padding is not None and v.layout == Layout.parse("BT")
    assert probe_at(facts, line_of(src, "probe(batch)")) is None  # no validation loader


def test_a_trainer_the_file_does_not_show_is_not_lightning() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader
    from mytools import Trainer
    def collate(batch):
        return pad_sequence([torch.tensor(b) for b in batch], batch_first=True), None
    class Lit:
        def training_step(self, batch, batch_idx):
            probe(batch)
    Trainer().fit(Lit(), DataLoader([[1, 2], [3]], collate_fn=collate))
    """
    assert probe_at(facts_of(src), line_of(src, "probe(batch)")) is None
