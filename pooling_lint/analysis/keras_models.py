"""Keras models: Sequential stacks, functional models, and calls of their methods."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis import library as lib
from pooling_lint.analysis.arguments import arg_node, dim_from
from pooling_lint.analysis.datasets import fit_data
from pooling_lint.analysis.facts import (
    CallFact,
    ModelCall,
)
from pooling_lint.analysis.feeds import feed
from pooling_lint.analysis.layers import apply_layer
from pooling_lint.analysis.layout import BT, BTF
from pooling_lint.analysis.names import dotted
from pooling_lint.analysis.padding import drop_symbolic
from pooling_lint.analysis.values import (
    Const,
    Dim,
    Evidence,
    KerasModel,
    Layer,
    Role,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import FileFacts
    from pooling_lint.analysis.interpreter import Interpreter


def keras_classes(facts: FileFacts, classes: dict[str, ast.ClassDef]) -> set[str]:
    """The classes of the file that are Keras layers (models included): subclasses of
    ``keras.Model`` / ``Sequential`` / ``layers.Layer``, directly or through a class of the
    file. The models among them are added to ``facts.keras_model_classes``."""
    layers: set[str] = set()
    for found, roots in (
        (facts.keras_model_classes, ("keras.Model", "keras.Sequential")),
        (layers, ("keras.Model", "keras.Sequential", "keras.layers.Layer")),
    ):
        changed = True
        while changed:
            changed = False
            for name, cls in classes.items():
                if name in found:
                    continue
                for base in cls.bases:
                    if facts.qualname(base) in roots or dotted(base) in found:
                        found.add(name)
                        changed = True
                        break
    return layers


def sequential(it: Interpreter, fact: CallFact, ev: Evidence) -> Value:
    layers_val = fact.args[0] if fact.args else fact.kwarg("layers")
    node_list = arg_node(fact, 0, "layers")
    layers: list[Layer | None] = []
    inp: Tensor | None = None
    if isinstance(layers_val, (TupleValue, Const)) and isinstance(node_list, (ast.List, ast.Tuple)):
        items = layers_val.items if isinstance(layers_val, TupleValue) else ()
        for v in items:
            if isinstance(v, Tensor) and v.symbolic is not None and inp is None and not layers:
                inp = v  # keras.Input(...) as the first element
            elif isinstance(v, Layer):
                layers.append(v)
            else:
                layers.append(None)
    elif layers_val is not None:
        return KerasModel("sequential", (), node=fact.node)
    model = KerasModel("sequential", tuple(layers), input=inp, node=fact.node)
    start = inp or declared_input(model)
    out = run_sequential(it, model, start) if start is not None else None
    return KerasModel(
        "sequential",
        tuple(layers),
        input=start,
        output=out if isinstance(out, Tensor) else None,
        node=fact.node,
    )


def declared_input(model: KerasModel) -> Tensor | None:
    if model.input is not None:
        return model.input
    if not model.layers or model.layers[0] is None:
        return None
    first = model.layers[0]
    shape = first.arg("input_shape")
    if isinstance(shape, tuple):
        dims = (None, *shape)
        layout = {3: BTF, 2: BT}.get(len(dims))
        return Tensor(
            rank=len(dims),
            dims=dims,
            layout=layout,
            role=Role.TOKENS if len(dims) == 2 else Role.DATA,
        )
    if first.qualname == "keras.layers.Embedding":
        # Embedding(input_length=T) (Keras 2) declares the time dimension of the ids
        length = dim_from(first.args.get("input_length"))
        ids_dims: tuple[Dim, ...] | None = (None, length) if length is not None else None
        return Tensor(rank=2, layout=BT, role=Role.TOKENS, dims=ids_dims)
    if first.qualname == "keras.layers.TextVectorization":
        return Tensor()  # the texts: their form does not matter to the layer's output
    return None


def run_sequential(it: Interpreter, model: KerasModel, inp: Value) -> Value:
    cur = inp
    layers = model.layers
    for i, layer in enumerate(layers):
        if layer is None or not isinstance(cur, Tensor):
            return None
        where = layer.node or model.node
        if where is None:
            return None
        cur = apply_layer(it, where, layer, cur, None, True, layers[i + 1 :])
    return cur


def run_sequential_on(it: Interpreter, model: KerasModel, data: Tensor) -> Value:
    """A Sequential model called (or fitted) on ``data``: its layers run on it, the data
    shaped like the model's declared input where the data does not say."""
    declared = declared_input(model)
    if declared is not None and data.dims is None and declared.dims is not None:
        data = data.with_(rank=declared.rank, dims=declared.dims, layout=declared.layout)
    elif data.layout is None and data.rank == 3:
        data = data.with_(layout=BTF)
    elif data.layout is None and data.rank == 2:
        data = data.with_(layout=BT)
    return run_sequential(it, model, data)


def model_call(it: Interpreter, fact: CallFact, model: KerasModel, method: str | None) -> Value:
    node = fact.node
    if method == "add":
        layer = fact.args[0] if fact.args else fact.kwarg("layer")
        func = node.func
        layers = model.layers + ((layer if isinstance(layer, Layer) else None),)
        new = KerasModel(
            model.kind, layers, input=model.input, output=model.output, node=model.node
        )
        start = new.input or declared_input(new)
        if start is not None and isinstance(layer, Layer):
            prev = model.output if model.layers else start
            result = (
                apply_layer(it, layer.node or node, layer, prev, None, True, ())
                if isinstance(prev, Tensor)
                else None
            )
            new = KerasModel(
                model.kind,
                layers,
                input=start,
                output=result if isinstance(result, Tensor) else None,
                node=model.node,
            )
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and it.frame:
            it.frame.env[func.value.id] = new
        return None
    if model.one_path:
        # built on one path only (scopes.one_path_model): the data reaches its Input there
        if method in lib.MODEL_DATA_METHODS and method != "__call__":
            feed(it, model.input, fit_data(fact.args[0] if fact.args else fact.kwarg("x")))
        return None
    if method is None or method in lib.MODEL_DATA_METHODS:
        data = fact.args[0] if fact.args else (fact.kwarg("x") or fact.kwarg("inputs"))
        if method not in (None, "__call__"):
            data = fit_data(data)  # `fit(ds)`: the x of each batch of a tf.data dataset
        it.log.model_call(ModelCall(node, model, method, data))
        if model.kind == "sequential" and isinstance(data, Tensor):
            ran = run_sequential_on(it, model, data)
            return drop_symbolic(ran) if method else ran
        if model.kind == "functional" and method not in (None, "__call__"):
            feed(it, model.input, data)  # the padded arrays given to fit() reach the Input
        if model.kind == "functional" and model.output is not None:
            return drop_symbolic(model.output)
    return None
