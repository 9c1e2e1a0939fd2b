"""One table of the framework APIs the analysis models.

Every canonical qualified name (see :mod:`pooling_lint.analysis.names`: torch, TF and
``compat.v1``, Keras 2/3, legacy ``keras.src``/``tf_keras`` paths all map to one spelling)
has one :class:`ApiSpec` row: its :class:`Family`, how a call is modelled
(:class:`CallModel`), its positional parameters, and for layers how applying it is modelled
(:class:`ApplyModel`) and what it does to a Keras mask (:class:`MaskEffect`).

The analysis picks a handler per row (``analysis/calls.py``, ``analysis/layers_*.py``); the
rules derive their triage triggers from the rows (:func:`names`), so adding an API is adding
a row in ``functions.py`` or ``layers.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pooling_lint.analysis.library import functions, hf, keras_backend, keras_merge, layers, tf1
from pooling_lint.analysis.library.conventions import (
    DECODING_CACHE_NAMES,
    LENGTH_NAMES,
    MASK_NAMES,
    PADDING_WORDS,
    SHAPE_EVIDENCE,
)
from pooling_lint.analysis.library.functions import SHAPE_READERS
from pooling_lint.analysis.library.layers import is_layer_name
from pooling_lint.analysis.library.methods import (
    DEVICE_METHODS,
    IDENTITY_METHODS,
    MODEL_DATA_METHODS,
    REDUCTION_METHODS,
    RESHAPE_METHODS,
    SHAPE_ATTRIBUTES,
    SHAPE_METHODS,
)
from pooling_lint.analysis.library.spec import (
    ApiSpec,
    ApplyModel,
    CallModel,
    Family,
    Framework,
    MaskEffect,
)


def _build(rows: Iterable[ApiSpec]) -> dict[str, ApiSpec]:
    table: dict[str, ApiSpec] = {}
    for row in rows:
        table.setdefault(row.name, row)  # the first row of a name wins (precedence order)
    return table


#: canonical qualified name -> its row
TABLE: dict[str, ApiSpec] = _build(
    [
        *functions.rows(),
        *tf1.rows(),
        *keras_backend.rows(),
        *layers.TORCH_LAYERS,
        *layers.KERAS_LAYERS,
        *keras_merge.rows(),
        *hf.ROWS,
    ]
)


_V1 = "tensorflow.compat.v1."


def lookup(name: str | None) -> ApiSpec | None:
    """The row of a canonical qualified name, or None if the analysis does not model it.

    ``tf.compat.v1.X`` without a row of its own is TensorFlow's ``tf.X`` (``concat``,
    ``nn.softmax``, ``transpose``, ...): the names stay apart (PLG302 tells them apart), the
    model is the same.
    """
    if name is None:
        return None
    row = TABLE.get(name)
    if row is None and name.startswith(_V1):
        row = TABLE.get("tensorflow." + name[len(_V1) :])
    if row is None and name.startswith("transformers."):
        row = hf.row(name)  # any tokenizer / model class of the naming scheme
    return row


def names(where: Callable[[ApiSpec], bool]) -> frozenset[str]:
    """The short names (``reduce_mean``, ``LSTM``) of the rows ``where`` selects: triggers."""
    return frozenset(row.short for row in TABLE.values() if where(row))


def in_families(*families: Family) -> frozenset[str]:
    return names(lambda row: row.family in families)


def reduction_methods(*ops: str) -> frozenset[str]:
    """Tensor methods that reduce with one of ``ops`` (``x.mean(1)``)."""
    return frozenset(m for m, op in REDUCTION_METHODS.items() if op in ops)


def _apply_set(*models: ApplyModel) -> frozenset[str]:
    return frozenset(row.name for row in TABLE.values() if row.apply in models)


def _call_set(*models: CallModel) -> frozenset[str]:
    return frozenset(row.name for row in TABLE.values() if row.call in models)


TORCH_RNNS = _apply_set(ApplyModel.TORCH_RNN)
KERAS_RNNS = frozenset(
    row.name for row in layers.KERAS_LAYERS if row.apply is ApplyModel.KERAS_RNN
) - {"keras.layers.Bidirectional"}
#: Keras layers that do not support masking: they destroy a mask (Keras 3 warns; tf-keras
#: does so silently).
KERAS_MASK_DROPPING = frozenset(
    row.name for row in layers.KERAS_LAYERS if row.mask is MaskEffect.DROPS
)
SIGNATURES: dict[str, tuple[str, ...]] = {
    row.name: row.params for row in TABLE.values() if row.params
}
REDUCTION_FUNCTIONS: dict[str, str] = {
    row.name: row.op for row in TABLE.values() if row.call is CallModel.REDUCE and row.op
}
#: Attention layers that take a padding mask, and the arguments that take it.
PADDING_MASK_KWARGS: dict[str, tuple[str, ...]] = {
    row.name: row.padding_mask_kwargs for row in TABLE.values() if row.padding_mask_kwargs
}

#: Words one of which must occur for the file to show padding at all (the second triage
#: group of the rules about padding): padding and mask sources, packing, and conventions.
PADDING_EVIDENCE = frozenset(
    in_families(Family.PADDING_SOURCE, Family.MASK_SOURCE, Family.PACKING)
    | PADDING_WORDS
    | LENGTH_NAMES
    | MASK_NAMES
    | hf.HF_WORDS
)

__all__ = [
    "DECODING_CACHE_NAMES",
    "DEVICE_METHODS",
    "IDENTITY_METHODS",
    "KERAS_MASK_DROPPING",
    "KERAS_RNNS",
    "LENGTH_NAMES",
    "MASK_NAMES",
    "MODEL_DATA_METHODS",
    "PADDING_EVIDENCE",
    "PADDING_MASK_KWARGS",
    "REDUCTION_FUNCTIONS",
    "REDUCTION_METHODS",
    "RESHAPE_METHODS",
    "SHAPE_ATTRIBUTES",
    "SHAPE_EVIDENCE",
    "SHAPE_METHODS",
    "SHAPE_READERS",
    "SIGNATURES",
    "TABLE",
    "TORCH_RNNS",
    "ApiSpec",
    "ApplyModel",
    "CallModel",
    "Family",
    "Framework",
    "MaskEffect",
    "in_families",
    "is_layer_name",
    "lookup",
    "names",
    "reduction_methods",
]
