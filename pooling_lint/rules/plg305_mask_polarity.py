"""PLG305: a mask True at the real tokens where True must mark padding, or the reverse."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.polarity import TORCH_KEY_PADDING
from pooling_lint.analysis.values import Marks, Tensor
from pooling_lint.rules.base import Example, Finding, Rule


class MaskPolarity(Rule):
    code = "PLG305"
    name = "mask-polarity"
    summary = "A mask of the wrong polarity: valid steps as a torch key-padding mask, or reverse"
    fixable = "sometimes"
    triggers = (
        frozenset(name.rsplit(".", 1)[-1] for name in TORCH_KEY_PADDING)
        | frozenset(p for params in TORCH_KEY_PADDING.values() for p in params)
        | {"attention_mask"}
    )
    docs = """
    ## What it does
    Finds a `[batch, time]` mask that the file shows is True (or 1) at the real tokens, such
    as a tokenizer's `attention_mask`, `ids != pad` or `tf.sequence_mask(lengths)`-style
    `arange(T) < lengths`, passed as the `key_padding_mask` of `nn.MultiheadAttention` or the
    `src_key_padding_mask` / `tgt_key_padding_mask` / `memory_key_padding_mask` of the
    `nn.Transformer*` modules; and the reverse, a mask True at the padding (`ids == pad`,
    `attention_mask == 0`, `~valid`) given as the `attention_mask=` of a Hugging Face model,
    which is 1 at the tokens to attend to.

    ## Why is this bad?
    torch reads these masks the other way round from Hugging Face and Keras: a True
    `key_padding_mask` entry marks a key to **ignore**. A bool mask that is True at the real
    tokens makes every query attend only to the padding (and a row with no padding gets no
    keys at all, so its output is NaN); a 0/1 float mask is added to the scores and masks
    nothing. Nothing raises. (A `long` mask raises, which is why code often adds `.bool()`,
    keeping the wrong polarity.) The reverse, a padding mask as a Hugging Face
    `attention_mask`, makes the model attend only to the padding.

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
        for given in facts.masks_given:
            value = given.value
            if id(given.node) in seen or not isinstance(value, Tensor) or value.marks is None:
                continue
            marks, shown_by = value.marks
            if marks is given.true_at or value.rank not in (2, None):
                continue
            seen.add(id(given.node))
            code = facts.code(given.node)
            shown = facts.where(shown_by)
            if given.true_at is Marks.PAD:
                message = (
                    f"`{code}` is True at the real tokens (per {shown}), but torch's "
                    f"`{given.param}` is True at the keys to ignore: attention skips the tokens "
                    "and attends to the padding (a row without padding gets NaN), and as a "
                    "float mask it is added to the scores and masks nothing; pass the padding "
                    f"instead: `({code}) == 0`"
                )
            else:
                message = (
                    f"`{code}` is True at the padding (per {shown}), but the `{given.param}` of "
                    f"{given.api} is 1 at the tokens to attend to: the model attends to the "
                    f"padding and ignores the text; pass the valid steps: `({code}) == 0`"
                )
            yield Finding(
                node=given.node,
                message=message,
                fix=(facts.replace(given.node, f"({facts.source.segment(given.node)}) == 0"),),
                fix_safe=False,
                fix_title=f"Pass `({code}) == 0`",
            )
