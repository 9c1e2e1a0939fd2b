"""Canonical names through imports and aliases (names.py), and as the interpreter sees them."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pooling_lint.analysis.names import canonical, collect_imports, resolve
from pooling_lint.analysis.positions import SourceLines

from .conftest import facts_of, line_of, one_on, reduction_on


def qualname(imports: str, expr: str) -> str | None:
    text = textwrap.dedent(imports)
    table = collect_imports(SourceLines(text), ast.parse(text))
    return resolve(table, ast.parse(expr, mode="eval").body)


@pytest.mark.parametrize(
    ("imports", "expr", "expected"),
    [
        ("import tensorflow as tf", "tf.keras.layers.LSTM", "keras.layers.LSTM"),
        ("import tensorflow as tf", "tf.reduce_mean", "tensorflow.reduce_mean"),
        ("import tensorflow as tf", "tf.math.reduce_mean", "tensorflow.reduce_mean"),
        ("import tensorflow as tf", "tf.keras.models.Model", "keras.Model"),
        ("import tensorflow as tf", "tf.keras.layers.Input", "keras.Input"),
        ("from tensorflow import keras", "keras.layers.Dense", "keras.layers.Dense"),
        ("from tensorflow import keras", "keras.Sequential", "keras.Sequential"),
        ("from tensorflow.keras import layers as L", "L.LSTM", "keras.layers.LSTM"),
        ("from tensorflow.keras.layers import Masking", "Masking", "keras.layers.Masking"),
        (
            "from keras import layers",
            "layers.GlobalMaxPooling1D",
            "keras.layers.GlobalMaxPooling1D",
        ),
        ("from keras import ops", "ops.mean", "keras.ops.mean"),
        ("import keras.backend as K", "K.mean", "keras.backend.mean"),
        ("import tf_keras", "tf_keras.layers.LSTM", "keras.layers.LSTM"),
        ("import tf_keras as keras", "keras.layers.Embedding", "keras.layers.Embedding"),
        ("from tf_keras import layers", "layers.Bidirectional", "keras.layers.Bidirectional"),
        ("import torch.nn as nn", "nn.LSTM", "torch.nn.LSTM"),
        ("from torch import nn", "nn.GRU", "torch.nn.GRU"),
        ("import torch.nn", "torch.nn.Linear", "torch.nn.Linear"),
        ("import torch", "torch.nn.modules.rnn.LSTM", "torch.nn.LSTM"),
        ("import torch.nn.functional as F", "F.avg_pool1d", "torch.nn.functional.avg_pool1d"),
        ("from torch.nn import functional as F", "F.softmax", "torch.nn.functional.softmax"),
        (
            "from torch.nn.utils.rnn import pad_sequence",
            "pad_sequence",
            "torch.nn.utils.rnn.pad_sequence",
        ),
        (
            "from torch.nn.utils.rnn import pack_padded_sequence as pack",
            "pack",
            "torch.nn.utils.rnn.pack_padded_sequence",
        ),
        (
            "from keras.preprocessing.sequence import pad_sequences",
            "pad_sequences",
            "keras.utils.pad_sequences",
        ),
        (
            "import tensorflow as tf",
            "tf.keras.preprocessing.sequence.pad_sequences",
            "keras.utils.pad_sequences",
        ),
        ("import numpy as np", "np.zeros", "numpy.zeros"),
    ],
)
def test_alias_resolves_to_canonical_name(imports: str, expr: str, expected: str) -> None:
    assert qualname(imports, expr) == expected


@pytest.mark.parametrize(
    ("imports", "expr"),
    [
        ("import tensorflow as tf", "tf.keras.layers.GRU"),
        ("from tensorflow import keras", "keras.layers.GRU"),
        ("import keras", "keras.layers.GRU"),
        ("import tf_keras", "tf_keras.layers.GRU"),
        ("from tensorflow.keras import layers", "layers.GRU"),
        ("from tensorflow.keras.layers import GRU", "GRU"),
    ],
)
def test_three_keras_spellings_are_one_name(imports: str, expr: str) -> None:
    assert qualname(imports, expr) == "keras.layers.GRU"


def test_canonical_is_idempotent() -> None:
    for name in (
        "tensorflow.keras.layers.LSTM",
        "tf_keras.layers.Dense",
        "torch.nn.modules.rnn.GRU",
    ):
        once = canonical(name)
        assert canonical(once) == once


def test_name_without_import_is_unknown() -> None:
    assert qualname("import torch", "np.mean") is None
    assert qualname("import torch", "nn.LSTM") is None


def test_relative_import_is_unknown() -> None:
    assert qualname("from .layers import LSTM", "LSTM") is None


def test_import_inside_function_counts() -> None:
    src = """
    def build():
        import torch.nn as nn
        return nn.LSTM(10, 20)
    """
    assert qualname(src, "nn.LSTM") == "torch.nn.LSTM"


def test_call_facts_carry_canonical_names_through_aliases() -> None:
    src = """
    import tensorflow as tf
    from tensorflow.keras import layers as L
    inp = tf.keras.Input(shape=(None, 8))
    h = L.LSTM(16, return_sequences=True)(inp)
    pooled = tf.math.reduce_mean(h, axis=1)
    """
    facts = facts_of(src)
    names = {c.qualname for c in facts.calls}
    assert {"keras.Input", "keras.layers.LSTM", "tensorflow.reduce_mean"} <= names
    r = reduction_on(facts, line_of(src, "reduce_mean"))
    assert r.op == "mean" and r.axis == 1
    assert facts.qualname(r.node.func) == "tensorflow.reduce_mean"


@pytest.mark.parametrize(
    ("call", "op", "axis"),
    [
        ("h.mean(dim=1)", "mean", 1),
        ("h.mean(1)", "mean", 1),
        ("h.max(1)", "max", 1),
        ("h.sum(-2)", "sum", 1),
        ("h.amax(dim=1)", "max", 1),
        ("h.logsumexp(1)", "logsumexp", 1),
        ("torch.mean(h, dim=1)", "mean", 1),
        ("torch.max(h, 1)", "max", 1),
    ],
)
def test_method_and_function_reductions_on_tracked_tensor(call: str, op: str, axis: int) -> None:
    src = f"""
    import torch
    h = torch.randn(4, 12, 8)
    r = {call}
    """
    facts = facts_of(src)
    r = reduction_on(facts, 3)
    assert (r.op, r.axis) == (op, axis)
    assert r.operand.dims == (4, 12, 8)


def test_method_on_untracked_value_is_no_reduction() -> None:
    src = """
    import torch
    h = something_else()
    r = h.mean(1)
    """
    assert facts_of(src).reductions == []


def test_star_import_resolves_nothing() -> None:
    src = """
    from torch.nn import *
    from tensorflow.keras.layers import *
    lstm = LSTM(10, 20)
    """
    facts = facts_of(src)
    assert facts.imports.star_modules == ["torch.nn", "tensorflow.keras.layers"]
    assert facts.imports.framework_roots == frozenset({"torch", "tensorflow"})
    call = one_on(facts, facts.calls, 3)
    assert call.qualname is None


def test_alias_bound_to_two_modules_is_unknown() -> None:
    src = """
    import tensorflow as tf
    import torch as tf
    """
    assert qualname(src, "tf.reduce_mean") is None
    assert qualname(src, "tf.mean") is None


def test_same_alias_imported_twice_stays_known() -> None:
    src = """
    import torch.nn as nn
    from torch import nn
    """
    assert qualname(src, "nn.LSTM") == "torch.nn.LSTM"


def test_tf_keras_import_marks_legacy_keras() -> None:
    assert facts_of("import tf_keras as keras\n").legacy_keras
    assert not facts_of("from tensorflow import keras\n").legacy_keras


@pytest.mark.parametrize(
    ("text", "expr", "expected"),
    [
        # a fragment: nothing binds `nn`, `tf`, `F`, so they are the conventional modules
        ("class M(nn.Module):\n    rnn = nn.LSTM(3, 3)\n", "nn.LSTM", "torch.nn.LSTM"),
        ("y = tf.reduce_mean(x, axis=1)\n", "tf.reduce_mean", "tensorflow.reduce_mean"),
        ("y = F.softmax(x, dim=1)\n", "F.softmax", "torch.nn.functional.softmax"),
        # an import binds the name: the import wins, nothing is implied
        ("import mxnet.gluon.nn as nn\nnn.Dense(3)\n", "nn.Dense", "mxnet.gluon.nn.Dense"),
        # bound by an assignment, a parameter, a def, a loop target, an except, a with
        ("nn = make()\nnn.LSTM(3)\n", "nn.LSTM", None),
        ("def f(nn):\n    return nn.LSTM(3)\n", "nn.LSTM", None),
        ("def tf():\n    pass\ntf.reduce_mean(x)\n", "tf.reduce_mean", None),
        ("for F in fs:\n    F.softmax(x)\n", "F.softmax", None),
        ("try:\n    pass\nexcept E as tf:\n    tf.reduce_mean(x)\n", "tf.reduce_mean", None),
        ("with open(p) as nn:\n    nn.read()\n", "nn.read", None),
        # a star import may bind it: nothing is implied
        ("from somewhere import *\nnn.LSTM(3)\n", "nn.LSTM", None),
        # an alias only written in a string or a comment is not used
        ("s = 'nn.LSTM'\n", "nn.LSTM", None),
    ],
)
def test_implicit_aliases_only_for_names_nothing_binds(
    text: str, expr: str, expected: str | None
) -> None:
    table = collect_imports(SourceLines(text), ast.parse(text))
    assert resolve(table, ast.parse(expr, mode="eval").body) == expected


def test_a_fragments_findings_say_which_names_were_implied() -> None:
    from pooling_lint.config import Config
    from pooling_lint.engine import Options, lint_module_text

    text = textwrap.dedent(
        """\
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(8, 8, batch_first=True, bidirectional=True)

            def forward(self, x):
                out, _ = self.rnn(x)
                return out[:, -1]
        """
    )
    (diag,) = lint_module_text(text, "frag.py", Options.for_config(Config()).rules)
    assert diag.code == "PLG204" and diag.line == 8
    assert diag.message.endswith("read `nn` as `torch.nn`)")


@pytest.mark.parametrize(
    "text",
    [
        "cur = nn.cursor()\nnn.commit()\n",  # a database connection the fragment never made
        "tf.write(data)\n",  # a file handle
        "y = F.value_of(x)\n",  # no torch.nn.functional API of that name
    ],
)
def test_no_implicit_alias_unless_it_names_a_modelled_api(text: str) -> None:
    table = collect_imports(SourceLines(text), ast.parse(text))
    assert table.implicit == frozenset()
