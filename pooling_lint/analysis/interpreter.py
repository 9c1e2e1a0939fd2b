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
from typing import Any

from pooling_lint.analysis import branches, choices, project
from pooling_lint.analysis import library as lib
from pooling_lint.analysis.branches import Path, Refinement, absent_evidence, split, without_padding
from pooling_lint.analysis.connections import Connection, scan_connections
from pooling_lint.analysis.expressions import EXPRESSIONS
from pooling_lint.analysis.facts import (
    EventLog,
    FileFacts,
    Reduction,
    UnusedMask,
)
from pooling_lint.analysis.flows import iterated, loop_item
from pooling_lint.analysis.hf import assign_padding_side
from pooling_lint.analysis.indexing import index_elements
from pooling_lint.analysis.keras_models import keras_classes
from pooling_lint.analysis.layout import BTF
from pooling_lint.analysis.lengths import note_untraced
from pooling_lint.analysis.lightning import feed_steps, lightning_modules
from pooling_lint.analysis.names import dotted
from pooling_lint.analysis.operators import binary
from pooling_lint.analysis.pad_loops import fill_rows, filled_in_loop, fitted, pad_aug_assign
from pooling_lint.analysis.padding import fill_of, padded_as
from pooling_lint.analysis.project import module_names, seed_inbound
from pooling_lint.analysis.reductions import record_division
from pooling_lint.analysis.scopes import (
    MISSING as _MISSING,
)
from pooling_lint.analysis.scopes import (
    Frame,
    FunctionNode,
    Unit,
    all_params,
    assign_self_attr,
    default_value,
    is_main_guard,
    is_none,
    is_static,
    join_env,
    join_returns,
    loop_elements,
    named_role,
)
from pooling_lint.analysis.usage import RoleLines, name_counts, passes_mask
from pooling_lint.analysis.values import (
    Const,
    DimOf,
    Evidence,
    FunctionRef,
    Padding,
    Role,
    SelfRef,
    ShapeOf,
    Tensor,
    TupleValue,
    Value,
    join_call_sites,
    same,
)
from pooling_lint.analysis.walk import FUNCTIONS, block

MAX_ROUNDS = 6


class Interpreter:
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.tree = facts.tree
        self.src = facts.source
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.units: dict[str, Unit] = {}
        self._roles: dict[str, dict[str, Role]] = {}
        self._role_lines: RoleLines | None = None
        self._links: dict[str, dict[str, Connection]] = {}
        #: locals of the running unit that a mask/lengths is shown to go with
        self.frame_links: dict[str, Connection] = {}
        #: mask/lengths name -> the padding evidence its connections gave (branch refinement)
        self.link_evidence: dict[str, frozenset[Evidence]] = {}
        self.bindings: dict[str, dict[str, Value]] = {}
        self.class_attrs: dict[str, dict[str, Value]] = {}
        self.attr_sites: dict[tuple[str, str], dict[int, Value]] = {}  # scopes.set_attr
        self.returns: dict[str, Value] = {}
        self.module_env: dict[str, Value] = {}
        self.events: dict[str, EventLog] = {}
        self.log = EventLog()  # the recorder of the unit that runs
        self.frame: Frame | None = None
        self.changed = False
        #: subscripts whose result only gives a shape, dtype or device (`zeros_like(x[:, -1:])`)
        self.shape_reads: set[ast.AST] = set()
        #: padding of the data fed to a graph input (fit/predict, feed_dict): input node id ->
        #: Padding (analysis/feeds.py)
        self.fed: dict[str, Padding] = {}
        self._reads: dict[tuple[str, str, str], object] = {}  # the running unit's reads
        self._reads_of: dict[str, dict[tuple[str, str, str], object]] = {}
        self.inlining: set[str] = set()  # the helpers running inline now (analysis/inline.py)
        self.sums: dict[int, tuple[Value, Reduction]] = {}  # a sum: id(result) -> result, event

    # ------------------------------------------------------------------ driver
    def run(self) -> None:
        self._collect_units(self.tree.body, prefix="", class_name=None)
        # Classes that hand a Keras mask on: `supports_masking = True` or a compute_mask().
        self.mask_passing = {n for n, c in self.classes.items() if passes_mask(self.src, c)}
        self.keras_layers = keras_classes(self.facts, self.classes)
        seed_inbound(self)
        order = ["<module>"] + [k for k in self.units if k != "<module>"]
        self.units["<module>"] = Unit("<module>", self.tree)
        lightning = lightning_modules(self)
        for _ in range(MAX_ROUNDS):
            self.changed = False
            if lightning:
                feed_steps(self, lightning)  # a module's loader hooks feed its step hooks
            for key in order:
                # __init__ first within a class so that self attributes exist for the others
                self._run_unit(self.units[key])
            if not self.changed:
                break
        for key in order:
            recorded = self.events.get(key)
            if recorded is None:
                continue
            self.facts.extend(recorded)

    def _collect_units(self, body: Sequence[ast.stmt], prefix: str, class_name: str | None) -> None:
        for stmt in body:
            kind = type(stmt)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                assert isinstance(stmt, FUNCTIONS)
                key = f"{prefix}{stmt.name}"
                params = tuple(p.arg for p, _ in all_params(stmt.args))
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
                    params = tuple(p.arg for p, _ in all_params(m.args))
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
        reads = self._reads_of.get(unit.key)
        if reads is not None and all(same(self._current(k), v) for k, v in reads.items()):
            # Everything this unit read is as it was: a run would repeat the last one (same
            # events, same return value, same writes, which joins make idempotent).
            return
        self._reads = {}
        self._reads_of[unit.key] = self._reads
        self.log = EventLog()
        self.frame_links = {}
        self.link_evidence = {}
        if isinstance(unit.node, ast.Module):
            frame = Frame(unit, module_names(self))
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
            counts = name_counts(unit.node, frozenset(frame.unread_masks))
            for name, (node, value) in frame.unread_masks.items():
                if counts.get(name, 0) <= 1:
                    self.log.unused_mask(UnusedMask(node, name, value))
        ret = join_returns(frame.returns)
        project.feed_returned_model(self, unit.key, ret)
        if self.returns.get(unit.key, _MISSING) != ret:
            self.returns[unit.key] = ret
            self.changed = True
        self.events[unit.key] = self.log
        self.frame = None

    # ------------------------------------------------------------ entry state
    def _entry_env(self, unit: Unit) -> dict[str, Value]:
        fn = unit.node
        assert isinstance(fn, FUNCTIONS)
        env: dict[str, Value] = {}
        bound = self.bindings.get(unit.key, {})
        self._reads.setdefault(("bindings", unit.key, ""), bound)
        params = all_params(fn.args)
        # _entry_env runs once per analysis round: scan each function once per file.
        roles = self._roles.get(unit.key)
        if roles is None:
            if self._role_lines is None:
                self._role_lines = RoleLines(self.src)
            roles = self._roles[unit.key] = self._role_lines.roles(fn)
        is_method = unit.class_name is not None and not is_static(fn)
        names = [p.arg for p, _ in params]
        for i, (p, default) in enumerate(params):
            name = p.arg
            if is_method and i == 0:
                env[name] = SelfRef(unit.class_name or "")
                continue
            env[name] = None  # every parameter is a local: it shadows imports of that name
            if name in bound:
                env[name] = bound[name]
            elif (value := default_value(default, self.module_env)) is not None:
                env[name] = value
            # A name gives a value its role (so the mask itself is not "pooled"), never the
            # padding of other values: that comes from connections (analysis/connections.py).
            role = roles.get(name)
            if role is None and name in lib.LENGTH_NAMES:
                role = Role.LENGTHS
            if role is None and name in lib.MASK_NAMES:
                role = Role.MASK
            if role is not None:
                roles = {**roles, name: role}
                ev = Evidence(p, f"the `{name}` parameter")
                env[name] = named_role(env.get(name), role, ev)
        links = self._links.get(unit.key)
        if links is None:
            links, masked_reads = scan_connections(fn, roles, frozenset(names))
            self._links[unit.key] = links
            self.facts.masked_reads |= masked_reads
            for c in links.values():  # for the fixes: which mask/lengths, in which function
                self.facts.connection_scopes.setdefault(c.node, (c.by, fn))
        self.frame_links = {n: c for n, c in links.items() if n not in names}
        by_mask: dict[str, set[Evidence]] = {}
        for c in links.values():
            by_mask.setdefault(c.by, set()).add(Evidence(c.node, ""))
        self.link_evidence = {k: frozenset(v) for k, v in by_mask.items()}
        keras_call = unit.class_name in self.keras_layers and fn.name == "call"
        for i, (q, default) in enumerate(params):
            name = q.arg
            if (is_method and i == 0) or name in roles:
                continue
            if default is not None and not is_none(default):
                continue  # `training=False`, `dim=1`: not a tensor input
            link = links.get(name)
            no_mask = bound.get("mask") == Const(None)  # calls.keras_passed_mask: none passed
            if keras_call and "mask" in names and i == (1 if is_method else 0) and not no_mask:
                # Keras calls a layer's call(inputs, mask=...) with the mask of `inputs`.
                ev = Evidence(q, "the mask Keras passes with `inputs`")
                env[name] = padded_as(env.get(name), ev, BTF)
                passed = bound.get("mask")  # analysis/calls.py keras_passed_mask
                described = {ev}
                if isinstance(passed, Tensor) and passed.origin is not None:
                    described.add(passed.origin)  # the input's padding, which that mask shows
                self.link_evidence = {
                    **self.link_evidence,
                    "mask": self.link_evidence.get("mask", frozenset()) | described,
                }
            elif link is not None:
                env[name] = padded_as(env.get(name), Evidence(link.node, ""), link.layout)
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
        body, iterable = block(self.src, stmt.body), None
        if isinstance(stmt, ast.While):
            self.eval(stmt.test)
        else:
            iterable = iterated(self, self.eval(stmt.iter))
            elements = loop_elements(iterable, self.keras_layers)
            if elements is not None:
                # A known, non-empty list of layers: run the body for each element in
                # turn (`for layer in self.layers: x = layer(x)`).
                for element in elements:
                    self.bind(stmt.target, element)
                    self._exec_block(body)
                    frame.terminated = False
                return
            # `for batch in DataLoader(..., collate_fn=...)`, over a generator, enumerate(...)
            self.bind(stmt.target, loop_item(iterable))
        before = dict(frame.env)
        self._exec_block(body)
        frame.terminated = False  # the body may run zero times
        after = frame.env
        frame.env = join_env(before, after)
        frame.env.update(filled_in_loop(before, after, stmt, iterable))
        if stmt.orelse:
            self._exec_block(block(self.src, stmt.orelse))

    def _exec_with(self, stmt: ast.With | ast.AsyncWith) -> None:
        for item in stmt.items:
            self.eval(item.context_expr)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, None)
        self._exec_block(block(self.src, stmt.body))

    def _exec_try(self, stmt: ast.Try) -> None:
        frame = self.frame
        assert frame is not None
        src = self.src
        before = dict(frame.env)
        self._exec_block(block(src, stmt.body))
        after = dict(frame.env)
        for handler in branches.live_handlers(self, stmt, before):
            frame.env = dict(before)
            frame.terminated = False
            self._exec_block(block(src, handler.body))
            after = join_env(after, frame.env)
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
        truth = True if is_main_guard(stmt.test) else branches.static_truth(self, stmt.test)
        if truth is not None:  # `__main__`, or decided for the modelled values: one branch runs
            self._exec_block(block(src, stmt.body if truth else stmt.orelse))
            return
        self.eval(stmt.test)
        tests = split(stmt.test)
        before = dict(frame.env)
        path = frame.path
        then_env, then_path, then_done = self._exec_branch(
            block(src, stmt.body), tests.then, before, path
        )
        else_env, else_path, else_done = self._exec_branch(
            block(src, stmt.orelse) if stmt.orelse else (), tests.orelse, before, path
        )
        if then_done and not else_done:
            # `if lengths is None: return ...`: the rest runs on the else path only
            frame.env, frame.path = else_env, else_path
        elif else_done and not then_done:
            frame.env, frame.path = then_env, then_path
        else:
            frame.env = join_env(then_env, else_env, then_path.absent, else_path.absent)
            frame.env.update(fitted(stmt.test, then_env, else_env, stmt, self.eval))
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
        frame.path = self.refined(refinement, path)
        self._exec_block(body)
        done = frame.terminated
        frame.terminated = False
        return frame.env, frame.path, done

    def refined(self, refinement: Refinement, path: Path) -> Path:
        """Enter a branch: the path it adds to ``path``; the padding whose evidence is None
        there is stripped from (a copy of) the env."""
        frame = self.frame
        assert frame is not None
        absent = absent_evidence(frame.env, refinement, self.link_evidence) - path.absent
        if not absent and refinement.decoding is None:
            return path
        # a copy: what the branch learns must not leak into the other one
        frame.env = {k: without_padding(v, absent) for k, v in frame.env.items()}
        return Path(path.absent | absent, path.decoding or refinement.decoding)

    def _exec_assign(self, stmt: ast.Assign) -> None:
        value = self.eval(stmt.value)
        for target in stmt.targets:
            self.bind(target, value, stmt.value)

    def _exec_ann_assign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self.bind(stmt.target, self.eval(stmt.value), stmt.value)

    def _exec_aug_assign(self, stmt: ast.AugAssign) -> None:
        left = self.eval(stmt.target)
        right = self.eval(stmt.value)
        op = type(stmt.op)
        value = binary(self, stmt, op, left, right, stmt.value) if op in _AUG_OPS else None
        self.bind(stmt.target, pad_aug_assign(stmt) or value)

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

    def bind(self, target: ast.expr, value: Value, value_node: ast.expr | None = None) -> None:
        frame = self.frame
        assert frame is not None
        kind = type(target)
        if kind is ast.Name:
            assert isinstance(target, ast.Name)
            name = target.id
            link = self.frame_links.get(name)
            if link is not None and (value is None or isinstance(value, Tensor)):
                value = padded_as(value, Evidence(link.node, ""), link.layout)
            frame.env[name] = value
            if (
                isinstance(value, Tensor)
                and value.role == Role.MASK
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
            items = choices.unpack(value, len(elements))  # `a, b, c = TABLE[t]`
            if isinstance(value, TupleValue) and len(value.items) == len(elements):
                items = value.items
            elif (
                isinstance(value, Const)
                and isinstance(value.value, tuple)
                and len(value.value) == len(elements)
            ):
                items = tuple(Const(v) for v in value.value)
            elif isinstance(value, ShapeOf) and value.tensor.rank == len(elements):
                # `b, t, h = x.size()`: each name is one of x's own sizes
                items = tuple(DimOf(value.tensor, k, value.node) for k in range(len(elements)))
            for n, el in enumerate(elements):
                if type(el) is ast.Starred:
                    self.bind(el.value, None)
                else:
                    self.bind(el, items[n] if items is not None else None)
        elif kind is ast.Attribute:
            assert isinstance(target, ast.Attribute)
            obj = target.value
            if target.attr == "padding_side" and assign_padding_side(self, obj, value):
                pass  # `tok.padding_side = "left"`, `self.tok.padding_side = ...`
            elif type(obj) is ast.Name and assign_self_attr(self, obj.id, target, value):
                pass  # `self.x = v` in a method, `cls.x = v` in a helper given `self`
            else:
                self.eval(obj)
        elif kind is ast.Subscript:
            assert isinstance(target, ast.Subscript)
            # x[mask == 0] = -1e9: the padded positions are filled with that value
            base = self.eval(target.value)
            for element in index_elements(target.slice):
                if type(element) is not ast.Slice:
                    self.eval(element)
            filled = fill_rows(self, target, base) if type(target.value) is ast.Name else None
            if filled is not None and type(target.value) is ast.Name:
                frame.env[target.value.id] = filled  # arr[i, :len(s)] = s
            elif (
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
        if frame is None or frame.unit.key != "<module>":
            found = self.read_module(name)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
        if name in self.functions:
            return FunctionRef(self.functions[name], name)
        return None

    def eval(self, node: ast.expr | None) -> Value:
        if node is None:
            return None
        handler = EXPRESSIONS.get(type(node))
        return handler(self, node) if handler is not None else None

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
                new[n] = join_call_sites(old.get(n), values.get(n))
        note_untraced(self, values, old, new)
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
        return self.read_return(key)

    def run_aside(self, unit: Unit) -> Value:
        """Run ``unit`` from its bindings as a call inside the running unit, whose state
        analysis/inline.py keeps and restores: the join of its returns."""
        read = ("bindings", unit.key, "")
        had = read in self._reads
        self.frame = frame = Frame(unit, self._entry_env(unit))
        self._exec_block(self._body(unit.node))  # type: ignore[arg-type]
        if not had:
            self._reads.pop(read, None)  # these bindings are this call's, not the unit's
        return join_returns(frame.returns)

    # -------------------------------------------- what a unit reads of shared state
    # A unit is re-run in a later round only if something it read has changed since.
    def read_return(self, key: str) -> Value:
        """The return value of unit ``key`` so far (None before it ran)."""
        value = self.returns.get(key)
        self._reads.setdefault(("return", key, ""), value)
        return value

    def read_class_attr(self, class_name: str, attr: str) -> Value:
        """``self.<attr>`` of a class of this file, as its ``__init__``/``build`` set it."""
        value = self.class_attrs.get(class_name, {}).get(attr)
        self._reads.setdefault(("attr", class_name, attr), value)
        return value

    def read_fed(self, key: str) -> Padding | None:
        """The padding of the data fed to the graph input ``key`` so far (analysis/feeds.py)."""
        value = self.fed.get(key)
        self._reads.setdefault(("fed", key, ""), value)
        return value

    def read_module(self, name: str) -> object:
        """A module-level binding seen from a function (``_MISSING`` if there is none)."""
        value = self.module_env.get(name, _MISSING)
        self._reads.setdefault(("module", name, ""), value)
        return value

    def _current(self, key: tuple[str, str, str]) -> object:
        kind, a, b = key
        if kind == "return":
            return self.returns.get(a)
        if kind == "attr":
            return self.class_attrs.get(a, {}).get(b)
        if kind == "module":
            return self.module_env.get(a, _MISSING)
        if kind == "fed":
            return self.fed.get(a)
        return self.bindings.get(a, {})

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

    def division(self, node: ast.AST, num: Value, den: Value, den_node: ast.expr) -> None:
        record_division(self, node, num, den, den_node)


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


__all__ = ["Interpreter"]
