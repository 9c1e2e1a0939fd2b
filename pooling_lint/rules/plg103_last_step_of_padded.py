"""PLG103: the "last" time step of a right-padded sequence is padding."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.indexing import IntIndex, Marker
from pooling_lint.analysis.library import Framework
from pooling_lint.analysis.queries import LastTake, fix_framework, reads_last_step, time_item
from pooling_lint.analysis.values import Fill, Role, Side, Tensor
from pooling_lint.rules.base import Example, Finding, Rule
from pooling_lint.rules.phrasing import padded_by
from pooling_lint.rules.runtime_fix import last_step_fix


class LastStepOfPadded(Rule):
    code = "PLG103"
    name = "last-step-of-padded"
    fixable = "sometimes"  # unsafe: rewrites to the runtime ops (docs/fixes.md)
    summary = "`out[:, -1]` of a right-padded sequence is a padding step, not the last state"
    triggers = lib.PADDING_EVIDENCE
    docs = """
    ## What it does
    Finds `out[:, -1]`, `out[:, -1, :]`, `out[:, -n:]` (batch-first) or `out[-1]`
    (time-first) taken from a sequence that the file shows is padded at the end
    (`pad_sequence`, `pad_sequences(..., padding="post")`, `pad_packed_sequence`, a `lengths`
    or `mask` argument, `Masking`/`mask_zero` data). Also the RNN's own final state used as the
    sequence's: `h_n[-1]` of a torch RNN that read a padded tensor instead of a
    `PackedSequence`, and a Keras RNN without `return_sequences` over post-padded data with no
    mask. And first-token pooling `x[:, 0]` of data padded at the **front** (a Hugging Face
    tokenizer with `padding_side="left"`): there position 0 of every shorter text is padding.
    With right padding (the tokenizer default) `[:, 0]` is the real first token (`[CLS]`).

    Not reported: the end slice of a step of cached decoding (`tokens[:, -1:]` inside
    `if incremental_state is not None:` or with `past_key_values`), which is the newest step of
    every hypothesis; a slice used only for its shape (`zeros_like(x[:, -1:])`, `.shape`,
    `.new_zeros`); code on the path where the `lengths`/`mask` is None (see docs/branches.md).

    ## Why is this bad?
    For every sequence shorter than the batch's longest, the last position is padding. A
    torch RNN keeps running over it, so `out[:, -1]` is the state after reading padding
    (SEMANTICS: off by a median 0.23 from the true final state), and after
    `pad_packed_sequence` it is exactly zero. Keras' default `pad_sequences(padding="pre")`
    puts padding first, which is why the same code is fine there.

    ## Example
    ```python
    out, _ = self.lstm(x)        # x padded, `lengths` given
    last = out[:, -1, :]
    ```

    ## Use instead
    ```python
    from pooling_lint.runtime.torch import last_valid

    last = last_valid(out, lengths)   # or out[torch.arange(B), lengths - 1]
    # or pack_padded_sequence(...) and use h_n[-1]
    ```

    ## Fix safety
    With `--unsafe-fixes`, where the file's data flow shows the lengths or the valid-step mask
    of the value in the same function, `out[:, -1]` / `out[:, -1, :]` becomes
    `last_valid(out, lengths)`, and time-first `out[-1]` (with lengths) becomes
    `last_valid(out, lengths, time_axis=0)`, with its import. Unsafe: the result changes, an
    empty row gives 0. Windows `out[:, -n:]` and `h_n[-1]` get no fix. See docs/fixes.md.
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch.nn.utils.rnn import pad_sequence\n"
            "x = pad_sequence(seqs, batch_first=True)\n"
            "last = x[:, -1]\n",
            expect=(4,),
        ),
    )
    good_examples = (Example("import torch\nx = torch.randn(4, 10, 8)\nlast = x[:, -1]\n"),)

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        yield from self._final_states(facts)
        yield from self._first_steps(facts)
        for s in facts.subscripts:
            t = s.base
            pad = t.padding
            if pad is None or pad.side is not Side.POST or pad.fill == Fill.COPY_LAST:
                continue
            if t.role in (Role.MASK, Role.LENGTHS, Role.STATE) or s.node in facts.masked_reads:
                continue  # a mask, or a step read whose value the mask zeroes right after
            kind = reads_last_step(s)
            if kind is None:
                continue
            base = facts.code(s.node.value)
            what = "the last step" if kind is LastTake.STEP else "the last steps"
            fw = fix_framework(facts, t)
            rf = last_step_fix(facts, s, fw)
            if fw is Framework.TORCH:
                fix = (
                    f"`pooling_lint.runtime.torch.last_valid({base}, lengths)` (or gather at "
                    "`lengths - 1`, or the packed RNN's `h_n`)"
                )
            else:
                fix = (
                    f"`pooling_lint.runtime.tensorflow.last_valid({base}, lengths)`, or a masked "
                    "RNN with `return_sequences=False`, which returns the last valid state"
                )
            yield Finding(
                node=s.node,
                message=(
                    f"`{facts.code(s.node)}` takes {what} of `{base}`, which is "
                    f"{padded_by(facts, t)}: for shorter sequences that is padding; use {fix}"
                ),
                fix=rf.edits if rf else (),
                fix_safe=False,
                fix_title=rf.title if rf else "",
                imports=rf.imports if rf else (),
            )

    def _first_steps(self, facts: FileFacts) -> Iterator[Finding]:
        """``x[:, 0]`` (first-token pooling) of a sequence padded at the front."""
        for s in facts.subscripts:
            t = s.base
            pad = t.padding
            if pad is None or pad.side is not Side.PRE or pad.fill is not None:
                continue  # unknown side, right padding, or steps the code filled
            if t.role in (Role.MASK, Role.LENGTHS, Role.STATE) or t.rnn is not None:
                continue  # an RNN's outputs over front padding: its own rules
            if not s.reads_values or time_item(s) != IntIndex(0):
                continue
            base = facts.code(s.node.value)
            yield Finding(
                node=s.node,
                message=(
                    f"`{facts.code(s.node)}` takes the first step of `{base}`, which is "
                    f"{padded_by(facts, t)}: with padding on the left, position 0 of every "
                    "shorter sequence is padding; take the first real step (at "
                    "`attention_mask.argmax(1)`) or pad on the right"
                ),
            )

    def _final_states(self, facts: FileFacts) -> Iterator[Finding]:
        """The RNN's own final state, computed after the padding steps."""
        seen: set[int] = set()
        for s in facts.subscripts:
            t = s.base
            # h_n of a torch RNN that read a padded tensor (not a PackedSequence)
            if t.role != Role.STATE or t.padding is None or t.padding.side == Side.PRE:
                continue
            # h_n[-1], or every layer's state by a computed index (`[h[i] for i in ...]`)
            first = s.items[0] if s.items else None
            if id(t.origin) in seen or not (isinstance(first, IntIndex) or first is Marker.OTHER):
                continue
            if not s.reads_values:
                continue  # zeros_like(h_n[-1]): only its shape
            seen.add(id(t.origin))
            yield Finding(
                node=s.node,
                message=(
                    f"`{facts.code(s.node)}` is the RNN's final state after it also read the "
                    f"padding steps (its input is {padded_by(facts, t)} and was not packed); "
                    "pack it with `pack_padded_sequence(x, lengths.cpu(), batch_first=..., "
                    "enforce_sorted=False)` so `h_n` is each sequence's last valid state, or use "
                    "`pooling_lint.runtime.torch.last_valid(out, lengths)`"
                ),
            )
        for lc in facts.layer_calls:
            inp = lc.input
            q = lc.layer.qualname
            inner = lc.layer.children[0] if q == "keras.layers.Bidirectional" else lc.layer
            if inner is None or inner.qualname not in lib.KERAS_RNNS:
                continue
            if not isinstance(inp, Tensor) or inp.padding is None or inp.padding.side != Side.POST:
                continue
            if inp.keras_mask is not None or inner.arg("return_sequences", False) is not False:
                continue
            yield Finding(
                node=lc.node,
                message=(
                    f"`{lc.layer.short}` returns the state after the last step, but its input is "
                    f"{padded_by(facts, inp)} with no mask, so for shorter sequences that is the "
                    "state after the padding; use `Embedding(mask_zero=True)` or `Masking()` so "
                    'the RNN stops at the last valid step, or pad with `padding="pre"`'
                ),
            )
