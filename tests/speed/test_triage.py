"""Triage must never lose a finding: results with triage on equal results with it forced off."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pooling_lint.diagnostics import SYNTAX_ERROR
from pooling_lint.engine import lint_module_text, lint_source_text
from pooling_lint.rules import ENGINE_CODES, all_rules
from pooling_lint.runner import check_paths
from pooling_lint.triage import DISABLE_ENV, Stage, triage_for

from .conftest import REPO_ROOT, corpus_files, default_options


@dataclass(frozen=True)
class FakeRule:
    triggers: frozenset[str]


TRIAGE = triage_for([FakeRule(frozenset({"reduce_mean", "Masking", "keep_dims"}))])


@pytest.mark.parametrize(
    ("source", "stage"),
    [
        ("import tensorflow as tf\ny = tf.reduce_mean(x, 1)\n", Stage.PARSE),
        ("from tensorflow.keras.layers import Masking as M\nm = M()\n", Stage.PARSE),
        ("from keras.layers import *\nm = Masking()\n", Stage.PARSE),
        ("def f(x):\n    import torch\n    return x.reduce_mean()\n", Stage.PARSE),
        ("import os, torch\ny = x.reduce_mean()\n", Stage.PARSE),
        ("import torch.nn as nn\ny = nn.reduce_mean\n", Stage.PARSE),
        ("import tensorflow as tf\ns = tf.reduce_sum(x, keep_dims=True)\n", Stage.PARSE),
        ("import tf_keras\ndef reduce_mean(a):\n    pass\n", Stage.PARSE),
        ("import tensorflow as tf\ns = f'{tf.reduce_mean(x)}'\n", Stage.PARSE),
        # The ast walk visits only subtrees on lines with a trigger word; these must survive.
        ("import torch\n@reduce_mean\ndef f():\n    pass\n", Stage.PARSE),
        ("import tensorflow as tf\ny = (tf\n     .reduce_mean(x))\n", Stage.PARSE),
        ('import torch\ns = f"""\n{x.reduce_mean()}\n"""\n', Stage.PARSE),
        ("import torch\r\ny = x.reduce_mean()\r\n", Stage.PARSE),
        ("import torch\ry = x.reduce_mean()\r", Stage.PARSE),
        ("def f():\n    import torch\n    return 1\ny = x.reduce_mean()\n", Stage.PARSE),
        ("def f():\n    y = x.reduce_mean()\n    import keras.layers as kl\n", Stage.PARSE),
        # A syntax error is passed on, so libcst reports it as it would without triage.
        ("import tensorflow as tf\ny = tf.reduce_mean(x\n", Stage.PARSE),
        ("import tensorflow as tf\x00\ny = tf.reduce_mean(x)\n", Stage.PARSE),
        # Rejected by the ast stage: the trigger is only in a comment or a string ...
        ("import tensorflow as tf\n# tf.reduce_mean(x) counts padding\nx = 1\n", Stage.AST),
        ("import tensorflow as tf\ns = 'use tf.reduce_mean(x)'\n", Stage.AST),
        ('import torch\n"""Masking layers"""\n', Stage.AST),
        # ... or no framework is imported (it is only named in a comment, or imported relatively).
        ("import numpy as np\n# like torch\ny = np.reduce_mean(x)\n", Stage.AST),
        ("from .torch import reduce_mean\ny = reduce_mean(x)\n", Stage.AST),
        # A fragment that uses a conventional alias nothing binds is framework code ...
        ("y = tf.reduce_mean(x, 1)\n", Stage.PARSE),
        ("class M(nn.Module):\n    rnn = nn.LSTM(3, 3)\n    y = x.reduce_mean()\n", Stage.PARSE),
        # ... as long as it names an API of that module (this `nn` is a database connection)
        ("c = nn.cursor()\ny = c.reduce_mean()\n", Stage.AST),
        # ... but not when the file binds the name, or the alias is only numpy's.
        ("nn = load()\ny = nn.reduce_mean(x)\n", Stage.AST),
        ("def f(tf):\n    return tf.reduce_mean(x)\n", Stage.AST),
        ("y = np.reduce_mean(x)\ntf_ = 1\n", Stage.TEXT),
        # Rejected by the text stage: no framework word, or no trigger as a whole word.
        ("y = x.reduce_mean()\n", Stage.TEXT),
        ("import tensorflow as tf\ny = tf.reduce_means(x)\n", Stage.TEXT),
        ("import tensorflow as tf\ny = tf.my_reduce_mean(x)\n", Stage.TEXT),
    ],
)
def test_stages(source: str, stage: Stage) -> None:
    assert TRIAGE.stage(source) is stage


def test_a_rule_without_triggers_turns_triage_off() -> None:
    tri = triage_for([FakeRule(frozenset({"reduce_mean"})), FakeRule(frozenset())])
    assert not tri.enabled
    assert tri.stage("x = 1\n") is Stage.PARSE


def test_no_rules_means_nothing_to_find() -> None:
    assert triage_for([]).stage("import torch\ny = torch.mean(x)\n") is Stage.TEXT


def test_every_rule_declares_triggers() -> None:
    """A rule without triggers would switch triage off for every file (see triage.py)."""
    for rule in all_rules():
        triggers = getattr(rule, "triggers", None)
        assert triggers, f"{rule.code} declares no triggers"
        assert all(t.isidentifier() for t in triggers), f"{rule.code}: {sorted(triggers)}"


def test_syntax_error_that_passes_the_text_stage_is_reported() -> None:
    diags = lint_source_text("import tensorflow as tf\ns = tf.reduce_sum(h, reduction_indices=1\n")
    assert [d.code for d in diags] == [SYNTAX_ERROR]


def _rule_findings(
    text: str, display: str, monkeypatch: pytest.MonkeyPatch, off: bool
) -> list[tuple[str, int, int, str]]:
    with monkeypatch.context() as m:
        if off:
            m.setenv(DISABLE_ENV, "1")
        else:
            m.delenv(DISABLE_ENV, raising=False)
        diags = lint_module_text(text, display, default_options().rules)
    return [(d.code, d.start.line, d.start.column, d.message) for d in diags]


def test_rule_examples_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule's own bad and good examples: the same findings with and without triage."""
    checked = 0
    for rule in all_rules():
        for i, example in enumerate((*rule.bad_examples, *rule.good_examples)):
            display = f"{rule.code}-{i}.py"
            on = _rule_findings(example.code, display, monkeypatch, off=False)
            off = _rule_findings(example.code, display, monkeypatch, off=True)
            assert on == off, f"{rule.code} example {i}"
            checked += 1
    assert checked > 0


INLINE = {
    # PLG302 (the foundation's rule) reached in different ways.
    "alias.py": "import tensorflow as tf\ns = tf.reduce_sum(h, reduction_indices=1)\n",
    "from_import.py": "from tensorflow import math as m\ns = m.reduce_max(h, keep_dims=True)\n",
    "late_import.py": (
        "def pool(h):\n"
        "    import tensorflow as tf\n"
        "    return tf.reduce_mean(h, reduction_indices=[1], keep_dims=False)\n"
    ),
    "compat.py": "import tensorflow.compat.v1 as tf\nx = tf.reduce_sum(h, reduction_indices=1)\n",
    "comment_only.py": "import tensorflow as tf\n# tf.reduce_sum(h, reduction_indices=1)\n",
    "no_framework.py": "def reduce_sum(x, reduction_indices=None):\n    return x\n",
}


def test_fixture_corpus_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/fixtures/**.py, examples/*.py and the inline snippets, triage on vs. off."""
    for name, text in INLINE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = corpus_files() + sorted(tmp_path.glob("*.py"))
    options = default_options()
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    with_triage = check_paths(files, options)
    monkeypatch.setenv(DISABLE_ENV, "1")
    without = check_paths(files, options)
    tri = triage_for(options.rules)
    found = 0
    for on, off in zip(with_triage, without, strict=True):
        rule_on = [d for d in on.diagnostics if d.code not in ENGINE_CODES]
        rule_off = [d for d in off.diagnostics if d.code not in ENGINE_CODES]
        assert rule_on == rule_off, on.display
        found += len(rule_off)
        text = on.path.read_text(encoding="utf-8", errors="replace")
        if tri.text_stage(text):
            # A file that reaches the parser gets its syntax error, exactly as without triage.
            syntax_on = [d for d in on.diagnostics if d.code == SYNTAX_ERROR]
            syntax_off = [d for d in off.diagnostics if d.code == SYNTAX_ERROR]
            assert syntax_on == syntax_off, on.display
    assert found >= 4  # the inline PLG302 snippets at least


def test_repo_root_is_the_checkout() -> None:
    assert (REPO_ROOT / "pooling_lint" / "triage.py").is_file()
