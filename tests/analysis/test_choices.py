"""Values picked from a dict (analysis/choices.py) and HF hidden states read by position
(analysis/hf_outputs.py)."""

from __future__ import annotations

from pooling_lint.analysis.values import (
    Choice,
    ClassRef,
    Const,
    HFObject,
    Instance,
    ListOf,
    Partial,
    Side,
    Tensor,
)

from .conftest import facts_of, line_of, probe_at, reduction_on

_CLASSES = """
    import torch
    from transformers import (BertConfig, BertModel, BertTokenizer, RobertaConfig,
                              RobertaModel, RobertaTokenizer)
    MODEL_CLASSES = {
        "bert": (BertConfig, BertModel, BertTokenizer),
        "roberta": (RobertaConfig, RobertaModel, RobertaTokenizer),
    }
"""


def test_unpacked_dict_of_class_tuples_is_a_choice_of_each_position() -> None:
    src = (
        _CLASSES
        + """
    def build(model_type, name):
        config_class, model_class, tokenizer_class = MODEL_CLASSES[model_type]
        probe(model_class)
        probe(MODEL_CLASSES[model_type][2])
        probe(MODEL_CLASSES["bert"])
        tok = tokenizer_class.from_pretrained(name)
        model = model_class.from_pretrained(name)
        probe(tok)
        probe(model)
        probe(config_class.from_pretrained(name))
    """
    )
    facts = facts_of(src)
    picked = probe_at(facts, line_of(src, "probe(model_class)"))
    assert isinstance(picked, Choice)
    assert picked.options == (
        ClassRef("transformers.BertModel"),
        ClassRef("transformers.RobertaModel"),
    )
    third = probe_at(facts, line_of(src, "[model_type][2]"))
    assert isinstance(third, Choice) and len(third.options) == 2
    fixed = probe_at(facts, line_of(src, 'probe(MODEL_CLASSES["bert"])'))
    assert not isinstance(fixed, Choice)  # a constant key picks its own tuple
    tok = probe_at(facts, line_of(src, "probe(tok)"))
    assert isinstance(tok, HFObject) and tok.kind == "tokenizer"
    model = probe_at(facts, line_of(src, "probe(model)"))
    assert isinstance(model, HFObject) and model.kind == "model" and model.base
    assert model.hidden_at == 2  # both candidates put hidden_states at [2]
    assert probe_at(facts, line_of(src, "probe(config_class")) is None


def test_a_choice_with_an_unknown_candidate_is_unknown() -> None:
    src = """
    import torch
    from transformers import BertModel
    from mylib import CustomEncoder
    MODELS = {"bert": BertModel, "custom": CustomEncoder}
    def build(kind, name):
        model = MODELS[kind].from_pretrained(name)
        probe(model)
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(model)")) is None


def test_hidden_states_position_by_class() -> None:
    src = """
    import torch
    from transformers import BertModel, DistilBertModel, GPT2Model, AutoModel, BertTokenizer
    tok = BertTokenizer.from_pretrained("bert-base-uncased")
    bert = BertModel.from_pretrained("bert-base-uncased", output_hidden_states=True)
    nopool = BertModel.from_pretrained("bert-base-uncased", add_pooling_layer=False)
    distil = DistilBertModel.from_pretrained("distilbert-base-uncased")
    gpt2 = GPT2Model.from_pretrained("gpt2")
    auto = AutoModel.from_pretrained("bert-base-uncased", output_hidden_states=True)
    def run(texts, flag):
        enc = tok(texts, padding=True, return_tensors="pt")
        probe(bert(**enc)[2])
        probe(bert(**enc)[1])
        probe(bert(**enc, output_hidden_states=False)[2])
        probe(nopool(**enc, output_hidden_states=True)[1])
        probe(distil(**enc, output_hidden_states=True)[1])
        probe(gpt2(**enc, output_hidden_states=True)[2])
        probe(gpt2(**enc, output_hidden_states=True, use_cache=False)[1])
        probe(gpt2(**enc, output_hidden_states=True, use_cache=flag)[2])
        probe(auto(**enc)[2])
    """
    facts = facts_of(src)

    def at(marker: str) -> object:
        return probe_at(facts, line_of(src, marker))

    for marker in (
        "probe(bert(**enc)[2])",
        "probe(nopool(",
        "probe(distil(",
        "use_cache=False)[1]",
        "probe(gpt2(**enc, output_hidden_states=True)[2])",
    ):
        layers = at(marker)
        assert isinstance(layers, ListOf), marker
        hidden = layers.item
        assert isinstance(hidden, Tensor) and hidden.rank == 3 and hidden.padding is not None
        assert hidden.padding.side is Side.POST
    assert at("probe(bert(**enc)[1])") is None  # the pooler output: not a time axis
    assert at("output_hidden_states=False)[2]") is None
    assert at("use_cache=flag)[2]") is None  # where the cache sits is not shown
    assert at("probe(auto(**enc)[2])") is None  # the class is not known


def test_a_config_without_the_cache_moves_gpt2s_hidden_states() -> None:
    src = """
    from transformers import AutoTokenizer, GPT2Config, GPT2Model
    tok = AutoTokenizer.from_pretrained("gpt2")
    cfg = GPT2Config.from_pretrained("gpt2", use_cache=False, output_hidden_states=True)
    gpt2 = GPT2Model.from_pretrained("gpt2", config=cfg)
    def run(texts):
        enc = tok(texts, padding=True, return_tensors="pt")
        probe(gpt2(**enc)[1])
        probe(gpt2(**enc, output_attentions=True)[2])
    """
    facts = facts_of(src)
    hidden = probe_at(facts, line_of(src, "probe(gpt2(**enc)[1])"))
    assert isinstance(hidden, ListOf) and isinstance(hidden.item, Tensor)
    assert hidden.item.padding is not None
    # without the cache, [2] is the attentions: not the hidden states
    assert probe_at(facts, line_of(src, "output_attentions=True)[2]")) is None


def test_subclass_of_pretrained_model_wrapping_bert() -> None:
    src = """
    import torch
    from transformers import BertModel, BertPreTrainedModel, BertTokenizer
    class TokenVectors(BertPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            self.bert = BertModel(config)
        def forward(self, input_ids=None, attention_mask=None):
            outputs = self.bert(input_ids, attention_mask=attention_mask,
                                output_hidden_states=True)
            return outputs[2][-1]
    tok = BertTokenizer.from_pretrained("bert-base-uncased")
    model = TokenVectors.from_pretrained("bert-base-uncased")
    def embed(texts):
        enc = tok(texts, padding=True, return_tensors="pt")
        probe(model)
        vectors = model(enc["input_ids"], attention_mask=enc["attention_mask"])
        return vectors.mean(1)
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(model)")) == Instance("TokenVectors")
    red = reduction_on(facts, line_of(src, "vectors.mean(1)"))
    assert isinstance(red.operand, Tensor) and red.operand.padding is not None


def test_a_class_with_its_own_from_pretrained_is_not_assumed() -> None:
    src = """
    from transformers import BertPreTrainedModel
    class Wrapper(BertPreTrainedModel):
        @classmethod
        def from_pretrained(cls, name):
            return load(name)
    model = Wrapper.from_pretrained("x")
    probe(model)
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(model)")) is None


def test_call_through_a_dict_of_functions_applies_each_candidate() -> None:
    src = """
    import torch
    from functools import partial
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    model = AutoModel.from_pretrained("bert-base-uncased")
    def mean_tokens(vectors):
        return torch.mean(vectors, dim=1)
    def first_token(vectors):
        return vectors[:, 0]
    def pick(vectors, index):
        return vectors[:, index]
    def embed(texts, strategy):
        if type(strategy) == int:
            pool = partial(pick, index=strategy)
        else:
            pool = {"mean": mean_tokens, "first": first_token, "max": lambda x: x.max(1)[0]}[
                strategy
            ]
        probe(pool)
        enc = tok(texts, padding=True, return_tensors="pt")
        hidden = model(**enc).last_hidden_state
        return pool(hidden)
    """
    facts = facts_of(src)
    pool = probe_at(facts, line_of(src, "probe(pool)"))
    assert isinstance(pool, Choice) and len(pool.options) == 4
    assert any(isinstance(o, Partial) for o in pool.options)
    mean = reduction_on(facts, line_of(src, "torch.mean(vectors, dim=1)"))
    assert isinstance(mean.operand, Tensor) and mean.operand.padding is not None
    top = reduction_on(facts, line_of(src, "lambda x: x.max(1)[0]"))
    assert isinstance(top.operand, Tensor) and top.operand.padding is not None


def test_functions_on_two_paths_join_to_a_choice() -> None:
    src = """
    def a(x):
        return x
    def b(x):
        return x
    def run(flag, x):
        f = a if flag else b
        probe(f)
        g = a if flag else unknown_thing
        probe(g)
    """
    facts = facts_of(src)
    f = probe_at(facts, line_of(src, "probe(f)"))
    assert isinstance(f, Choice) and {o.name for o in f.options} == {"a", "b"}  # type: ignore[union-attr]
    assert probe_at(facts, line_of(src, "probe(g)")) is None


def test_module_methods_return_the_module_of_a_class_of_the_file() -> None:
    src = """
    import torch
    from torch import nn
    class Net(nn.Module):
        def forward(self, x):
            return x
    class Sub(Net):
        pass
    class Plain:
        pass
    class Own(nn.Module):
        def to(self, device):
            return None
    probe(Net().to("cuda"))
    probe(Sub().eval())
    probe(Plain().to("cuda"))
    probe(Own().to("cuda"))
    """
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, 'probe(Net().to("cuda"))')) == Instance("Net")
    assert probe_at(facts, line_of(src, "probe(Sub().eval())")) == Instance("Sub")
    assert probe_at(facts, line_of(src, "probe(Plain()")) is None  # not a torch module
    assert probe_at(facts, line_of(src, "probe(Own()")) == Const(None)  # its own `to`


def test_hidden_states_asked_for_by_the_config() -> None:
    src = """
    from transformers import BertConfig, BertModel, BertTokenizer
    tok = BertTokenizer.from_pretrained("bert-base-uncased")
    config = BertConfig.from_pretrained("bert-base-uncased", output_hidden_states=True)
    model = BertModel.from_pretrained("bert-base-uncased", config=config)
    plain = BertModel(BertConfig.from_pretrained("bert-base-uncased"))
    def run(texts):
        enc = tok(texts, padding=True, return_tensors="pt")
        probe(model(**enc)[2])
        probe(plain(**enc)[2])
        probe(config())
    """
    facts = facts_of(src)
    layers = probe_at(facts, line_of(src, "probe(model(**enc)[2])"))
    assert isinstance(layers, ListOf) and isinstance(layers.item, Tensor)
    assert layers.item.padding is not None
    assert probe_at(facts, line_of(src, "probe(plain(**enc)[2])")) is None
    assert probe_at(facts, line_of(src, "probe(config())")) is None
