"""Subscripts whose result gives only a shape, dtype or device: they read no values.

``torch.zeros_like(x[:, -1:])``, ``x[:, -1].shape``, ``x[:, -1:].new_zeros(n)``,
``len(x[:, -1])``, ``tf.shape(x[:, -1])`` need the slice's shape, never what the padded steps
hold: their :class:`~pooling_lint.analysis.facts.SubscriptFact` has ``reads_values`` False.
Which axis they index still matters (a time-major ``zeros_like(out[:, -1])`` has the wrong
shape), so they are recorded. A name bound to a slice and later used for its shape only is not
followed: the binding itself is taken as the use (a test asserting ``summary.shape`` still
treats ``summary`` as the sequence's summary).

The framework APIs that read only a shape are the library's ``SHAPE_READERS`` (functions, first
argument), ``SHAPE_METHODS`` (tensor methods, the receiver) and ``SHAPE_ATTRIBUTES``. The
interpreter asks before it evaluates the operand, so the check costs nothing where no such API
is called.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from pooling_lint.analysis import library as lib


def shape_read_of_attribute(node: ast.Attribute) -> ast.Subscript | None:
    """``x[:, -1].shape``: the subscript whose shape, dtype or device ``node`` reads."""
    if isinstance(node.value, ast.Subscript) and node.attr in lib.SHAPE_ATTRIBUTES:
        return node.value
    return None


def shape_read_of_call(
    node: ast.Call, qualname: str | None, builtin_len: Callable[[], bool]
) -> ast.Subscript | None:
    """``zeros_like(x[:, -1:])``, ``x[:, -1:].new_zeros(n)``, ``len(x[:, -1])``: the subscript
    whose shape, dtype or device the call reads (``qualname`` is the callee's;
    ``builtin_len()``: the name ``len`` is Python's, asked only for ``len(x[...])``)."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in lib.SHAPE_METHODS:
        if isinstance(func.value, ast.Subscript):
            return func.value
    if not node.args or not isinstance(node.args[0], ast.Subscript):
        return None
    if qualname in lib.SHAPE_READERS:
        return node.args[0]
    if isinstance(func, ast.Name) and func.id == "len" and builtin_len():
        return node.args[0]
    return None
