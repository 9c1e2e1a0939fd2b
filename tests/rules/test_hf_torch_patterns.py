"""Rule-level cases for issue #13's torch patterns not covered by the recall reproductions."""

from __future__ import annotations

import textwrap

from pooling_lint.config import Config
from pooling_lint.engine import Options, lint_source_text


def _lines(src: str, code: str) -> list[int]:
    diags = lint_source_text(textwrap.dedent(src).lstrip("\n"), Options.for_config(Config()))
    return sorted({d.line for d in diags if d.code == code})


_STATES = """
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence
lstm = nn.LSTM(8, 16, num_layers=2)
x = pad_sequence([torch.randn(5, 8), torch.randn(2, 8)])
out, (h_n, c_n) = lstm(x)
"""


def test_every_layer_state_of_an_unpacked_rnn_by_a_computed_index() -> None:
    src = _STATES + "feat = torch.cat([h_n[i] for i in range(h_n.shape[0])], dim=1)\n"
    assert _lines(src, "PLG103") == [7]


def test_the_states_of_a_packed_rnn_are_right() -> None:
    src = (
        _STATES.replace(
            "out, (h_n, c_n) = lstm(x)",
            "packed = nn.utils.rnn.pack_padded_sequence(x, torch.tensor([5, 2]))\n"
            "out, (h_n, c_n) = lstm(packed)",
        )
        + "feat = torch.cat([h_n[i] for i in range(h_n.shape[0])], dim=1)\n"
    )
    assert _lines(src, "PLG103") == []


def test_hf_first_token_right_padding_is_clean_left_is_not() -> None:
    src = """
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    bert = AutoModel.from_pretrained("bert-base-uncased")
    enc = tok(["a", "b c d"], padding=True, return_tensors="pt")
    cls = bert(**enc).last_hidden_state[:, 0]
    """
    assert _lines(src, "PLG103") == []
    left = src.replace(
        '"bert-base-uncased")\n    bert', '"bert-base-uncased", padding_side="left")\n    bert', 1
    )
    assert _lines(left, "PLG103") == [5]


# (the rule runs on files that mention padding: `mask` in the comment)
_OUTER = """
import torch
import torch.nn.functional as F
logits = torch.randn(12, 50)
targets = torch.randint(0, 50, (12,))
per_token = F.cross_entropy(logits, targets, reduction="none")
pad = torch.tensor([0] * 9 + [1] * 3).bool()
keep = (~pad).float().unsqueeze(1)  # the mask of the real tokens
"""


def test_a_column_mask_normalising_an_outer_product_is_reported() -> None:
    src = _OUTER + "loss = (per_token * keep).sum() / keep.sum()\n"
    assert _lines(src, "PLG202") == [8]


def test_an_outer_product_not_divided_by_its_column_sum_is_not() -> None:
    src = _OUTER + (
        "pairs = (per_token * keep).sum()\n"
        "loss = (per_token * keep).sum() / per_token.numel()\n"
        "flat = (per_token * keep.squeeze(1)).sum() / keep.sum()\n"
    )
    assert _lines(src, "PLG202") == []
