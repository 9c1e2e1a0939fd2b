"""Hand-written padding, recognised by the shape of the computation (never by a name):

* a list extended by a constant repeated ``bound - len(x)`` times: ``x + [c] * (n - len(x))``,
  ``x.extend([c] * (n - len(x)))``, ``x += [c] * (n - len(x))`` pad ``x`` at the end (``[c] *
  (n - len(x)) + x`` at the front);
* a list appended to with a constant up to a bound, ``while len(x) < n: x.append(c)`` (or
  ``for _ in range(n - len(x))``) at the end, ``x.insert(0, c)`` at the front;
* an array of zeros filled row by row up to each sequence's length, ``arr[i, :len(s)] = s``
  (post padding; ``arr[i, -len(s):] = s`` pre padding);
* a list built by ``append`` holds what was appended, and ``torch.tensor`` / ``np.array`` of a
  list of padded sequences is a padded ``(batch, time)`` array.

A padded sequence is a rank-1 value with layout ``T``; stacking gives ``BT``.
"""

from __future__ import annotations

import ast
from dataclasses import replace
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
    TupleValue,
    Value,
    join,
)

if TYPE_CHECKING:
    from collections.abc import Callable

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
        if not _data(added):
            return None  # only lists of data are followed
        if isinstance(current, Const) and current.value == ():
            frame.env[name] = ListOf(added)
        elif isinstance(current, ListOf):
            item = join(current.item, added)
            frame.env[name] = ListOf(item) if item is not None else None
    return None


def _data(v: Value) -> bool:
    """A tensor, or a record tuple holding one (``(ids, label, length)``)."""
    if isinstance(v, TupleValue):
        return any(isinstance(i, Tensor) for i in v.items)
    return isinstance(v, Tensor)


def stacked(given: Value, node: ast.AST) -> Tensor | None:
    """``torch.tensor(batch)`` / ``np.array(batch)`` of a list of padded sequences."""
    if not isinstance(given, ListOf):
        return None
    item = given.item
    if not isinstance(item, Tensor) or item.layout != T or item.padding is None:
        return None
    # every row fitted to the same length `n`: the batch is `(batch, n)`
    dims = (None, item.dims[0]) if item.dims is not None and len(item.dims) == 1 else None
    return item.with_(rank=2, layout=BT, dims=dims, origin=Evidence(node, ""))


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


def filled_in_loop(
    before: dict[str, Value],
    after: dict[str, Value],
    loop: ast.stmt | None = None,
    iterable: Value = None,
) -> dict[str, Value]:
    """Arrays a loop filled row by row (``arr[i, :len(s)] = s``) stay padded after it: had the
    loop not run, the array would have no rows to pad. A list mapped from a padded sequence
    step by step is padded like it (:func:`mapped_in_loop`)."""
    out: dict[str, Value] = mapped_in_loop(loop, iterable, before)
    appended = appended_up_to(loop)
    if appended is not None:
        out[appended[0]] = appended[1]
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


def appended_up_to(loop: ast.stmt | None) -> tuple[str, Tensor] | None:
    """``while len(x) < n: x.append(c)`` (also ``n > len(x)``, ``for _ in range(n - len(x))``)
    pads ``x`` at the end with the constant ``c``; ``x.insert(0, c)`` pads it at the front.
    The loop's only statement must be that one call, with a literal constant."""
    if isinstance(loop, ast.While):
        test = loop.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        op, left, right = test.ops[0], test.left, test.comparators[0]
        if isinstance(op, ast.Lt) and _is_len_of(left, None):
            measured = left
        elif isinstance(op, ast.Gt) and _is_len_of(right, None):
            measured = right
        else:
            return None
    elif isinstance(loop, ast.For) and not loop.orelse:
        count = loop.iter
        if not (
            isinstance(count, ast.Call)
            and isinstance(count.func, ast.Name)
            and count.func.id == "range"
            and len(count.args) == 1
            and isinstance(count.args[0], ast.BinOp)
            and isinstance(count.args[0].op, ast.Sub)
            and _is_len_of(count.args[0].right, None)
        ):
            return None
        measured = count.args[0].right
    else:
        return None
    assert isinstance(measured, ast.Call)
    target = measured.args[0]
    if len(loop.body) != 1 or not isinstance(target, ast.Name):
        return None
    stmt = loop.body[0]
    call: ast.expr | None = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == target.id
        and not call.keywords
    ):
        return None
    args = call.args
    if call.func.attr == "append" and len(args) == 1 and isinstance(args[0], ast.Constant):
        return target.id, _sequence(loop, Side.POST, args[0])
    if (
        call.func.attr == "insert"
        and len(args) == 2
        and isinstance(args[0], ast.Constant)
        and args[0].value == 0
        and isinstance(args[1], ast.Constant)
    ):
        return target.id, _sequence(loop, Side.PRE, args[1])
    return None


def mapped_in_loop(
    loop: ast.stmt | None, iterable: Value, before: dict[str, Value]
) -> dict[str, Value]:
    """``ids = []`` then ``for w in tokens: ids.append(f(w))`` over a padded sequence: one
    element per step, in order, each made from that step, so ``ids`` has the padding steps of
    ``tokens`` at the same places (what the pad filler maps to is not known). Only an append
    that runs on every step (a statement of the body itself, the only append to that list in
    the body) and reads the loop variable."""
    if (
        type(loop) is not ast.For
        or type(loop.target) is not ast.Name
        or not isinstance(iterable, Tensor)
        or iterable.padding is None
        or iterable.rank != 1
    ):
        return {}
    var = loop.target.id
    out: dict[str, Value] = {}
    appends: dict[str, int] = {}
    for node in ast.walk(loop):
        if _append_to(node) is not None:
            name = _append_to(node)
            assert name is not None
            appends[name] = appends.get(name, 0) + 1
    for stmt in loop.body:
        if type(stmt) is not ast.Expr:
            continue
        name = _append_to(stmt.value)
        if name is None or appends.get(name) != 1 or name == var:
            continue
        old = before.get(name)
        if not (isinstance(old, Const) and old.value == ()):
            continue
        call = stmt.value
        assert type(call) is ast.Call
        if any(type(n) is ast.Name and n.id == var for n in ast.walk(call.args[0])):
            padding = Padding(iterable.padding.evidence, iterable.padding.side, None)
            # one element per step (no `break` / `continue` skips one): the same length
            dims = None if _skips(loop) else iterable.dims
            out[name] = Tensor(rank=1, dims=dims, layout=T, padding=padding, origin=iterable.origin)
    return out


def _skips(loop: ast.For) -> bool:
    return any(type(n) in (ast.Break, ast.Continue) for n in ast.walk(loop))


def _append_to(node: ast.AST) -> str | None:
    """``name.append(one)``: ``name``."""
    if (
        type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr == "append"
        and type(node.func.value) is ast.Name
        and len(node.args) == 1
        and not node.keywords
    ):
        return node.func.value.id
    return None


def fitted(
    test: ast.expr,
    then_env: dict[str, Value],
    else_env: dict[str, Value],
    stmt: ast.If | None = None,
    value_of: Callable[[ast.expr], Value] | None = None,
) -> dict[str, Value]:
    """The values an ``if`` pads on one path only that stay padded after it, because the test
    only decides *whether this value needs padding*:

    * ``if len(x) < n: x.extend([c] * (n - len(x))) else: x = x[:n]``: pad or truncate to
      ``n`` (what ``pad_sequences(maxlen=n)`` does): short sequences are padded; every one
      of them has exactly ``n`` steps after it, so when ``n``'s value is a known int
      (``value_of``) that is the sequence's length (:func:`_fitted_length`);
    * ``if n: x.extend([c] * (n - len(x)))``: padding switched on by its own bound ``n``;
      where ``n`` is unset nothing is padded *by it*, that path says nothing about it (like
      a None-check of a mask, analysis/branches.py).
    """
    out: dict[str, Value] = {}
    if stmt is not None:
        for name, (in_then, made) in _padded_measuring(stmt).items():
            known = (then_env if in_then else else_env).get(name)
            if isinstance(known, Tensor) and known.padding is not None:
                continue  # padded by its own length: seen already
            if in_then:
                then_env = {**then_env, name: made}
            else:
                else_env = {**else_env, name: made}
    for name in then_env.keys() & else_env.keys():
        a, b = then_env[name], else_env[name]
        padded = [v for v in (a, b) if _hand_padded(v)]
        if len(padded) != 1 or any(
            isinstance(v, Tensor) and v.padding for v in (a, b) if v is not padded[0]
        ):
            continue
        value = padded[0]
        assert isinstance(value, Tensor) and value.padding is not None
        bound = _bound_of(value.padding.evidence.node)
        measured = _measured(value.padding.evidence.node)
        if _tests_length_of(test, name) or (
            measured is not None and _tests_length_of(test, measured)
        ):
            if stmt is not None and value_of is not None and bound is not None:
                length = _fitted_length(
                    stmt, name, bound, padded_then=value is a, value_of=value_of
                )
                if length is not None:
                    value = value.with_(dims=(length,))
            out[name] = value
        elif bound is not None and _tests_bound(test, bound):
            out[name] = value
    return out


def _padded_measuring(stmt: ast.If) -> dict[str, tuple[bool, Tensor]]:
    """``if len(tokens) < n: ids += [c] * (n - len(tokens)) else: ids = ids[:n]``: ids
    made from the tokens one for one, padded by the tokens' count up to ``n`` where they are
    short and cut to ``n`` where they are not: ``ids`` is padded (in the branch that pads it;
    name -> (the then-branch?, the padded value)). Only with the test, the count and the cut
    all on the same bound."""
    compared = _length_test(stmt.test)
    if compared is None or not _is_len_of(compared[1], None):
        return {}
    short_then, length, right = compared
    measured = length.args[0]  # type: ignore[attr-defined]
    padding, cutting = (stmt.body, stmt.orelse) if short_then else (stmt.orelse, stmt.body)
    out: dict[str, tuple[bool, Tensor]] = {}
    for s in padding:
        target: ast.expr | None = None
        count: ast.expr | None = None
        if type(s) is ast.AugAssign and type(s.op) is ast.Add:
            target, count = s.target, s.value
        elif type(s) is ast.Expr and type(s.value) is ast.Call:
            call = s.value
            if type(call.func) is ast.Attribute and call.func.attr == "extend" and call.args:
                target, count = call.func.value, call.args[0]
        if type(target) is not ast.Name or count is None:
            continue
        filler = _filler(count, measured)
        bound = _bound_of(count)
        if filler is None or bound is None or ast.unparse(bound) != ast.unparse(right):
            continue
        if any(_truncates(c, target.id, bound) for c in cutting):
            out[target.id] = (padding is stmt.body, _sequence(s, Side.POST, filler))
    return out


def _fitted_length(
    stmt: ast.If,
    name: str,
    bound: ast.expr,
    padded_then: bool,
    value_of: Callable[[ast.expr], Value],
) -> int | None:
    """``n`` when ``if len(x) < n: <pad x to n> else: x = x[:n]`` leaves ``x`` with exactly
    ``n`` steps: the padding branch is the one where ``len(x) <= n`` (so ``[c] * (n -
    len(x))`` fills it up to ``n``), the other truncates it to ``x[:n]`` where ``len(x) >=
    n``, and ``n`` is a known positive int. Compared by value: the bound's name says
    nothing."""
    compared = _length_test(stmt.test)
    if compared is None or ast.unparse(compared[2]) != ast.unparse(bound):
        return None
    short_then = compared[0]  # the then-branch is where len(x) <= n
    if short_then != padded_then:
        return None  # the padding runs where the sequence may be longer than n
    truncating = stmt.orelse if padded_then else stmt.body
    if not any(_truncates(s, name, bound) for s in truncating):
        return None
    readable = (ast.Name, ast.Attribute, ast.Constant, ast.expr_context)
    if not all(isinstance(n, readable) for n in ast.walk(bound)):
        return None  # a name, an attribute or a literal: read without running anything
    n = value_of(bound)
    if isinstance(n, Const) and isinstance(n.value, int) and not isinstance(n.value, bool):
        return n.value if n.value > 0 else None
    return None


_MIRROR = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}


def _length_test(test: ast.expr) -> tuple[bool, ast.expr, ast.expr] | None:
    """``len(x) < n`` (or ``<=``, ``>``, ``>=``, either side first) as ``(short_then,
    len(x), n)``: ``short_then`` when the then-branch is where ``len(x) <= n``."""
    if type(test) is not ast.Compare or len(test.ops) != 1:
        return None
    op, left, right = type(test.ops[0]), test.left, test.comparators[0]
    if _is_len_of(right, None) and not _is_len_of(left, None):
        left, right = right, left
        op = _MIRROR.get(op, op)
    if op not in (ast.Lt, ast.LtE, ast.Gt, ast.GtE):
        return None
    return op in (ast.Lt, ast.LtE), left, right


def _truncates(stmt: ast.stmt, name: str, bound: ast.expr) -> bool:
    """``x = x[:n]`` (the same ``x``, the same bound ``n``)."""
    if not (
        type(stmt) is ast.Assign
        and len(stmt.targets) == 1
        and type(stmt.targets[0]) is ast.Name
        and stmt.targets[0].id == name
    ):
        return False
    value = stmt.value
    return (
        type(value) is ast.Subscript
        and type(value.value) is ast.Name
        and value.value.id == name
        and type(value.slice) is ast.Slice
        and value.slice.lower is None
        and value.slice.step is None
        and value.slice.upper is not None
        and ast.unparse(value.slice.upper) == ast.unparse(bound)
    )


def _hand_padded(v: Value) -> bool:
    return (
        isinstance(v, Tensor)
        and v.padding is not None
        and type(v.padding.evidence.node) in (ast.Call, ast.BinOp, ast.AugAssign)
        and _bound_of(v.padding.evidence.node) is not None
    )


def _count_of(node: ast.AST) -> ast.BinOp | None:
    """The ``n - len(x)`` of the ``[c] * (n - len(x))`` of a hand-written pad."""
    for sub in ast.walk(node):
        if type(sub) is ast.BinOp and type(sub.op) is ast.Sub and _is_len_of(sub.right, None):
            return sub
    return None


def _bound_of(node: ast.AST) -> ast.expr | None:
    """``n`` of the ``[c] * (n - len(x))`` of a hand-written pad."""
    count = _count_of(node)
    return count.left if count is not None else None


def _measured(node: ast.AST) -> str | None:
    """``x`` of the ``[c] * (n - len(x))`` of a hand-written pad, when it is a name: the
    list whose length the pad makes up to ``n``."""
    count = _count_of(node)
    arg = count.right.args[0] if count is not None else None  # type: ignore[attr-defined]
    return arg.id if type(arg) is ast.Name else None


def _tests_length_of(test: ast.expr, name: str) -> bool:
    """``len(name) < n`` (any comparison of the length of ``name`` with one other value)."""
    if type(test) is not ast.Compare or len(test.ops) != 1:
        return False
    sides = (test.left, test.comparators[0])
    return any(
        _is_len_of(s, None) and type(s.args[0]) is ast.Name and s.args[0].id == name  # type: ignore[attr-defined]
        for s in sides
    )


def _tests_bound(test: ast.expr, bound: ast.expr) -> bool:
    """``if n:`` / ``if n is not None:`` / ``if n > 0:`` of the pad's bound ``n``."""
    if type(test) is ast.Compare and len(test.ops) == 1:
        if type(test.ops[0]) not in (ast.IsNot, ast.Gt, ast.NotEq):
            return False
        test = test.left
    return ast.unparse(test) == ast.unparse(bound)


_SEQUENCE_DISPLAYS = (
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Starred,
)


def mapped_padded(node: ast.ListComp | ast.GeneratorExp, iterable: Value, item: Value) -> Value:
    """``[vocab.get(w, unk) for w in tokens]`` over a padded list (one ``for``, no ``if``):
    one element per step, in the same order, so the padded steps are at the same places. The
    fill is kept only when the element is the step itself (``[w for w in tokens]``); a lookup
    maps the pad token to some id (unknown). An element that is itself a sequence, or a
    comprehension that filters or nests, says nothing."""
    if len(node.generators) != 1:
        return None
    comp = node.generators[0]
    if comp.ifs or comp.is_async:
        return None
    if not (
        isinstance(iterable, Tensor)
        and iterable.padding is not None
        and iterable.rank == 1
        and iterable.layout == T
    ):
        return None
    if isinstance(item, Tensor) and item.rank != 0:
        return None
    if isinstance(node.elt, _SEQUENCE_DISPLAYS) or (
        type(node.elt) is ast.BinOp and isinstance(node.elt.left, _SEQUENCE_DISPLAYS)
    ):
        return None  # each step a list of its own: not one element per step
    if item is not None and not isinstance(item, (Tensor, Const)):
        return None
    same = type(node.elt) is ast.Name and type(comp.target) is ast.Name
    same = same and node.elt.id == comp.target.id  # type: ignore[attr-defined]
    padding = iterable.padding if same else replace(iterable.padding, fill=None)
    return Tensor(
        rank=1,
        dims=iterable.dims,  # one element per step: the same length
        layout=T,
        padding=padding,
        origin=iterable.origin,
        role=Role.TOKENS,
    )
