"""Unsafe fixes that switch a pooling over padding to the runtime ops (docs/fixes.md).

``x.mean(dim=1)`` becomes ``masked_mean(x, lengths)`` only where the facts name the lengths or
the mask that go with ``x`` at that line (analysis/companions.py) and the call's layout and
keywords make the new call compute, for every row, what the same call computes on that row
without its padding: batch-first, the time axis reduced, no ``keepdim``, no other argument.
Anywhere else no fix is offered. The fixes are unsafe: they change what the program computes
(that is the point) and an empty row gives 0 where the old code gave a number.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pooling_lint.analysis.companions import Companion, companion
from pooling_lint.analysis.facts import FileFacts, Reduction, SubscriptFact
from pooling_lint.analysis.indexing import FULL_SLICE, IntIndex, Marker
from pooling_lint.analysis.layout import BTF
from pooling_lint.analysis.library import Framework
from pooling_lint.analysis.values import Tensor
from pooling_lint.diagnostics import Edit, RequiredImport

#: keyword names of the reduced axis, and of keeping it
_AXIS_KEYWORDS = frozenset({"dim", "axis"})
_KEEP_KEYWORDS = frozenset({"keepdim", "keepdims"})
#: the runtime op each reduction becomes
_OPS = {"mean": "masked_mean", "max": "masked_max", "min": "masked_min"}


@dataclass(frozen=True)
class RuntimeFix:
    """What a finding carries: the edit, the import it needs and the title of the action."""

    edits: tuple[Edit, ...]
    imports: tuple[RequiredImport, ...]
    title: str


def reduction_fix(facts: FileFacts, r: Reduction, kind: Framework) -> RuntimeFix | None:
    """``masked_mean``/``masked_max``/``masked_min``/``masked_softmax`` for a reduction call."""
    t, operand = r.operand, r.operand_node
    if kind is Framework.KERAS:
        return _global_average(facts, r) if r.op == "mean" else None
    if r.layer is not None or not isinstance(r.node, ast.Call) or operand is None:
        return None
    time_axis = _time_axis(t)
    if r.framework is Framework.NUMPY or time_axis is None or r.axis != time_axis:
        return None
    call = r.node
    method = isinstance(call.func, ast.Attribute) and call.func.value is operand
    if method and kind is not Framework.TORCH:
        return None  # `.mean()` outside torch is NumPy's: the op would return a tf.Tensor
    if not _plain_call(call, operand, method):
        return None
    target: ast.AST = call
    if r.op == "softmax":
        if t.rank != 2 or time_axis != 1:
            return None  # [B, T, 1] scores: masked_softmax returns [B, T]
        op = "masked_softmax"
    else:
        op = _OPS.get(r.op, "")
        if not op:
            return None
        name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if kind is Framework.TORCH and (name in ("max", "min") or r.api.endswith((".max", ".min"))):
            # torch.max(x, dim) returns (values, indices): only `.values` / `[0]` is the pooling
            parent = _values_of(facts.tree, call)
            if parent is None:
                return None
            target = parent
    found = companion(facts, t, operand, call)
    return _make(facts, kind, op, operand, target, found, time_axis)


def last_step_fix(facts: FileFacts, s: SubscriptFact, kind: Framework) -> RuntimeFix | None:
    """``x[:, -1]`` (batch-first) -> ``last_valid(x, lengths)``; ``x[-1]`` (time-first) ->
    ``last_valid(x, lengths, time_axis=0)``."""
    t = s.base
    time_axis = _time_axis(t)
    if kind is Framework.KERAS or time_axis is None or not isinstance(s.node.ctx, ast.Load):
        return None
    rank = t.rank if t.rank is not None else (len(t.layout) if t.layout else 0)
    if any(i is Marker.NEWAXIS for i in s.items):
        return None
    axes = s.axis_items(rank)
    if axes is None or axes.get(time_axis) != IntIndex(-1):
        return None
    if any(item != FULL_SLICE for axis, item in axes.items() if axis != time_axis):
        return None
    found = companion(facts, t, s.node.value, s.node)
    return _make(facts, kind, "last_valid", s.node.value, s.node, found, time_axis)


def _make(
    facts: FileFacts,
    kind: Framework,
    op: str,
    operand: ast.AST,
    target: ast.AST,
    found: Companion | None,
    time_axis: int = 1,
) -> RuntimeFix | None:
    if found is None or isinstance(operand, (ast.NamedExpr, ast.Starred)):
        return None
    if time_axis != 1 and found.kind != "lengths":
        return None  # the ops take a mask as [batch, time] only
    module = (
        "pooling_lint.runtime.torch"
        if kind is Framework.TORCH
        else "pooling_lint.runtime.tensorflow"
    )
    if not _name_free(facts.tree, op, module):
        return None
    roots = facts.imports.framework_roots
    if "torch" in roots and {"tensorflow", "keras"} & roots:
        return None  # two fixes could import one name from both runtime modules
    arg = found.name if found.kind == "lengths" else f"mask={found.name}"
    if time_axis != 1:
        arg += f", time_axis={time_axis}"
    text = f"{op}({facts.source.segment(operand)}, {arg})"
    return RuntimeFix(
        (facts.replace(target, text),),
        (RequiredImport(module, op),),
        f"Use `{op}(..., {arg})` from {module}",
    )


def _global_average(facts: FileFacts, r: Reduction) -> RuntimeFix | None:
    """``keras.ops.mean(h, axis=1)`` of a tensor with a live Keras mask ->
    ``GlobalAveragePooling1D()(h)``, which averages over the steps the mask keeps."""
    t, operand, call = r.operand, r.operand_node, r.node
    if t.symbolic is None or t.keras_mask is None or facts.legacy_keras:
        return None
    if t.rank != 3 or t.layout != BTF or r.axis != 1 or r.layer is not None:
        return None
    if not isinstance(call, ast.Call) or operand is None:
        return None
    if isinstance(call.func, ast.Attribute) and call.func.value is operand:
        return None
    if not _plain_call(call, operand, method=False):
        return None
    module = "keras.layers" if _imports_keras(facts.tree) else "tensorflow.keras.layers"
    name = "GlobalAveragePooling1D"
    if not _name_free(facts.tree, name, module) or isinstance(operand, ast.Starred):
        return None
    text = f"{name}()({facts.source.segment(operand)})"
    return RuntimeFix(
        (facts.replace(call, text),),
        (RequiredImport(module, name),),
        f"Use `{name}()`, which honours the Keras mask",
    )


def _time_axis(t: Tensor) -> int | None:
    """1 for a batch-first value, 0 for a time-first one, else None (the ops take no other)."""
    if t.batch_axis == 0 and t.time_axis == 1:
        return 1
    if t.batch_axis == 1 and t.time_axis == 0:
        return 0
    return None


def _plain_call(call: ast.Call, operand: ast.AST, method: bool) -> bool:
    """The call passes the operand, the axis and at most ``keepdim=False``: nothing else."""
    args = list(call.args)
    if any(isinstance(a, ast.Starred) for a in args):
        return False
    if not method:
        if not args or args[0] is not operand:
            return False
        args = args[1:]
    axis_given = len(args) == 1
    if len(args) > 1:
        return False
    for k in call.keywords:
        if k.arg in _AXIS_KEYWORDS and not axis_given:
            axis_given = True
        elif k.arg in _KEEP_KEYWORDS and isinstance(k.value, ast.Constant):
            if k.value.value is not False:
                return False
        else:
            return False
    return axis_given


def _values_of(tree: ast.AST, call: ast.Call) -> ast.AST | None:
    """``call.values`` or ``call[0]`` around ``call``, if that is how it is used."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.value is call and node.attr == "values":
            return node
        if isinstance(node, ast.Subscript) and node.value is call:
            index = node.slice
            if isinstance(index, ast.Constant) and index.value == 0:
                return node
            return None
    return None


def _name_free(tree: ast.AST, name: str, module: str) -> bool:
    """No binding of ``name`` in the file other than ``from module import name``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                if (a.asname or a.name) == name and (node.module != module or a.name != name):
                    return False
        elif isinstance(node, ast.Import):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return False
        elif isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return False
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return False
        elif isinstance(node, ast.arg) and node.arg == name:
            return False
    return True


def _imports_keras(tree: ast.Module) -> bool:
    """The file imports the ``keras`` package itself (not only ``tensorflow.keras``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name == "keras" or a.name.startswith("keras.") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "keras":
            return True
    return False
