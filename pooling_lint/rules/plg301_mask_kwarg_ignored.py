"""PLG301: `model.predict/fit/evaluate(..., mask=...)`: there is no such parameter."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.values import Instance, KerasModel
from pooling_lint.rules.base import Example, Finding, Rule


class MaskKwargIgnored(Rule):
    code = "PLG301"
    name = "mask-kwarg-ignored"
    summary = "`predict/fit/evaluate(mask=...)` is not a Keras parameter"
    triggers = lib.MODEL_DATA_METHODS - {"__call__"}
    requires = frozenset({"mask"})
    docs = """
    ## What it does
    Finds `model.predict(x, mask=m)`, `model.fit(..., mask=m)` and `model.evaluate(...,
    mask=m)` on a Keras model.

    ## Why is this bad?
    These methods have no `mask` parameter: Keras 3 raises `TypeError:
    TensorFlowTrainer.predict() got an unexpected keyword argument 'mask'`. The intent, to tell
    the model which steps are padding, has to be expressed in the model itself.

    ## Example
    ```python
    preds = model.predict(x, mask=mask)
    ```

    ## Use instead
    ```python
    # Make padding visible to the model: zero the padded steps and start the model with
    # Masking(mask_value=0.0), or use Embedding(mask_zero=True) for token ids; or pass the
    # mask as a second model input and use it inside the model.
    preds = model.predict(x * mask[..., None])
    ```
    """
    bad_examples = (
        Example(
            "from tensorflow import keras\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "model.predict(x, mask=m)\n",
            expect=(3,),
        ),
    )
    good_examples = (
        Example(
            "from tensorflow import keras\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "model.predict(x)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for mc in facts.model_calls:
            if mc.method not in self.triggers:
                continue
            model = mc.model
            if not isinstance(model, KerasModel) and not (
                isinstance(model, Instance) and model.class_name in facts.keras_model_classes
            ):
                continue
            if not any(k.arg == "mask" for k in mc.node.keywords):
                continue
            yield Finding(
                node=mc.node,
                message=(
                    f"Keras `Model.{mc.method}()` has no `mask` argument (TypeError in Keras 3); "
                    "put the mask into the model: zero the padded steps and add "
                    "`Masking(mask_value=0.0)` (or `Embedding(mask_zero=True)`), or feed the "
                    "mask as a model input"
                ),
            )
