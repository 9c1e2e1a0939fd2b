"""The TF1 attention helper idiom: a function that takes RNN outputs of one or both directions
(``if isinstance(inputs, tuple): inputs = tf.concat(inputs, 2)``) and either layout
(``if time_major: ...``), called from another module whose RNN had ``sequence_length=``.

Facts: ``if`` tests the modelled values decide (``branches.static_truth``), the Python type of
tuples and lists (``TupleValue.kind``, also across modules), a TF1 RNN as a padding source for
project mode, and triage of a file whose padding evidence is in another module or is the shape
of a hand-written pad loop."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from pooling_lint.analysis.facts import build_facts_from_text
from pooling_lint.analysis.project import from_portable, to_portable
from pooling_lint.analysis.values import Fill, Side, Tensor, TupleValue
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.project import Project
from pooling_lint.runner import check_paths
from pooling_lint.triage import plan

from .conftest import facts_of, line_of, probe, probe_at

BIRNN = """
import tensorflow.compat.v1 as tf
x = tf.placeholder(tf.float32, [None, 20, 8])
n = tf.placeholder(tf.int32, [None])
pair, _ = tf.nn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=n, dtype=tf.float32)
"""


def test_isinstance_tuple_of_the_rnn_pair_runs_the_then_branch_only() -> None:
    src = BIRNN + textwrap.dedent("""
    if isinstance(pair, tuple):
        pair = tf.concat(pair, 2)
    probe(pair)
    """)
    out = probe(src)
    # joined with the untouched tuple of the else path this would be unknown
    assert isinstance(out, Tensor) and out.rank == 3 and out.padding is not None
    assert out.padding.side == Side.POST and out.padding.fill == Fill.ZERO


def test_isinstance_of_a_tuple_of_types_and_not() -> None:
    src = BIRNN + textwrap.dedent("""
    if not isinstance(pair, (list, tuple)):
        pair = unknown(pair)
    probe(pair)
    """)
    out = probe(src)
    assert isinstance(out, TupleValue) and out.kind == "tuple"


def test_a_list_display_is_not_a_tuple() -> None:
    src = BIRNN + textwrap.dedent("""
    fw_out, bw_out = pair
    both = [fw_out, bw_out]
    if isinstance(both, tuple):
        both = tf.concat(both, 2)
    probe(both)
    """)
    out = probe(src)
    assert isinstance(out, TupleValue) and out.kind == "list"


def test_a_sequence_of_unknown_python_type_is_left_to_both_branches() -> None:
    # Keras' return_state gives a list, other libraries tuples: no kind, no decision
    src = BIRNN + textwrap.dedent("""
    seq = (pair[0], pair[1]) if cond else [pair[0], pair[1]]
    if isinstance(seq, tuple):
        seq = tf.concat(seq, 2)
    probe(seq)
    """)
    assert probe(src) is None


def test_a_shadowed_isinstance_or_tuple_decides_nothing() -> None:
    src = BIRNN + textwrap.dedent("""
    tuple = list
    if isinstance(pair, tuple):
        pair = tf.concat(pair, 2)
    probe(pair)
    """)
    assert probe(src) is None


def test_tuple_kind_crosses_modules() -> None:
    src = BIRNN + "probe(pair)\n"
    facts = facts_of(src)
    pair = probe_at(facts, line_of(src, "probe(pair)"))
    assert isinstance(pair, TupleValue) and pair.kind == "tuple"
    back = from_portable(to_portable(pair, facts, "train.py"))
    assert isinstance(back, TupleValue) and back.kind == "tuple"
    assert isinstance(back.items[1], Tensor) and back.items[1].bidirectional is not None


HELPER = """
import tensorflow as tf

def attend(states, time_major=False):
    if time_major:
        states = tf.transpose(states, [1, 0, 2])
    probe(states)
    return states
"""


def _helper_probe(src: str) -> object:
    facts = facts_of(src)
    return probe_at(facts, line_of(src, "probe(states)"))


def test_a_default_no_call_site_passes_decides_the_test() -> None:
    src = HELPER + textwrap.dedent("""
    x = tf.placeholder(tf.float32, [None, 20, 8])
    attend(x)
    """)
    out = _helper_probe(src)
    # the transpose did not run: still batch-major
    assert isinstance(out, Tensor) and str(out.layout) == "BTF"


def test_a_constant_every_call_site_passes_decides_the_test() -> None:
    src = HELPER + textwrap.dedent("""
    x = tf.placeholder(tf.float32, [None, 20, 8])
    attend(x, time_major=True)
    """)
    out = _helper_probe(src)
    assert isinstance(out, Tensor) and str(out.layout) == "TBF"


def test_call_sites_that_disagree_decide_nothing() -> None:
    src = HELPER + textwrap.dedent("""
    x = tf.placeholder(tf.float32, [None, 20, 8])
    attend(x)
    attend(x, time_major=True)
    """)
    out = _helper_probe(src)
    assert not (isinstance(out, Tensor) and out.layout is not None)


def test_a_default_with_no_known_call_site_decides_nothing() -> None:
    src = """
    import tensorflow as tf

    def attend(states, time_major=False):
        states = tf.placeholder(tf.float32, [None, 20, 8])
        if time_major:
            states = tf.transpose(states, [1, 0, 2])
        probe(states)
    """
    out = _helper_probe(src)
    assert not (isinstance(out, Tensor) and out.layout is not None)


def test_a_parameter_rebound_before_the_test_decides_nothing() -> None:
    src = """
    import tensorflow as tf

    def attend(states, time_major=False):
        time_major = states.shape[0] is None
        if time_major:
            states = tf.transpose(states, [1, 0, 2])
        probe(states)

    attend(tf.placeholder(tf.float32, [None, 20, 8]))
    """
    out = _helper_probe(src)
    assert not (isinstance(out, Tensor) and out.layout is not None)


def test_the_dead_branch_records_no_events() -> None:
    src = """
    import tensorflow as tf

    def pool(states, average=False):
        if average:
            return tf.reduce_mean(states, 1)
        return tf.reduce_sum(states, 1)

    pool(tf.placeholder(tf.float32, [None, 20, 8]))
    """
    facts = build_facts_from_text(textwrap.dedent(src).lstrip("\n"))
    assert [r.op for r in facts.reductions] == ["sum"]


# ------------------------------------------------------------------ across modules
POOLING = """
import tensorflow as tf

def attend(inputs, size, time_major=False):
    if isinstance(inputs, tuple):
        inputs = tf.concat(inputs, 2)
    if time_major:
        inputs = tf.transpose(inputs, [1, 0, 2])
    w = tf.get_variable("w", [inputs.shape[2], size])
    u = tf.get_variable("u", [size])
    scores = tf.tensordot(tf.tanh(tf.tensordot(inputs, w, axes=1)), u, axes=1)
    return tf.nn.softmax(scores)
"""
TRAIN = """
import tensorflow as tf
from tensorflow.python.ops.rnn import bidirectional_dynamic_rnn as bi_rnn
from pooling import attend

ids = tf.placeholder(tf.int32, [None, 50])
n = tf.placeholder(tf.int32, [None])
x = tf.nn.embedding_lookup(tf.get_variable("e", [100, 8]), ids)
out, _ = bi_rnn(cell_fw, cell_bw, inputs=x, sequence_length=n, dtype=tf.float32)
weights = attend(out, 16)
"""


def _tree(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = root / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def test_an_rnn_with_sequence_length_is_a_padding_source_for_project_mode(
    tmp_path: Path,
) -> None:
    files = _tree(tmp_path, {"pooling.py": POOLING, "train.py": TRAIN})
    contexts = Project(files).contexts()
    ctx = contexts[tmp_path / "pooling.py"]
    ((target, args, _),) = ctx["inbound"]
    assert target == "attend" and args[0]["t"] == "tuple" and args[0]["py"] == "tuple"
    assert all("padding" in item for item in args[0]["items"])


def test_the_helper_softmax_is_found_across_modules(tmp_path: Path) -> None:
    files = _tree(tmp_path, {"pooling.py": POOLING, "train.py": TRAIN})
    results = check_paths(files, Options.for_config(Config()))
    found = {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}
    assert found == {("pooling.py", 11, "PLG105")}


def test_without_sequence_length_the_outputs_are_not_padded(tmp_path: Path) -> None:
    train = TRAIN.replace("sequence_length=n, ", "")
    files = _tree(tmp_path, {"pooling.py": POOLING, "train.py": train})
    results = check_paths(files, Options.for_config(Config()))
    assert [d for r in results for d in r.diagnostics] == []


# ------------------------------------------------------------------------- triage
@dataclass(frozen=True)
class _Rule:
    triggers: frozenset[str]
    requires: frozenset[str] | None = None


def test_a_hand_written_pad_loop_meets_the_padding_words_group() -> None:
    rule = _Rule(frozenset({"reduce_mean"}), frozenset({"pad_sequences"}))
    padded = (
        "import tensorflow as tf\n"
        "rows = [s + [0] * (40 - len(s)) for s in batch]\n"
        "y = tf.reduce_mean(x, 1)\n"
    )
    unpadded = "import tensorflow as tf\nrows = [s[:40] for s in batch]\ny = tf.reduce_mean(x, 1)\n"
    found = plan(padded, [rule])
    assert found is not None and found.narrowed is not None
    assert "len" in found.narrowed.triggers  # the loop's `len` is code, not a comment
    missing = plan(unpadded, [rule])
    assert missing is None or missing.narrowed is None
