"""Rows for layers and modules: torch ``nn`` modules and Keras layers.

Each row gives the constructor's positional parameters, how applying the layer is modelled
(:class:`ApplyModel`: its output shape and layout) and, for Keras layers, what happens to a
mask riding on the input (:class:`MaskEffect`, measured on Keras 3.15: see the README's
"How it works"). A Keras layer that is not listed is modelled as :attr:`ApplyModel.KERAS_OTHER`
with an unknown mask effect.
"""

from __future__ import annotations

from pooling_lint.analysis.library.spec import ApiSpec, ApplyModel, CallModel, Family, MaskEffect

_A = ApplyModel
_F = Family
_M = MaskEffect

_RNN_TORCH = ("input_size", "hidden_size", "num_layers")
_POOL_1D = ("pool_size", "strides", "padding", "data_format")
_GLOBAL_1D = ("data_format", "keepdims")


def _torch(
    name: str,
    apply: ApplyModel | None,
    family: Family,
    params: tuple[str, ...] = (),
    op: str | None = None,
    window: bool = False,
    mask_kwargs: tuple[str, ...] = (),
) -> ApiSpec:
    return ApiSpec(
        f"torch.nn.{name}",
        family,
        CallModel.LAYER,
        op=op,
        params=params,
        apply=apply,
        window=window,
        padding_mask_kwargs=mask_kwargs,
    )


def _keras(
    name: str,
    apply: ApplyModel,
    family: Family,
    mask: MaskEffect,
    params: tuple[str, ...] = (),
    op: str | None = None,
    window: bool = False,
) -> ApiSpec:
    return ApiSpec(
        f"keras.layers.{name}",
        family,
        CallModel.LAYER,
        op=op,
        params=params,
        apply=apply,
        mask=mask,
        window=window,
    )


TORCH_LAYERS: tuple[ApiSpec, ...] = (
    _torch(
        "LSTM",
        _A.TORCH_RNN,
        _F.RNN,
        (*_RNN_TORCH, "bias", "batch_first", "dropout", "bidirectional", "proj_size"),
    ),
    _torch(
        "GRU",
        _A.TORCH_RNN,
        _F.RNN,
        (*_RNN_TORCH, "bias", "batch_first", "dropout", "bidirectional"),
    ),
    _torch(
        "RNN",
        _A.TORCH_RNN,
        _F.RNN,
        (*_RNN_TORCH, "nonlinearity", "bias", "batch_first", "dropout", "bidirectional"),
    ),
    # one step of an RNN: (batch, input) -> (batch, hidden); LSTMCell returns (h, c)
    _torch("GRUCell", _A.RNN_CELL, _F.RNN, ("input_size", "hidden_size", "bias")),
    _torch("LSTMCell", _A.RNN_CELL, _F.RNN, ("input_size", "hidden_size", "bias")),
    _torch("RNNCell", _A.RNN_CELL, _F.RNN, ("input_size", "hidden_size", "bias")),
    _torch("Linear", _A.LINEAR, _F.LAYER, ("in_features", "out_features", "bias")),
    # an Embedding pads only with padding_idx= / mask_zero= (conventions.PADDING_WORDS)
    _torch(
        "Embedding",
        _A.TORCH_EMBEDDING,
        _F.LAYER,
        ("num_embeddings", "embedding_dim", "padding_idx"),
    ),
    # the classmethod returns an nn.Embedding holding the given weights
    _torch(
        "Embedding.from_pretrained",
        _A.TORCH_EMBEDDING,
        _F.LAYER,
        ("embeddings", "freeze", "padding_idx"),
    ),
    _torch(
        "Conv1d",
        _A.CONV1D,
        _F.LAYER,
        ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation"),
    ),
    _torch("AdaptiveAvgPool1d", _A.TORCH_POOL, _F.POOLING, ("output_size",), op="mean"),
    _torch(
        "AvgPool1d",
        _A.TORCH_POOL,
        _F.POOLING,
        ("kernel_size", "stride", "padding"),
        op="mean",
        window=True,
    ),
    _torch(
        "AdaptiveMaxPool1d", _A.TORCH_POOL, _F.POOLING, ("output_size", "return_indices"), op="max"
    ),
    _torch(
        "MaxPool1d",
        _A.TORCH_POOL,
        _F.POOLING,
        ("kernel_size", "stride", "padding"),
        op="max",
        window=True,
    ),
    _torch("Sequential", _A.TORCH_SEQUENTIAL, _F.CONTAINER),
    _torch("ModuleList", None, _F.CONTAINER),
    _torch("Dropout", _A.TORCH_SAME, _F.ELEMENTWISE, ("p",)),
    _torch("ReLU", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("GELU", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("Tanh", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("Sigmoid", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("LayerNorm", _A.TORCH_SAME, _F.ELEMENTWISE, ("normalized_shape",)),
    _torch("Identity", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("LeakyReLU", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("ELU", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("SiLU", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("Softplus", _A.TORCH_SAME, _F.ELEMENTWISE),
    _torch("Flatten", _A.TORCH_FLATTEN, _F.AXES, ("start_dim", "end_dim")),
    _torch(
        "MultiheadAttention",
        _A.TORCH_ATTENTION,
        _F.ATTENTION,
        (
            "embed_dim",
            "num_heads",
            "dropout",
            "bias",
            "add_bias_kv",
            "add_zero_attn",
            "kdim",
            "vdim",
            "batch_first",
        ),
        mask_kwargs=("key_padding_mask", "attn_mask"),
    ),
    _torch(
        "TransformerEncoderLayer",
        _A.TRANSFORMER,
        _F.ATTENTION,
        ("d_model", "nhead", "dim_feedforward", "dropout"),
        mask_kwargs=("src_key_padding_mask", "src_mask"),
    ),
    _torch(
        "TransformerEncoder",
        _A.TRANSFORMER,
        _F.ATTENTION,
        ("encoder_layer", "num_layers", "norm"),
        mask_kwargs=("src_key_padding_mask", "mask"),
    ),
)

KERAS_LAYERS: tuple[ApiSpec, ...] = (
    _keras("Masking", _A.MASKING, _F.PADDING_SOURCE, _M.MAKES, ("mask_value",)),
    _keras("Embedding", _A.KERAS_EMBEDDING, _F.LAYER, _M.MAKES, ("input_dim", "output_dim")),
    _keras("LSTM", _A.KERAS_RNN, _F.RNN, _M.CONSUMES, ("units",)),
    _keras("GRU", _A.KERAS_RNN, _F.RNN, _M.CONSUMES, ("units",)),
    _keras("SimpleRNN", _A.KERAS_RNN, _F.RNN, _M.CONSUMES, ("units",)),
    _keras("RNN", _A.KERAS_RNN, _F.RNN, _M.CONSUMES),
    # one step: cell(inputs, states) -> (output, new_states), output (batch, units)
    _keras("GRUCell", _A.RNN_CELL, _F.RNN, _M.UNKNOWN, ("units",)),
    _keras("LSTMCell", _A.RNN_CELL, _F.RNN, _M.UNKNOWN, ("units",)),
    _keras("SimpleRNNCell", _A.RNN_CELL, _F.RNN, _M.UNKNOWN, ("units",)),
    _keras("Bidirectional", _A.KERAS_RNN, _F.CONTAINER, _M.CONSUMES, ("layer", "merge_mode")),
    _keras(
        "GlobalAveragePooling1D", _A.GLOBAL_POOL, _F.POOLING, _M.CONSUMES, _GLOBAL_1D, op="mean"
    ),
    _keras("GlobalAvgPool1D", _A.GLOBAL_POOL, _F.POOLING, _M.CONSUMES, _GLOBAL_1D, op="mean"),
    _keras("GlobalMaxPooling1D", _A.GLOBAL_POOL, _F.POOLING, _M.DROPS, _GLOBAL_1D, op="max"),
    _keras("GlobalMaxPool1D", _A.GLOBAL_POOL, _F.POOLING, _M.DROPS, _GLOBAL_1D, op="max"),
    _keras(
        "AveragePooling1D", _A.WINDOW_POOL, _F.POOLING, _M.DROPS, _POOL_1D, op="mean", window=True
    ),
    _keras("AvgPool1D", _A.WINDOW_POOL, _F.POOLING, _M.DROPS, _POOL_1D, op="mean", window=True),
    _keras("MaxPooling1D", _A.WINDOW_POOL, _F.POOLING, _M.DROPS, _POOL_1D, op="max", window=True),
    _keras("MaxPool1D", _A.WINDOW_POOL, _F.POOLING, _M.DROPS, _POOL_1D, op="max", window=True),
    _keras("Flatten", _A.KERAS_FLATTEN, _F.AXES, _M.DROPS),
    _keras(
        "Conv1D",
        _A.KERAS_CONV1D,
        _F.LAYER,
        _M.DROPS,
        ("filters", "kernel_size", "strides", "padding"),
    ),
    _keras("Dense", _A.DENSE, _F.LAYER, _M.PROPAGATES, ("units", "activation")),
    _keras("Softmax", _A.KERAS_SOFTMAX, _F.REDUCTION, _M.PROPAGATES, ("axis",), op="softmax"),
    _keras("TimeDistributed", _A.TIME_DISTRIBUTED, _F.CONTAINER, _M.PROPAGATES, ("layer",)),
    _keras("Dropout", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("Activation", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("LayerNormalization", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("SpatialDropout1D", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("BatchNormalization", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("GaussianNoise", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("ReLU", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras("LeakyReLU", _A.PER_STEP, _F.ELEMENTWISE, _M.PROPAGATES),
    _keras(
        "Lambda", _A.LAMBDA, _F.LAYER, _M.DROPS, ("function", "output_shape", "mask", "arguments")
    ),
    _keras("Attention", _A.KERAS_ATTENTION, _F.ATTENTION, _M.CONSUMES),
    _keras("AdditiveAttention", _A.KERAS_ATTENTION, _F.ATTENTION, _M.CONSUMES),
    _keras(
        "MultiHeadAttention",
        _A.KERAS_ATTENTION,
        _F.ATTENTION,
        _M.CONSUMES,
        ("num_heads", "key_dim"),
    ),
    _keras(
        "TextVectorization",
        _A.TEXT_VECTORIZATION,
        _F.PADDING_SOURCE,
        _M.UNKNOWN,  # takes strings: no mask reaches it, and its output carries none
        (
            "max_tokens",
            "standardize",
            "split",
            "ngrams",
            "output_mode",
            "output_sequence_length",
        ),
    ),
    _keras("Reshape", _A.KERAS_OTHER, _F.RESHAPE, _M.DROPS, ("target_shape",)),
    _keras("Permute", _A.KERAS_OTHER, _F.AXES, _M.DROPS),
)


def is_layer_name(name: str) -> bool:
    """``torch.nn.X`` or ``keras.layers.X`` with a capital X: a layer class, listed or not."""
    last = name.rsplit(".", 1)[-1]
    if not last[:1].isupper():
        return False
    return (name.startswith("torch.nn.") and name.count(".") == 2) or name.startswith(
        "keras.layers."
    )
