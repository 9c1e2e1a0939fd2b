"""Arithmetic and comparison operators on abstract values (masking by `x * mask`, ...)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis.contractions import matmul
from pooling_lint.analysis.layout import BT
from pooling_lint.analysis.padding import masked
from pooling_lint.analysis.polarity import (
    flipped,
    of_arange_compare,
    of_mask_compare,
    of_token_compare,
)
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Evidence,
    Fill,
    Padding,
    Role,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def binary(
    it: Interpreter,
    node: ast.AST,
    op: type | None,
    left: Value,
    right: Value,
    right_node: ast.AST,
) -> Value:
    out = _binary(it, node, op, left, right)
    if op is ast.MatMult:
        return out  # a contraction, not an elementwise broadcast
    if isinstance(out, Tensor) and isinstance(left, Tensor) and isinstance(right, Tensor):
        out = broadcast_shape(out, left, right)
        if op is ast.Mult and type(node) is ast.BinOp:
            found = _column_of_outer(left, right, node.left, node.right)
            if found is not None:
                column, column_node = found
                out = out.with_(outer=Evidence(column_node, ""), outer_column=column)
    return out


def _column_of_outer(
    a: Tensor, b: Tensor, a_node: ast.expr, b_node: ast.expr
) -> tuple[Tensor, ast.expr] | None:
    """``v * c`` of a ``(N,)`` vector and an ``(N, 1)`` column of the same known length N
    (N > 1): broadcasting makes it the ``(N, N)`` outer product. The column and its node."""
    for vec, col, col_node in ((a, b, b_node), (b, a, a_node)):
        if vec.dims is None or col.dims is None or len(vec.dims) != 1 or len(col.dims) != 2:
            continue
        n = vec.dims[0]
        if col.dims[1] != 1 or col.dims[0] != n or n is None:
            continue
        if isinstance(n, int) and n < 2:
            continue
        return col, col_node
    return None


def additive_penalty(mask: Tensor, factor: Any) -> Tensor | None:
    """``mask * factor``: still a mask when the factor is 1 or large enough to mask by adding.

    ``(1 - mask) * -1e9`` pushes padded logits out of a softmax or max; ``* -1e-6`` moves them
    by nothing, so the product is plain data (no masking); a middling factor is unknown.
    """
    if not isinstance(factor, (int, float)) or isinstance(factor, bool):
        return mask
    size = abs(factor)
    if size == 1 or size >= 1e4:
        return mask
    if size < 1:
        return Tensor(rank=mask.rank, dims=mask.dims, layout=mask.layout, origin=mask.origin)
    return None


def broadcast_shape(out: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``out`` with the shape an elementwise op of ``a`` and ``b`` broadcasts to.

    ``w[..., None] * out`` of a ``(B, T, 1)`` and a ``(B, T, H)`` is ``(B, T, H)``; an axis
    that neither side pins down is unknown.
    """
    if a.rank is None or b.rank is None:
        return out  # unknown rank on one side: keep what the op's own rule said
    rank = max(a.rank, b.rank)
    da = (None,) * (rank - a.rank) + (a.dims or (None,) * a.rank)
    db = (None,) * (rank - b.rank) + (b.dims or (None,) * b.rank)
    dims: list[Dim] = []
    for x, y in zip(da, db):
        if x == y:
            dims.append(x)
        elif x is None or y is None:
            known = y if x is None else x
            dims.append(known if known != 1 else None)  # N with an unknown side is N
        elif x == 1 or y == 1:
            dims.append(y if x == 1 else x)
        else:
            dims.append(None)  # the shapes contradict each other: unknown, not a guess
    if out.rank == rank and out.dims == tuple(dims):
        return out
    layout = out.layout if out.layout is not None and len(out.layout) == rank else None
    return out.with_(rank=rank, dims=tuple(dims), layout=layout)


def _binary(it: Interpreter, node: ast.AST, op: type | None, left: Value, right: Value) -> Value:
    lt = left if isinstance(left, Tensor) else None
    rt = right if isinstance(right, Tensor) else None
    if op is ast.Div and isinstance(node, (ast.BinOp, ast.AugAssign)) and (lt or rt):
        it.division(node, left, right, node.right if isinstance(node, ast.BinOp) else node.value)
    if lt is None and rt is None:
        if isinstance(left, Const) and isinstance(right, Const):
            return fold(op, left.value, right.value)
        return None
    if op is ast.Mult:
        for a, b in ((lt, rt), (rt, lt)):
            if a is not None and b is not None and b.role == Role.MASK and a.role != Role.MASK:
                return masked(a, node, Fill.ZERO, it)
        if lt is not None and rt is not None and lt.role == Role.MASK and rt.role == Role.MASK:
            # both masks: True where both are; one polarity only when they share it
            same = lt.marks is not None and rt.marks is not None and lt.marks[0] is rt.marks[0]
            return lt if same or lt.marks is None else lt.with_(marks=None)
        t = lt or rt
        assert t is not None
        other = right if t is lt else left
        if t.role == Role.MASK and isinstance(other, Const):
            return additive_penalty(t, other.value)  # (1 - mask) * -1e9: an additive mask
        if isinstance(other, Const):
            return t if other.value != 0 else t.with_(nonzero=None)
        t = t.with_(nonzero=None)  # times a tensor that may hold zeros
        return (
            t.with_(padding=Padding(t.padding.evidence, t.padding.side, None)) if t.padding else t
        )
    if op in (ast.Add, ast.Sub):
        for a, b in ((lt, rt), (rt, lt)):
            if (
                a is not None
                and b is not None
                and b.role == Role.MASK
                and a.role in (Role.SCORES, Role.DATA)
            ):
                # scores + additive mask (-1e9 at padding)
                return masked(a, node, Fill.NEG_INF, it).with_(
                    role=Role.MASKED_SCORES if a.role == Role.SCORES else a.role
                )
        t = lt or rt
        assert t is not None
        other = right if t is lt else left
        if t.role == Role.LENGTHS and isinstance(other, Const):
            # lengths - 1 can be 0 even when no length is
            return t.with_(guarded=True) if op is ast.Add else t.with_(nonzero=None)
        if t.role == Role.MASK and isinstance(other, Const):
            if op is ast.Sub and t is rt and other.value == 1:
                return flipped(t, node)  # 1 - m: the other steps
            return t.with_(marks=None)  # m - 1, m + c: a mask of another meaning
        if isinstance(other, Const):
            return t
        return t.with_(role=Role.DATA if t.role == Role.MASK else t.role)
    if op is ast.Div:
        if lt is not None:
            if lt.role == Role.DATA and rt is not None and rt.role == Role.LENGTHS:
                return Tensor(rank=lt.rank, layout=lt.layout, dims=lt.dims, origin=lt.origin)
            return lt if isinstance(right, Const) else lt.with_(role=Role.DATA)
        return None
    if op is ast.MatMult:
        return matmul(left, right)  # `x @ w`: as torch.matmul / tf.matmul
    # `m ^ 1`, `m % 2`, ...: the shape stays, what is True may not
    return lt.with_(marks=None) if lt is not None and isinstance(right, Const) else None


def fold(op: type | None, a: Any, b: Any) -> Value:
    try:
        if op is ast.Add:
            return Const(a + b)
        if op is ast.Sub:
            return Const(a - b)
        if op is ast.Mult:
            return Const(a * b)
        if op is ast.FloorDiv:
            return Const(a // b)
    except Exception:  # noqa: BLE001 - folding is best effort
        return None
    return None


def comparison(it: Interpreter, node: ast.Compare) -> Value:
    left = it.eval(node.left)
    rights = [it.eval(c) for c in node.comparators]
    ops = [type(o) for o in node.ops]
    values = [left, *rights]
    roles = {v.role for v in values if isinstance(v, Tensor)}
    ev = Evidence(node, "")
    if Role.ARANGE in roles and Role.LENGTHS in roles:
        marks = of_arange_compare(left, ops, node) if len(values) == 2 else None
        return Tensor(rank=2, layout=BT, role=Role.MASK, origin=ev, marks=marks)
    if ops and all(o in (ast.NotEq, ast.Eq, ast.Gt) for o in ops):
        t = left if isinstance(left, Tensor) else None
        if (
            t is not None
            and t.role in (Role.DATA, Role.TOKENS)
            and all(isinstance(r, Const) for r in rights)
        ):
            if t.rank == 2 or t.role == Role.TOKENS:
                return Tensor(
                    rank=t.rank,
                    dims=t.dims,
                    layout=t.layout,
                    role=Role.MASK,
                    origin=ev,
                    marks=of_token_compare(t, ops, rights[0], node),
                )
    if (
        isinstance(left, Tensor)
        and left.role == Role.MASK
        and len(rights) == 1
        and isinstance(rights[0], Const)
    ):
        # `m == 0`, `m != 1`: the same mask, the other way round (`m > 0`: the same)
        marks = of_mask_compare(left, ops, rights[0].value, node)
        if marks is not None:
            return left.with_(origin=ev, marks=marks)
    return None
