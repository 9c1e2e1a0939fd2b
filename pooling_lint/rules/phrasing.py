"""Shared wording for rule messages: how to name evidence and the runtime op to suggest."""

from __future__ import annotations

from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import Framework
from pooling_lint.analysis.values import Tensor


def padded_by(facts: FileFacts, t: Tensor) -> str:
    """``"padded: see `pad_sequence(...)` at line 7"`` for a message."""
    if t.keras_mask is not None:
        return f"masked by {facts.where(t.keras_mask)}"
    if t.padding is None:
        return "padded"
    return f"padded per {facts.where(t.padding.evidence)}"


def runtime_op(kind: Framework, op: str, operand: str) -> str:
    """The corrected pooling call the message points to (``kind``: see ``fix_framework``)."""
    if kind is Framework.KERAS:
        layer = {
            "mean": "GlobalAveragePooling1D()",
            "max": "pooling_lint.runtime.tensorflow.MaskedMaxPool()",
            "min": "pooling_lint.runtime.tensorflow.MaskedMinPool()",
        }
        return f"`{layer.get(op, 'GlobalAveragePooling1D()')}`, which honours the Keras mask"
    module = "torch" if kind is Framework.TORCH else "tensorflow"
    return f"`pooling_lint.runtime.{module}.masked_{op}({operand}, lengths)`"
