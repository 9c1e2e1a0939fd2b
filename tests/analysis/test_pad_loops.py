"""Hand-written padding recognised by the shape of the computation (analysis/pad_loops.py)."""

from __future__ import annotations

from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.values import Fill, Side, Tensor

from .conftest import facts_of, line_of, probe_at


def _padded(v: object) -> bool:
    return isinstance(v, Tensor) and v.padding is not None


def test_list_plus_constant_times_missing_length_pads_at_the_end() -> None:
    src = """
    import torch
    rows = []
    for s in seqs:
        rows.append(s + [0] * (max_len - len(s)))
    batch = torch.tensor(rows)
    probe(batch)
    """
    v = probe_at(facts_of(src), line_of(src, "probe(batch)"))
    assert isinstance(v, Tensor) and _padded(v) and v.layout == Layout.parse("BT")
    assert v.padding is not None and v.padding.side is Side.POST and v.padding.fill is Fill.ZERO


def test_constant_before_the_list_pads_at_the_front() -> None:
    src = """
    x = [PAD] * (n - len(s)) + s
    probe(x)
    """
    v = probe_at(facts_of(src), line_of(src, "probe(x)"))
    assert isinstance(v, Tensor) and v.padding is not None and v.padding.side is Side.PRE
    assert v.padding.fill is None  # the value of PAD is not shown


def test_extend_and_augmented_add_pad_the_list() -> None:
    src = """
    def a(tokens, size):
        tokens.extend(["<pad>"] * (size - len(tokens)))
        probe(tokens)
    def b(tokens, size):
        tokens += [0] * (size - len(tokens))
        probe(tokens)
    """
    facts = facts_of(src)
    calls = [c for c in facts.calls if getattr(c.node.func, "id", "") == "probe"]
    assert len(calls) == 2 and all(_padded(c.args[0]) for c in calls)


def test_a_length_of_another_list_is_not_padding() -> None:
    src = """
    x = s + [0] * (n - len(other))
    y = s + [0] * 3
    probe(x)
    probe(y)
    """
    facts = facts_of(src)
    assert not _padded(probe_at(facts, line_of(src, "probe(x)")))
    assert not _padded(probe_at(facts, line_of(src, "probe(y)")))


def test_zeros_filled_row_by_row_up_to_each_length() -> None:
    src = """
    import numpy as np
    post = np.zeros((len(seqs), 50))
    pre = np.zeros((len(seqs), 50))
    for i, s in enumerate(seqs):
        post[i, :len(s)] = s
        pre[i, -len(s):] = s
    probe(post)
    probe(pre)
    """
    facts = facts_of(src)
    post = probe_at(facts, line_of(src, "probe(post)"))
    pre = probe_at(facts, line_of(src, "probe(pre)"))
    assert isinstance(post, Tensor) and post.padding is not None
    assert post.padding.side is Side.POST and post.layout == Layout.parse("BT")
    assert isinstance(pre, Tensor) and pre.padding is not None and pre.padding.side is Side.PRE


def test_rows_filled_to_a_fixed_width_are_not_padding() -> None:
    src = """
    import numpy as np
    arr = np.zeros((len(seqs), 50))
    for i, s in enumerate(seqs):
        arr[i, :50] = s[:50]
    probe(arr)
    """
    assert not _padded(probe_at(facts_of(src), line_of(src, "probe(arr)")))


def test_a_lookup_over_each_step_of_a_padded_list_keeps_the_padding() -> None:
    src = """
    def encode(tokens, vocab, n):
        tokens = tokens + ["<pad>"] * (n - len(tokens))
        ids = [vocab.get(w, 1) for w in tokens]
        probe(ids)
        same = [w for w in tokens]
        probe(same)
    """
    facts = facts_of(src)
    ids = probe_at(facts, line_of(src, "probe(ids)"))
    assert isinstance(ids, Tensor) and ids.padding is not None
    assert ids.padding.side is Side.POST and ids.padding.fill is None
    assert ids.layout == Layout.parse("T")
    same = probe_at(facts, line_of(src, "probe(same)"))
    assert isinstance(same, Tensor) and same.padding is not None
    assert same.padding.side is Side.POST


def test_a_filtering_or_nested_comprehension_over_a_padded_list_says_nothing() -> None:
    src = """
    def encode(tokens, vocab, n):
        tokens = tokens + [0] * (n - len(tokens))
        kept = [w for w in tokens if w != 0]
        probe(kept)
        pairs = [a + b for a in tokens for b in tokens]
        probe(pairs)
        rows = [[w] * 3 for w in tokens]
        probe(rows)
    """
    facts = facts_of(src)
    for name in ("kept", "pairs", "rows"):
        v = probe_at(facts, line_of(src, f"probe({name})"))
        assert not (isinstance(v, Tensor) and v.padding is not None), name
