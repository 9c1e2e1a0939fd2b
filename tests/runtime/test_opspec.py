"""One OpSpec per op: both frameworks expose the same names, signatures, defaults and docs."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from pooling_lint.runtime import opspec

torch = pytest.importorskip("torch")

from pooling_lint.runtime import torch as pt  # noqa: E402

LAYER_OPTIONS = ["time_axis", "padding", "validate"]


def frontends():
    """The framework modules installed here (TensorFlow is optional for this file)."""
    modules = [pt]
    try:
        from pooling_lint.runtime import tensorflow as ptf
    except ImportError:
        return modules
    return modules + [ptf]


def test_every_spec_is_an_op_and_a_layer_in_every_frontend():
    for module in frontends():
        assert sorted(module.__all__) == sorted(opspec.FRONT_END_NAMES)
        for spec in opspec.OPS:
            op = getattr(module, spec.name)
            assert op.__name__ == spec.name and op.__module__ == module.__name__
            layer = getattr(module, spec.layer)
            assert layer.spec is spec and layer.__module__ == module.__name__
            assert spec.summary in op.__doc__
            # AttentionPool documents its learned scorer itself; the others get the spec's text.
            assert spec.summary in layer.__doc__ or spec.scored
            for rule in spec.fixes:
                assert rule in op.__doc__


@pytest.mark.parametrize("spec", opspec.OPS, ids=lambda s: s.name)
def test_signatures_are_the_public_ones_in_both_frameworks(spec):
    leading = ["x", "scores"] if spec.scored else ["x"]
    want = leading + ["lengths", "mask", "time_axis", "padding", "validate"]
    signatures = [inspect.signature(getattr(m, spec.name)) for m in frontends()]
    for signature in signatures:
        params = signature.parameters
        assert list(params) == want
        assert params["lengths"].default is None and params["mask"].default is None
        assert params["time_axis"].kind is inspect.Parameter.KEYWORD_ONLY
        assert (params["time_axis"].default, params["padding"].default) == (1, "right")
        assert params["validate"].default is True
    # Same names, kinds and defaults everywhere; only the tensor type differs.
    shapes = {
        tuple((p.name, p.kind, p.default) for p in s.parameters.values()) for s in signatures
    }
    assert len(shapes) == 1


@pytest.mark.parametrize("spec", opspec.OPS, ids=lambda s: s.name)
def test_annotations_are_jaxtyping_strings(spec):
    notes = getattr(pt, spec.name).__annotations__
    assert all(isinstance(note, str) for note in notes.values())
    dtype = "Float" if spec.floating_only else "Shaped"
    assert notes["x"] == f"{dtype}[Tensor, 'batch time *feat'] | PackedSequence"
    assert notes["lengths"] == "Integer[Tensor, 'batch'] | None"
    assert notes["return"] == f"{dtype}[Tensor, 'batch *feat']"
    shown = str(inspect.signature(getattr(pt, spec.name)))
    assert "lengths: \"Integer[Tensor, 'batch'] | None\" = None" in shown


def test_layer_constructors_share_their_options():
    for module in frontends():
        for spec in opspec.OPS:
            params = inspect.signature(getattr(module, spec.layer)).parameters
            assert [p for p in LAYER_OPTIONS if p in params] == LAYER_OPTIONS
            assert params["validate"].default is True


def test_adding_an_op_is_one_spec():
    # A new entry built on an existing reduction needs no framework code at all.
    spec = opspec.OpSpec(
        "masked_average", "MaskedAveragePool", opspec.Reduction.MEAN, "Mean.", floating_only=True
    )
    average = opspec.make_op(spec, pt._BACKEND)
    x, lengths = torch.randn(3, 5, 2), torch.tensor([5, 1, 0])
    torch.testing.assert_close(average(x, lengths), pt.masked_mean(x, lengths))
    assert str(inspect.signature(average)) == str(inspect.signature(pt.masked_mean))

    class MaskedAveragePool(pt._Pool, spec=spec):
        _ops = {"masked_average": average}

    torch.testing.assert_close(MaskedAveragePool()(x, lengths), pt.masked_mean(x, lengths))
    assert "masked_average" in MaskedAveragePool.__doc__


def test_importing_the_torch_frontend_leaves_warning_filters_and_jaxtyping_alone():
    code = (
        "import sys, warnings, torch\n"
        "before = list(warnings.filters)\n"
        "import pooling_lint.runtime.torch as pt\n"
        "assert warnings.filters == before, [f for f in warnings.filters if f not in before]\n"
        "assert 'jaxtyping' not in sys.modules and 'beartype' not in sys.modules\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    pt.masked_max(torch.randn(2, 3, 4), torch.tensor([3, 1]))\n"
        "assert not seen, [str(w.message) for w in seen]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
