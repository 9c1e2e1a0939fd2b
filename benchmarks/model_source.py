"""Synthetic model code for the editor benchmarks: PyTorch encoders with the usual pooling
(some of it over padding, so the rules have findings to report), built to a line count."""

from __future__ import annotations

HEADER = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

"""

BLOCK = """\
class Encoder{n}(nn.Module):
    \"\"\"Encoder number {n}: an LSTM over padded batches.\"\"\"

    def __init__(self, vocab: int, dim: int = 64) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, seqs: list[torch.Tensor]) -> torch.Tensor:
        lengths = torch.tensor([len(s) for s in seqs])
        x = pad_sequence(seqs, batch_first=True)
        h = self.drop(self.embed(x))
        out, _ = self.lstm(h)
        pooled = out.mean(dim=1)
        scores = F.softmax(self.proj(out).sum(-1), dim=1)
        last = out[:, -1]
        return pooled + last + (scores.unsqueeze(-1) * out).sum(1)

    def packed(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]
        summed = (out * mask.unsqueeze(-1)).sum(dim=1)
        return summed / lengths.clamp(min=1).unsqueeze(-1)


"""


def model_source(lines: int) -> str:
    """About ``lines`` lines of model code (whole blocks; at least one)."""
    block_lines = BLOCK.count("\n")
    blocks = max(1, (lines - HEADER.count("\n")) // block_lines)
    return HEADER + "".join(BLOCK.format(n=n) for n in range(blocks))


def notebook_cells(cells: int) -> list[str]:
    """A notebook-shaped session: imports, then one model per cell, then a use of each."""
    out = [HEADER]
    for n in range(cells - 1):
        out.append(BLOCK.format(n=n) if n % 2 == 0 else f"enc = Encoder{n - 1}(100)\n")
    return out
