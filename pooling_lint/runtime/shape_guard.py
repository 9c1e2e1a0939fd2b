"""``guard``: jaxtyping + beartype shape checks plus the invariants of a padded batch.

Decorate your own functions and ``forward``/``call`` methods::

    @guard
    def forward(self, x: Float[Tensor, "batch time feat"], lengths: Int[Tensor, "batch"]):
        ...

Each call then

1. checks the pooling invariants: the mask is ``[batch, time]`` of the input, on the input's
   device (torch), bool or 0/1; lengths are ``[batch]`` integers in ``[0, time]``;
2. checks every annotation with jaxtyping's dimension binding and beartype (named dims such as
   ``batch`` must agree across arguments and the return value).

Which argument is which: the input is the ``x=`` option, else the first parameter whose
jaxtyping annotation has a ``time`` dim, else the first parameter after ``self``; lengths are the
``lengths=`` option or a parameter named ``lengths``/``seq_lens``/``seq_lengths``/
``sequence_lengths``; the mask is the ``mask=`` option or a parameter named ``mask``/
``attention_mask``. The time axis is the ``time_axis=`` option, else the position of a dim named
``time``/``seq``/``steps`` in the input's annotation, else 1; batch is the other leading axis.

Failures raise :class:`GuardError`, which is a ``jaxtyping.TypeCheckError`` (so a ``TypeError``)
and a :class:`~pooling_lint.runtime.errors.PoolingInputError` (a ``ValueError``); the first line
names the argument, the shape it got and the shape it needed.

Switching off: ``POOLING_LINT_GUARD=0`` (or ``false``/``off``/``no``). It is read when a function
is decorated, and then ``guard`` returns the function itself (no overhead at all), and again on
every call, so setting it later also turns existing guards into pass-throughs.

Compiled code: under ``torch.compile`` the guard does nothing (``torch.compiler.is_compiling()``),
so it never causes a graph break; check eagerly first. Inside ``tf.function`` (and while Keras
builds a functional model) the guard runs at trace time: it checks the dims that are known
statically, skips the value checks (lengths range, 0/1 mask) and skips jaxtyping when a dim is
unknown, and never calls ``.numpy()`` on a symbolic tensor.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, overload

import jaxtyping
import numpy as np
from beartype import beartype

from . import shapes
from .errors import PoolingInputError

__all__ = ["ENV_VAR", "GuardError", "guard", "guards_enabled", "type_hints"]

ENV_VAR = "POOLING_LINT_GUARD"
LENGTHS_NAMES = ("lengths", "seq_lens", "seq_lengths", "sequence_lengths")
MASK_NAMES = ("mask", "attention_mask")
TIME_DIM_NAMES = ("time", "seq", "seq_len", "steps")
_OFF = ("0", "false", "off", "no")

F = TypeVar("F", bound=Callable[..., Any])


class GuardError(jaxtyping.TypeCheckError, PoolingInputError):
    """A guarded call got arguments that break its annotations or the padded-batch invariants."""

    # Keeps the type when autograph re-raises it from inside tf.function (see errors.py).
    if not typing.TYPE_CHECKING:
        __init__ = Exception.__init__


GuardError.__module__ = "pooling_lint.runtime"


def guards_enabled() -> bool:
    """Whether guards check anything: False when ``POOLING_LINT_GUARD`` is 0/false/off/no."""
    return os.environ.get(ENV_VAR, "1").strip().lower() not in _OFF


@dataclass(frozen=True)
class _Roles:
    """Which parameters hold the input, the lengths and the mask, and the input's time axis."""

    x: str | None
    lengths: str | None
    mask: str | None
    time_axis: int
    #: A ``time_axis`` parameter of the function whose value overrides ``time_axis`` per call.
    time_axis_param: str | None = None


def _array_spec(annotation: Any) -> Any:
    """The jaxtyping array type inside an annotation (looking through Optional/Union)."""
    if hasattr(annotation, "dims") and hasattr(annotation, "dim_str"):
        return annotation
    for arg in typing.get_args(annotation):
        spec = _array_spec(arg)
        if spec is not None:
            return spec
    return None


def _dim_names(spec: Any) -> list[str | None]:
    return [getattr(dim, "name", None) for dim in spec.dims]


def _resolve_roles(
    fn: Callable[..., Any],
    signature: inspect.Signature,
    hints: dict[str, Any],
    x: str | None,
    lengths: str | None,
    mask: str | None,
    time_axis: int | None,
) -> _Roles:
    names = list(signature.parameters)
    for option, value in (("x", x), ("lengths", lengths), ("mask", mask)):
        if value is not None and value not in names:
            raise TypeError(
                f"guard({option}={value!r}): {fn.__qualname__} has no parameter {value!r} "
                f"(its parameters are {', '.join(names)})"
            )
    lengths = lengths or next((n for n in names if n in LENGTHS_NAMES), None)
    mask = mask or next((n for n in names if n in MASK_NAMES), None)
    data = [n for n in names if n not in ("self", "cls", lengths, mask)]
    if x is None:
        timed = [
            n
            for n in data
            if (spec := _array_spec(hints.get(n))) is not None
            and any(d in TIME_DIM_NAMES for d in _dim_names(spec))
        ]
        x = timed[0] if timed else (data[0] if data else None)
    per_call = None
    if time_axis is None:
        spec = _array_spec(hints.get(x)) if x else None
        dims = _dim_names(spec) if spec is not None else []
        time_axis = next((i for i, d in enumerate(dims) if d in TIME_DIM_NAMES), 1)
        # The runtime's own ops (and functions like them) say their layout per call.
        per_call = "time_axis" if "time_axis" in names else None
    return _Roles(x, lengths, mask, time_axis, per_call)


# --- reading tensors of any framework without importing one -----------------------------------


def _torch_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _tf_tensor(value: Any) -> bool:
    tf = sys.modules.get("tensorflow")
    return tf is not None and bool(tf.is_tensor(value))


def _shape(value: Any) -> tuple[int | None, ...] | None:
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    shape = getattr(value, "shape", None)
    if shape is None:
        return None
    try:
        return tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):  # a TensorShape of unknown rank
        return None


def _kind(value: Any) -> str:
    """'bool', 'int', 'float' or 'other' for the value's element type."""
    if _torch_tensor(value):
        if value.dtype is sys.modules["torch"].bool:
            return "bool"
        if value.is_floating_point():
            return "float"
        return "other" if value.is_complex() else "int"
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        dtype = np.asarray(value).dtype
    if hasattr(dtype, "is_bool") and hasattr(dtype, "is_integer"):  # tf.DType
        if dtype.is_bool:
            return "bool"
        floating = getattr(dtype, "is_floating", False)
        return "int" if dtype.is_integer else ("float" if floating else "other")
    kind = np.dtype(dtype).kind if not hasattr(dtype, "kind") else dtype.kind
    return {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(kind, "other")


def _dtype_name(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    return str(getattr(dtype, "name", dtype) if not _torch_tensor(value) else dtype)


def _values(value: Any) -> np.ndarray | None:
    """Concrete values of a tensor, or None when they are not known (graph, meta, compile)."""
    if _torch_tensor(value):
        if value.device.type == "meta":
            return None
        return np.asarray(value.detach().cpu().numpy())
    if _tf_tensor(value):
        tf = sys.modules["tensorflow"]
        if not tf.executing_eagerly() or not hasattr(value, "numpy"):
            return None
        try:
            return np.asarray(value.numpy())
        except (AttributeError, TypeError, ValueError):
            return None
    if isinstance(value, (np.ndarray, list, tuple)):
        return np.asarray(value)
    return None


def _compiling() -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and bool(torch.compiler.is_compiling())


# --- the checks ---------------------------------------------------------------------------------


def _mask_problem(
    roles: _Roles, x_value: Any, x_shape: tuple[int | None, ...], mask: Any
) -> str | None:
    name = roles.mask or "mask"
    problem = shapes.mask_shape_problem(
        _shape(mask), x_shape, roles.time_axis, mask_name=name, x_name=roles.x or "x"
    )
    if problem:
        return problem
    kind = _kind(mask)
    if kind == "other":
        return f"{name} has dtype {_dtype_name(mask)} but needs bool or 0/1 values"
    if _torch_tensor(mask) and _torch_tensor(x_value) and mask.device != x_value.device:
        return f"{name} is on {mask.device} but {roles.x} is on {x_value.device}"
    if kind != "bool":
        values = _values(mask)
        if values is not None and values.size and not np.isin(values, (0, 1)).all():
            return f"{name} must hold only 0 and 1 (or bool), got {np.unique(values)[:5]}"
    return None


def _lengths_problem(roles: _Roles, x_shape: tuple[int | None, ...], lengths: Any) -> str | None:
    name = roles.lengths or "lengths"
    problem = shapes.lengths_shape_problem(
        _shape(lengths), x_shape, roles.time_axis, lengths_name=name, x_name=roles.x or "x"
    )
    if problem:
        return problem
    if _kind(lengths) != "int":
        return f"{name} has dtype {_dtype_name(lengths)} but needs an integer dtype"
    time = x_shape[roles.time_axis]
    values = _values(lengths)
    if time is not None and values is not None and values.size:
        if values.min() < 0 or values.max() > time:
            return (
                f"{name} must lie in [0, {time}] (the time dim of {roles.x} "
                f"{shapes.format_shape(x_shape)}), got {values.tolist()}"
            )
    return None


def _pooling_problem(roles: _Roles, arguments: dict[str, Any]) -> str | None:
    x_value = arguments.get(roles.x) if roles.x else None
    x_shape = _shape(x_value) if x_value is not None else None
    if x_shape is None or len(x_shape) < 2:
        return None
    mask = arguments.get(roles.mask) if roles.mask else None
    if mask is not None:
        problem = _mask_problem(roles, x_value, x_shape, mask)
        if problem:
            return problem
    lengths = arguments.get(roles.lengths) if roles.lengths else None
    if lengths is not None:
        return _lengths_problem(roles, x_shape, lengths)
    return None


def _explain_annotation_failure(hints: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """Redo jaxtyping's dim binding on plain named/fixed dims to say which argument broke it."""
    bound: dict[str, tuple[int, str]] = {}
    for name, annotation in hints.items():
        spec = _array_spec(annotation)
        value = arguments.get(name)
        got = _shape(value) if value is not None else None
        if spec is None or got is None:
            continue
        kinds = {type(dim).__name__ for dim in spec.dims}
        if not kinds <= {"_NamedDim", "_FixedDim"} or any(
            getattr(dim, "broadcastable", False) for dim in spec.dims
        ):
            continue  # variadic or symbolic dims: leave the explanation to jaxtyping
        if len(got) != len(spec.dims):
            return (
                f"{name} has shape {shapes.format_shape(got)} but its annotation "
                f"'{spec.dim_str}' needs {len(spec.dims)} dims"
            )
        need: list[int | None] = []
        reason = ""
        for dim, size in zip(spec.dims, got, strict=True):
            if hasattr(dim, "size"):
                need.append(dim.size)
                if size is not None and size != dim.size and not reason:
                    reason = f"a fixed size {dim.size}"
                continue
            known = bound.get(dim.name)
            if known is None:
                if size is not None:
                    bound[dim.name] = (size, name)
                need.append(size)
                continue
            need.append(known[0])
            if size is not None and size != known[0] and not reason:
                reason = f"{dim.name}={known[0]} from {known[1]}"
        if reason:
            return (
                f"{name} has shape {shapes.format_shape(got)} but '{spec.dim_str}' needs "
                f"{shapes.format_shape(need)} ({reason})"
            )
    return None


def _has_unknown_dims(arguments: dict[str, Any]) -> bool:
    for value in arguments.values():
        if _tf_tensor(value) or type(value).__name__ == "KerasTensor":
            shape = _shape(value)
            if shape is None or None in shape:
                return True
    return False


#: jaxtyping's names that string annotations may use without importing them at run time.
_JAXTYPING_NAMES = (
    "Bool", "Complex", "Float", "Inexact", "Int", "Integer", "Key", "Num", "Real", "Shaped",
    "UInt", "Float16", "Float32", "Float64", "Int8", "Int16", "Int32", "Int64", "UInt8",
)  # fmt: skip


def type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """``fn``'s annotations evaluated, with jaxtyping's names available to string annotations.

    Annotations written as strings (``x: "Float[Tensor, 'batch time feat']"``, or any
    annotation under ``from __future__ import annotations``) often name ``Float`` or ``Int``
    that the module imports only under ``TYPE_CHECKING`` to keep jaxtyping optional; they
    resolve to jaxtyping's here. Names are looked up in ``fn``'s module first (the runtime's
    generated ops live in one module and are built in another). Returns ``{}`` when an
    annotation still cannot be evaluated.
    """
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    namespace = dict(getattr(fn, "__globals__", {}))
    namespace.update(vars(module) if module is not None else {})
    extra = {
        name: getattr(jaxtyping, name)
        for name in _JAXTYPING_NAMES
        if name not in namespace and hasattr(jaxtyping, name)
    }
    try:
        hints = typing.get_type_hints(fn, globalns=namespace, localns=extra, include_extras=True)
    except Exception:  # names that only exist later, or under TYPE_CHECKING elsewhere
        return {}
    return {name: _self_caching(hint) for name, hint in hints.items()}


def _self_caching(hint: Any) -> Any:
    """``A | B`` as ``typing.Union[A, B]``.

    beartype replaces a ``|`` union by an earlier one with the same repr, and
    ``Integer[torch.Tensor, 'batch'] | None`` has the same repr as the TensorFlow one (both
    classes are named ``Tensor``): the second function guarded would be checked against the
    first one's tensor type. ``typing.Union`` objects are cached by typing itself and are used
    as they are.
    """
    if isinstance(hint, types.UnionType):
        return typing.Union[tuple(_self_caching(arg) for arg in typing.get_args(hint))]
    return hint


def _with_evaluated_annotations(fn: F, hints: dict[str, Any]) -> F:
    """A copy of ``fn`` whose annotations are ``hints`` when any of its own are strings.

    beartype would evaluate string annotations in ``fn``'s globals alone, where ``Float`` may
    exist only under ``TYPE_CHECKING``; the copy runs the same code with the annotations that
    :func:`type_hints` resolved. ``fn`` itself is left as it is.
    """
    own = getattr(fn, "__annotations__", {})
    if not hints or not isinstance(fn, types.FunctionType):
        return fn
    if not any(isinstance(note, str) for note in own.values()):
        return fn
    copy = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__qualname__, copy.__module__, copy.__doc__ = fn.__qualname__, fn.__module__, fn.__doc__
    copy.__annotations__ = dict(hints)
    return typing.cast(F, copy)


def _wrap(fn: F, x: str | None, lengths: str | None, mask: str | None, time_axis: int | None) -> F:
    signature = inspect.signature(fn)
    all_hints = type_hints(fn)
    hints = {name: hint for name, hint in all_hints.items() if name != "return"}
    roles = _resolve_roles(fn, signature, hints, x, lengths, mask, time_axis)
    checked = jaxtyping.jaxtyped(_with_evaluated_annotations(fn, all_hints), typechecker=beartype)
    where = getattr(fn, "__qualname__", repr(fn))

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        # is_compiling() first: dynamo folds it to True, so nothing below is ever traced.
        if _compiling() or not guards_enabled():
            return fn(*args, **kwargs)
        try:
            call = signature.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)  # let Python report the bad call in its own words
        call.apply_defaults()
        arguments = dict(call.arguments)
        axis = arguments.get(roles.time_axis_param) if roles.time_axis_param else None
        call_roles = roles if not isinstance(axis, int) else replace(roles, time_axis=axis)
        problem = _pooling_problem(call_roles, arguments)
        if problem:
            raise GuardError(f"{where}: {problem}")
        if _has_unknown_dims(arguments):
            return fn(*args, **kwargs)
        try:
            return checked(*args, **kwargs)
        except GuardError:
            raise
        except jaxtyping.TypeCheckError as exc:
            first = _explain_annotation_failure(hints, arguments) or "an annotation does not hold"
            raise GuardError(f"{where}: {first}\n{exc}") from None

    guarded.__pooling_lint_roles__ = roles  # type: ignore[attr-defined]
    return typing.cast(F, guarded)


@overload
def guard(fn: F, /) -> F: ...


@overload
def guard(
    *,
    x: str | None = None,
    lengths: str | None = None,
    mask: str | None = None,
    time_axis: int | None = None,
) -> Callable[[F], F]: ...


def guard(
    fn: F | None = None,
    /,
    *,
    x: str | None = None,
    lengths: str | None = None,
    mask: str | None = None,
    time_axis: int | None = None,
) -> F | Callable[[F], F]:
    """Check a function's jaxtyping annotations and its padded-batch arguments on every call.

    Use it bare (``@guard``) or with options naming the parameters (``@guard(x="hidden",
    lengths="n_valid", time_axis=0)``) when the names or annotations do not say it. With
    ``POOLING_LINT_GUARD=0`` in the environment at decoration time it returns ``fn`` unchanged.
    """

    def decorate(target: F) -> F:
        if not guards_enabled():
            return target
        return _wrap(target, x, lengths, mask, time_axis)

    return decorate(fn) if fn is not None else decorate
