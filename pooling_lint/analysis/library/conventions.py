"""Naming conventions the analysis reads as evidence: parameters that hold lengths or masks,
and the words whose presence lets triage pass a file to the padding rules."""

from __future__ import annotations

#: Parameter names that conventionally hold per-sequence lengths or a padding mask.
LENGTH_NAMES = frozenset(
    {
        "lengths",
        "length",
        "lens",
        "seq_len",
        "seq_lens",
        "seq_lengths",
        "sequence_length",
        "sequence_lengths",
        "seqlen",
        "seqlens",
        "input_lengths",
        "input_lens",
        "src_lengths",
        "src_lens",
        "text_lengths",
        "x_lens",
        "x_lengths",
        "valid_lens",
        "valid_lengths",
        "sent_lengths",
        "sentence_lengths",
        "word_lengths",
    }
)
MASK_NAMES = frozenset(
    {
        "mask",
        "masks",
        "attention_mask",
        "attn_mask_padding",
        "src_key_padding_mask",
        "key_padding_mask",
        "padding_mask",
        "pad_mask",
        "input_mask",
        "seq_mask",
        "sequence_mask",
        "src_mask_padding",
        "x_mask",
        "lengths_mask",
    }
)

#: Names the libraries give a decoding cache (fairseq's ``incremental_state``, Hugging Face's
#: ``past_key_values``/``use_cache``, GPT-2's ``layer_past``): a branch where one is set runs one
#: step of cached decoding, whose newest step is valid in every row. Only ever a reason to stay
#: silent (analysis/branches.py), never evidence of padding.
DECODING_CACHE_NAMES = frozenset(
    {
        "incremental_state",
        "incremental_states",
        "past_key_values",
        "past_key_value",
        "past",
        "layer_past",
        "use_cache",
        "cache",
        "kv_cache",
        "past_kv",
    }
)

#: Keyword arguments and helper names that show padding without being an API call.
PADDING_WORDS = frozenset({"mask_zero", "padding_idx", "masked_fill", "masked_fill_"})

#: Identifiers one of which must occur for the file to show a static shape (PLG205).
SHAPE_EVIDENCE = frozenset(
    {
        "randn",
        "rand",
        "zeros",
        "ones",
        "empty",
        "full",
        "randint",
        "normal",
        "uniform",
        "constant",
        "array",
        "tensor",
        "Tensor",
        "FloatTensor",
        "Input",
        "input_shape",
    }
)
