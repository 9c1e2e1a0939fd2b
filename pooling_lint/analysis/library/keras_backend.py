"""Rows for the Keras backend ops (``from keras import backend as K``) that custom layers and
``Lambda``s use around their pooling: elementwise activations, ``K.squeeze``,
``K.permute_dimensions``, ``K.switch``, ``K.dot``, guards. (``K.mean`` / ``K.sum`` / ``K.max`` /
``K.softmax`` are reductions in ``functions.py``.)

``K.dot(x, w)`` contracts the last axis of ``x`` with the first of a 2-D ``w`` (TensorFlow's
backend reshapes both); it is modelled like ``tensordot(x, w, axes=1)``.
"""

from __future__ import annotations

from pooling_lint.analysis.library.spec import ApiSpec, CallModel, Family

_K = "keras.backend"

_GROUPS: tuple[tuple[CallModel, Family, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        CallModel.IDENTITY,
        Family.ELEMENTWISE,
        ("tanh", "exp", "sigmoid", "relu", "elu", "softplus", "abs", "square", "sqrt"),
        (),
    ),
    (CallModel.IDENTITY, Family.ELEMENTWISE, ("stop_gradient",), ()),
    (CallModel.SQUEEZE, Family.AXES, ("squeeze",), ("x", "axis")),
    (CallModel.PERMUTE, Family.AXES, ("permute_dimensions",), ("x", "pattern")),
    (CallModel.WHERE, Family.SELECT, ("switch",), ("condition", "then_expression")),
    (CallModel.GUARD, Family.GUARD, ("maximum", "clip"), ()),
    (CallModel.TENSORDOT, Family.CONTRACTION, ("dot",), ("a", "b", "axes")),
)


def rows() -> list[ApiSpec]:
    return [
        ApiSpec(f"{_K}.{name}", family, call, params=params)
        for call, family, names, params in _GROUPS
        for name in names
    ]
