"""Sums over padded time divided by the padded length, and stacks/joins of a model's layers.

* ``x.sum(1) / x.size(1)`` (or ``/ x.shape[1]``, ``torch.div``) is the plain mean over time:
  recorded as a ``mean`` reduction of the summed tensor when the sum ran over the time axis of
  padded data and the divisor is the size of a padded tensor's time axis.
* ``torch.stack(out.hidden_states[-4:])`` (parts all equal) adds a ``STACK`` axis and keeps
  the padding; ``torch.cat([hs[i] for i in ...], dim=-1)`` joins the feature axis.
* ``DataLoader(collate_fn=Collator())`` / ``collate_fn=lambda b: ...``: the batches are what
  ``__call__`` / the lambda returns.
"""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import ListOf, Tensor

from .conftest import events_on, facts_of, line_of, probe_at

_PAD = """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pad_sequence
    gru = nn.GRU(16, 32, batch_first=True)
    x = pad_sequence([torch.randn(5, 16), torch.randn(2, 16)], batch_first=True)
    out, _ = gru(x)
"""

_HF = """
    import torch
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    model = AutoModel.from_pretrained("bert-base-uncased", output_hidden_states=True)
    enc = tok(["a", "b c d"], padding=True, return_tensors="pt")
    res = model(**enc)
"""


def _means(src: str, marker: str) -> list:
    facts = facts_of(src)
    return [r for r in events_on(facts, facts.reductions, line_of(src, marker)) if r.op == "mean"]


def test_sum_over_time_divided_by_the_padded_length_is_a_mean() -> None:
    src = (
        _PAD
        + """
    a = out.sum(1) / out.size(1)
    total = torch.sum(out, dim=1)
    b = total / out.shape[1]
    c = torch.div((out * 2).sum(dim=1), x.size(1))
    """
    )
    for marker in ("a = ", "b = ", "c = "):
        found = _means(src, marker)
        assert len(found) == 1, marker
        assert found[0].axis == 1 and found[0].operand.padding is not None


def test_other_divisions_are_no_mean() -> None:
    src = (
        _PAD
        + """
    lengths = torch.tensor([5, 2])
    a = out.sum(1) / lengths[:, None]
    b = out.sum(2) / out.size(2)
    c = out.sum(1) / out.size(2)
    d = out.sum(1) / 7
    y = torch.randn(4, 9, 32)
    e = y.sum(1) / y.size(1)
    """
    )
    for marker in ("a = ", "b = ", "c = ", "d = ", "e = "):
        assert _means(src, marker) == [], marker


def test_a_cast_of_the_padded_length_is_the_same_length() -> None:
    src = (
        _PAD
        + """
    a = out.sum(1) / float(out.size(1))
    b = out.sum(1) / torch.as_tensor(out.size(1))
    c = out.sum(1) / torch.exp(torch.as_tensor(out.size(1)))
    """
    )
    assert len(_means(src, "a = ")) == 1
    assert len(_means(src, "b = ")) == 1
    assert _means(src, "c = ") == []  # exp of a size is not that size


def test_tf_and_keras_backend_casts_of_the_padded_length() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.keras import backend as K
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    x = pad_sequences([[1, 2], [3]], maxlen=20, padding="post")
    inp = tf.keras.Input(shape=(20,))
    h = tf.keras.layers.LSTM(8, return_sequences=True)(tf.keras.layers.Embedding(50, 8)(inp))
    model = tf.keras.Model(inp, h)
    model.fit(x, x)
    a = tf.reduce_sum(h, axis=1) / tf.cast(tf.shape(h)[1], tf.float32)
    b = K.sum(h, axis=1) / K.cast(K.shape(h)[1], "float32")
    c = K.sum(h, axis=1) / K.cast(K.shape(h)[2], "float32")
    """
    assert len(_means(src, "a = ")) == 1
    assert len(_means(src, "b = ")) == 1
    assert _means(src, "c = ") == []  # the feature size, not the time length


def test_stack_of_hidden_states_keeps_the_padding() -> None:
    src = (
        _HF
        + """
    probe(torch.stack(res.hidden_states[-4:]))
    probe(torch.stack(res.hidden_states[-4:], dim=-1))
    probe(torch.stack([res.hidden_states[-1], res.hidden_states[-2]], 0).mean(0))
    """
    )
    facts = facts_of(src)
    first = probe_at(facts, line_of(src, "[-4:]))"))
    assert isinstance(first, Tensor) and first.layout == Layout.parse("SBTF")
    assert first.padding is not None and first.time_axis == 2
    last = probe_at(facts, line_of(src, "dim=-1"))
    assert isinstance(last, Tensor) and last.layout == Layout.parse("BTFS")
    mean = probe_at(facts, line_of(src, ".mean(0)"))
    assert isinstance(mean, Tensor) and mean.layout == Layout.parse("BTF")
    assert mean.padding is not None


def test_cat_of_a_comprehension_over_hidden_states_joins_features() -> None:
    src = (
        _HF
        + """
    probe(torch.cat([res.hidden_states[i] for i in (-1, -2, -3, -4)], dim=-1))
    probe(torch.cat([res.hidden_states[i] for i in (-1, -2)], dim=1))
    """
    )
    facts = facts_of(src)
    joined = probe_at(facts, line_of(src, "dim=-1"))
    assert isinstance(joined, Tensor) and joined.layout == Layout.parse("BTF")
    assert joined.padding is not None and (joined.dims is None or joined.dims[2] is None)
    assert probe_at(facts, line_of(src, "dim=1))")) is None  # along time: not modelled


_COLLATE = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    from torch.utils.data import DataLoader

    class Pad:
        def __call__(self, items):
            return pad_sequence(items, batch_first=True)

    class Stack:
        def __call__(self, items):
            return torch.stack(items)

    for a in DataLoader(data, collate_fn=Pad()):
        probe(a)
    for b in DataLoader(data, collate_fn=lambda items: pad_sequence(items, batch_first=True)):
        probe(b)
    for c in DataLoader(data, collate_fn=Stack()):
        probe(c)
    for d in DataLoader(data, collate_fn=lambda items: torch.stack(items)):
        probe(d)
"""


def test_a_collator_object_or_lambda_makes_the_batches() -> None:
    facts = facts_of(_COLLATE)
    for name in ("a", "b"):
        t = probe_at(facts, line_of(_COLLATE, f"probe({name})"))
        assert isinstance(t, Tensor) and t.padding is not None, name
    for name in ("c", "d"):
        t = probe_at(facts, line_of(_COLLATE, f"probe({name})"))
        assert not (isinstance(t, Tensor) and t.padding is not None), name


def test_a_comprehension_over_a_module_list_of_one_module_binds_it() -> None:
    src = """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pad_sequence
    convs = nn.ModuleList([nn.Conv1d(8, 4, k) for k in (2, 3)])
    mixed = nn.ModuleList([nn.Conv1d(8, 4, 2), nn.GRU(8, 4)])
    x = pad_sequence([torch.randn(5, 8), torch.randn(2, 8)], batch_first=True).transpose(1, 2)
    probe([conv(x) for conv in convs])
    probe([m(x) for m in mixed])
    """
    facts = facts_of(src)
    same_kind = probe_at(facts, line_of(src, "for conv in convs"))
    assert isinstance(same_kind, ListOf) and isinstance(same_kind.item, Tensor)
    assert same_kind.item.padding is not None
    different = probe_at(facts, line_of(src, "for m in mixed"))
    assert not (isinstance(different, ListOf) and isinstance(different.item, Tensor))


def test_stacking_padded_rows_makes_the_batch_axis() -> None:
    src = """
    import torch
    rows = []
    for s in seqs:
        rows.append(s + [0] * (50 - len(s)))
    probe(torch.tensor(rows))
    probe(torch.stack([torch.tensor(r) for r in rows]))
    probe(torch.stack([torch.tensor(r) for r in rows], dim=1))
    """
    facts = facts_of(src)
    made = probe_at(facts, line_of(src, "probe(torch.tensor(rows))"))
    assert isinstance(made, Tensor) and made.layout == Layout.parse("BT")
    stacked = probe_at(facts, line_of(src, "rows]))"))
    assert isinstance(stacked, Tensor) and stacked.layout == Layout.parse("BT")
    assert stacked.padding is not None
    time_first = probe_at(facts, line_of(src, "dim=1"))
    assert isinstance(time_first, Tensor) and time_first.layout == Layout.parse("TB")
