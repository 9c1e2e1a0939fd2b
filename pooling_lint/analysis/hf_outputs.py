"""Hugging Face model outputs read by position: where ``hidden_states`` sits in the tuple.

A ``ModelOutput`` indexed with an int is its ``to_tuple()``, which keeps only the fields that
are not None, in their declared order (``return_dict=False`` returns the same tuple). So
``out[k]`` names a field only when the file shows which fields are there:

* the encoders with a pooler (``BertModel``, ``RobertaModel``, ``AlbertModel``, ...) return
  ``(last_hidden_state, pooler_output, hidden_states, past_key_values, ...)``; the pooler is
  there unless ``add_pooling_layer=False``; ``past_key_values`` only for a decoder
  (``config.is_decoder``, False in these configs' defaults; a decoder is left unknown to be
  safe); ``hidden_states`` only when
  ``output_hidden_states=True`` is given to the call, or to ``from_pretrained`` (it sets the
  config). So ``out[2]`` is ``hidden_states`` (``out[1]`` without the pooler);
* the encoders without a pooler (``DistilBertModel``, ``DebertaModel``, ``DebertaV2Model``,
  ``ElectraModel``) return ``(last_hidden_state, hidden_states, ...)``: ``out[1]``;
* ``GPT2Model`` returns ``(last_hidden_state, past_key_values, hidden_states, ...)``, with
  ``past_key_values`` when ``use_cache`` is on (the config's default, True; a
  ``use_cache=False`` given to the call, to ``from_pretrained`` or to the config the file
  builds drops it): ``out[2]``, or ``out[1]`` with ``use_cache=False``.

Each ``hidden_states[i]`` is ``(batch, time, hidden)``, padded like the ids. For any other
class, a position the file does not fix (``add_pooling_layer=flag``, ``**kwargs``), or
hidden states not asked for, ``out[k]`` stays unknown. The values hold config defaults, as
the padding side holds the tokenizer's default.
"""

from __future__ import annotations

import re

from pooling_lint.analysis.arguments import const
from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.values import Encoding, HFObject, ListOf, ModelOutput, Value

#: base model class (without a TF/Flax prefix) -> the output fields before ``hidden_states``
_POOLED = frozenset(
    {"Bert", "Roberta", "XLMRoberta", "Camembert", "Albert", "MPNet", "Ernie"}
)
_UNPOOLED = frozenset({"DistilBert", "Deberta", "DebertaV2", "Electra"})
_CACHED = frozenset({"GPT2"})
_CLASS = re.compile(r"^(?:TF|Flax)?([A-Za-z0-9]+)Model$")


def _family(qualname: str) -> str | None:
    m = _CLASS.match(qualname.rsplit(".", 1)[-1])
    return m.group(1) if m else None


def _flag(fact: CallFact, name: str) -> bool | None | str:
    """A keyword's literal bool; "absent" when not given; None when not literal."""
    if not fact.has_kwarg(name):
        return "absent"
    value = const(fact.kwarg(name))
    return value if isinstance(value, bool) else None


def _unknown_kwargs(fact: CallFact) -> bool:
    """A ``**kwargs`` that is not a tokenizer's encoding may hold any keyword."""
    return any(not isinstance(v, Encoding) for v in fact.star_kwargs)


_CONFIG = re.compile(r"^[A-Za-z0-9]*Config$")


def is_config(qualname: str) -> bool:
    """``transformers.BertConfig``, ``transformers.AutoConfig.from_pretrained``, ..."""
    parts = qualname.removesuffix(".from_pretrained").split(".")
    return parts[0] == "transformers" and _CONFIG.match(parts[-1]) is not None


def config_call(fact: CallFact, qualname: str) -> Value:
    """``BertConfig.from_pretrained(name, output_hidden_states=True)``: a config that asks
    for the hidden states (a model built with it returns them); None for anything else."""
    if not is_config(qualname) or _unknown_kwargs(fact):
        return None
    asked = _flag(fact, "output_hidden_states")
    if not isinstance(asked, bool):
        return None
    cls = qualname.removesuffix(".from_pretrained")
    cache = _flag(fact, "use_cache")
    return HFObject("config", cls, node=fact.node, hidden_on=asked, use_cache=cache)


def _config_of(fact: CallFact) -> HFObject | None:
    """The config a model is built with (``config=`` or first), when the file makes it."""
    given = fact.kwarg("config")
    if given is None and fact.args:
        given = fact.args[0]
    return given if isinstance(given, HFObject) and given.kind == "config" else None


def _config_given(fact: CallFact) -> bool | None:
    """The hidden-states flag of the config a model is built with (``config=`` or first)."""
    config = _config_of(fact)
    return config.hidden_on if config is not None else None


def constructed(qualname: str, fact: CallFact) -> tuple[int | None, bool | None]:
    """For ``BertModel(config)`` / ``BertModel.from_pretrained(name, ...)``: the position of
    ``hidden_states`` in its outputs (before the call's own keywords), and whether the
    construction asked for hidden states (True, False, or None: not said), by a keyword or
    by the config it is given."""
    asked = _flag(fact, "output_hidden_states")
    hidden_on = asked if isinstance(asked, bool) else None
    if asked == "absent":
        hidden_on = _config_given(fact)
    family = _family(qualname)
    if _unknown_kwargs(fact):
        return None, None
    if family is None or _flag(fact, "is_decoder") not in ("absent", False):
        return None, hidden_on  # a decoder may return its cache before the hidden states
    if family in _POOLED:
        pooler = _flag(fact, "add_pooling_layer")
        if pooler is None:
            return None, hidden_on
        return (1 if pooler is False else 2), hidden_on
    if family in _UNPOOLED:
        return 1, hidden_on
    if family in _CACHED:
        cache = _flag(fact, "use_cache")
        config = _config_of(fact)
        if cache == "absent" and config is not None:
            cache = config.use_cache  # `GPT2Config(..., use_cache=False)` given to the model
        if cache is None:
            return None, hidden_on
        return (1 if cache is False else 2), hidden_on
    return None, hidden_on


def called(out: Value, obj: HFObject, fact: CallFact) -> Value:
    """The output of calling ``obj``: where its ``hidden_states`` are, when they are there."""
    if not isinstance(out, ModelOutput) or obj.hidden_at is None:
        return out
    if _unknown_kwargs(fact):
        return out
    asked = _flag(fact, "output_hidden_states")
    on = obj.hidden_on is True if asked == "absent" else asked is True
    if not on:
        return out
    at: int | None = obj.hidden_at
    if _family(obj.qualname) in _CACHED:
        cache = _flag(fact, "use_cache")
        if cache is None:
            return out
        if cache is False:
            at = 1
        elif cache is True:
            at = 2
    return ModelOutput(out.hidden, out.base, at)


def item(out: ModelOutput, index: int) -> Value:
    """``out[k]`` at the position of ``hidden_states``: every layer's ``(batch, time,
    hidden)`` output, padded like the ids."""
    if out.hidden_at is not None and index == out.hidden_at:
        return ListOf(out.hidden)
    return None
