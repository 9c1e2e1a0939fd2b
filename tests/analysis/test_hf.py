"""Hugging Face transformers facts: tokenizers pad, model outputs are padded like the ids."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.library import lookup
from pooling_lint.analysis.library.hf import classify
from pooling_lint.analysis.values import Encoding, HFObject, ModelOutput, Role, Side, Tensor

from .conftest import facts_of, line_of, probe_at, reduction_on

_HEAD = """
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    model = AutoModel.from_pretrained("bert-base-uncased")"""


def test_class_names_by_scheme() -> None:
    assert classify("transformers.AutoTokenizer.from_pretrained") == ("tokenizer", False)
    assert classify("transformers.BertTokenizerFast") == ("tokenizer", False)
    assert classify("transformers.TFAutoModel.from_pretrained") == ("model", True)
    assert classify("transformers.DistilBertModel") == ("model", True)
    assert classify("transformers.AutoModelForSequenceClassification") == ("model", False)
    assert classify("transformers.GPT2LMHeadModel") == ("model", False)
    assert classify("transformers.DataCollatorWithPadding") == ("collator", False)
    assert classify("transformers.PreTrainedModel") is None
    assert classify("transformers.pipeline") is None
    assert classify("torch.nn.Module") is None
    row = lookup("transformers.XLNetModel.from_pretrained")
    assert row is not None and row.name == "transformers.XLNetModel.from_pretrained"


def test_tokenizer_padding_true_pads_ids_on_the_right() -> None:
    src = (
        _HEAD
        + """
    enc = tok(texts, padding=True, return_tensors="pt")
    probe(enc["input_ids"])
    probe(enc.attention_mask)
    probe(enc)
    """
    )
    facts = facts_of(src)
    ids = probe_at(facts, line_of(src, 'probe(enc["input_ids"])'))
    assert isinstance(ids, Tensor) and ids.role == Role.TOKENS and ids.layout == Layout.parse("BT")
    assert ids.padding is not None and ids.padding.side is Side.POST
    assert facts.line(ids.padding.evidence.node) == line_of(src, "padding=True")
    assert "depends on" in ids.padding.evidence.text
    mask = probe_at(facts, line_of(src, "probe(enc.attention_mask)"))
    assert isinstance(mask, Tensor) and mask.role == Role.MASK and mask.nonzero is not None
    assert isinstance(probe_at(facts, line_of(src, "probe(enc)")), Encoding)


def test_no_padding_argument_and_one_text_pad_nothing() -> None:
    src = (
        _HEAD
        + """
    a = tok(texts, return_tensors="pt")
    b = tok("one text", padding=True, return_tensors="pt")
    c = tok("one text", padding="max_length", max_length=16, return_tensors="pt")
    probe(a["input_ids"])
    probe(b["input_ids"])
    probe(c["input_ids"])
    """
    )
    facts = facts_of(src)
    a = probe_at(facts, line_of(src, 'probe(a["input_ids"])'))
    b = probe_at(facts, line_of(src, 'probe(b["input_ids"])'))
    c = probe_at(facts, line_of(src, 'probe(c["input_ids"])'))
    assert isinstance(a, Tensor) and a.padding is None
    assert isinstance(b, Tensor) and b.padding is None
    assert isinstance(c, Tensor) and c.padding is not None  # max_length pads one text too


def test_padding_side_left_by_attribute_and_by_argument() -> None:
    src = (
        _HEAD
        + """
    tok.padding_side = "left"
    left = AutoTokenizer.from_pretrained("gpt2", padding_side="left")
    probe(tok(texts, padding=True)["input_ids"])
    probe(left(texts, padding="longest")["input_ids"])
    """
    )
    facts = facts_of(src)
    for marker in ("probe(tok(", "probe(left("):
        ids = probe_at(facts, line_of(src, marker))
        assert isinstance(ids, Tensor) and ids.padding is not None
        assert ids.padding.side is Side.PRE


def test_model_outputs_are_padded_like_the_ids() -> None:
    src = (
        _HEAD
        + """
    enc = tok(texts, padding=True, return_tensors="pt")
    out = model(**enc)
    out.last_hidden_state.mean(1)
    out[0].sum(1)
    out.hidden_states[-2].max(1)
    model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])[0].mean(1)
    """
    )
    facts = facts_of(src)
    for marker in ("last_hidden_state.mean", "out[0].sum", "hidden_states[-2]", "model(input_ids"):
        r = reduction_on(facts, line_of(src, marker))
        assert r.operand.layout == Layout.parse("BTF") and r.axis == 1
        assert r.operand.padding is not None
        assert facts.line(r.operand.padding.evidence.node) == line_of(src, "padding=True")


def test_head_model_item_zero_is_not_the_hidden_state() -> None:
    src = """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    clf = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
    out = clf(**tok(texts, padding=True, return_tensors="pt"))
    probe(out[0])
    probe(out.hidden_states[-1])
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(out[0])")) is None  # the logits: not modelled
    hidden = probe_at(facts, line_of(src, "probe(out.hidden_states"))
    assert isinstance(hidden, Tensor) and hidden.padding is not None


def test_attention_mask_given_to_a_model_is_evidence_of_unknown_side() -> None:
    src = """
    from torch import nn
    from transformers import XLNetModel
    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = XLNetModel.from_pretrained("xlnet-base-cased").eval()
        def forward(self, input_ids, attention_mask):
            h = self.transformer(input_ids=input_ids, attention_mask=attention_mask)
            return h.last_hidden_state.mean(dim=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "mean(dim=1)"))
    assert r.operand.padding is not None and r.operand.padding.side is None
    assert facts.line(r.operand.padding.evidence.node) == line_of(src, "self.transformer(")


def test_model_without_mask_or_padded_ids_is_unpadded() -> None:
    src = (
        _HEAD
        + """
    out = model(input_ids=ids)
    out.last_hidden_state.mean(1)
    """
    )
    facts = facts_of(src)
    assert reduction_on(facts, line_of(src, "mean(1)")).operand.padding is None


def test_unknown_tokenizer_by_keywords_and_moved_encoding() -> None:
    src = """
    import torch
    def embed(texts, model, tokenizer):
        inputs = tokenizer(texts, return_tensors="pt", padding=True, truncation=True)
        inputs = {k: v.to(model.device) for k, v in inputs.items()}
        out = model(**inputs, output_hidden_states=True)
        return out.hidden_states[-2].mean(dim=1)
    """
    facts = facts_of(src)
    r = reduction_on(facts, line_of(src, "mean(dim=1)"))
    assert r.operand.padding is not None and r.operand.padding.side is None


def test_collator_in_a_data_loader_yields_padded_batches() -> None:
    src = (
        _HEAD
        + """
    from torch.utils.data import DataLoader
    from transformers import DataCollatorWithPadding
    loader = DataLoader(ds, batch_size=8, collate_fn=DataCollatorWithPadding(tok))
    for batch in loader:
        probe(batch["input_ids"])
    """
    )
    facts = facts_of(src)
    ids = probe_at(facts, line_of(src, 'probe(batch["input_ids"])'))
    assert isinstance(ids, Tensor) and ids.padding is not None
    assert ids.padding.side is Side.POST


def test_mask_sum_over_time_is_nonzero_over_batch_not() -> None:
    src = (
        _HEAD
        + """
    enc = tok(texts, padding=True, return_tensors="pt")
    m = enc["attention_mask"]
    probe(m.sum(1))
    probe(m.sum(0))
    """
    )
    facts = facts_of(src)
    over_time = probe_at(facts, line_of(src, "probe(m.sum(1))"))
    over_batch = probe_at(facts, line_of(src, "probe(m.sum(0))"))
    assert isinstance(over_time, Tensor) and over_time.nonzero is not None
    assert isinstance(over_batch, Tensor) and over_batch.nonzero is None


def test_objects_are_modelled() -> None:
    src = (
        _HEAD
        + """
    probe(tok)
    probe(model.to("cuda"))
    probe(model(**tok(texts, padding=True)))
    """
    )
    facts = facts_of(src)
    tok = probe_at(facts, line_of(src, "probe(tok)"))
    assert isinstance(tok, HFObject) and tok.kind == "tokenizer" and tok.side is None
    moved = probe_at(facts, line_of(src, 'probe(model.to("cuda"))'))
    assert isinstance(moved, HFObject) and moved.kind == "model" and moved.base
    assert isinstance(probe_at(facts, line_of(src, "probe(model(**")), ModelOutput)


def test_padding_side_on_self_and_unknown_sides() -> None:
    src = """
    from transformers import AutoTokenizer
    class Embedder:
        def __init__(self, side):
            self.tok = AutoTokenizer.from_pretrained("gpt2")
            self.tok.padding_side = "left"
            self.other = AutoTokenizer.from_pretrained("gpt2", padding_side=side)
        def run(self, texts):
            probe(self.tok(texts, padding=True)["input_ids"])
            probe(self.other(texts, padding=True)["input_ids"])
    """
    facts = facts_of(src)
    left = probe_at(facts, line_of(src, "probe(self.tok("))
    assert isinstance(left, Tensor) and left.padding is not None
    assert left.padding.side is Side.PRE
    unknown = probe_at(facts, line_of(src, "probe(self.other("))
    assert isinstance(unknown, Tensor) and unknown.padding is not None
    assert unknown.padding.side is None  # a side the file does not show


def test_padding_side_set_outside_init_is_unknown() -> None:
    src = """
    from transformers import AutoTokenizer
    class Embedder:
        def __init__(self):
            self.tok = AutoTokenizer.from_pretrained("gpt2")
        def for_generation(self):
            self.tok.padding_side = "left"
        def run(self, texts):
            probe(self.tok(texts, padding=True)["input_ids"])
    """
    facts = facts_of(src)
    ids = probe_at(facts, line_of(src, "probe(self.tok("))
    assert isinstance(ids, Tensor) and ids.padding is not None and ids.padding.side is None
