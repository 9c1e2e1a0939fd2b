"""The pad loop's bound as the padded batch's time size (analysis/pad_loops.py, ``fitted``):
a sequence padded to ``n`` where it is shorter and cut to ``x[:n]`` where it is not has exactly
``n`` steps, so a batch of such rows is ``(batch, n)``, and a window pool of ``n`` steps over
it covers all of its time, padding included. ``n`` is compared by value (an int the code
shows: a literal, a module constant, a default), never by its name."""

from __future__ import annotations

from pooling_lint.analysis.queries import reduces_over_padded_time
from pooling_lint.analysis.values import Tensor

from .conftest import facts_of, line_of, probe_at

FIT = """
import torch
MAX_LEN = 40

def encode(texts, vocab, max_len=MAX_LEN):
    rows = []
    for text in texts:
        ids = [vocab.get(w, 1) for w in text.split()]
        {fit}
        probe(ids)
        rows.append(ids)
    batch = torch.tensor(rows)
    probe(batch)
    return batch

encode(["a b"], {{}})
"""

PAD_OR_CUT = """if len(ids) < max_len:
            ids += [0] * (max_len - len(ids))
        else:
            ids = ids[:max_len]"""


def _dims(fit: str, marker: str = "probe(batch)") -> object:
    src = FIT.format(fit=fit)
    v = probe_at(facts_of(src), line_of(src, marker))
    assert isinstance(v, Tensor) and v.padding is not None
    return v.dims


def test_pad_or_cut_to_a_known_bound_gives_that_many_steps() -> None:
    assert _dims(PAD_OR_CUT, "probe(ids)") == (40,)  # the default is a module constant
    assert _dims(PAD_OR_CUT) == (None, 40)
    mirrored = PAD_OR_CUT.replace("len(ids) < max_len", "max_len > len(ids)")
    assert _dims(mirrored) == (None, 40)
    cut_first = """if len(ids) >= max_len:
            ids = ids[:max_len]
        else:
            ids.extend([0] * (max_len - len(ids)))"""
    assert _dims(cut_first) == (None, 40)


def test_without_the_cut_the_length_is_not_known() -> None:
    # padded where shorter, left as it is where longer: at least n steps, not exactly n
    pad_only = """if len(ids) < max_len:
            ids += [0] * (max_len - len(ids))
        else:
            ids = ids"""
    assert _dims(pad_only) is None
    other_cut = PAD_OR_CUT.replace("ids[:max_len]", "ids[:64]")
    assert _dims(other_cut) is None


def test_padding_on_the_longer_side_says_nothing_of_the_length() -> None:
    wrong = """if len(ids) > max_len:
            ids += [0] * (max_len - len(ids))
        else:
            ids = ids[:max_len]"""
    src = FIT.format(fit=wrong)
    v = probe_at(facts_of(src), line_of(src, "probe(batch)"))
    assert not (isinstance(v, Tensor) and v.dims is not None and v.dims[1] == 40)


def test_a_bound_of_unknown_value_gives_no_length() -> None:
    src = FIT.format(fit=PAD_OR_CUT).replace("max_len=MAX_LEN", "max_len")
    v = probe_at(facts_of(src), line_of(src, "probe(batch)"))
    assert isinstance(v, Tensor) and v.padding is not None and v.dims is None


def test_mapping_the_fitted_tokens_step_by_step_keeps_the_length() -> None:
    src = """
    import torch

    def encode(texts, vocab, pad_size=32):
        rows = []
        for text in texts:
            token = [ch for ch in text]
            if len(token) < pad_size:
                token.extend(["<pad>"] * (pad_size - len(token)))
            else:
                token = token[:pad_size]
            ids = []
            for word in token:
                ids.append(vocab.get(word, 1))
            rows.append((ids, len(text)))
        batch = torch.LongTensor([r[0] for r in rows])
        probe(batch)
        return batch
    """
    v = probe_at(facts_of(src), line_of(src, "probe(batch)"))
    assert isinstance(v, Tensor) and v.padding is not None and v.dims == (None, 32)


POOL = """
import torch
from torch import nn

MAX_LEN = 40

def encode(texts, vocab, max_len=MAX_LEN):
    rows = []
    for text in texts:
        ids = [vocab.get(w, 1) for w in text.split()]
        if len(ids) < max_len:
            ids += [0] * (max_len - len(ids))
        else:
            ids = ids[:max_len]
        rows.append(ids)
    return torch.tensor(rows)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(100, 8)
        self.pool = nn.MaxPool1d({kernel})

    def forward(self, ids):
        out = self.embedding(ids).permute(0, 2, 1)
        return self.pool(out)

Net()(encode(["a b"], {{}}))
"""


def _pool(kernel: str) -> tuple[bool, int | None]:
    facts = facts_of(POOL.format(kernel=kernel))
    pools = [r for r in facts.reductions if r.api == "`MaxPool1d`"]
    assert len(pools) == 1
    r = pools[0]
    return reduces_over_padded_time(r), r.operand.dim(r.axis) if r.axis is not None else None


def test_a_window_of_the_padded_length_covers_all_of_the_time() -> None:
    assert _pool("MAX_LEN") == (True, 40)
    assert _pool("40") == (True, 40)  # compared by value, whatever it is written as


def test_a_smaller_window_does_not() -> None:
    assert _pool("4") == (False, 40)
