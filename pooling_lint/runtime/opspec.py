"""One specification per pooling op, shared by the torch and TensorFlow front ends.

Each framework module turns every :class:`OpSpec` in :data:`OPS` into a public function
(:func:`make_op`) and a layer class (``class MaskedMeanPool(_Pool, spec=MASKED_MEAN)``), so the
names, signatures, defaults, annotations and docstrings of both frameworks come from here and
cannot drift apart. Adding an op is one entry here plus its kernel in each framework.

The annotations are jaxtyping strings (``"Float[Tensor, 'batch time *feat']"``): documentation
tools and IDEs show them, ``guard`` evaluates them, and neither framework module imports
jaxtyping. They describe the default batch-first layout (``time_axis=1``).

This module imports no framework.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .shapes import Padding

if TYPE_CHECKING:
    from jaxtyping import Float, Integer, Shaped

__all__ = [
    "DEFAULTS",
    "OPS",
    "Defaults",
    "OpSpec",
    "PoolOp",
    "Reduction",
    "ScoredPoolOp",
    "Spelling",
    "layer_doc",
    "make_op",
]


class Reduction(Enum):
    """What an op computes over the valid steps of each row."""

    MEAN = "mean"
    SUM = "sum"
    MAX = "max"
    MIN = "min"
    LAST = "last"
    FIRST = "first"
    ATTENTION = "attention"


@dataclass(frozen=True)
class Defaults:
    """Keyword defaults of every op (and of the layers' constructors, but ``validate``)."""

    time_axis: int = 1
    padding: Padding = "right"
    validate: bool = True


DEFAULTS = Defaults()


@dataclass(frozen=True)
class OpSpec:
    """Everything about one pooling op that does not depend on the framework."""

    name: str
    layer: str
    reduction: Reduction
    summary: str
    details: str = ""
    fixes: tuple[str, ...] = ()
    floating_only: bool = False

    @property
    def scored(self) -> bool:
        """Whether the op takes ``scores`` after ``x`` (attention pooling)."""
        return self.reduction is Reduction.ATTENTION


MASKED_MEAN = OpSpec(
    "masked_mean",
    "MaskedMeanPool",
    Reduction.MEAN,
    "Mean of ``x`` over its valid time steps: ``[batch, feat]``; 0 for an empty row.",
    "Unlike Keras ``GlobalAveragePooling1D`` an all-padding row gives 0, not NaN. float16 and "
    "bfloat16 inputs accumulate in float32 and the result has the input dtype.",
    fixes=("PLG101",),
    floating_only=True,
)
MASKED_SUM = OpSpec(
    "masked_sum",
    "MaskedSumPool",
    Reduction.SUM,
    "Sum of ``x`` over its valid time steps: ``[batch, feat]``; 0 for an empty row.",
    "float16/bfloat16 inputs accumulate in float32 and the result has the input dtype.",
    fixes=("PLG106",),
)
MASKED_MAX = OpSpec(
    "masked_max",
    "MaskedMaxPool",
    Reduction.MAX,
    "Maximum of ``x`` over its valid time steps: ``[batch, feat]``; 0 for an empty row.",
    "Padding never wins, even where every valid value is negative.",
    fixes=("PLG104",),
)
MASKED_MIN = OpSpec(
    "masked_min",
    "MaskedMinPool",
    Reduction.MIN,
    "Minimum of ``x`` over its valid time steps: ``[batch, feat]``; 0 for an empty row.",
    fixes=("PLG104",),
)
LAST_VALID = OpSpec(
    "last_valid",
    "LastValidPool",
    Reduction.LAST,
    "The last valid time step of each row: ``[batch, feat]``; 0 for an empty row.",
    "The fix for ``out[:, -1]`` on a right-padded batch; one gather, no copy of ``x``. For a "
    "bidirectional RNN output take the forward half here and the backward half with "
    "``first_valid``.",
    fixes=("PLG103", "PLG204"),
)
FIRST_VALID = OpSpec(
    "first_valid",
    "FirstValidPool",
    Reduction.FIRST,
    "The first valid time step of each row: ``[batch, feat]``; 0 for an empty row.",
    fixes=("PLG204",),
)
ATTENTION_POOL = OpSpec(
    "attention_pool",
    "AttentionPool",
    Reduction.ATTENTION,
    "Attention pooling: the softmax-of-``scores``-weighted sum of ``x`` over valid steps.",
    "``scores`` has the layout of ``x`` without the feature axis (``[batch, time]``, or "
    "``[time, batch]`` for ``time_axis=0``; a trailing axis of size 1 is accepted). The softmax "
    "excludes padded steps; an empty row pools to 0.",
    fixes=("PLG105",),
    floating_only=True,
)

#: The seven pooling ops, in the order the docs list them.
OPS: tuple[OpSpec, ...] = (
    MASKED_MEAN,
    MASKED_SUM,
    MASKED_MAX,
    MASKED_MIN,
    LAST_VALID,
    FIRST_VALID,
    ATTENTION_POOL,
)

_COMMON_DOC = """
Give exactly one of ``lengths`` ({lengths_kinds}) or ``mask`` ({mask_kinds}){own_lengths}.

Args:
    x: ``[batch, time, feat]`` (``time_axis=1``) or ``[time, batch, feat]`` (``time_axis=0``),
        or either without ``feat``{x_kinds}.
    lengths: valid steps per row; the first ones with ``padding="right"``, the last ones with
        ``padding="left"``.
    mask: True (or 1) where a step is valid, always ``[batch, time]``.
    time_axis: 1 for batch-first ``x``, 0 for time-first.
    padding: which end holds the padding when ``lengths`` are given.
    validate: check the values (lengths in ``[0, time]``, a 0/1 mask) and raise; on by
        default. ``validate=False`` skips only these value checks.

Raises:
    PoolingInputError: naming the argument, what it has and what it needs.
"""


@dataclass(frozen=True)
class Spelling:
    """How a framework writes its types in the ops' annotations and docstrings."""

    module: str
    tensor: str
    x_extra: str = ""
    x_kinds: str = ""
    lengths_kinds: str = "``[batch]`` integers"
    mask_kinds: str = "``[batch, time]`` bool or 0/1, e.g. an int64 ``attention_mask``"
    own_lengths: str = ""

    def annotations(self, spec: OpSpec) -> dict[str, str]:
        """The parameter and return annotations of ``spec``'s op, as jaxtyping strings."""
        dtype = "Float" if spec.floating_only else "Shaped"
        notes = {"x": f"{dtype}[{self.tensor}, 'batch time *feat']{self.x_extra}"}
        if spec.scored:
            notes["scores"] = f"Float[{self.tensor}, 'batch time']"
        notes["lengths"] = f"Integer[{self.tensor}, 'batch'] | None"
        notes["mask"] = f"Shaped[{self.tensor}, 'batch time'] | None"
        notes.update(time_axis="int", padding="Padding", validate="bool")
        notes["return"] = f"{dtype}[{self.tensor}, 'batch *feat']"
        return notes

    def doc(self, spec: OpSpec) -> str:
        """The docstring of ``spec``'s op in this framework."""
        head = spec.summary + ("\n\n" + spec.details if spec.details else "")
        if spec.fixes:
            head += "\n\nThe fix pooling-lint suggests for " + ", ".join(spec.fixes) + "."
        return head + _COMMON_DOC.format(
            lengths_kinds=self.lengths_kinds,
            mask_kinds=self.mask_kinds,
            own_lengths=self.own_lengths,
            x_kinds=self.x_kinds,
        )


def layer_doc(spec: OpSpec, kind: str, call: str) -> str:
    """The docstring of ``spec``'s layer: which op it wraps and how it is called."""
    return f"{kind} form of :func:`{spec.name}`: ``{call}``.\n\n{spec.summary}"


Run = Callable[..., Any]


def make_op(spec: OpSpec, run: Run, spelling: Spelling) -> Any:
    """Build ``spec``'s public function around ``run(spec, x, scores, lengths, mask, **kw)``.

    The function gets the spec's name, docstring, defaults, a real ``inspect.Signature`` and the
    jaxtyping annotations of ``spelling``; ``run`` holds the framework's code.
    """
    defaults = DEFAULTS

    if spec.scored:

        def op(
            x: Any,
            scores: Any,
            lengths: Any = None,
            mask: Any = None,
            *,
            time_axis: int = defaults.time_axis,
            padding: Padding = defaults.padding,
            validate: bool = defaults.validate,
        ) -> Any:
            return run(spec, x, scores, lengths, mask, time_axis, padding, validate)

    else:

        def op(  # type: ignore[misc]
            x: Any,
            lengths: Any = None,
            mask: Any = None,
            *,
            time_axis: int = defaults.time_axis,
            padding: Padding = defaults.padding,
            validate: bool = defaults.validate,
        ) -> Any:
            return run(spec, x, None, lengths, mask, time_axis, padding, validate)

    notes = spelling.annotations(spec)
    signature = inspect.signature(op)
    op.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(annotation=notes[p.name]) for p in signature.parameters.values()],
        return_annotation=notes["return"],
    )
    op.__annotations__ = dict(notes)
    op.__name__ = op.__qualname__ = spec.name
    op.__module__ = spelling.module
    op.__doc__ = spelling.doc(spec)
    return op


# --- static types of the generated functions ---------------------------------------------------
# The shapes below are for IDEs and type checkers (jaxtyping's names are plain aliases of
# typing.Annotated to them); the runtime signature of each op carries the same strings.

XIn = TypeVar("XIn", contravariant=True)
Arg = TypeVar("Arg", contravariant=True)
Out = TypeVar("Out", covariant=True)


class PoolOp(Protocol[XIn, Arg, Out]):
    """The signature of ``masked_mean``, ``masked_sum``, ... ``first_valid``."""

    def __call__(
        self,
        x: Float[XIn, "batch time *feat"],  # noqa: F722, F821, UP037
        lengths: Integer[Arg, " batch"] | None = None,  # noqa: F722, F821, UP037
        mask: Shaped[Arg, "batch time"] | None = None,  # noqa: F722, F821, UP037
        *,
        time_axis: int = ...,
        padding: Padding = ...,
        validate: bool = ...,
    ) -> Float[Out, "batch *feat"]:  # noqa: F722, F821, UP037
        """Pool ``x`` over its valid steps."""


class ScoredPoolOp(Protocol[XIn, Arg, Out]):
    """The signature of ``attention_pool``: ``scores`` follows ``x``."""

    def __call__(
        self,
        x: Float[XIn, "batch time *feat"],  # noqa: F722, F821, UP037
        scores: Float[Arg, "batch time"],  # noqa: F722, F821, UP037
        lengths: Integer[Arg, " batch"] | None = None,  # noqa: F722, F821, UP037
        mask: Shaped[Arg, "batch time"] | None = None,  # noqa: F722, F821, UP037
        *,
        time_axis: int = ...,
        padding: Padding = ...,
        validate: bool = ...,
    ) -> Float[Out, "batch *feat"]:  # noqa: F722, F821, UP037
        """Pool ``x`` over its valid steps, weighted by a masked softmax of ``scores``."""
