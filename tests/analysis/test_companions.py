"""The lengths or mask that go with a padded value at a line (analysis/companions.py).

Each case pools on the line marked ``# here``; the query must name the companion the data flow
shows, or nothing where it does not (a name alone, another function, a value moved in time).
"""

from __future__ import annotations

import pytest

from pooling_lint.analysis.companions import Companion, companion
from tests.analysis.conftest import facts_of, line_of


def found(src: str) -> tuple[str, str] | None:
    facts = facts_of(src)
    line = line_of(src, "# here")
    hits: list[Companion | None] = []
    for r in facts.reductions:
        if facts.line(r.node) == line and r.operand_node is not None:
            hits.append(companion(facts, r.operand, r.operand_node, r.node))
    for s in facts.subscripts:
        if facts.line(s.node) == line and s.base.padding is not None:
            hits.append(companion(facts, s.base, s.node.value, s.node))
    assert hits, "nothing padded is pooled on the marked line"
    c = hits[0]
    return (c.kind, c.name) if c is not None else None


FOUND = {
    "pack_padded_sequence lengths, through pad_packed_sequence": (
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = torch.nn.GRU(4, 8, batch_first=True)
            def forward(self, x, lengths):
                packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                              enforce_sorted=False)
                out, _ = self.rnn(packed)
                out, _ = pad_packed_sequence(out, batch_first=True)
                return out.mean(dim=1)  # here
        """,
        ("lengths", "lengths"),
    ),
    "arange < lengths[:, None]": (
        """
        import torch
        def pool(x, n):
            valid = torch.arange(x.size(1))[None, :] < n[:, None]
            return x.mean(1)  # here
        """,
        ("lengths", "n"),
    ),
    "sequence_mask(lengths, tf.shape(x)[1]) through T": (
        """
        import tensorflow as tf
        def pool(x, lens):
            T = tf.shape(x)[1]
            m = tf.sequence_mask(lens, T)
            return tf.reduce_mean(x, axis=1)  # here
        """,
        ("lengths", "lens"),
    ),
    "x * m[..., None]": (
        """
        import torch
        def pool(h, mask):
            h = h * mask[..., None]
            return h.mean(1)  # here
        """,
        ("mask", "mask"),
    ),
    "masked_fill(~m, 0): m marks the valid steps": (
        """
        import torch
        def pool(h, m):
            h = h.masked_fill(~m.unsqueeze(-1), 0.0)
            return torch.mean(h, 1)  # here
        """,
        ("mask", "m"),
    ),
    "masked_fill(m == 0, 0)": (
        """
        import torch
        def pool(h, mask):
            h = h.masked_fill(mask.unsqueeze(-1) == 0, 0.0)
            return torch.mean(h, 1)  # here
        """,
        ("mask", "mask"),
    ),
    "a local mask made of the lengths gives the lengths": (
        """
        import torch
        def pool(h, n):
            keep = (torch.arange(h.size(1))[None, :] < n[:, None]).float()
            h = h * keep[..., None]
            return h.mean(1)  # here
        """,
        ("lengths", "n"),
    ),
    "through a conversion that keeps the values (torch.as_tensor)": (
        """
        import torch
        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = torch.nn.LSTM(4, 8, batch_first=True)
            def forward(self, x, mask):
                x = x * mask.unsqueeze(-1)
                out, _ = self.rnn(x)
                return torch.as_tensor(out).mean(1)  # here
        """,
        ("mask", "mask"),
    ),
    "through a torch LSTM and a Linear": (
        """
        import torch
        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = torch.nn.LSTM(4, 8, batch_first=True)
                self.proj = torch.nn.Linear(8, 8)
            def forward(self, x, mask):
                x = x * mask.unsqueeze(-1)
                out, _ = self.rnn(x)
                return torch.relu(self.proj(out)).mean(1)  # here
        """,
        ("mask", "mask"),
    ),
}

NONE = {
    "masked_fill(pad, 0): pad marks the padding": """
        import torch
        def pool(h, pad):
            h = h.masked_fill(pad.unsqueeze(-1), 0.0)
            return torch.mean(h, 1)  # here
        """,
    "lengths defined in another function": """
        import torch
        def helper(h):
            return h.mean(1)  # here
        def pool(x, lengths):
            mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return helper(x)
        """,
    "a time slice no longer lines up": """
        import torch
        def pool(x, lengths):
            mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
            y = x[:, 1:]
            return y.mean(1)  # here
        """,
    "the last step cut off": """
        import torch
        def pool(x, lengths):
            mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return x[:, :-1].mean(1)  # here
        """,
    "the lengths rebound after the connection": """
        import torch
        def pool(x, lengths):
            mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
            lengths = lengths - 1
            return x.mean(1)  # here
        """,
    "the connection only on one branch": """
        import torch
        def pool(x, lengths, flag):
            if flag:
                mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return x.mean(1)  # here
        """,
    "sorted lengths given to the packing": """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = torch.nn.GRU(4, 8, batch_first=True)
            def forward(self, x, lengths, idx):
                packed = pack_padded_sequence(x, lengths[idx], batch_first=True)
                out, _ = self.rnn(packed)
                out, _ = pad_packed_sequence(out, batch_first=True)
                return out.mean(dim=1)  # here
        """,
    "a mask passed to a call says nothing of its polarity": """
        import torch
        def encode(x, attention_mask):
            return x
        def pool(x, mask):
            h = encode(x, attention_mask=mask)
            return h.mean(1)  # here
        """,
    "a mask applied at the data's own rank is no [batch, time] mask": """
        import torch
        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = torch.nn.GRU(4, 8, batch_first=True)
            def forward(self, x, mask):
                h, _ = self.rnn(x)
                h = h * mask
                return h.mean(1)  # here
        """,
    "mask[:, None] is a new middle axis, not a trailing one": """
        import torch
        def pool(h, mask):
            h = h.masked_fill(~mask[:, None], 0.0)
            return torch.mean(h, 1)  # here
        """,
    "a value the analysis padded from a padding API, with no lengths": """
        import torch
        from torch.nn.utils.rnn import pad_sequence
        def pool(seqs):
            x = pad_sequence(seqs, batch_first=True)
            return x.mean(1)  # here
        """,
}


@pytest.mark.parametrize("case", list(FOUND))
def test_companion_is_named(case: str) -> None:
    src, want = FOUND[case]
    assert found(src) == want


@pytest.mark.parametrize("case", list(NONE))
def test_no_companion(case: str) -> None:
    assert found(NONE[case]) is None


def test_companion_evidence_is_the_connection() -> None:
    src = FOUND["arange < lengths[:, None]"][0]
    facts = facts_of(src)
    r = next(r for r in facts.reductions if r.op == "mean")
    assert r.operand_node is not None
    c = companion(facts, r.operand, r.operand_node, r.node)
    assert c is not None
    assert facts.code(c.evidence.node).startswith("torch.arange(x.size(1))")
