"""Reshapes: the shape a reshape asks for, and what its known dims prove.

A reshape keeps the number of elements or fails. An inferred ``-1`` is whatever makes the
count match, so a target with a ``-1`` only splits or merges axes: it never changes the count
and never adds a feature axis. Only when every dim is known (an int, or the size of an axis
of the source itself) does the target say how the count compares, and only then may a rule
call the reshape wrong.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import Enum
from math import prod
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.layout import BT, BTF, Axis
from pooling_lint.analysis.values import (
    Const,
    DimOf,
    Role,
    ShapeOf,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


class DimKind(Enum):
    """What a reshape's target says about one of its dims."""

    KNOWN = "known"  # an int literal
    INFERRED = "inferred"  # -1: whatever keeps the element count
    SIZE = "size"  # the size of an axis of a tensor: x.size(1), tf.shape(x)[1], x.shape[1]
    UNKNOWN = "unknown"  # anything else (a parameter, arithmetic on sizes)


class CountChange(Enum):
    """How the target's element count compares with the source's, as far as the dims prove."""

    KEPT = "kept"  # an inferred -1, a target equal to the source's own shape, equal counts
    DIFFERS = "differs"  # proven different (up to axes of unknown size being 1, see below)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TargetDim:
    """One dim of a reshape's target."""

    kind: DimKind
    value: int | None = None  # KNOWN: the int
    of: Tensor | None = None  # SIZE: the tensor whose axis it is
    axis: int | None = None  # SIZE: the axis (non-negative when the tensor's rank is known)
    base: str | None = None  # SIZE: the tensor's expression (ast.dump), to tell the source

    def resolved(self) -> int | None:
        """The dim as an int, when the file shows it."""
        if self.kind is DimKind.KNOWN:
            return self.value
        if self.kind is DimKind.SIZE and self.of is not None and self.axis is not None:
            d = self.of.dim(self.axis)
            return d if isinstance(d, int) else None
        return None


@dataclass(frozen=True)
class Reshape:
    """``tf.reshape(x, shape)`` / ``x.view(...)`` / ``x.reshape(...)`` / ``x.view_as(y)``.

    ``dims`` is the target dim by dim (None: the target's rank is unknown); ``like`` is the
    tensor whose shape the target is (``tf.shape(y)``, ``y.shape``, ``view_as(y)``), and then
    ``dims`` are that tensor's.
    """

    node: ast.Call
    source: Tensor
    source_node: ast.expr
    target_node: ast.expr
    dims: tuple[TargetDim, ...] | None
    like: Tensor | None = None
    like_node: ast.expr | None = None

    @property
    def rank(self) -> int | None:
        """The rank of the result."""
        if self.like is not None:
            return self.like.rank
        return len(self.dims) if self.dims is not None else None

    @property
    def inferred(self) -> bool:
        """The target has a -1: the result keeps the count whatever the other dims are."""
        return self.dims is not None and any(d.kind is DimKind.INFERRED for d in self.dims)

    def source_count(self) -> int | None:
        """The source's element count, when all its dims are known ints."""
        return _count(self.source)

    def target_count(self) -> int | None:
        """The target's element count, when every dim is known (a -1 keeps the source's)."""
        if self.inferred:
            return self.source_count()
        if self.like is not None:
            return _count(self.like)
        if self.dims is None:
            return None
        sizes = [d.resolved() for d in self.dims]
        if any(s is None for s in sizes):
            return None
        return prod(s for s in sizes if s is not None)

    def count_change(self) -> CountChange:
        """What the known dims prove about the element counts.

        ``DIFFERS`` is proven when both counts are known ints, or when the target keeps every
        axis of the source and adds axes of which at least one is not known to be 1 (a
        ``[batch, time]`` mask reshaped to ``(mask.size(0), mask.size(1), hidden)``, or to
        the shape of a ``[batch, time, features]`` tensor that goes with the mask): the counts
        then differ unless those axes are 1, which is the one case such code runs.
        """
        if self.inferred:
            return CountChange.KEPT
        src, dst = self.source_count(), self.target_count()
        if src is not None and dst is not None:
            return CountChange.KEPT if src == dst else CountChange.DIFFERS
        if self.like is not None:
            return self._like_change()
        if self.dims is None or self.source.rank is None:
            return CountChange.UNKNOWN
        extra = self._extra_dims()
        if extra is None:
            return CountChange.UNKNOWN
        if all(d.resolved() == 1 for d in extra):
            return CountChange.KEPT
        return CountChange.DIFFERS

    def adds_axes(self) -> bool:
        """The result has more axes than the source (a ``[batch, time]`` mask: 2 axes)."""
        rank = self.rank
        source_rank = self.source.rank
        if source_rank is None and self.source.role == Role.MASK:
            source_rank = 2
        return rank is not None and source_rank is not None and rank > source_rank

    def rows_regrouped(self) -> TargetDim | None:
        """A 1-D source (``[batch]`` lengths) cut into rows: target ``(-1, d)`` with ``d`` a
        known int other than 1 or the size of an axis. The result's rows are groups of ``d``
        consecutive entries, not the source's entries: returns ``d``."""
        if self.source.rank not in (1, None) or self.dims is None or len(self.dims) != 2:
            return None
        first, second = self.dims
        if first.kind is not DimKind.INFERRED:
            return None
        if second.kind is DimKind.SIZE and second.resolved() != 1:
            return second
        if second.kind is DimKind.KNOWN and second.value not in (1, -1):
            return second
        return None

    def _extra_dims(self) -> list[TargetDim] | None:
        """The target's dims left once each axis of the source is matched (None: one of the
        source's axes has no matching dim in the target)."""
        assert self.dims is not None and self.source.rank is not None
        left = list(self.dims)
        for axis in range(self.source.rank):
            size = self.source.dim(axis)
            match = next(
                (
                    d
                    for d in left
                    if (isinstance(size, int) and d.resolved() == size)
                    or self._is_source_axis(d, axis)
                ),
                None,
            )
            if match is None:
                return None
            left.remove(match)
        return left

    def _is_source_axis(self, d: TargetDim, axis: int) -> bool:
        if d.kind is not DimKind.SIZE or d.of != self.source or d.axis is None:
            return False
        rank = self.source.rank
        own = d.axis + rank if d.axis < 0 and rank is not None else d.axis
        return own == axis and d.base == _identity_base(self.source_node)

    def _like_change(self) -> CountChange:
        like = self.like
        assert like is not None
        if like == self.source and (
            self.like_node is not None
            and _identity_base(self.like_node) == _identity_base(self.source_node)
        ):
            return CountChange.KEPT  # view_as(itself)
        # A [batch, time] mask reshaped to the shape of a [batch, time, ...] tensor: the mask's
        # batch and time are that tensor's (the mask goes with it), the other axes are extra.
        source = self.source
        if source.role != Role.MASK or source.rank not in (2, None):
            return CountChange.UNKNOWN
        if source.layout not in (BT, None):
            return CountChange.UNKNOWN
        layout, rank = like.layout, like.rank
        if layout is None or rank is None or len(layout) != rank or rank < 3:
            return CountChange.UNKNOWN
        if not layout.has(Axis.BATCH) or not layout.has(Axis.TIME):
            return CountChange.UNKNOWN
        others = [
            like.dim(a) for a, role in enumerate(layout) if role not in (Axis.BATCH, Axis.TIME)
        ]
        if all(d == 1 for d in others):
            return CountChange.KEPT
        return CountChange.DIFFERS


def _count(t: Tensor) -> int | None:
    if t.rank is None or t.dims is None or len(t.dims) != t.rank:
        return None
    if not all(isinstance(d, int) for d in t.dims):
        return None
    return prod(d for d in t.dims if isinstance(d, int))


def _identity_base(node: ast.expr) -> str:
    """The expression a value was read from, past calls that keep its shape
    (``mask.float()``, ``lengths.to(device)``): the same text means the same tensor within
    one expression."""
    while (
        type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr in _SAME_SHAPE_METHODS
    ):
        node = node.func.value
    return ast.dump(node)


_SAME_SHAPE_METHODS = lib.IDENTITY_METHODS | lib.DEVICE_METHODS | {"bool", "byte"}


def _size_base(node: ast.AST) -> ast.expr | None:
    """The tensor expression of ``x.size(1)``, ``x.shape[1]``, ``tf.shape(x)[1]``."""
    if type(node) is ast.Call and type(node.func) is ast.Attribute and node.func.attr == "size":
        return node.func.value
    if type(node) is ast.Subscript:
        value = node.value
        if type(value) is ast.Attribute and value.attr == "shape":
            return value.value
        if type(value) is ast.Call:
            func = value.func
            if type(func) is ast.Attribute and func.attr == "size":
                return func.value
            if value.args:
                return value.args[0]  # tf.shape(x)[1]
    return None


def shape_operand(node: ast.expr) -> ast.expr | None:
    """``y`` in ``y.shape``, ``y.size()``, ``tf.shape(y)``, ``tf.shape(y).as_list()``."""
    if type(node) is ast.Attribute and node.attr == "shape":
        return node.value
    if type(node) is ast.Call:
        func = node.func
        if type(func) is ast.Attribute and func.attr == "size" and not node.args:
            return func.value
        if type(func) is ast.Attribute and func.attr == "as_list":
            return shape_operand(func.value)
        if node.args and type(node.args[0]) is not ast.Starred:
            return node.args[0]
    return None


def target_dim(v: Value) -> TargetDim:
    """One dim of a target from its value."""
    if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
        if v.value == -1:
            return TargetDim(DimKind.INFERRED)
        return TargetDim(DimKind.KNOWN, value=v.value)
    if isinstance(v, DimOf):
        rank = v.tensor.rank
        axis = v.axis + rank if v.axis < 0 and rank is not None else v.axis
        base = _size_base(v.node)
        return TargetDim(
            DimKind.SIZE,
            of=v.tensor,
            axis=axis,
            base=_identity_base(base) if base is not None else None,
        )
    return TargetDim(DimKind.UNKNOWN)


def target_dims(shape: Value) -> tuple[TargetDim, ...] | None:
    """The dims of a target given as one value (a tuple, a list literal, an int)."""
    if isinstance(shape, TupleValue):
        return tuple(target_dim(i) for i in shape.items)
    if isinstance(shape, Const):
        if isinstance(shape.value, tuple):
            return tuple(target_dim(Const(v)) for v in shape.value)
        if isinstance(shape.value, int) and not isinstance(shape.value, bool):
            return (target_dim(shape),)
    if isinstance(shape, DimOf):
        return (target_dim(shape),)
    return None


def reshape(
    it: Interpreter,
    node: ast.Call,
    source: Tensor,
    source_node: ast.expr,
    target: Value | tuple[Value, ...],
    target_node: ast.expr,
    like_node: ast.expr | None = None,
) -> Value:
    """Record the reshape and return its result: masks and lengths stay masks and lengths
    (with the target's rank and known dims); other values become unknown."""
    like: Tensor | None = None
    dims: tuple[TargetDim, ...] | None
    if isinstance(target, tuple):
        dims = tuple(target_dim(v) for v in target)
    elif isinstance(target, ShapeOf):
        like = target.tensor  # tf.shape(y), y.shape, y.size(), and view_as(y)
        dims = None
    else:  # a tensor holding the shape (tf.constant([4, 6])) is not read: unknown
        dims = target_dims(target)
    fact = Reshape(node, source, source_node, target_node, dims, like, like_node)
    it.log.reshape(fact)
    if source.role not in (Role.MASK, Role.LENGTHS):
        kept = _own_sizes_kept(fact)
        return kept if kept is not None else _heads_split(it, fact)
    return Tensor(
        role=source.role,
        origin=source.origin,
        tiled=None,  # reported at this reshape (PLG202)
        guarded=source.guarded,
        nonzero=source.nonzero,  # a reshape moves the values, it does not change them
        rank=fact.rank,
        dims=_result_dims(fact),
    )


def _result_dims(fact: Reshape) -> tuple[int | None, ...] | None:
    if fact.like is not None:
        dims = fact.like.dims
        return tuple(d if isinstance(d, int) else None for d in dims) if dims else None
    if fact.dims is None:
        return None
    sizes = [d.resolved() for d in fact.dims]
    count = fact.source_count()
    one_inferred = sum(d.kind is DimKind.INFERRED for d in fact.dims) == 1
    if one_inferred and count is not None:
        known = [s for s, d in zip(sizes, fact.dims) if d.kind is not DimKind.INFERRED]
        if all(s is not None and s > 0 for s in known):
            rest = prod(s for s in known if s is not None)
            if count % rest == 0:
                sizes = [
                    count // rest if d.kind is DimKind.INFERRED else s
                    for s, d in zip(sizes, fact.dims)
                ]
    return tuple(sizes)


def _own_sizes_kept(fact: Reshape) -> Value:
    """``x.view(b, t, 2, h // 2)`` with ``b, t, h = x.size()``: a target that starts with the
    source's own batch and time sizes, in place, only splits or merges the axes after them,
    so the layout of those axes and the padding are kept. Anything else: unknown."""
    source, dims = fact.source, fact.dims
    layout, rank = source.layout, source.rank
    if dims is None or layout is None or rank is None or len(layout) != rank:
        return None
    ta, ba = source.time_axis, source.batch_axis
    if ta is None or ba is None:
        return None
    kept = 0
    while kept < min(len(dims), rank) and fact._is_source_axis(dims[kept], kept):
        kept += 1
    if kept <= max(ta, ba) or kept == len(dims) == rank:
        return None  # batch or time not kept in place (or nothing changes: not a reshape)
    extra = len(dims) - kept
    return source.with_(
        rank=len(dims),
        layout=layout[:kept].append(Axis.FEATURE, extra),
        dims=source.dims[:kept] + (None,) * extra if source.dims is not None else None,
        origin=None,
        bidirectional=None,  # the feature axis was split: which half is which, unsure
    )


def _heads_split(it: Interpreter, fact: Reshape) -> Value:
    """``x.view(b * heads, -1, d)`` of padded batch-first ``(batch, time, features)`` data,
    ``b`` a batch size (``b = x.size(0)``): each batch element's block of ``time * features``
    values is cut into ``heads`` consecutive pieces, so the new middle axis runs over that
    element's steps in order, and its padded steps stay at the same end of it (of the rows
    that hold them). A softmax or a mean over that axis still reads the padding, whatever
    the heads do to the layout; nothing else is claimed (the batch axis is mixed with the
    heads, the feature axis cut)."""
    source, dims = fact.source, fact.dims
    if source.padding is None or source.layout != BTF or source.role != Role.DATA:
        return None
    if dims is None or len(dims) != 3 or dims[1].kind is not DimKind.INFERRED:
        return None
    call = fact.node
    first = call.args[0] if isinstance(call, ast.Call) and len(call.args) == 3 else None
    if not (isinstance(first, ast.BinOp) and isinstance(first.op, ast.Mult)):
        return None
    sizes = [it.eval(side) for side in (first.left, first.right) if isinstance(side, ast.Name)]
    if not any(_batch_size(v) for v in sizes):
        return None
    return Tensor(
        rank=3, layout=BTF, padding=source.padding, role=Role.DATA, origin=source.origin
    )


def _batch_size(v: Value) -> bool:
    """The size of the batch axis of a batch-first tensor (``x.size(0)``, ``x.shape[0]``)."""
    return isinstance(v, DimOf) and v.axis == 0 and v.tensor.batch_axis == 0
