"""What axis operations do to a tensor's rank, dims and layout: drop, permute, expand, ..."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import const
from pooling_lint.analysis.layout import Axis, Layout
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Role,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def drop_axis(t: Tensor, axis: int | None, keepdims: bool = False) -> Tensor:
    if axis is None:
        return Tensor(origin=t.origin)
    time_gone = axis == t.time_axis
    layout = t.layout
    dims = t.dims
    rank = t.rank
    if keepdims:
        if dims is not None:
            dims = tuple(1 if i == axis else d for i, d in enumerate(dims))
    else:
        if layout is not None and (rank is None or layout.rank == rank) and axis < layout.rank:
            layout = layout.drop(axis)
        else:
            layout = None
        if dims is not None and axis < len(dims):
            dims = dims[:axis] + dims[axis + 1 :]
        rank = rank - 1 if rank is not None else None
    return t.with_(
        rank=rank,
        dims=dims,
        layout=layout or None,
        padding=None if time_gone else t.padding,
        keras_mask=None if time_gone else t.keras_mask,
        rnn=None if time_gone else t.rnn,
        bidirectional=t.bidirectional,
        role=Role.DATA if t.role in (Role.SCORES, Role.MASKED_SCORES) and time_gone else t.role,
    )


def normalise_axis(axis: Value, t: Tensor) -> tuple[bool, int | None]:
    """(known, axis): known is False when the axis expression could not be read."""
    c = const(axis)
    if isinstance(axis, Const) and c is None:
        return True, None  # all axes
    if isinstance(c, (tuple, list)) and len(c) == 1:
        c = c[0]
    if isinstance(c, int) and not isinstance(c, bool):
        if c < 0:
            if t.rank is None:
                return False, None  # a layout prefix does not say how many axes follow
            c += t.rank
        return True, c
    return False, None


def permute(t: Tensor, perm: tuple[int, ...], node: ast.AST, it: Interpreter) -> Value:
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    if not rank or len(perm) != rank or sorted(p % rank for p in perm) != list(range(rank)):
        return t.with_(layout=None, dims=None)
    perm = tuple(p + rank if p < 0 else p for p in perm)
    layout: Layout | None = None
    if t.layout is not None and t.layout.rank == rank:
        layout = t.layout.permute(perm).features_named_by_position()
    dims = tuple(t.dims[p] for p in perm) if t.dims is not None else None
    return t.with_(layout=layout, dims=dims, rank=rank)


def transpose(t: Tensor, a: int, b: int, node: ast.AST, it: Interpreter) -> Value:
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    if not rank or not (-rank <= a < rank and -rank <= b < rank):
        return t.with_(layout=None, dims=None)
    a, b = a % rank, b % rank
    perm = list(range(rank))
    perm[a], perm[b] = perm[b], perm[a]
    return permute(t, tuple(perm), node, it)


def expand(t: Tensor, axis: int | None) -> Value:
    if axis is None:
        return None
    rank = t.rank
    if rank is None:
        return t.with_(layout=None, dims=None) if t.role in (Role.MASK, Role.LENGTHS) else None
    if axis < 0:
        axis += rank + 1
    layout = t.layout
    if layout is not None and layout.rank == rank:
        layout = layout.insert(axis, Axis.ONE)
    dims = t.dims[:axis] + (1,) + t.dims[axis:] if t.dims is not None else None
    return t.with_(rank=rank + 1, dims=dims, layout=layout)


def flatten(t: Tensor, start: int) -> Value:
    """``torch.flatten(x, start)``: the axes from ``start`` on become one."""
    if t.rank is None or not 0 <= start < max(t.rank, 1):
        return Tensor(origin=t.origin) if start == 1 else None
    dims: tuple[Dim, ...] | None = None
    if t.dims is not None:
        rest = t.dims[start:]
        total: Dim = 1
        for d in rest:
            total = total * d if isinstance(total, int) and isinstance(d, int) else None
        dims = t.dims[:start] + (total,)
    return Tensor(rank=start + 1, dims=dims, origin=t.origin)


def squeeze(t: Tensor, axis: int | None) -> Value:
    if t.rank is None:
        if axis == -1 and t.layout is not None and len(t.layout) <= 2 and t.role != Role.MASK:
            # scores (batch, time, 1) -> (batch, time): the leading axes stay where they are
            return t
        return None
    if axis is None:
        if t.dims is None:
            return None
        keep = [i for i, d in enumerate(t.dims) if d != 1]
    else:
        if not -t.rank <= axis < t.rank:
            return None
        axis = axis % t.rank
        keep = [i for i in range(t.rank) if i != axis]
    layout = t.layout.select(keep) if t.layout is not None and t.layout.rank == t.rank else None
    dims = tuple(t.dims[i] for i in keep) if t.dims is not None else None
    return t.with_(rank=len(keep), dims=dims, layout=layout)
