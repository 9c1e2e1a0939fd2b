"""PLG101: an unmasked mean over the time axis of a padded sequence."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.layout import FEATURE_LIKE
from pooling_lint.analysis.library import Family
from pooling_lint.analysis.queries import fix_framework, reduces_over_padded_time
from pooling_lint.analysis.values import DimOf, Role, Tensor
from pooling_lint.rules.base import Example, Finding, Rule
from pooling_lint.rules.phrasing import padded_by, runtime_op
from pooling_lint.rules.runtime_fix import reduction_fix


class MeanOverPadding(Rule):
    code = "PLG101"
    name = "mean-over-padding"
    fixable = "sometimes"  # unsafe: rewrites to the runtime ops (docs/fixes.md)
    summary = "Mean over the time axis of a padded sequence counts the padding steps"
    #: every mean the table knows: reductions, pools, tensor methods
    #: every mean the table knows (reductions, pools, tensor methods), and the sums whose
    #: division by the wrong count is a mean too
    triggers = lib.names(
        lambda api: api.family in (Family.REDUCTION, Family.POOLING) and api.op in ("mean", "sum")
    ) | lib.reduction_methods("mean", "sum")
    requires = lib.PADDING_EVIDENCE
    docs = """
    ## What it does
    Finds a mean over the time axis (`tf.reduce_mean`, `keras.ops.mean`, `K.mean`,
    `torch.mean`, `x.mean(dim=1)`, `AdaptiveAvgPool1d`/`F.avg_pool1d` spanning the sequence,
    `GlobalAveragePooling1D` without a mask) of a tensor that the file shows is padded:
    it comes from `pad_sequences`, `pad_sequence`, `pad_packed_sequence`, `Masking`,
    `Embedding(mask_zero=True)`, `nn.Embedding(padding_idx=...)`, or lives in a function that
    receives `lengths` or a `mask`.

    ## Why is this bad?
    A plain mean divides by the padded length `T`, so every short sequence's average is pulled
    towards whatever the padded steps hold. Zeroing the padding first does not help: the sum is
    right but it is still divided by `T`. An LSTM's outputs at padded steps are not even zero.
    Keras masks do not survive raw ops: `tf.reduce_mean`, `keras.ops.mean` and `Lambda`
    silently ignore them. The model trains, but on averages that depend on the padding.

    Also reported: a sum over time divided by the size of another axis
    (`(out * keep).sum(1) / out.size(2)`), which is no mean over the sequence at all.

    ## Example
    ```python
    out, _ = self.lstm(x)            # x padded, `lengths` given
    pooled = out.mean(dim=1)
    ```

    ## Use instead
    ```python
    from pooling_lint.runtime.torch import masked_mean

    out, _ = self.lstm(x)
    pooled = masked_mean(out, lengths)
    # or: (out * mask[..., None]).sum(1) / lengths.clamp(min=1)[:, None]
    ```
    In Keras, use `GlobalAveragePooling1D()` after `Masking`/`Embedding(mask_zero=True)`: it
    honours the mask.

    ## Fix safety
    With `--unsafe-fixes` (and as an unsafe code action in the language server), where the
    file's data flow shows the lengths or the valid-step mask of the value in the same function
    (`pack_padded_sequence(x, lengths)`, `sequence_mask(lengths, ...)`,
    `arange(T) < lengths[:, None]`, `x * mask[..., None]`), a mean over the time axis with no
    other argument becomes `masked_mean(x, lengths)` (or `mask=mask`; time-first values, with
    lengths only, get `time_axis=0`), imported from
    `pooling_lint.runtime.torch` / `.tensorflow`; in a Keras functional model, the mean of a
    layer output that carries a Keras mask becomes `GlobalAveragePooling1D()(x)`. It is unsafe:
    the result changes (that is the fix), an empty row gives 0, and the op checks its inputs.
    No fix otherwise; see docs/fixes.md.
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch.nn.utils.rnn import pad_sequence\n"
            "def embed(seqs):\n"
            "    x = pad_sequence(seqs, batch_first=True)\n"
            "    return x.mean(dim=1)\n",
            expect=(5,),
        ),
    )
    good_examples = (Example("import torch\nx = torch.randn(8, 20, 16)\nm = x.mean(dim=1)\n"),)

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        yield from self._other_axis_counts(facts)
        for r in facts.reductions:
            if r.op != "mean" or not reduces_over_padded_time(r):
                continue
            t = r.operand
            if r.layer is not None and r.has_mask_arg and "Global" in r.api:
                continue  # GlobalAveragePooling1D consumes the Keras mask: exact
            operand = facts.code(r.operand_node) if r.operand_node is not None else ""
            shown = f"`{operand}`" if operand else "its input"
            kind = fix_framework(facts, t, r.framework)
            fix = runtime_op(kind, "mean", operand or "x")
            if r.layer is not None and "Global" in r.api:
                fix = (
                    "a path that keeps the Keras mask up to this layer (it honours a mask it "
                    "receives), or `pooling_lint.runtime.tensorflow.MaskedMeanPool()` with "
                    "`lengths`"
                )
            rf = reduction_fix(facts, r, kind)
            yield Finding(
                node=r.node,
                message=(
                    f"{r.api} averages {shown} over time, but it is {padded_by(facts, t)}, "
                    f"so the padding steps are counted; use {fix}"
                ),
                fix=rf.edits if rf else (),
                fix_safe=False,
                fix_title=rf.title if rf else "",
                imports=rf.imports if rf else (),
            )

    def _other_axis_counts(self, facts: FileFacts) -> Iterator[Finding]:
        """``(x * keep).sum(1) / x.size(2)``: a sum over time divided by another axis' size."""
        for d in facts.divisions:
            num, den = d.numerator, d.denominator
            if not isinstance(num, Tensor) or num.role != Role.POOLED_SUM:
                continue
            if not isinstance(den, DimOf) or den.tensor.padding is None:
                continue
            t = den.tensor
            layout, rank = t.layout, t.rank
            if layout is None or rank is None or len(layout) != rank:
                continue
            axis = den.axis + rank if den.axis < 0 else den.axis
            if not 0 <= axis < rank or layout[axis] not in FEATURE_LIKE:
                continue
            yield Finding(
                node=d.node,
                message=(
                    f"`{facts.code(d.node)}` divides a sum over time by "
                    f"`{facts.code(d.denominator_node)}`, the size of the feature axis, not "
                    f"by each sequence's length (the data is {padded_by(facts, t)}); divide by "
                    "the lengths (`lengths[:, None].clamp(min=1)`) or use "
                    f"{runtime_op(fix_framework(facts, t), 'mean', 'x')}"
                ),
            )
