"""Unsafe fixes that switch to the runtime ops (docs/fixes.md), run for real.

Each program is fixed through the engine and the libcst writer (as ``--fix --unsafe-fixes``
does), the fixed text is executed with real tensors, and its result on a padded batch is
compared with the ORIGINAL program run on each sequence alone, unpadded: for one unpadded
sequence the original code is right, so the fixed code must agree with it row by row.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from pooling_lint.cli import main
from pooling_lint.diagnostics import Diagnostic
from pooling_lint.engine import fix_text, lint_module_text
from pooling_lint.rules import all_rules

RULES = [r() for r in all_rules()]
LENGTHS = [5, 2, 4]


def lint(text: str) -> list[Diagnostic]:
    return lint_module_text(text, "model.py", RULES)


def fixed(src: str, unsafe: bool = True) -> str:
    new, _, _ = fix_text(lint, src, unsafe=unsafe)
    return new


def run(text: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "fixed_program"}
    exec(compile(text, "<program>", "exec"), ns)
    return ns


def dedent(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


def torch_batch(feat: int = 4) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    seqs = [torch.randn(n, feat) for n in LENGTHS]
    padded = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    return seqs, padded, torch.tensor(LENGTHS)


def fixes_of(text: str, code: str) -> list[Diagnostic]:
    return [d for d in lint(text) if d.code == code]


# ---------------------------------------------------------------- torch
PACKED = dedent(
    """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(4, 6, batch_first=True)

        def forward(self, x, lengths):
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True)
            return out.mean(dim=1), out[:, -1]
    """
)


def test_packed_mean_and_last_step_equal_the_per_sequence_loop() -> None:
    plg101, plg103 = fixes_of(PACKED, "PLG101"), fixes_of(PACKED, "PLG103")
    assert plg101[0].fix is not None and plg101[0].fix.applicability == "unsafe"
    assert plg103[0].fix is not None and plg103[0].fix.applicability == "unsafe"
    new = fixed(PACKED)
    assert "return masked_mean(out, lengths), last_valid(out, lengths)" in new
    # two fixes, one import line, each name once
    assert new.count("from pooling_lint.runtime.torch import") == 1
    assert "from pooling_lint.runtime.torch import last_valid, masked_mean\n" in new
    original, repaired = run(PACKED)["Encoder"](), run(new)["Encoder"]()
    repaired.load_state_dict(original.state_dict())
    seqs, padded, lengths = torch_batch()
    with torch.no_grad():
        mean, last = repaired(padded, lengths)
        for i, seq in enumerate(seqs):
            want_mean, want_last = original(seq[None], torch.tensor([len(seq)]))
            torch.testing.assert_close(mean[i], want_mean[0])
            torch.testing.assert_close(last[i], want_last[0])
        # and the unfixed program is really wrong on the padded batch
        bad_mean, bad_last = original(padded, lengths)
        assert not torch.allclose(bad_mean, mean)


TIME_FIRST = dedent(
    """
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 6)

        def forward(self, x, lengths):
            out, _ = self.rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
            out, _ = pad_packed_sequence(out)
            return out.mean(dim=0), out[-1]
    """
)


def test_time_first_mean_and_last_step_pass_time_axis_0() -> None:
    new = fixed(TIME_FIRST)
    assert (
        "return masked_mean(out, lengths, time_axis=0), last_valid(out, lengths, time_axis=0)"
        in new
    )
    original, repaired = run(TIME_FIRST)["Encoder"](), run(new)["Encoder"]()
    repaired.load_state_dict(original.state_dict())
    seqs, padded, lengths = torch_batch()
    with torch.no_grad():
        mean, last = repaired(padded.transpose(0, 1), lengths)
        for i, seq in enumerate(seqs):
            want_mean, want_last = original(seq[:, None], torch.tensor([len(seq)]))
            torch.testing.assert_close(mean[i], want_mean[0])
            torch.testing.assert_close(last[i], want_last[0])


LENGTHS_MASK = dedent(
    """
    import torch


    def pool(x, lengths):
        valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
        x = x.masked_fill(~valid[..., None], 0.0)
        avg = torch.mean(x, 1)
        top = x.max(dim=1).values
        low = torch.amin(x, dim=1)
        return avg, top, low
    """
)


def test_mean_max_min_with_lengths_equal_the_per_sequence_loop() -> None:
    new = fixed(LENGTHS_MASK)
    assert "avg = masked_mean(x, lengths)" in new
    assert "top = masked_max(x, lengths)" in new
    assert "low = masked_min(x, lengths)" in new
    assert new.count("from pooling_lint.runtime.torch import") == 1
    pool = run(new)["pool"]
    seqs, padded, lengths = torch_batch()
    avg, top, low = pool(padded - 3.0, lengths)  # all valid values negative: padding 0 would win
    for i, seq in enumerate(seqs):
        torch.testing.assert_close(avg[i], (seq - 3.0).mean(0))
        torch.testing.assert_close(top[i], (seq - 3.0).amax(0))
        torch.testing.assert_close(low[i], (seq - 3.0).amin(0))


MASKED = dedent(
    """
    import torch


    def pool(h, mask):
        h = h * mask.unsqueeze(-1).float()
        return h.mean(dim=1)


    def pool_inline(h, mask):
        return (h * mask.unsqueeze(-1).float()).mean(1)
    """
)


def test_mean_with_a_valid_step_mask_equals_the_per_sequence_loop() -> None:
    new = fixed(MASKED)
    assert "return masked_mean(h, mask=mask)" in new
    seqs, padded, lengths = torch_batch()
    mask = torch.arange(padded.shape[1])[None, :] < lengths[:, None]
    assert "return masked_mean(h * mask.unsqueeze(-1).float(), mask=mask)" in new
    ns = run(new)
    out, inline = ns["pool"](padded, mask), ns["pool_inline"](padded, mask)
    for i, seq in enumerate(seqs):
        torch.testing.assert_close(out[i], seq.mean(0))
        torch.testing.assert_close(inline[i], seq.mean(0))


ATTENTION = dedent(
    """
    import torch
    from torch import nn


    class Attend(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 6, batch_first=True)
            self.score = nn.Linear(6, 1)

        def forward(self, x, lengths):
            valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
            out, _ = self.rnn(x * valid[..., None])
            scores = self.score(out).squeeze(-1)
            weights = torch.softmax(scores, dim=1)
            return (weights.unsqueeze(-1) * out).sum(1)
    """
)


def test_softmax_over_scores_equals_the_per_sequence_loop() -> None:
    assert fixes_of(ATTENTION, "PLG105")[0].fix is not None
    new = fixed(ATTENTION)
    assert "weights = masked_softmax(scores, lengths)" in new
    original, repaired = run(ATTENTION)["Attend"](), run(new)["Attend"]()
    repaired.load_state_dict(original.state_dict())
    seqs, padded, lengths = torch_batch()
    with torch.no_grad():
        pooled = repaired(padded, lengths)
        for i, seq in enumerate(seqs):
            want = original(seq[None], torch.tensor([len(seq)]))
            torch.testing.assert_close(pooled[i], want[0])


# ---------------------------------------------------------------- TensorFlow and Keras
TF_POOL = dedent(
    """
    import tensorflow as tf


    def pool(x, lengths):
        valid = tf.sequence_mask(lengths, tf.shape(x)[1])
        x = tf.where(valid[:, :, None], x, 0.0)
        return tf.reduce_mean(x, axis=1), tf.reduce_max(x, axis=1)
    """
)


def test_tensorflow_mean_and_max_equal_the_per_sequence_loop() -> None:
    import tensorflow as tf

    new = fixed(TF_POOL)
    assert "return masked_mean(x, lengths), masked_max(x, lengths)" in new
    assert "from pooling_lint.runtime.tensorflow import masked_max, masked_mean\n" in new
    seqs, padded, lengths = torch_batch()
    x = tf.constant(padded.numpy() - 3.0)
    mean, top = run(new)["pool"](x, tf.constant(LENGTHS))
    for i, seq in enumerate(seqs):
        s = seq.numpy() - 3.0
        np.testing.assert_allclose(mean[i].numpy(), s.mean(0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(top[i].numpy(), s.max(0), rtol=1e-6)


KERAS = dedent(
    """
    import keras
    from keras import layers


    def build():
        tokens = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(20, 4, mask_zero=True)(tokens)
        states = layers.LSTM(6, return_sequences=True)(x)
        pooled = keras.ops.mean(states, axis=1)
        return keras.Model(tokens, layers.Dense(2)(pooled))
    """
)


def test_keras_mean_becomes_global_average_pooling_and_equals_the_per_sequence_loop() -> None:
    import keras

    new = fixed(KERAS)
    assert "pooled = GlobalAveragePooling1D()(states)" in new
    assert "from keras.layers import GlobalAveragePooling1D\n" in new
    keras.utils.set_random_seed(0)
    original = run(KERAS)["build"]()
    repaired = run(new)["build"]()
    repaired.set_weights(original.get_weights())
    rows = [[3, 5, 7, 2, 9], [4, 1], [8, 8, 6, 1]]
    width = max(map(len, rows))
    batch = np.array([r + [0] * (width - len(r)) for r in rows], dtype="int32")
    got = np.asarray(repaired(batch))
    for i, row in enumerate(rows):
        want = np.asarray(original(np.array([row], dtype="int32")))
        np.testing.assert_allclose(got[i], want[0], rtol=1e-5, atol=1e-6)
    # the unfixed model averages the masked LSTM's repeated outputs at the padding in
    assert not np.allclose(np.asarray(original(batch)), got, atol=1e-6)


# ---------------------------------------------------------------- no fix where unsure
NO_FIX = {
    "keepdim=True keeps the axis: masked_mean does not": """
        import torch
        def pool(x, lengths):
            valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return x.masked_fill(~valid[..., None], 0.0).mean(1, keepdim=True)
        """,
    "tf keepdims=True": """
        import tensorflow as tf
        def pool(x, lengths):
            valid = tf.sequence_mask(lengths, tf.shape(x)[1])
            return tf.reduce_mean(tf.where(valid[:, :, None], x, 0.0), axis=1, keepdims=True)
        """,
    "the lengths live in another function": """
        import torch
        def helper(x):
            return x.mean(1)
        def pool(x, lengths):
            valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return helper(x.masked_fill(~valid[..., None], 0.0))
        """,
    "a padding mask (True at padding) is no valid-step mask": """
        import torch
        def pool(h, pad):
            h = h.masked_fill(pad.unsqueeze(-1), 0.0)
            return torch.mean(h, 1)
        """,
    "time-first, masked step by step in a loop": """
        import torch
        def pool(x, mask):
            total = 0
            for t in range(x.size(0)):
                total = total + x[t] * mask[t].unsqueeze(-1)
            return x.mean(0)
        """,
    "max(dim=1) unpacked into (values, indices)": """
        import torch
        def pool(x, lengths):
            valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
            top, where = x.masked_fill(~valid[..., None], 0.0).max(dim=1)
            return top, where
        """,
    "padded by pad_sequence, no lengths in the file": """
        import torch
        from torch.nn.utils.rnn import pad_sequence
        def pool(seqs):
            return pad_sequence(seqs, batch_first=True).mean(dim=1)
        """,
    "a file that imports torch and TensorFlow: one name, two runtime modules": """
        import tensorflow as tf
        import torch
        def pool(x, lengths):
            valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return torch.mean(x.masked_fill(~valid[..., None], 0.0), 1)
        """,
    "masked_mean is already another name in the file": """
        import torch
        from mylib import masked_mean
        def pool(x, lengths):
            valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
            return x.masked_fill(~valid[..., None], 0.0).mean(1), masked_mean
        """,
}


@pytest.mark.parametrize("case", list(NO_FIX))
def test_no_fix_where_the_rewrite_is_not_exact(case: str) -> None:
    src = dedent(NO_FIX[case])
    found = [d for d in lint(src) if d.code in ("PLG101", "PLG103", "PLG104", "PLG105")]
    assert found, "the rule must still report the bug"
    assert all(d.fix is None for d in found)
    assert fixed(src) == src


# ---------------------------------------------------------------- fixing, as the CLI does
def test_fixes_are_idempotent_and_leave_nothing_to_report() -> None:
    for src in (PACKED, TIME_FIRST, LENGTHS_MASK, MASKED, ATTENTION, TF_POOL, KERAS):
        once = fixed(src)
        assert once != src
        assert fixed(once) == once
        left = [d.code for d in lint(once) if d.code in ("PLG101", "PLG103", "PLG104", "PLG105")]
        assert left == []


def test_default_fix_leaves_the_unsafe_rewrites_alone() -> None:
    assert fixed(PACKED, unsafe=False) == PACKED


def test_cli_unsafe_fixes_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(LENGTHS_MASK)
    safe_only = CliRunner().invoke(main, ["check", "--fix", "--no-cache", str(path)])
    assert path.read_text() == LENGTHS_MASK  # unsafe: not part of the default --fix
    assert safe_only.exit_code == 1 and "Found 3 problems" in safe_only.output
    result = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", "--no-cache", str(path)])
    text = path.read_text()
    assert "from pooling_lint.runtime.torch import masked_max, masked_mean, masked_min" in text
    assert "avg = masked_mean(x, lengths)" in text
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", "--no-cache", str(path)])
    assert path.read_text() == text and again.exit_code == 0
