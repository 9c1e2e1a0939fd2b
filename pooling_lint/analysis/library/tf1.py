"""Rows for TensorFlow 1 graph code: placeholders, variables, ``embedding_lookup``, the RNN
functions of ``tf.nn`` / ``tf.compat.v1.nn`` / ``tf.contrib.rnn``, ``tf.layers.dense``.

What each call returns is modelled in ``analysis/tf1_calls.py``. The semantics (checked on
TensorFlow 2.21's ``tf.compat.v1`` with a minimal cell, and in the TF 1.15 API docs):

- ``dynamic_rnn`` / ``bidirectional_dynamic_rnn`` return ``(outputs, state)``, outputs
  ``(batch, time, units)`` (``time_major=True``: ``(time, batch, units)``); the bidirectional
  one returns ``((out_fw, out_bw), (state_fw, state_bw))``, ``out_bw`` already reversed back to
  time order, so ``out_bw[:, -1]`` is the backward direction after one step.
- With ``sequence_length`` the outputs are **zero past each length** (both directions) and the
  states are each row's state at its own length; without it every row runs the whole padded
  length (the backward direction starts in the padding).
- ``stack_bidirectional_dynamic_rnn`` returns ``(outputs, states_fw, states_bw)`` with the
  outputs of both directions already depth-concatenated.
- ``static_rnn`` / ``static_bidirectional_rnn`` take and return a Python list of ``time``
  tensors of ``(batch, units)``: ``outputs[-1]`` is the last step (modelled as a time-major
  tensor, which is what ``tf.stack(outputs)`` makes of the list).
"""

from __future__ import annotations

from pooling_lint.analysis.library.spec import ApiSpec, CallModel, Family

_C = CallModel
_F = Family

#: Modules that hold the TF1 RNN functions (``tf.nn.dynamic_rnn``, ``tf.contrib.rnn.*``,
#: ``from tensorflow.python.ops.rnn import bidirectional_dynamic_rnn``).
_RNN_MODULES = (
    "tensorflow.nn",
    "tensorflow.compat.v1.nn",
    "tensorflow.contrib.rnn",
    "tensorflow.python.ops.rnn",
    "tensorflow.contrib.rnn.python.ops.rnn",
)

#: function -> positional parameters
RNN_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "dynamic_rnn": (
        "cell",
        "inputs",
        "sequence_length",
        "initial_state",
        "dtype",
        "parallel_iterations",
        "swap_memory",
        "time_major",
    ),
    "bidirectional_dynamic_rnn": (
        "cell_fw",
        "cell_bw",
        "inputs",
        "sequence_length",
        "initial_state_fw",
        "initial_state_bw",
        "dtype",
        "parallel_iterations",
        "swap_memory",
        "time_major",
    ),
    "stack_bidirectional_dynamic_rnn": (
        "cells_fw",
        "cells_bw",
        "inputs",
        "initial_states_fw",
        "initial_states_bw",
        "dtype",
        "sequence_length",
        "parallel_iterations",
        "time_major",
    ),
    "static_rnn": ("cell", "inputs", "initial_state", "dtype", "sequence_length"),
    "static_bidirectional_rnn": (
        "cell_fw",
        "cell_bw",
        "inputs",
        "initial_state_fw",
        "initial_state_bw",
        "dtype",
        "sequence_length",
    ),
    "stack_bidirectional_rnn": (
        "cells_fw",
        "cells_bw",
        "inputs",
        "initial_states_fw",
        "initial_states_bw",
        "dtype",
        "sequence_length",
    ),
    # TF 0.x spellings of the static ones
    "rnn": ("cell", "inputs", "initial_state", "dtype", "sequence_length"),
    "bidirectional_rnn": (
        "cell_fw",
        "cell_bw",
        "inputs",
        "initial_state_fw",
        "initial_state_bw",
        "dtype",
        "sequence_length",
    ),
}

#: The RNN functions whose inputs and outputs are Python lists of per-step tensors.
STATIC_RNNS = frozenset(
    {
        "static_rnn",
        "static_bidirectional_rnn",
        "stack_bidirectional_rnn",
        "rnn",
        "bidirectional_rnn",
    }
)

_V1 = ("tensorflow", "tensorflow.compat.v1")

_OTHERS: tuple[tuple[CallModel, Family, tuple[str, ...], tuple[str, ...]], ...] = (
    (_C.PLACEHOLDER, _F.MODEL, tuple(f"{m}.placeholder" for m in _V1), ("dtype", "shape", "name")),
    (_C.VARIABLE, _F.CONSTRUCTOR, ("tensorflow.Variable",), ("initial_value",)),
    (
        _C.VARIABLE,
        _F.CONSTRUCTOR,
        tuple(f"{m}.get_variable" for m in _V1),
        ("name", "shape", "dtype", "initializer"),
    ),
    (
        _C.EMBEDDING_LOOKUP,
        _F.LAYER,
        tuple(f"{m}.nn.embedding_lookup" for m in _V1),
        ("params", "ids"),
    ),
    (
        _C.DENSE_FUNCTION,
        _F.LAYER,
        tuple(f"{m}.layers.dense" for m in _V1),
        ("inputs", "units", "activation"),
    ),
    (_C.UNSTACK, _F.AXES, ("tensorflow.unstack", "tensorflow.unpack"), ("value", "num", "axis")),
    # sign(ids) of token ids is 1 at real tokens and 0 at the zero padding: a mask
    (_C.SIGN, _F.MASK_SOURCE, ("tensorflow.sign",), ("x",)),
    (_C.TENSORDOT, _F.CONTRACTION, ("tensorflow.tensordot",), ("a", "b", "axes")),
    (
        _C.IDENTITY,
        _F.ELEMENTWISE,
        (
            "tensorflow.nn.dropout",
            "tensorflow.layers.dropout",
            "tensorflow.nn.elu",
            "tensorflow.nn.leaky_relu",
            "tensorflow.nn.gelu",
        ),
        (),
    ),
)


def rows() -> list[ApiSpec]:
    out: list[ApiSpec] = []
    for module in _RNN_MODULES:
        for name, params in RNN_FUNCTIONS.items():
            out.append(ApiSpec(f"{module}.{name}", Family.RNN, CallModel.TF1_RNN, params=params))
    for call, family, names, params in _OTHERS:
        for name in names:
            out.append(ApiSpec(name, family, call, params=params))
    return out
