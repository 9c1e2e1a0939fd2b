"""PLG203: a time-first RNN output used as batch-first, or data fed in the wrong layout."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.indexing import FULL_SLICE, IntIndex
from pooling_lint.analysis.layers import batch_first
from pooling_lint.analysis.layout import BT, BTF, TB, TBF
from pooling_lint.analysis.library import ApplyModel, Family, Framework
from pooling_lint.analysis.queries import takes_last
from pooling_lint.analysis.values import Role, Tensor
from pooling_lint.rules.base import Example, Finding, Rule

#: torch layers with a `batch_first` switch besides the RNNs (default False: time-first)
_ATTENTION = frozenset(
    {
        "torch.nn.MultiheadAttention",
        "torch.nn.TransformerEncoder",
        "torch.nn.TransformerEncoderLayer",
    }
)


def _kind(t: Tensor) -> str:
    return "RNN" if t.rnn is not None else "attention layer"


class TimeAxisMismatch(Rule):
    code = "PLG203"
    name = "time-axis-mismatch"
    summary = "Time-first RNN output used as batch-first (or the reverse)"
    #: torch RNNs and the torch padding that sets their layout; RNN cells of both frameworks
    #: (a list of their per-step outputs, reduced)
    triggers = lib.names(
        lambda api: (
            api.framework is Framework.TORCH
            and api.family in (Family.RNN, Family.PADDING_SOURCE, Family.ATTENTION)
        )
        or api.apply is ApplyModel.RNN_CELL
    )
    docs = """
    ## What it does
    Finds a torch RNN (`nn.LSTM`/`nn.GRU`/`nn.RNN`) whose layout the file contradicts: its
    output is time-first (the default `batch_first=False`) but is indexed or reduced as if it
    were batch-first (`out[:, -1]`, `out.mean(1)`), or it is fed data whose layout the file
    shows is the other one (`pad_sequence(seqs)` is time-first by default; a
    `torch.randn(batch, seq_len, features)` is batch-first). The same for
    `nn.MultiheadAttention`, `nn.TransformerEncoderLayer` and `nn.TransformerEncoder` (whose
    layout is its layer's `batch_first`), which are time-first by default too.

    ## Why is this bad?
    Nothing raises: with `batch_first=False`, `out[:, -1]` is `(T, H)`, every step of the last
    sequence in the batch, and `out.mean(1)` averages across the batch. Feeding `(B, T, F)` to a
    time-first RNN swaps batch and time, so sequences bleed into each other.

    ## Example
    ```python
    self.rnn = nn.LSTM(16, 32)            # batch_first=False
    out, _ = self.rnn(x)
    last = out[:, -1]
    ```

    ## Use instead
    ```python
    self.rnn = nn.LSTM(16, 32, batch_first=True)
    out, _ = self.rnn(x)                  # x is (batch, time, features)
    ```
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch import nn\n"
            "rnn = nn.GRU(8, 16)\n"
            "out, h = rnn(torch.randn(5, 4, 8))\n"
            "last = out[:, -1]\n",
            expect=(5,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "from torch import nn\n"
            "rnn = nn.GRU(8, 16)\n"
            "out, h = rnn(torch.randn(5, 4, 8))\n"
            "last = out[-1]\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for s in facts.subscripts:
            t = s.base
            maker = t.rnn or t.layout_by
            if t.layout != TBF or maker is None or t.role != Role.DATA:
                continue
            axes = s.axis_items(3)
            if axes is None:
                continue
            if axes.get(0, FULL_SLICE) != FULL_SLICE:
                continue
            if takes_last(axes.get(1)) is None and not isinstance(axes.get(1), IntIndex):
                continue
            yield Finding(
                node=s.node,
                message=(
                    f"`{facts.code(s.node)}` indexes axis 1 of a time-first {_kind(t)} output "
                    f"(the {_kind(t)} at {facts.where(maker)} has batch_first=False), which is the "
                    "batch axis: it selects one sequence, not a time step; use `out[-1]`, or "
                    "`batch_first=True` on the RNN"
                ),
            )
        for r in facts.reductions:
            t = r.operand
            maker = t.rnn or t.layout_by
            if maker is None or t.role != Role.DATA or t.layout not in (TBF, BTF):
                continue
            if r.axis is None or r.axis != t.batch_axis or r.op == "softmax":
                continue
            if t.stacked is not None:
                yield Finding(
                    node=r.node,
                    message=(
                        f"{r.api} reduces axis {r.axis} of a Python list of per-step RNN cell "
                        f"outputs (the cell at {facts.where(t.rnn or t.stacked)}): the list is "
                        "stacked on a new axis 0, so it is (time, batch, units) and axis 1 is "
                        "the batch, not time; reduce axis 0, or `tf.stack(steps, axis=1)` first"
                    ),
                )
                continue
            time_first = t.layout == TBF
            order = "(time, batch, features)" if time_first else "(batch, time, features)"
            head = (
                f"{r.api} reduces axis {r.axis} of an {_kind(t)} output whose layout is "
                f"{order} (the {_kind(t)} at {facts.where(maker)} has "
                f"batch_first={not time_first}), which is the batch axis"
            )
            if time_first:
                # which half is wrong depends on what the caller feeds: time-first data pooled
                # over the batch, or batch-first data the layer ran over the wrong axis
                tail = (
                    ": with time-first input it pools across the batch (reduce axis 0); with "
                    f"batch-first input the {_kind(t)} itself ran along the batch, not over "
                    "time (use `batch_first=True`)"
                )
            else:
                tail = ", so it pools across the batch, not over time; reduce axis 1"
            yield Finding(node=r.node, message=head + tail)
        yield from self._batch_rows(facts)
        for lc in facts.layer_calls:
            q = lc.layer.qualname
            if q not in lib.TORCH_RNNS and q not in _ATTENTION or not isinstance(lc.input, Tensor):
                continue
            bf = (
                lc.layer.arg("batch_first", False) if q in lib.TORCH_RNNS else batch_first(lc.layer)
            )
            layout = lc.input.layout
            if layout is None or bf not in (True, False):
                continue
            if bf and layout.startswith(TB):
                want, got = "batch-first", "time-first"
            elif not bf and layout.startswith(BT):
                want, got = "time-first", "batch-first"
            else:
                continue
            origin = lc.input.padding.evidence if lc.input.padding else lc.input.origin
            src = f" (from {facts.where(origin)})" if origin is not None else ""
            yield Finding(
                node=lc.node,
                message=(
                    f"`{lc.layer.short}` with batch_first={bf} expects {want} input, but it is "
                    f"given {got} data{src}, so batch and time are swapped; set "
                    f"`batch_first={not bf}` or transpose the input"
                ),
            )

    def _batch_rows(self, facts: FileFacts) -> Iterator[Finding]:
        """``out.view(batch, -1)`` of a time-first output: each row mixes sequences."""
        for rs in facts.reshapes:
            t = rs.source
            maker = t.rnn or t.layout_by
            if t.layout != TBF or maker is None or t.role != Role.DATA:
                continue
            dims = rs.dims
            if dims is None or len(dims) != 2:
                continue
            first = dims[0]
            batch, steps = t.dim(1), t.dim(0)
            own = rs._is_source_axis(first, 1)
            sized = isinstance(batch, int) and first.resolved() == batch != steps
            if not (own or sized):
                continue
            yield Finding(
                node=rs.node,
                message=(
                    f"`{facts.code(rs.node)}` makes one row per batch element of a time-first "
                    f"{_kind(t)} output (the {_kind(t)} at {facts.where(maker)} has "
                    "batch_first=False, so the output is (time, batch, features)): each row "
                    "mixes the steps of several sequences; move the batch first "
                    "(`.transpose(0, 1).reshape(batch, -1)`) or use `batch_first=True`"
                ),
            )
