"""The table of framework APIs: one row per canonical name, handlers picked from it, and the
rules' triage triggers derived from it."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.library import (
    ApiSpec,
    ApplyModel,
    CallModel,
    Family,
    Framework,
    MaskEffect,
)
from pooling_lint.analysis.names import canonical
from pooling_lint.rules import all_rules, rule_by_code

from .conftest import facts_of, line_of, reduction_on


def test_every_row_is_a_canonical_name_with_a_handler() -> None:
    from pooling_lint.analysis.keras_layers import KERAS_APPLIES
    from pooling_lint.analysis.layers import _TORCH_HANDLERS
    from pooling_lint.analysis.library_calls import _HANDLERS

    assert set(_HANDLERS) == set(CallModel)  # every call model has its handler
    for name, row in lib.TABLE.items():
        assert row.name == name
        assert canonical(name) == name, f"{name} is not the canonical spelling"
        if row.apply is not None:
            assert row.apply in KERAS_APPLIES or row.apply in _TORCH_HANDLERS, name
        if row.family in (Family.REDUCTION, Family.POOLING):
            assert row.op in ("mean", "sum", "max", "min", "softmax", "logsumexp"), name


def test_keras_layers_say_what_they_do_to_the_mask() -> None:
    keras_rows = [r for r in lib.TABLE.values() if r.name.startswith("keras.layers.")]
    assert keras_rows and all(r.mask is not MaskEffect.NONE for r in keras_rows)
    effects = {r.short: r.mask for r in keras_rows}
    assert effects["Masking"] is MaskEffect.MAKES
    assert effects["LSTM"] is effects["GlobalAveragePooling1D"] is MaskEffect.CONSUMES
    assert effects["Dense"] is effects["Dropout"] is MaskEffect.PROPAGATES
    assert effects["GlobalMaxPooling1D"] is effects["Flatten"] is MaskEffect.DROPS
    assert lib.KERAS_MASK_DROPPING == {
        f"keras.layers.{n}"
        for n in (
            "Flatten", "Conv1D", "GlobalMaxPooling1D", "GlobalMaxPool1D", "AveragePooling1D",
            "AvgPool1D", "MaxPooling1D", "MaxPool1D", "Lambda", "Reshape", "Permute",
        )
    }


def test_a_name_in_two_groups_takes_the_first() -> None:
    # numpy.array builds from a literal before it counts as an identity function
    row = lib.lookup("numpy.array")
    assert row is not None and row.call is CallModel.LITERAL
    assert lib.lookup("torch.nn.functional.max_pool1d") == ApiSpec(
        "torch.nn.functional.max_pool1d", Family.POOLING, CallModel.POOL_FUNCTION, op="max",
        window=True,
    )
    assert lib.lookup("not.an.api") is None and lib.lookup(None) is None


def test_framework_of_a_row() -> None:
    assert lib.TABLE["torch.nn.LSTM"].framework is Framework.TORCH
    assert lib.TABLE["keras.layers.LSTM"].framework is Framework.KERAS
    assert lib.TABLE["tensorflow.reduce_mean"].framework is Framework.TENSORFLOW


#: The triggers each rule had before they were derived from the table; the derived sets
#: may only add names (PLG101 gained `nanmean`, the table's other mean; the TF1 rows of
#: library/tf1.py added `sign`, a mask of token ids, and the bidirectional RNN functions).
BEFORE = {
    "PLG101": {
        "AdaptiveAvgPool1d", "AveragePooling1D", "AvgPool1D", "AvgPool1d",
        "GlobalAveragePooling1D", "GlobalAvgPool1D", "adaptive_avg_pool1d", "avg_pool1d",
        "mean", "reduce_mean",
    },
    "PLG102": {"Masking", "arange", "lengths_to_mask", "mask_zero", "sequence_mask"},
    "PLG104": {
        "AdaptiveMaxPool1d", "GlobalMaxPool1D", "GlobalMaxPooling1D", "MaxPool1D", "MaxPool1d",
        "MaxPooling1D", "adaptive_max_pool1d", "amax", "amin", "max", "max_pool1d", "min",
        "reduce_max", "reduce_min",
    },
    "PLG105": {
        "MultiheadAttention", "Softmax", "TransformerEncoder", "TransformerEncoderLayer",
        "log_softmax", "softmax",
    },
    "PLG201": {
        "AveragePooling1D", "AvgPool1D", "AvgPool1d", "MaxPool1D", "MaxPool1d", "MaxPooling1D",
        "avg_pool1d", "max_pool1d",
    },
    "PLG202": {"reshape", "reshape_as", "view", "view_as"},
    "PLG203": {"GRU", "LSTM", "RNN", "pad_packed_sequence", "pad_sequence"},
    "PLG204": {"Bidirectional", "bidirectional"},
    "PLG205": {
        "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "Conv1d", "GRU", "Input", "LSTM",
        "Linear", "MaxPool1d", "Model", "RNN", "Sequential", "input_shape",
    },
    "PLG303": {"pack_padded_sequence"},
    "PLG304": {"Input"},
}


@pytest.mark.parametrize("code", sorted(BEFORE))
def test_derived_triggers_keep_every_trigger(code: str) -> None:
    rule = rule_by_code(code)
    assert rule is not None
    assert BEFORE[code] <= rule.triggers
    assert rule.triggers - BEFORE[code] == GAINED.get(code, set())


#: What a rule's triggers gained since (issue #13): PLG101 the table's other mean and the sums
#: (a sum over time divided by the wrong axis' size); PLG102 `sign` (TF1 masks made from the
#: ids); PLG203 the torch attention layers, time-first by default like the RNNs, and the RNN
#: cells (a list of their per-step outputs stacks time first); PLG204 the TF1
#: bidirectional RNN functions; PLG205 the window pools (a window longer than its input).
GAINED = {
    "PLG101": {"nanmean", "sum", "nansum", "reduce_sum"},
    "PLG102": {"sign"},
    "PLG203": {
        "MultiheadAttention",
        "TransformerEncoder",
        "TransformerEncoderLayer",
        # RNN cells: a reduction over a list of their per-step outputs
        "GRUCell",
        "LSTMCell",
        "RNNCell",
        "SimpleRNNCell",
    },
    "PLG204": {
        "bidirectional_dynamic_rnn", "bidirectional_rnn", "stack_bidirectional_dynamic_rnn",
        "stack_bidirectional_rnn", "static_bidirectional_rnn",
    },
    "PLG205": {"AveragePooling1D", "AvgPool1D", "MaxPool1D", "MaxPooling1D"},
}


def test_padding_evidence_comes_from_the_table() -> None:
    for name in ("pad_sequences", "pad_sequence", "pad_packed_sequence", "Masking",
                 "sequence_mask", "pack_padded_sequence", "mask_zero", "padding_idx",
                 "lengths", "mask"):
        assert name in lib.PADDING_EVIDENCE
    assert "Embedding" not in lib.PADDING_EVIDENCE  # it pads only with mask_zero/padding_idx


def test_adding_a_row_adds_the_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding an API is adding a row: the rule that reads its family triggers on it."""
    row = ApiSpec("tensorflow.math.unsorted_mean", Family.REDUCTION, CallModel.REDUCE, op="mean")
    monkeypatch.setitem(lib.TABLE, row.name, row)
    derived = lib.names(
        lambda api: api.family in (Family.REDUCTION, Family.POOLING) and api.op == "mean"
    )
    assert "unsorted_mean" in derived
    assert "unsorted_mean" not in rule_by_code("PLG101").triggers  # type: ignore[union-attr]


def test_a_new_row_is_modelled_by_its_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    row = dataclasses.replace(lib.TABLE["torch.mean"], name="torch.special_mean")
    monkeypatch.setitem(lib.TABLE, row.name, row)
    src = textwrap.dedent(
        """
        import torch
        h = torch.randn(4, 12, 8)
        r = torch.special_mean(h, dim=1)
        """
    )
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "special_mean"))
    assert (r.op, r.axis, r.api) == ("mean", 1, "`torch.special_mean`")


def test_unlisted_layer_classes_are_still_layers() -> None:
    src = """
    from tensorflow import keras
    inp = keras.Input(shape=(None, 8))
    x = keras.layers.Masking()(inp)
    y = keras.layers.SomethingNew(3)(x)
    """
    facts = facts_of(src)
    (lc,) = [c for c in facts.layer_calls if c.layer.qualname == "keras.layers.SomethingNew"]
    assert lc.layer.qualname not in lib.TABLE and lib.is_layer_name(lc.layer.qualname)
    assert facts.mask_drops == []  # what an unlisted layer does to the mask is unknown


def test_every_rule_declares_triggers() -> None:
    for rule in all_rules():
        assert rule.triggers, rule.code
    assert ApplyModel.KERAS_OTHER not in {r.apply for r in lib.TABLE.values() if r.mask is
                                          MaskEffect.CONSUMES}
