"""Inputs people have: PackedSequence, jagged nested tensors, HF int64 attention masks (torch)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_sequence  # noqa: E402

from pooling_lint.runtime import opspec  # noqa: E402
from pooling_lint.runtime import torch as pt  # noqa: E402
from pooling_lint.runtime.errors import PoolingInputError  # noqa: E402

SPECS = [spec for spec in opspec.OPS if not spec.scored]
IDS = [spec.name for spec in SPECS]
REDUCE = {
    opspec.Reduction.MEAN: lambda s: s.double().mean(0).float(),
    opspec.Reduction.SUM: lambda s: s.double().sum(0).float(),
    opspec.Reduction.MAX: lambda s: s.amax(0),
    opspec.Reduction.MIN: lambda s: s.amin(0),
    opspec.Reduction.LAST: lambda s: s[-1],
    opspec.Reduction.FIRST: lambda s: s[0],
}


def sequences(lengths=(5, 2, 7, 1), feat=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, feat, generator=g) for n in lengths]


def loop_oracle(spec, seqs):
    """Pool each unpadded sequence on its own: no padding, no mask, no lengths."""
    return torch.stack([REDUCE[spec.reduction](s) for s in seqs])


def attention_oracle(seqs, scores):
    return torch.stack([(torch.softmax(w, 0)[:, None] * s).sum(0) for s, w in zip(seqs, scores)])


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_packed_sequence_matches_loop_oracle(spec):
    seqs = sequences()
    packed = pack_sequence(seqs, enforce_sorted=False)
    want = loop_oracle(spec, seqs)
    torch.testing.assert_close(getattr(pt, spec.name)(packed), want)
    torch.testing.assert_close(getattr(pt, spec.layer)()(packed), want)


def test_last_valid_of_packed_output_is_h_n():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    with torch.no_grad():
        for name, param in lstm.named_parameters():
            if "bias" in name:
                param.uniform_(-1.0, 1.0)  # zero biases would hide a wrong step
    x = torch.randn(5, 8, 3)
    lengths = torch.tensor([8, 3, 5, 1, 6])
    packed_out, (h_n, _) = lstm(pack_padded_sequence(x, lengths, True, enforce_sorted=False))
    torch.testing.assert_close(pt.last_valid(packed_out), h_n[-1])
    torch.testing.assert_close(pt.LastValidPool()(packed_out), h_n[-1])


def test_attention_pool_and_masked_softmax_take_packed_inputs():
    seqs = sequences(seed=1)
    scores = [torch.randn(len(s)) for s in seqs]
    packed = pack_sequence(seqs, enforce_sorted=False)
    packed_scores = pack_sequence(scores, enforce_sorted=False)
    want = attention_oracle(seqs, scores)
    torch.testing.assert_close(pt.attention_pool(packed, packed_scores), want)
    padded_scores = pad_sequence(scores, batch_first=True)
    torch.testing.assert_close(pt.attention_pool(packed, padded_scores), want)
    weights = pt.masked_softmax(packed_scores)
    for row, w in enumerate(scores):
        torch.testing.assert_close(weights[row, : len(w)], torch.softmax(w, 0))
        assert not weights[row, len(w) :].any()
    layer = pt.AttentionPool(3)
    lengths = torch.tensor([len(s) for s in seqs])
    torch.testing.assert_close(layer(packed), layer(pad_sequence(seqs, True), lengths))


def test_packed_sequence_with_lengths_or_mask_is_an_error():
    packed = pack_sequence(sequences(), enforce_sorted=False)
    with pytest.raises(PoolingInputError, match="PackedSequence, which carries its own lengths"):
        pt.masked_mean(packed, torch.tensor([5, 2, 7, 1]))
    with pytest.raises(PoolingInputError, match="give neither lengths nor mask"):
        pt.MaskedMaxPool()(packed, mask=torch.ones(4, 7))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_jagged_nested_tensor_matches_loop_oracle(spec):
    seqs = sequences(seed=2)
    nested = torch.nested.nested_tensor(seqs, layout=torch.jagged)
    want = loop_oracle(spec, seqs)
    torch.testing.assert_close(getattr(pt, spec.name)(nested), want)
    torch.testing.assert_close(getattr(pt, spec.layer)()(nested), want)


def test_jagged_nested_attention_and_gradients():
    seqs = sequences(seed=3)
    scores = [torch.randn(len(s)) for s in seqs]
    nested = torch.nested.nested_tensor(seqs, layout=torch.jagged, requires_grad=True)
    scored = torch.nested.nested_tensor(scores, layout=torch.jagged)
    torch.testing.assert_close(pt.attention_pool(nested, scored), attention_oracle(seqs, scores))
    pt.masked_mean(nested).sum().backward()
    grads = nested.grad.unbind()
    for s, grad in zip(seqs, grads):
        torch.testing.assert_close(grad, torch.full_like(s, 1.0 / len(s)))
    lengths = torch.tensor([len(s) for s in seqs])
    layer = pt.AttentionPool(3)
    plain = torch.nested.nested_tensor(seqs, layout=torch.jagged)
    torch.testing.assert_close(layer(plain), layer(pad_sequence(seqs, True), lengths))


def test_strided_nested_tensor_is_a_type_error():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch calls the strided layout a prototype
        strided = torch.nested.nested_tensor(sequences())
    with pytest.raises(TypeError, match="layout=torch.jagged"):
        pt.masked_mean(strided)


@pytest.mark.parametrize("spec", list(opspec.OPS), ids=[s.name for s in opspec.OPS])
def test_hf_int64_attention_mask_in_every_op_and_module(spec):
    # Hugging Face tokenizers return attention_mask as int64 0/1, holes allowed.
    x = torch.randn(3, 6, 4)
    attention_mask = torch.tensor(
        [[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0], [0, 1, 1, 0, 1, 0]], dtype=torch.int64
    )
    seqs = [x[b][attention_mask[b].bool()] for b in range(3)]
    if spec.scored:
        scores = torch.randn(3, 6)
        got = pt.attention_pool(x, scores, mask=attention_mask)
        want = attention_oracle(seqs, [scores[b][attention_mask[b].bool()] for b in range(3)])
        torch.testing.assert_close(got, want)
        layer = pt.AttentionPool(4)
        torch.testing.assert_close(
            layer(x, mask=attention_mask), layer(x, mask=attention_mask.bool())
        )
        return
    want = loop_oracle(spec, seqs)
    torch.testing.assert_close(getattr(pt, spec.name)(x, mask=attention_mask), want)
    layer = getattr(pt, spec.layer)()
    torch.testing.assert_close(layer(x, mask=attention_mask), want)
