"""PLG104: an unmasked max/min over the time axis of a padded sequence."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import Family
from pooling_lint.analysis.queries import fix_framework, reduces_over_padded_time
from pooling_lint.analysis.values import Fill
from pooling_lint.rules.base import Example, Finding, Rule
from pooling_lint.rules.phrasing import padded_by, runtime_op
from pooling_lint.rules.runtime_fix import reduction_fix

#: What the padded steps must hold for the reduction to be exact anyway.
_SAFE_FILL = {"max": (Fill.NEG_INF, Fill.COPY_LAST), "min": (Fill.POS_INF, Fill.COPY_LAST)}


class MaxOverPadding(Rule):
    code = "PLG104"
    name = "max-over-padding"
    fixable = "sometimes"  # unsafe: rewrites to the runtime ops (docs/fixes.md)
    summary = "Max/min over the time axis of a padded sequence lets padding win"
    triggers = lib.names(
        lambda api: api.family in (Family.REDUCTION, Family.POOLING) and api.op in ("max", "min")
    ) | lib.reduction_methods("max", "min")
    requires = lib.PADDING_EVIDENCE
    docs = """
    ## What it does
    Finds a max or min over the time axis (`h.max(dim=1)`, `torch.max(h, 1)`,
    `tf.reduce_max(h, 1)`, `GlobalMaxPooling1D`, `F.max_pool1d` spanning the sequence) of a
    tensor the file shows is padded, when the padded steps were not first set to `-inf`
    (for a max) or `+inf` (for a min).

    ## Why is this bad?
    Padded steps take part in the reduction. With zero padding, a feature whose valid values
    are all negative gets a max of exactly 0 from the padding; an RNN's outputs at padded
    steps are arbitrary. `GlobalMaxPooling1D` does not support masking: Keras drops the mask
    and pools the padding too.

    ## Example
    ```python
    out, _ = self.gru(x)      # x padded, `lengths` given
    pooled, _ = out.max(dim=1)
    ```

    ## Use instead
    ```python
    from pooling_lint.runtime.torch import masked_max

    pooled = masked_max(out, lengths)
    # or: out.masked_fill(~mask[..., None], float("-inf")).max(dim=1).values
    ```

    ## Fix safety
    With `--unsafe-fixes`, where the file's data flow shows the lengths or the valid-step mask
    of the value in the same function, `torch.amax(x, dim=1)`, `x.max(dim=1).values`,
    `x.max(1)[0]` and `tf.reduce_max(x, axis=1)` (over the time axis, no `keepdim`) become
    `masked_max(x, lengths)` (`masked_min` for a min), with its import. Unsafe: the result
    changes, an empty row gives 0. `pooled, _ = x.max(dim=1)` gets no fix (the indices are
    used). See docs/fixes.md.
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch.nn.utils.rnn import pad_sequence\n"
            "def pool(seqs):\n"
            "    out = pad_sequence(seqs, batch_first=True)\n"
            "    return torch.amax(out, dim=1)\n",
            expect=(5,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "def pool(out, mask):\n"
            "    return out.masked_fill(~mask[..., None], float('-inf')).amax(dim=1)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for r in facts.reductions:
            if r.op not in ("max", "min") or not reduces_over_padded_time(r):
                continue
            t = r.operand
            assert t.padding is not None
            if t.padding.fill in _SAFE_FILL[r.op]:
                continue
            if t.masked is not None and t.padding.fill is None:
                continue  # padding replaced by a value we cannot read: unsure, stay silent
            operand = facts.code(r.operand_node) if r.operand_node is not None else ""
            shown = f"`{operand}`" if operand else "its input"
            kind = fix_framework(facts, t, r.framework)
            rf = reduction_fix(facts, r, kind)
            yield Finding(
                node=r.node,
                message=(
                    f"{r.api} takes the {r.op} of {shown} over time, but it is "
                    f"{padded_by(facts, t)}, so padding steps can win; use "
                    f"{runtime_op(kind, r.op, operand or 'x')}"
                ),
                fix=rf.edits if rf else (),
                fix_safe=False,
                fix_title=rf.title if rf else "",
                imports=rf.imports if rf else (),
            )
