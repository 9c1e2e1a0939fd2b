"""Hugging Face ``transformers``: tokenizers pad, models return outputs padded like the ids.

The rows are in :mod:`pooling_lint.analysis.library.hf`; this module is their handlers:

* ``AutoTokenizer.from_pretrained(...)`` (any tokenizer class) is a tokenizer; its padding
  side is the ``padding_side=`` argument or a later ``tok.padding_side = "left"``, else the
  default (right: assumed, and the message says it depends on the side).
* ``tok(texts, padding=True | "longest" | "max_length")`` (also ``pad_to_max_length=True``,
  ``batch_encode_plus``, ``tok.pad(...)``) returns an :class:`Encoding` whose ids and
  ``attention_mask`` are padded. Nothing is padded without a ``padding`` argument (the
  default is ``False``), nor for one literal text unless it is padded to ``max_length``,
  nor (``padding=True`` / ``"longest"``) for a value that is one text wherever it comes
  from (analysis/texts.py: a ``str`` parameter, every call site passing one ``str``).
  An unknown callable given ``return_tensors=`` and ``padding=`` is a tokenizer call too
  (the tokenizer is often a parameter); its padding side is then unknown.
* ``DataCollatorWithPadding(tok)`` pads every batch it makes; a ``DataLoader`` with it as
  ``collate_fn`` yields padded encodings.
* a model called with an encoding (``model(**batch)``, TF ``model(batch)``), with
  ``input_ids=`` or with an ``attention_mask=`` returns a :class:`ModelOutput`:
  ``last_hidden_state``, ``hidden_states[k]`` and a base model's ``[0]`` are
  ``(batch, time, hidden)``, padded like the ids. A model is given an ``attention_mask``
  only to hide padding, so that alone is evidence of padding (side unknown).

The ``attention_mask`` of a tokenizer has a 1 at every text's first real token, so its sum
over time is never zero (``nonzero``).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis import hf_outputs
from pooling_lint.analysis.arguments import const
from pooling_lint.analysis.facts import CallFact
from pooling_lint.analysis.layout import BT, BTF
from pooling_lint.analysis.lengths import encoder_mask
from pooling_lint.analysis.library import hf as hf_lib
from pooling_lint.analysis.polarity import hf_attention_mask
from pooling_lint.analysis.scopes import initializes
from pooling_lint.analysis.texts import first_text, single_text, sites_of
from pooling_lint.analysis.values import (
    Encoding,
    Evidence,
    HFObject,
    ListOf,
    Marks,
    ModelOutput,
    Padding,
    Role,
    SelfRef,
    Side,
    Tensor,
    Value,
    same,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

_PADS = (True, "longest", "max_length")
_TENSOR_KINDS = ("pt", "tf", "np", "jax", "mlx")
#: methods of a model (torch ``nn.Module``, Keras ``Model``) that return the model itself
_MODEL_SAME = frozenset(
    {
        "eval",
        "train",
        "to",
        "cuda",
        "cpu",
        "float",
        "half",
        "double",
        "bfloat16",
        "requires_grad_",
        "share_memory",
    }
)
#: methods of a ``BatchEncoding`` that return it (moved to a device)
_ENCODING_SAME = frozenset({"to", "cuda", "cpu"})


# ------------------------------------------------------------------ constructors
def library_call(it: Interpreter, fact: CallFact, name: str) -> Value:
    """``AutoTokenizer.from_pretrained(...)``, ``BertModel(config)``,
    ``DataCollatorWithPadding(tok)``."""
    kind = hf_lib.classify(name)
    if kind is None:
        return None
    what, base = kind
    cls = name.removesuffix(".from_pretrained")
    if what == "tokenizer":
        given = fact.has_kwarg("padding_side")
        side = _side_written(fact.kwarg("padding_side")) if given else None
        return HFObject("tokenizer", cls, side, node=fact.node)
    if what == "model":
        at, on = hf_outputs.constructed(cls, fact)
        return HFObject("model", cls, base=base, node=fact.node, hidden_at=at, hidden_on=on)
    padding = fact.kwarg("padding")
    if padding is not None and const(padding) not in _PADS:
        return None  # DataCollatorWithPadding(tok, padding=False / unknown)
    tok = fact.args[0] if fact.args else fact.kwarg("tokenizer")
    side = tok.side if isinstance(tok, HFObject) else None
    known = isinstance(tok, HFObject) and tok.kind == "tokenizer"
    return HFObject("collator", cls, side, base=known, node=fact.node)


def data_loader(fact: CallFact) -> Value:
    """``DataLoader(ds, collate_fn=DataCollatorWithPadding(tok))``: it yields padded
    encodings (a list whose every element is one)."""
    collate = fact.kwarg("collate_fn")
    if isinstance(collate, HFObject) and collate.kind == "collator":
        return ListOf(collated(collate, collate.node or fact.node))
    return None


# ------------------------------------------------------------------ calls
def call(it: Interpreter, fact: CallFact, obj: HFObject, method: str = "__call__") -> Value:
    """Calling a tokenizer, model or collator, or one of its methods (a config: nothing)."""
    if obj.kind == "config":
        return None
    if obj.kind == "tokenizer":
        if method in ("__call__", "batch_encode_plus"):
            return tokenize(it, fact, _side(obj.side, known=True), batch=True)
        if method == "encode_plus":
            return tokenize(it, fact, _side(obj.side, known=True), batch=False)
        if method == "pad":
            return _padded(it, fact.node, _side(obj.side, known=True), "`tokenizer.pad(...)`")
        return None
    if obj.kind == "model":
        if method in ("__call__", "forward", "call"):
            out = hf_outputs.called(model_output(it, fact, obj.base), obj, fact)
            encoder_mask(it, fact.arg_node(-1, "attention_mask"), fact.node)
            hf_attention_mask(it, fact)
            return out
        if method in _MODEL_SAME:
            return obj
        return None
    if method == "__call__":
        return collated(obj, fact.node)
    return None


def collated(collator: HFObject, node: ast.AST) -> Encoding:
    side = _side(collator.side, known=collator.base)
    ev = Evidence(node, f"`DataCollatorWithPadding`{_side_note(side)}")
    return _encoding(Padding(ev, side), ev)


def tokenize(it: Interpreter, fact: CallFact, side: Side | None, batch: bool) -> Value:
    """A tokenizer call: an :class:`Encoding`, padded when the call asks for padding."""
    padding = const(fact.kwarg("padding"))
    if fact.has_kwarg("padding") and padding is None:
        return None  # padding=<unknown>: unsure
    pads = padding in _PADS or const(fact.kwarg("pad_to_max_length")) is True
    text = fact.args[0] if fact.args else fact.kwarg("text")
    one_text = not batch or isinstance(const(text), str)
    ev = Evidence(fact.node, "")
    # one text cut into overlapping windows is several rows: the last one is padded
    overflow = fact.has_kwarg("return_overflowing_tokens") and (
        const(fact.kwarg("return_overflowing_tokens")) is not False
    )
    if not pads or (one_text and padding != "max_length" and not overflow):
        return _encoding(None, ev)
    if not overflow and _literal_padding(fact) and single_text(
        it.facts.tree, first_text(fact.node), sites_of(it.facts.project)
    ):
        return _encoding(None, ev)  # a batch of one: padded to its own length
    code = it.facts.code(fact.node, 48)
    ev = Evidence(fact.node, f"`{code}`{_side_note(side)}")
    return _encoding(Padding(ev, side), ev)


def tokenizer_like(it: Interpreter, fact: CallFact) -> Value:
    """An unknown callable given ``return_tensors="pt"`` and ``padding=``: a tokenizer (a
    parameter, an attribute of an object of another module) of unknown padding side."""
    kinds = const(fact.kwarg("return_tensors"))
    if kinds not in _TENSOR_KINDS or not (
        fact.has_kwarg("padding") or fact.has_kwarg("pad_to_max_length")
    ):
        return None
    return tokenize(it, fact, None, batch=True)


def model_output(it: Interpreter, fact: CallFact, base: bool) -> Value:
    """A model's output for the encoding or ids it is given: padded like them."""
    ev = Evidence(fact.node, "")
    pad = _input_padding(fact)
    mask_node = fact.arg_node(-1, "attention_mask")
    if pad is None and mask_node is not None and type(mask_node) is not ast.Constant:
        pad = Padding(
            Evidence(
                mask_node,
                "the `attention_mask` given to the model (only a padded batch needs one)",
            ),
            None,
        )
    return ModelOutput(_hidden(pad, ev), base)


def encoding_call(it: Interpreter, fact: CallFact) -> Value:
    """An unknown callable given an encoding (``model(**batch)``, TF ``model(batch)``):
    a model; its output is padded like the encoding."""
    if _encoding_given(fact) is None:
        return None
    return model_output(it, fact, base=False)


def _encoding_given(fact: CallFact) -> Encoding | None:
    for v in (*fact.star_kwargs, *fact.args[:1], fact.kwarg("inputs")):
        if isinstance(v, Encoding):
            return v
    return None


def _input_padding(fact: CallFact) -> Padding | None:
    enc = _encoding_given(fact)
    if enc is not None:
        return enc.ids.padding
    ids = fact.kwarg("input_ids")
    if ids is None and fact.args and isinstance(fact.args[0], Tensor):
        ids = fact.args[0]
    if isinstance(ids, Tensor) and ids.padding is not None:
        return ids.padding
    mask = fact.kwarg("attention_mask")
    if isinstance(mask, Tensor) and mask.padding is not None:
        return mask.padding
    return None


# ------------------------------------------------------------------ reading values
def encoding_item(enc: Encoding, key: str) -> Value:
    """``batch["input_ids"]``, ``batch.attention_mask``."""
    if key == "attention_mask":
        return enc.mask
    if key in ("input_ids", "token_type_ids"):
        return enc.ids
    return None


def encoding_method(enc: Encoding, method: str) -> Value:
    return enc if method in _ENCODING_SAME else None


def output_attribute(out: ModelOutput, attr: str) -> Value:
    """``out.last_hidden_state``, ``out.hidden_states`` (every layer alike)."""
    if attr in ("last_hidden_state", "encoder_last_hidden_state"):
        return out.hidden
    if attr in ("hidden_states", "encoder_hidden_states"):
        return ListOf(out.hidden)
    return None


def output_item(out: ModelOutput, index: int) -> Value:
    """``out[0]``: a base model's last hidden state (a head's logits: not modelled)."""
    return out.hidden if index == 0 and out.base else None


def assign_padding_side(it: Interpreter, obj: ast.expr, value: Value) -> bool:
    """``tok.padding_side = v`` / ``self.tok.padding_side = v`` on a tokenizer: rebind it with
    that side (set on ``self`` outside ``__init__``: which calls it precedes is unknown)."""
    frame = it.frame
    if frame is None:
        return False
    if type(obj) is ast.Name:
        tok = frame.env.get(obj.id)
        if not isinstance(tok, HFObject):
            return False
        frame.env[obj.id] = set_padding_side(tok, value)
        return True
    if not (type(obj) is ast.Attribute and type(obj.value) is ast.Name):
        return False
    owner = frame.env.get(obj.value.id)
    class_name = frame.unit.class_name
    if not isinstance(owner, SelfRef) or class_name is None:
        return False
    attrs = it.class_attrs.setdefault(class_name, {})
    tok = attrs.get(obj.attr)
    if not isinstance(tok, HFObject):
        return False
    init = initializes(frame.unit.node, it.classes.get(class_name))
    attrs[obj.attr] = set_padding_side(tok, value if init else None)
    return True


def set_padding_side(obj: HFObject, value: Value) -> HFObject:
    """``tok.padding_side = "left"`` (a value the file does not show: an unknown side)."""
    return HFObject(obj.kind, obj.qualname, _side_written(value), obj.base, obj.node)


def _side_written(value: Value) -> str:
    """``"left"`` / ``"right"``, or ``"?"`` for a side the file does not show."""
    side = const(value)
    return side if side in ("left", "right") else "?"


def dict_comprehension(it: Interpreter, node: ast.DictComp) -> Value:
    """``{k: v.to(device) for k, v in batch.items()}``: the same encoding, moved."""
    if len(node.generators) != 1:
        return None
    gen = node.generators[0]
    frame = it.frame
    source = gen.iter
    if (
        frame is None
        or gen.ifs
        or not (
            type(source) is ast.Call
            and type(source.func) is ast.Attribute
            and source.func.attr == "items"
            and not source.args
        )
    ):
        return None
    enc = it.eval(source.func.value)
    if not isinstance(enc, Encoding):
        return None
    target = gen.target
    if not (
        type(target) is ast.Tuple
        and len(target.elts) == 2
        and all(type(e) is ast.Name for e in target.elts)
    ):
        return None
    saved = dict(frame.env)
    it.bind(target.elts[0], None)
    it.bind(target.elts[1], enc.ids)
    moved = it.eval(node.value)
    frame.env = saved
    return (
        enc
        if isinstance(moved, Tensor)
        and same(moved.padding, enc.ids.padding)
        and (moved.role == enc.ids.role and moved.layout == enc.ids.layout)
        else None
    )


# ------------------------------------------------------------------ helpers
def _literal_padding(fact: CallFact) -> bool:
    """``padding=True`` / ``padding="longest"`` written as such (what the project pass looks
    for when it gathers the call sites of the module's functions, analysis/texts.py)."""
    node = fact.arg_node(99, "padding")
    return type(node) is ast.Constant and (node.value is True or node.value == "longest")


def _side(side: str | None, known: bool) -> Side | None:
    if side == "left":
        return Side.PRE
    if side == "right" or (known and side is None):
        return Side.POST  # the default padding side of a tokenizer
    return None  # set to a value the file does not show, or an unknown tokenizer


def _side_note(side: Side | None) -> str:
    if side is Side.PRE:
        return " (padding on the left)"
    if side is Side.POST:
        return (
            " (padding on the right, the tokenizer's default; this depends on its `padding_side`)"
        )
    return ""


def _encoding(pad: Padding | None, ev: Evidence) -> Encoding:
    ids = Tensor(rank=2, layout=BT, padding=pad, role=Role.TOKENS, origin=ev)
    mask = Tensor(
        rank=2,
        layout=BT,
        role=Role.MASK,
        origin=ev,
        nonzero=Evidence(
            ev.node, "a tokenizer's `attention_mask` (every text keeps at least one real token)"
        ),
        marks=(
            Marks.VALID,
            Evidence(ev.node, "the `attention_mask` of a tokenizer"),
        ),
    )
    return Encoding(ids, mask)


def _padded(it: Interpreter, node: ast.AST, side: Side | None, text: str) -> Encoding:
    ev = Evidence(node, f"{text}{_side_note(side)}")
    return _encoding(Padding(ev, side), ev)


def _hidden(pad: Padding | None, ev: Evidence) -> Tensor:
    return Tensor(rank=3, layout=BTF, padding=pad, role=Role.DATA, origin=ev)
