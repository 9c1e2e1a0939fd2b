"""Rows for Hugging Face ``transformers``: tokenizers, models and the padding collator.

``transformers`` has hundreds of tokenizer and model classes, all following one naming
scheme, so besides the fixed rows (which are also the triage triggers) :func:`row` makes the
row of any ``transformers.<Class>`` or ``transformers.<Class>.from_pretrained`` name from
the class name:

* ``...Tokenizer`` / ``...TokenizerFast`` (``AutoTokenizer``, ``BertTokenizerFast``): a
  tokenizer. Called with ``padding=True | "longest" | "max_length"`` (or the older
  ``pad_to_max_length=True``) on a batch of texts it pads the ids and returns an
  ``attention_mask``; the default is ``padding=False`` (nothing padded). It pads on the right
  unless ``padding_side="left"`` is set (an attribute, or a ``from_pretrained`` argument).
* ``...Model`` with no ``For`` (``AutoModel``, ``TFAutoModel``, ``BertModel``): a base model;
  its output's ``last_hidden_state`` (also ``[0]``) is ``(batch, time, hidden)``.
* ``...ModelFor...`` / ``...LMHeadModel``: a model with a head; its ``hidden_states`` are
  ``(batch, time, hidden)``, its ``[0]`` is the head's output (logits).
* ``DataCollatorWithPadding``: pads each batch to its longest (``padding=True`` default).
"""

from __future__ import annotations

import re

from pooling_lint.analysis.library.spec import ApiSpec, CallModel, Family

#: Words that show a Hugging Face padding flow (added to the padding-evidence triggers):
#: ``tokenizer(texts, padding=True, return_tensors="pt")`` needs no ``transformers`` import
#: when the tokenizer is a parameter.
HF_WORDS = frozenset(
    {"return_tensors", "pad_to_max_length", "padding_side", "last_hidden_state", "hidden_states"}
)

_TOKENIZER = re.compile(r"^(TF|Flax)?[A-Za-z0-9]*Tokenizer(Fast)?$")
_BASE_MODEL = re.compile(r"^(TF|Flax)?[A-Za-z0-9]*Model$")
_HEAD_MODEL = re.compile(r"^(TF|Flax)?[A-Za-z0-9]*(ModelFor[A-Za-z]+|LMHeadModel)$")
_NOT_MODELS = frozenset({"PreTrainedModel", "TFPreTrainedModel", "FlaxPreTrainedModel"})

COLLATOR = "transformers.DataCollatorWithPadding"


def classify(name: str) -> tuple[str, bool] | None:
    """``("tokenizer" | "model" | "collator", base)`` for a ``transformers`` class name (the
    canonical name, ``.from_pretrained`` allowed), or None when it is none of those."""
    if not name.startswith("transformers."):
        return None
    parts = name.split(".")
    if parts[-1] == "from_pretrained":
        parts = parts[:-1]
    cls = parts[-1]
    if ".".join(parts) == COLLATOR:
        return ("collator", False)
    if _TOKENIZER.match(cls) and not cls.startswith("PreTrained"):
        return ("tokenizer", False)
    if cls in _NOT_MODELS:
        return None
    if _HEAD_MODEL.match(cls):
        return ("model", False)
    if _BASE_MODEL.match(cls):
        return ("model", True)
    return None


def _spec(name: str, kind: str) -> ApiSpec:
    family = Family.MODEL if kind == "model" else Family.PADDING_SOURCE
    return ApiSpec(name, family, CallModel.HF)


#: The fixed rows: the entry points the triggers name.
ROWS: tuple[ApiSpec, ...] = (
    _spec("transformers.AutoTokenizer.from_pretrained", "tokenizer"),
    _spec(COLLATOR, "collator"),
    _spec("transformers.AutoModel.from_pretrained", "model"),
)


def row(name: str) -> ApiSpec | None:
    """The row of a ``transformers`` tokenizer, model or collator name the table does not
    list (one row per class name scheme)."""
    kind = classify(name)
    return _spec(name, kind[0]) if kind is not None else None
