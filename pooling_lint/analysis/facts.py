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

from pooling_lint.analysis.indexing import IndexItem, axis_items
from pooling_lint.analysis.library.spec import Framework
from pooling_lint.analysis.names import ImportTable, collect_imports, resolve
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.project import ForeignNode, ProjectContext
from pooling_lint.analysis.reshapes import Reshape
from pooling_lint.analysis.values import Evidence, Layer, Marks, Tensor, Value
from pooling_lint.diagnostics import Edit, Location, Related


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
    star_kwargs: tuple[Value, ...] = ()  # the values unpacked with `**` (`model(**batch)`)

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


@dataclass(frozen=True, kw_only=True)
class Reduction:
    """A reduction over one axis: mean/sum/max/min/softmax/logsumexp.

    ``api`` is how the user spelled it (``tf.reduce_mean``, ``x.mean``, ``GlobalMaxPooling1D``).
    ``axis`` is normalised to a non-negative int when the operand's rank is known, and is None
    when the reduction covers all axes or the axis is unknown. A windowed pool has
    ``windowed`` set and its ``pool_size`` when the file shows it. ``framework`` is the
    framework of the API (None for a tensor method, which any framework may own).
    """

    node: ast.AST
    op: str
    api: str
    operand: Tensor
    axis: int | None
    operand_node: ast.AST | None = None
    layer: Layer | None = None
    has_mask_arg: bool = False
    windowed: bool = False
    pool_size: int | None = None
    framework: Framework | None = None


@dataclass(frozen=True)
class SubscriptFact:
    """``base[index]`` where ``base`` is a tracked tensor; ``items`` are typed per position
    (:mod:`pooling_lint.analysis.indexing`). ``reads_values`` is False when the result only
    gives a shape, dtype or device (``zeros_like(x[:, -1:])``, ``x[:, -1].shape``): no value of
    the base is read (analysis/shape_reads.py)."""

    node: ast.Subscript
    base: Tensor
    items: tuple[IndexItem, ...]
    #: the same tensor's other end along the same axis (``x[0]`` for ``x[-1]``) is read in
    #: the same concatenation: both ends are taken together (the call that joins them)
    other_end: Evidence | None = None
    reads_values: bool = True

    def axis_items(self, rank: int | None) -> dict[int, IndexItem] | None:
        """Map tensor axes to index items (expanding a leading/trailing ``...``)."""
        return axis_items(self.items, rank)


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
    #: the numerator is the full sum of an outer product ``v * m`` and the denominator the
    #: full sum of its column ``m`` (reductions.outer_normalised): that sum
    outer_normalised: Reduction | None = None


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


@dataclass(frozen=True)
class MaskGiven:
    """A ``[batch, time]`` mask handed to an API that reads it as True (or 1) at ``true_at``:
    a Hugging Face model's ``attention_mask=`` (the real tokens), a torch
    ``key_padding_mask`` (the padding). ``node`` is the argument's expression."""

    node: ast.expr
    api: str
    param: str
    value: Value
    true_at: Marks


@dataclass
class EventLog:
    """The recorder the interpreter writes events to: one typed list and method per kind.

    Each unit's run fills its own log; :class:`FileFacts` is the merged log of the file.
    """

    calls: list[CallFact] = field(default_factory=list)
    reductions: list[Reduction] = field(default_factory=list)
    subscripts: list[SubscriptFact] = field(default_factory=list)
    layer_calls: list[LayerCall] = field(default_factory=list)
    mask_drops: list[MaskDropped] = field(default_factory=list)
    divisions: list[Division] = field(default_factory=list)
    unused_masks: list[UnusedMask] = field(default_factory=list)
    model_calls: list[ModelCall] = field(default_factory=list)
    reshapes: list[Reshape] = field(default_factory=list)
    masks_given: list[MaskGiven] = field(default_factory=list)

    def call(self, event: CallFact) -> None:
        self.calls.append(event)

    def reduction(self, event: Reduction) -> None:
        self.reductions.append(event)

    def subscript(self, event: SubscriptFact) -> None:
        self.subscripts.append(event)

    def layer_call(self, event: LayerCall) -> None:
        self.layer_calls.append(event)

    def mask_drop(self, event: MaskDropped) -> None:
        self.mask_drops.append(event)

    def division(self, event: Division) -> None:
        self.divisions.append(event)

    def unused_mask(self, event: UnusedMask) -> None:
        self.unused_masks.append(event)

    def model_call(self, event: ModelCall) -> None:
        self.model_calls.append(event)

    def reshape(self, event: Reshape) -> None:
        self.reshapes.append(event)

    def mask_given(self, event: MaskGiven) -> None:
        self.masks_given.append(event)

    def extend(self, other: EventLog) -> None:
        """Append every event of ``other``, kind by kind."""
        self.calls.extend(other.calls)
        self.reductions.extend(other.reductions)
        self.subscripts.extend(other.subscripts)
        self.layer_calls.extend(other.layer_calls)
        self.mask_drops.extend(other.mask_drops)
        self.divisions.extend(other.divisions)
        self.unused_masks.extend(other.unused_masks)
        self.model_calls.extend(other.model_calls)
        self.reshapes.extend(other.reshapes)
        self.masks_given.extend(other.masks_given)


@dataclass
class FileFacts(EventLog):
    """Everything the analysis learned about one file: the merged events, and the means to
    place and quote them (``source``) and resolve names (``imports``)."""

    tree: ast.Module = field(default_factory=lambda: ast.Module(body=[], type_ignores=[]))
    source: SourceLines = field(default_factory=lambda: SourceLines(""))
    imports: ImportTable = field(default_factory=ImportTable)
    #: the evidence messages named since the engine last looked (see :meth:`where`)
    cited: list[Evidence] = field(default_factory=list)
    #: classes defined in this file that subclass keras.Model / keras.Sequential
    keras_model_classes: set[str] = field(default_factory=set)
    #: step reads (``x[-1]``) whose value is multiplied by the mask of that step right after:
    #: they contribute nothing at padded steps (analysis/connections.py)
    masked_reads: set[ast.AST] = field(default_factory=set)
    #: connection node (analysis/connections.py) -> (the mask/lengths name it uses, the
    #: function it is in): what analysis/companions.py reads to name a fix's lengths or mask
    connection_scopes: dict[ast.AST, tuple[str, ast.AST]] = field(default_factory=dict)
    #: project mode: what other modules of the checked tree give this file (analysis/project.py)
    project: ProjectContext | None = None

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
        """``"`pad_sequences(...)` at line 4"`` for a message.

        The evidence is also noted in :attr:`cited`: the engine attaches what a finding's
        message named to its diagnostic as structured locations (``Diagnostic.related``).
        """
        self.cited.append(evidence)
        node = evidence.node
        if isinstance(node, ForeignNode):
            return f"{self.describe(evidence)} at line {node.line}"
        return f"{self.describe(evidence)} at line {self.line(node)}"

    def related(self, evidence: Evidence) -> Related:
        """The evidence as a location with its own words (SARIF ``relatedLocations``)."""
        node = evidence.node
        return Related(self.describe(evidence), self.source.start(node), self.source.end(node))


def build_facts(
    tree: ast.Module, source: SourceLines, project: ProjectContext | None = None
) -> FileFacts:
    """Run the one analysis pass over a parsed module (``project``: see analysis/project.py)."""
    from pooling_lint.analysis.interpreter import Interpreter

    facts = FileFacts(
        tree=tree, source=source, imports=collect_imports(source, tree), project=project
    )
    Interpreter(facts).run()
    return facts


def build_facts_from_text(text: str) -> FileFacts:
    """Parse ``text`` with ``ast`` and analyse it (tests and tools; the engine parses once)."""
    return build_facts(ast.parse(text), SourceLines(text))
