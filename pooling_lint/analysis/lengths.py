"""Lengths that cannot be zero, so dividing by them needs no guard.

``pack_padded_sequence`` raises ``RuntimeError`` when a length is 0 (and
``pad_packed_sequence`` hands back the lengths that packing accepted), so once a value has
been given to it as the lengths, every later read of that value on the same path is at least
1. The fact rides on the tensor (``Tensor.nonzero``) and, like every fact, is kept by a join
only when both paths have it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.values import Evidence, Tensor

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

#: methods whose result holds the same values as their receiver (dtype, device, layout)
_SAME_VALUES = (
    lib.IDENTITY_METHODS
    | lib.DEVICE_METHODS
    | lib.RESHAPE_METHODS
    | {"tolist", "squeeze", "flatten", "bool", "byte"}
)


def nonzero(it: Interpreter, given: ast.expr, ev: Evidence) -> None:
    """The name behind ``given`` (``lengths`` in ``lengths.cpu()``) holds no zero from now on."""
    node = given
    while (
        type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr in _SAME_VALUES
    ):
        node = node.func.value
    frame = it.frame
    if type(node) is not ast.Name or frame is None:
        return
    value = frame.env.get(node.id)
    if isinstance(value, Tensor) and value.nonzero is None:
        frame.env[node.id] = value.with_(nonzero=ev)
