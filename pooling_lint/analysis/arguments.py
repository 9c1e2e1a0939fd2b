"""Reading a call's arguments as values: constants, ints, dimensions, literal shapes."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import (
    CallFact,
)
from pooling_lint.analysis.layout import BTF, TBF, Axis, Layout
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    pass


def const(v: Value) -> Any:
    return v.value if isinstance(v, Const) else None


def as_int(v: Value) -> int | None:
    c = const(v)
    return c if isinstance(c, int) and not isinstance(c, bool) else None


def dim_from(v: Value, node: ast.expr | None = None) -> Dim:
    """A dimension from a value: an int, or a symbolic name for a plain variable."""
    c = const(v)
    if isinstance(c, int) and not isinstance(c, bool):
        return c
    return name_dim(node)


def name_dim(node: ast.expr | None) -> Dim:
    """The name a dimension is written with: ``seq_len``, ``self.hidden`` -> ``hidden``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and is_named_constant(node.value):
        return str(node.value)  # `None` was a name when libcst read the code
    return None


def is_named_constant(value: object) -> bool:
    """True, False or None (by identity: ``1 == True``)."""
    return value is True or value is False or value is None


def short_name(q: str) -> str:
    for long, short in (
        ("tensorflow.", "tf."),
        ("torch.nn.functional.", "F."),
        ("keras.backend.", "K."),
        ("numpy.", "np."),
    ):
        if q.startswith(long):
            return short + q[len(long) :]
    return q


def layout_from_names(dims: tuple[Dim, ...]) -> Layout | None:
    """Infer a layout from dimension names like (batch_size, seq_len, n_features)."""
    if len(dims) != 3 or not all(isinstance(d, str) for d in dims):
        return None
    kinds: list[Axis] = []
    for d in dims:
        low = str(d).lower()
        if "batch" in low or low in ("b", "bs", "n_samples", "num_samples"):
            kinds.append(Axis.BATCH)
        elif any(k in low for k in ("seq", "len", "time", "step", "frames")) or low in ("t",):
            kinds.append(Axis.TIME)
        elif any(k in low for k in ("feat", "dim", "input_size", "hidden", "channel", "emb")):
            kinds.append(Axis.FEATURE)
        else:
            return None
    layout = Layout(tuple(kinds))
    return layout if layout in (BTF, TBF) else None


def dim_names(nodes: list[ast.expr | None]) -> tuple[Dim, ...]:
    return tuple(name_dim(n) for n in nodes)


def shape_from_literal(node: ast.expr) -> tuple[int, ...] | None:
    """The shape of a nested list/tuple literal, if it is rectangular."""
    if isinstance(node, (ast.List, ast.Tuple)):
        subs = [e for e in node.elts if type(e) is not ast.Starred]
        if len(subs) != len(node.elts):
            return None
        if not subs:
            return (0,)
        inner = [shape_from_literal(s) for s in subs]
        if all(i is not None for i in inner) and all(i == inner[0] for i in inner):
            return (len(subs), *inner[0])  # type: ignore[misc]
        if all(i == () for i in inner):
            return (len(subs),)
        return None
    kind = type(node)
    if kind is ast.UnaryOp or kind is ast.Name:
        return ()
    if kind is ast.Constant and (
        type(node.value) in (int, float) or is_named_constant(node.value)  # type: ignore[attr-defined]
    ):
        return ()  # a number, or True/False/None (names, as libcst read them)
    return None


def literal_ints(node: ast.expr) -> tuple[int, ...] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for e in node.elts:
            if type(e) is ast.Constant and type(e.value) is int:
                out.append(e.value)
            else:
                return None
        return tuple(out)
    return None


def bind_args(q: str, fact: CallFact) -> dict[str, Value]:
    names = lib.SIGNATURES.get(q, ())
    out: dict[str, Value] = {}
    for n, v in zip(names, fact.args):
        out[n] = v
    for k, v in fact.kwargs:
        out[k] = v
    return out


def arg_node(fact: CallFact, index: int, name: str) -> ast.expr | None:
    return fact.arg_node(index, name)


def first_tensor(values: tuple[Value, ...]) -> Tensor | None:
    for v in values:
        if isinstance(v, Tensor):
            return v
    return None


def axis_value(fact: CallFact, pos: int, names: tuple[str, ...] = ("axis", "dim")) -> Value:
    for n in names:
        v = fact.kwarg(n)
        if v is not None or fact.has_kwarg(n):
            return v
    if pos < len(fact.args):
        return fact.args[pos]
    return Const(None) if not any(fact.has_kwarg(n) for n in names) else None
