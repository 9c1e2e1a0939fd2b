"""Subscripts of tracked tensors: which axes an index keeps, drops or adds."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from pooling_lint.analysis.facts import (
    MaskDropped,
    SubscriptFact,
)
from pooling_lint.analysis.indexing import (
    FULL_SLICE,
    IntIndex,
    Marker,
    SliceIndex,
    TensorIndex,
)
from pooling_lint.analysis.layout import Axis, Layout
from pooling_lint.analysis.values import (
    Dim,
    Evidence,
    Role,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


_NO_AXIS = (Marker.NEWAXIS, Marker.ELLIPSIS)


def subscript(it: Interpreter, fact: SubscriptFact) -> Value:
    t = fact.base
    if t.symbolic is not None and t.keras_mask is not None and t.mask_consumed is None:
        it.log.mask_drop(MaskDropped(fact.node, t, "slicing"))
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    axes = fact.axis_items(rank)
    if axes is None and _rows_of_padded_batch(it, fact, rank):
        # `X[idx]`, `X[train_idx]` of a padded (batch, time) array with an index the file
        # does not show: rows (a 1-D index array or list); each kept row keeps its padding
        return t.with_(dims=None)
    if axes is None:
        if any(isinstance(i, TensorIndex) for i in fact.items):
            # x[arange(B), lengths - 1]: a gather of one step per row
            return Tensor(origin=t.origin, bidirectional=t.bidirectional)
        if t.role in (Role.MASK, Role.LENGTHS):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded, nonzero=t.nonzero)
        return None
    newaxes = [n for n, i in enumerate(fact.items) if i is Marker.NEWAXIS]
    if rank is None:
        if t.role in (Role.MASK, Role.LENGTHS):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded, nonzero=t.nonzero)
        return None
    keep: list[int] = []
    dims: list[Dim] = []
    layout_axes: list[int] = []
    time_kept = True
    for axis in range(rank):
        item = axes.get(axis, FULL_SLICE)
        if isinstance(item, IntIndex):
            if axis == t.time_axis:
                time_kept = False
            continue
        keep.append(axis)
        full = isinstance(item, SliceIndex) and item.covers
        dims.append(t.dim(axis) if full else None)
        layout_axes.append(axis)
    layout = (
        t.layout.select(layout_axes) if t.layout is not None and t.layout.rank == rank else None
    )
    out = t.with_(
        rank=len(keep) + len(newaxes),
        dims=tuple(dims) if t.dims is not None and not newaxes else None,
        layout=layout if not newaxes else None,
        symbolic=t.symbolic,
        keras_mask=None if t.symbolic is not None else t.keras_mask,
    )
    if not time_kept:
        out = out.with_(padding=None, rnn=None)
    if newaxes and t.role not in (Role.MASK, Role.LENGTHS):
        # x[:, :, None]: keep the layout letters in place with "1" for the new axes
        if (
            t.layout is not None
            and len(t.layout) == rank
            and time_kept
            and not any(isinstance(i, IntIndex) for i in fact.items)
        ):
            chars: list[Axis] = []
            k = 0
            for i in fact.items:
                if i is Marker.NEWAXIS:
                    chars.append(Axis.ONE)
                elif i is Marker.ELLIPSIS:
                    n = rank - sum(1 for j in fact.items if j not in _NO_AXIS)
                    chars.extend(t.layout[k : k + n])
                    k += n
                else:
                    if k >= len(t.layout):
                        return out.with_(layout=None)  # more indices than axes: an error
                    chars.append(t.layout[k])
                    k += 1
            chars.extend(t.layout[k:])
            out = out.with_(layout=Layout(tuple(chars)), rank=len(chars))
    return out


def _rows_of_padded_batch(it: Interpreter, fact: SubscriptFact, rank: int | None) -> bool:
    """``X[idx]``: one index that is a name, attribute, call or subscript the analysis cannot
    evaluate, on a padded ``(batch, time)`` array. Indexing an array with anything but an int,
    a slice or a tuple selects along the first axis; only a 2-D boolean array would pick
    elements instead, and a comparison (the way such a mask is made) is not read this way."""
    t = fact.base
    node = fact.node
    if t.padding is None or rank != 2 or t.layout is None or t.layout.time_axis != 1:
        return False
    if (
        len(fact.items) != 1
        or fact.items[0] is not Marker.OTHER
        or not isinstance(node, ast.Subscript)
    ):
        return False
    index = node.slice
    if type(index) is ast.Name:
        # `for i in range(n): X[i]`, `i += 1`: a counter picks one row, not rows
        unit = it.frame.unit.node if it.frame is not None else it.tree
        return index.id not in _counters(unit)
    return type(index) in (ast.Attribute, ast.Call, ast.Subscript)


def _counters(scope: ast.AST) -> frozenset[str]:
    """Names of ``scope`` that hold one integer at a time: loop targets over ``range(...)``,
    the count of ``enumerate(...)``, names augmented in place (``i += 1``). Walked only for
    the rare subscript that needs it (an unknown name indexing a padded batch)."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, (ast.For, ast.comprehension)):
            call = node.iter
            fname = ""
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                fname = call.func.id
            target = node.target
            if fname == "range" and isinstance(target, ast.Name):
                names.add(target.id)
            elif fname == "enumerate" and isinstance(target, ast.Tuple) and target.elts:
                first = target.elts[0]
                if isinstance(first, ast.Name):
                    names.add(first.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return frozenset(names)


def join_ends(it: Interpreter, call: ast.Call, parts: list[ast.expr]) -> None:
    """``cat((x[0], x[-1]))``: mark both subscripts as taken together with the other end.

    Two parts are the two ends of one axis when they index the same expression, agree on
    every other axis, and take step ``0`` and step ``-1`` of that axis.
    """
    recorded: list[SubscriptFact] = it.log.subscripts
    index = {id(f.node): n for n, f in enumerate(recorded)}
    facts = [recorded[index[id(p)]] for p in parts if type(p) is ast.Subscript and id(p) in index]
    paired: set[int] = set()
    for a in facts:
        for b in facts:
            if a is b or a.base != b.base:
                continue
            if ast.dump(a.node.value) != ast.dump(b.node.value):
                continue
            if _other_ends(a, b):
                paired.update((index[id(a.node)], index[id(b.node)]))
    ev = Evidence(call, "")
    for n in paired:
        recorded[n] = replace(recorded[n], other_end=ev)


def _other_ends(a: SubscriptFact, b: SubscriptFact) -> bool:
    rank = (
        a.base.rank if a.base.rank is not None else (len(a.base.layout) if a.base.layout else None)
    )
    ia, ib = a.axis_items(rank), b.axis_items(rank)
    if ia is None or ib is None:
        return False
    axes = set(ia) | set(ib)
    differ = [k for k in axes if ia.get(k, FULL_SLICE) != ib.get(k, FULL_SLICE)]
    if len(differ) != 1:
        return False
    k = differ[0]
    return {ia.get(k, FULL_SLICE), ib.get(k, FULL_SLICE)} == {IntIndex(0), IntIndex(-1)}
