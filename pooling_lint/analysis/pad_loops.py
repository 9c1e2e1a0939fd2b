"""Hand-written padding, recognised by the shape of the computation (never by a name):

* a list extended by a constant repeated ``bound - len(x)`` times: ``x + [c] * (n - len(x))``,
  ``x.extend([c] * (n - len(x)))``, ``x += [c] * (n - len(x))`` pad ``x`` at the end (``[c] *
  (n - len(x)) + x`` at the front);
* an array of zeros filled row by row up to each sequence's length, ``arr[i, :len(s)] = s``
  (post padding; ``arr[i, -len(s):] = s`` pre padding);
* a list built by ``append`` holds what was appended, and ``torch.tensor`` / ``np.array`` of a
  list of padded sequences is a padded ``(batch, time)`` array.

A padded sequence is a rank-1 value with layout ``T``; stacking gives ``BT``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.layout import BT, T
from pooling_lint.analysis.values import (
    Const,
    Evidence,
    Fill,
    ListOf,
    Padding,
    Role,
    Side,
    Tensor,
    Value,
    join,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
    from pooling_lint.analysis.interpreter import Interpreter


def _is_len_of(node: ast.expr, of: ast.expr | None) -> bool:
    if not (
        type(node) is ast.Call
        and type(node.func) is ast.Name
        and node.func.id == "len"
        and len(node.args) == 1
        and not node.keywords
    ):
        return False
    return of is None or ast.unparse(node.args[0]) == ast.unparse(of)  # Load or Store alike


def _filler(node: ast.expr, of: ast.expr | None) -> ast.Constant | None:
    """``[c] * (n - len(of))`` (either order of the product): the constant ``c``."""
    if type(node) is not ast.BinOp or type(node.op) is not ast.Mult:
        return None
    for unit, count in ((node.left, node.right), (node.right, node.left)):
        if (
            type(unit) is ast.List
            and len(unit.elts) == 1
            and type(unit.elts[0]) in (ast.Constant, ast.Name, ast.Attribute)
            and type(count) is ast.BinOp
            and type(count.op) is ast.Sub
            and _is_len_of(count.right, of)
        ):
            elt = unit.elts[0]
            return elt if type(elt) is ast.Constant else ast.Constant(value=None)
    return None


def _sequence(node: ast.AST, side: Side, filler: ast.Constant) -> Tensor:
    ev = Evidence(node, "")
    fill = Fill.ZERO if filler.value == 0 else None
    return Tensor(rank=1, layout=T, padding=Padding(ev, side, fill), origin=ev, role=Role.TOKENS)


def pad_expression(node: ast.BinOp) -> Tensor | None:
    """``x + [c] * (n - len(x))`` (post) or ``[c] * (n - len(x)) + x`` (pre)."""
    if type(node.op) is not ast.Add:
        return None
    filler = _filler(node.right, node.left)
    if filler is not None:
        return _sequence(node, Side.POST, filler)
    filler = _filler(node.left, node.right)
    if filler is not None:
        return _sequence(node, Side.PRE, filler)
    return None


def pad_aug_assign(stmt: ast.AugAssign) -> Tensor | None:
    """``x += [c] * (n - len(x))``."""
    if type(stmt.op) is not ast.Add:
        return None
    filler = _filler(stmt.value, stmt.target)
    return _sequence(stmt, Side.POST, filler) if filler is not None else None


def list_method(it: Interpreter, fact: CallFact, method: str) -> Value:
    """``x.extend([c] * (n - len(x)))`` pads ``x``; ``xs.append(v)`` adds an element."""
    func = fact.node.func
    frame = it.frame
    if frame is None or type(func) is not ast.Attribute or type(func.value) is not ast.Name:
        return None
    name = func.value.id
    if method == "extend" and len(fact.node.args) == 1:
        filler = _filler(fact.node.args[0], func.value)
        if filler is not None:
            frame.env[name] = _sequence(fact.node, Side.POST, filler)
    elif method == "append" and len(fact.args) == 1:
        current = frame.env.get(name)
        added = fact.args[0]
        if not isinstance(added, Tensor):
            return None  # only lists of data are followed
        if isinstance(current, Const) and current.value == ():
            frame.env[name] = ListOf(added)
        elif isinstance(current, ListOf):
            item = join(current.item, added)
            frame.env[name] = ListOf(item) if item is not None else None
    return None


def stacked(given: Value, node: ast.AST) -> Tensor | None:
    """``torch.tensor(batch)`` / ``np.array(batch)`` of a list of padded sequences."""
    if not isinstance(given, ListOf):
        return None
    item = given.item
    if not isinstance(item, Tensor) or item.layout != T or item.padding is None:
        return None
    return item.with_(rank=2, layout=BT, dims=None, origin=Evidence(node, ""))


def fill_rows(it: Interpreter, target: ast.Subscript, base: Value) -> Value:
    """``arr[i, :len(s)] = s`` on a 2-D array: ``arr`` is post-padded (``-len(s):``: pre)."""
    if not isinstance(base, Tensor) or base.rank != 2 or base.padding is not None:
        return None
    index = target.slice
    if type(index) is not ast.Tuple or len(index.elts) != 2:
        return None
    row, cols = index.elts
    if type(row) is ast.Slice or type(cols) is not ast.Slice or cols.step is not None:
        return None
    side: Side | None = None
    if cols.lower is None and cols.upper is not None and _is_len_of(cols.upper, None):
        side = Side.POST
    elif (
        cols.upper is None
        and type(cols.lower) is ast.UnaryOp
        and type(cols.lower.op) is ast.USub
        and _is_len_of(cols.lower.operand, None)
    ):
        side = Side.PRE
    if side is None:
        return None
    ev = Evidence(target, "")
    fill = Fill.ZERO if base.origin is not None and _zeros(base.origin.node) else None
    return base.with_(layout=BT, padding=Padding(ev, side, fill), role=Role.TOKENS)


def _zeros(node: ast.AST) -> bool:
    return (
        type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr in ("zeros", "zeros_like")
    )


def filled_in_loop(before: dict[str, Value], after: dict[str, Value]) -> dict[str, Value]:
    """Arrays a loop filled row by row (``arr[i, :len(s)] = s``) stay padded after it: had the
    loop not run, the array would have no rows to pad."""
    out: dict[str, Value] = {}
    for name, value in after.items():
        old = before.get(name)
        if (
            isinstance(value, Tensor)
            and value.padding is not None
            and type(value.padding.evidence.node) is ast.Subscript
            and isinstance(old, Tensor)
            and old.padding is None
        ):
            out[name] = value
        elif isinstance(value, ListOf) and isinstance(old, Const) and old.value == ():
            out[name] = value  # appended to in the loop: empty had it not run
    return out
