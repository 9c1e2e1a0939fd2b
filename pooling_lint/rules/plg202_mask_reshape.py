"""PLG202: a [batch, time] mask or [batch] lengths reshaped to an incompatible shape."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import CallFact, FileFacts
from pooling_lint.analysis.library import CallModel
from pooling_lint.analysis.values import Const, DimOf, Role, ShapeOf, Tensor, TupleValue
from pooling_lint.rules.base import Example, Finding, Replacement, Rule


class MaskReshape(Rule):
    code = "PLG202"
    name = "mask-reshape"
    summary = "Mask or lengths reshaped where expand_dims/unsqueeze was meant"
    fixable = "sometimes"
    triggers = lib.names(lambda api: api.call is CallModel.RESHAPE) | lib.RESHAPE_METHODS
    requires = lib.PADDING_EVIDENCE
    docs = """
    ## What it does
    Finds a `[batch, time]` mask reshaped to the shape of a 3-D input
    (`tf.reshape(mask, tf.shape(inputs))`), and `[batch]` lengths reshaped to
    `[-1, time_step]`, where adding an axis (`tf.expand_dims(mask, -1)`,
    `mask[..., None]`, `tf.reshape(lengths, [-1, 1])`) was meant.

    ## Why is this bad?
    A reshape keeps the number of elements: a `(B, T)` mask has `B*T` values and
    `(B, T, D)` needs `B*T*D`, so it fails with `Input to reshape is a tensor with 24 values,
    but the requested shape has 192` unless `D == 1`. Reshaping lengths to `[-1, T]` fails the
    same way, and when `B` is a multiple of `T` it runs and divides the wrong rows.

    ## Example
    ```python
    mask = tf.cast(tf.sequence_mask(lengths, T), tf.float32)
    mask = tf.reshape(mask, tf.shape(inputs))
    ```

    ## Use instead
    ```python
    mask = tf.expand_dims(mask, -1)         # (B, T, 1) broadcasts over features
    lengths = tf.reshape(lengths, [-1, 1])
    ```

    ## Fix safety
    `tf.reshape(mask, tf.shape(x))` only runs when `x` has one feature, and then
    `tf.expand_dims(mask, -1)` gives the same tensor; for every other shape it fixes a crash.
    That fix is safe. Rewriting `[-1, time_step]` to `[-1, 1]` changes which rows are divided
    when the original happened to run, so it is offered as unsafe.
    """
    bad_examples = (
        Example(
            "import tensorflow as tf\n"
            "def avg(x, lengths):\n"
            "    m = tf.cast(tf.sequence_mask(lengths, tf.shape(x)[1]), tf.float32)\n"
            "    m = tf.reshape(m, tf.shape(x))\n"
            "    return tf.reduce_sum(x * m, axis=1)\n",
            expect=(4,),
            fixed="import tensorflow as tf\n"
            "def avg(x, lengths):\n"
            "    m = tf.cast(tf.sequence_mask(lengths, tf.shape(x)[1]), tf.float32)\n"
            "    m = tf.expand_dims(m, -1)\n"
            "    return tf.reduce_sum(x * m, axis=1)\n",
        ),
    )
    good_examples = (
        Example(
            "import tensorflow as tf\n"
            "def avg(x, lengths):\n"
            "    m = tf.cast(tf.sequence_mask(lengths, tf.shape(x)[1]), tf.float32)\n"
            "    return tf.reduce_sum(x * m[:, :, None], axis=1) / tf.reshape(lengths, [-1, 1])\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for call in facts.calls:
            target = _reshape_target(call)
            if target is None:
                continue
            source, shape, source_node, shape_node = target
            items = _shape_items(shape)
            adds_features = (
                items is not None
                and len(items) == 3
                and _const(items[2]) != 1
                and (isinstance(items[2], DimOf) or isinstance(_const(items[2]), int))
            )
            if source.role == Role.MASK and (isinstance(shape, ShapeOf) or adds_features):
                if source.rank not in (2, None):
                    continue
                if isinstance(shape, ShapeOf) and shape.tensor.rank == 2:
                    continue
                of = (
                    facts.code(shape.node) if isinstance(shape, ShapeOf) else facts.code(shape_node)
                )
                yield Finding(
                    node=call.node,
                    message=(
                        f"reshaping the [batch, time] mask `{facts.code(source_node)}` to "
                        f"`{of}` cannot add the feature axis (element counts differ unless "
                        "there is one feature); use "
                        f"`tf.expand_dims({facts.code(source_node)}, -1)` (torch: "
                        "`mask.unsqueeze(-1)`)"
                    ),
                    fix=_expand_fix(facts, call, source_node),
                    fix_safe=True,
                    fix_title="Replace the reshape with expand_dims(..., -1)",
                )
            elif source.role == Role.LENGTHS and source.rank in (1, None):
                items = _shape_items(shape)
                if items is None or len(items) != 2:
                    continue
                first, second = items
                if _const(first) != -1 or _const(second) == 1 or second is None:
                    continue
                if not (isinstance(second, DimOf) or isinstance(_const(second), int)):
                    continue
                fix: tuple[Replacement, ...] = ()
                if isinstance(shape_node, (ast.List, ast.Tuple)) and len(shape_node.elts) == 2:
                    second_node = shape_node.elts[1]
                    if isinstance(second_node, ast.Starred):
                        second_node = second_node.value
                    fix = (facts.replace(second_node, "1"),)
                yield Finding(
                    node=call.node,
                    message=(
                        f"reshaping the [batch] lengths `{facts.code(source_node)}` to "
                        f"`{facts.code(shape_node)}` fails unless batch is a multiple of it, "
                        "and then divides the wrong rows; use `[-1, 1]`"
                    ),
                    fix=fix,
                    fix_safe=False,
                    fix_title="Reshape to [-1, 1]",
                )


def _const(v: object) -> object:
    return v.value if isinstance(v, Const) else None


def _shape_items(shape: object) -> tuple[object, ...] | None:
    if isinstance(shape, TupleValue):
        return shape.items
    if isinstance(shape, Const) and isinstance(shape.value, tuple):
        return tuple(Const(v) for v in shape.value)
    return None


def _reshape_target(
    call: CallFact,
) -> tuple[Tensor, object, ast.expr, ast.expr] | None:
    spec = lib.lookup(call.qualname)
    is_reshape = spec is not None and spec.call is CallModel.RESHAPE
    if is_reshape and len(call.node.args) + len(call.node.keywords) >= 2:
        src, shape = (
            call.args[0] if call.args else None,
            (call.args[1] if len(call.args) > 1 else call.kwarg("shape")),
        )
        src_arg, shape_arg = call.arg_node(0), call.arg_node(1, "shape")
    elif call.method in ("view_as", "reshape_as") and isinstance(call.receiver, Tensor):
        other = call.args[0] if call.args else None
        if not isinstance(other, Tensor):
            return None
        func = call.node.func
        assert isinstance(func, ast.Attribute)
        return call.receiver, ShapeOf(other, call.node), func.value, call.node
    elif call.method in ("reshape", "view") and isinstance(call.receiver, Tensor):
        src = call.receiver
        if len(call.args) == 1:
            shape = call.args[0]
            shape_arg = call.arg_node(0)
        else:
            shape = TupleValue(tuple(call.args))
            shape_arg = None
        func = call.node.func
        assert isinstance(func, ast.Attribute)
        src_arg = func.value
    else:
        return None
    if not isinstance(src, Tensor) or src_arg is None:
        return None
    shape_node = shape_arg if shape_arg is not None else call.node
    return src, shape, src_arg, shape_node


def _expand_fix(
    facts: FileFacts, call: CallFact, source_node: ast.expr
) -> tuple[Replacement, ...]:
    func = call.node.func
    if call.qualname in ("tensorflow.reshape", "keras.ops.reshape") and isinstance(
        func, ast.Attribute
    ):
        prefix = facts.source.segment(func.value)
        src = facts.source.segment(source_node)
        return (facts.replace(call.node, f"{prefix}.expand_dims({src}, -1)"),)
    return ()
