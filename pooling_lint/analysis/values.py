"""Abstract values: what the analysis knows about a local name at one point of a function.

Every value is a small frozen dataclass. Anything the file does not show is ``None``
("unknown"), and rules stay silent on unknowns. Facts keep the node they came from
(:class:`Evidence`) so a message can say where a padding or a mask was made.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from typing import Any, Union

from pooling_lint.analysis.layout import Layout

#: A static dimension: an int, a symbolic name (``"seq_len"``), or None (unknown).
Dim = Union[int, str, None]


class Role(str, Enum):
    """What a tensor holds, as far as pooling is concerned."""

    DATA = "data"  # features / hidden states
    MASK = "mask"  # [batch, time], true (or 1) at valid steps
    SPEC = "spec"  # a tf.TensorSpec: only a shape (analysis/datasets.py)
    LENGTHS = "lengths"  # [batch] valid lengths
    SCORES = "scores"  # attention logits
    MASKED_SCORES = "masked_scores"  # logits with the padding set to -inf
    WEIGHTS = "weights"  # a softmax over scores
    STATE = "state"  # an RNN's h_n / c_n
    TOKENS = "tokens"  # token ids (before an embedding)
    POOLED_SUM = "pooled_sum"  # a (masked) sum over time: the numerator of a mean
    ARANGE = "arange"  # arange(T): compared with lengths it builds a mask


class Marks(str, Enum):
    """Which steps a ``[batch, time]`` mask holds True (or a nonzero value) at."""

    VALID = "valid"  # the real tokens: `ids != pad`, `arange(T) < lengths`, HF attention_mask
    PAD = "pad"  # the padding: `ids == pad`, `~valid`, `1 - valid`

    def flipped(self) -> Marks:
        return Marks.PAD if self is Marks.VALID else Marks.VALID


class Side(str, Enum):
    """Where the padding of a sequence is."""

    PRE = "pre"  # before the valid steps (Keras' default)
    POST = "post"  # after them


class Fill(str, Enum):
    """What the padded steps hold."""

    ZERO = "zero"
    COPY_LAST = "copy_last"  # a Keras RNN that consumed a mask repeats its last valid output
    NEG_INF = "-inf"  # masked for a max or a softmax
    POS_INF = "+inf"  # masked for a min


@dataclass(frozen=True)
class Evidence:
    """Where a fact came from: the node, and how to describe it in a message (empty text: the
    node's own source, rendered only when a message needs it)."""

    node: ast.AST
    text: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evidence) and other.node is self.node

    def __repr__(self) -> str:
        return f"Evidence({self.text!r})"

    def __hash__(self) -> int:
        return id(self.node)


@dataclass(frozen=True)
class Padding:
    """The tensor holds padded (invalid) steps along its time axis.

    ``side`` is where the padding is, or None (unknown). ``fill`` says what the padded steps
    hold, or None (anything, e.g. an LSTM's output on zero input, which is not zero).
    """

    evidence: Evidence
    side: Side | None = None
    fill: Fill | None = None


@dataclass(frozen=True)
class Tensor:
    """An abstract tensor (or array) value."""

    rank: int | None = None
    dims: tuple[Dim, ...] | None = None
    #: what each axis holds (analysis/layout.py), written ``BTF`` batch-first, ``TBF``
    #: time-first, ``BCT`` channels-first, ``BT`` token ids / scores; None: unknown
    layout: Layout | None = None
    padding: Padding | None = None
    keras_mask: Evidence | None = None  # a Keras mask rides along with this KerasTensor
    mask_consumed: Evidence | None = None  # a mask-aware layer has used the mask already
    symbolic: Evidence | None = None  # a KerasTensor of the functional API
    bidirectional: Evidence | None = None
    rnn: Evidence | None = None  # the per-step output of an RNN
    #: the per-step output of a torch attention / Transformer layer whose `batch_first` set
    #: the layout (PLG203 reads it like ``rnn``)
    layout_by: Evidence | None = None
    #: a Python list of per-step RNN-cell outputs that a reduction stacked on axis 0
    #: (``tf.reduce_mean(steps, axis=1)``): axis 0 is time, axis 1 the batch (PLG203)
    stacked: Evidence | None = None
    #: an ``(N,)`` vector times an ``(N, 1)`` column (the evidence's node): broadcast to the
    #: ``(N, N)`` outer product
    outer: Evidence | None = None
    #: the value of that column, to tell by value (not by its text) that a division
    #: normalises the product by the column's own sum (reductions.outer_normalised)
    outer_column: Tensor | None = field(default=None, compare=False, repr=False)
    #: a mask repeated along its time axis (`mask.repeat(1, h)`): copies of all the steps lie
    #: side by side, so a reshape to (batch, time, h) does not line up with the steps
    tiled: Evidence | None = None
    role: Role = Role.DATA
    masked: Evidence | None = None  # the padded steps were zeroed / masked by the code
    device_moved: Evidence | None = None  # `.cuda()` / `.to(device)` applied (lengths)
    guarded: bool = False  # clamped / epsilon added: safe to divide by
    #: no element is 0: lengths handed back by pad_packed_sequence, or already given to
    #: pack_padded_sequence (which raises on a zero length); safe to divide by
    nonzero: Evidence | None = None
    origin: Evidence | None = None
    lengths_literal: tuple[int, ...] | None = None  # a literal list of lengths
    #: lengths measured on the rows of this padded batch (the evidence's node): every one is
    #: the padded length (analysis/row_lengths.py)
    padded_rows: Evidence | None = None
    #: a mask's polarity, and what showed it (analysis/polarity.py); the operations that
    #: change which steps are True (arithmetic, comparisons, ``exp``/``log``-like functions)
    #: flip it or drop it, structural ones (casts, moves, slices, reshapes) keep it
    marks: tuple[Marks, Evidence] | None = None

    @property
    def time_axis(self) -> int | None:
        if self.layout is None or (self.rank is not None and self.layout.rank != self.rank):
            return None
        return self.layout.time_axis

    @property
    def batch_axis(self) -> int | None:
        if self.layout is None or (self.rank is not None and self.layout.rank != self.rank):
            return None
        return self.layout.batch_axis

    def dim(self, axis: int) -> Dim:
        if self.dims is None or self.rank is None:
            return None
        if axis < 0:
            axis += self.rank
        return self.dims[axis] if 0 <= axis < self.rank else None

    def with_(self, **changes: Any) -> Tensor:
        return replace(self, **changes)


@dataclass(frozen=True)
class Const:
    """A Python constant (int, float, str, bool, None) or a tuple of constants."""

    value: Any


@dataclass(frozen=True)
class ShapeOf:
    """``tf.shape(x)`` / ``x.shape`` / ``x.size()``: the dynamic shape of a tensor."""

    tensor: Tensor
    node: ast.AST


@dataclass(frozen=True)
class DimOf:
    """``x.shape[1]`` / ``x.size(1)`` / ``tf.shape(x)[1]``: one dimension of a tensor."""

    tensor: Tensor
    axis: int
    node: ast.AST


@dataclass(frozen=True)
class Layer:
    """A layer or module object: a torch ``nn.Module`` or a Keras layer, not yet called."""

    qualname: str  # canonical, e.g. "torch.nn.LSTM", "keras.layers.Masking"
    args: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    node: ast.AST | None = field(default=None, compare=False, repr=False)
    children: tuple[Layer | None, ...] = ()  # nn.Sequential / keras Bidirectional(inner)

    @property
    def short(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    def arg(self, name: str, default: Any = None) -> Any:
        value = self.args.get(name, default)
        if isinstance(value, Const):
            return value.value
        return value


@dataclass(frozen=True)
class KerasModel:
    """A Keras model: Sequential layers, or a functional graph from inputs to outputs."""

    kind: str  # "sequential" | "functional"
    layers: tuple[Layer | None, ...] = ()
    input: Tensor | None = None
    output: Tensor | None = None
    node: ast.AST | None = field(default=None, compare=False, repr=False)
    #: the model on one path only, something unknown on the other (``model = load(path) if
    #: resume else build()``): data given to it reaches ``input`` on that path (a fit feeds
    #: it), nothing else about it holds (``output`` is None)
    one_path: bool = False


@dataclass(frozen=True)
class Instance:
    """An instance of a class defined in this file (an ``nn.Module`` subclass, a Keras model)."""

    class_name: str
    node: ast.AST | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TupleValue:
    """A tuple of values, e.g. ``(output, (h_n, c_n))`` returned by ``nn.LSTM``.

    ``kind`` is the Python type where it is known (``"tuple"``: a tuple display, what the TF1
    RNN functions return; ``"list"``: a list display), else None: the analysis models both
    (and the lists Keras returns) with this one value, so ``isinstance(x, tuple)`` is decided
    only where ``kind`` says (analysis/branches.py ``static_truth``).
    """

    items: tuple[Value, ...]
    kind: str | None = None


@dataclass(frozen=True)
class ListOf:
    """A list built by a comprehension: every element is ``item`` (length unknown)."""

    item: Value


@dataclass(frozen=True)
class Dataset:
    """A ``tf.data`` dataset (analysis/datasets.py): iterating it gives ``element``; before
    ``.batch()`` an element is one row of the arrays it was sliced from (``batched`` False)."""

    element: Value
    batched: bool


@dataclass(frozen=True)
class Packed:
    """A torch ``PackedSequence``: padding handled correctly by the RNN that reads it."""

    source: Tensor | None
    node: ast.AST | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SelfRef:
    """``self`` inside a method of a class defined in this file."""

    class_name: str


@dataclass(frozen=True)
class SelfRefs:
    """``self`` of one of several classes of this file: the first parameter of a free
    function that methods of each class call with their ``self`` (``cl_forward(self, ...)``
    in two models). Its attributes are what every one of those classes holds."""

    class_names: tuple[str, ...]


@dataclass(frozen=True)
class Foreign:
    """A name of another module of the tree: the module, a function or class of it, an
    instance of its class, or the value a function of it returned (``kind``; "result" when
    its summary does not say what: a Keras model a builder returns)."""

    module: str  # the module's path as the project pass names it
    name: str  # "" for the module; "make_loader", "BagClassifier", "Loader.batches"
    kind: str  # "module" | "function" | "class" | "instance" | "result"
    #: a module picked at run time (``import_module("models." + name)``): the same name in
    #: each of these modules of the tree (``module`` is the first); empty for one module
    alts: tuple[str, ...] = ()

    def modules(self) -> tuple[str, ...]:
        return self.alts or (self.module,)


@dataclass(frozen=True)
class Record:
    """An object of a data library whose attributes hold known values: a torchtext ``Field``
    (its settings), a ``Dataset`` (its fields by name), a ``Batch`` (``batch.text``)."""

    kind: str  # "torchtext.Field" | "torchtext.Dataset" | "torchtext.Batch"
    attrs: tuple[tuple[str, Any], ...] = ()
    node: ast.AST | None = field(default=None, compare=False, repr=False)

    def get(self, name: str) -> Any:
        for key, value in self.attrs:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class FunctionRef:
    """A function (or lambda) defined in this file."""

    node: ast.AST = field(compare=False)
    name: str


@dataclass(frozen=True)
class HFObject:
    """A Hugging Face ``transformers`` object: a tokenizer, a model or a padding collator.

    ``kind`` is ``"tokenizer"``, ``"model"`` or ``"collator"``. ``side`` is the tokenizer's
    padding side when the file sets it (``"left"``/``"right"``; ``"?"``: set to a value the
    file does not show), None for the default.
    ``base`` says a model returns the base model's outputs (``AutoModel``, ``BertModel``):
    its ``[0]`` is the ``(batch, time, hidden)`` last hidden state.
    """

    kind: str
    qualname: str
    side: str | None = None
    base: bool = False
    node: ast.AST | None = field(default=None, compare=False, repr=False)
    #: a model: where ``hidden_states`` sits in its output tuple (``out[k]``) when they are
    #: returned, for the classes whose tuple analysis/hf_outputs.py knows (else None), and
    #: whether the construction asked for them (``output_hidden_states=``; None: not said)
    hidden_at: int | None = None
    hidden_on: bool | None = None
    #: a config: its ``use_cache=`` (True/False), "absent" when not given, None when not a
    #: literal (a cached model's tuple puts ``past_key_values`` before ``hidden_states``)
    use_cache: bool | str | None = "absent"


@dataclass(frozen=True)
class Encoding:
    """What a tokenizer or a padding collator returns (a ``BatchEncoding``): the token ids
    and the attention mask, padded alike (``padding`` None on both: not padded)."""

    ids: Tensor
    mask: Tensor


@dataclass(frozen=True)
class ModelOutput:
    """What calling a Hugging Face model returns: ``hidden`` is its ``(batch, time, hidden)``
    ``last_hidden_state`` (and every ``hidden_states[k]``), padded like the input ids.
    ``base``: ``[0]`` is that hidden state (a base model; a head's ``[0]`` is its logits)."""

    hidden: Tensor
    base: bool = False
    #: the position of ``hidden_states`` in the output tuple (``out[2]`` of a ``BertModel``
    #: asked for them), None when unknown (analysis/hf_outputs.py)
    hidden_at: int | None = None


@dataclass(frozen=True)
class ClassRef:
    """A class used as a value, not called (``{"bert": (BertConfig, BertModel, ...)}``): a
    ``transformers`` class (``qualname`` canonical) or a class of this file (``local``)."""

    qualname: str
    local: bool = False


@dataclass(frozen=True)
class Partial:
    """``functools.partial(f, k=v)`` of a function of this file, with keywords only: calling it
    calls ``f`` with the call's arguments and those keywords."""

    func: FunctionRef
    kwargs: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class MethodRef:
    """``self.method`` of a class of this file used as a value (not called): calling it runs
    that method on the instance."""

    class_name: str
    method: str


@dataclass(frozen=True)
class Table:
    """A dict display whose values are classes, functions or models (analysis/choices.py):
    ``keys`` are the constant keys (None for one that is not constant)."""

    keys: tuple[object, ...]
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Choice:
    """One of several values, picked at run time: a :class:`Table` read with a key the file
    does not fix, or callables bound on different paths. Each option is a value the name may
    hold (analysis/choices.py): a call applies each one."""

    options: tuple[Value, ...]


Value = Union[
    Tensor,
    Const,
    ShapeOf,
    DimOf,
    Layer,
    KerasModel,
    Instance,
    TupleValue,
    ListOf,
    Dataset,
    Packed,
    SelfRef,
    SelfRefs,
    FunctionRef,
    HFObject,
    Encoding,
    ModelOutput,
    Foreign,
    Record,
    ClassRef,
    Partial,
    MethodRef,
    Table,
    Choice,
    None,
]


def same(a: object, b: object) -> bool:
    """Strict equality of analysis values: every field (``compare=False`` ones included) and
    syntax nodes by identity. Two values that are ``same`` give the same events."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.AST):
        return False
    if is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def join(a: Value, b: Value) -> Value:
    """The value that is true on both paths (if/else branches, several call sites).

    Facts both sides agree on are kept; anything that differs becomes unknown. Padding is kept
    only if both sides are padded: a fact must hold on every path.
    """
    if a is None or b is None:
        return None
    if a == b:
        return a
    if _callable(a) and _callable(b):
        # a function on one path, another on the other: on every path it is one of them
        return choice_of((a, b))
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        kept: dict[str, Any] = {}
        for f in fields(Tensor):
            va, vb = getattr(a, f.name), getattr(b, f.name)
            if va == vb:
                kept[f.name] = va
            elif f.name == "padding" and va is not None and vb is not None:
                kept[f.name] = Padding(
                    va.evidence,
                    va.side if va.side == vb.side else None,
                    va.fill if va.fill == vb.fill else None,
                )
            elif f.name == "nonzero" and va is not None and vb is not None:
                kept[f.name] = va  # nonzero on both paths, for different reasons
            elif f.name == "marks" and va is not None and vb is not None and va[0] is vb[0]:
                kept[f.name] = va  # True at the same steps on both paths
            elif f.name == "mask_consumed":
                # consumed on one path: unsure whether a later drop matters (stay silent)
                kept[f.name] = va or vb
            elif f.name == "masked":
                # masked on one path only: the padding may or may not hold data (unsure)
                kept[f.name] = va or vb
            elif f.name == "role":
                kept[f.name] = Role.DATA if va != vb else va
            elif f.name == "dims" and va is not None and vb is not None and len(va) == len(vb):
                kept[f.name] = tuple(x if x == y else None for x, y in zip(va, vb))
            else:
                kept[f.name] = None
        if kept.get("role") is None:
            kept["role"] = Role.DATA
        return Tensor(**kept)
    if isinstance(a, TupleValue) and isinstance(b, TupleValue) and len(a.items) == len(b.items):
        kind = a.kind if a.kind == b.kind else None
        return TupleValue(tuple(join(x, y) for x, y in zip(a.items, b.items)), kind)
    if isinstance(a, ListOf) and isinstance(b, ListOf):
        # a list on both paths: each element is what an element is on both paths
        item = join(a.item, b.item)
        return ListOf(item) if item is not None else None
    return None


def own_module(v: Value) -> bool:
    """A module object of the checked code: an instance of a class of this file, or of
    another checked module (project mode), or one of several such (a constructor argument
    from two callers)."""
    if isinstance(v, Choice):
        return all(own_module(o) for o in v.options)
    return isinstance(v, Instance) or (isinstance(v, Foreign) and v.kind == "instance")


def _callable(v: Value) -> bool:
    if isinstance(v, Choice):
        return all(_callable(o) for o in v.options)
    return isinstance(v, (FunctionRef, Partial, MethodRef)) or own_module(v)


def choice_of(options: tuple[Value, ...]) -> Value:
    """One of ``options`` (nested choices flattened, repeats dropped; a single one is itself)."""
    flat: list[Value] = []
    for o in options:
        for x in o.options if isinstance(o, Choice) else (o,):
            if not any(same(x, y) for y in flat):
                flat.append(x)
    if len(flat) == 1:
        return flat[0]
    return Choice(tuple(flat))


def _shapeless(t: Tensor) -> bool:
    """A padded data tensor of which nothing else is known: no rank, axes or sizes."""
    return (
        t.rank is None
        and t.layout is None
        and t.dims is None
        and t.role == Role.DATA
        and t.keras_mask is None
        and t.symbolic is None
    )


def _holds_padding(v: Value, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(v, Tensor):
        return v.padding is not None
    if isinstance(v, ListOf):
        return _holds_padding(v.item, depth + 1)
    if isinstance(v, TupleValue):
        return any(_holds_padding(i, depth + 1) for i in v.items)
    return False


def class_names_of(owner: SelfRef | SelfRefs) -> tuple[str, ...]:
    """The classes whose ``self`` this may be."""
    return (owner.class_name,) if isinstance(owner, SelfRef) else owner.class_names


#: the class of a Hugging Face model that is one of several
_ANY_MODEL = "transformers.PreTrainedModel"


def _selves(a: Value, b: Value) -> SelfRefs | SelfRef | None:
    """``self`` of one class from one caller and of another from the other: either."""
    names: list[str] = []
    for v in (a, b):
        if isinstance(v, SelfRef):
            names.append(v.class_name)
        elif isinstance(v, SelfRefs):
            names.extend(v.class_names)
        else:
            return None
    unique = tuple(sorted(set(names)))
    return SelfRef(unique[0]) if len(unique) == 1 else SelfRefs(unique)


def join_call_sites(a: Value, b: Value) -> Value:
    """The value a parameter holds over several call sites of one function.

    Like :func:`join`, except for padding: one caller passing padded data is enough evidence
    that the function's pooling sees padding (for that caller the result is wrong).
    """
    selves = _selves(a, b)
    if selves is not None:
        return selves
    if (
        isinstance(a, HFObject)
        and isinstance(b, HFObject)
        and a.kind == b.kind == "model"
        and a != b
    ):
        # two callers give two Hugging Face models (`BertModel`, `RobertaModel`): a model
        # either way, whose `[0]` is the hidden state only if it is for both
        same_class = a.qualname == b.qualname
        return HFObject(
            "model", a.qualname if same_class else _ANY_MODEL, base=a.base and b.base, node=a.node
        )
    if isinstance(a, ListOf) and isinstance(b, ListOf) and a != b:
        # two callers each pass a list (`build_iterator(train_rows)`, `(dev_rows)`): an
        # element is what the elements of both are, padding from either caller kept
        item = join_call_sites(a.item, b.item)
        return ListOf(item) if item is not None else None
    padded = [v for v in (a, b) if isinstance(v, Tensor) and v.padding is not None]
    joined = join(a, b)
    if not padded:
        if joined is None and (a is None or b is None):
            # a list or tuple of padded records (`load()` rows) from one caller, nothing
            # known from the other: the same evidence as a padded tensor
            held = [v for v in (a, b) if isinstance(v, (ListOf, TupleValue)) and _holds_padding(v)]
            if held:
                return held[0]
            # a module object (`clones(Block(d), n)`) from one caller, nothing known from the
            # other (often the same call site, run before its caller bound the argument): the
            # body run with the module is what that caller's call does
            modules = [
                v
                for v in (a, b)
                if isinstance(v, (Instance, Layer))
                or (isinstance(v, Foreign) and v.kind == "instance")
            ]
            return modules[0] if modules else None
        return joined
    if len(padded) == 2:
        shapeless = [v for v in padded if _shapeless(v)]
        if len(shapeless) == 1:
            # padded, shape unknown (a parameter padded by a connection before its caller
            # bound it) and padded of a known shape: as with an unknown value and a padded
            # one, the known one is what the calls show
            return padded[0] if shapeless[0] is padded[1] else padded[1]
    if isinstance(joined, Tensor):
        return joined if joined.padding is not None else joined.with_(padding=padded[0].padding)
    if a is None or b is None:
        return padded[0]
    return joined
