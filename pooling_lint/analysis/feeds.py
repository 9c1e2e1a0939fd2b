"""Data fed to a graph input: ``model.fit(x)`` / ``predict`` / ``evaluate`` of a functional
Keras model, ``sess.run(..., feed_dict={ids: x})`` of a TF1 placeholder.

The input is built before the data is known (``keras.Input(...)``, ``tf.placeholder(...)``),
so the padding of what is fed reaches it on the next round of the analysis: the input's own
call reads :meth:`Interpreter.read_fed`, and a new feed marks the analysis as changed, so the
units that built the graph run again with the padded input.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.values import Padding, Tensor, Value

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def input_key(node: ast.AST) -> str:
    return str(id(node))


def feed(it: Interpreter, target: Value, data: Value) -> None:
    """``data`` is what the graph input ``target`` receives."""
    if not isinstance(target, Tensor) or target.origin is None:
        return
    if not isinstance(data, Tensor) or data.padding is None:
        return
    key = input_key(target.origin.node)
    old = it.fed.get(key)
    new = data.padding
    if old is not None:
        # fed in several places: the padding is there; its side and fill only where they agree
        new = Padding(
            old.evidence,
            old.side if old.side == new.side else None,
            old.fill if old.fill == new.fill else None,
        )
    if old != new:
        it.fed[key] = new
        it.changed = True


def fed_input(it: Interpreter, node: ast.AST, t: Tensor) -> Tensor:
    """The graph input ``t`` made at ``node``, padded like the data fed to it (if any)."""
    padding = it.read_fed(input_key(node))
    if padding is None or t.padding is not None:
        return t
    return t.with_(padding=padding)
