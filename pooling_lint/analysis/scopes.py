"""Units of analysis and their environments: functions and their parameters, frames, and how
environments join where paths meet."""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.branches import Path, vacuous
from pooling_lint.analysis.project import fed_attr
from pooling_lint.analysis.values import (
    Const,
    Evidence,
    Foreign,
    Instance,
    KerasModel,
    Layer,
    ListOf,
    Role,
    SelfRef,
    SelfRefs,
    Tensor,
    TupleValue,
    Value,
    class_names_of,
    join,
    own_module,
    same,
)
from pooling_lint.analysis.walk import FUNCTIONS

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: "no such binding / not computed yet" (None is a value: unknown)
MISSING = object()


@dataclass
class Unit:
    """A body to analyse: the module, a function, or a method of a class."""

    key: str
    node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
    class_name: str | None = None
    params: tuple[str, ...] = ()


@dataclass
class Frame:
    """The state while one unit runs."""

    unit: Unit
    env: dict[str, Value]
    unread_masks: dict[str, tuple[ast.AST, Tensor]] = field(default_factory=dict)
    #: each `return`'s value, with the padding evidence that is None on its path
    returns: list[tuple[Value, frozenset[Evidence]]] = field(default_factory=list)
    #: what the tests that led here tell (analysis/branches.py)
    path: Path = field(default_factory=Path)
    #: the path ended in a `return` or `raise`: the rest of the block does not run
    terminated: bool = False


MAX_UNROLL = 8


def loop_elements(
    iterable: Value, keras_classes: Collection[str] = ()
) -> tuple[Value, ...] | None:
    """The elements a for loop visits, when the file shows them (a list of layers, or of
    module instances). A list holding the file's own Keras layers (``keras_classes``) is not
    unrolled: their ``call(inputs, mask=None)`` is taken to receive padded inputs
    (``Interpreter._entry_env``), which a loop over image or fixed-length blocks does not
    show."""
    elements = _loop_elements(iterable)
    if elements is not None and any(
        isinstance(e, Instance) and e.class_name in keras_classes for e in elements
    ):
        return None
    return elements


def uniform_element(iterable: Value, keras_classes: Collection[str] = ()) -> Value:
    """The one element of a list of modules whose elements are all the same value (a
    ``ModuleList`` built by a comprehension), else None."""
    elements = loop_elements(iterable, keras_classes)
    if not elements or not all(same(e, elements[0]) for e in elements[1:]):
        return None
    return elements[0]


def _loop_elements(iterable: Value) -> tuple[Value, ...] | None:
    if isinstance(iterable, Layer) and iterable.qualname in (
        "torch.nn.ModuleList",
        "torch.nn.Sequential",
    ):
        kids = iterable.children
        if kids and all(isinstance(k, Layer) for k in kids) and len(kids) <= MAX_UNROLL:
            # a comprehension's element stands for every element: two rounds reach the
            # steady state of `x = layer(x)`
            return kids * 2 if iterable.args.get("repeated") else kids
        return None
    if isinstance(iterable, ListOf) and _module(iterable.item):
        # a list (or ModuleList) of layers, or of instances of the tree's own modules
        return (iterable.item, iterable.item)
    if isinstance(iterable, TupleValue) and iterable.items and len(iterable.items) <= MAX_UNROLL:
        if all(_module(i) for i in iterable.items):
            return iterable.items
    if (
        isinstance(iterable, Const)
        and isinstance(iterable.value, tuple)
        and 0 < len(iterable.value) <= MAX_UNROLL
    ):
        return tuple(Const(v) for v in iterable.value)  # `for units in [64, 32]:`
    return None


def _module(v: Value) -> bool:
    """A module object: a torch/Keras layer, an instance of a class of this file, or of a
    class of another checked module (project mode) picked by no run-time choice of module,
    or one of several such."""
    if isinstance(v, Foreign) and v.alts:
        return False  # the same name in several candidate modules: called, not walked
    return isinstance(v, Layer) or own_module(v)


def join_env(
    a: dict[str, Value],
    b: dict[str, Value],
    a_absent: frozenset[Evidence] = frozenset(),
    b_absent: frozenset[Evidence] = frozenset(),
) -> dict[str, Value]:
    """The env after two paths meet. A path where some padding evidence is None (``if mask
    is None:``) has nothing to say about that padding: the other path's padding stands.
    A name bound on one path only is unbound on the other, where reading it raises
    (``NameError``/``UnboundLocalError``): every read that runs sees the bound value."""
    out: dict[str, Value] = {}
    refined = bool(a_absent or b_absent)
    for k in set(a) | set(b):
        if k in a and k in b:
            va, vb = a[k], b[k]
            if refined:
                va, vb = vacuous(va, vb, a_absent), vacuous(vb, va, b_absent)
            out[k] = join(va, vb)
            if out[k] is None:
                out[k] = one_path_model(va, vb)
        else:
            out[k] = a[k] if k in a else b[k]
    return out


def one_path_model(a: Value, b: Value) -> Value:
    """A functional Keras model built on one path, something unknown or loaded from a file on
    the other (``model = load_model(p) if resume else build_model()``). Whatever the other
    path gives, on this one the data that ``model.fit(x)`` / ``predict`` / ... receives is
    what the model's ``Input`` gets, as one call site passing padded data is enough for a
    function's parameter. Only that holds: the result keeps the input, not the output or the
    layers."""
    model = a if _opaque(b) else b if _opaque(a) else None
    if not isinstance(model, KerasModel) or model.kind != "functional" or model.input is None:
        return None
    return KerasModel("functional", input=model.input, node=model.node, one_path=True)


def _opaque(v: Value) -> bool:
    """Unknown, or a model loaded from a file (``keras.models.load_model``), whose
    architecture the code does not show."""
    return v is None or (isinstance(v, KerasModel) and v.kind == "loaded")


def join_returns(returns: list[tuple[Value, frozenset[Evidence]]]) -> Value:
    """A function's result: the join of its returns, those of paths where some padding
    evidence is None taking the padding of the others."""
    if not returns:
        return None
    plain = [v for v, absent in returns if not absent]
    refined = [(v, absent) for v, absent in returns if absent]
    ret: Value = plain[0] if plain else refined[0][0]
    for v in plain[1:]:
        ret = join(ret, v)
    for v, absent in refined if plain else refined[1:]:
        ret = join(ret, vacuous(v, ret, absent))
    return ret


def set_attr(it: Interpreter, class_name: str, target: ast.Attribute, value: Value) -> None:
    """``self.<attr> = value`` in a method of ``class_name``. Set in any method (a
    ``setup_layers()`` called from ``__init__``, a ``fit()``), the attribute holds what holds
    over every assignment that sets it; each assignment counts with its latest value (a later
    round, where the method's parameters are bound by its callers, replaces the first one's
    unknown: ``self.batches = batches`` of an instance made inside a function)."""
    sites = it.attr_sites.setdefault((class_name, target.attr), {})
    sites[id(target)] = value
    joined: Value = None
    for n, site_value in enumerate(sites.values()):
        joined = site_value if n == 0 else join_attr(joined, site_value)
    it.class_attrs.setdefault(class_name, {})[target.attr] = joined


def assign_self_attr(it: Interpreter, name: str, target: ast.Attribute, value: Value) -> bool:
    """``self.<attr> = value`` in a method of the class (a TF1 graph input: what is fed to
    it), or ``cls.<attr> = value`` in a free function whose callers give it their ``self``
    (``cl_init(self, config)`` in ``__init__``): an attribute of each caller's class."""
    frame = it.frame
    if frame is None:
        return False
    owner = frame.env.get(name)
    class_name = frame.unit.class_name
    if isinstance(owner, SelfRef) and class_name is not None:
        set_attr(it, class_name, target, fed_attr(it, class_name, target.attr, value))
        return True
    if class_name is None and isinstance(owner, (SelfRef, SelfRefs)):
        for each in class_names_of(owner):
            set_attr(it, each, target, value)
        return True
    return False


def selves_attr(it: Interpreter, owner: SelfRefs, attr: str) -> Value:
    """``cls.<attr>`` where ``cls`` is the ``self`` of one of several classes: what holds in
    every one of them."""
    joined: Value = None
    for n, class_name in enumerate(owner.class_names):
        value = it.read_class_attr(class_name, attr)
        if n == 0:
            joined = value
        elif isinstance(joined, Layer) and isinstance(value, Layer):
            # Layer equality leaves the constructor arguments out (batch_first=...)
            joined = joined if joined == value and joined.args == value.args else None
        else:
            joined = join(joined, value)
    return joined


def _layout_free(a: Layer, b: Layer) -> bool:
    spec_a, spec_b = lib.lookup(a.qualname), lib.lookup(b.qualname)
    return (
        spec_a is not None
        and spec_b is not None
        and spec_a.apply is spec_b.apply
        and spec_a.apply is lib.ApplyModel.TORCH_EMBEDDING
        and not a.children
        and not b.children
    )


def join_attr(old: Value, new: Value) -> Value:
    # `self.loader = None` in __init__, the real value set later: None cannot be iterated,
    # called or indexed, so every use that runs sees the other value
    if isinstance(old, Const) and old.value is None:
        return new
    if isinstance(new, Const) and new.value is None:
        return old
    if isinstance(old, Layer) and isinstance(new, Layer) and _layout_free(old, new):
        # two embeddings (`nn.Embedding.from_pretrained(w)` in one branch, `nn.Embedding(n,
        # d, padding_idx=0)` in the other): no argument of theirs changes the output layout
        # (it follows the input), so the layer stays, with the arguments both agree on
        agreed = {k: v for k, v in old.args.items() if k in new.args and new.args[k] == v}
        return Layer(old.qualname, agreed, old.node, old.children)
    if isinstance(old, Layer) and isinstance(new, Layer) and old.qualname == new.qualname:
        # Layer equality leaves the constructor arguments out; two methods that build the
        # layer differently (batch_first=True in one) leave it unknown
        return old if old == new and old.args == new.args else None
    return join(old, new)


def all_params(args: ast.arguments) -> list[tuple[ast.arg, ast.expr | None]]:
    """Every parameter but ``**kwargs``, in order, with its default (or None)."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    out = list(zip(positional, defaults))
    if args.vararg is not None:
        out.append((args.vararg, None))
    out.extend(zip(args.kwonlyargs, args.kw_defaults))
    return out


def name_of(node: ast.AST) -> str | None:
    return node.name if isinstance(node, FUNCTIONS) else None


def is_static(fn: FunctionNode) -> bool:
    return any(type(d) is ast.Name and d.id == "staticmethod" for d in fn.decorator_list)


def is_none(node: ast.expr) -> bool:
    return type(node) is ast.Constant and node.value is None


def is_plain_literal(node: ast.expr | None) -> bool:
    """A number, a string or True/False: a default the analysis takes as the value."""
    return type(node) is ast.Constant and type(node.value) in (int, float, str, bytes, bool)


def default_value(default: ast.expr | None, module_env: dict[str, Value]) -> Value:
    """The value a parameter's default gives when no caller passes one: a plain literal, or
    a module constant naming one (``max_len=MAX_LEN``); else None."""
    if is_plain_literal(default):
        assert isinstance(default, ast.Constant)
        return Const(default.value)
    if type(default) is ast.Name and isinstance(module_env.get(default.id), Const):
        return module_env[default.id]
    return None


def is_main_guard(test: ast.expr) -> bool:
    return type(test) is ast.Compare and type(test.left) is ast.Name and test.left.id == "__name__"


#: the methods whose attribute assignments describe the object (``self.rnn = nn.LSTM(...)``)
INITIALIZERS = ("__init__", "build")


def initializes(unit_node: ast.AST, class_node: ast.AST | None) -> bool:
    """Does this method set up the object: ``__init__``/``build``, or a method of the same
    class that one of them calls as ``self.<name>(...)`` (``self.setup_layers()``)?"""
    name = name_of(unit_node)
    if name in INITIALIZERS:
        return True
    if not isinstance(class_node, ast.ClassDef):
        return False
    for stmt in class_node.body:
        if not isinstance(stmt, FUNCTIONS) or stmt.name not in INITIALIZERS:
            continue
        for node in ast.walk(stmt):
            if (
                type(node) is ast.Call
                and type(node.func) is ast.Attribute
                and node.func.attr == name
                and type(node.func.value) is ast.Name
                and node.func.value.id == "self"
            ):
                return True
    return False


def named_role(cur: Value, role: Role, ev: Evidence) -> Value:
    """A parameter whose name gives it a role (a ``mask``, ``lengths``): the callers' value
    with that role; the callers' polarity of a mask is kept. A parameter every caller passes
    None to (Keras's ``call(x, mask=None)`` on an input without a mask) stays None."""
    if cur == Const(None):
        return cur
    base = cur if isinstance(cur, Tensor) else Tensor()
    return base.with_(role=role, origin=ev, marks=base.marks if role is Role.MASK else None)
