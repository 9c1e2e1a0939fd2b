"""FileFacts: everything the analysis learned about one file, queried by the rules.

The interpreter records *events* as it walks each function: a reduction over an axis, a
subscript of a tracked tensor, a layer applied to a value, a division, a dropped Keras mask.
Each event carries the abstract values at that point, so a rule only asks questions
("is the operand padded? is the axis its time axis?") and never re-derives facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from pooling_lint.analysis.names import ImportTable, collect_imports, resolve
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.values import Evidence, Layer, Tensor, Value
from pooling_lint.diagnostics import Edit, Location


@dataclass(frozen=True)
class CallFact:
    """A call with its callee resolved to a canonical qualified name (or None) and its
    arguments' abstract values."""

    node: ast.Call
    qualname: str | None
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    receiver: Value = None  # for method calls `x.f(...)`: the value of `x`
    method: str | None = None  # the attribute name of a method call

    def kwarg(self, name: str) -> Value:
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def has_kwarg(self, name: str) -> bool:
        return any(k.arg == name for k in self.node.keywords)

    def arg_node(self, index: int, name: str | None = None) -> ast.expr | None:
        """The expression passed as keyword ``name``, else as the ``index``-th positional."""
        if name is not None:
            for k in self.node.keywords:
                if k.arg == name:
                    return k.value
        positional = [a for a in self.node.args if type(a) is not ast.Starred]
        return positional[index] if 0 <= index < len(positional) else None


@dataclass(frozen=True)
class Reduction:
    """A reduction over one axis: mean/sum/max/min/softmax/logsumexp.

    ``api`` is how the user spelled it (``tf.reduce_mean``, ``x.mean``, ``GlobalMaxPooling1D``).
    ``axis`` is normalised to a non-negative int when the operand's rank is known, and is None
    when the reduction covers all axes or the axis is unknown.
    """

    node: ast.AST
    op: str
    api: str
    operand: Tensor
    axis: int | None
    operand_node: ast.AST | None = None
    layer: Layer | None = None
    has_mask_arg: bool = False
    pool_size: int | None = None  # window pools; None for a global reduction


@dataclass(frozen=True)
class SubscriptFact:
    """``base[index]`` reads values of ``base``, a tracked tensor. (A subscript whose result
    only gives a shape, dtype or device, ``zeros_like(x[:, -1:])``, reads none and is not
    recorded.)

    ``items`` describe the index per position: ``("int", k)``, ``("slice", lo, hi, step)``,
    ``("ellipsis",)``, ``("newaxis",)`` or ``("other",)``; lo/hi are ints or None.
    """

    node: ast.Subscript
    base: Tensor
    items: tuple[tuple[Any, ...], ...]

    def axis_items(self, rank: int | None) -> dict[int, tuple[Any, ...]] | None:
        """Map tensor axes to index items (expanding a leading/trailing ``...``)."""
        items = [i for i in self.items if i[0] != "newaxis"]
        if any(i[0] == "other" for i in items):
            return None
        out: dict[int, tuple[Any, ...]] = {}
        if any(i[0] == "ellipsis" for i in items):
            if rank is None:
                return None
            k = next(n for n, i in enumerate(items) if i[0] == "ellipsis")
            before, after = items[:k], items[k + 1 :]
            for n, i in enumerate(before):
                out[n] = i
            for n, i in enumerate(after):
                out[rank - len(after) + n] = i
            return out
        for n, i in enumerate(items):
            out[n] = i
        return out


@dataclass(frozen=True)
class LayerCall:
    """A layer/module object applied to a value: ``self.lstm(x)``, ``Dense(4)(h)``."""

    node: ast.AST
    layer: Layer
    input: Value
    output: Value
    in_sequential: bool = False
    next_layers: tuple[Layer | None, ...] = ()  # the rest of a Sequential after this layer
    call: CallFact | None = None


@dataclass(frozen=True)
class MaskDropped:
    """A Keras mask that no layer has consumed yet is dropped by ``by``."""

    node: ast.AST
    tensor: Tensor
    by: str


@dataclass(frozen=True)
class Division:
    """``numerator / denominator`` with at least one side tracked."""

    node: ast.AST  # `a / b`, or a call of torch.div / tf.divide / keras.ops.divide
    numerator: Value
    denominator: Value
    denominator_node: ast.expr


@dataclass(frozen=True)
class UnusedMask:
    """A mask built in a function and never read afterwards."""

    node: ast.AST
    name: str
    value: Tensor


@dataclass(frozen=True)
class ModelCall:
    """A Keras model used: ``model(x)``, ``model.predict(x, ...)``, ``fit``, ``evaluate``."""

    node: ast.Call
    model: Any
    method: str | None
    data: Value


#: The event lists of FileFacts, in the order the interpreter fills them.
EVENT_KINDS = (
    "calls",
    "reductions",
    "subscripts",
    "layer_calls",
    "mask_drops",
    "divisions",
    "unused_masks",
    "model_calls",
)


@dataclass
class FileFacts:
    tree: ast.Module
    source: SourceLines
    imports: ImportTable
    calls: list[CallFact] = field(default_factory=list)
    reductions: list[Reduction] = field(default_factory=list)
    subscripts: list[SubscriptFact] = field(default_factory=list)
    layer_calls: list[LayerCall] = field(default_factory=list)
    mask_drops: list[MaskDropped] = field(default_factory=list)
    divisions: list[Division] = field(default_factory=list)
    unused_masks: list[UnusedMask] = field(default_factory=list)
    model_calls: list[ModelCall] = field(default_factory=list)
    #: classes defined in this file that subclass keras.Model / keras.Sequential
    keras_model_classes: set[str] = field(default_factory=set)

    def qualname(self, expr: ast.expr) -> str | None:
        return resolve(self.imports, expr)

    @property
    def legacy_keras(self) -> bool:
        """The file uses tf-keras (Keras 2), where raw TF ops on symbolic tensors still run."""
        return any(
            t is not None and t.split(".")[0] == "tf_keras" for t in self.imports.aliases.values()
        )

    def line(self, node: ast.AST) -> int:
        line: int = node.lineno  # type: ignore[attr-defined]
        return line

    def location(self, node: ast.AST) -> Location:
        """Where ``node`` starts (1-based line and character column)."""
        return self.source.start(node)

    def end_location(self, node: ast.AST) -> Location:
        return self.source.end(node)

    def code(self, node: ast.AST, limit: int = 60) -> str:
        """The source of ``node`` on one line, shortened for a message."""
        text = " ".join(self.source.segment(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def replace(self, node: ast.AST, new: str) -> Edit:
        """A fix that puts ``new`` over the source of ``node``."""
        return Edit(self.source.start(node), self.source.end(node), new)

    def replace_keyword_name(self, keyword: ast.keyword, new: str) -> Edit:
        """A fix that renames the keyword of ``f(name=value)`` to ``new``."""
        start = self.source.start(keyword)
        name = keyword.arg or ""
        return Edit(start, Location(start.line, start.column + len(name)), new)

    def describe(self, evidence: Evidence) -> str:
        """The evidence's own words, or its source code (made only when a message needs it)."""
        return evidence.text or f"`{self.code(evidence.node, 48)}`"

    def where(self, evidence: Evidence) -> str:
        """``"`pad_sequences(...)` at line 4"`` for a message."""
        return f"{self.describe(evidence)} at line {self.line(evidence.node)}"


def build_facts(tree: ast.Module, source: SourceLines) -> FileFacts:
    """Run the one analysis pass over a parsed module."""
    from pooling_lint.analysis.interpreter import Interpreter

    facts = FileFacts(tree=tree, source=source, imports=collect_imports(source, tree))
    Interpreter(facts).run()
    return facts


def build_facts_from_text(text: str) -> FileFacts:
    """Parse ``text`` with ``ast`` and analyse it (tests and tools; the engine parses once)."""
    return build_facts(ast.parse(text), SourceLines(text))
