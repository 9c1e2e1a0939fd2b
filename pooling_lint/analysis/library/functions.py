"""Rows for functions and constructors (not layers), grouped by how a call is modelled.

The groups are listed in the order the analysis has always tried them: a name in two groups
(``numpy.array`` builds from a literal before it counts as an identity) takes the first.
"""

from __future__ import annotations

from pooling_lint.analysis.library import data_sources
from pooling_lint.analysis.library.spec import ApiSpec, CallModel, Family

_C = CallModel
_F = Family

#: (how a call is modelled, family, names[, reduction op]) in precedence order.
GROUPS: tuple[tuple[CallModel, Family, tuple[str, ...], dict[str, str]], ...] = (
    (_C.INPUT, _F.MODEL, ("keras.Input",), {}),
    (_C.SEQUENTIAL, _F.MODEL, ("keras.Sequential",), {}),
    (_C.LOAD_MODEL, _F.MODEL, ("keras.load_model", "keras.saving.load_model"), {}),
    (_C.FUNCTIONAL_MODEL, _F.MODEL, ("keras.Model",), {}),
    (
        _C.REDUCE,
        _F.REDUCTION,
        (),
        {
            "tensorflow.reduce_mean": "mean",
            "tensorflow.reduce_sum": "sum",
            "tensorflow.reduce_max": "max",
            "tensorflow.reduce_min": "min",
            "tensorflow.reduce_logsumexp": "logsumexp",
            "tensorflow.nn.softmax": "softmax",
            "tensorflow.compat.v1.reduce_mean": "mean",
            "tensorflow.compat.v1.reduce_sum": "sum",
            "tensorflow.compat.v1.reduce_max": "max",
            "keras.ops.mean": "mean",
            "keras.ops.sum": "sum",
            "keras.ops.max": "max",
            "keras.ops.amax": "max",
            "keras.ops.min": "min",
            "keras.ops.amin": "min",
            "keras.ops.softmax": "softmax",
            "keras.ops.logsumexp": "logsumexp",
            "keras.activations.softmax": "softmax",
            "keras.backend.mean": "mean",
            "keras.backend.sum": "sum",
            "keras.backend.max": "max",
            "keras.backend.min": "min",
            "keras.backend.softmax": "softmax",
            "torch.mean": "mean",
            "torch.sum": "sum",
            "torch.max": "max",
            "torch.amax": "max",
            "torch.min": "min",
            "torch.amin": "min",
            "torch.softmax": "softmax",
            "torch.logsumexp": "logsumexp",
            "torch.nn.functional.softmax": "softmax",
            "torch.nn.functional.log_softmax": "softmax",
            "numpy.mean": "mean",
            "numpy.sum": "sum",
            "numpy.max": "max",
            "numpy.min": "min",
        },
    ),
    (
        _C.POOL_FUNCTION,
        _F.POOLING,
        (),
        {
            "torch.nn.functional.avg_pool1d": "mean",
            "torch.nn.functional.max_pool1d": "max",
            "torch.nn.functional.adaptive_avg_pool1d": "mean",
            "torch.nn.functional.adaptive_max_pool1d": "max",
        },
    ),
    (
        _C.SHAPED,
        _F.CONSTRUCTOR,
        (
            "torch.randn",
            "torch.rand",
            "torch.zeros",
            "torch.ones",
            "torch.empty",
            "torch.randint",
            "numpy.zeros",
            "numpy.ones",
            "numpy.empty",
            "numpy.random.rand",
            "numpy.random.randn",
            "numpy.random.random",
            "numpy.random.normal",
            "numpy.random.uniform",
            "numpy.random.randint",
            "numpy.full",
            "tensorflow.zeros",
            "tensorflow.ones",
            "tensorflow.random.normal",
            "tensorflow.random.uniform",
            "keras.ops.zeros",
            "keras.ops.ones",
            "keras.random.normal",
            "keras.random.uniform",
        ),
        {},
    ),
    (
        _C.LITERAL,
        _F.CONSTRUCTOR,
        (
            "torch.tensor",
            "torch.Tensor",
            "torch.FloatTensor",
            "torch.LongTensor",
            "numpy.array",
            "numpy.asarray",
            "tensorflow.constant",
            "tensorflow.convert_to_tensor",
            "keras.ops.array",
            "keras.ops.convert_to_tensor",
        ),
        {},
    ),
    # pad_sequences rows: `op` is the side a call without `padding=` pads (None: unknown)
    (_C.PAD_SEQUENCES, _F.PADDING_SOURCE, (), {"keras.utils.pad_sequences": "pre"}),
    *data_sources.GROUPS,
    (_C.PAD_SEQUENCE, _F.PADDING_SOURCE, ("torch.nn.utils.rnn.pad_sequence",), {}),
    (_C.PACK_PADDED, _F.PACKING, ("torch.nn.utils.rnn.pack_padded_sequence",), {}),
    (_C.PACK_SEQUENCE, _F.PACKING, ("torch.nn.utils.rnn.pack_sequence",), {}),
    (_C.PAD_PACKED, _F.PADDING_SOURCE, ("torch.nn.utils.rnn.pad_packed_sequence",), {}),
    (_C.SEQUENCE_MASK, _F.MASK_SOURCE, ("tensorflow.sequence_mask", "keras.ops.sequence_mask"), {}),
    (
        _C.ARANGE,
        _F.RANGE,
        ("torch.arange", "tensorflow.range", "numpy.arange", "keras.ops.arange"),
        {},
    ),
    (_C.SHAPE_OF, _F.SHAPE, ("tensorflow.shape", "keras.ops.shape", "keras.backend.shape"), {}),
    (
        _C.EXPAND,
        _F.AXES,
        (
            "tensorflow.expand_dims",
            "keras.ops.expand_dims",
            "torch.unsqueeze",
            "numpy.expand_dims",
            "keras.backend.expand_dims",
        ),
        {},
    ),
    (_C.SQUEEZE, _F.AXES, ("tensorflow.squeeze", "keras.ops.squeeze", "torch.squeeze"), {}),
    (_C.FLATTEN, _F.AXES, ("torch.flatten",), {}),
    (_C.RESHAPE, _F.RESHAPE, ("tensorflow.reshape", "keras.ops.reshape", "torch.reshape"), {}),
    (_C.TRANSPOSE, _F.AXES, ("torch.transpose", "torch.swapaxes"), {}),
    (
        _C.PERMUTE,
        _F.AXES,
        ("tensorflow.transpose", "keras.ops.transpose", "torch.permute", "numpy.transpose"),
        {},
    ),
    (
        _C.WHERE,
        _F.SELECT,
        ("torch.where", "tensorflow.where", "keras.ops.where", "numpy.where"),
        {},
    ),
    (
        _C.GUARD,
        _F.GUARD,
        (
            "torch.clamp",
            "torch.clamp_min",
            "tensorflow.maximum",
            "torch.maximum",
            "keras.ops.maximum",
            "numpy.maximum",
            "tensorflow.clip_by_value",
            "torch.clip",
        ),
        {},
    ),
    (
        _C.PER_SAMPLE_LOSS,
        _F.LOSS,
        ("torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss"),
        {},
    ),
    (
        _C.IDENTITY,
        _F.ELEMENTWISE,
        (
            "tensorflow.cast",
            "tensorflow.identity",
            "tensorflow.stop_gradient",
            "tensorflow.nn.relu",
            "tensorflow.tanh",
            "tensorflow.nn.tanh",
            "tensorflow.sigmoid",
            "tensorflow.nn.sigmoid",
            "tensorflow.convert_to_tensor",
            "torch.relu",
            "torch.tanh",
            "torch.sigmoid",
            "torch.nn.functional.relu",
            "torch.nn.functional.gelu",
            "torch.nn.functional.dropout",
            "torch.nn.functional.layer_norm",
            "torch.as_tensor",
            "numpy.asarray",
            "numpy.array",
            "keras.ops.cast",
            "keras.ops.relu",
            "keras.ops.tanh",
            "keras.ops.convert_to_tensor",
            "keras.backend.cast",
            "tensorflow.exp",
            "torch.exp",
            "keras.ops.exp",
        ),
        {},
    ),
    (
        _C.EINSUM,
        _F.CONTRACTION,
        ("torch.einsum", "tensorflow.einsum", "keras.ops.einsum", "numpy.einsum"),
        {},
    ),
    (
        _C.MATMUL,
        _F.CONTRACTION,
        ("torch.bmm", "torch.matmul", "tensorflow.matmul", "keras.ops.matmul", "numpy.matmul"),
        {},
    ),
    (
        _C.DIVIDE,
        _F.DIVISION,
        (
            "torch.div",
            "torch.true_divide",
            "torch.divide",
            "tensorflow.divide",
            "tensorflow.truediv",
            "keras.ops.divide",
            "keras.ops.true_divide",
            "numpy.divide",
            "numpy.true_divide",
        ),
        {},
    ),
    (
        _C.CONCATENATE,
        _F.JOIN,
        (
            "torch.cat",
            "torch.concat",
            "torch.concatenate",
            "torch.stack",
            "torch.hstack",
            "tensorflow.concat",
            "tensorflow.stack",
            "keras.ops.concatenate",
            "keras.ops.stack",
            "numpy.concatenate",
            "numpy.stack",
            "numpy.hstack",
        ),
        {},
    ),
)

#: Functions whose first argument gives only a shape, dtype or device: ``zeros_like(x)``,
#: ``tf.shape(x)``. An argument read this way has none of its values read.
SHAPE_READERS = frozenset(
    {
        f"{root}.{name}"
        for root, names in (
            (
                "torch",
                (
                    "zeros_like",
                    "ones_like",
                    "empty_like",
                    "full_like",
                    "rand_like",
                    "randn_like",
                    "randint_like",
                    "numel",
                ),
            ),
            ("tensorflow", ("zeros_like", "ones_like", "shape", "size", "rank", "ones_like")),
            ("tensorflow.compat.v1", ("zeros_like", "ones_like", "shape")),
            (
                "keras.ops",
                ("zeros_like", "ones_like", "full_like", "empty_like", "shape", "ndim", "size"),
            ),
            (
                "keras.backend",
                ("zeros_like", "ones_like", "shape", "int_shape", "ndim", "dtype", "count_params"),
            ),
            (
                "numpy",
                ("zeros_like", "ones_like", "empty_like", "full_like", "shape", "ndim", "size"),
            ),
        )
        for name in names
    }
)

#: Positional parameters of the model constructors.
PARAMS: dict[str, tuple[str, ...]] = {
    "keras.Input": ("shape", "batch_size", "dtype"),
    "keras.Sequential": ("layers", "name"),
    "keras.Model": ("inputs", "outputs", "name"),
}


def rows() -> list[ApiSpec]:
    """The rows in precedence order (a name's first row is the one that counts)."""
    out: list[ApiSpec] = []
    for call, family, names, ops in GROUPS:
        for name in names:
            out.append(ApiSpec(name, family, call, params=PARAMS.get(name, ())))
        for name, op in ops.items():
            # torch's avg_pool1d/max_pool1d take a window; the adaptive ones an output size
            window = call is CallModel.POOL_FUNCTION and "adaptive" not in name
            out.append(ApiSpec(name, family, call, op=op, window=window))
    return out
