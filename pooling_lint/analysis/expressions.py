"""Expressions: what each kind of ``ast`` expression evaluates to (one function per kind).

:data:`EXPRESSIONS` maps a node type to its evaluator; :meth:`Interpreter.eval` looks it up.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pooling_lint.analysis import hf
from pooling_lint.analysis.axes import permute
from pooling_lint.analysis.branches import Path, split, stepped, vacuous
from pooling_lint.analysis.calls import call
from pooling_lint.analysis.facts import CallFact, SubscriptFact
from pooling_lint.analysis.feeds import feed
from pooling_lint.analysis.flows import eval_yield, loop_item
from pooling_lint.analysis.indexing import (
    UNKNOWN,
    Bound,
    IndexItem,
    IntIndex,
    Marker,
    SliceIndex,
    TensorIndex,
    index_elements,
)
from pooling_lint.analysis.operators import binary, comparison
from pooling_lint.analysis.pad_loops import mapped_padded, pad_expression
from pooling_lint.analysis.polarity import flipped
from pooling_lint.analysis.project import foreign_attr
from pooling_lint.analysis.queries import takes_last_step
from pooling_lint.analysis.row_lengths import lengths_of_padded_rows
from pooling_lint.analysis.scopes import MISSING as _MISSING_BINDING
from pooling_lint.analysis.scopes import selves_attr, uniform_element
from pooling_lint.analysis.shape_reads import shape_read_of_attribute, shape_read_of_call
from pooling_lint.analysis.subscripts import subscript
from pooling_lint.analysis.values import (
    Const,
    DimOf,
    Encoding,
    Evidence,
    Foreign,
    FunctionRef,
    KerasModel,
    ListOf,
    ModelOutput,
    Record,
    Role,
    SelfRef,
    SelfRefs,
    ShapeOf,
    Tensor,
    TupleValue,
    Value,
    join,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

_INFINITIES = {
    "math.inf": float("inf"),
    "numpy.inf": float("inf"),
    "torch.inf": float("inf"),
    "numpy.NINF": float("-inf"),
}


def eval_name(it: Interpreter, node: ast.Name) -> Value:
    return it.lookup(node.id)


def eval_constant(it: Interpreter, node: ast.Constant) -> Value:
    value = node.value
    if type(value) in (complex, type(Ellipsis)):
        return None  # never modelled: imaginary literals, `...`
    return Const(value)


def eval_unary(it: Interpreter, node: ast.UnaryOp) -> Value:
    inner = it.eval(node.operand)
    op = type(node.op)
    if op is ast.USub and isinstance(inner, Const):
        if isinstance(inner.value, (int, float)) and not isinstance(inner.value, bool):
            return Const(-inner.value)
    if op is ast.Invert and isinstance(inner, Tensor):
        return flipped(inner.with_(origin=Evidence(node, "")), node)
    return None


def eval_sequence(it: Interpreter, node: ast.Tuple | ast.List) -> Value:
    items = tuple(it.eval(e) if type(e) is not ast.Starred else None for e in node.elts)
    if items and all(isinstance(i, Const) for i in items):
        return Const(tuple(i.value for i in items if isinstance(i, Const)))
    if not items:
        return Const(())
    return TupleValue(items, "tuple" if type(node) is ast.Tuple else "list")


def eval_binop(it: Interpreter, node: ast.BinOp) -> Value:
    left = it.eval(node.left)
    right = it.eval(node.right)
    padded = pad_expression(node)  # `x + [0] * (n - len(x))`
    if padded is not None:
        return padded
    return binary(it, node, type(node.op), left, right, node.right)


def eval_compare(it: Interpreter, node: ast.Compare) -> Value:
    return comparison(it, node)


def eval_lambda(it: Interpreter, node: ast.Lambda) -> Value:
    return FunctionRef(node, "<lambda>")


def eval_ifexp(it: Interpreter, node: ast.IfExp) -> Value:
    it.eval(node.test)
    frame = it.frame
    if frame is None:
        return join(it.eval(node.body), it.eval(node.orelse))
    branches = split(node.test)
    env, path = frame.env, frame.path
    values: list[tuple[Value, Path]] = []
    for refinement, expr in ((branches.then, node.body), (branches.orelse, node.orelse)):
        frame.path = it.refined(refinement, path)
        values.append((it.eval(expr), frame.path))
        frame.env = env
    frame.path = path
    (a, pa), (b, pb) = values
    return join(vacuous(a, b, pa.absent), vacuous(b, a, pb.absent))


def eval_boolop(it: Interpreter, node: ast.BoolOp) -> Value:
    for value in node.values:
        it.eval(value)
    return None


def eval_nothing(it: Interpreter, node: ast.expr) -> Value:
    return None


def eval_dict(it: Interpreter, node: ast.Dict) -> Value:
    for key, value in zip(node.keys, node.values):
        if key is not None:  # `**other` entries were never evaluated
            data = it.eval(value)
            if type(key) is ast.Name or type(key) is ast.Attribute:
                # `{ids: batch}` keyed by a graph input is a TF1 feed_dict: ids receives batch
                feed(it, it.eval(key), data)
    return None


def eval_named(it: Interpreter, node: ast.NamedExpr) -> Value:
    value = it.eval(node.value)
    it.bind(node.target, value)
    return value


def eval_comprehension(it: Interpreter, node: ast.ListComp | ast.GeneratorExp) -> Value:
    frame = it.frame
    if frame is None:
        return None
    saved = dict(frame.env)
    first: Value = None
    for i, comp in enumerate(node.generators):
        # `[row[0] for row in batch]`: each element of a list of data records
        iterable = it.eval(comp.iter)
        first = iterable if i == 0 else first
        element = loop_item(iterable)
        if element is None:
            # `[conv(e) for conv in self.convs]`: a list of modules that are all the same one
            # (a ModuleList built by a comprehension); the body runs once for all of them
            element = uniform_element(iterable, it.keras_layers)
        it.bind(comp.target, element)
    item = it.eval(node.elt)
    frame.env = saved
    mapped = mapped_padded(node, first, item)  # `[vocab[w] for w in padded_tokens]`
    if mapped is None:
        mapped = lengths_of_padded_rows(node, first)  # `[len(p) for p in padded]`
    return mapped if mapped is not None else ListOf(item)


def eval_attribute(it: Interpreter, node: ast.Attribute) -> Value:
    obj = node.value
    attr = node.attr
    q = it.facts.qualname(node)
    if q in _INFINITIES:
        return Const(_INFINITIES[q])
    if (
        type(obj) is ast.Call
        and it.facts.qualname(obj.func) in ("torch.finfo", "numpy.finfo", "torch.iinfo")
        and attr in ("min", "max")
    ):
        return Const(-3.4e38 if attr == "min" else 3.4e38)
    shape_only = shape_read_of_attribute(node)
    if shape_only is not None:
        it.shape_reads.add(shape_only)
    base = it.eval(obj)
    if isinstance(base, SelfRef):
        return it.read_class_attr(base.class_name, attr)
    if isinstance(base, SelfRefs):
        return selves_attr(it, base, attr)
    if isinstance(base, Foreign):
        return foreign_attr(it, base, attr)
    if isinstance(base, Record) and base.kind == "torchtext.Batch":
        return base.get(attr)  # type: ignore[no-any-return]
    if isinstance(base, Tensor):
        if attr == "shape":
            return ShapeOf(base, node)
        if attr == "T" and base.rank == 2:
            return permute(base, (1, 0), node, it)
        if attr in ("data", "mT"):
            return base
    if isinstance(base, KerasModel) and attr in ("output_shape", "input_shape"):
        shaped = base.output if attr == "output_shape" else base.input
        return ShapeOf(shaped, node) if shaped is not None else None
    if isinstance(base, Encoding):
        return hf.encoding_item(base, attr)
    if isinstance(base, ModelOutput):
        return hf.output_attribute(base, attr)
    if isinstance(base, TupleValue) and attr in ("values", "indices") and base.items:
        # torch.max(x, dim) returns (values, indices)
        return base.items[0] if attr == "values" else base.items[-1]
    return None


def eval_subscript(it: Interpreter, node: ast.Subscript) -> Value:
    base = it.eval(node.value)
    items = tuple(index_item(it, el) for el in index_elements(node.slice))
    only = items[0] if len(items) == 1 else None
    if isinstance(base, ShapeOf) and isinstance(only, IntIndex):
        return DimOf(base.tensor, only.value, node)
    if isinstance(base, Encoding):
        key = node.slice
        if type(key) is ast.Constant and isinstance(key.value, str):
            return hf.encoding_item(base, key.value)
        return None
    if isinstance(base, ModelOutput):
        return hf.output_item(base, only.value) if isinstance(only, IntIndex) else None
    if isinstance(base, ListOf) and isinstance(only, IntIndex):
        return base.item  # every element of the list is `item`
    if isinstance(base, ListOf) and only is Marker.OTHER and type(node.slice) is ast.Name:
        # `hs[i]` with `i` unknown: a list's index is an int (or a slice, never bound to a
        # plain name in practice), and every element is `item`
        return base.item
    if isinstance(base, ListOf) and isinstance(only, SliceIndex):
        return base  # a run of the list's elements (`batches[i * n:(i + 1) * n]`)
    if isinstance(base, TupleValue) and isinstance(only, IntIndex):
        k = only.value
        if -len(base.items) <= k < len(base.items):
            item: Value = base.items[k]
            return item
        return None
    if isinstance(base, Const) and isinstance(base.value, tuple):
        if isinstance(only, IntIndex):
            try:
                return Const(base.value[only.value])
            except IndexError:
                return None
        return None
    if isinstance(base, Tensor):
        reads = node not in it.shape_reads  # analysis/shape_reads.py
        fact = SubscriptFact(node, base, items, reads_values=reads)
        frame = it.frame
        if (
            frame is not None
            and frame.path.decoding is not None
            and base.role not in (Role.MASK, Role.LENGTHS)
            and takes_last_step(fact) is not None
        ):
            # a cached-decoding step slices the newest step of every row
            fact = SubscriptFact(node, stepped(base), items, reads_values=reads)
            if type(node.value) is ast.Name and frame.env.get(node.value.id) is base:
                frame.env[node.value.id] = fact.base
        it.log.subscript(fact)
        return subscript(it, fact)
    return None


def index_item(it: Interpreter, v: ast.expr) -> IndexItem:
    if isinstance(v, ast.Slice):
        return SliceIndex(bound(it, v.lower), bound(it, v.upper), bound(it, v.step))
    if isinstance(v, ast.Constant):
        if v.value is Ellipsis:
            return Marker.ELLIPSIS
        if v.value is None:
            return Marker.NEWAXIS
    val = it.eval(v)
    if isinstance(val, Const) and isinstance(val.value, int):
        return IntIndex(val.value)
    if isinstance(val, Tensor):
        return TensorIndex(val)
    return Marker.OTHER


def bound(it: Interpreter, part: ast.expr | None) -> Bound:
    if part is None:
        return None
    val = it.eval(part)
    if isinstance(val, Const) and isinstance(val.value, int):
        return val.value
    return UNKNOWN


# ------------------------------------------------------------------- calls
def _module_binds(it: Interpreter, name: str) -> bool:
    """Does the module bind ``name`` (so ``float``/``int`` may not be the builtins)?"""
    frame = it.frame
    if frame is not None and frame.unit.key == "<module>":
        return name in it.module_env  # the module's own environment, while it runs
    return it.read_module(name) is not _MISSING_BINDING


def eval_call(it: Interpreter, node: ast.Call) -> Value:
    func = node.func
    if (
        type(func) is ast.Name
        and func.id in ("float", "int")
        and len(node.args) + len(node.keywords) == 1
        and not _module_binds(it, func.id)
    ):
        only = node.args[0] if node.args else node.keywords[0].value
        if type(only) is ast.Starred:
            only = only.value
        arg = it.eval(only)
        if isinstance(arg, Const) and isinstance(arg.value, (str, int, float)):
            try:
                return Const(float(arg.value) if func.id == "float" else int(arg.value))
            except (ValueError, OverflowError):
                return None
    qualname = None
    head = func
    while type(head) is ast.Attribute:
        head = head.value
    # A locally bound name (a parameter, `tf = make_backend()`, a loop variable) shadows
    # the import of the same name.
    if type(head) is ast.Name and not (
        it.frame is not None
        and head.id in it.frame.env
        and type(it.facts.imports.nodes.get(head.id)) is not ast.Assign  # `tf1 = tf.compat.v1`
    ):
        qualname = it.facts.qualname(func)
    shape_only = shape_read_of_call(node, qualname, lambda: _builtin_len(it, qualname))
    if shape_only is not None:
        it.shape_reads.add(shape_only)
    receiver: Value = None
    method: str | None = None
    callee: Value = None
    if type(func) is ast.Attribute:
        receiver = it.eval(func.value)
        method = func.attr
    else:
        callee = it.eval(func)
    args: list[Value] = []
    kwargs: list[tuple[str, Value]] = []
    for a in node.args:
        if type(a) is ast.Starred:
            it.eval(a.value)
            args.append(None)
        else:
            args.append(it.eval(a))
    stars: list[Value] = []
    for k in node.keywords:
        if k.arg is None:  # `**kwargs` counted as an unknown positional, as it always was
            stars.append(it.eval(k.value))
            args.append(None)
        else:
            kwargs.append((k.arg, it.eval(k.value)))
    fact = CallFact(node, qualname, tuple(args), tuple(kwargs), receiver, method, tuple(stars))
    it.log.call(fact)
    return call(it, fact, callee)


def _builtin_len(it: Interpreter, qualname: str | None) -> bool:
    """The name ``len`` is Python's: not imported, not bound in the file."""
    frame = it.frame
    return (
        qualname is None
        and "len" not in it.module_env
        and not (frame is not None and "len" in frame.env)
    )


EXPRESSIONS: dict[type, Callable[[Interpreter, Any], Value]] = {
    ast.Name: eval_name,
    ast.Constant: eval_constant,
    ast.UnaryOp: eval_unary,
    ast.Tuple: eval_sequence,
    ast.List: eval_sequence,
    ast.Attribute: eval_attribute,
    ast.Subscript: eval_subscript,
    ast.Call: eval_call,
    ast.BinOp: eval_binop,
    ast.Compare: eval_compare,
    ast.Lambda: eval_lambda,
    ast.IfExp: eval_ifexp,
    ast.BoolOp: eval_boolop,
    ast.ListComp: eval_comprehension,
    ast.GeneratorExp: eval_comprehension,
    ast.Dict: eval_dict,
    ast.NamedExpr: eval_named,
    ast.DictComp: hf.dict_comprehension,
    ast.Yield: eval_yield,
    ast.YieldFrom: eval_yield,
}
