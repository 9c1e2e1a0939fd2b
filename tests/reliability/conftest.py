"""Shared pieces of the reliability tests: the source snippets they mutate and check."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

#: Own snippets, so the fuzzers work even when tests/fixtures/ is empty.
SNIPPETS = (
    "import tensorflow as tf\n"
    "from tensorflow import keras\n"
    "\n"
    "def pool(h, lengths):\n"
    "    mask = tf.sequence_mask(lengths, tf.shape(h)[1])\n"
    "    total = tf.reduce_sum(h, reduction_indices=1, keep_dims=True)\n"
    "    return tf.reduce_mean(h, axis=1)\n"
    "\n"
    "inputs = keras.Input(shape=(None, 8))\n"
    "x = keras.layers.Masking()(inputs)\n"
    "x = keras.layers.LSTM(4, return_sequences=True)(x)\n"
    "y = keras.layers.GlobalAveragePooling1D()(x)\n",
    "import torch\n"
    "import torch.nn as nn\n"
    "from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence\n"
    "\n"
    "class Encoder(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.rnn = nn.LSTM(8, 16, bidirectional=True)\n"
    "\n"
    "    def forward(self, seqs, lengths):\n"
    "        x = pad_sequence(seqs, batch_first=True)\n"
    "        out, _ = self.rnn(x)\n"
    "        last = out[:, -1]\n"
    "        att = torch.softmax(out.sum(-1), dim=1)\n"
    "        return out.mean(dim=1) + out.max(dim=1).values / lengths\n",
)


def fixture_sources(limit: int = 60) -> list[tuple[str, str]]:
    """(name, text) of the bug fixtures present at test time, plus the own snippets."""
    found: list[tuple[str, str]] = []
    if FIXTURES.is_dir():
        # The issue-#13 recall reproductions are not part of this sample (they would displace
        # the rule fixtures from the first `limit` files).
        paths = [
            p
            for p in sorted(FIXTURES.rglob("*.py"))
            if p.relative_to(FIXTURES).parts[0] != "recall"
        ]
        for path in paths[:limit]:
            try:
                found.append((path.relative_to(FIXTURES).as_posix(), path.read_text("utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
    found += [(f"snippet{i}.py", text) for i, text in enumerate(SNIPPETS)]
    return found


@pytest.fixture(scope="session")
def sources() -> list[tuple[str, str]]:
    return fixture_sources()
