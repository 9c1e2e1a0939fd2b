"""PLG204: the last step of a bidirectional RNN's output is not its final state."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.indexing import SliceIndex
from pooling_lint.analysis.library import ApplyModel, Family, Framework
from pooling_lint.analysis.queries import LastTake, fix_framework, reads_last_step
from pooling_lint.analysis.values import Role
from pooling_lint.rules.base import Example, Finding, Rule


class BidirectionalLastStep(Rule):
    code = "PLG204"
    name = "bidirectional-last-step"
    summary = "`out[:, -1]` of a bidirectional RNN: the backward half has seen one step"
    #: Keras `Bidirectional`, torch's `bidirectional=True` argument, and the TF1 functions
    #: (`bidirectional_dynamic_rnn`, `static_bidirectional_rnn`, ...)
    triggers = (
        lib.names(lambda api: api.family is Family.CONTAINER and api.apply is ApplyModel.KERAS_RNN)
        | lib.names(lambda api: api.family is Family.RNN and "bidirectional" in api.short)
        | {"bidirectional"}
    )
    docs = """
    ## What it does
    Finds `out[:, -1]` (or `out[-1]` time-first) taken from the per-step output of a
    bidirectional RNN, including its backward half. The last step joined with the first one
    (`torch.cat((out[0], out[-1]), dim=1)`) holds both directions' full passes and is not
    reported.

    ## Why is this bad?
    The backward direction reads the sequence from the end, so at the last step it has seen
    exactly one input. `out[:, -1, H:]` is the backward direction's *first* step, not its
    summary of the sequence. This is wrong even for fixed-length input.

    ## Example
    ```python
    self.rnn = nn.LSTM(16, 32, batch_first=True, bidirectional=True)
    out, _ = self.rnn(x)
    summary = out[:, -1, :]
    ```

    ## Use instead
    ```python
    out, (h_n, _) = self.rnn(x)
    summary = torch.cat([h_n[-2], h_n[-1]], dim=1)   # forward final ++ backward final
    # fixed-length: torch.cat([out[:, -1, :H], out[:, 0, H:]], dim=1)
    ```
    """
    bad_examples = (
        Example(
            "import torch\n"
            "rnn = torch.nn.GRU(8, 16, batch_first=True, bidirectional=True)\n"
            "out, h = rnn(torch.randn(4, 10, 8))\n"
            "last = out[:, -1]\n",
            expect=(4,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "rnn = torch.nn.GRU(8, 16, batch_first=True, bidirectional=True)\n"
            "out, h = rnn(torch.randn(4, 10, 8))\n"
            "last = torch.cat([h[-2], h[-1]], dim=1)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for s in facts.subscripts:
            t = s.base
            if t.bidirectional is None or t.role != Role.DATA or t.time_axis is None:
                continue
            if reads_last_step(s) is not LastTake.STEP:
                continue
            if s.other_end is not None:
                continue  # cat((out[0], out[-1])): the backward half's full pass is at step 0
            rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else 0)
            axes = s.axis_items(rank)
            feat = axes.get(rank - 1) if axes and rank else None
            if isinstance(feat, SliceIndex) and feat.lower is None and feat.upper is not None:
                continue  # out[:, -1, :H]: the forward half only, which is right
            if fix_framework(facts, t) is Framework.TORCH:
                states = "`torch.cat([h_n[-2], h_n[-1]], dim=1)`"
            elif t.symbolic is not None or t.keras_mask is not None:
                states = "`Bidirectional(..., return_sequences=False)`"
            else:
                states = "`tf.concat([state_fw, state_bw], 1)` (`.h` of LSTM states)"
            yield Finding(
                node=s.node,
                message=(
                    f"`{facts.code(s.node)}` takes the last step of a bidirectional RNN "
                    f"output ({facts.where(t.bidirectional)}), where the backward direction "
                    f"has seen only one step; concatenate the final states instead ({states}, "
                    "or the forward half at the last valid step ++ the backward half at step 0)"
                ),
            )
