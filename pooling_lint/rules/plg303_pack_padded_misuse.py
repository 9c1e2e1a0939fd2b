"""PLG303: `pack_padded_sequence` with lengths on the GPU or unsorted without enforce_sorted."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import CallModel
from pooling_lint.analysis.values import Const, Tensor
from pooling_lint.rules.base import Example, Finding, Rule


class PackPaddedMisuse(Rule):
    code = "PLG303"
    name = "pack-padded-misuse"
    summary = (
        "`pack_padded_sequence` lengths on the GPU, unsorted with enforce_sorted=True, or "
        "measured after padding"
    )
    triggers = lib.names(lambda api: api.call is CallModel.PACK_PADDED)
    docs = """
    ## What it does
    Finds `pack_padded_sequence(x, lengths, ...)` where `lengths` was moved to the GPU
    (`lengths.cuda()`, `lengths.to(device)`), where the lengths are written out in the
    file, not in decreasing order, and `enforce_sorted=False` is not passed, or where the
    lengths were measured on the rows of the batch after padding it
    (`[len(p) for p in pad_sequence(seqs, batch_first=True)]`).

    ## Why is this bad?
    The lengths must be a 1-D CPU int64 tensor: `'lengths' argument should be a 1D CPU int64
    tensor, but got 1D cuda:0 Long tensor`. With the default `enforce_sorted=True`, unsorted
    lengths raise ``RuntimeError: `lengths` array must be sorted in decreasing order``. Lengths
    read from padded rows are all the padded length: nothing raises, the padding is packed
    as if it were data, and the RNN's final state is the state after the padding.

    ## Example
    ```python
    packed = pack_padded_sequence(x, lengths.to(device), batch_first=True)
    ```

    ## Use instead
    ```python
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    ```
    """
    bad_examples = (
        Example(
            "import torch\n"
            "from torch.nn.utils.rnn import pack_padded_sequence\n"
            "p = pack_padded_sequence(x, torch.tensor([2, 5, 3]), batch_first=True)\n",
            expect=(3,),
        ),
    )
    good_examples = (
        Example(
            "import torch\n"
            "from torch.nn.utils.rnn import pack_padded_sequence\n"
            "p = pack_padded_sequence(x, torch.tensor([2, 5, 3]), batch_first=True,\n"
            "                         enforce_sorted=False)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for call in facts.calls:
            if call.qualname != "torch.nn.utils.rnn.pack_padded_sequence":
                continue
            lengths = call.args[1] if len(call.args) > 1 else call.kwarg("lengths")
            if isinstance(lengths, Tensor) and lengths.padded_rows is not None:
                rows = facts.code(lengths.padded_rows.node)
                yield Finding(
                    node=call.node,
                    message=(
                        f"`pack_padded_sequence` gets lengths measured on the rows of `{rows}` "
                        f"after padding ({facts.where(lengths.padded_rows)}), so every length is "
                        "the padded length and the padding is packed as data; pass the "
                        "lengths of the sequences before padding (`[len(s) for s in seqs]`)"
                    ),
                )
                continue
            if isinstance(lengths, Tensor) and lengths.device_moved is not None:
                yield Finding(
                    node=call.node,
                    message=(
                        "`pack_padded_sequence` needs lengths on the CPU, but they were moved "
                        f"to the device by {facts.where(lengths.device_moved)}; pass "
                        "`lengths.cpu()`"
                    ),
                )
                continue
            values: tuple[int, ...] | None = None
            if isinstance(lengths, Tensor):
                values = lengths.lengths_literal
            elif isinstance(lengths, Const) and isinstance(lengths.value, tuple):
                if all(isinstance(v, int) for v in lengths.value):
                    values = lengths.value
            if values is None or list(values) == sorted(values, reverse=True):
                continue
            enforce = call.kwarg("enforce_sorted")
            if call.has_kwarg("enforce_sorted") and not (
                isinstance(enforce, Const) and enforce.value is True
            ):
                continue
            yield Finding(
                node=call.node,
                message=(
                    f"`pack_padded_sequence` lengths {list(values)} are not in decreasing "
                    "order, which raises with the default enforce_sorted=True; pass "
                    "`enforce_sorted=False`"
                ),
            )
