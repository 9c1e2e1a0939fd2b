"""Tensor methods (``x.mean(1)``, ``x.cuda()``) and Keras model methods."""

from __future__ import annotations

#: Tensor methods that reduce: method -> op.
REDUCTION_METHODS: dict[str, str] = {
    "mean": "mean",
    "sum": "sum",
    "max": "max",
    "amax": "max",
    "min": "min",
    "amin": "min",
    "softmax": "softmax",
    "log_softmax": "softmax",
    "logsumexp": "logsumexp",
    "nansum": "sum",
    "nanmean": "mean",
}

#: Tensor methods that return the same value (dtype/device/memory changes only).
IDENTITY_METHODS = frozenset(
    {
        "float",
        "double",
        "half",
        "bfloat16",
        "long",
        "int",
        "contiguous",
        "detach",
        "clone",
        "cpu",
        "numpy",
        "type",
        "type_as",
        "requires_grad_",
        "relu",
        "tanh",
        "sigmoid",
        "abs",
        "exp",
        "log",
        "sqrt",
        "pow",
        "neg",
        "__neg__",
        "astype",
        "copy",
    }
)

DEVICE_METHODS = frozenset({"cuda", "to"})

#: Tensor methods that reshape (the mask-reshape rule reads them).
RESHAPE_METHODS = frozenset({"reshape", "view", "view_as", "reshape_as"})

#: Keras model methods that take data.
MODEL_DATA_METHODS = frozenset(
    {
        "predict",
        "fit",
        "evaluate",
        "predict_on_batch",
        "train_on_batch",
        "test_on_batch",
        "__call__",
    }
)
