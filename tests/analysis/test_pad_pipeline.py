"""A hand-written data pipeline, step by step: pad or truncate each token list, map it to ids,
collect (ids, label, length) records, batch them with an iterator class, stack a column of a
batch (analysis/pad_loops.py, flows.py, expressions.py, scopes.py)."""

from __future__ import annotations

from pooling_lint.analysis.values import ListOf, Side, Tensor, TupleValue

from .conftest import facts_of, line_of, probe_at


def _padded(v: object) -> bool:
    return isinstance(v, Tensor) and v.padding is not None


def _value(src: str, marker: str) -> object:
    return probe_at(facts_of(src), line_of(src, marker))


PAD_OR_TRUNCATE = """
def fit(tokens, size):
    if len(tokens) < size:
        tokens.extend(["<pad>"] * (size - len(tokens)))
    else:
        tokens = tokens[:size]
    probe(tokens)
"""


def test_pad_or_truncate_to_a_bound_is_padded() -> None:
    v = _value(PAD_OR_TRUNCATE, "probe(tokens)")
    assert _padded(v) and isinstance(v, Tensor) and v.padding is not None
    assert v.padding.side is Side.POST


def test_padding_switched_on_by_its_own_bound_is_padded() -> None:
    src = """
    def fit(tokens, size=32):
        if size:
            tokens.extend([0] * (size - len(tokens)))
        probe(tokens)
    """
    assert _padded(_value(src, "probe(tokens)"))


def test_a_branch_on_anything_else_stays_unsure() -> None:
    src = """
    def fit(tokens, size, flag):
        if flag:
            tokens.extend([0] * (size - len(tokens)))
        probe(tokens)
    def fit2(tokens, size, other):
        if len(other) < size:
            tokens.extend([0] * (size - len(tokens)))
        probe(tokens)
    """
    facts = facts_of(src)
    calls = [c for c in facts.calls if getattr(c.node.func, "id", "") == "probe"]
    assert len(calls) == 2 and not any(_padded(c.args[0]) for c in calls)


MAPPED = """
def ids_of(tokens, size, vocab):
    tokens.extend(["<pad>"] * (size - len(tokens)))
    ids = []
    for word in tokens:
        ids.append(vocab.get(word, 0))
    probe(ids)
    same = []
    for word in tokens:
        same.append(0)
    probe(same)
    some = []
    for word in tokens:
        if word in vocab:
            some.append(vocab[word])
    probe(some)
"""


def test_a_list_mapped_step_by_step_from_a_padded_list_is_padded() -> None:
    v = _value(MAPPED, "probe(ids)")
    assert _padded(v) and isinstance(v, Tensor) and str(v.layout) == "T"
    assert v.padding is not None and v.padding.fill is None  # what the pad maps to is unknown


def test_an_append_that_ignores_the_step_or_may_be_skipped_is_not_a_map() -> None:
    assert not _padded(_value(MAPPED, "probe(same)"))
    assert not _padded(_value(MAPPED, "probe(some)"))


ITERATOR = """
import torch

class Batches(object):
    def __init__(self, rows, size):
        self.rows = rows
        self.size = size
        self.at = 0

    def __next__(self):
        chunk = self.rows[self.at * self.size:(self.at + 1) * self.size]
        self.at += 1
        return torch.LongTensor([r[0] for r in chunk]), torch.LongTensor([r[1] for r in chunk])

    def __iter__(self):
        return self

def records(lines, size):
    out = []
    for line in lines:
        tokens = line.split()
        out.append((tokens + [0] * (size - len(tokens)), 1))
    return out

rows = records(open("f"), 16)
loader = Batches(rows, 8)
for ids, labels in loader:
    probe(ids)
"""


def test_records_appended_as_tuples_keep_their_padded_field() -> None:
    src = """
    out = []
    for line in lines:
        out.append((line + [0] * (9 - len(line)), 1))
    probe(out)
    probe(out[2:5])
    """
    facts = facts_of(src)
    for marker in ("probe(out)", "probe(out[2:5])"):
        v = probe_at(facts, line_of(src, marker))
        assert isinstance(v, ListOf) and isinstance(v.item, TupleValue)
        assert _padded(v.item.items[0])


def test_an_iterator_class_gives_what_next_returns() -> None:
    # its rows set in __init__, sliced in __next__, a column stacked, walked by `for`
    v = _value(ITERATOR, "probe(ids)")
    assert _padded(v) and isinstance(v, Tensor) and str(v.layout) == "BT"


def test_an_object_without_iter_is_not_walked() -> None:
    src = ITERATOR.replace("def __iter__(self):", "def reset(self):")
    assert not _padded(_value(src, "probe(ids)"))


EMBEDDINGS = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, weights, n, dim):
        super().__init__()
        if weights is not None:
            self.embed = nn.Embedding.from_pretrained(weights, freeze=False)
        else:
            self.embed = nn.Embedding(n, dim, padding_idx=n - 1)
        self.rnn = nn.LSTM(dim, dim, batch_first=True)

    def forward(self, ids):
        probe(self.embed)
        return self.embed(ids)

net = Net(None, 10, 4)
tokens = []
for row in rows:
    tokens.append(row + [0] * (8 - len(row)))
out = net(torch.tensor(tokens))
probe(out)
"""


def test_an_embedding_built_two_ways_stays_an_embedding() -> None:
    from pooling_lint.analysis.values import Layer

    facts = facts_of(EMBEDDINGS)
    layer = probe_at(facts, line_of(EMBEDDINGS, "probe(self.embed)"))
    assert isinstance(layer, Layer) and layer.qualname.startswith("torch.nn.Embedding")
    assert "padding_idx" not in layer.args  # the two disagree on it: not kept
    out = probe_at(facts, line_of(EMBEDDINGS, "probe(out)"))
    assert _padded(out) and isinstance(out, Tensor) and str(out.layout) == "BTF"


def test_two_different_rnns_still_leave_the_layer_unknown() -> None:
    src = EMBEDDINGS.replace(
        "self.embed = nn.Embedding(n, dim, padding_idx=n - 1)",
        "self.embed = nn.LSTM(dim, dim)",
    )
    facts = facts_of(src)
    assert probe_at(facts, line_of(src, "probe(self.embed)")) is None
