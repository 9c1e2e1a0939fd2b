"""Subscripts whose result gives only a shape, dtype or device: they read no values.

``torch.zeros_like(x[:, -1:])``, ``x[:, -1].shape``, ``x[:, -1:].new_zeros(n)``,
``len(x[:, -1])``, ``tf.shape(x[:, -1])`` need the slice's shape, never what the padded steps
hold: their :class:`~pooling_lint.analysis.facts.SubscriptFact` has ``reads_values`` False.
Which axis they index still matters (a time-major ``zeros_like(out[:, -1])`` has the wrong
shape), so they are recorded. A name bound to a slice and later used for its shape only is not
followed: the binding itself is taken as the use (a test asserting ``summary.shape`` still
treats ``summary`` as the sequence's summary).

The framework APIs that read only a shape are the library's ``SHAPE_READERS`` (functions, first
argument), ``SHAPE_METHODS`` (tensor methods, the receiver) and ``SHAPE_ATTRIBUTES``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.walk import walk

Resolve = Callable[[ast.expr], "str | None"]


def shape_only_subscripts(unit: ast.AST, resolve: Resolve) -> frozenset[ast.AST]:
    """The subscripts in ``unit`` (nested scopes included) whose result is used only for its
    shape, dtype or device, right where it is taken."""
    parents: dict[ast.AST, ast.AST] = {}
    found: set[ast.AST] = set()
    for node in walk(unit):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in parents:
        if type(node) is ast.Subscript and _in_shape_context(node, parents, resolve):
            found.add(node)
    return frozenset(found)


def _in_shape_context(node: ast.AST, parents: dict[ast.AST, ast.AST], resolve: Resolve) -> bool:
    parent = parents.get(node)
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in lib.SHAPE_ATTRIBUTES:
            return True
        grand = parents.get(parent)
        return (
            parent.attr in lib.SHAPE_METHODS
            and isinstance(grand, ast.Call)
            and grand.func is parent
        )
    if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
        func = parent.func
        if isinstance(func, ast.Name) and func.id == "len":
            return True
        return resolve(func) in lib.SHAPE_READERS
    return False
