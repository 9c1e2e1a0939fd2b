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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from .errors import PoolingInputError
from .shapes import Padding, padding_problem

if TYPE_CHECKING:
    from jaxtyping import Float, Integer, Shaped

__all__ = [
    "DEFAULTS",
    "FRONT_END_NAMES",
    "OPS",
    "Backend",
    "Defaults",
    "OpSpec",
    "PoolOp",
    "Reduction",
    "ScoredPoolOp",
    "SpecLayer",
    "Spelling",
    "make_op",
    "make_softmax",
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

#: The public names of both framework modules (``pooling_lint.runtime.torch`` and ``.tensorflow``).
FRONT_END_NAMES: tuple[str, ...] = tuple(
    sorted(
        [spec.name for spec in OPS]
        + [spec.layer for spec in OPS]
        + ["masked_softmax", "masked_softmax_pool", "lengths_to_mask", "padding_invariance"]
        + ["PaddingLeakError", "PoolingInputError"]
    )
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


@dataclass(frozen=True)
class Backend:
    """The framework half of every op: the runtime's shared op body calls these in order.

    ``unpack(x, name, lengths, mask)`` turns inputs that carry their own lengths (PackedSequence,
    nested, ragged) into ``(padded, lengths)`` and returns anything else unchanged;
    ``prepare(x, lengths, mask, time_axis, padding, validate)`` checks the call and returns a
    padded batch; ``dtype(batch)`` is ``(is_floating, name)`` of its ``x``; ``total``, ``mean``,
    ``extreme(batch, largest)`` and ``pick(batch, last)`` are the kernels of the reductions;
    ``attention(batch, scores)`` and ``softmax(batch)`` do attention pooling; ``finish(out,
    batch)`` casts and squeezes the result.
    """

    spelling: Spelling
    carries_lengths: Callable[[Any], bool]
    unpack: Callable[[Any, str, Any, Any], tuple[Any, Any]]
    prepare: Callable[..., Any]
    dtype: Callable[[Any], tuple[bool, str]]
    total: Callable[[Any], Any]
    mean: Callable[[Any], Any]
    extreme: Callable[[Any, bool], Any]
    pick: Callable[[Any, bool], Any]
    attention: Callable[[Any, Any], Any]
    softmax: Callable[[Any], Any]
    finish: Callable[[Any, Any], Any]

    def run(
        self,
        spec: OpSpec,
        x: Any,
        scores: Any,
        lengths: Any,
        mask: Any,
        time_axis: int,
        padding: Padding,
        validate: bool,
    ) -> Any:
        """The body of every op: unpack, check, reduce, finish."""
        if self.carries_lengths(x):
            x, lengths = self.unpack(x, "x", lengths, mask)
            time_axis = 1
        batch = self.prepare(x, lengths, mask, time_axis, padding, validate)
        floating, dtype = self.dtype(batch)
        if spec.floating_only and not floating:
            raise PoolingInputError(f"x has dtype {dtype} but {spec.name} needs a floating dtype")
        reduction = spec.reduction
        if reduction is Reduction.ATTENTION:
            out = self.attention(batch, scores)
        elif reduction is Reduction.MEAN:
            out = self.mean(batch)
        elif reduction is Reduction.SUM:
            out = self.total(batch)
        elif reduction in (Reduction.MAX, Reduction.MIN):
            out = self.extreme(batch, reduction is Reduction.MAX)
        else:
            out = self.pick(batch, reduction is Reduction.LAST)
        return self.finish(out, batch)

    def masked_softmax(
        self, scores: Any, lengths: Any, mask: Any, padding: Padding, validate: bool
    ) -> Any:
        """The body of ``masked_softmax``: ``[batch, time]`` weights, 0 at padding."""
        scores, lengths = self.unpack(scores, "scores", lengths, mask)
        return self.softmax(self.prepare(scores, lengths, mask, 1, padding, validate))


def _finish_function(fn: Any, name: str, doc: str, notes: dict[str, str], module: str) -> Any:
    """Give a generated function its name, docstring, module and annotated signature."""
    signature = inspect.signature(fn)
    fn.__signature__ = signature.replace(
        parameters=[p.replace(annotation=notes[p.name]) for p in signature.parameters.values()],
        return_annotation=notes["return"],
    )
    fn.__annotations__ = dict(notes)
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = module
    fn.__doc__ = doc
    return fn


def make_op(spec: OpSpec, backend: Backend) -> Any:
    """Build ``spec``'s public function on ``backend``.

    The function gets the spec's name, docstring, defaults, a real ``inspect.Signature`` and the
    jaxtyping annotations of the backend's spelling.
    """
    run, defaults = backend.run, DEFAULTS

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

    spelling = backend.spelling
    return _finish_function(
        op, spec.name, spelling.doc(spec), spelling.annotations(spec), spelling.module
    )


_SOFTMAX_DOC = """Softmax of ``[batch, time]`` scores over the valid steps; 0 at padded steps.

A row with no valid step gets all-zero weights (not NaN), with finite gradients. The weights are
float32 for float16/bfloat16 scores. ``scores`` may also be an input that carries its own lengths
({x_kinds}); then give neither ``lengths`` nor ``mask``. ``validate`` is as for the ops.
"""


def make_softmax(backend: Backend) -> Any:
    """Build ``masked_softmax`` on ``backend`` (its signature has no ``time_axis``)."""
    body, defaults = backend.masked_softmax, DEFAULTS

    def masked_softmax(
        scores: Any,
        lengths: Any = None,
        mask: Any = None,
        *,
        padding: Padding = defaults.padding,
        validate: bool = defaults.validate,
    ) -> Any:
        return body(scores, lengths, mask, padding, validate)

    spelling = backend.spelling
    pooled = spelling.annotations(ATTENTION_POOL)
    notes = {name: pooled[name] for name in ("lengths", "mask", "padding", "validate")}
    notes["scores"] = pooled["scores"] + spelling.x_extra
    notes["return"] = pooled["scores"]
    doc = _SOFTMAX_DOC.format(x_kinds=spelling.x_kinds.lstrip(", "))
    return _finish_function(masked_softmax, "masked_softmax", doc, notes, spelling.module)


class SpecLayer:
    """Mixin of the torch modules and Keras layers: ``class X(Base, spec=MASKED_MEAN)``.

    The subclass gets the spec, the op it calls (looked up by name in ``_ops``) and, unless it
    has its own, a docstring naming the op.
    """

    spec: ClassVar[OpSpec]
    _op: ClassVar[Callable[..., Any]]
    _ops: ClassVar[Mapping[str, Callable[..., Any]]]
    _kind: ClassVar[str]
    _call: ClassVar[str]

    def __init_subclass__(cls, spec: OpSpec | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if spec is None:
            return
        cls.spec = spec
        cls._op = staticmethod(cls._ops[spec.name])
        if cls.__doc__ is None:
            cls.__doc__ = f"{cls._kind} form of :func:`{spec.name}`: ``{cls._call}``.\n\n"
            cls.__doc__ += spec.summary

    def _configure(self, time_axis: int, padding: Padding, validate: bool) -> None:
        problem = padding_problem(padding)
        if problem:
            raise PoolingInputError(problem)
        self.time_axis = time_axis
        self.padding: Padding = padding
        self.validate = validate

    def _pool(self, x: Any, *extra: Any, lengths: Any, mask: Any) -> Any:
        return type(self)._op(
            x,
            *extra,
            lengths=lengths,
            mask=mask,
            time_axis=self.time_axis,
            padding=self.padding,
            validate=self.validate,
        )


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
