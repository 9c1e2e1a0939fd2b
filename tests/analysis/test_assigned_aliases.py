"""Module aliases made by assignment: ``tf1 = tf.compat.v1``, ``tfkl = tfk.layers``."""

from __future__ import annotations

import ast
import textwrap

from pooling_lint.analysis.names import collect_imports, resolve
from pooling_lint.analysis.positions import SourceLines


def _table(src: str):  # type: ignore[no-untyped-def]
    text = textwrap.dedent(src)
    return collect_imports(SourceLines(text), ast.parse(text))


def _q(table, expr: str) -> str | None:  # type: ignore[no-untyped-def]
    node = ast.parse(expr, mode="eval").body
    return resolve(table, node)


def test_a_module_alias_assigned_once_resolves() -> None:
    table = _table(
        """
        import tensorflow as tf
        tf1 = tf.compat.v1
        tfk = tf.keras
        tfkl = tfk.layers
        K = tfk.backend
        """
    )
    assert _q(table, "tf1.nn.dynamic_rnn") == "tensorflow.compat.v1.nn.dynamic_rnn"
    assert _q(table, "tfkl.GlobalAveragePooling1D") == "keras.layers.GlobalAveragePooling1D"
    assert _q(table, "K.mean") == "keras.backend.mean"


def test_an_alias_bound_again_or_of_a_non_framework_stays_unknown() -> None:
    table = _table(
        """
        import tensorflow as tf
        import mylib
        tf1 = tf.compat.v1
        layers = tf.keras.layers
        ops = mylib.ops
        def f(layers):
            return layers
        for tf1 in range(3):
            pass
        """
    )
    assert _q(table, "tf1.nn.dynamic_rnn") is None  # also a loop target
    assert _q(table, "layers.Dense") is None  # also a parameter
    assert _q(table, "ops.mean") is None  # not a framework


def test_an_alias_inside_a_function_is_not_taken() -> None:
    table = _table(
        """
        import tensorflow as tf
        def build():
            L = tf.keras.layers
            return L.Dense(3)
        """
    )
    assert _q(table, "L.Dense") is None
