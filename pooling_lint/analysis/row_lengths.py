"""Lengths measured on the rows of an already padded batch: every one is the padded length.

``[len(p) for p in padded]`` (also ``p.shape[0]``, ``p.size(0)``, ``len(p)`` through a cast)
over a batch-first padded tensor reads each row after padding, so every "length" is the
batch's time size. Packed with these lengths (``pack_padded_sequence``), the padding is packed
as data and the real lengths are gone (PLG303). Only the comprehension's own shape counts:
one generator over a value the analysis knows is a padded ``(batch, time, ...)`` batch, and an
element that measures the loop variable along its first axis.
"""

from __future__ import annotations

import ast

from pooling_lint.analysis.layout import B
from pooling_lint.analysis.values import Evidence, Role, Tensor, Value


def lengths_of_padded_rows(
    node: ast.ListComp | ast.GeneratorExp, iterable: Value
) -> Tensor | None:
    """The lengths ``node`` measures on the rows of the padded ``iterable``, if it does."""
    if len(node.generators) != 1:
        return None
    comp = node.generators[0]
    if comp.ifs or not isinstance(comp.target, ast.Name):
        return None
    if not isinstance(iterable, Tensor) or iterable.padding is None:
        return None
    if iterable.batch_axis != 0 or iterable.time_axis != 1:
        return None
    if not _measures_first_axis(node.elt, comp.target.id):
        return None
    return Tensor(
        rank=1,
        layout=B,
        role=Role.LENGTHS,
        origin=Evidence(node, ""),
        padded_rows=Evidence(comp.iter, ""),
    )


def _measures_first_axis(elt: ast.expr, name: str) -> bool:
    """``len(p)``, ``p.shape[0]``, ``p.size(0)``, ``int(...)`` of one of them."""
    if isinstance(elt, ast.Call) and isinstance(elt.func, ast.Name) and len(elt.args) == 1:
        if elt.func.id == "len":
            return _is_name(elt.args[0], name)
        if elt.func.id == "int":
            return _measures_first_axis(elt.args[0], name)
    if (  # p.shape[0]
        isinstance(elt, ast.Subscript)
        and isinstance(elt.value, ast.Attribute)
        and elt.value.attr == "shape"
        and _is_name(elt.value.value, name)
        and isinstance(elt.slice, ast.Constant)
        and elt.slice.value == 0
    ):
        return True
    return (  # p.size(0)
        isinstance(elt, ast.Call)
        and isinstance(elt.func, ast.Attribute)
        and elt.func.attr == "size"
        and _is_name(elt.func.value, name)
        and len(elt.args) == 1
        and isinstance(elt.args[0], ast.Constant)
        and elt.args[0].value == 0
    )


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
