"""PLG102: a Keras mask is made and then lost before any layer uses it; a mask built and unused."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import ApplyModel, Family
from pooling_lint.rules.base import Example, Finding, Rule


class MaskDropped(Rule):
    code = "PLG102"
    name = "mask-dropped"
    summary = "A padding mask is made but dropped (or never used) before pooling"
    #: what makes a Keras mask or builds a padding mask; `mask_zero=` is an argument and
    #: `lengths_to_mask` a common helper name
    triggers = lib.names(
        lambda api: api.apply is ApplyModel.MASKING or api.family is Family.MASK_SOURCE
    ) | {"arange", "mask_zero", "lengths_to_mask"}
    docs = """
    ## What it does
    Finds a Keras mask (made by `Masking` or `Embedding(mask_zero=True)`) that is destroyed
    before any mask-aware layer (an RNN, `GlobalAveragePooling1D`, `Attention`,
    `MultiHeadAttention`, `Bidirectional`) has used it: a raw `tf.*`/`keras.ops.*` call, a
    `Lambda` without a `mask` argument, `Flatten`, `Conv1D`, `GlobalMaxPooling1D`,
    `AveragePooling1D`/`MaxPooling1D`, or slicing. Also finds a padding mask that a function
    builds (`tf.sequence_mask`, `arange(T) < lengths[:, None]`) and then never uses.

    ## Why is this bad?
    The mask is the only record of which steps are padding. Layers that do not support
    masking drop it (Keras 3 prints a warning, tf-keras says nothing), raw ops ignore it, and
    everything downstream treats padding as data. A mask that is built and never read means
    the code meant to exclude padding and does not.

    ## Example
    ```python
    x = layers.Masking(mask_value=0.0)(inputs)
    x = layers.Flatten()(x)
    ```

    ## Use instead
    ```python
    x = layers.Masking(mask_value=0.0)(inputs)
    x = layers.LSTM(32)(x)                 # or GlobalAveragePooling1D(), which use the mask
    ```
    """
    bad_examples = (
        Example(
            "from tensorflow import keras\n"
            "inp = keras.Input(shape=(None, 8))\n"
            "x = keras.layers.Masking()(inp)\n"
            "y = keras.layers.Flatten()(x)\n",
            expect=(4,),
        ),
    )
    good_examples = (
        Example(
            "from tensorflow import keras\n"
            "inp = keras.Input(shape=(None, 8))\n"
            "x = keras.layers.Masking()(inp)\n"
            "y = keras.layers.GlobalAveragePooling1D()(x)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for drop in facts.mask_drops:
            t = drop.tensor
            assert t.keras_mask is not None
            yield Finding(
                node=drop.node,
                message=(
                    f"{drop.by} drops the Keras mask made by {facts.where(t.keras_mask)} "
                    "before any layer used it, so padding is treated as data from here on; "
                    "consume the mask first (an RNN, GlobalAveragePooling1D(), Attention) or "
                    "use a layer that supports masking"
                ),
            )
        for unused in facts.unused_masks:
            yield Finding(
                node=unused.node,
                message=(
                    f"padding mask `{unused.name}` is built here but never used, so the "
                    "padding it marks is still pooled as data; apply it (e.g. "
                    f"`masked_mean(x, mask={unused.name})`) or remove it"
                ),
            )
