"""What the test of an ``if`` (or of ``a if test else b``) tells each branch.

Two kinds of test refine the facts on a path:

* **a None-check on padding evidence**: inside ``if lengths is None:`` / ``if mask is None:``
  (also ``if not mask:``, the ``else`` of ``if mask is not None:``, and the code after
  ``if mask is None: return ...``) the lengths or mask does not exist, so nothing is padded *as
  that evidence describes*: the values whose padding evidence is that lengths/mask are
  unpadded there. The other path is the one where the padding exists, so when the paths join
  the padded side's facts stand (the None path has nothing to say about that padding).
* **a step of cached decoding**: inside ``if incremental_state is not None:`` (fairseq), ``if
  past_key_values is not None:`` / ``if use_cache:`` / ``if layer_past is not None:``
  (Hugging Face style), the code feeds one new step per hypothesis; ``tokens[:, -1:]`` there is
  the newest step of every row, not the padded end of a batch. The guard names are the
  libraries' own parameters for a decoding cache (``library.DECODING_CACHE_NAMES``); they are
  only ever a reason to stay silent, never evidence of padding.

A test the analysis cannot read refines nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.values import Const, Evidence, Role, Side, Tensor, TupleValue, Value
from pooling_lint.analysis.walk import FUNCTIONS

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


@dataclass(frozen=True)
class Path:
    """Facts that hold on the path the interpreter is on, from the tests that led there.

    ``absent`` is the padding evidence (the origin of a lengths/mask value) that is None on
    this path; ``decoding`` is the guard of a cached-decoding branch the path is inside.
    """

    absent: frozenset[Evidence] = frozenset()
    decoding: Evidence | None = None


@dataclass(frozen=True)
class Refinement:
    """What one branch of a test adds to the path: names known to be None there, and whether
    the branch is a cached-decoding step."""

    none: frozenset[str] = frozenset()
    decoding: Evidence | None = None

    def __and__(self, other: Refinement) -> Refinement:
        """Both hold (the ``then`` of ``a and b``, the ``else`` of ``a or b``)."""
        return Refinement(self.none | other.none, self.decoding or other.decoding)


NOTHING = Refinement()


@dataclass(frozen=True)
class Split:
    """The refinements of the two branches of a test."""

    then: Refinement = NOTHING
    orelse: Refinement = NOTHING

    def swapped(self) -> Split:
        return Split(self.orelse, self.then)


def split(test: ast.expr) -> Split:
    """How ``test`` refines its ``then`` and ``else`` branches (syntax only: a name is tested
    for None or for truth; ``not``, ``and`` and ``or`` combine tests)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return split(test.operand).swapped()
    if isinstance(test, ast.BoolOp):
        parts = [split(v) for v in test.values]
        both = NOTHING
        if isinstance(test.op, ast.And):
            for p in parts:
                both = both & p.then
            return Split(both, NOTHING)
        for p in parts:
            both = both & p.orelse
        return Split(NOTHING, both)
    if isinstance(test, ast.Compare):
        return _split_compare(test)
    if _is_len_of_cache(test):
        return Split(_truthy(test), NOTHING)  # `if len(incremental_state):`
    if isinstance(test, (ast.Name, ast.Attribute)):
        # `if mask:` / `if use_cache:`: false for None (and for an empty cache)
        return Split(_truthy(test), _none(test))
    return Split()


def _split_compare(test: ast.Compare) -> Split:
    if len(test.ops) != 1:
        return Split()
    op = type(test.ops[0])
    left, right = test.left, test.comparators[0]
    if _is_none(left):
        left, right = right, left
    if _is_none(right) and op in (ast.Is, ast.IsNot, ast.Eq, ast.NotEq):
        is_none, not_none = _none(left), _truthy(left)
        return Split(is_none, not_none) if op in (ast.Is, ast.Eq) else Split(not_none, is_none)
    if _is_len_of_cache(left) and _is_zero(right) and op in (ast.Gt, ast.NotEq):
        return Split(_truthy(left), NOTHING)  # `if len(incremental_state) > 0:`
    return Split()


def _truthy(expr: ast.expr) -> Refinement:
    """The branch where ``expr`` is not None (or true): a decoding step if it is a cache
    (``expr`` may be ``len(cache)``)."""
    if _is_len_of_cache(expr):
        assert isinstance(expr, ast.Call)
        expr = expr.args[0]
    name = _tested_name(expr)
    if name is not None and name in lib.DECODING_CACHE_NAMES:
        return Refinement(decoding=Evidence(expr, f"`{name}`"))
    return NOTHING


def _none(expr: ast.expr) -> Refinement:
    """The branch where ``expr`` is None (or false): only a local name is refined."""
    if isinstance(expr, ast.Name):
        return Refinement(none=frozenset({expr.id}))
    return NOTHING


def _tested_name(expr: ast.expr) -> str | None:
    """``x`` or ``self.x``: the name a test reads."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return expr.attr
    return None


def _is_len_of_cache(expr: ast.expr) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "len"
        and len(expr.args) == 1
        and _tested_name(expr.args[0]) in lib.DECODING_CACHE_NAMES
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == 0


def absent_evidence(
    env: dict[str, Value],
    ref: Refinement,
    linked: Mapping[str, frozenset[Evidence]] | None = None,
) -> frozenset[Evidence]:
    """The padding evidence that ``ref``'s None names are: the origins of the lengths and
    masks among the local values of ``env``, and the places where the code uses them with
    other values (``linked``: analysis/connections.py), which padded those values."""
    if not ref.none:
        return frozenset()
    out: set[Evidence] = set()
    for name in ref.none:
        out |= (linked or {}).get(name, frozenset())
        value = env.get(name)
        if (
            isinstance(value, Tensor)
            and value.role in (Role.MASK, Role.LENGTHS)
            and value.origin is not None
        ):
            out.add(value.origin)
    return frozenset(out)


def without_padding(value: Value, absent: frozenset[Evidence]) -> Value:
    """``value`` on a path where the padding evidence ``absent`` is None: unpadded if its
    padding was that evidence's."""
    if isinstance(value, Tensor) and value.padding is not None:
        if value.padding.evidence in absent:
            return value.with_(padding=None)
    return value


def vacuous(value: Value, other: Value, absent: frozenset[Evidence]) -> Value:
    """``value`` of a path where ``absent`` is None, seen from the join with ``other``: the
    padding that path lacks because its evidence is None is the other path's padding."""
    if (
        absent
        and isinstance(value, Tensor)
        and isinstance(other, Tensor)
        and value.padding is None
        and other.padding is not None
        and other.padding.evidence in absent
    ):
        return value.with_(padding=other.padding)
    return value


def stepped(base: Tensor) -> Tensor:
    """The sequence a cached-decoding step slices at its end: its end is every row's newest
    step, so it is not padded at the end (padding before the steps, if known, stays)."""
    pad = base.padding
    if pad is None or pad.side == Side.PRE:
        return base
    return base.with_(padding=None)


__all__ = [
    "NOTHING",
    "Path",
    "Refinement",
    "Split",
    "absent_evidence",
    "split",
    "stepped",
    "vacuous",
    "without_padding",
]


_SEQUENCE_TYPES = frozenset({"tuple", "list"})


def static_truth(it: Interpreter, test: ast.expr) -> bool | None:
    """The value of an ``if`` test that the modelled values decide (None: not decided).

    * ``isinstance(x, tuple)`` (or ``list``, or a tuple of those) where ``x`` holds a tuple or
      list whose Python type the analysis knows (``TupleValue.kind``): a tuple display, the
      tuple the TF1 RNN functions return (``(out_fw, out_bw)``), a list display;
    * ``if flag:`` / ``if not flag:`` on a parameter that holds, unchanged since the entry,
      a constant every known call site gives (``time_major=False`` left to its default by the
      only caller).

    Anything else (a name rebound in the body, a parameter with no known call site, a value
    of unknown type) is left to both branches.
    """
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        inner = static_truth(it, test.operand)
        return None if inner is None else not inner
    frame = it.frame
    if frame is None:
        return None
    if type(test) is ast.Name:
        value = frame.env.get(test.id)
        if isinstance(value, Const) and _pinned(it, test.id):
            return bool(value.value)
        return None
    if (
        type(test) is ast.Call
        and type(test.func) is ast.Name
        and test.func.id == "isinstance"
        and len(test.args) == 2
        and not test.keywords
        and "isinstance" not in frame.env
        and "isinstance" not in it.module_env
    ):
        types = _builtin_types(it, test.args[1])
        if types is None or not types <= _SEQUENCE_TYPES:
            return None
        value = it.eval(test.args[0]) if type(test.args[0]) is ast.Name else None
        if isinstance(value, TupleValue) and value.kind in _SEQUENCE_TYPES:
            return value.kind in types
    return None


def _pinned(it: Interpreter, name: str) -> bool:
    """Is ``name`` a parameter of the running function that the function never rebinds, with
    known call sites? Then it holds what the call sites give (their join: a constant only if
    they agree), or its default where none passes it. A function with no known call site (in
    this file, or in other modules through project mode) pins nothing: its default is only a
    guess."""
    frame = it.frame
    fn = frame.unit.node if frame is not None else None
    if frame is None or frame.unit.key not in it.bindings or not isinstance(fn, FUNCTIONS):
        return False
    if name not in frame.unit.params:
        return False
    for node in ast.walk(fn):
        kind = type(node)
        if kind is ast.Name and type(node.ctx) is not ast.Load and node.id == name:  # type: ignore[attr-defined]
            return False  # assigned, a loop or `with` target, deleted
        if kind is ast.ExceptHandler and node.name == name:  # type: ignore[attr-defined]
            return False
        if kind is ast.alias and (node.asname or node.name) == name:  # type: ignore[attr-defined]
            return False
        if kind in (ast.Global, ast.Nonlocal) and name in node.names:  # type: ignore[attr-defined]
            return False
        if node is not fn and kind in (*FUNCTIONS, ast.ClassDef) and node.name == name:  # type: ignore[attr-defined]
            return False
    return True


def _builtin_types(it: Interpreter, node: ast.expr) -> frozenset[str] | None:
    """``tuple`` / ``(tuple, list)``: the builtin type names (None if not plain builtins)."""
    frame = it.frame
    names = node.elts if type(node) is ast.Tuple else [node]
    out: set[str] = set()
    for n in names:
        if type(n) is not ast.Name:
            return None
        if (frame is not None and n.id in frame.env) or n.id in it.module_env:
            return None  # shadowed
        out.add(n.id)
    return frozenset(out)


def _lone_call(body: list[ast.stmt]) -> tuple[ast.Call, ast.expr | None] | None:
    """A body that is one call, bound or not: the call and its target."""
    if len(body) != 1:
        return None
    stmt = body[0]
    if type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.value) is ast.Call:
        return stmt.value, stmt.targets[0]
    if type(stmt) is ast.Expr and type(stmt.value) is ast.Call:
        return stmt.value, None
    return None


def version_fallback(stmt: ast.Try, value: Value) -> bool:
    """``try: a, b, c = f(x)`` / ``except: a = f(x)``: the handler makes the same call again,
    so it completes only where that call behaves otherwise (another library version, whose
    result has another shape). ``value`` is what the modelled version returns: when the try
    body cannot fail on it (its unpacking matches), the handler is dead code for this model."""
    tried = _lone_call(stmt.body)
    if tried is None or not stmt.handlers:
        return False
    call, target = tried
    same = ast.dump(call)
    for handler in stmt.handlers:
        again = _lone_call(handler.body)
        if again is None or ast.dump(again[0]) != same:
            return False
    if target is None or type(target) is ast.Name:
        return value is not None
    if type(target) in (ast.Tuple, ast.List):
        items = getattr(value, "items", None)
        starred = any(type(e) is ast.Starred for e in target.elts)  # type: ignore[attr-defined]
        return isinstance(items, tuple) and not starred and len(items) == len(target.elts)  # type: ignore[attr-defined]
    return False


def live_handlers(
    it: Interpreter, stmt: ast.Try, before: dict[str, Value]
) -> Sequence[ast.ExceptHandler]:
    """The handlers of ``stmt`` that can complete for the modelled library (all of them, but
    for a :func:`version_fallback`). The try body's call is valued again from ``before``
    (the env it ran in), its events not kept."""
    from pooling_lint.analysis.facts import EventLog

    tried = stmt.body[0] if len(stmt.body) == 1 else None
    if not stmt.handlers or not isinstance(tried, ast.Assign) or it.frame is None:
        return stmt.handlers
    frame = it.frame
    env, log = frame.env, it.log
    frame.env, it.log = dict(before), EventLog()
    try:
        value = it.eval(tried.value)
    finally:
        frame.env, it.log = env, log
    return () if version_fallback(stmt, value) else stmt.handlers
