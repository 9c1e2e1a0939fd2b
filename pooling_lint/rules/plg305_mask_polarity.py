"""PLG305: a mask that is True at the real tokens given where torch expects True at padding."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.values import Marks, Tensor
from pooling_lint.rules.base import Example, Finding, Rule

#: torch layers whose ``*_key_padding_mask`` is True (or -inf) at the keys to IGNORE, and the
#: position of that parameter in ``forward`` (after ``self``)
_KEY_PADDING: dict[str, dict[str, int | None]] = {
    "torch.nn.MultiheadAttention": {"key_padding_mask": 3},
    "torch.nn.TransformerEncoderLayer": {"src_key_padding_mask": 2},
    "torch.nn.TransformerEncoder": {"src_key_padding_mask": 2},
    "torch.nn.TransformerDecoderLayer": {
        "tgt_key_padding_mask": 4,
        "memory_key_padding_mask": 5,
    },
    "torch.nn.TransformerDecoder": {"tgt_key_padding_mask": 4, "memory_key_padding_mask": 5},
    "torch.nn.Transformer": {
        "src_key_padding_mask": 5,
        "tgt_key_padding_mask": 6,
        "memory_key_padding_mask": 7,
    },
}


class MaskPolarity(Rule):
    code = "PLG305"
    name = "mask-polarity"
    summary = "A mask True at the real tokens given as a torch `key_padding_mask` (True = ignore)"
    fixable = "sometimes"
    triggers = frozenset(
        {"key_padding_mask", "src_key_padding_mask", "tgt_key_padding_mask"}
        | {"memory_key_padding_mask", "MultiheadAttention", "TransformerEncoder"}
        | {"TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer"}
        | {"Transformer"}
    )
    docs = """
    ## What it does
    Finds a `[batch, time]` mask that the file shows is True (or 1) at the real tokens, such
    as a tokenizer's `attention_mask`, `ids != pad` or `tf.sequence_mask(lengths)`-style
    `arange(T) < lengths`, passed as the `key_padding_mask` of `nn.MultiheadAttention` or the
    `src_key_padding_mask` / `tgt_key_padding_mask` / `memory_key_padding_mask` of the
    `nn.Transformer*` modules.

    ## Why is this bad?
    torch reads these masks the other way round from Hugging Face and Keras: a True
    `key_padding_mask` entry marks a key to **ignore**. A bool mask that is True at the real
    tokens makes every query attend only to the padding (and a row with no padding gets no
    keys at all, so its output is NaN); a 0/1 float mask is added to the scores and masks
    nothing. Nothing raises. (A `long` mask raises, which is why code often adds `.bool()`,
    keeping the wrong polarity.)

    The polarity comes from data flow only: where the mask was made and every `~`, `1 - m`,
    `m == 0` on the way. A mask whose origin the file does not show, or any operation the
    analysis does not know to keep or flip the polarity, gives no finding.

    ## Example
    ```python
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    h = embed(batch["input_ids"])
    out = encoder(h, src_key_padding_mask=batch["attention_mask"].bool())
    ```

    ## Use instead
    ```python
    out = encoder(h, src_key_padding_mask=batch["attention_mask"] == 0)
    ```

    ## Fix safety
    The fix compares the mask with 0 (`(m) == 0`), which is True at the padding for a bool, a
    0/1 or an additive mask alike. It changes what the model computes, so it is offered as an
    unsafe fix.
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'batch = tok(texts, padding=True, return_tensors="pt")\n'
            "enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(64, 4), 2)\n"
            'out = enc(h, src_key_padding_mask=batch["attention_mask"].bool())\n',
            expect=(6,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'batch = tok(texts, padding=True, return_tensors="pt")\n'
            "enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(64, 4), 2)\n"
            'out = enc(h, src_key_padding_mask=batch["attention_mask"] == 0)\n'
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        seen: set[int] = set()
        for lc in facts.layer_calls:
            params = _KEY_PADDING.get(lc.layer.qualname)
            if params is None or lc.call is None or not isinstance(lc.node, ast.Call):
                continue
            for name, index in params.items():
                node = lc.call.arg_node(index if index is not None else -1, name)
                value = _arg_value(lc.call, lc.node, index, name)
                if node is None or not isinstance(value, Tensor) or id(node) in seen:
                    continue
                if value.marks is None or value.marks[0] is not Marks.VALID:
                    continue
                if value.rank not in (2, None):
                    continue
                seen.add(id(node))
                shown = facts.where(value.marks[1])
                code = facts.code(node)
                yield Finding(
                    node=node,
                    message=(
                        f"`{code}` is True at the real tokens (per {shown}), but torch's "
                        f"`{name}` is True at the keys to ignore: attention skips the tokens "
                        "and attends to the padding (a row without padding gets NaN), and as "
                        "a float mask it is added to the scores and masks nothing; pass the "
                        f"padding instead: `({code}) == 0`"
                    ),
                    fix=(facts.replace(node, f"({facts.source.segment(node)}) == 0"),),
                    fix_safe=False,
                    fix_title=f"Pass `({code}) == 0` (True at the padding)",
                )


def _arg_value(call: object, node: ast.Call, index: int | None, name: str) -> object:
    """The value of ``name`` (a keyword, or the positional argument ``index``)."""
    kwarg = getattr(call, "kwarg", None)
    if kwarg is not None and any(k.arg == name for k in node.keywords):
        return kwarg(name)
    args = getattr(call, "args", ())
    if index is not None and len(node.args) > index and len(args) > index:
        if not any(isinstance(a, ast.Starred) for a in node.args[: index + 1]):
            return args[index]
    return None
