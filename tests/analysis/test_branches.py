"""Facts refined per branch (analysis/branches.py): None-checks on padding evidence, cached
decoding steps, the paths after a return, and subscripts that read only a shape."""

from __future__ import annotations

import ast

import pytest

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.branches import split
from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.queries import reads_last_step, takes_last_step
from pooling_lint.analysis.values import Tensor

from .conftest import events_on, facts_of, line_of, probe_at, reduction_on, subscript_on

# x is padded as `lengths` describes: the function compares lengths with x's time dim.
POOL = """
import torch

def pool(x, lengths=None):
    keep = torch.arange(x.size(1))[None, :] < lengths[:, None]
    {body}
"""


def _pool(body: str) -> str:
    lines = body.strip("\n").splitlines()
    return POOL.format(body="\n    ".join(lines))


def _padded(v: object) -> bool:
    return isinstance(v, Tensor) and v.padding is not None


# ------------------------------------------------------------------ None-checks


@pytest.mark.parametrize(
    "test, branch",
    [
        ("lengths is None", "then"),
        ("None is lengths", "then"),
        ("lengths == None", "then"),
        ("not lengths", "then"),
        ("lengths is not None", "else"),
        ("lengths", "else"),
        ("lengths is not None and keep is not None", "else-unknown"),
        ("lengths is None or keep is None", "then-unknown"),
    ],
)
def test_a_none_check_on_the_lengths_unpads_the_values_it_describes(test: str, branch: str) -> None:
    src = _pool(
        f"""
if {test}:
    probe(x)
else:
    probe2(x)
probe3(x)
"""
    )
    facts = facts_of(src)
    then = probe_at(facts, line_of(src, "probe(x)"))
    orelse = probe_at(facts, line_of(src, "probe2(x)"), "probe2")
    after = probe_at(facts, line_of(src, "probe3(x)"), "probe3")
    if branch == "then":
        assert not _padded(then) and _padded(orelse)
    elif branch == "else":
        assert _padded(then) and not _padded(orelse)
    else:
        # `a and b` false / `a or b` true: which one is None is not known
        assert _padded(then) and _padded(orelse)
    # after the paths meet, the padded path's fact stands: the None path has no padding to say
    # anything about
    assert _padded(after)
    assert isinstance(then, Tensor) and isinstance(orelse, Tensor)
    assert then.layout == orelse.layout  # only the padding is refined


def test_early_return_under_the_none_check() -> None:
    src = _pool(
        """
if lengths is None:
    return x.mean(dim=1)
probe(x)
return (x * keep[..., None]).sum(1)
"""
    )
    facts = facts_of(src)
    plain = reduction_on(facts, line_of(src, "x.mean(dim=1)"))
    assert plain.operand.padding is None
    # the rest of the function runs where lengths is given: x is padded there
    assert _padded(probe_at(facts, line_of(src, "probe(x)")))


def test_early_return_on_the_other_side_leaves_the_none_path() -> None:
    src = _pool(
        """
if lengths is not None:
    return (x * keep[..., None]).sum(1)
probe(x)
"""
    )
    facts = facts_of(src)
    assert not _padded(probe_at(facts, line_of(src, "probe(x)")))


def test_a_none_check_refines_only_its_own_evidence() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence

    def pool(seqs, lengths=None):
        x = pad_sequence(seqs, batch_first=True)
        if lengths is None:
            probe(x)
    """
    facts = facts_of(src)
    x = probe_at(facts, line_of(src, "probe(x)"))
    # padded by pad_sequence, not by the lengths that are missing
    assert _padded(x) and isinstance(x, Tensor) and x.padding is not None
    assert facts.line(x.padding.evidence.node) == line_of(src, "pad_sequence(seqs")


def test_a_none_check_on_something_else_refines_nothing() -> None:
    src = _pool(
        """
if self_check is None:
    probe(x)
"""
    )
    facts = facts_of(src)
    assert _padded(probe_at(facts, line_of(src, "probe(x)")))


def test_padding_on_one_branch_only_is_still_unsure() -> None:
    # no None-check on the evidence: the join of padded and unpadded is unpadded, as before
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence

    def encode(samples, equal_length):
        if equal_length:
            batch = torch.stack(samples)
        else:
            batch = pad_sequence(samples, batch_first=True)
        probe(batch)
    """
    facts = facts_of(src)
    assert not _padded(probe_at(facts, line_of(src, "probe(batch)")))


def test_none_check_in_a_conditional_expression() -> None:
    src = _pool(
        """
y = x.mean(1) if lengths is None else (x * keep[..., None]).sum(1)
z = x.sum(1) if lengths is not None else x.max(1)
"""
    )
    facts = facts_of(src)
    line = line_of(src, "y = x.mean(1)")
    mean = [r for r in events_on(facts, facts.reductions, line) if r.op == "mean"]
    assert mean and all(r.operand.padding is None for r in mean)
    line = line_of(src, "z = x.sum(1)")
    by_op = {r.op: r for r in events_on(facts, facts.reductions, line)}
    assert by_op["sum"].operand.padding is not None
    assert by_op["max"].operand.padding is None


def test_the_returns_of_a_none_path_do_not_unpad_the_result() -> None:
    src = """
    import torch

    def passthrough(x, lengths=None):
        keep = torch.arange(x.size(1))[None, :] < lengths[:, None]
        if lengths is None:
            return x
        return x * 2.0

    def caller(lens):
        h = passthrough(torch.randn(4, 10, 8), lens)
        probe(h)
    """
    facts = facts_of(src)
    h = probe_at(facts, line_of(src, "probe(h)"))
    # padded as passthrough's `lengths` describes, on the path where it is given
    assert isinstance(h, Tensor) and h.padding is not None
    assert facts.line(h.padding.evidence.node) == line_of(src, "keep = ")  # where they meet


def test_dead_code_after_return_records_nothing() -> None:
    src = _pool(
        """
return x
x.mean(dim=1)
"""
    )
    facts = facts_of(src)
    assert events_on(facts, facts.reductions, line_of(src, "x.mean(dim=1)")) == []


# ------------------------------------------------------------------ cached decoding

DECODER = """
import torch
from torch.nn.utils.rnn import pad_sequence

def decode(prefixes, {params}):
    tokens = pad_sequence(prefixes, batch_first=True)
    {body}
"""


def _decoder(body: str, params: str = "incremental_state=None") -> str:
    lines = body.strip("\n").splitlines()
    return DECODER.format(params=params, body="\n    ".join(lines))


@pytest.mark.parametrize(
    "guard, params",
    [
        ("incremental_state is not None", "incremental_state=None"),
        ("incremental_state", "incremental_state=None"),
        ("incremental_state is not None and len(incremental_state) > 0", "incremental_state=None"),
        ("len(incremental_state) > 0", "incremental_state=None"),
        ("past_key_values is not None", "past_key_values=None"),
        ("use_cache", "use_cache=False"),
        ("layer_past is not None", "layer_past=None"),
        ("self.use_cache", "x=None"),
        ("not (past is None)", "past=None"),
    ],
)
def test_the_end_of_a_stream_in_a_decoding_step_is_the_newest_step(guard: str, params: str) -> None:
    src = _decoder(
        f"""
if {guard}:
    tokens = tokens[:, -1:]
    probe(tokens)
""",
        params,
    )
    facts = facts_of(src)
    step = subscript_on(facts, line_of(src, "tokens = tokens[:, -1:]"))
    assert step.base.padding is None
    assert step.base.layout == Layout.parse("BT")
    assert not _padded(probe_at(facts, line_of(src, "probe(tokens)")))


def test_outside_the_decoding_branch_the_end_is_padding() -> None:
    src = _decoder(
        """
if incremental_state is None:
    last = tokens[:, -1]
else:
    step = tokens[:, -1:]
"""
    )
    facts = facts_of(src)
    assert subscript_on(facts, line_of(src, "last = tokens[:, -1]")).base.padding is not None
    assert subscript_on(facts, line_of(src, "step = tokens[:, -1:]")).base.padding is None


def test_a_decoding_step_in_a_conditional_expression() -> None:
    src = _decoder(
        """
step_ids = tokens if past is None else tokens[:, -1:]
last = tokens[:, -1]
""",
        "past=None",
    )
    facts = facts_of(src)
    assert subscript_on(facts, line_of(src, "else tokens[:, -1:]")).base.padding is None
    # the refinement stays inside its branch
    assert subscript_on(facts, line_of(src, "last = tokens[:, -1]")).base.padding is not None


def test_a_decoding_step_refines_only_the_sliced_stream() -> None:
    src = _decoder(
        """
memory = pad_sequence(prefixes, batch_first=True)
if incremental_state is not None:
    first = tokens[:, 0]
    tokens = tokens[:, -1:]
    pooled = memory.mean(dim=1)
"""
    )
    facts = facts_of(src)
    # not the end of the time axis: the first step of a padded batch is what it was
    assert subscript_on(facts, line_of(src, "first = tokens[:, 0]")).base.padding is not None
    # another padded value in the branch stays padded
    assert reduction_on(facts, line_of(src, "memory.mean")).operand.padding is not None


def test_a_cache_name_is_no_evidence_of_padding() -> None:
    src = """
    import torch

    def step(tokens, incremental_state=None, past_key_values=None, use_cache=False):
        probe(tokens)
    """
    facts = facts_of(src)
    assert not _padded(probe_at(facts, line_of(src, "probe(tokens)")))
    assert lib.DECODING_CACHE_NAMES.isdisjoint(lib.LENGTH_NAMES | lib.MASK_NAMES)


@pytest.mark.parametrize(
    "test, then_decodes, else_decodes",
    [
        ("incremental_state is not None", True, False),
        ("incremental_state is None", False, True),
        ("past_key_values is None or x", False, True),
        ("use_cache and x", True, False),
        ("len(incremental_state) == 0", False, False),  # unread: nothing refined
        ("lookup(past) is not None", False, False),  # a call of the cache is not the cache
        ("outputs.past_key_values is not None", True, False),  # a cache held by an object
        ("mask is not None", False, False),
    ],
)
def test_split_reads_decoding_guards(test: str, then_decodes: bool, else_decodes: bool) -> None:
    parsed = ast.parse(test, mode="eval").body
    branches = split(parsed)
    assert (branches.then.decoding is not None) is then_decodes
    assert (branches.orelse.decoding is not None) is else_decodes


# ------------------------------------------------------------------ shape-only reads


@pytest.mark.parametrize(
    "use",
    [
        "torch.zeros_like(x[:, -1:])",
        "torch.ones_like(x[:, -1])",
        "torch.full_like(x[:, -1:], 0.0)",
        "x[:, -1:].shape",
        "x[:, -1].dtype",
        "x[:, -1:].size(0)",
        "x[:, -1:].new_zeros(3)",
        "len(x[:, -1])",
    ],
)
def test_a_subscript_read_for_its_shape_only_reads_no_values(use: str) -> None:
    src = f"""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    x = pad_sequence(seqs, batch_first=True)
    y = {use}
    """
    facts = facts_of(src)
    s = subscript_on(facts, line_of(src, "y = "))
    assert s.reads_values is False
    assert s.base.padding is not None  # the base is what it is; only no value is read
    assert reads_last_step(s) is None and takes_last_step(s) is not None


@pytest.mark.parametrize(
    "use",
    [
        "torch.zeros_like(x[:, -1:] + 1)",  # the sum reads the values
        "x[:, -1:] * 2",
        "torch.cat([x, x[:, -1:]], dim=1)",
        "x[:, -1].sum(0)",
    ],
)
def test_a_subscript_whose_values_are_used_is_recorded(use: str) -> None:
    src = f"""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    x = pad_sequence(seqs, batch_first=True)
    y = {use}
    """
    facts = facts_of(src)
    found = events_on(facts, facts.subscripts, line_of(src, "y = "))
    assert found and all(s.base.padding is not None and s.reads_values for s in found)
    assert all(reads_last_step(s) is not None for s in found)


def test_keras_backend_zeros_like_reads_the_shape_only() -> None:
    src = """
    from tensorflow.keras import backend as K

    def energies(x, mask):
        x = x * K.expand_dims(K.cast(mask, "float32"), -1)
        e = K.expand_dims(x[:, 1:, :], 2)
        z = K.zeros_like(e[:, -1:, :, :])
        last = e[:, -1, :, :]
    """
    facts = facts_of(src)
    assert subscript_on(facts, line_of(src, "z = K.zeros_like")).reads_values is False
    assert subscript_on(facts, line_of(src, "last = e[:, -1")).reads_values is True


def test_a_name_bound_to_a_slice_is_a_value_use() -> None:
    # `summary = out[:, -1]` then `summary.shape`: the binding is taken as the use
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence

    x = pad_sequence(seqs, batch_first=True)
    summary = x[:, -1]
    n = summary.shape
    """
    facts = facts_of(src)
    assert subscript_on(facts, line_of(src, "summary = x[:, -1]")).reads_values is True

