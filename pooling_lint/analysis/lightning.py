"""PyTorch Lightning: a ``LightningModule``'s own dataloader hooks feed its step hooks.

When a ``LightningModule`` defines ``train_dataloader()`` (``val_dataloader``, ``test_dataloader``,
``predict_dataloader``), the trainer iterates over the loader it returns and passes each batch
to ``training_step(batch, batch_idx)`` (``validation_step``, ``test_step``, ``predict_step``)
of the same module. :func:`feed_steps` binds the step's ``batch`` parameter to an element of
the loader, as a call site would (``Interpreter.bind_call``), so a padding ``collate_fn`` reaches
the step. A ``LightningDataModule`` is paired with a module only by
``trainer.fit(model, datamodule=dm)`` (``validate``/``test``/``predict`` too): there its hooks
give the loaders (``flows.lightning_run``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pooling_lint.analysis.flows import iterated, loop_item
from pooling_lint.analysis.names import dotted

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

#: the classes whose subclasses Lightning's trainer drives
MODULE_ROOTS = frozenset(
    {
        "pytorch_lightning.LightningModule",
        "pytorch_lightning.core.LightningModule",
        "pytorch_lightning.core.module.LightningModule",
        "lightning.LightningModule",
        "lightning.pytorch.LightningModule",
        "lightning.pytorch.core.LightningModule",
        "lightning.pytorch.core.module.LightningModule",
    }
)

#: dataloader hook -> the step hook that receives its batches
HOOKS = (
    ("train_dataloader", "training_step"),
    ("val_dataloader", "validation_step"),
    ("test_dataloader", "test_step"),
    ("predict_dataloader", "predict_step"),
)


def lightning_modules(it: Interpreter) -> list[str]:
    """The classes of the file that subclass a LightningModule (directly or through a class
    of the file)."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, cls in it.classes.items():
            if name in found:
                continue
            if any(it.facts.qualname(b) in MODULE_ROOTS or dotted(b) in found for b in cls.bases):
                found.add(name)
                changed = True
    return sorted(found)


def feed_steps(it: Interpreter, modules: list[str]) -> None:
    """Bind each step hook's batch to an element of its module's own loader hook."""
    for cls in modules:
        for loader_hook, step_hook in HOOKS:
            loader_key = it.class_method_key(cls, loader_hook)
            step_key = it.class_method_key(cls, step_hook)
            if loader_key is None or step_key is None:
                continue
            unit = it.units.get(step_key)
            if unit is None or len(unit.params) < 2:
                continue
            batch = loop_item(iterated(it, it.returns.get(loader_key)))
            if batch is None:
                continue
            it.bind_call(step_key, unit.params, True, (batch,), ())
