"""How padding facts change: masking fills, per-step ops, leaving the Keras graph."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import const
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
