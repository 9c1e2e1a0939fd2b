"""Calls that keep or make one value per row: ``train_test_split``/``shuffle`` (subsets of the
rows, each keeping its steps and padding) and per-sample losses (``reduction="none"``)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.arguments import const
from pooling_lint.analysis.values import Tensor, TupleValue, Value

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
    from pooling_lint.analysis.interpreter import Interpreter
    from pooling_lint.analysis.library import ApiSpec
    from pooling_lint.analysis.values import Evidence


def row_split(it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool) -> Value:
    """``train_test_split(x, y, ...)``: ``(x_train, x_test, y_train, y_test)``, each a subset of
    the rows of its array (``shuffle(x, y)``: ``(x, y)`` reordered; ``shuffle(x)``: ``x``).
    A row keeps its steps and its padding; only the number of rows changes."""
    if any(type(a) is ast.Starred for a in fact.node.args) or not fact.args:
        return None

    def rows(v: Value) -> Value:
        if not isinstance(v, Tensor) or v.symbolic is not None:
            return None
        dims = (None, *v.dims[1:]) if v.dims else v.dims
        return v.with_(dims=dims, origin=ev)

    arrays = [rows(a) for a in fact.args]
    if spec.short == "shuffle":
        return arrays[0] if len(arrays) == 1 else TupleValue(tuple(arrays))
    return TupleValue(tuple(part for a in arrays for part in (a, a)))


def per_sample_loss(
    it: Interpreter, fact: CallFact, spec: ApiSpec, ev: Evidence, raw: bool
) -> Value:
    """``F.cross_entropy(logits, target, reduction="none")`` of ``(N, C)`` logits: one loss
    per sample, ``(N,)`` (other input ranks and reductions: not modelled)."""
    logits = fact.args[0] if fact.args else fact.kwarg("input")
    if const(fact.kwarg("reduction")) != "none" or not isinstance(logits, Tensor):
        return None
    if logits.rank != 2:
        return None
    return Tensor(rank=1, dims=(logits.dim(0),), origin=ev)
