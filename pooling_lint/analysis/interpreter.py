"""The abstract interpreter: one pass over each function body, tracking tensor values.

Statements run in order over an environment (local name -> :mod:`values`). Branches are
joined (a fact must hold on every path), loop bodies run once and are joined with the state
before the loop. Calls of layers, ops and functions defined in the file are modelled; anything
else yields "unknown" (None). While walking, the interpreter records the events in
:mod:`facts` that rules query.

Units (the module body, each function and method) are analysed in rounds: a round records the
arguments that call sites pass (``model(torch.randn(32, 50, 10))`` binds ``forward``'s ``x``),
and the next round re-runs the units whose bindings changed.

The tree is Python's ``ast``; dispatch is a table from node type to method, not an isinstance
ladder.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.axes import permute
from pooling_lint.analysis.branches import (
    Path,
    Refinement,
    absent_evidence,
    split,
    stepped,
    vacuous,
    without_padding,
)
from pooling_lint.analysis.calls import call
from pooling_lint.analysis.facts import (
    EVENT_KINDS,
    CallFact,
    Division,
    FileFacts,
    SubscriptFact,
    UnusedMask,
)
from pooling_lint.analysis.names import dotted
from pooling_lint.analysis.operators import binary, comparison
from pooling_lint.analysis.padding import fill_of
from pooling_lint.analysis.subscripts import subscript, takes_end_of_time
from pooling_lint.analysis.values import (
    Const,
    DimOf,
    Evidence,
    FunctionRef,
    Layer,
    ListOf,
    Padding,
    SelfRef,
    ShapeOf,
    Tensor,
    TupleValue,
    Value,
    join,
)
from pooling_lint.analysis.walk import FUNCTIONS, block, statements, walk

MAX_ROUNDS = 3
_INFINITIES = {
    "math.inf": float("inf"),
    "numpy.inf": float("inf"),
    "torch.inf": float("inf"),
    "numpy.NINF": float("-inf"),
}
_MISSING = object()

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _new_events() -> dict[str, list[Any]]:
    """The events one unit records in a run, by kind (see facts.EVENT_KINDS)."""
    return {kind: [] for kind in EVENT_KINDS}


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


class Interpreter:
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.tree = facts.tree
        self.src = facts.source
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.units: dict[str, Unit] = {}
        self._roles: dict[str, dict[str, str]] = {}
        self.bindings: dict[str, dict[str, Value]] = {}
        self.class_attrs: dict[str, dict[str, Value]] = {}
        self.returns: dict[str, Value] = {}
        self.module_env: dict[str, Value] = {}
        self.events: dict[str, dict[str, list[Any]]] = {}
        self.current: dict[str, list[Any]] = _new_events()
        self.frame: Frame | None = None
        self.changed = False
        #: subscripts whose result only gives a shape, dtype or device (`zeros_like(x[:, -1:])`)
        self.shape_reads: set[ast.AST] = set()

    # ------------------------------------------------------------------ driver
    def run(self) -> None:
        self._collect_units(self.tree.body, prefix="", class_name=None)
        self._find_keras_models()
        order = ["<module>"] + [k for k in self.units if k != "<module>"]
        self.units["<module>"] = Unit("<module>", self.tree)
        for _ in range(MAX_ROUNDS):
            self.changed = False
            for key in order:
                # __init__ first within a class so that self attributes exist for the others
                self._run_unit(self.units[key])
            if not self.changed:
                break
        for key in order:
            recorded = self.events.get(key)
            if recorded is None:
                continue
            for kind in EVENT_KINDS:
                getattr(self.facts, kind).extend(recorded[kind])

    def _find_keras_models(self) -> None:
        self.keras_layers: set[str] = set()
        # Classes that hand a Keras mask on: `supports_masking = True` or a compute_mask().
        self.mask_passing: set[str] = {
            name for name, cls in self.classes.items() if _passes_mask(self.src, cls)
        }
        for found, roots in (
            (self.facts.keras_model_classes, ("keras.Model", "keras.Sequential")),
            (self.keras_layers, ("keras.Model", "keras.Sequential", "keras.layers.Layer")),
        ):
            changed = True
            while changed:
                changed = False
                for name, cls in self.classes.items():
                    if name in found:
                        continue
                    for base in cls.bases:
                        q = self.facts.qualname(base)
                        if q in roots or dotted(base) in found:
                            found.add(name)
                            changed = True
                            break

    def _collect_units(self, body: Sequence[ast.stmt], prefix: str, class_name: str | None) -> None:
        for stmt in body:
            kind = type(stmt)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                assert isinstance(stmt, FUNCTIONS)
                key = f"{prefix}{stmt.name}"
                params = tuple(p.arg for p, _ in _all_params(stmt.args))
                self.units[key] = Unit(key, stmt, class_name, params)
                if class_name is None and not prefix:
                    self.functions.setdefault(stmt.name, stmt)
                self._collect_units(self._body(stmt), prefix=f"{key}.<locals>.", class_name=None)
            elif kind is ast.ClassDef:
                assert isinstance(stmt, ast.ClassDef)
                name = stmt.name
                if not prefix:
                    self.classes.setdefault(name, stmt)
                methods = [s for s in self._body(stmt) if isinstance(s, FUNCTIONS)]
                # __init__/build first: they bind the attributes other methods read.
                methods.sort(key=lambda f: f.name not in ("__init__", "build"))
                for m in methods:
                    key = f"{prefix}{name}.{m.name}"
                    params = tuple(p.arg for p, _ in _all_params(m.args))
                    self.units[key] = Unit(key, m, name, params)
                    self._collect_units(self._body(m), prefix=f"{key}.<locals>.", class_name=None)
            elif kind in (ast.If, ast.Try, ast.With, ast.AsyncWith):
                # `if __name__ == "__main__":` and guarded definitions
                for sub in self._blocks_of(stmt):
                    self._collect_units(sub, prefix, class_name)

    def _body(self, node: FunctionNode | ast.ClassDef) -> Sequence[ast.stmt]:
        return block(self.src, node.body)

    def _blocks_of(self, stmt: ast.stmt) -> list[Sequence[ast.stmt]]:
        src = self.src
        blocks: list[Sequence[ast.stmt]] = [block(src, stmt.body)]  # type: ignore[attr-defined]
        if isinstance(stmt, ast.If) and stmt.orelse:
            blocks.append(block(src, stmt.orelse))
        if isinstance(stmt, ast.Try):
            for h in stmt.handlers:
                blocks.append(block(src, h.body))
        return blocks

    def _run_unit(self, unit: Unit) -> None:
        self.current = _new_events()
        if isinstance(unit.node, ast.Module):
            frame = Frame(unit, {})
            self.module_env = frame.env
            self.frame = frame
            self._exec_block(unit.node.body)
        else:
            frame = Frame(unit, self._entry_env(unit))
            self.frame = frame
            self._exec_block(self._body(unit.node))
        if frame.unread_masks and not isinstance(unit.node, ast.Module):
            # Confirm syntactically: a name the interpreter did not see read (inside a lambda,
            # an f-string, a nested function) may still be used.
            counts = _name_counts(unit.node, frozenset(frame.unread_masks))
            for name, (node, value) in frame.unread_masks.items():
                if counts.get(name, 0) <= 1:
                    self.record("unused_masks", UnusedMask(node, name, value))
        ret = _join_returns(frame.returns)
        if self.returns.get(unit.key, _MISSING) != ret:
            self.returns[unit.key] = ret
            self.changed = True
        self.events[unit.key] = self.current
        self.frame = None

    # ------------------------------------------------------------ entry state
    def _entry_env(self, unit: Unit) -> dict[str, Value]:
        fn = unit.node
        assert isinstance(fn, FUNCTIONS)
        env: dict[str, Value] = {}
        bound = self.bindings.get(unit.key, {})
        params = _all_params(fn.args)
        # _entry_env runs once per analysis round: scan each function once per file.
        roles = self._roles.get(unit.key)
        if roles is None:
            roles = self._roles[unit.key] = _usage_roles(fn)
        is_method = unit.class_name is not None and not _is_static(fn)
        length_params: list[ast.arg] = []
        for i, (p, default) in enumerate(params):
            name = p.arg
            if is_method and i == 0:
                env[name] = SelfRef(unit.class_name or "")
                continue
            env[name] = None  # every parameter is a local: it shadows imports of that name
            if name in bound:
                env[name] = bound[name]
            elif _is_plain_literal(default):
                env[name] = self.eval(default)
            role = roles.get(name)
            if role is None and name in lib.LENGTH_NAMES:
                role = "lengths"
            if role is None and name in lib.MASK_NAMES:
                role = "mask"
            if role is not None:
                ev = Evidence(p, f"the `{name}` parameter")
                cur = env.get(name)
                base = cur if isinstance(cur, Tensor) else Tensor()
                env[name] = base.with_(role=role, origin=ev)
                length_params.append(p)
        if length_params:
            # The function receives lengths or a mask: its other tensor inputs are padded.
            # A Keras layer's call(inputs, mask) gets masks only from Masking/Embedding
            # upstream, so its inputs are (batch, time, features).
            keras_call = unit.class_name in self.keras_layers and fn.name == "call"
            layout, rank = ("BTF", 3) if keras_call else ("BT", None)
            first = length_params[0]
            ev = Evidence(first, f"the `{first.arg}` parameter")
            for i, (q, default) in enumerate(params):
                name = q.arg
                if (is_method and i == 0) or q in length_params:
                    continue
                if default is not None and not _is_none(default):
                    continue  # `training=False`, `dim=1`: not a tensor input
                cur = env.get(name)
                if cur is None:
                    # Masks and lengths are [batch, time] / [batch]: the data that goes with
                    # them is batch-major unless the file shows otherwise.
                    env[name] = Tensor(padding=Padding(ev), origin=ev, layout=layout, rank=rank)
                elif isinstance(cur, Tensor) and cur.role == "data" and cur.padding is None:
                    env[name] = cur.with_(padding=Padding(ev))
        return env

    # -------------------------------------------------------------- statements
    def _exec_block(self, body: Sequence[ast.stmt]) -> None:
        table = _STATEMENTS
        frame = self.frame
        assert frame is not None
        for stmt in body:
            handler = table.get(type(stmt))
            if handler is not None:
                handler(self, stmt)
            if frame.terminated:
                break  # after a return/raise: dead code records no events

    def _exec_loop(self, stmt: ast.For | ast.AsyncFor | ast.While) -> None:
        frame = self.frame
        assert frame is not None
        body = block(self.src, stmt.body)
        if isinstance(stmt, ast.While):
            self.eval(stmt.test)
        else:
            iterable = self.eval(stmt.iter)
            elements = _loop_elements(iterable)
            if elements is not None:
                # A known, non-empty list of layers: run the body for each element in
                # turn (`for layer in self.layers: x = layer(x)`).
                for element in elements:
                    self._bind(stmt.target, element)
                    self._exec_block(body)
                    frame.terminated = False
                return
            self._bind(stmt.target, None)
        before = dict(frame.env)
        self._exec_block(body)
        frame.terminated = False  # the body may run zero times
        frame.env = _join_env(before, frame.env)
        if stmt.orelse:
            self._exec_block(block(self.src, stmt.orelse))

    def _exec_with(self, stmt: ast.With | ast.AsyncWith) -> None:
        for item in stmt.items:
            self.eval(item.context_expr)
            if item.optional_vars is not None:
                self._bind(item.optional_vars, None)
        self._exec_block(block(self.src, stmt.body))

    def _exec_try(self, stmt: ast.Try) -> None:
        frame = self.frame
        assert frame is not None
        src = self.src
        before = dict(frame.env)
        self._exec_block(block(src, stmt.body))
        after = dict(frame.env)
        for handler in stmt.handlers:
            frame.env = dict(before)
            frame.terminated = False
            self._exec_block(block(src, handler.body))
            after = _join_env(after, frame.env)
        frame.env = after
        frame.terminated = False  # any statement of the body may raise into a handler
        if stmt.orelse:
            self._exec_block(block(src, stmt.orelse))
        if stmt.finalbody:
            self._exec_block(block(src, stmt.finalbody))

    def _exec_def(self, stmt: FunctionNode) -> None:
        assert self.frame is not None
        self.frame.env[stmt.name] = FunctionRef(stmt, stmt.name)

    def _exec_class(self, stmt: ast.ClassDef) -> None:
        assert self.frame is not None
        self.frame.env.pop(stmt.name, None)

    def _exec_if(self, stmt: ast.If) -> None:
        frame = self.frame
        assert frame is not None
        src = self.src
        if _is_main_guard(stmt.test):
            self._exec_block(block(src, stmt.body))
            return
        self.eval(stmt.test)
        branches = split(stmt.test)
        before = dict(frame.env)
        path = frame.path
        then_env, then_path, then_done = self._exec_branch(
            block(src, stmt.body), branches.then, before, path
        )
        else_env, else_path, else_done = self._exec_branch(
            block(src, stmt.orelse) if stmt.orelse else (), branches.orelse, before, path
        )
        if then_done and not else_done:
            # `if lengths is None: return ...`: the rest runs on the else path only
            frame.env, frame.path = else_env, else_path
        elif else_done and not then_done:
            frame.env, frame.path = then_env, then_path
        else:
            frame.env = _join_env(then_env, else_env, then_path.absent, else_path.absent)
            frame.path = path
            frame.terminated = then_done and else_done

    def _exec_branch(
        self,
        body: Sequence[ast.stmt],
        refinement: Refinement,
        before: dict[str, Value],
        path: Path,
    ) -> tuple[dict[str, Value], Path, bool]:
        """Run one branch of an `if` from ``before``, refined by its test: the env at its
        end, its path, and whether it ended in a return/raise."""
        frame = self.frame
        assert frame is not None
        frame.env = dict(before)
        frame.terminated = False
        frame.path = self._refined(refinement, path)
        self._exec_block(body)
        done = frame.terminated
        frame.terminated = False
        return frame.env, frame.path, done

    def _refined(self, refinement: Refinement, path: Path) -> Path:
        """Enter a branch: strip the padding whose evidence is None there from the env."""
        frame = self.frame
        assert frame is not None
        absent = absent_evidence(self, refinement) - path.absent
        if not absent and refinement.decoding is None:
            return path
        # a copy: what the branch learns must not leak into the other one
        frame.env = {k: without_padding(v, absent) for k, v in frame.env.items()}
        return Path(path.absent | absent, path.decoding or refinement.decoding)

    def _exec_assign(self, stmt: ast.Assign) -> None:
        value = self.eval(stmt.value)
        for target in stmt.targets:
            self._bind(target, value, stmt.value)

    def _exec_ann_assign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self._bind(stmt.target, self.eval(stmt.value), stmt.value)

    def _exec_aug_assign(self, stmt: ast.AugAssign) -> None:
        left = self.eval(stmt.target)
        right = self.eval(stmt.value)
        op = type(stmt.op)
        value = (
            binary(self, stmt, op, left, right, stmt.value)
            if op in _AUG_OPS
            else None
        )
        self._bind(stmt.target, value)

    def _exec_expr(self, stmt: ast.Expr) -> None:
        self.eval(stmt.value)

    def _exec_return(self, stmt: ast.Return) -> None:
        frame = self.frame
        assert frame is not None
        value = self.eval(stmt.value) if stmt.value is not None else None
        frame.returns.append((value, frame.path.absent))
        frame.terminated = True

    def _exec_assert(self, stmt: ast.Assert) -> None:
        self.eval(stmt.test)
        self.eval(stmt.msg)

    def _exec_raise(self, stmt: ast.Raise) -> None:
        self.eval(stmt.exc)  # the `from` clause was never evaluated
        assert self.frame is not None
        self.frame.terminated = True

    def _exec_delete(self, stmt: ast.Delete) -> None:
        for target in stmt.targets:
            self.eval(target)

    def _bind(self, target: ast.expr, value: Value, value_node: ast.expr | None = None) -> None:
        frame = self.frame
        assert frame is not None
        kind = type(target)
        if kind is ast.Name:
            assert isinstance(target, ast.Name)
            name = target.id
            frame.env[name] = value
            if (
                isinstance(value, Tensor)
                and value.role == "mask"
                and value_node is not None
                and value.origin is not None
                and value.origin.node is value_node
            ):
                frame.unread_masks[name] = (value_node, value)
            else:
                frame.unread_masks.pop(name, None)
        elif kind is ast.Tuple or kind is ast.List:
            assert isinstance(target, (ast.Tuple, ast.List))
            elements = target.elts
            items: tuple[Value, ...] | None = None
            if isinstance(value, TupleValue) and len(value.items) == len(elements):
                items = value.items
            elif (
                isinstance(value, Const)
                and isinstance(value.value, tuple)
                and len(value.value) == len(elements)
            ):
                items = tuple(Const(v) for v in value.value)
            for n, el in enumerate(elements):
                if type(el) is ast.Starred:
                    self._bind(el.value, None)
                else:
                    self._bind(el, items[n] if items is not None else None)
        elif kind is ast.Attribute:
            assert isinstance(target, ast.Attribute)
            obj = target.value
            if (
                type(obj) is ast.Name
                and isinstance(frame.env.get(obj.id), SelfRef)
                and frame.unit.class_name is not None
            ):
                attrs = self.class_attrs.setdefault(frame.unit.class_name, {})
                key = target.attr
                if _name_of(frame.unit.node) in ("__init__", "build"):
                    attrs[key] = value if key not in attrs else _join_attr(attrs[key], value)
                elif key not in attrs:
                    attrs[key] = None
            else:
                self.eval(obj)
        elif kind is ast.Subscript:
            assert isinstance(target, ast.Subscript)
            # x[mask == 0] = -1e9: the padded positions are filled with that value
            base = self.eval(target.value)
            for element in _index_elements(target.slice):
                if type(element) is not ast.Slice:
                    self.eval(element)
            if (
                isinstance(base, Tensor)
                and type(target.value) is ast.Name
                and isinstance(value, Const)
                and base.padding is not None
            ):
                fill = fill_of(value)
                frame.env[target.value.id] = base.with_(
                    masked=Evidence(target, ""),
                    padding=Padding(base.padding.evidence, base.padding.side, fill),
                )
        elif kind is ast.Starred:
            pass

    # ------------------------------------------------------------- expressions
    def lookup(self, name: str) -> Value:
        frame = self.frame
        if frame is not None:
            if name in frame.env:
                frame.unread_masks.pop(name, None)
                return frame.env[name]
        if name in self.module_env and (frame is None or frame.unit.key != "<module>"):
            return self.module_env[name]
        if name in self.functions:
            return FunctionRef(self.functions[name], name)
        return None

    def eval(self, node: ast.expr | None) -> Value:
        if node is None:
            return None
        handler = _EXPRESSIONS.get(type(node))
        return handler(self, node) if handler is not None else None

    def _eval_name(self, node: ast.Name) -> Value:
        return self.lookup(node.id)

    def _eval_constant(self, node: ast.Constant) -> Value:
        value = node.value
        if type(value) in (complex, type(Ellipsis)):
            return None  # never modelled: imaginary literals, `...`
        return Const(value)

    def _eval_unary(self, node: ast.UnaryOp) -> Value:
        inner = self.eval(node.operand)
        op = type(node.op)
        if op is ast.USub and isinstance(inner, Const):
            if isinstance(inner.value, (int, float)) and not isinstance(inner.value, bool):
                return Const(-inner.value)
        if op is ast.Invert and isinstance(inner, Tensor):
            return inner.with_(origin=Evidence(node, ""))
        return None

    def _eval_sequence(self, node: ast.Tuple | ast.List) -> Value:
        items = tuple(
            self.eval(e) if type(e) is not ast.Starred else None for e in node.elts
        )
        if items and all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items if isinstance(i, Const)))
        if not items:
            return Const(())
        return TupleValue(items)

    def _eval_binop(self, node: ast.BinOp) -> Value:
        left = self.eval(node.left)
        right = self.eval(node.right)
        return binary(self, node, type(node.op), left, right, node.right)

    def _eval_compare(self, node: ast.Compare) -> Value:
        return comparison(self, node)

    def _eval_lambda(self, node: ast.Lambda) -> Value:
        return FunctionRef(node, "<lambda>")

    def _eval_ifexp(self, node: ast.IfExp) -> Value:
        self.eval(node.test)
        frame = self.frame
        if frame is None:
            return join(self.eval(node.body), self.eval(node.orelse))
        branches = split(node.test)
        env, path = frame.env, frame.path
        values: list[tuple[Value, Path]] = []
        for refinement, expr in ((branches.then, node.body), (branches.orelse, node.orelse)):
            frame.path = self._refined(refinement, path)
            values.append((self.eval(expr), frame.path))
            frame.env = env
        frame.path = path
        (a, pa), (b, pb) = values
        return join(vacuous(a, b, pa.absent), vacuous(b, a, pb.absent))

    def _eval_boolop(self, node: ast.BoolOp) -> Value:
        for value in node.values:
            self.eval(value)
        return None

    def _eval_nothing(self, node: ast.expr) -> Value:
        return None

    def _eval_dict(self, node: ast.Dict) -> Value:
        for key, value in zip(node.keys, node.values):
            if key is not None:  # `**other` entries were never evaluated
                self.eval(value)
        return None

    def _eval_named(self, node: ast.NamedExpr) -> Value:
        value = self.eval(node.value)
        self._bind(node.target, value)
        return value

    def _eval_comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> Value:
        frame = self.frame
        if frame is None:
            return None
        saved = dict(frame.env)
        for comp in node.generators:
            self.eval(comp.iter)
            self._bind(comp.target, None)
        item = self.eval(node.elt)
        frame.env = saved
        return ListOf(item)

    def _eval_attribute(self, node: ast.Attribute) -> Value:
        obj = node.value
        attr = node.attr
        q = self.facts.qualname(node)
        if q in _INFINITIES:
            return Const(_INFINITIES[q])
        if (
            type(obj) is ast.Call
            and self.facts.qualname(obj.func) in ("torch.finfo", "numpy.finfo", "torch.iinfo")
            and attr in ("min", "max")
        ):
            return Const(-3.4e38 if attr == "min" else 3.4e38)
        if attr in lib.SHAPE_ATTRIBUTES:
            self._reads_shape_only(obj)
        base = self.eval(obj)
        if isinstance(base, SelfRef):
            return self.class_attrs.get(base.class_name, {}).get(attr)
        if isinstance(base, Tensor):
            if attr == "shape":
                return ShapeOf(base, node)
            if attr == "T" and base.rank == 2:
                return permute(base, (1, 0), node, self)
            if attr in ("data", "mT"):
                return base
        if isinstance(base, TupleValue) and attr in ("values", "indices") and base.items:
            # torch.max(x, dim) returns (values, indices)
            return base.items[0] if attr == "values" else base.items[-1]
        return None

    def _eval_subscript(self, node: ast.Subscript) -> Value:
        base = self.eval(node.value)
        items = tuple(self._index_item(el) for el in _index_elements(node.slice))
        if isinstance(base, ShapeOf) and len(items) == 1 and items[0][0] == "int":
            return DimOf(base.tensor, items[0][1], node)
        if isinstance(base, TupleValue) and len(items) == 1 and items[0][0] == "int":
            k: int = items[0][1]
            if -len(base.items) <= k < len(base.items):
                item: Value = base.items[k]
                return item
            return None
        if isinstance(base, Const) and isinstance(base.value, tuple):
            if len(items) == 1 and items[0][0] == "int":
                try:
                    return Const(base.value[items[0][1]])
                except IndexError:
                    return None
            return None
        if isinstance(base, Tensor):
            fact = SubscriptFact(node, base, items)
            frame = self.frame
            if frame is not None and frame.path.decoding is not None and takes_end_of_time(fact):
                # a cached-decoding step slices the newest step of every row
                fact = SubscriptFact(node, stepped(base), items)
                if type(node.value) is ast.Name and frame.env.get(node.value.id) is base:
                    frame.env[node.value.id] = fact.base
            if node not in self.shape_reads:
                self.record("subscripts", fact)  # the values of the base are read
            return subscript(self, fact)
        return None

    def _reads_shape_only(self, node: ast.expr) -> None:
        """``node``'s value gives only a shape, dtype or device: a subscript there reads no
        values of its base."""
        if type(node) is ast.Subscript:
            self.shape_reads.add(node)

    def _index_item(self, v: ast.expr) -> tuple[Any, ...]:
        if type(v) is ast.Slice:
            assert isinstance(v, ast.Slice)
            parts: list[int | str | None] = []
            for part in (v.lower, v.upper, v.step):
                if part is None:
                    parts.append(None)
                    continue
                val = self.eval(part)
                if isinstance(val, Const) and isinstance(val.value, int):
                    parts.append(val.value)
                else:
                    parts.append("?")
            return ("slice", *parts)
        if type(v) is ast.Constant:
            c = v.value
            if c is Ellipsis:
                return ("ellipsis",)
            if c is None:
                return ("newaxis",)
        val = self.eval(v)
        if isinstance(val, Const) and isinstance(val.value, int):
            return ("int", val.value)
        if isinstance(val, Tensor):
            return ("tensor", val)
        return ("other",)

    # ------------------------------------------------------------------- calls
    def _eval_call(self, node: ast.Call) -> Value:
        func = node.func
        if (
            type(func) is ast.Name
            and func.id in ("float", "int")
            and len(node.args) + len(node.keywords) == 1
            and func.id not in self.module_env
        ):
            only = node.args[0] if node.args else node.keywords[0].value
            if type(only) is ast.Starred:
                only = only.value
            arg = self.eval(only)
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
            self.frame is not None and head.id in self.frame.env
        ):
            qualname = self.facts.qualname(func)
        if type(func) is ast.Attribute and func.attr in lib.SHAPE_METHODS:
            self._reads_shape_only(func.value)  # x[:, -1:].new_zeros(...)
        if node.args and (
            qualname in lib.SHAPE_READERS
            or (type(func) is ast.Name and func.id == "len" and qualname is None
                and not (self.frame is not None and "len" in self.frame.env))
        ):
            self._reads_shape_only(node.args[0])  # zeros_like(x[:, -1:]), len(x[0])
        receiver: Value = None
        method: str | None = None
        callee: Value = None
        if type(func) is ast.Attribute:
            receiver = self.eval(func.value)
            method = func.attr
        else:
            callee = self.eval(func)
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        for a in node.args:
            if type(a) is ast.Starred:
                self.eval(a.value)
                args.append(None)
            else:
                args.append(self.eval(a))
        for k in node.keywords:
            if k.arg is None:  # `**kwargs` counted as an unknown positional, as it always was
                self.eval(k.value)
                args.append(None)
            else:
                kwargs.append((k.arg, self.eval(k.value)))
        fact = CallFact(node, qualname, tuple(args), tuple(kwargs), receiver, method)
        self.record("calls", fact)
        return call(self, fact, callee)

    # ----------------------------------------------------- calls into the file
    def bind_call(
        self,
        key: str,
        params: tuple[str, ...],
        skip_self: bool,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
    ) -> None:
        """Record the argument values a call site passes to a unit of this file."""
        names = params[1:] if skip_self else params
        values: dict[str, Value] = {}
        for n, v in zip(names, args):
            values[n] = v
        for k, v in kwargs:
            if k in names:
                values[k] = v
        old = self.bindings.get(key)
        if old is None:
            new = values
        else:
            new = {}
            for n in set(old) | set(values):
                new[n] = join(old.get(n), values.get(n))
        if new != old:
            self.bindings[key] = new
            self.changed = True

    def call_unit(
        self,
        key: str,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
        skip_self: bool,
    ) -> Value:
        unit = self.units.get(key)
        if unit is None:
            return None
        self.bind_call(key, unit.params, skip_self, args, kwargs)
        return self.returns.get(key)

    def class_method_key(self, class_name: str, method: str) -> str | None:
        key = f"{class_name}.{method}"
        if key in self.units:
            return key
        cls = self.classes.get(class_name)
        if cls is None:
            return None
        # Inherit from a base class defined in this file.
        for base in cls.bases:
            name = dotted(base)
            if name and name in self.classes and name != class_name:
                found = self.class_method_key(name, method)
                if found:
                    return found
        return None

    def record(self, kind: str, event: Any) -> None:
        self.current[kind].append(event)

    def division(self, node: ast.AST, num: Value, den: Value, den_node: ast.expr) -> None:
        self.record("divisions", Division(node, num, den, den_node))


_AUG_OPS = frozenset({ast.Mult, ast.Div, ast.Add, ast.Sub})

_STATEMENTS: dict[type, Callable[[Interpreter, Any], None]] = {
    ast.Assign: Interpreter._exec_assign,
    ast.AnnAssign: Interpreter._exec_ann_assign,
    ast.AugAssign: Interpreter._exec_aug_assign,
    ast.Expr: Interpreter._exec_expr,
    ast.Return: Interpreter._exec_return,
    ast.Assert: Interpreter._exec_assert,
    ast.Raise: Interpreter._exec_raise,
    ast.Delete: Interpreter._exec_delete,
    ast.If: Interpreter._exec_if,
    ast.For: Interpreter._exec_loop,
    ast.AsyncFor: Interpreter._exec_loop,
    ast.While: Interpreter._exec_loop,
    ast.With: Interpreter._exec_with,
    ast.AsyncWith: Interpreter._exec_with,
    ast.Try: Interpreter._exec_try,
    ast.FunctionDef: Interpreter._exec_def,
    ast.AsyncFunctionDef: Interpreter._exec_def,
    ast.ClassDef: Interpreter._exec_class,
}

_EXPRESSIONS: dict[type, Callable[[Interpreter, Any], Value]] = {
    ast.Name: Interpreter._eval_name,
    ast.Constant: Interpreter._eval_constant,
    ast.UnaryOp: Interpreter._eval_unary,
    ast.Tuple: Interpreter._eval_sequence,
    ast.List: Interpreter._eval_sequence,
    ast.Attribute: Interpreter._eval_attribute,
    ast.Subscript: Interpreter._eval_subscript,
    ast.Call: Interpreter._eval_call,
    ast.BinOp: Interpreter._eval_binop,
    ast.Compare: Interpreter._eval_compare,
    ast.Lambda: Interpreter._eval_lambda,
    ast.IfExp: Interpreter._eval_ifexp,
    ast.BoolOp: Interpreter._eval_boolop,
    ast.ListComp: Interpreter._eval_comprehension,
    ast.GeneratorExp: Interpreter._eval_comprehension,
    ast.Dict: Interpreter._eval_dict,
    ast.NamedExpr: Interpreter._eval_named,
}


def _index_elements(index: ast.expr) -> list[ast.expr]:
    """The comma-separated items of a subscript (``x[a, 1:2]`` has two)."""
    return index.elts if type(index) is ast.Tuple else [index]


MAX_UNROLL = 8


def _loop_elements(iterable: Value) -> tuple[Value, ...] | None:
    """The elements a for loop visits, when the file shows them (a list of layers)."""
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
    if isinstance(iterable, ListOf) and isinstance(iterable.item, Layer):
        return (iterable.item, iterable.item)
    if isinstance(iterable, TupleValue) and iterable.items and len(iterable.items) <= MAX_UNROLL:
        if all(isinstance(i, Layer) for i in iterable.items):
            return iterable.items
    if (
        isinstance(iterable, Const)
        and isinstance(iterable.value, tuple)
        and 0 < len(iterable.value) <= MAX_UNROLL
    ):
        return tuple(Const(v) for v in iterable.value)  # `for units in [64, 32]:`
    return None


def _join_env(
    a: dict[str, Value],
    b: dict[str, Value],
    a_absent: frozenset[Evidence] = frozenset(),
    b_absent: frozenset[Evidence] = frozenset(),
) -> dict[str, Value]:
    """The env after two paths meet. A path where some padding evidence is None (``if mask
    is None:``) has nothing to say about that padding: the other path's padding stands."""
    out: dict[str, Value] = {}
    for k in set(a) | set(b):
        if k in a and k in b:
            va, vb = a[k], b[k]
            out[k] = join(vacuous(va, vb, a_absent), vacuous(vb, va, b_absent))
        else:
            out[k] = None
    return out


def _join_returns(returns: list[tuple[Value, frozenset[Evidence]]]) -> Value:
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


def _join_attr(old: Value, new: Value) -> Value:
    if isinstance(old, Layer) and isinstance(new, Layer) and old.qualname == new.qualname:
        return old if old == new else None
    return join(old, new)


def _all_params(args: ast.arguments) -> list[tuple[ast.arg, ast.expr | None]]:
    """Every parameter but ``**kwargs``, in order, with its default (or None)."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    out = list(zip(positional, defaults))
    if args.vararg is not None:
        out.append((args.vararg, None))
    out.extend(zip(args.kwonlyargs, args.kw_defaults))
    return out


def _name_of(node: ast.AST) -> str | None:
    return node.name if isinstance(node, FUNCTIONS) else None


def _is_static(fn: FunctionNode) -> bool:
    return any(type(d) is ast.Name and d.id == "staticmethod" for d in fn.decorator_list)


def _is_none(node: ast.expr) -> bool:
    return type(node) is ast.Constant and node.value is None


def _is_plain_literal(node: ast.expr | None) -> bool:
    """A number, a string or True/False: a default the analysis takes as the value."""
    return type(node) is ast.Constant and type(node.value) in (int, float, str, bytes, bool)


def _is_main_guard(test: ast.expr) -> bool:
    return (
        type(test) is ast.Compare
        and type(test.left) is ast.Name
        and test.left.id == "__name__"
    )


def _callee_name(func: ast.expr) -> str:
    kind = type(func)
    if kind is ast.Attribute:
        return func.attr  # type: ignore[attr-defined, no-any-return]
    if kind is ast.Name:
        return func.id  # type: ignore[attr-defined, no-any-return]
    return ""


class _RoleScan:
    """Names used as lengths or masks by how the function uses them."""

    def __init__(self) -> None:
        self.roles: dict[str, str] = {}

    def scan(self, fn: FunctionNode) -> None:
        for node in walk(fn.body, into_scopes=False):
            kind = type(node)
            if kind is ast.Call:
                self.visit_call(node)  # type: ignore[arg-type]
            elif kind is ast.Compare:
                self.visit_compare(node)  # type: ignore[arg-type]

    def visit_call(self, node: ast.Call) -> None:
        name = _callee_name(node.func)
        if name not in ("pack_padded_sequence", "sequence_mask", "masked_fill"):
            return
        # positional as the scan always read them: `*a` and `**kw` included, in order
        args = [a.value if type(a) is ast.Starred else a for a in node.args]
        args += [k.value for k in node.keywords if k.arg is None]
        kw = {k.arg: k.value for k in node.keywords if k.arg is not None}
        if name == "pack_padded_sequence":
            self._mark(kw.get("lengths") or (args[1] if len(args) > 1 else None), "lengths")
        elif name == "sequence_mask":
            self._mark(kw.get("lengths") or (args[0] if args else None), "lengths")
        elif args:
            self._mark(args[0], "mask")

    def visit_compare(self, node: ast.Compare) -> None:
        # arange(T)[None, :] < n[:, None]: n holds lengths
        sides = [node.left, *node.comparators]
        if not any(_calls_arange(side) for side in sides):
            return
        for side in sides:
            if not _calls_arange(side):
                self._mark(side, "lengths")

    def _mark(self, v: ast.expr | None, role: str) -> None:
        if v is None:
            return
        while True:
            if isinstance(v, ast.UnaryOp):
                v = v.operand
            elif isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute):
                v = v.func.value  # lengths.cpu(), mask.unsqueeze(1)
            elif isinstance(v, ast.Subscript):
                v = v.value
            else:
                break
        if type(v) is ast.Name:
            self.roles.setdefault(v.id, role)


def _passes_mask(src: Any, cls: ast.ClassDef) -> bool:
    """`supports_masking = True` or a `compute_mask` method: Keras hands the mask on."""
    for node in statements(src, block(src, cls.body)):
        if isinstance(node, FUNCTIONS) and node.name == "compute_mask":
            return True
        if (
            type(node) is ast.Assign
            and type(node.value) is ast.Constant
            and node.value.value is True
        ):
            for target in node.targets:
                if _callee_name(target) == "supports_masking":
                    return True
    return False


def _name_counts(fn: ast.AST, wanted: frozenset[str]) -> dict[str, int]:
    """How often each of ``wanted`` occurs as an identifier anywhere in ``fn``.

    Every place an identifier is written counts (a name, an attribute, a keyword argument, a
    parameter, an imported or defined name), as the check has always counted them.
    """
    counts: dict[str, int] = {}

    def count(name: str | None) -> None:
        if name in wanted:
            counts[name] = counts.get(name, 0) + 1

    for node in walk(fn):
        kind = type(node)
        if kind is ast.Name:
            count(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            count(node.attr)  # type: ignore[attr-defined]
        elif kind is ast.keyword or kind is ast.arg:
            count(node.arg)  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            count(node.name)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler:
            count(node.name)  # type: ignore[attr-defined]
        elif kind is ast.alias:
            for part in node.name.split("."):  # type: ignore[attr-defined]
                count(part)
            count(node.asname)  # type: ignore[attr-defined]
        elif kind is ast.Global or kind is ast.Nonlocal:
            for name in node.names:  # type: ignore[attr-defined]
                count(name)
    return counts


def _calls_arange(node: ast.expr) -> bool:
    while type(node) in (ast.Subscript, ast.Attribute):
        node = node.value  # type: ignore[attr-defined]
    if type(node) is ast.Call:
        f = node.func
        if _callee_name(f) in ("arange", "range"):
            return True
        return type(f) is ast.Attribute and _calls_arange(f.value)
    return False


def _usage_roles(fn: FunctionNode) -> dict[str, str]:
    scan = _RoleScan()
    scan.scan(fn)
    return scan.roles


__all__ = ["Interpreter"]
