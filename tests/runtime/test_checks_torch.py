"""Bad values are errors by default in every torch op and module, eagerly and compiled."""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")

from pooling_lint.runtime import opspec  # noqa: E402
from pooling_lint.runtime import torch as pt  # noqa: E402
from pooling_lint.runtime.errors import PoolingInputError  # noqa: E402

SPECS = list(opspec.OPS)
IDS = [spec.name for spec in SPECS]


def call(spec, x, *, module=False, **kwargs):
    """Call ``spec``'s op (or its module) on ``x`` with ``lengths``/``mask`` in ``kwargs``."""
    extra = (torch.randn(x.shape[0], x.shape[1]),) if spec.scored else ()
    if module:
        layer = (
            pt.AttentionPool(x.shape[-1], **kwargs.pop("init", {}))
            if spec.scored
            else getattr(pt, spec.layer)(**kwargs.pop("init", {}))
        )
        return layer(x, **kwargs)
    return getattr(pt, spec.name)(x, *extra, **kwargs)


BAD = [
    (
        {"lengths": torch.tensor([7, 8, 0, 1])},
        "lengths must lie in [0, 7] (the time dim of x (4, 7, 3)), got lengths[1] = 8",
    ),
    ({"lengths": torch.tensor([7, -1, 0, 1])}, "got lengths[1] = -1"),
    ({"lengths": [7, 9, 9, 1]}, "got lengths[1] = 9, lengths[2] = 9"),
    ({"lengths": torch.tensor([7.0, 1.0, 0.0, 1.0])}, "lengths has dtype torch.float32"),
    ({"lengths": [7.5, 1, 0, 1]}, "lengths has dtype torch.float32"),
    ({"lengths": torch.tensor([True, True, False, True])}, "lengths has dtype torch.bool"),
    ({"mask": torch.full((4, 7), 2)}, "mask must hold only 0 and 1 (or be bool), got mask[0, 0]"),
    ({"mask": torch.full((4, 7), 0.5)}, "got mask[0, 0] = 0.5"),
    ({"mask": -torch.ones(4, 7, dtype=torch.int64)}, "got mask[0, 0] = -1"),
    ({"lengths": torch.tensor([1, 2, 3, 4], device="meta")}, "lengths is on meta but x is on cpu"),
    ({"mask": torch.ones(4, 7, device="meta")}, "mask is on meta but x is on cpu"),
]


@pytest.mark.parametrize("module", [False, True], ids=["op", "module"])
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize(("kwargs", "message"), BAD, ids=lambda v: str(v)[:28])
def test_bad_values_raise_by_default_and_name_the_entry(spec, module, kwargs, message):
    x = torch.randn(4, 7, 3)
    with pytest.raises(PoolingInputError) as info:
        call(spec, x, module=module, **kwargs)
    assert message in str(info.value)
    if "must" in message:
        assert "validate=False" in str(info.value)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_validate_false_opts_out_in_ops_and_modules(spec):
    x = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 9, -2, 1])
    clamped = torch.tensor([7, 7, 0, 1])
    torch.manual_seed(0)
    got = call(spec, x, lengths=lengths, validate=False)
    torch.manual_seed(0)
    assert torch.equal(got, call(spec, x, lengths=clamped))
    torch.manual_seed(0)
    got_module = call(spec, x, module=True, lengths=lengths, init={"validate": False})
    torch.manual_seed(0)
    assert torch.equal(got_module, call(spec, x, module=True, lengths=clamped))
    # Shapes, dtypes and devices are still checked.
    with pytest.raises(PoolingInputError, match="lengths has shape"):
        call(spec, x, lengths=torch.tensor([1, 2]), validate=False)


def test_masked_softmax_and_lengths_to_mask_check_values_too():
    with pytest.raises(PoolingInputError, match=r"lengths must lie in \[0, 5\]"):
        pt.masked_softmax(torch.randn(2, 5), torch.tensor([6, 1]))
    with pytest.raises(PoolingInputError, match="mask must hold only 0 and 1"):
        pt.masked_softmax(torch.randn(2, 5), mask=torch.full((2, 5), 3))
    with pytest.raises(PoolingInputError, match=r"lengths must lie in \[0, 4\]"):
        pt.lengths_to_mask(torch.tensor([5, 1]), 4)
    assert pt.lengths_to_mask(torch.tensor([5, -1]), 4, validate=False).sum(1).tolist() == [4, 0]
    with pytest.raises(PoolingInputError, match=r"scores has shape \(2, 5, 3\) but needs"):
        pt.masked_softmax(torch.randn(2, 5, 3), torch.tensor([5, 1]))
    column = pt.masked_softmax(torch.randn(2, 5, 1), torch.tensor([5, 1]))
    assert column.shape == (2, 5) and column.sum(1).tolist() == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_device_side_path_asserts_without_reading_values(spec, monkeypatch):
    # On CUDA (and under torch.compile) the check is torch._assert_async, never a host read;
    # run that path on CPU, where _assert_async raises at once, and forbid host reads.
    monkeypatch.setattr(pt, "_defer_to_device", lambda values: True)
    x = torch.randn(4, 7, 3)
    good = torch.tensor([7, 3, 0, 1])

    def no_host_read(*args, **kwargs):
        raise AssertionError("the device-side check read a value on the host")

    monkeypatch.setattr(torch.Tensor, "item", no_host_read)
    monkeypatch.setattr(torch.Tensor, "tolist", no_host_read)
    call(spec, x, lengths=good)
    call(spec, x, mask=torch.ones(4, 7, dtype=torch.int64))
    with pytest.raises(RuntimeError, match=re.escape("lengths must lie in [0, 7]")):
        call(spec, x, lengths=torch.tensor([7, 8, 0, 1]))
    with pytest.raises(RuntimeError, match=re.escape("mask must hold only 0 and 1")):
        call(spec, x, mask=torch.full((4, 7), 0.5))


@pytest.mark.parametrize("backend", ["eager", "aot_eager", "inductor"])
def test_checks_compile_fullgraph_and_still_fire(backend):
    torch._dynamo.reset()
    x = torch.randn(4, 7, 3)
    good, bad = torch.tensor([7, 3, 0, 1]), torch.tensor([7, 8, 0, 1])
    mean = torch.compile(pt.masked_mean, fullgraph=True, backend=backend)
    torch.testing.assert_close(mean(x, good), pt.masked_mean(x, good))
    with pytest.raises(RuntimeError, match=re.escape("lengths must lie in [0, 7]")):
        mean(x, bad)
    if backend == "inductor":
        return  # one inductor build is enough for the suite's time budget
    pool = torch.compile(pt.MaskedMaxPool(), fullgraph=True, backend=backend)
    mask = good[:, None] > torch.arange(7)
    torch.testing.assert_close(pool(x, mask=mask), pt.masked_max(x, good))
    with pytest.raises(RuntimeError, match=re.escape("mask must hold only 0 and 1")):
        pool(x, mask=torch.full((4, 7), 2))


def test_checks_are_cheap_host_reads_on_cpu(monkeypatch):
    # The CPU check reads two scalars (min and max), not every length.
    reads = []
    original = torch.Tensor.item

    def counting(self):
        reads.append(self.numel())
        return original(self)

    monkeypatch.setattr(torch.Tensor, "item", counting)
    pt.masked_mean(torch.randn(64, 9, 2), torch.randint(0, 10, (64,)))
    assert reads == [1, 1]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_checks_do_not_synchronise():
    x = torch.randn(4, 7, 3, device="cuda")
    lengths = torch.tensor([7, 3, 0, 1], device="cuda")
    mask = pt.lengths_to_mask(lengths, 7).long()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for spec in SPECS:
            extra = (torch.randn(4, 7, device="cuda"),) if spec.scored else ()
            getattr(pt, spec.name)(x, *extra, lengths)
            getattr(pt, spec.name)(x, *extra, mask=mask)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    with pytest.raises(PoolingInputError, match="lengths is on cpu but x is on cuda"):
        pt.masked_mean(x, lengths.cpu())
