"""Arithmetic and comparison operators on abstract values (masking by `x * mask`, ...)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis.padding import masked
from pooling_lint.analysis.values import (
    Const,
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
    lt = left if isinstance(left, Tensor) else None
    rt = right if isinstance(right, Tensor) else None
    if op is ast.Div and isinstance(node, ast.BinOp) and (lt or rt):
        it.division(node, left, right, node.right)
    if lt is None and rt is None:
        if isinstance(left, Const) and isinstance(right, Const):
            return fold(op, left.value, right.value)
        return None
    if op is ast.Mult:
        for a, b in ((lt, rt), (rt, lt)):
            if a is not None and b is not None and b.role == Role.MASK and a.role != Role.MASK:
                return masked(a, node, Fill.ZERO, it)
        if lt is not None and rt is not None and lt.role == Role.MASK and rt.role == Role.MASK:
            return lt
        t = lt or rt
        assert t is not None
        other = right if t is lt else left
        if t.role == Role.MASK and isinstance(other, Const):
            return t  # (1 - mask) * -1e9 builds an additive mask
        if isinstance(other, Const):
            return t
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
            return t.with_(guarded=True) if op is ast.Add else t
        if t.role == Role.MASK and isinstance(other, Const):
            return t
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
        return None
    return lt if lt is not None and isinstance(right, Const) else None


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
        return Tensor(rank=2, layout="BT", role=Role.MASK, origin=ev)
    if ops and all(o in (ast.NotEq, ast.Eq, ast.Gt) for o in ops):
        t = left if isinstance(left, Tensor) else None
        if (
            t is not None
            and t.role in (Role.DATA, Role.TOKENS)
            and all(isinstance(r, Const) for r in rights)
        ):
            if t.rank == 2 or t.role == Role.TOKENS:
                return Tensor(rank=t.rank, dims=t.dims, layout=t.layout, role=Role.MASK, origin=ev)
    return None
