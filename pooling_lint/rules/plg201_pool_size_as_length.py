"""PLG201: a window pool whose size is the sequence length, used as a global pool."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.facts import FileFacts, LayerCall, Reduction
from pooling_lint.analysis.library import Family
from pooling_lint.rules.base import Example, Finding, Replacement, Rule

_GLOBAL = {
    "AveragePooling1D": "GlobalAveragePooling1D",
    "AvgPool1D": "GlobalAveragePooling1D",
    "MaxPooling1D": "GlobalMaxPooling1D",
    "MaxPool1D": "GlobalMaxPooling1D",
}


class PoolSizeAsLength(Rule):
    code = "PLG201"
    name = "pool-size-as-length"
    summary = "Window pool sized to the sequence length used as a global pool"
    fixable = "sometimes"
    triggers = lib.names(lambda api: api.family is Family.POOLING and api.window)
    docs = """
    ## What it does
    Finds `AveragePooling1D`/`MaxPooling1D` (or `F.avg_pool1d`/`nn.AvgPool1d`) whose literal
    pool size equals the sequence length the file shows, or is more than half of it without
    dividing it, i.e. a window pool standing in for a global pool.

    ## Why is this bad?
    A window pool keeps the time axis: `AveragePooling1D(pool_size=T)` on `(batch, T, F)`
    returns `(batch, 1, F)`, not `(batch, F)`, so a following `Dense(1)` gives
    `(batch, 1, 1)`. When `T` is not a multiple of the pool size, the tail steps are silently
    dropped (`T=15`, `pool_size=10` averages steps 0-9 only). And the model is tied to one
    sequence length: other lengths give other shapes or wrong averages.

    ## Example
    ```python
    model = Sequential([AveragePooling1D(pool_size=10), Dense(1)])   # inputs (batch, 10, 64)
    ```

    ## Use instead
    ```python
    model = Sequential([GlobalAveragePooling1D(), Dense(1)])
    ```

    ## Fix safety
    When the pool is followed by `Flatten`, replacing it with `GlobalAveragePooling1D()`
    gives the same values and shape for the known length (and the right ones for any other),
    so the fix is safe. Without `Flatten` the output shape changes from `(batch, 1, F)` to
    `(batch, F)` — what was meant, but a change of meaning: the fix is unsafe.
    """
    bad_examples = (
        Example(
            "import numpy as np\n"
            "from tensorflow import keras\n"
            "x = np.random.rand(8, 10, 4)\n"
            "m = keras.Sequential([keras.layers.AveragePooling1D(pool_size=10),\n"
            "                      keras.layers.Flatten(), keras.layers.Dense(1)])\n"
            "m.predict(x)\n",
            expect=(4,),
            fixed="import numpy as np\n"
            "from tensorflow import keras\n"
            "x = np.random.rand(8, 10, 4)\n"
            "m = keras.Sequential([keras.layers.GlobalAveragePooling1D(),\n"
            "                      keras.layers.Flatten(), keras.layers.Dense(1)])\n"
            "m.predict(x)\n",
        ),
    )
    good_examples = (
        Example(
            "import numpy as np\n"
            "from tensorflow import keras\n"
            "x = np.random.rand(8, 10, 4)\n"
            "m = keras.Sequential([keras.layers.Conv1D(8, 3), keras.layers.MaxPooling1D(2)])\n"
            "m.predict(x)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        followers = {id(lc.node): lc for lc in facts.layer_calls}
        for r in facts.reductions:
            k = r.pool_size
            if k is None or k <= 1 or r.axis is None:
                continue
            length = r.operand.dim(r.axis)
            if not isinstance(length, int) or length <= 0:
                continue
            if k == length:
                kept = f"{_feat(r)}, 1" if r.axis == _rank(r) - 1 else f"1, {_feat(r)}"
                problem = (
                    f"leaves a time axis of size 1 (output (batch, {kept}), not "
                    f"(batch, {_feat(r)}))"
                )
            elif k > length // 2 and length % k != 0 and k < length:
                problem = (
                    f"silently drops the last {length % k} of {length} steps and keeps a time axis"
                )
            else:
                continue
            short = r.api.strip("`")
            target = _GLOBAL.get(short)
            fix: tuple[Replacement, ...] = ()
            safe = False
            lc = followers.get(id(r.node))
            ctor = r.layer.node if r.layer is not None else None
            if target is not None and isinstance(ctor, ast.Call) and k == length:
                new = _global_call(facts, ctor, target)
                if new is not None:
                    fix = (facts.replace(ctor, new),)
                    safe = _followed_by_flatten(lc)
            suggestion = f"`{target}()`" if target else "a global pool over the time axis"
            yield Finding(
                node=r.node,
                message=(
                    f"{r.api} with pool size {k} on a sequence of length {length} {problem}; "
                    f"use {suggestion}, which also works for any length"
                ),
                fix=fix,
                fix_safe=safe,
                fix_title=f"Replace with `{target}()`" if fix else "",
            )


def _rank(r: Reduction) -> int:
    return r.operand.rank if r.operand.rank is not None else 3


def _feat(r: Reduction) -> str:
    """The feature size: the last axis (channels-last), or the one before a last-axis time
    (torch's channels-first ``(N, C, L)`` pools)."""
    f = r.operand.dim(1 if r.axis == _rank(r) - 1 else -1)
    return str(f) if f is not None else "features"


def _followed_by_flatten(lc: LayerCall | None) -> bool:
    if lc is None or not lc.in_sequential or not lc.next_layers:
        return False
    nxt = lc.next_layers[0]
    return nxt is not None and nxt.qualname == "keras.layers.Flatten"


def _global_call(facts: FileFacts, node: ast.Call, target: str) -> str | None:
    """`layers.AveragePooling1D(10)` -> `layers.GlobalAveragePooling1D()`, reusing the prefix."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return f"{facts.source.segment(func.value)}.{target}()"
    if isinstance(func, ast.Name):
        alias = facts.imports.aliases.get(target)
        if alias is not None and alias.endswith(target):
            return f"{target}()"
    return None
