"""PLG302: TF1 ``reduction_indices=`` / ``keep_dims=`` on TensorFlow reductions."""

from __future__ import annotations

from collections.abc import Iterator

from pooling_lint.analysis.facts import FileFacts
from pooling_lint.rules.base import Example, Finding, Rule

_RENAMES = {"reduction_indices": "axis", "keep_dims": "keepdims"}

_REDUCTIONS = frozenset(
    f"tensorflow.{op}"
    for op in (
        "reduce_mean",
        "reduce_sum",
        "reduce_max",
        "reduce_min",
        "reduce_prod",
        "reduce_all",
        "reduce_any",
        "reduce_logsumexp",
        "reduce_std",
        "reduce_variance",
        "reduce_euclidean_norm",
        "count_nonzero",
        "argmax",
        "argmin",
    )
)


class DeprecatedReductionArgs(Rule):
    code = "PLG302"
    name = "deprecated-reduction-args"
    summary = "TF1 `reduction_indices=`/`keep_dims=` on a TF reduction; use `axis=`/`keepdims=`"
    fixable = "always"
    triggers = frozenset({"reduction_indices", "keep_dims"})
    docs = """
    ## What it does
    Finds TensorFlow reductions (`tf.reduce_sum`, `tf.reduce_mean`, `tf.math.reduce_max`, ...)
    called with the TensorFlow 1 keyword arguments `reduction_indices=` or `keep_dims=`.

    ## Why is this bad?
    TensorFlow 2 removed both names: `tf.reduce_sum(x, reduction_indices=1)` raises
    `TypeError: Got an unexpected keyword argument 'reduction_indices'`. Tutorials written for
    TF1 still use them, so code copied from them fails before it computes anything.
    (`tf.compat.v1.reduce_*` still accepts them, so those calls are not reported.)

    ## Example
    ```python
    import tensorflow as tf

    total = tf.reduce_sum(hidden, reduction_indices=1, keep_dims=True)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    total = tf.reduce_sum(hidden, axis=1, keepdims=True)
    ```

    ## Fix safety
    The fix renames the keyword only; the meaning is identical, so it is safe.
    """
    bad_examples = (
        Example(
            "import tensorflow as tf\n"
            "def pool(h):\n"
            "    return tf.reduce_sum(h, reduction_indices=1)\n",
            expect=(3,),
            fixed="import tensorflow as tf\ndef pool(h):\n    return tf.reduce_sum(h, axis=1)\n",
        ),
        Example(
            "from tensorflow import math as tfm\nm = tfm.reduce_max(x, keep_dims=True)\n",
            expect=(2,),
            fixed="from tensorflow import math as tfm\nm = tfm.reduce_max(x, keepdims=True)\n",
        ),
    )
    good_examples = (
        Example("import tensorflow as tf\ns = tf.reduce_sum(h, axis=1, keepdims=True)\n"),
        # Not TensorFlow: a user function that happens to take the same keyword.
        Example(
            "def reduce_sum(x, reduction_indices=None): ...\nreduce_sum(1, reduction_indices=2)\n"
        ),
    )

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        for call in facts.calls:
            if call.qualname not in _REDUCTIONS:
                continue
            old = [k for k in call.node.keywords if k.arg in _RENAMES]
            if not old:
                continue
            names = ", ".join(f"`{k.arg}=`" for k in old)
            news = ", ".join(f"`{_RENAMES[k.arg or '']}=`" for k in old)
            short = call.qualname.replace("tensorflow.", "tf.")
            yield Finding(
                node=call.node,
                message=(
                    f"`{short}` called with TF1 argument {names}, which TensorFlow 2 rejects "
                    f"with a TypeError; use {news}"
                ),
                fix=tuple(facts.replace_keyword_name(k, _RENAMES[k.arg or ""]) for k in old),
                fix_safe=True,
                fix_title=f"Rename {names} to {news}",
            )
