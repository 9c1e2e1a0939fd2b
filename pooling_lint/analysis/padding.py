"""How padding facts change: masking fills, per-step ops, leaving the Keras graph."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import const
from pooling_lint.analysis.layout import BTF, Layout
from pooling_lint.analysis.values import (
    Evidence,
    Fill,
    Padding,
    Role,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def fill_of(v: Value) -> Fill | None:
    """What the padded steps hold after they are set to the value ``v``."""
    c = const(v)
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        if c == 0:
            return Fill.ZERO
        if c <= -1e4 or (isinstance(c, float) and math.isinf(c) and c < 0):
            return Fill.NEG_INF
        if c >= 1e4 or (isinstance(c, float) and math.isinf(c)):
            return Fill.POS_INF
    return None


def masked(t: Tensor, node: ast.AST, fill: Fill | None, it: Interpreter) -> Tensor:
    ev = Evidence(node, "")
    pad = t.padding
    if pad is not None:
        pad = Padding(pad.evidence, pad.side, fill)
    role = Role.MASKED_SCORES if t.role in (Role.SCORES,) and fill == Fill.NEG_INF else t.role
    return t.with_(masked=ev, padding=pad, role=role)


# ------------------------------------------------------------------ shape helpers
def refill(p: Padding | None) -> Padding | None:
    """After a per-step affine op the padded steps no longer hold a known value."""
    return Padding(p.evidence, p.side, None) if p is not None and p.fill != Fill.COPY_LAST else p


def drop_symbolic(v: Value) -> Value:
    if isinstance(v, Tensor):
        return v.with_(symbolic=None, keras_mask=None, mask_consumed=None)
    return v


def padded_as(cur: Value, ev: Evidence, layout: Layout | None) -> Value:
    """``cur`` padded per ``ev``; an unknown value becomes a tensor of the shown layout.

    The layout is what the connection shows (analysis/connections.py): a mask expanded on the
    last axis gives ``BTF``, lengths compared against axis 1 ``BT``, time-major packing ``TB``.
    """
    if cur is None:
        # A connection that shows no axes (passed together to a call) pads the value without
        # saying which axis is time: reductions of it stay unknown.
        rank = layout.rank if layout == BTF else None
        return Tensor(padding=Padding(ev), origin=ev, layout=layout, rank=rank)
    if isinstance(cur, Tensor) and cur.role == Role.DATA and cur.padding is None:
        return cur.with_(padding=Padding(ev))
    return cur
