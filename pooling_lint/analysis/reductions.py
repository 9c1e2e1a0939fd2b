"""Reductions and 1-D pools: the events they record and the value they return."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import as_int
from pooling_lint.analysis.axes import drop_axis, normalise_axis
from pooling_lint.analysis.facts import (
    CallFact,
    Division,
    Reduction,
)
from pooling_lint.analysis.library import Framework
from pooling_lint.analysis.values import (
    Dim,
    DimOf,
    Evidence,
    Fill,
    Layer,
    Padding,
    Role,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def reduce(
    it: Interpreter,
    node: ast.AST,
    op: str,
    api: str,
    t: Tensor,
    axis_value: Value,
    operand_node: ast.AST | None,
    keepdims: bool = False,
    layer: Layer | None = None,
    has_mask: bool = False,
    framework: Framework | None = None,
) -> Value:
    """Record a reduction of ``t`` over ``axis_value`` and return its result."""
    known, axis = normalise_axis(axis_value, t)
    if not known:
        return None
    event = Reduction(
        node=node,
        op=op,
        api=api,
        operand=t,
        axis=axis,
        operand_node=operand_node,
        layer=layer,
        has_mask_arg=has_mask,
        framework=framework,
    )
    it.log.reduction(event)
    out = _reduced(node, op, api, t, axis, keepdims)
    if isinstance(out, Tensor) and out.marks is not None:
        out = out.with_(marks=None)  # a max/softmax/sum of a mask is not True at its steps
    if op == "sum" and out is not None:
        # kept with its result, so a division can tell which value was summed (by identity)
        it.sums[id(out)] = (out, event)
    return out


def _reduced(
    node: ast.AST, op: str, api: str, t: Tensor, axis: int | None, keepdims: bool
) -> Value:
    if op == "sum" and t.role == Role.MASK:
        # a mask with a valid step in every row: its sum over any axis but the batch's is
        # never zero
        batch = t.batch_axis if t.batch_axis is not None else 0
        over_time = axis is None or axis != batch
        return Tensor(
            role=Role.LENGTHS, origin=Evidence(node, api), nonzero=t.nonzero if over_time else None
        )
    if op == "softmax":
        out = t.with_(role=Role.WEIGHTS, origin=Evidence(node, api))
        if t.padding is not None and axis == t.time_axis and t.padding.fill == Fill.NEG_INF:
            out = out.with_(padding=Padding(t.padding.evidence, t.padding.side, Fill.ZERO))
        return out
    out = drop_axis(t, axis, keepdims)
    if op == "sum" and axis is not None and axis == t.time_axis and t.role == Role.DATA:
        # the origin names this sum, so a division by the padded length can find it
        out = out.with_(role=Role.POOLED_SUM, origin=Evidence(node, api))
    return out


def record_division(
    it: Interpreter, node: ast.AST, num: Value, den: Value, den_node: ast.expr
) -> None:
    """``num / den`` with a tracked side: the event, and the mean it may be."""
    it.log.division(Division(node, num, den, den_node, outer_normalised(it, num, den)))
    mean_by_division(it, node, num, den)
    normalised_over_time(it, node, num, den)


def normalised_over_time(it: Interpreter, node: ast.AST, num: Value, den: Value) -> None:
    """``e / e.sum(1, keepdim=True)`` (``e = exp(scores)``, or any weights): each row divided
    by its own sum over the padded time axis, a hand-written softmax. Recorded as a softmax
    over that axis (PLG105) when the padded steps hold something (not zeros): they take part
    in the sum and get weight. Matched by value: the denominator must be a sum over the time
    axis of the very numerator."""
    d = it.sums.get(id(den))
    if d is None or d[0] is not den or not isinstance(num, Tensor) or d[1].operand is not num:
        return
    summed = d[1]
    t = num
    if t.padding is None or summed.axis is None or summed.axis != t.time_axis:
        return
    if t.role not in (Role.DATA, Role.SCORES) or t.masked is not None:
        return
    if t.padding.fill in (Fill.ZERO, Fill.NEG_INF):
        return  # zero at the padding: no weight there
    it.log.reduction(
        Reduction(
            node=node,
            op="softmax",
            api=f"the hand-written softmax `{api_text(node)}`",
            operand=t,
            axis=summed.axis,
            operand_node=node.left
            if isinstance(node, ast.BinOp)
            else getattr(node, "target", None),
            framework=summed.framework,
        )
    )


def outer_normalised(it: Interpreter, num: Value, den: Value) -> Reduction | None:
    """``(v * m).sum() / m.sum()`` with ``v * m`` an outer product (``Tensor.outer``): the
    numerator's full sum, when the denominator is the full sum of that product's own column
    (both sums over every axis).

    Both sides are matched by value: each must be the result of a full sum recorded by
    :func:`reduce` (through any names it was bound to), and the denominator's operand must be
    the very column value the product was built from, so ``s = m.sum(); ... / s`` is the same
    division and a sum of another tensor with the same text is not."""
    n = it.sums.get(id(num))
    d = it.sums.get(id(den))
    if n is None or d is None or n[0] is not num or d[0] is not den:
        return None
    summed = n[1]
    if summed.axis is not None or d[1].axis is not None:
        return None
    column = summed.operand.outer_column
    if summed.operand.outer is None or column is None or d[1].operand is not column:
        return None
    return summed


def mean_by_division(it: Interpreter, node: ast.AST, num: Value, den: Value) -> None:
    """``x.sum(1) / x.size(1)``: a sum over the padded time axis divided by that axis' padded
    size is the plain mean over time, padding counted; record it as that mean.

    The numerator must be the result of a sum over the time axis of padded data (found by its
    origin among the reductions already recorded), and the denominator the size of the time
    axis of a padded tensor (``DimOf``); anything else (the lengths, a mask's sum, another
    axis' size, a literal) records nothing."""
    if not isinstance(num, Tensor) or num.role != Role.POOLED_SUM or num.origin is None:
        return
    if not isinstance(den, DimOf):
        return
    size_of = den.tensor
    rank = (
        size_of.rank
        if size_of.rank is not None
        else (len(size_of.layout) if size_of.layout else None)
    )
    if size_of.padding is None or rank is None or size_of.role != Role.DATA:
        return
    axis = den.axis + rank if den.axis < 0 else den.axis
    if axis != size_of.time_axis:
        return
    summed = next(
        (r for r in it.log.reductions if r.node is num.origin.node and r.op == "sum"), None
    )
    if summed is None or summed.operand.padding is None or summed.axis != summed.operand.time_axis:
        return
    if summed.windowed or summed.operand.role != Role.DATA:
        return
    it.log.reduction(
        Reduction(
            node=node,
            op="mean",
            api=f"`{api_text(node)}` (a sum over time divided by the padded length)",
            operand=summed.operand,
            axis=summed.axis,
            operand_node=summed.operand_node,
            framework=summed.framework,
        )
    )


def api_text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - a message detail only
        return "x.sum(1) / x.size(1)"
    return text if len(text) <= 60 else text[:57] + "..."


def pool_last_axis(
    it: Interpreter,
    node: ast.AST,
    op: str,
    api: str,
    t: Tensor,
    fact: CallFact | None,
    layer: Layer | None,
    operand_node: ast.AST | None,
) -> Value:
    """torch 1-D pools act on the last axis (time only for (N, C, L) inputs)."""
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else None)
    axis = rank - 1 if rank is not None else None
    window: int | None = None
    if layer is not None:
        if "Adaptive" in layer.qualname:
            window = None if as_int(layer.args.get("output_size")) == 1 else -1
        else:
            window = as_int(layer.args.get("kernel_size"))
    elif fact is not None:
        if "adaptive" in (fact.qualname or ""):
            out_size = fact.args[1] if len(fact.args) > 1 else fact.kwarg("output_size")
            window = None if as_int(out_size) == 1 else -1
        else:
            k = fact.args[1] if len(fact.args) > 1 else fact.kwarg("kernel_size")
            if isinstance(k, DimOf) and axis is not None and k.axis % max(rank or 1, 1) == axis:
                window = None  # kernel_size = x.size(-1): a global pool
            else:
                window = as_int(k)
                if window is not None and axis is not None and t.dim(axis) == window:
                    window = None
    if axis is None:
        return None
    if window == -1:
        return None  # adaptive pooling to several outputs: not a global reduction
    it.log.reduction(
        Reduction(
            node=node,
            op=op,
            api=api,
            operand=t,
            axis=axis,
            operand_node=operand_node,
            layer=layer,
            windowed=window is not None,
            pool_size=window,
            framework=Framework.TORCH,
        ),
    )
    out = drop_axis(t, axis, keepdims=True)
    if window is not None and t.dims is not None:
        # a real window keeps floor((L - k) / stride) + 1 steps
        stride = (
            as_int(layer.args.get("stride"))
            if layer is not None
            else (
                as_int(fact.args[2])
                if fact is not None and len(fact.args) > 2
                else as_int(fact.kwarg("stride"))
                if fact is not None
                else None
            )
        )
        stride = stride or window
        length = t.dim(axis)
        new_len: Dim = (length - window) // stride + 1 if isinstance(length, int) else None
        dims = t.dims[:axis] + (new_len,) + t.dims[axis + 1 :]
        out = out.with_(dims=dims, padding=t.padding if new_len != 1 else None)
    return out
