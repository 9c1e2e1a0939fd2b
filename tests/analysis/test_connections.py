"""Which tensors a mask or lengths goes with (analysis/connections.py), and facts built on it."""

from __future__ import annotations

import ast
import textwrap

from pooling_lint.analysis.connections import scan_connections
from pooling_lint.analysis.layout import Layout
from pooling_lint.analysis.operators import additive_penalty, broadcast_shape
from pooling_lint.analysis.values import Tensor

from .conftest import facts_of, reduction_on


def scan(src: str, roles: dict[str, str]) -> tuple[dict[str, tuple[int, str | None]], set[int]]:
    fn = ast.parse(textwrap.dedent(src)).body[0]
    assert isinstance(fn, ast.FunctionDef)
    params = frozenset(a.arg for a in fn.args.args)
    links, reads = scan_connections(fn, roles, params)
    return (
        {  # the layouts as their letters
            name: (c.node.lineno, None if c.layout is None else str(c.layout))  # type: ignore[attr-defined]
            for name, c in links.items()
        },
        {n.lineno for n in reads},  # type: ignore[attr-defined]
    )


def test_mask_expanded_on_the_last_axis_connects_batch_time_features() -> None:
    links, _ = scan(
        """
        def f(x, mask, other):
            y = x * mask.unsqueeze(-1)
            return other
        """,
        {"mask": "mask"},
    )
    assert links == {"x": (3, "BTF")}


def test_same_rank_product_of_two_raw_parameters_is_no_connection() -> None:
    # `(dist - m) * mask` of a [B, B] pair mask reads exactly like a [B, T] padding mask
    links, _ = scan(
        """
        def f(dist, mask):
            return ((dist - dist.max(1, keepdim=True)[0]) * mask).min(1)
        """,
        {"mask": "mask"},
    )
    assert links == {}


def test_a_layer_output_multiplied_by_the_mask_pads_the_layers_input() -> None:
    links, _ = scan(
        """
        def forward(self, tokens, mask):
            h = self.encoder(tokens)
            return (h * mask).sum(1)
        """,
        {"mask": "mask"},
    )
    assert set(links) == {"tokens", "h"} and links["tokens"][0] == 4


def test_lengths_packed_with_or_compared_against_the_time_dim() -> None:
    links, _ = scan(
        """
        def f(x, y, n, m):
            p = pack_padded_sequence(x, n.cpu(), batch_first=True)
            T = y.size(1)
            keep = torch.arange(T)[None, :] < m[:, None]
        """,
        {"n": "lengths", "m": "lengths"},
    )
    assert links == {"x": (3, "BT"), "y": (5, "BT")}


def test_source_lengths_do_not_pad_the_decoders_tokens() -> None:
    links, _ = scan(
        """
        def forward(self, src_tokens, src_lengths, prev_output_tokens):
            x = self.embed(src_tokens)
            packed = pack_padded_sequence(x, src_lengths)
            y = self.embed_out(prev_output_tokens)
            return y[:, -1:]
        """,
        {"src_lengths": "lengths"},
    )
    assert set(links) == {"src_tokens", "x"} and links["x"][1] == "TB"


def test_key_padding_mask_goes_with_keys_and_values() -> None:
    links, _ = scan(
        """
        def f(self, q, memory, memory_mask):
            out, _ = self.attn(q, memory, memory, key_padding_mask=memory_mask)
        """,
        {"memory_mask": "mask"},
    )
    assert set(links) == {"memory"}


def test_same_step_product_connects_a_time_major_tensor() -> None:
    links, reads = scan(
        """
        def score(emissions, mask):
            total = 0.0
            for t in range(10):
                emit = emissions[t].gather(1, idx).squeeze(1)
                total = total + emit * mask[t]
            last = emissions[-1].sum(1)
            return total + last * mask[-1]
        """,
        {"mask": "mask"},
    )
    assert links["emissions"][0] == 6
    assert reads == {7}  # emissions[-1] is masked right after it is read


def test_a_caller_that_passes_padded_data_is_evidence_with_other_callers() -> None:
    src = """
    import torch
    from torch.nn.utils.rnn import pad_sequence
    def pool(x):
        return x.amax(dim=1)
    pool(torch.randn(2, 5, 3))
    pool(pad_sequence(seqs, batch_first=True))
    """
    facts = facts_of(src)
    assert reduction_on(facts, 4).operand.padding is not None


def test_too_small_penalty_is_no_mask() -> None:
    mask = Tensor(rank=2, layout=Layout.parse("BT"), role="mask")
    assert additive_penalty(mask, -1e9) is mask
    assert additive_penalty(mask, float("-inf")) is mask
    assert additive_penalty(mask, 1.0) is mask
    weak = additive_penalty(mask, -1e-6)
    assert isinstance(weak, Tensor) and weak.role == "data"
    assert additive_penalty(mask, -100.0) is None  # neither: unknown


def test_elementwise_product_broadcasts_both_shapes() -> None:
    w = Tensor(rank=3, dims=(None, None, 1), layout=Layout.parse("BTF"))
    out = Tensor(rank=3, dims=(None, None, 16), layout=Layout.parse("BTF"))
    assert broadcast_shape(w, w, out).dims == (None, None, 16)
    assert broadcast_shape(out, out, Tensor(rank=1, dims=(16,))).dims == (None, None, 16)
    assert broadcast_shape(out, out, Tensor(rank=3, dims=(None, None, 8))).dims == (
        None,
        None,
        None,
    )
