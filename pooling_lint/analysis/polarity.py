"""Which steps a ``[batch, time]`` mask is True at (:class:`~values.Marks`), from data flow.

A mask's polarity is a fact of where it came from, never of its name:

* ``ids != c`` / ``ids > c`` of token ids (or padded data) is True at the steps that are not
  ``c``; ``ids == c`` at the steps that are (the padding, when ``c`` is the pad value);
* ``arange(T) < lengths`` (``<=``, and the mirrored ``lengths > arange(T)``) is True at the
  valid steps, ``arange(T) >= lengths`` at the padding; ``tf.sequence_mask`` at the valid steps;
* a tokenizer's ``attention_mask`` is 1 at the real tokens.

``~m``, ``1 - m``, ``m == 0`` (``m != 1``) flip it; casts, device moves, slices and reshapes
keep it (``Tensor.with_`` copies it). The operations that change which steps are True drop
it explicitly: arithmetic other than those flips, comparisons other than with 0/1, the
``exp``/``log``/``relu``-like rows, ``clamp``, ``masked_fill``, a product of masks of two
polarities, and every reduction. An operation the analysis does not model gives no value at
all, so no polarity either.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.facts import CallFact, MaskGiven
from pooling_lint.analysis.values import Evidence, Fill, Layer, Marks, Role, Tensor

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

#: torch modules whose key-padding masks are True (or -inf) at the keys to IGNORE, and the
#: position of each in ``forward`` (after ``self``)
TORCH_KEY_PADDING: dict[str, dict[str, int]] = {
    "torch.nn.MultiheadAttention": {"key_padding_mask": 3},
    "torch.nn.TransformerEncoderLayer": {"src_key_padding_mask": 2},
    "torch.nn.TransformerEncoder": {"src_key_padding_mask": 2},
    "torch.nn.TransformerDecoderLayer": {"tgt_key_padding_mask": 4, "memory_key_padding_mask": 5},
    "torch.nn.TransformerDecoder": {"tgt_key_padding_mask": 4, "memory_key_padding_mask": 5},
    "torch.nn.Transformer": {
        "src_key_padding_mask": 5,
        "tgt_key_padding_mask": 6,
        "memory_key_padding_mask": 7,
    },
}

#: identity rows (analysis/library) that change the values: a 0/1 mask through them is not
#: True at the same steps (`exp` makes every step nonzero, `log` the padding -inf)
VALUE_CHANGING_METHODS = frozenset(
    {"relu", "tanh", "sigmoid", "abs", "exp", "log", "sqrt", "pow", "neg", "__neg__"}
)

# ops of `left <op> right` that are True where left differs from the constant (ids > 0: token
# ids are never negative, so the pad id 0 is the only one left out)
_VALID_OPS = (ast.NotEq, ast.Gt)


def marked(t: Tensor, marks: Marks, node: ast.AST, text: str) -> Tensor:
    """``t`` as a mask True at ``marks``, shown by ``node``."""
    return t.with_(marks=(marks, Evidence(node, text)))


def flipped(t: Tensor, node: ast.AST) -> Tensor:
    """``~t``, ``1 - t``: the other steps are True (the polarity flips, if known)."""
    if t.marks is None:
        return t
    return t.with_(marks=(t.marks[0].flipped(), Evidence(node, "")))


def of_token_compare(
    t: Tensor, ops: list[type], other: object, node: ast.AST
) -> tuple[Marks, Evidence] | None:
    """``ids != 0`` / ``ids > 0``: the valid steps; ``ids == 0``: the padding. Only for token
    ids, or data padded with zeros compared with 0: any other tensor compared with a number
    (``torch.rand(b, t) > p``) is a mask of something else."""
    if len(ops) != 1:
        return None
    zero_padded = t.padding is not None and t.padding.fill is Fill.ZERO
    value = getattr(other, "value", None)
    if t.role is not Role.TOKENS and not (zero_padded and value == 0):
        return None
    if ops[0] in _VALID_OPS:
        return Marks.VALID, Evidence(node, "")
    if ops[0] is ast.Eq:
        return Marks.PAD, Evidence(node, "")
    return None


def of_arange_compare(
    left: object, ops: list[type], node: ast.AST
) -> tuple[Marks, Evidence] | None:
    """``arange(T) < lengths`` (valid) or ``arange(T) >= lengths`` (padding), either way round."""
    if len(ops) != 1 or not isinstance(left, Tensor):
        return None
    op = ops[0]
    arange_left = left.role == Role.ARANGE
    if op in (ast.Lt, ast.LtE):
        valid = arange_left
    elif op in (ast.Gt, ast.GtE):
        valid = not arange_left
    else:
        return None
    return (Marks.VALID if valid else Marks.PAD), Evidence(node, "")


def of_mask_compare(
    t: Tensor, ops: list[type], value: object, node: ast.AST
) -> tuple[Marks, Evidence] | None:
    """``m == 0`` / ``m != 1`` flip a 0/1 mask, ``m != 0`` / ``m == 1`` / ``m > 0`` keep it."""
    if t.marks is None or len(ops) != 1 or not isinstance(value, int):
        return None
    marks, ev = t.marks
    flip = Evidence(node, "")
    op = ops[0]
    if value == 0:
        if op is ast.Eq:
            return marks.flipped(), flip
        if op in (ast.NotEq, ast.Gt):
            return marks, ev
    if value == 1:
        if op is ast.Eq:
            return marks, ev
        if op in (ast.NotEq, ast.Lt):
            return marks.flipped(), flip
    return None


def torch_key_padding(it: Interpreter, layer: Layer, fact: CallFact | None) -> None:
    """Record the key-padding masks a torch attention / Transformer module is given (keyword,
    or positional when no ``*args`` comes before it)."""
    params = TORCH_KEY_PADDING.get(layer.qualname)
    if params is None or fact is None:
        return
    starred = any(isinstance(a, ast.Starred) for a in fact.node.args)
    for name, index in params.items():
        node = next((k.value for k in fact.node.keywords if k.arg == name), None)
        value = fact.kwarg(name) if node is not None else None
        if node is None and not starred and len(fact.node.args) > index < len(fact.args):
            node, value = fact.node.args[index], fact.args[index]
        if node is not None:
            it.log.mask_given(MaskGiven(node, f"`{layer.short}`", name, value, Marks.PAD))


def hf_attention_mask(it: Interpreter, fact: CallFact) -> None:
    """Record the ``attention_mask=`` given to a Hugging Face model (1 at the real tokens)."""
    node = next((k.value for k in fact.node.keywords if k.arg == "attention_mask"), None)
    if node is not None:
        value = fact.kwarg("attention_mask")
        it.log.mask_given(
            MaskGiven(node, "a Hugging Face model", "attention_mask", value, Marks.VALID)
        )
