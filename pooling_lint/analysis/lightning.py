"""PyTorch Lightning: a ``LightningModule``'s own dataloader hooks feed its step hooks.

When a ``LightningModule`` defines ``train_dataloader()`` (``val_dataloader``, ``test_dataloader``,
``predict_dataloader``), the trainer iterates over the loader it returns and passes each batch
to ``training_step(batch, batch_idx)`` (``validation_step``, ``test_step``, ``predict_step``)
of the same module. :func:`feed_steps` binds the step's ``batch`` parameter to an element of
the loader, as a call site would (``Interpreter.bind_call``), so a padding ``collate_fn`` reaches
the step. A ``LightningDataModule`` is paired with a module only by
``trainer.fit(model, datamodule=dm)`` (``validate``/``test``/``predict`` too): there its hooks
give the loaders (:func:`lightning_run`, which also hands ``trainer.fit(model, loader)``'s
batches to the steps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pooling_lint.analysis.flows import iterated, loop_item
from pooling_lint.analysis.names import dotted
from pooling_lint.analysis.values import Foreign, Instance, Value

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
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

#: step hook -> the loader hook (of the module itself, or of a data module) that feeds it
_LOADER_HOOK = {step: loader for loader, step in HOOKS}


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


#: Lightning's trainer classes (``lightning.pytorch.Trainer`` and its older names)
LIGHTNING_TRAINERS = frozenset(
    {"pytorch_lightning.Trainer", "lightning.pytorch.Trainer", "lightning.Trainer"}
)
#: trainer method -> (the step it runs on each batch, the loader keywords, by position)
_LIGHTNING_RUNS = {
    "fit": (
        ("training_step", ("train_dataloaders", "train_dataloader")),
        ("validation_step", ("val_dataloaders",)),
    ),
    "validate": (("validation_step", ("dataloaders",)),),
    "test": (("test_step", ("dataloaders",)),),
    "predict": (("predict_step", ("dataloaders",)),),
}


def _datamodule_loader(it: Interpreter, datamodule: Value, step: str) -> Value:
    """``trainer.fit(model, datamodule=dm)``: the loader is what ``dm``'s hook for ``step``
    returns (``train_dataloader()`` for ``training_step``), for a data module of this file."""
    if not isinstance(datamodule, Instance):
        return None
    key = it.class_method_key(datamodule.class_name, _LOADER_HOOK[step])
    return it.read_return(key) if key is not None else None


def lightning_run(it: Interpreter, fact: CallFact, method: str) -> Value:
    """``trainer.fit(model, train_loader, val_loader)``: Lightning calls
    ``model.training_step(batch, batch_idx)`` on every batch of the train loader (and
    ``validation_step`` on the validation loader's); ``validate``/``test``/``predict`` run
    their step on ``dataloaders``. The model is this file's class or another module's."""
    from pooling_lint.analysis.project import record_step

    runs = _LIGHTNING_RUNS.get(method)
    if runs is None:
        return None
    model = fact.args[0] if fact.args else fact.kwarg("model")
    for position, (step, keywords) in enumerate(runs, 1):
        loader = fact.args[position] if len(fact.args) > position else None
        for keyword in keywords:
            loader = loader if loader is not None else fact.kwarg(keyword)
        if loader is None:
            loader = _datamodule_loader(it, fact.kwarg("datamodule"), step)
        batch = loop_item(iterated(it, loader))
        if batch is None:
            continue
        if isinstance(model, Instance):
            key = it.class_method_key(model.class_name, step)
            if key is not None:
                it.call_unit(key, (batch, None), (), skip_self=True)
        elif isinstance(model, Foreign) and model.kind == "instance" and not model.alts:
            record_step(it, fact, model, step, batch)
    return None
