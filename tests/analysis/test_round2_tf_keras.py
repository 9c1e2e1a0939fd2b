"""Round 2 of the TF1/Keras idioms (issue #13): names bound on one path only, and the
``try``/``except`` fallback for another library version."""

from __future__ import annotations

import textwrap

from pooling_lint.analysis.facts import build_facts_from_text
from pooling_lint.analysis.values import Tensor, TupleValue


def _probes(text: str) -> list[object]:
    facts = build_facts_from_text(textwrap.dedent(text).lstrip("\n"))
    return [c.args[0] for c in facts.calls if getattr(c.node.func, "id", "") == "probe"]


def test_a_name_bound_in_one_branch_only_keeps_its_value() -> None:
    # unbound on the other path, where reading it raises: every read that runs sees this
    (value,) = _probes(
        """
        from tflearn.data_utils import pad_sequences
        def main(rows, flag):
            if flag:
                x = pad_sequences(rows, maxlen=20, value=0.0)
            probe(x)
        """
    )
    assert isinstance(value, Tensor) and value.padding is not None


def test_a_name_bound_before_and_rebound_in_one_branch_is_joined() -> None:
    (value,) = _probes(
        """
        from tflearn.data_utils import pad_sequences
        import numpy as np
        def main(rows, flag):
            x = np.ones((4, 20))
            if flag:
                x = pad_sequences(rows, maxlen=20, value=0.0)
            probe(x)
        """
    )
    assert not isinstance(value, Tensor) or value.padding is None


FALLBACK = """
    import tensorflow as tf
    from tensorflow.contrib import rnn
    def birnn(x, fw, bw):
        x = tf.unstack(x, 28, 1)
        try:
            outputs, _, _ = rnn.static_bidirectional_rnn(fw, bw, x, dtype=tf.float32)
        except Exception:
            outputs = rnn.static_bidirectional_rnn(fw, bw, x, dtype=tf.float32)
        probe(outputs)
"""


def test_a_version_fallback_handler_is_dead_for_the_modelled_version() -> None:
    (value,) = _probes(FALLBACK)
    assert isinstance(value, Tensor) and value.bidirectional is not None


def test_a_handler_that_calls_something_else_still_joins() -> None:
    text = FALLBACK.replace(
        "outputs = rnn.static_bidirectional_rnn(fw, bw, x, dtype=tf.float32)",
        "outputs = rnn.static_rnn(fw, x, dtype=tf.float32)",
    )
    (value,) = _probes(text)
    assert not isinstance(value, Tensor) or value.bidirectional is None


def test_a_try_whose_unpacking_fails_on_the_model_runs_the_handler() -> None:
    # two targets for a 3-tuple: the try raises under the model, the handler's value stands
    text = FALLBACK.replace("outputs, _, _ =", "outputs, _ =").replace(
        "probe(outputs)", "probe(outputs)\n    probe(outputs[-1])"
    )
    value, _ = _probes(text)
    assert not isinstance(value, Tensor)
    assert value is None or isinstance(value, TupleValue)
