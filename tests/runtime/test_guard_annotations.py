"""guard reads string jaxtyping annotations, the runtime ops' own included."""

# jaxtyping shape strings such as "batch time feat" are not Python expressions.
# ruff: noqa: F722

from __future__ import annotations

import typing

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("jaxtyping")
pytest.importorskip("beartype")

from torch import Tensor  # noqa: E402

from pooling_lint.runtime import GuardError, guard  # noqa: E402
from pooling_lint.runtime import torch as pt  # noqa: E402
from pooling_lint.runtime.shape_guard import type_hints  # noqa: E402

if typing.TYPE_CHECKING:  # jaxtyping stays optional: only the strings below name it
    from jaxtyping import Float, Int


def scale(
    x: Float[Tensor, "batch time feat"],
    lengths: Int[Tensor, " batch"],
    weight: Float[Tensor, " feat"],
) -> Float[Tensor, "batch feat"]:
    return pt.masked_mean(x, lengths) * weight


def test_string_annotations_resolve_without_importing_jaxtyping_names():
    assert "Float" not in globals()
    guarded = guard(scale)
    x, lengths = torch.randn(4, 10, 16), torch.tensor([10, 3, 0, 5])
    assert guarded(x, lengths, torch.ones(16)).shape == (4, 16)
    needs = r"weight has shape \(15,\) but 'feat' needs \(16,\) \(feat=16 from x\)"
    with pytest.raises(GuardError, match=needs):
        guarded(x, lengths, torch.ones(15))
    with pytest.raises(GuardError, match=r"lengths must lie in \[0, 10\]"):
        guarded(x, torch.tensor([10, 3, 0, 11]), torch.ones(16))
    assert isinstance(scale.__annotations__["x"], str)  # the function is left as it was


def test_string_return_annotation_is_checked():
    @guard
    def keeps_time(x: Float[Tensor, "batch time feat"]) -> Float[Tensor, "batch feat"]:
        return x

    with pytest.raises(GuardError, match="return value"):
        keeps_time(torch.randn(2, 3, 4))


def test_the_ops_annotations_are_what_guard_checks():
    hints = type_hints(pt.masked_mean)
    import jaxtyping

    assert issubclass(typing.get_args(hints["x"])[0], jaxtyping.Float[Tensor, "..."].__bases__[0])
    guarded = guard(pt.masked_mean)
    x = torch.randn(4, 10, 16)
    assert guarded(x, torch.tensor([10, 3, 0, 5])).shape == (4, 16)
    assert guarded(x, mask=torch.ones(4, 10, dtype=torch.int64)).shape == (4, 16)
    with pytest.raises(GuardError, match=r"lengths has shape \(3,\) but x \(4, 10, 16\)"):
        guarded(x, torch.tensor([1, 2, 3]))
    with pytest.raises(GuardError, match="Float"):  # masked_mean's x is Float[...]
        guarded(x.long(), torch.tensor([10, 3, 0, 5]))
    assert guard(pt.masked_max)(x.long(), torch.tensor([10, 3, 0, 5])).dtype == torch.int64


def test_guard_reads_time_axis_from_the_call():
    # With time_axis=0 the lengths belong to dim 1 of x; the guard's own checks follow that.
    @guard
    def pool(x: Tensor, lengths: Tensor, *, time_axis: int = 1) -> Tensor:
        return pt.masked_mean(x, lengths, time_axis=time_axis)

    x = torch.randn(10, 4, 16)
    assert pool(x, torch.tensor([10, 3, 0, 5]), time_axis=0).shape == (4, 16)
    with pytest.raises(GuardError, match=r"lengths has shape \(4,\) but x \(10, 4, 16\)"):
        pool(x, torch.tensor([10, 3, 0, 5]))
