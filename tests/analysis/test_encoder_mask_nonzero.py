"""A parameter given, unchanged, as a Hugging Face model's ``attention_mask`` is a tokenizer's
mask: its sum over time is nonzero (analysis/lengths.py ``encoder_mask``). Masks the file shows
computed, or never given to a Hugging Face model, stay unknown."""

from __future__ import annotations

import pytest

from pooling_lint.analysis.values import HFObject, SelfRefs, Tensor

from .conftest import ev_line, facts_of, line_of, probe, probe_at

HEAD = """
import torch
from torch import nn
from transformers import AutoModel

bert = AutoModel.from_pretrained("bert-base-uncased")
"""


def _sum(body: str) -> Tensor:
    value = probe(HEAD + body)
    assert isinstance(value, Tensor) and value.role == "lengths"
    return value


def _unknown(body: str) -> bool:
    """The probed value is not known nonzero (a computed mask may also be unknown)."""
    value = probe(HEAD + body)
    return not (isinstance(value, Tensor) and value.nonzero is not None)


def test_a_parameter_given_to_the_model_is_nonzero_afterwards() -> None:
    src = HEAD + """
def embed(input_ids, attention_mask):
    out = bert(input_ids=input_ids, attention_mask=attention_mask)
    probe(attention_mask.sum(1))
"""
    facts = facts_of(src)
    value = probe_at(facts, line_of(src, "probe("))
    assert isinstance(value, Tensor) and value.nonzero is not None
    assert ev_line(facts, value.nonzero) == line_of(src, "out = bert(")


@pytest.mark.parametrize(
    "given",
    ["attention_mask", "attention_mask.to(ids.device)", "attention_mask.long()"],
)
def test_moved_or_cast_at_the_call_it_is_still_the_parameter(given: str) -> None:
    value = _sum(f"""
def embed(ids, attention_mask):
    out = bert(ids, attention_mask={given})
    probe(attention_mask.sum(-1))
""")
    assert value.nonzero is not None


def test_reshaped_first_then_given() -> None:
    value = _sum("""
def embed(ids, attention_mask):
    ids = ids.view(-1, ids.size(-1))
    attention_mask = attention_mask.view(-1, attention_mask.size(-1))
    out = bert(ids, attention_mask=attention_mask)
    probe(attention_mask.sum(-1))
""")
    assert value.nonzero is not None


def test_before_the_model_call_it_may_be_zero() -> None:
    value = _sum("""
def embed(ids, attention_mask):
    probe(attention_mask.sum(1))
    out = bert(ids, attention_mask=attention_mask)
""")
    assert value.nonzero is None


@pytest.mark.parametrize(
    "built",
    [
        "attention_mask = (ids != 0).long()",
        "attention_mask = attention_mask * (ids != 102).long()",
        "attention_mask = keep",
    ],
)
def test_a_mask_computed_in_the_function_is_not_a_fact(built: str) -> None:
    assert _unknown(f"""
def embed(ids, attention_mask, keep):
    {built}
    out = bert(ids, attention_mask=attention_mask)
    probe(attention_mask.sum(1))
""")


def test_a_mask_computed_under_another_name_is_not_a_fact() -> None:
    assert _unknown("""
def embed(input_ids):
    ids = input_ids.view(-1, input_ids.size(-1))
    mask = (ids != 0).long()
    out = bert(ids, attention_mask=mask)
    probe(mask.sum(1))
""")


def test_given_to_a_callable_that_is_not_a_model_is_not_a_fact() -> None:
    value = _sum("""
def embed(encoder, ids, attention_mask):
    out = encoder(ids, attention_mask=attention_mask)
    probe(attention_mask.sum(1))
""")
    assert value.nonzero is None


def test_given_on_one_branch_only_is_not_a_fact() -> None:
    value = _sum("""
def embed(ids, attention_mask, fast):
    if fast:
        out = bert(ids, attention_mask=attention_mask)
    probe(attention_mask.sum(1))
""")
    assert value.nonzero is None


def test_a_sum_over_the_batch_is_not_a_length() -> None:
    assert _unknown("""
def embed(ids, attention_mask):
    out = bert(ids, attention_mask=attention_mask)
    probe(attention_mask.sum(0))
""")


POOLER = HEAD + """
class MeanPool(nn.Module):
    def forward(self, mask, out):
        probe(mask.sum(1))
        return (out.last_hidden_state * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)


class Embedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = AutoModel.from_pretrained("bert-base-uncased")
        self.pool = MeanPool()

    def forward(self, input_ids, attention_mask):
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        return self.pool(attention_mask, out)
"""


def test_the_fact_reaches_the_module_the_mask_is_passed_to() -> None:
    value = probe(POOLER)
    assert isinstance(value, Tensor) and value.nonzero is not None


def test_a_mask_the_caller_built_does_not_become_nonzero_in_the_callee() -> None:
    src = HEAD + """
def encode(ids, mask):
    out = bert(ids, attention_mask=mask)
    probe(mask.sum(1))
    return out

def run(batch):
    ids = batch["input_ids"]
    return encode(ids, (ids != 0).long())
"""
    value = probe(src)
    assert isinstance(value, Tensor) and value.nonzero is None


SHARED = """
import torch
from torch import nn
from transformers import BertModel, RobertaModel


class Pool(nn.Module):
    def forward(self, mask, out):
        probe(mask.sum(1))
        return out


def setup(owner):
    owner.pool = Pool()


def encode(owner, encoder, ids, mask):
    probe_self(owner)
    probe_encoder(encoder)
    out = encoder(ids, attention_mask=mask)
    return owner.pool(mask, out)


class A(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.bert = BertModel(config)
        setup(self)

    def forward(self, ids, mask):
        return encode(self, self.bert, ids, mask)


class B(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.roberta = RobertaModel(config)
        setup(self)

    def forward(self, ids, mask):
        return encode(self, self.roberta, ids, mask)
"""


def test_self_of_two_classes_and_two_models_across_call_sites() -> None:
    facts = facts_of(SHARED)
    owner = probe_at(facts, line_of(SHARED, "probe_self("), "probe_self")
    assert owner == SelfRefs(("A", "B"))
    encoder = probe_at(facts, line_of(SHARED, "probe_encoder("), "probe_encoder")
    assert isinstance(encoder, HFObject) and encoder.kind == "model" and encoder.base
    # `owner.pool` is a Pool in both classes: its forward gets the mask given to the model
    value = probe_at(facts, line_of(SHARED, "probe(mask"))
    assert isinstance(value, Tensor) and value.nonzero is not None


def test_a_mask_built_two_calls_up_does_not_become_nonzero() -> None:
    src = HEAD + """
def encode(ids, mask):
    out = bert(ids, attention_mask=mask)
    probe(mask.sum(1))
    return out

def forward(ids, mask):
    return encode(ids, mask)

def run(ids, lengths):
    steps = torch.arange(ids.size(1))
    return forward(ids, steps[None, :] < lengths[:, None])
"""
    value = probe(src)
    assert isinstance(value, Tensor) and value.nonzero is None


def test_a_parameter_passed_down_from_an_entry_point_keeps_the_fact() -> None:
    src = HEAD + """
def encode(ids, mask):
    out = bert(ids, attention_mask=mask)
    probe(mask.sum(1))
    return out

def forward(ids, mask):
    return encode(ids, mask)
"""
    value = probe(src)
    assert isinstance(value, Tensor) and value.nonzero is not None


def test_a_layer_the_classes_build_differently_is_unknown_through_either_self() -> None:
    src = """
import torch
from torch import nn


def setup(owner, batch_first):
    probe_rnn(owner.rnn)


class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16, batch_first=True)
        setup(self, True)


class B(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16)
        setup(self, False)
"""
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe_rnn("), "probe_rnn") is None
