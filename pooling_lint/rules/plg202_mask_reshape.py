"""PLG202: a [batch, time] mask or [batch] lengths reshaped to an incompatible shape."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.library import CallModel
from pooling_lint.analysis.reshapes import CountChange, Reshape
from pooling_lint.analysis.values import Role
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
    `mask[..., None]`, `tf.reshape(lengths, [-1, 1])`) was meant. Also a mask tiled along
    time and then reshaped to three axes (`mask.repeat(1, h).view(b, t, h)`): the element
    counts match, but each step gets the flags of other steps. And an `(N, 1)` column mask
    times an `(N,)` vector, summed and divided by the mask's sum
    (`(loss * keep).sum() / keep.sum()` with `keep = m.unsqueeze(1)`): the product
    broadcasts to `(N, N)`, so the result is the unmasked sum of the vector.

    It reports only what the known dims prove. A target with an inferred `-1`
    (`mask.view(B, T, -1)`, `mask.view(-1, beam, S)`) keeps the element count: it splits
    or merges axes and is never reported; neither is a target whose rank or sizes the file
    does not show. See [docs/reshapes.md](../reshapes.md).

    ## Why is this bad?
    A reshape keeps the number of elements: a `(B, T)` mask has `B*T` values and
    `(B, T, D)` needs `B*T*D`, so it fails with `Input to reshape is a tensor with 24 values,
    but the requested shape has 192` unless `D == 1`. Reshaping lengths to `[-1, T]` fails the
    same way, and when `B` is a multiple of `T` it runs and divides the wrong rows.

    ## Example
    ```python
    inputs = gru(embedded)                  # (B, T, units)
    mask = tf.cast(tf.sequence_mask(lengths, tf.shape(inputs)[1]), tf.float32)
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
            "    h = tf.keras.layers.GRU(8, return_sequences=True)(x)\n"
            "    m = tf.cast(tf.sequence_mask(lengths, tf.shape(h)[1]), tf.float32)\n"
            "    m = tf.reshape(m, tf.shape(h))\n"
            "    return tf.reduce_sum(h * m, axis=1)\n",
            expect=(5,),
            fixed="import tensorflow as tf\n"
            "def avg(x, lengths):\n"
            "    h = tf.keras.layers.GRU(8, return_sequences=True)(x)\n"
            "    m = tf.cast(tf.sequence_mask(lengths, tf.shape(h)[1]), tf.float32)\n"
            "    m = tf.expand_dims(m, -1)\n"
            "    return tf.reduce_sum(h * m, axis=1)\n",
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
        yield from self._outer_products(facts)
        for r in facts.reshapes:
            source = r.source
            if source.role == Role.MASK and source.tiled is not None:
                if r.dims is None or len(r.dims) != 3:
                    continue
                src = facts.code(r.source_node)
                yield Finding(
                    node=r.node,
                    message=(
                        f"`{src}` lays copies of the whole time axis side by side (tiled at "
                        f"{facts.where(source.tiled)}), so `{facts.code(r.node)}` gives each "
                        "step the flags of other steps (the counts match, the order does not); "
                        "give the mask a trailing axis instead (`mask.unsqueeze(-1)`, "
                        "broadcast or `.expand(b, t, h)`), or repeat each step with "
                        "`repeat_interleave(h, dim=1)`"
                    ),
                )
            elif source.role == Role.MASK and source.rank in (2, None):
                # Only what the known dims prove: a -1 keeps the count (a split or a merge of
                # axes), and a target that keeps every axis of the mask and adds one that is
                # not known to be 1 cannot hold the mask's values.
                if r.count_change() is not CountChange.DIFFERS or not r.adds_axes():
                    continue
                of = facts.code(r.target_node)
                src = facts.code(r.source_node)
                yield Finding(
                    node=r.node,
                    message=(
                        f"reshaping the [batch, time] mask `{src}` to `{of}` cannot add the "
                        "feature axis (element counts differ unless there is one feature); "
                        f"use `tf.expand_dims({src}, -1)` (torch: `mask.unsqueeze(-1)`)"
                    ),
                    fix=_expand_fix(facts, r) if r.like is not None else (),
                    fix_safe=True,
                    fix_title="Replace the reshape with expand_dims(..., -1)",
                )
            elif source.role == Role.LENGTHS and source.rank in (1, None):
                rows = r.rows_regrouped()
                if rows is None:
                    continue
                fix: tuple[Replacement, ...] = ()
                shape_node = r.target_node
                if isinstance(shape_node, (ast.List, ast.Tuple)) and len(shape_node.elts) == 2:
                    second_node = shape_node.elts[1]
                    if isinstance(second_node, ast.Starred):
                        second_node = second_node.value
                    fix = (facts.replace(second_node, "1"),)
                yield Finding(
                    node=r.node,
                    message=(
                        f"reshaping the [batch] lengths `{facts.code(r.source_node)}` to "
                        f"`{facts.code(shape_node)}` fails unless batch is a multiple of it, "
                        "and then divides the wrong rows; use `[-1, 1]`"
                    ),
                    fix=fix,
                    fix_safe=False,
                    fix_title="Reshape to [-1, 1]",
                )


    def _outer_products(self, facts: FileFacts) -> Iterator[Finding]:
        """``(v * m).sum() / m.sum()`` where ``v`` is ``(N,)`` and ``m`` an ``(N, 1)`` column:
        the product broadcasts to ``(N, N)``, so its sum is ``sum(v) * sum(m)`` and the
        division by ``m.sum()`` gives the plain ``sum(v)``: the mask weighs nothing. That the
        sum of ``m`` normalises the weighted sum is what makes ``m`` a mask of ``v``'s
        elements (an outer product on purpose is not divided by its column's sum); the
        analysis matches the two sums by value (``Division.outer_normalised``)."""
        for d in facts.divisions:
            r = d.outer_normalised
            if r is None or r.operand.outer is None:
                continue
            node = d.node
            column = r.operand.outer.node
            dims = r.operand.dims or ()
            n = dims[0] if dims else "N"
            col = facts.code(column)
            yield Finding(
                node=node,
                message=(
                    f"`{facts.code(r.node)}` multiplies a ({n},) vector by the ({n}, 1) "
                    f"column `{col}`, which broadcasts to ({n}, {n}): the sum counts every "
                    f"value once per kept row, and dividing by `{facts.code(d.denominator_node)}` "
                    f"gives the unmasked sum; drop the column axis (`{col}.squeeze(1)`)"
                ),
            )


def _expand_fix(facts: FileFacts, r: Reshape) -> tuple[Replacement, ...]:
    func = r.node.func
    q = facts.qualname(func)
    if q in ("tensorflow.reshape", "keras.ops.reshape") and isinstance(func, ast.Attribute):
        prefix = facts.source.segment(func.value)
        src = facts.source.segment(r.source_node)
        return (facts.replace(r.node, f"{prefix}.expand_dims({src}, -1)"),)
    return ()
