"""PLG106: dividing a masked sum by lengths with no guard for empty sequences."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.values import Role, Tensor
from pooling_lint.rules.base import Example, Finding, Rule


class UnguardedLengthDivision(Rule):
    code = "PLG106"
    name = "unguarded-length-division"
    summary = "Masked sum divided by lengths with no guard: a zero-length row gives NaN"
    triggers = lib.PADDING_EVIDENCE
    docs = """
    ## What it does
    Finds a masked sum divided by the sequence lengths (a `lengths` tensor, or `mask.sum(1)`)
    when nothing keeps the divisor away from zero: no `clamp(min=1)`, `clamp_min`,
    `tf.maximum(..., 1)` or `+ eps`.

    ## Why is this bad?
    A sequence of length zero (an empty utterance, a fully masked row, an empty batch slot)
    gives `0 / 0 = NaN`, and the NaN spreads through the loss and, through the gradient, into
    every weight. One bad row ruins the whole step.

    ## Example
    ```python
    pooled = (out * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    ```

    ## Use instead
    ```python
    pooled = (out * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
    # or pooling_lint.runtime.torch.masked_mean(out, mask=mask)  (0 for empty rows)
    ```
    """
    bad_examples = (
        Example(
            "import torch\n"
            "def pool(out, mask):\n"
            "    total = (out * mask[..., None]).sum(1)\n"
            "    return total / mask.sum(1, keepdim=True)\n",
            expect=(4,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "def pool(out, mask):\n"
            "    total = (out * mask[..., None]).sum(1)\n"
            "    return total / mask.sum(1, keepdim=True).clamp(min=1)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for d in facts.divisions:
            den = d.denominator
            num = d.numerator
            if not isinstance(den, Tensor) or den.role != Role.LENGTHS or den.guarded:
                continue
            if not isinstance(num, Tensor) or num.role != Role.POOLED_SUM:
                continue
            yield Finding(
                node=d.node,
                message=(
                    f"`{facts.code(d.node)}` divides by sequence lengths "
                    f"`{facts.code(d.denominator_node)}` with no guard, so a zero-length row "
                    "gives NaN; divide by `.clamp(min=1)` (tf: `tf.maximum(lengths, 1)`) or use "
                    "`pooling_lint.runtime masked_mean`, which returns 0 for empty rows"
                ),
            )
