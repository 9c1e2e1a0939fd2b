"""PLG205: a statically known dimension that cannot match what a layer or model expects."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.layout import BCT, BTF
from pooling_lint.analysis.library import ApplyModel, CallModel
from pooling_lint.analysis.values import KerasModel, Tensor
from pooling_lint.rules.base import Example, Finding, Rule


def _shape(t: Tensor) -> str:
    if t.dims is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in t.dims) + ")"


def _source(facts: FileFacts, t: Tensor) -> str:
    return f" from {facts.where(t.origin)}" if t.origin is not None else ""


class StaticShapeMismatch(Rule):
    code = "PLG205"
    name = "static-shape-mismatch"
    summary = "A known dimension cannot match the layer or model it is fed to"
    #: the layers whose input size is checked, the Keras model constructors, `input_shape=`
    triggers = lib.names(
        lambda api: (
            api.apply
            in (
                ApplyModel.LINEAR,
                ApplyModel.TORCH_RNN,
                ApplyModel.CONV1D,
                ApplyModel.TORCH_POOL,
                ApplyModel.WINDOW_POOL,
            )
            or api.call in (CallModel.INPUT, CallModel.SEQUENTIAL, CallModel.FUNCTIONAL_MODEL)
        )
    ) | {"input_shape"}
    requires = lib.SHAPE_EVIDENCE
    docs = """
    ## What it does
    Compares the static shapes the file shows (`torch.randn(32, 128, 100)`,
    `np.zeros((4, 12, 5))`, `tf.constant([[...]])`, `keras.Input(shape=...)`, constructor
    arguments) with what each layer needs: `nn.Linear(in_features)` and an RNN's
    `input_size` act on the last axis; `nn.Conv1d(in_channels)` on axis 1;
    `AdaptiveAvgPool1d`/`AvgPool1d` pool the last axis, which for a `(batch, time, hidden)`
    RNN output is the features; a model built on `Input(shape=(None, 64))` cannot take data
    with 3 features; a window pool (`MaxPooling1D(pool_size=64)`, `nn.MaxPool1d(64)`) cannot
    be longer than the known length of its input (unless `padding="same"`).

    ## Why is this bad?
    Most of these crash at the first batch (`mat1 and mat2 shapes cannot be multiplied
    (4096x100 and 128x64)`); the rest run silently on the wrong axis, e.g. pooling over
    features instead of time, or a Linear over time when the sequence length happens to equal
    `in_features`.

    ## Example
    ```python
    self.proj = nn.Linear(128, 64)        # 128 channels
    y = self.proj(x)                      # x is (batch, 128 channels, 100 frames)
    ```

    ## Use instead
    ```python
    y = self.proj(x.transpose(1, 2))      # (batch, frames, channels)
    ```
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch import nn\n"
            "proj = nn.Linear(128, 64)\n"
            "y = proj(torch.randn(32, 128, 100))\n",
            expect=(4,),
        ),
        Example(
            "import keras\n"
            "from keras import layers\n"
            "ids = keras.Input(shape=(30,))\n"
            "x = layers.Embedding(100, 8)(ids)\n"
            "x = layers.MaxPooling1D(pool_size=40)(x)\n",
            expect=(5,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "from torch import nn\n"
            "proj = nn.Linear(128, 64)\n"
            "y = proj(torch.randn(32, 128, 100).transpose(1, 2))\n"
        ),
        # padding="same" pads the steps up to the window: one output step, no error
        Example(
            "import keras\n"
            "from keras import layers\n"
            "ids = keras.Input(shape=(30,))\n"
            "x = layers.Embedding(100, 8)(ids)\n"
            'x = layers.MaxPooling1D(pool_size=40, padding="same")(x)\n'
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for lc in facts.layer_calls:
            t = lc.input
            if not isinstance(t, Tensor):
                continue
            q = lc.layer.qualname
            last = t.dim(-1) if t.rank else None
            if q == "torch.nn.Linear" or q in lib.TORCH_RNNS:
                key = "in_features" if q == "torch.nn.Linear" else "input_size"
                want = lc.layer.arg(key)
                if (
                    q == "torch.nn.Linear"
                    and t.layout == BCT
                    and isinstance(want, int)
                    and t.dim(1) == want
                    and last != want
                ):
                    yield Finding(
                        node=lc.node,
                        message=(
                            f"`Linear(in_features={want})` acts on the last axis, but "
                            f"`{facts.code(lc.node)}` gets a (batch, channels={want}, time) "
                            f"tensor{_source(facts, t)}, so it would map time steps, not "
                            "channels; transpose first (`x.transpose(1, 2)`)"
                        ),
                    )
                elif isinstance(want, int) and isinstance(last, int) and want != last:
                    yield Finding(
                        node=lc.node,
                        message=(
                            f"`{lc.layer.short}({key}={want})` acts on the last axis, but "
                            f"`{facts.code(lc.node)}` gets shape {_shape(t)}{_source(facts, t)} "
                            f"whose last dim is {last}; transpose to put the {want} features "
                            "last (e.g. `x.transpose(1, 2)`)"
                        ),
                    )
            elif q == "torch.nn.Conv1d":
                want = lc.layer.arg("in_channels")
                got = t.dim(1) if t.rank == 3 else None
                if isinstance(want, int) and isinstance(got, int) and want != got:
                    yield Finding(
                        node=lc.node,
                        message=(
                            f"`Conv1d(in_channels={want})` reads axis 1, but the input has shape "
                            f"{_shape(t)}{_source(facts, t)}; Conv1d wants (batch, channels, "
                            "time): transpose with `x.transpose(1, 2)`"
                        ),
                    )
            elif q in (
                "torch.nn.AdaptiveAvgPool1d",
                "torch.nn.AdaptiveMaxPool1d",
                "torch.nn.AvgPool1d",
                "torch.nn.MaxPool1d",
            ):
                if (
                    t.layout == BTF
                    and t.rnn is not None
                    or (
                        t.layout == BTF
                        and t.rank == 3
                        and t.origin is not None
                        and t.rnn is not None
                    )
                ):
                    yield Finding(
                        node=lc.node,
                        message=(
                            f"`{lc.layer.short}` pools the last axis, but its input is a "
                            f"(batch, time, features) RNN output ({facts.where(t.rnn)}), so it "
                            "pools the features, not time; use `x.transpose(1, 2)` first, or a "
                            "mean over dim 1"
                        ),
                    )
        yield from _pool_longer_than_input(facts)
        for mc in facts.model_calls:
            model = mc.model
            data = mc.data
            if not isinstance(model, KerasModel) or not isinstance(data, Tensor):
                continue
            declared = model.input
            if declared is None or declared.dims is None or data.dims is None:
                continue
            if declared.rank != data.rank:
                continue  # Keras adds a trailing axis of 1 itself; other rank errors are rare
            bad = [
                i
                for i, (w, g) in enumerate(zip(declared.dims, data.dims))
                if i > 0 and isinstance(w, int) and isinstance(g, int) and w != g
            ]
            if bad:
                yield self._model_finding(facts, mc.node, declared, data, f"axis {bad[0]}")

    def _model_finding(
        self, facts: FileFacts, node: object, declared: Tensor, data: Tensor, what: str
    ) -> Finding:
        return Finding(
            node=node,  # type: ignore[arg-type]
            message=(
                f"the model's input is declared as {_shape(declared)}, but "
                f"`{facts.code(node)}` feeds data of shape {_shape(data)}{_source(facts, data)}"  # type: ignore[arg-type]
                f" ({what} differs), which Keras rejects; make the data match the `Input` "
                "shape or fix the declared shape"
            ),
        )


def _pool_longer_than_input(facts: FileFacts) -> Iterator[Finding]:
    """A window pool whose window is longer than the known length of its time axis: Keras
    rejects it when the model is built (``padding="valid"``), torch when it runs."""
    for r in facts.reductions:
        k = r.pool_size
        if not r.windowed or k is None or r.axis is None or r.layer is None:
            continue
        length = r.operand.dim(r.axis)
        if not isinstance(length, int) or not 0 < length < k:
            continue
        if r.layer.arg("padding", "valid") not in ("valid", 0):
            continue  # "same" pads the input up to the window; torch padding= adds steps
        yield Finding(
            node=r.node,
            message=(
                f"{r.api} has a window of {k} steps, but its input has only {length} "
                f"(shape {_shape(r.operand)}), so building or "
                "running the model fails; use a window that fits, or a global pool "
                "(`GlobalMaxPooling1D()` / `AdaptiveMaxPool1d(1)`) that works for any length"
            ),
        )
