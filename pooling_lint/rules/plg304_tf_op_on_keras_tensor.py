"""PLG304: a raw TensorFlow function applied to a Keras functional tensor."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import CallModel
from pooling_lint.analysis.values import Tensor, TupleValue
from pooling_lint.rules.base import Example, Finding, Rule


class TfOpOnKerasTensor(Rule):
    code = "PLG304"
    name = "tf-op-on-keras-tensor"
    summary = "Raw `tf.*` call on a KerasTensor: Keras 3 raises at model build"
    triggers = lib.names(lambda api: api.call is CallModel.INPUT)
    docs = """
    ## What it does
    Finds a raw TensorFlow function (`tf.reduce_mean`, `tf.reshape`, `tf.concat`, ...) called
    on a symbolic Keras tensor of the functional API (the output of `keras.Input` or of a layer
    applied to one).

    ## Why is this bad?
    Keras 3 (TensorFlow >= 2.16) raises `ValueError: A KerasTensor cannot be used as input to
    a TensorFlow function` while the model is being built. Under tf-keras it runs but silently
    ignores the Keras mask.

    ## Example
    ```python
    inputs = keras.Input(shape=(None, 64))
    pooled = tf.reduce_mean(inputs, axis=1)
    ```

    ## Use instead
    ```python
    pooled = keras.layers.GlobalAveragePooling1D()(inputs)    # or keras.ops.mean(inputs, 1)
    ```
    """
    bad_examples = (
        Example(
            "import tensorflow as tf\n"
            "from tensorflow import keras\n"
            "inp = keras.Input(shape=(10, 4))\n"
            "out = tf.reduce_mean(inp, axis=1)\n",
            expect=(4,),
        ),
    )
    good_examples = (
        Example(
            "from tensorflow import keras\n"
            "inp = keras.Input(shape=(10, 4))\n"
            "out = keras.ops.mean(inp, axis=1)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        if facts.legacy_keras:
            return  # tf-keras (Keras 2) accepts raw TF ops on symbolic tensors
        for call in facts.calls:
            q = call.qualname
            if q is None or not q.startswith("tensorflow.") or q.startswith("tensorflow.compat"):
                continue
            values = list(call.args) + [v for _, v in call.kwargs]
            values += [i for v in values if isinstance(v, TupleValue) for i in v.items]
            sym = next(
                (v for v in values if isinstance(v, Tensor) and v.symbolic is not None), None
            )
            if sym is None:
                continue
            assert sym.symbolic is not None
            short = q.replace("tensorflow.", "tf.", 1)
            yield Finding(
                node=call.node,
                message=(
                    f"`{short}` is applied to a Keras functional tensor (from "
                    f"{facts.where(sym.symbolic)}); Keras 3 raises 'A KerasTensor cannot be "
                    "used as input to a TensorFlow function' when the model is built; use "
                    "`keras.ops` or a Keras layer"
                ),
            )
