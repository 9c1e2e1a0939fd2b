"""Lengths that cannot be zero, so dividing by them needs no guard.

``pack_padded_sequence`` raises ``RuntimeError`` when a length is 0 (and
``pad_packed_sequence`` hands back the lengths that packing accepted), so once a value has
been given to it as the lengths, every later read of that value on the same path is at least
1. The fact rides on the tensor (``Tensor.nonzero``) and, like every fact, is kept by a join
only when both paths have it.

A Hugging Face model's ``attention_mask`` is the tokenizer's (or a collator's), which keeps at
least one real token in every row (SEMANTICS.md). So a function's parameter that it gives,
itself (moved, cast or reshaped only), as the ``attention_mask=`` of a Hugging Face model is a
tokenizer's mask from then on, and its sum over time is never 0: the function it is then
passed to (``self.pooler(attention_mask, outputs)``) divides safely. Not so when the file
shows the mask computed (``ids != pad_id``, ``arange(T) < lengths``, a product with another
mask) in the function, where the name is bound to anything else; nor when a call site of the
function passes anything but its own parameter or a nonzero mask (a mask it built, a value
the analysis cannot trace); nor for a mask only passed to some other callable.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.values import Const, Evidence, Tensor, Value

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter

#: methods whose result holds the same values as their receiver (dtype, device, layout)
_SAME_VALUES = (
    lib.IDENTITY_METHODS
    | lib.DEVICE_METHODS
    | lib.RESHAPE_METHODS
    | {"tolist", "squeeze", "flatten", "bool", "byte"}
)


def _unwrap(node: ast.expr) -> ast.expr:
    while (
        type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr in _SAME_VALUES
    ):
        node = node.func.value
    return node


def nonzero(it: Interpreter, given: ast.expr, ev: Evidence) -> None:
    """The name behind ``given`` (``lengths`` in ``lengths.cpu()``) holds no zero from now on."""
    node = _unwrap(given)
    frame = it.frame
    if type(node) is not ast.Name or frame is None:
        return
    value = frame.env.get(node.id)
    if isinstance(value, Tensor) and value.nonzero is None:
        frame.env[node.id] = value.with_(nonzero=ev)


def encoder_mask(it: Interpreter, given: ast.expr | None, model: ast.AST) -> None:
    """``model(ids, attention_mask=given)`` on a Hugging Face model: when ``given`` is a
    parameter of the running function, unchanged but for moves, casts and reshapes, and no
    call site shows how it was built, its sum over time is nonzero from now on."""
    frame = it.frame
    if given is None or frame is None or isinstance(frame.unit.node, ast.Module):
        return
    node = _unwrap(given)
    if type(node) is not ast.Name or node.id not in frame.unit.params:
        return
    name = node.id
    value = frame.env.get(name)
    if not isinstance(value, Tensor) or value.nonzero is not None:
        return
    if _own_param(it, value) != name:
        return  # computed in this function (a comparison, a product with another mask)
    if not _only_rebound_to_itself(frame.unit.node, name):
        return
    if name in _untraced(it, frame.unit.key):
        return  # a caller passes a mask it built, or one the analysis cannot trace
    code = it.facts.code(model, 40)
    frame.env[name] = value.with_(
        nonzero=Evidence(
            given,
            f"the `attention_mask` given to the Hugging Face model in `{code}` (a tokenizer's "
            "mask keeps at least one real token per row)",
        )
    )


def caller_mask(it: Interpreter, value: object) -> bool:
    """What a call site passes is a mask already known nonzero, or the calling function's own
    parameter as it came, itself passed only such values by its callers: the callee's
    parameter is then no more computed than that."""
    if not isinstance(value, Tensor):
        return False
    if value.nonzero is not None:
        return True
    param = _own_param(it, value)
    frame = it.frame
    return (
        param is not None
        and frame is not None
        and param not in _untraced(it, frame.unit.key)
    )


#: the binding, among a unit's parameters, that names those some call site passed a value
#: ``caller_mask`` does not accept (no parameter can be called this)
UNTRACED = "<untraced>"


def note_untraced(
    it: Interpreter, values: dict[str, Value], old: dict[str, Value] | None, new: dict[str, Value]
) -> None:
    """A call site binds ``values``: record in the unit's bindings (``new``, joined with the
    ``old`` ones) the parameters it gives an untraced value. A join of call sites forgets
    where each value came from; being in the bindings, a change re-runs the unit."""
    before = old.get(UNTRACED) if old is not None else None
    names = set(before.value) if isinstance(before, Const) else set()
    names |= {n for n, v in values.items() if n != UNTRACED and not caller_mask(it, v)}
    new[UNTRACED] = Const(tuple(sorted(names)))


def _untraced(it: Interpreter, key: str) -> tuple[str, ...]:
    """The parameters of unit ``key`` some call site passed an untraced value (the unit's
    run has read its bindings, so a change re-runs it)."""
    value = it.bindings.get(key, {}).get(UNTRACED)
    return value.value if isinstance(value, Const) else ()


def _own_param(it: Interpreter, value: Tensor) -> str | None:
    """The parameter of the running function that ``value`` is (by its origin), if any."""
    frame = it.frame
    origin = value.origin.node if value.origin is not None else None
    fn = frame.unit.node if frame is not None else None
    if type(origin) is not ast.arg or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    args = fn.args
    own = (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg)
    return origin.arg if any(a is origin for a in own) else None


def _only_rebound_to_itself(fn: ast.AST, name: str) -> bool:
    """Every binding of ``name`` in ``fn`` is ``name = name.<move/cast/reshape>(...)``."""
    plain: set[int] = set()  # the targets of those assignments
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if type(t) is ast.Name and t.id == name:
                    source = _unwrap(node.value)
                    if not (
                        len(node.targets) == 1 and type(source) is ast.Name and source.id == name
                    ):
                        return False
                    plain.add(id(t))
    for node in ast.walk(fn):
        if (
            type(node) is ast.Name
            and node.id == name
            and not isinstance(node.ctx, ast.Load)
            and id(node) not in plain
        ):
            return False  # `for`, `with ... as`, `+=`, `:=`, `del`, a tuple target
    return True
