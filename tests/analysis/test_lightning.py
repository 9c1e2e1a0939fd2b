"""A LightningModule's own loader hooks feed its step hooks (analysis/lightning.py), and a
``collate_fn=self.<method>`` makes the batches (analysis/flows.py)."""

from __future__ import annotations

from pooling_lint.analysis.values import Tensor, TupleValue

from .conftest import facts_of, line_of, probe_at

_MODULE = """
    import {imp}
    import torch
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader

    class Net({base}):
        def collate(self, items):
            return pad_sequence(items, batch_first=True)

        def train_dataloader(self):
            return DataLoader(self.data, collate_fn=self.collate)

        def val_dataloader(self):
            return DataLoader(self.data, collate_fn=lambda items: torch.stack(items))

        def training_step(self, batch, batch_idx):
            probe(batch)

        def validation_step(self, batch, batch_idx):
            probe(batch)
"""


def _src(imp: str, base: str) -> str:
    return _MODULE.replace("{imp}", imp).replace("{base}", base)


def test_the_train_loader_feeds_training_step() -> None:
    for imp, base in (
        ("pytorch_lightning as pl", "pl.LightningModule"),
        ("lightning as L", "L.LightningModule"),
        ("lightning.pytorch as lp", "lp.LightningModule"),
    ):
        src = _src(imp, base)
        facts = facts_of(src)
        lines = [n for n, t in enumerate(src.splitlines()) if "probe(batch)" in t]
        assert len(lines) == 2
        train = [c for c in facts.calls if facts.line(c.node) == lines[0]]
        assert train and isinstance(train[-1].args[0], Tensor), base
        assert train[-1].args[0].padding is not None
        val = [c for c in facts.calls if facts.line(c.node) == lines[1]]
        assert not val or not (
            isinstance(val[-1].args[0], Tensor) and val[-1].args[0].padding is not None
        )


def test_a_plain_class_with_the_same_method_names_is_not_fed() -> None:
    src = _src("torch.nn as nn", "nn.Module")
    facts = facts_of(src)
    lines = [n for n, t in enumerate(src.splitlines()) if "probe(batch)" in t]
    train = [c for c in facts.calls if facts.line(c.node) == lines[0]]
    assert not train or train[-1].args[0] is None


def test_a_collate_method_of_self_makes_the_batches() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader

    class Loader:
        def collate(self, items):
            return pad_sequence(items, batch_first=True), torch.tensor([len(i) for i in items])

        def run(self, data):
            for batch in DataLoader(data, collate_fn=self.collate):
                probe(batch)
    """
    t = probe_at(facts_of(src), line_of(src, "probe(batch)"))
    assert isinstance(t, TupleValue) and isinstance(t.items[0], Tensor)
    assert t.items[0].padding is not None


_DATAMODULE = """
    import lightning as L
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader

    def pad_batch(items):
        return pad_sequence(items, batch_first=True)

    class Data(L.LightningDataModule):
        def train_dataloader(self):
            return DataLoader([], collate_fn=pad_batch)

        def val_dataloader(self):
            return DataLoader([])

    class Net(L.LightningModule):
        def training_step(self, batch, batch_idx):
            probe(batch)

        def validation_step(self, batch, batch_idx):
            probe2(batch)

    L.Trainer().fit(Net(), {how})
"""


def test_a_datamodule_given_to_fit_feeds_the_steps_from_its_own_hooks() -> None:
    src = _DATAMODULE.replace("{how}", "datamodule=Data()")
    facts = facts_of(src)
    batch = probe_at(facts, line_of(src, "probe(batch)"))
    assert isinstance(batch, Tensor) and batch.padding is not None
    # the validation loader has no collate_fn: the default collate pads nothing it can see
    assert probe_at(facts, line_of(src, "probe2(batch)"), "probe2") is None


def test_no_datamodule_no_batches() -> None:
    for how in ("", "datamodule=None", "datamodule=make_data()"):
        src = _DATAMODULE.replace("{how}", how).replace("fit(Net(), )", "fit(Net())")
        facts = facts_of(src)
        assert probe_at(facts, line_of(src, "probe(batch)")) is None, how
