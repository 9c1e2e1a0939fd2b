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

#: Tensor methods that read only the receiver's shape, dtype or device, never its values
#: (``x[:, -1:].new_zeros(...)``, ``x[:, -1].size(0)``).
SHAPE_METHODS = frozenset(
    {
        "size",
        "dim",
        "ndimension",
        "numel",
        "nelement",
        "element_size",
        "get_shape",
        "new_zeros",
        "new_ones",
        "new_empty",
        "new_full",
        "new_tensor",
        "get_device",
    }
)
#: Tensor attributes that describe the tensor without reading its values.
SHAPE_ATTRIBUTES = frozenset({"shape", "dtype", "device", "ndim", "is_cuda"})

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
