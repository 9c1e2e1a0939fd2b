"""Static shapes from literal constructors, Input(shape=...), and call sites into the file."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.layout import Layout, parse_layout
from pooling_lint.analysis.values import Tensor

from .conftest import facts_of, layer_call_on, line_of, probe, probe_at, reduction_on


@pytest.mark.parametrize(
    ("imports", "expr", "dims"),
    [
        ("import torch", "torch.randn(32, 50, 10)", (32, 50, 10)),
        ("import torch", "torch.zeros((4, 12, 5))", (4, 12, 5)),
        ("import torch", "torch.ones([2, 3])", (2, 3)),
        ("import torch", "torch.rand(7)", (7,)),
        ("import torch", "torch.randint(0, 10, (4, 7))", (4, 7)),
        ("import torch", "torch.empty(3, 5, dtype=torch.float16)", (3, 5)),
        ("import numpy as np", "np.zeros((4, 12, 5))", (4, 12, 5)),
        ("import numpy as np", "np.ones((4, 12), dtype=np.float32)", (4, 12)),
        ("import numpy as np", "np.zeros(5)", (5,)),
        ("import numpy as np", "np.random.rand(4, 12, 5)", (4, 12, 5)),
        ("import numpy as np", "np.random.randint(0, 9, size=(6, 3))", (6, 3)),
        ("import numpy as np", "np.full((2, 8), -1.0)", (2, 8)),
        ("import tensorflow as tf", "tf.zeros((32, 10, 8))", (32, 10, 8)),
        ("import tensorflow as tf", "tf.random.normal((32, 10, 8))", (32, 10, 8)),
        ("import tensorflow as tf", "tf.random.uniform([3, 4], maxval=2)", (3, 4)),
        ("from keras import ops", "ops.zeros((2, 5, 3))", (2, 5, 3)),
        ("import tensorflow as tf", "tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])", (2, 3)),
        ("import torch", "torch.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])", (2, 2, 2)),
        ("import numpy as np", "np.array([[0.5, 1.5]])", (1, 2)),
    ],
)
def test_literal_constructor_dims(imports: str, expr: str, dims: tuple[int, ...]) -> None:
    value = probe(f"{imports}\nx = {expr}\nprobe(x)\n")
    assert isinstance(value, Tensor)
    assert value.dims == dims and value.rank == len(dims)
    assert value.padding is None


def test_ragged_literal_has_no_static_shape() -> None:
    value = probe("import torch\nx = torch.tensor([[1, 2, 3], [4, 5]])\nprobe(x)\n")
    assert isinstance(value, Tensor) and value.dims is None


def test_literal_lengths_vector() -> None:
    value = probe("import torch\nlengths = torch.tensor([5, 3, 2])\nprobe(lengths)\n")
    assert isinstance(value, Tensor)
    assert value.lengths_literal == (5, 3, 2) and value.dims == (3,)


def test_named_dims_give_a_layout() -> None:
    src = """
    import torch
    batch_size, seq_len, n_features = 8, 20, 4
    x = torch.randn(batch_size, seq_len, n_features)
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.layout == Layout.parse("BTF")
    assert x.dims == (8, 20, 4)


def test_symbolic_dims_from_unknown_names() -> None:
    src = """
    import torch
    def make(batch, steps, hidden):
        x = torch.zeros(batch, steps, hidden)
        probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.rank == 3
    assert x.dims == ("batch", "steps", "hidden")


@pytest.mark.parametrize(
    ("shape", "dims", "layout"),
    [
        ("(20, 8)", (None, 20, 8), "BTF"),
        ("(None, 8)", (None, None, 8), "BTF"),
        ("(None,)", (None, None), "BT"),
        ("[30]", (None, 30), "BT"),
        ("(10, 20, 3)", (None, 10, 20, 3), None),
    ],
)
def test_keras_input_shape(shape: str, dims: tuple, layout: str | None) -> None:
    value = probe(f"import keras\nx = keras.Input(shape={shape})\nprobe(x)\n")
    assert isinstance(value, Tensor)
    assert value.dims == dims and value.layout == parse_layout(layout)
    assert value.symbolic is not None


def test_keras_input_positional_shape_via_tf_keras() -> None:
    value = probe("import tf_keras\nx = tf_keras.layers.Input((12, 3))\nprobe(x)\n")
    assert isinstance(value, Tensor) and value.dims == (None, 12, 3)


def test_model_call_site_binds_forward_parameter() -> None:
    src = """
    import torch
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.pool = nn.AdaptiveAvgPool1d(1)
            self.fc = nn.Linear(128, 10)
        def forward(self, x):
            p = self.pool(x).squeeze(-1)
            return self.fc(p)
    y = Net()(torch.randn(32, 128, 100))
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "self.pool(x)"))
    assert r.operand.dims == (32, 128, 100) and r.axis == 2
    fc = layer_call_on(facts, line_of(src, "self.fc(p)"))
    assert fc.input.dims == (32, 128) and fc.output.dims == (32, 10)


def test_two_call_sites_with_different_shapes_join() -> None:
    src = """
    import torch
    def head(x):
        return x.mean(1)
    head(torch.randn(4, 10, 8))
    head(torch.randn(4, 20, 8))
    """
    facts = facts_of(src)
    r = reduction_on(facts, 3)
    assert r.operand.dims == (4, None, 8)


def test_function_return_value_carries_shape() -> None:
    src = """
    import numpy as np
    def batch():
        return np.zeros((16, 40, 3))
    x = batch()
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.dims == (16, 40, 3)


def test_reduce_over_keepdims_keeps_rank() -> None:
    src = """
    import torch
    x = torch.randn(4, 12, 8)
    y = x.mean(dim=1, keepdim=True)
    probe(y)
    z = x.sum(-1)
    probe(z)
    """
    facts = facts_of(src)
    assert probe_at(facts, 4).dims == (4, 1, 8)
    assert probe_at(facts, 6).dims == (4, 12)


def test_shape_attribute_is_not_a_tensor() -> None:
    src = """
    import torch
    x = torch.randn(4, 12, 8)
    n = x.shape[1]
    y = torch.zeros(x.shape)
    probe(y)
    """
    y = probe(src)
    assert isinstance(y, Tensor) and y.dims == (4, 12, 8) and y.padding is None


# ------------------------------------------------------------- layer output shapes
# Each expected shape is what the real layer returns (torch 2.13 / Keras 3.15).
@pytest.mark.parametrize(
    ("make", "layer", "dims"),
    [
        ("torch.randn(32, 64, 20)", "nn.AvgPool1d(4)", (32, 64, 5)),
        ("torch.randn(32, 64, 20)", "nn.MaxPool1d(2)", (32, 64, 10)),
        ("torch.randn(32, 64, 20)", "nn.AdaptiveMaxPool1d(1)", (32, 64, 1)),
        ("torch.randn(32, 64, 20)", "nn.AvgPool1d(20)", (32, 64, 1)),
        ("torch.randn(4, 9, 8)", "nn.Linear(8, 3)", (4, 9, 3)),
        ("torch.randn(4, 8, 50)", "nn.Conv1d(8, 16, 3)", (4, 16, 48)),
        ("torch.randn(4, 8, 50)", "nn.Conv1d(8, 16, 3, padding='same')", (4, 16, 50)),
    ],
)
def test_torch_layer_output_dims(make: str, layer: str, dims: tuple) -> None:
    src = f"import torch\nimport torch.nn as nn\ny = {layer}({make})\nprobe(y)\n"
    y = probe(src)
    assert isinstance(y, Tensor) and y.dims == dims


def test_functional_avg_pool_window_output_dims() -> None:
    src = """
    import torch
    import torch.nn.functional as F
    y = F.avg_pool1d(torch.randn(32, 64, 20), 4)
    probe(y)
    """
    y = probe(src)
    assert isinstance(y, Tensor) and y.dims == (32, 64, 5)


def test_lstm_proj_size_sets_output_features() -> None:
    src = """
    import torch
    import torch.nn as nn
    out, _ = nn.LSTM(8, 32, proj_size=16, batch_first=True)(torch.randn(4, 9, 8))
    probe(out)
    """
    out = probe(src)
    # with proj_size > 0 the output has proj_size features (h_t is projected)
    assert isinstance(out, Tensor) and out.dims in ((4, 9, 16), None)
    assert out.dims != (4, 9, 32)


@pytest.mark.parametrize(
    ("layer", "dims"),
    [
        ("keras.layers.Dense(4)", (None, 10, 4)),
        ("keras.layers.TimeDistributed(keras.layers.Dense(4))", (None, 10, 4)),
        ("keras.layers.Conv1D(16, 3)", (None, 8, 16)),
        ("keras.layers.Conv1D(16, 3, padding='same')", (None, 10, 16)),
        ("keras.layers.Conv1D(16, 3, padding='causal')", (None, 10, 16)),
        ("keras.layers.AveragePooling1D(2)", (None, 5, 8)),
        ("keras.layers.MaxPooling1D(pool_size=3, strides=1)", (None, 8, 8)),
        ("keras.layers.LSTM(16, return_sequences=True)", (None, 10, 16)),
        ("keras.layers.GlobalMaxPooling1D()", (None, 8)),
        ("keras.layers.GlobalAveragePooling1D(keepdims=True)", (None, 1, 8)),
    ],
)
def test_keras_layer_output_dims(layer: str, dims: tuple) -> None:
    src = f"import keras\ninp = keras.Input(shape=(10, 8))\ny = {layer}(inp)\nprobe(y)\n"
    y = probe(src)
    assert isinstance(y, Tensor) and y.dims == dims


def test_keras_rnn_return_state_is_not_a_single_tensor() -> None:
    src = """
    import keras
    inp = keras.Input(shape=(10, 8))
    result = keras.layers.LSTM(16, return_state=True)(inp)
    probe(result)
    """
    result = probe(src)
    # Keras returns [output, state_h, state_c]: a plain (batch, 16) tensor would be a guess
    assert not isinstance(result, Tensor)
