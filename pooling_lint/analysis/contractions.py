"""Matrix products of abstract tensors (``torch.matmul``, ``tf.matmul``, ``a @ b``).

Only the cases whose result layout follows from the operands:

* ``query @ context.transpose(1, 2)``: ``(batch, queries, time)`` attention scores, padded
  along the keys like the context;
* ``x @ W`` of padded ``(batch, time, features)`` data and a 2-D weight: ``(batch, time, k)``,
  still padded (a per-step projection); with a 1-D weight vector the feature axis is
  contracted away: ``(batch, time)`` scores, padded;
* ``mask @ x``: a sum over the masked steps.
"""

from __future__ import annotations

from pooling_lint.analysis.layout import BQT, BT, BTF, B, T
from pooling_lint.analysis.padding import refill
from pooling_lint.analysis.values import Role, Tensor, Value


def matmul(a: Value, b: Value, batched: bool = False) -> Value:
    """``a @ b``; ``batched``: ``torch.bmm``, whose operands are 3-D by definition."""
    if (
        isinstance(b, Tensor)
        and b.role == Role.DATA
        and b.padding is not None
        and b.rank == 3
        and b.layout is not None
        and b.layout.startswith(B)
        and b.layout.endswith(T)
    ):
        # query @ context.transpose(1, 2): (batch, queries, time) attention scores
        return Tensor(
            rank=3, layout=BQT, padding=refill(b.padding), origin=b.origin, role=Role.SCORES
        )
    if (
        isinstance(a, Tensor)
        and a.role == Role.DATA
        and a.padding is not None
        and a.layout is not None
        and a.layout.startswith(BT)
    ):
        three_d = a.rank == 3 or (a.rank is None and (batched or a.layout == BTF))
        if not three_d:
            return None  # (batch, time) @ (time, k): the time axis is contracted away
        if isinstance(b, Tensor) and b.rank == 1:
            # x @ w: one score per step, (batch, time)
            return Tensor(rank=2, layout=BT, padding=refill(a.padding), origin=a.origin)
        if isinstance(b, Tensor) and b.rank is not None and b.rank > 3:
            return None  # broadcast over more axes: the layout is not known
        # a (features, k) weight, or a batched (batch, features, k) one (`values @ query`):
        # one result per step
        return Tensor(rank=3, layout=BTF, padding=refill(a.padding), origin=a.origin)
    if isinstance(a, Tensor) and a.role == Role.MASK and isinstance(b, Tensor):
        return Tensor(rank=3, role=Role.POOLED_SUM)
    return None
