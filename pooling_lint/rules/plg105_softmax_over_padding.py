"""PLG105: attention-style softmax over the time axis without masking the padding."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import Family, Framework
from pooling_lint.analysis.queries import fix_framework, reduces_over_padded_time
from pooling_lint.analysis.values import Fill, Role, Tensor
from pooling_lint.rules.base import Example, Finding, Rule
from pooling_lint.rules.phrasing import padded_by
from pooling_lint.rules.runtime_fix import reduction_fix


class SoftmaxOverPadding(Rule):
    code = "PLG105"
    name = "softmax-over-padding"
    fixable = "sometimes"  # unsafe: rewrites to the runtime ops (docs/fixes.md)
    summary = "Softmax attention over a padded time axis gives weight to padding steps"
    #: softmax reductions, and the attention layers that take a padding mask
    triggers = (
        lib.names(lambda api: api.family is Family.REDUCTION and api.op == "softmax")
        | lib.reduction_methods("softmax")
        | lib.names(lambda api: bool(api.padding_mask_kwargs))
    )
    requires = lib.PADDING_EVIDENCE
    docs = """
    ## What it does
    Finds a softmax over the time axis of attention scores computed from a padded sequence
    when the padded positions were not masked first (`masked_fill(~mask, -inf)`,
    `tf.where(mask, scores, -1e9)`, adding `(1 - mask) * -1e9`), and a torch
    `nn.MultiheadAttention` / `nn.TransformerEncoder` applied to padded input without a
    `key_padding_mask` / `src_key_padding_mask`.

    ## Why is this bad?
    `exp(score)` is positive for every step, padding included, so attention pooling spreads
    weight over steps that are not data, and every valid step's weight shrinks. The result
    depends on how much padding a batch happened to need.

    ## Example
    ```python
    scores = self.score(out).squeeze(-1)      # out padded, `mask` given
    weights = torch.softmax(scores, dim=1)
    ```

    ## Use instead
    ```python
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=1)
    # or: pooling_lint.runtime.torch.attention_pool(out, scores, mask=mask)
    ```

    ## Fix safety
    With `--unsafe-fixes`, where the file's data flow shows the lengths or the valid-step mask
    of `[batch, time]` scores (rank known to be 2) in the same function,
    `torch.softmax(scores, dim=1)` / `tf.nn.softmax(scores, axis=1)` becomes
    `masked_softmax(scores, lengths)`: weights 0 at padding, a softmax over each row's valid
    steps. Unsafe: the result changes. See docs/fixes.md.
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch.nn.utils.rnn import pad_sequence\n"
            "def attend(seqs, w):\n"
            "    out = pad_sequence(seqs, batch_first=True)\n"
            "    scores = torch.einsum('btf,f->bt', out, w)\n"
            "    return torch.softmax(scores, dim=1)\n",
            expect=(6,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "def attend(out, scores, mask):\n"
            "    scores = scores.masked_fill(~mask, float('-inf'))\n"
            "    return torch.softmax(scores, dim=1)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for r in facts.reductions:
            if r.op != "softmax" or not reduces_over_padded_time(r):
                continue
            t = r.operand
            assert t.padding is not None
            if t.padding.fill == Fill.NEG_INF or t.role == Role.MASKED_SCORES:
                continue
            if t.masked is not None and t.padding.fill is None:
                continue  # masked with a value we cannot read: unsure, stay silent
            operand = facts.code(r.operand_node) if r.operand_node is not None else ""
            shown = f"`{operand}`" if operand else "the scores"
            kind = fix_framework(facts, t, r.framework)
            rf = reduction_fix(facts, r, kind)
            if kind is Framework.TORCH:
                how = "`scores.masked_fill(~mask, float('-inf'))`"
                op = "`pooling_lint.runtime.torch.attention_pool(x, scores, lengths)`"
            else:
                how = "`tf.where(mask, scores, -1e9)`"
                op = "`pooling_lint.runtime.tensorflow.attention_pool(x, scores, lengths)`"
            yield Finding(
                node=r.node,
                message=(
                    f"{r.api} over time of {shown} gives weight to padding steps "
                    f"({padded_by(facts, t)}); set padded scores to -inf first ({how}) or use "
                    f"{op}"
                ),
                fix=rf.edits if rf else (),
                fix_safe=False,
                fix_title=rf.title if rf else "",
                imports=rf.imports if rf else (),
            )
        for lc in facts.layer_calls:
            names = lib.PADDING_MASK_KWARGS.get(lc.layer.qualname)
            if names is None or lc.call is None:
                continue
            inp = lc.input
            if not isinstance(inp, Tensor) or inp.padding is None:
                continue
            if any(lc.call.has_kwarg(n) for n in names):
                continue
            n_args = len(lc.call.node.args) + len(lc.call.node.keywords)
            if n_args > 3 and lc.layer.qualname.endswith("Attention"):
                continue  # mask passed positionally
            if len(lc.call.node.args) > 1 and not lc.layer.qualname.endswith("Attention"):
                continue  # `encoder(x, src_mask, key_padding_mask)`: masks passed positionally
            if any(k.arg is None for k in lc.call.node.keywords):
                continue  # `**kwargs` may hold the mask
            kw = names[0]
            yield Finding(
                node=lc.node,
                message=(
                    f"`{lc.layer.short}` attends over padded input ({padded_by(facts, inp)}) "
                    f"without `{kw}=`, so padding steps receive attention; pass "
                    f"`{kw}=~mask` (True marks padding)"
                ),
            )
