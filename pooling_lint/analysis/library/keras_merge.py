"""Rows for the Keras merge layers and their functional forms.

``Concatenate``, ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum``
and ``Dot`` take a list of tensors. They support masking: the output's mask is the inputs'
masks merged (checked on Keras 3: a step is valid where any input is valid; ``Concatenate``
along time concatenates the masks). The values are modelled in ``analysis/keras_merge.py``.
"""

from __future__ import annotations

from pooling_lint.analysis.library.spec import (
    ApiSpec,
    ApplyModel,
    CallModel,
    Family,
    MaskEffect,
)

#: layer class -> its functional form
MERGES: dict[str, str] = {
    "Concatenate": "concatenate",
    "Add": "add",
    "Subtract": "subtract",
    "Multiply": "multiply",
    "Average": "average",
    "Maximum": "maximum",
    "Minimum": "minimum",
    "Dot": "dot",
}


def rows() -> list[ApiSpec]:
    out: list[ApiSpec] = []
    for layer, function in MERGES.items():
        params = (
            ("axes", "normalize")
            if layer == "Dot"
            else (("axis",) if layer == "Concatenate" else ())
        )
        out.append(
            ApiSpec(
                f"keras.layers.{layer}",
                Family.JOIN,
                CallModel.LAYER,
                params=params,
                apply=ApplyModel.KERAS_MERGE,
                mask=MaskEffect.PROPAGATES,
            )
        )
        out.append(
            ApiSpec(
                f"keras.layers.{function}",
                Family.JOIN,
                CallModel.KERAS_MERGE,
                params=("inputs", *params),
                mask=MaskEffect.PROPAGATES,
            )
        )
    return out
