"""Where the file does not show a fact, the fact is unknown (None), never a guess."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Tensor

from .conftest import drops_on, facts_of, layer_call_on, line_of, one_on, probe, probe_at


def _not_padded(value: object) -> bool:
    return value is None or (isinstance(value, Tensor) and value.padding is None)


def test_star_import_layer_is_unknown_torch() -> None:
    src = """
    import torch
    from torch.nn import *
    lstm = LSTM(10, 20)
    out, _ = lstm(torch.randn(4, 9, 10))
    probe(out)
    """
    facts = facts_of(src)
    assert probe_at(facts, 5) is None
    assert facts.layer_calls == []


def test_star_import_layer_is_unknown_keras() -> None:
    src = """
    from tensorflow.keras.layers import *
    from tensorflow.keras import Input
    inp = Input(shape=(None, 8))
    x = Masking()(inp)
    y = GlobalMaxPooling1D()(x)
    """
    facts = facts_of(src)
    assert facts.mask_drops == []
    assert facts.layer_calls == []


def test_value_from_unknown_function_is_unknown() -> None:
    src = """
    import torch
    x = load_batch("train.pt")
    pooled = x.mean(1)
    h = torch.mean(x, dim=1)
    """
    facts = facts_of(src)
    assert facts.reductions == []


def test_padded_on_one_branch_only_is_not_padded_torch() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    if use_padding:
        x = pad_sequence(seqs, batch_first=True)
    else:
        x = torch.stack(seqs)
    probe(x)
    """
    assert _not_padded(probe(src))


def test_padded_on_both_branches_is_padded_with_joined_side() -> None:
    src = """
    from keras.utils import pad_sequences
    if left:
        x = pad_sequences(tokens)
    else:
        x = pad_sequences(tokens, padding="post")
    probe(x)
    """
    x = probe(src)
    assert isinstance(x, Tensor) and x.padding is not None
    assert x.padding.side is None  # pre on one path, post on the other


def test_keras_mask_on_one_branch_only_is_not_dropped() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    if use_mask:
        x = keras.layers.Masking()(inp)
    else:
        x = inp
    y = keras.layers.GlobalMaxPooling1D()(x)
    """
    facts = facts_of(src)
    assert drops_on(facts, line_of(src, "GlobalMaxPooling1D")) == []


def test_batch_first_from_unknown_variable_is_unknown_layout() -> None:
    src = """
    import torch
    import torch.nn as nn
    bf = config.batch_first
    lstm = nn.LSTM(10, 20, batch_first=bf)
    out, _ = lstm(torch.randn(4, 9, 10))
    probe(out)
    """
    out = probe(src)
    assert isinstance(out, Tensor) and out.layout is None and out.time_axis is None


def test_batch_first_from_self_attribute_is_unknown_layout() -> None:
    src = """
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=cfg.batch_first)
        def forward(self, x):
            out, _ = self.lstm(x)
            return out[:, -1]
    """
    facts = facts_of(src)
    s = one_on(facts, facts.subscripts, line_of(src, "out[:, -1]"))
    assert s.base.layout is None and s.base.time_axis is None


def test_batch_first_from_module_constant_is_known() -> None:
    src = """
    import torch.nn as nn
    BATCH_FIRST = True
    def build(x):
        out, _ = nn.GRU(8, 16, batch_first=BATCH_FIRST)(x)
        return out[:, -1]
    """
    facts = facts_of(src)
    s = one_on(facts, facts.subscripts, 5)
    assert s.base.layout == Layout.parse("BTF")


def test_getattr_layer_is_unknown() -> None:
    src = """
    import torch
    import torch.nn as nn
    cell = getattr(nn, "LSTM")(10, 20, batch_first=True)
    out, _ = cell(torch.randn(4, 9, 10))
    probe(out)
    """
    facts = facts_of(src)
    assert probe_at(facts, 5) is None
    assert facts.layer_calls == []


def test_loop_over_unknown_iterable_makes_value_unknown() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    x = pad_sequence(seqs, batch_first=True)
    for transform in transforms:
        x = transform(x)
    probe(x)
    """
    assert _not_padded(probe(src))


def test_loop_over_unknown_layers_in_module() -> None:
    src = """
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self, blocks):
            super().__init__()
            self.blocks = blocks
        def forward(self, x, lengths):
            for block in self.blocks:
                x = block(x)
            probe(x)
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(x)")) is None


def test_rebound_import_alias_is_unknown() -> None:
    src = """
    import tensorflow as tf
    import my_backend as tf
    x = tf.keras.Input(shape=(None, 8))
    y = tf.reduce_mean(x, axis=1)
    """
    facts = facts_of(src)
    assert all(c.qualname is None for c in facts.calls)
    assert facts.reductions == []


def test_alias_reassigned_by_a_plain_assignment_is_unknown() -> None:
    src = """
    import tensorflow as tf
    import torch
    tf = make_backend()
    x = torch.randn(4, 9, 8)
    y = tf.reduce_mean(x, axis=1)
    """
    facts = facts_of(src)
    call = one_on(facts, facts.calls, 5)
    assert call.qualname is None
    assert facts.reductions == []


def test_parameter_shadowing_a_framework_module_is_unknown() -> None:
    src = """
    import torch
    import torch.nn as nn
    def build(nn):
        lstm = nn.LSTM(10, 20)
        out, _ = lstm(torch.randn(4, 9, 10))
        return out[:, -1]
    """
    facts = facts_of(src)
    call = one_on(facts, facts.calls, 4)
    assert call.qualname is None
    assert facts.layer_calls == []


def test_local_variable_named_like_module_alias_is_unknown() -> None:
    src = """
    import torch
    import torch.nn.functional as F
    x = torch.randn(4, 9, 8)
    for F in feature_sets:
        y = F.softmax(x, dim=1)
    """
    facts = facts_of(src)
    call = one_on(facts, facts.calls, 5)
    assert call.qualname is None
    assert facts.reductions == []


def test_class_named_like_a_layer_is_the_local_class() -> None:
    src = """
    import torch
    import torch.nn as nn
    from torch.nn import LSTM
    class LSTM(nn.Module):
        def forward(self, x):
            return x
    out = LSTM()(torch.randn(4, 9, 10))
    """
    facts = facts_of(src)
    assert facts.layer_calls == []


def test_unknown_axis_gives_no_reduction_axis_claim() -> None:
    src = """
    import torch
    x = torch.randn(4, 12, 8)
    y = x.mean(dim=axis)
    """
    facts = facts_of(src)
    assert all(r.axis is None for r in facts.reductions)


def test_negative_axis_with_unknown_rank_is_unknown() -> None:
    src = """
    def pool(x, lengths):
        return x.mean(-2)
    """
    facts = facts_of(src)
    assert all(r.axis is None for r in facts.reductions)


def test_view_of_data_is_unknown() -> None:
    src = """
    import torch
    x = torch.randn(4, 12, 8)
    y = x.view(4, 8, 12)
    probe(y)
    """
    assert probe(src) is None


def test_lambda_layer_function_from_elsewhere_is_unknown_but_still_drops() -> None:
    src = """
    from tensorflow import keras
    from mylib import pool_fn
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    y = keras.layers.Lambda(pool_fn)(x)
    probe(y)
    """
    facts = facts_of(src)
    assert [d.by for d in drops_on(facts, 5)] == ["`Lambda`"]
    y = probe_at(facts, 6)
    assert y is None or (isinstance(y, Tensor) and y.rank is None and y.keras_mask is None)


def test_unknown_layer_in_functional_graph_gives_unknown_mask() -> None:
    src = """
    from tensorflow import keras
    from mylib import CustomBlock
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    x = CustomBlock()(x)
    y = keras.layers.GlobalMaxPooling1D()(x)
    """
    facts = facts_of(src)
    # CustomBlock may consume the mask or not: say nothing
    assert drops_on(facts, 6) == []
    gmp = layer_call_on(facts, 6)
    assert not (isinstance(gmp.input, Tensor) and gmp.input.keras_mask is not None)


def test_rnn_on_unknown_input_knows_only_its_layout() -> None:
    src = """
    import torch.nn as nn
    lstm = nn.LSTM(10, 20, batch_first=True)
    out, _ = lstm(data)
    probe(out)
    """
    out = probe(src)
    assert isinstance(out, Tensor)
    assert out.layout == Layout.parse("BTF") and out.padding is None and out.dims is None


def test_batch_first_from_conditional_expression_is_unknown() -> None:
    src = """
    import torch
    import torch.nn as nn
    lstm = nn.LSTM(10, 20, batch_first=True if time_major is False else False)
    out, _ = lstm(torch.randn(4, 9, 10))
    probe(out)
    """
    out = probe(src)
    assert isinstance(out, Tensor) and out.layout is None


def test_star_args_shape_is_unknown() -> None:
    src = """
    import torch
    x = torch.randn(*shape)
    probe(x)
    """
    x = probe(src)
    assert x is None or (isinstance(x, Tensor) and x.dims is None and x.rank is None)
