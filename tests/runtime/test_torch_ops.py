"""pooling_lint.runtime.torch ops against a per-sequence Python loop and other oracles."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from pooling_lint.runtime import torch as pt  # noqa: E402
from pooling_lint.runtime.errors import PoolingInputError  # noqa: E402

pack_padded_sequence = torch.nn.utils.rnn.pack_padded_sequence
pad_packed_sequence = torch.nn.utils.rnn.pad_packed_sequence

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
OPS = ["mean", "sum", "max", "min", "last", "first"]


def op(name: str):
    return {
        "mean": pt.masked_mean,
        "sum": pt.masked_sum,
        "max": pt.masked_max,
        "min": pt.masked_min,
        "last": pt.last_valid,
        "first": pt.first_valid,
    }[name]


def oracle(name: str, x, valid, time_axis: int):
    """Pool each row by looping over its valid steps one at a time."""
    steps = x.movedim(time_axis, 1)
    rows = []
    for b in range(valid.shape[0]):
        kept = [steps[b, t] for t in range(valid.shape[1]) if bool(valid[b, t])]
        if not kept:
            rows.append(steps.new_zeros(steps.shape[2:]))
            continue
        stacked = torch.stack(kept)
        rows.append(
            {
                "mean": lambda s: s.double().mean(0).to(s.dtype),
                "sum": lambda s: s.double().sum(0).to(s.dtype),
                "max": lambda s: s.amax(0),
                "min": lambda s: s.amin(0),
                "last": lambda s: s[-1],
                "first": lambda s: s[0],
            }[name](stacked)
        )
    return torch.stack(rows) if rows else x.new_zeros((0,) + tuple(steps.shape[2:]))


def make_batch(batch=4, time=7, feat=5, *, time_axis=1, seed=0, device="cpu", dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, time, feat, generator=g).to(dtype)
    lengths = torch.randint(0, time + 1, (batch,), generator=g)
    if batch:
        lengths[0] = time
    if batch > 1:
        lengths[1] = 0
    if time_axis == 0:
        x = x.transpose(0, 1).contiguous()
    return x.to(device), lengths.to(device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("time_axis", [1, 0])
@pytest.mark.parametrize("padding", ["right", "left"])
def test_lengths_match_loop_oracle(device, name, time_axis, padding):
    x, lengths = make_batch(time_axis=time_axis, device=device)
    valid = pt.lengths_to_mask(lengths, x.shape[time_axis], padding=padding)
    got = op(name)(x, lengths, time_axis=time_axis, padding=padding)
    assert got.shape == (4, 5) and got.device == x.device
    torch.testing.assert_close(got, oracle(name, x, valid, time_axis), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("time_axis", [1, 0])
@pytest.mark.parametrize("mask_dtype", [torch.bool, torch.int64, torch.float32])
def test_mask_with_holes_matches_loop_oracle(name, time_axis, mask_dtype):
    x, _ = make_batch(batch=5, time_axis=time_axis, seed=3)
    valid = torch.rand(5, 7, generator=torch.Generator().manual_seed(1)) > 0.4
    valid[2] = False
    got = op(name)(x, mask=valid.to(mask_dtype), time_axis=time_axis)
    torch.testing.assert_close(got, oracle(name, x, valid, time_axis), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", OPS)
def test_select_path_matches_index_path(name, monkeypatch):
    # CUDA and half dtypes take the torch.where path; check it on CPU against the index path.
    x, lengths = make_batch(seed=5)
    fast = op(name)(x, lengths)
    monkeypatch.setattr(pt, "_uses_index_path", lambda _x: False)
    torch.testing.assert_close(op(name)(x, lengths), fast)


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("shape", [(1, 7, 5), (4, 1, 5), (0, 7, 5), (4, 0, 5), (4, 7, 1)], ids=str)
def test_edge_shapes(name, shape):
    batch, time, feat = shape
    x = torch.randn(shape)
    lengths = torch.full((batch,), time, dtype=torch.int64)
    got = op(name)(x, lengths)
    assert got.shape == (batch, feat)
    if batch and time:
        torch.testing.assert_close(got, oracle(name, x, pt.lengths_to_mask(lengths, time), 1))
    else:
        assert not got.abs().sum()


@pytest.mark.parametrize("name", OPS)
def test_rank2_input(name):
    x = torch.randn(3, 6)
    lengths = torch.tensor([6, 2, 0])
    got = op(name)(x, lengths)
    want = op(name)(x[..., None], lengths)[:, 0]
    assert got.shape == (3,)
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize("name", OPS)
def test_non_contiguous_input(name):
    base = torch.randn(7, 4, 10)
    x = base.transpose(0, 1)[..., ::2]  # [4, 7, 5], no unit stride anywhere
    assert not x.is_contiguous()
    lengths = torch.tensor([7, 0, 3, 5])
    torch.testing.assert_close(op(name)(x, lengths), op(name)(x.contiguous(), lengths))


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_inputs_keep_dtype_and_accumulate_in_float32(name, dtype):
    x, lengths = make_batch(batch=3, time=300, feat=4, seed=2)
    x = x.abs() + 1.0  # a float16 running sum over 300 steps of ~1.8 would lose digits
    got = op(name)(x.to(dtype), lengths)
    assert got.dtype == dtype
    want = op(name)(x.to(dtype).float(), lengths)
    torch.testing.assert_close(got.float(), want, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("name", OPS + ["attention"])
@pytest.mark.parametrize("poison", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_in_padding_do_not_leak(name, poison):
    x, lengths = make_batch(seed=7)
    valid = pt.lengths_to_mask(lengths, 7)
    clean = x.masked_fill(~valid[..., None], 0.0)
    dirty = x.masked_fill(~valid[..., None], poison).requires_grad_()
    if name == "attention":
        scores = torch.randn(4, 7).masked_fill(~valid, poison)
        got = pt.attention_pool(dirty, scores, lengths)
        want = pt.attention_pool(clean, scores, lengths)
    else:
        got = op(name)(dirty, lengths)
        want = op(name)(clean, lengths)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, want)
    got.sum().backward()
    assert torch.isfinite(dirty.grad).all()
    assert not dirty.grad[~valid].any()


@pytest.mark.parametrize("name", OPS + ["attention"])
def test_zero_length_rows_are_zero_with_finite_gradients(name):
    x = torch.randn(2, 4, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([0, 0])
    if name == "attention":
        out = pt.attention_pool(x, torch.randn(2, 4, dtype=torch.float64), lengths)
    else:
        out = op(name)(x, lengths)
    assert not out.abs().sum()
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and not x.grad.any()


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("time_axis", [1, 0])
def test_gradcheck(name, time_axis):
    x, lengths = make_batch(batch=3, time=4, feat=2, time_axis=time_axis, seed=11)
    x = x.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: op(name)(t, lengths, time_axis=time_axis), (x,))


def test_gradcheck_attention():
    x, lengths = make_batch(batch=3, time=4, feat=2, seed=12)
    x = x.double().requires_grad_()
    scores = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, s: pt.attention_pool(a, s, lengths), (x, scores))


def test_attention_pool_matches_loop_oracle():
    x, lengths = make_batch(batch=4, time=6, feat=3, seed=13)
    scores = torch.randn(4, 6)
    got = pt.attention_pool(x, scores, lengths)
    for b in range(4):
        n = int(lengths[b])
        if n == 0:
            assert not got[b].any()
            continue
        weights = torch.softmax(scores[b, :n], 0)
        torch.testing.assert_close(got[b], (weights[:, None] * x[b, :n]).sum(0))
    time_first = pt.attention_pool(x.transpose(0, 1), scores.t(), lengths, time_axis=0)
    torch.testing.assert_close(time_first, got)
    assert pt.masked_softmax_pool is pt.attention_pool


def test_masked_softmax_weights():
    weights = pt.masked_softmax(torch.randn(3, 5), torch.tensor([5, 2, 0]))
    torch.testing.assert_close(weights.sum(1), torch.tensor([1.0, 1.0, 0.0]))
    assert not weights[1, 2:].any()


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
@pytest.mark.parametrize("name", ["mean", "max", "last", "first"])
def test_fullgraph_compile(backend, name):
    torch._dynamo.reset()
    x, lengths = make_batch(seed=17)
    compiled = torch.compile(op(name), fullgraph=True, backend=backend)
    torch.testing.assert_close(compiled(x, lengths), op(name)(x, lengths))
    torch.testing.assert_close(
        compiled(x, mask=pt.lengths_to_mask(lengths, 7)), op(name)(x, lengths)
    )


def test_fullgraph_compile_module_with_attention():
    torch._dynamo.reset()
    x, lengths = make_batch(seed=19)
    pool = pt.AttentionPool(5)
    compiled = torch.compile(pool, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x, lengths), pool(x, lengths))


def test_inductor_compile_masked_mean():
    torch._dynamo.reset()
    x, lengths = make_batch(seed=23)
    compiled = torch.compile(pt.masked_mean, fullgraph=True, backend="inductor")
    torch.testing.assert_close(compiled(x, lengths), pt.masked_mean(x, lengths))


def _lstm(bidirectional: bool):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=bidirectional)
    # Zero-initialised biases keep a state at exactly 0 over zero padding, which would let a
    # wrong last step pass; random biases make the padding move the state.
    with torch.no_grad():
        for name, param in lstm.named_parameters():
            if "bias" in name:
                param.uniform_(-1.0, 1.0)
    return lstm


def test_last_valid_matches_packed_h_n():
    lstm = _lstm(bidirectional=False)
    x = torch.randn(5, 8, 3)
    lengths = torch.tensor([8, 3, 5, 1, 6])
    out, _ = lstm(x)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    _, (h_n, _) = lstm(packed)
    torch.testing.assert_close(pt.last_valid(out, lengths), h_n[-1])
    assert not torch.allclose(out[:, -1], h_n[-1])  # the fixture does expose the bug


def test_bidirectional_final_state_is_forward_last_plus_backward_first():
    lstm = _lstm(bidirectional=True)
    x = torch.randn(5, 8, 3)
    lengths = torch.tensor([8, 3, 5, 1, 6])
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    packed_out, (h_n, _) = lstm(packed)
    out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=8)
    forward_last = pt.last_valid(out[..., :4], lengths)
    backward_first = pt.first_valid(out[..., 4:], lengths)
    final = torch.cat([forward_last, backward_first], -1)
    torch.testing.assert_close(final, torch.cat([h_n[-2], h_n[-1]], -1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"mask": torch.ones(4, 9, dtype=torch.bool)},
            "mask has shape (4, 9) but x (4, 10, 16) with time_axis=1 needs (4, 10)",
        ),
        ({"mask": torch.ones(4, 10, 1, dtype=torch.bool)}, "mask has shape (4, 10, 1)"),
        ({"mask": torch.ones(4, 10, dtype=torch.complex64)}, "mask has dtype"),
        (
            {"lengths": torch.tensor([1, 2, 3])},
            "lengths has shape (3,) but x (4, 10, 16) with time_axis=1 needs (4,)",
        ),
        ({"lengths": torch.tensor([1.0, 2.0, 3.0, 4.0])}, "lengths has dtype torch.float32"),
        ({"lengths": torch.tensor([1, 2, 3, 4]), "mask": torch.ones(4, 10)}, "got both"),
        ({}, "got neither"),
        ({"lengths": torch.tensor([1, 2, 3, 4]), "padding": "middle"}, "padding must be"),
        ({"lengths": torch.tensor([1, 2, 3, 4]), "time_axis": 2}, "time_axis=2"),
        ({"lengths": torch.tensor([1, 2, 3, 11]), "validate": True}, "lengths must lie in [0, 10]"),
        ({"lengths": torch.tensor([1, -2, 3, 4]), "validate": True}, "lengths must lie in [0, 10]"),
        ({"mask": torch.full((4, 10), 2), "validate": True}, "mask must hold only 0 and 1"),
        ({"lengths": "abcd"}, "lengths must be a torch.Tensor"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_inputs_name_the_argument(kwargs, message):
    x = torch.randn(4, 10, 16)
    with pytest.raises(PoolingInputError) as info:
        pt.masked_mean(x, **kwargs)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_time_first_mask_message():
    wrong = torch.ones(10, 4, dtype=torch.bool)
    with pytest.raises(
        PoolingInputError, match=r"x \(10, 4, 16\) with time_axis=0 needs \(4, 10\)"
    ):
        pt.masked_max(torch.randn(10, 4, 16), mask=wrong, time_axis=0)


def test_lengths_as_list_and_out_of_range_with_validate_false_clamp():
    x = torch.randn(2, 3, 2)
    torch.testing.assert_close(pt.masked_mean(x, [3, 1]), pt.masked_mean(x, torch.tensor([3, 1])))
    clamped = pt.masked_mean(x, torch.tensor([3, 0]))
    out_of_range = torch.tensor([9, -1])
    torch.testing.assert_close(pt.masked_mean(x, out_of_range, validate=False), clamped)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a second device")
def test_mask_on_another_device_is_an_error():
    with pytest.raises(PoolingInputError, match="mask is on cpu but x is on cuda"):
        pt.masked_mean(torch.randn(2, 3, 4, device="cuda"), mask=torch.ones(2, 3, dtype=torch.bool))


def test_mask_on_meta_device_is_an_error():
    with pytest.raises(PoolingInputError, match="mask is on meta but x is on cpu"):
        pt.masked_mean(torch.randn(2, 3, 4), mask=torch.ones(2, 3, dtype=torch.bool, device="meta"))
