"""Keras models (Sequential, .add(), functional) and torch modules (self.x bound in __init__)."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import KerasModel, Tensor, TupleValue

from .conftest import (
    drops_on,
    facts_of,
    layer_call_on,
    line_of,
    one_on,
    probe_at,
    reduction_on,
    subscript_on,
)


# ---------------------------------------------------------------------------- Keras
def test_sequential_list_drops_embedding_mask_at_global_max_pool() -> None:
    src = """
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([
        layers.Embedding(1000, 32, mask_zero=True),
        layers.GlobalMaxPooling1D(),
        layers.Dense(1),
    ])
    """
    facts = facts_of(src)
    drops = drops_on(facts, 5)
    assert len(drops) == 1 and drops[0].by == "`GlobalMaxPooling1D`"
    assert facts.line(drops[0].tensor.keras_mask.node) == 4
    gmp = layer_call_on(facts, 5)
    assert gmp.in_sequential
    assert [n.qualname for n in gmp.next_layers] == ["keras.layers.Dense"]


def test_sequential_add_chain_with_input_shape() -> None:
    src = """
    import tensorflow as tf
    model = tf.keras.Sequential()
    model.add(tf.keras.layers.Masking(input_shape=(50, 8)))
    model.add(tf.keras.layers.LSTM(32, return_sequences=True))
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(1))
    model.fit(x_train, y_train)
    """
    facts = facts_of(src)
    lstm = layer_call_on(facts, 4)
    assert isinstance(lstm.output, Tensor) and lstm.output.dims == (None, 50, 32)
    assert lstm.output.mask_consumed is not None
    assert facts.mask_drops == []  # the LSTM consumed the mask before Flatten
    call = one_on(facts, facts.model_calls, 7)
    assert call.method == "fit"
    assert isinstance(call.model, KerasModel) and call.model.kind == "sequential"
    assert [lay.short for lay in call.model.layers] == ["Masking", "LSTM", "Flatten", "Dense"]
    assert call.model.input is not None and call.model.input.dims == (None, 50, 8)


def test_sequential_add_chain_drops_mask_at_flatten() -> None:
    src = """
    from keras import Sequential, layers
    model = Sequential()
    model.add(layers.Embedding(500, 16, mask_zero=True, input_shape=(20,)))
    model.add(layers.Flatten())
    model.add(layers.Dense(1))
    """
    facts = facts_of(src)
    drops = drops_on(facts, 4)
    assert [d.by for d in drops] == ["`Flatten`"]


def test_sequential_with_input_first_element_and_average_pooling_shape() -> None:
    src = """
    import keras
    model = keras.Sequential([
        keras.Input(shape=(15, 8)),
        keras.layers.Dense(1),
        keras.layers.AveragePooling1D(10),
    ])
    out = model.predict(data)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 5)
    assert r.pool_size == 10 and r.axis == 1
    assert r.operand.dims == (None, 15, 1)
    call = one_on(facts, facts.model_calls, line_of(src, "model.predict"))
    assert call.model.input.dims == (None, 15, 8)
    assert [lay.short for lay in call.model.layers] == ["Dense", "AveragePooling1D"]
    # AveragePooling1D(10) over 15 steps leaves (batch, 1, 1) (SEMANTICS A 001/1)
    assert call.model.output.dims == (None, 1, 1)


def test_functional_graph_model_output_and_predict() -> None:
    src = """
    from tensorflow import keras
    from tensorflow.keras import layers
    inp = keras.Input(shape=(None, 8))
    x = layers.Masking()(inp)
    h = layers.LSTM(16, return_sequences=True)(x)
    pooled = layers.GlobalAveragePooling1D()(h)
    out = layers.Dense(3)(pooled)
    model = keras.Model(inp, out)
    preds = model.predict(batch)
    """
    facts = facts_of(src)
    call = one_on(facts, facts.model_calls, line_of(src, "model.predict"))
    assert call.method == "predict"
    model = call.model
    assert isinstance(model, KerasModel) and model.kind == "functional"
    assert model.input is not None and model.input.dims == (None, None, 8)
    assert model.output is not None and model.output.dims == (None, 3)
    assert facts.mask_drops == []


def test_functional_model_with_keyword_arguments() -> None:
    src = """
    import keras
    inp = keras.Input(shape=(10,))
    out = keras.layers.Dense(2)(inp)
    model = keras.Model(inputs=inp, outputs=out)
    model.evaluate(x, y)
    """
    facts = facts_of(src)
    call = one_on(facts, facts.model_calls, 5)
    assert call.method == "evaluate"
    assert call.model.output.dims == (None, 2)


def test_predict_with_mask_keyword_is_a_model_call() -> None:
    src = """
    from tensorflow import keras
    model = keras.Sequential([keras.layers.Dense(1)])
    y = model.predict(x, mask=m)
    """
    facts = facts_of(src)
    call = one_on(facts, facts.model_calls, 3)
    assert call.method == "predict"
    assert call.node.keywords[0].arg == "mask"


def test_keras_model_subclasses_are_found_through_aliases() -> None:
    src = """
    import tensorflow as tf
    from tensorflow import keras
    class Base(tf.keras.Model):
        pass
    class Child(Base):
        pass
    class Seq(keras.Sequential):
        pass
    class Block(tf.keras.layers.Layer):
        pass
    class Other:
        pass
    """
    facts = facts_of(src)
    assert facts.keras_model_classes == {"Base", "Child", "Seq"}


def test_keras_layer_call_with_mask_param_gets_padded_batch_first_input() -> None:
    src = """
    import tensorflow as tf
    class MeanPool(tf.keras.layers.Layer):
        def call(self, inputs, mask=None):
            return tf.reduce_mean(inputs, axis=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 4)
    assert r.operand.layout == Layout.parse("BTF") and r.operand.rank == 3
    assert r.operand.padding is not None
    assert r.axis == r.operand.time_axis == 1


def test_keras_rnn_layers_built_in_a_loop_over_literal_list() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    for units in [64, 32]:
        x = keras.layers.LSTM(units, return_sequences=True)(x)
    y = keras.layers.GlobalMaxPooling1D()(x)
    """
    facts = facts_of(src)
    # the list is non-empty: on every path an LSTM consumed the mask before the pooling
    assert drops_on(facts, 6) == []


def test_keras_mask_dropped_by_lambda() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.keras import layers
    inp = tf.keras.Input(shape=(None, 8))
    x = layers.Masking()(inp)
    y = layers.Lambda(lambda t: tf.reduce_mean(t, axis=1))(x)
    """
    facts = facts_of(src)
    drops = drops_on(facts, 5)
    assert [d.by for d in drops] == ["`Lambda`"]
    # the lambda's body runs on a real tensor: the reduction over time is seen
    r = reduction_on(facts, 5)
    assert r.axis == 1 and r.operand.padding is not None


# ---------------------------------------------------------------------------- torch
def test_module_binds_init_layer_to_forward_call() -> None:
    src = """
    import torch
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(100, 64, batch_first=True)
            self.fc = nn.Linear(64, 2)
        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.fc(out[:, -1])
    model = Net()
    y = model(torch.randn(32, 128, 100))
    """
    facts = facts_of(src)
    lstm = layer_call_on(facts, line_of(src, "self.lstm(x)"))
    assert lstm.layer.qualname == "torch.nn.LSTM"
    assert facts.line(lstm.layer.node) == line_of(src, "self.lstm = nn.LSTM")
    assert lstm.input.dims == (32, 128, 100)
    s = subscript_on(facts, line_of(src, "out[:, -1]"))
    assert s.base.layout == Layout.parse("BTF") and s.base.dims == (32, 128, 64)
    fc = layer_call_on(facts, line_of(src, "self.fc(out"))
    assert fc.input.dims == (32, 64) and fc.output.dims == (32, 2)


def test_module_constructor_arguments_flow_into_layers() -> None:
    src = """
    import torch
    import torch.nn as nn
    class Encoder(nn.Module):
        def __init__(self, input_size, hidden, bidirectional):
            super().__init__()
            self.rnn = nn.GRU(input_size, hidden, batch_first=True, bidirectional=bidirectional)
        def forward(self, x):
            out, h = self.rnn(x)
            return out[:, -1]
    enc = Encoder(16, 32, True)
    enc(torch.randn(4, 9, 16))
    """
    facts = facts_of(src)
    s = subscript_on(facts, line_of(src, "out[:, -1]"))
    assert s.base.bidirectional is not None
    assert s.base.dims == (4, 9, 64)


def test_module_keyword_constructor_call_binds_init() -> None:
    src = """
    import torch
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self, input_size=10, hidden_size=20):
            super().__init__()
            self.lstm = nn.LSTM(input_size, hidden_size)
        def forward(self, x):
            out, _ = self.lstm(x)
            return out.mean(0)
    net = Net(hidden_size=48)
    net(torch.randn(7, 3, 10))
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "out.mean(0)"))
    assert r.operand.layout == Layout.parse("TBF") and r.axis == r.operand.time_axis == 0
    assert r.operand.dims == (7, 3, 48)


def test_module_default_batch_first_false_from_class() -> None:
    src = """
    import torch.nn as nn
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 64, num_layers=2)
        def forward(self, x, lengths):
            out, _ = self.lstm(x)
            return out[:, -1, :]
    """
    facts = facts_of(src)
    s = subscript_on(facts, line_of(src, "out[:, -1, :]"))
    assert s.base.layout == Layout.parse("TBF")
    assert s.base.time_axis == 0 and s.base.batch_axis == 1


def test_module_list_built_in_loop_comprehension() -> None:
    src = """
    import torch
    import torch.nn as nn
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(16, 16) for _ in range(3)])
        def forward(self, x, mask):
            for block in self.blocks:
                x = block(x)
            return x.mean(1)
    """
    facts = facts_of(src)
    line = line_of(src, "x.mean(1)")
    # `mask` is never used with `x`: a name is not evidence of padding
    assert [r for r in facts.reductions if facts.line(r.node) == line and r.operand.padding] == []
    assert [c.layer.qualname for c in facts.layer_calls] == ["torch.nn.Linear"] * len(
        facts.layer_calls
    )
    assert facts.layer_calls


def test_nn_sequential_attribute_in_module() -> None:
    src = """
    import torch
    import torch.nn as nn
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Sequential(nn.Linear(8, 4), nn.Tanh())
            self.pool = nn.AdaptiveAvgPool1d(1)
        def forward(self, x):
            h = self.proj(x)
            return self.pool(h.transpose(1, 2))
    Head()(torch.randn(2, 6, 8))
    """
    facts = facts_of(src)
    seq = layer_call_on(facts, line_of(src, "self.proj(x)"))
    assert seq.layer.qualname == "torch.nn.Sequential"
    assert seq.output.dims == (2, 6, 4)
    r = reduction_on(facts, line_of(src, "self.pool("))
    assert r.operand.dims == (2, 4, 6) and r.axis == 2


def test_helper_method_of_module_is_followed() -> None:
    src = """
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 8, batch_first=True)
        def encode(self, x):
            out, _ = self.lstm(x)
            return out
        def forward(self, x, lengths):
            h = self.encode(x)
            return h.mean(dim=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "h.mean"))
    assert r.operand.layout == Layout.parse("BTF") and r.operand.rnn is not None
    assert r.operand.padding is None  # `lengths` is never used with `x`


def test_lstm_output_tuple_from_module_attribute() -> None:
    src = """
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 8)
        def forward(self, x):
            result = self.lstm(x)
            probe(result)
    """
    facts = facts_of(src)
    result = probe_at(facts, line_of(src, "probe(result)"))
    assert isinstance(result, TupleValue) and len(result.items) == 2
    assert isinstance(result.items[1], TupleValue)  # (h_n, c_n)


def test_sequential_add_inside_loop_claims_no_drop() -> None:
    src = """
    from tensorflow import keras
    model = keras.Sequential()
    model.add(keras.layers.Embedding(1000, 16, mask_zero=True))
    for units in [32, 16]:
        model.add(keras.layers.LSTM(units, return_sequences=True))
    model.add(keras.layers.GlobalMaxPooling1D())
    """
    facts = facts_of(src)
    # the LSTMs consumed the mask before the max pooling
    assert facts.mask_drops == []


def test_global_average_pooling_channels_first_reduces_last_axis() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(8, 20))
    y = keras.layers.GlobalAveragePooling1D(data_format="channels_first")(inp)
    """
    facts = facts_of(src)
    r = reduction_on(facts, 3)
    assert r.axis == 2 and r.operand.dims == (None, 8, 20)


def test_torch_rnn_state_of_padded_input_is_not_zero_filled() -> None:
    src = """
    import torch.nn as nn
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs, batch_first=True)
    out, h = nn.GRU(8, 16, batch_first=True)(x)
    probe(h)
    """
    facts = facts_of(src)
    h = probe_at(facts, 5)
    assert isinstance(h, Tensor) and h.role == "state"
    # h_n after the padded steps went through the GRU: nothing about it is zero
    assert h.padding is None or h.padding.fill is None
