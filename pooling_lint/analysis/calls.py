"""Calls: of classes, functions and methods of this file, of tensor methods, of layers."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis import choices, datasets, hf, hf_outputs
from pooling_lint.analysis import library as lib
from pooling_lint.analysis.arguments import arg_node, as_int, axis_value, const
from pooling_lint.analysis.axes import expand, flatten, permute, squeeze, transpose
from pooling_lint.analysis.dynamic_imports import dynamic_module, is_builtin_import
from pooling_lint.analysis.factories import factories_of
from pooling_lint.analysis.facts import (
    CallFact,
    ModelCall,
)
from pooling_lint.analysis.flows import builtin_call
from pooling_lint.analysis.inline import inline_call
from pooling_lint.analysis.keras_layers import from_masking, layer_weight
from pooling_lint.analysis.keras_models import model_call
from pooling_lint.analysis.layers import apply_layer
from pooling_lint.analysis.library.spec import COPIES
from pooling_lint.analysis.library_calls import library_call
from pooling_lint.analysis.lightning import LIGHTNING_TRAINERS, lightning_run
from pooling_lint.analysis.pad_loops import list_method
from pooling_lint.analysis.padding import drop_symbolic, fill_of, masked
from pooling_lint.analysis.polarity import VALUE_CHANGING_METHODS
from pooling_lint.analysis.project import (
    feed_dict,
    fit_to_call,
    foreign_call,
    foreign_method,
)
from pooling_lint.analysis.reductions import reduce
from pooling_lint.analysis.reshapes import reshape, shape_operand
from pooling_lint.analysis.scopes import MISSING, selves_attr
from pooling_lint.analysis.torchtext import record_method
from pooling_lint.analysis.values import (
    Choice,
    ClassRef,
    Const,
    Dataset,
    DimOf,
    Encoding,
    Evidence,
    Foreign,
    FunctionRef,
    HFObject,
    Instance,
    KerasModel,
    Layer,
    ListOf,
    MethodRef,
    Partial,
    Record,
    Role,
    SelfRef,
    SelfRefs,
    ShapeOf,
    Tensor,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from pooling_lint.analysis.interpreter import Interpreter


def call(it: Interpreter, fact: CallFact, callee: Value) -> Value:
    if it.facts.project is not None and fact.node.keywords:
        feed_dict(it, fact)
    if fact.method is not None:
        made = _local_pretrained(it, fact)  # `MyBertModel.from_pretrained(name)`
        if made is not None:
            return made
        if fact.receiver is not None:
            return method_call(it, fact)
    if fact.method in ("extend", "append"):
        return list_method(it, fact, fact.method)  # a list the file does not show
    func = fact.node.func
    if type(func) is ast.Name and callee is None and func.id in it.classes:
        frame_env = it.frame.env if it.frame is not None else {}
        if func.id not in frame_env:
            return instantiate(it, fact, func.id)
    if isinstance(callee, Layer):
        return apply_layer(it, fact.node, callee, fact.args[0] if fact.args else None, fact)
    if isinstance(callee, KerasModel):
        return model_call(it, fact, callee, None)
    if isinstance(callee, Instance):
        return instance_call(it, fact, callee, "__call__")
    if isinstance(callee, SelfRef) and callee.class_name in it.classes:
        # `self(x)` in a LightningModule's training_step: the module's forward
        return instance_call(it, fact, Instance(callee.class_name), "__call__")
    if isinstance(callee, FunctionRef):
        return function_call(it, fact, callee)
    if isinstance(callee, (Choice, ClassRef, Partial, MethodRef)):
        return choices.call(it, fact, callee)  # one of several, picked from a dict
    if isinstance(callee, HFObject):
        return hf.call(it, fact, callee)
    if isinstance(callee, Foreign):
        return foreign_call(it, fact, callee)
    if it.facts.project is not None and (
        fact.qualname == "importlib.import_module" or is_builtin_import(it, fact)
    ):
        picked = dynamic_module(it, fact)  # a module of the tree picked at run time
        if picked is not None:
            return picked
    if fact.qualname in LIGHTNING_TRAINERS:
        return Record("lightning.Trainer", (), fact.node)
    if fact.qualname == "functools.partial":
        return choices.partial(fact)
    if fact.qualname in COPIES and fact.args and not fact.kwargs:
        return fact.args[0]  # a copy holds what the original holds (a module, a tensor)
    if fact.qualname in datasets.SOURCES:
        return datasets.source(it, fact)
    if fact.qualname == "tensorflow.TensorSpec":
        return datasets.tensor_spec(it, fact)
    if fact.qualname in _DATA_LOADERS:
        collated = hf.data_loader(fact)  # a DataCollatorWithPadding as the collate_fn
        if collated is not None:
            return collated
    if fact.qualname in _EPSILON and not fact.args:
        return Const(1e-7)  # Keras' fuzz factor (`K.epsilon()`), a small number
    out = library_call(it, fact, fact.qualname) if fact.qualname is not None else None
    if out is None and fact.qualname is not None and fact.qualname.startswith("transformers."):
        out = hf_outputs.config_call(fact, fact.qualname)  # `BertConfig(..., output_hidden_...)`
    if out is None:
        out = builtin_call(it, fact)
    if out is None and callee is None:
        return unknown_call(it, fact)
    return out


#: `nn.Module` methods that return the module itself
_MODULE_SAME = frozenset(
    {
        "to",
        "cuda",
        "cpu",
        "eval",
        "train",
        "float",
        "double",
        "half",
        "bfloat16",
        "requires_grad_",
        "share_memory",
        "to_empty",
        "type",
    }
)
_EPSILON = frozenset({"keras.backend.epsilon", "keras.config.epsilon"})
_DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})


def _local_pretrained(it: Interpreter, fact: CallFact) -> Value:
    """``Cls.from_pretrained(...)`` of a class of this file that subclasses an HF model, or
    ``Cls.m(...)`` of a classmethod that returns ``cls(...)`` (analysis/factories.py): an
    instance of it (analysis/choices.py ``pretrained_class``)."""
    func = fact.node.func
    owner = func.value if type(func) is ast.Attribute else None
    if type(owner) is not ast.Name or owner.id not in it.classes:
        return None
    if it.frame is not None and owner.id in it.frame.env:
        return None
    if fact.method in factories_of(it).get(owner.id, ()):
        return Instance(owner.id, fact.node)  # a classmethod that returns `cls(...)`
    if fact.method != "from_pretrained" or not choices.pretrained_class(it, owner.id):
        return None
    return Instance(owner.id, fact.node)


def unknown_call(it: Interpreter, fact: CallFact) -> Value:
    """A callable the file does not show: a tokenizer by its call's keywords, or a model by
    the encoding it is given (analysis/hf.py)."""
    return hf.tokenizer_like(it, fact) or hf.encoding_call(it, fact)


def instantiate(it: Interpreter, fact: CallFact, class_name: str) -> Value:
    key = it.class_method_key(class_name, "__init__")
    if key is not None:
        it.call_unit(key, fact.args, fact.kwargs, skip_self=True)
    return Instance(class_name, fact.node)


def instance_call(it: Interpreter, fact: CallFact, inst: Instance, method: str) -> Value:
    names = ("forward", "call") if method in ("__call__", "forward", "call") else (method,)
    for name in names:
        key = it.class_method_key(inst.class_name, name)
        if key is not None:
            # Inside a layer's call() the inputs are real tensors and the Keras mask arrives
            # as the `mask` argument, so symbolic facts do not cross the call.
            args = tuple(drop_symbolic(a) for a in fact.args)
            kwargs = tuple((k, drop_symbolic(v)) for k, v in fact.kwargs)
            first = fact.args[0] if fact.args else None
            kwargs += keras_passed_mask(it, inst.class_name, name, first, fact)
            ret = it.call_unit(key, args, kwargs, skip_self=True)
            if isinstance(first, Tensor) and first.keras_mask is not None:
                if inst.class_name in it.mask_passing:
                    # supports_masking / compute_mask: Keras hands the mask on downstream
                    base = ret if isinstance(ret, Tensor) else first
                    return base.with_(
                        keras_mask=first.keras_mask,
                        mask_consumed=first.mask_consumed,
                        padding=base.padding or first.padding,
                        symbolic=first.symbolic,
                    )
                return Tensor(symbolic=first.symbolic)  # what the layer does to the mask: unsure
            if isinstance(ret, Tensor) and isinstance(first, Tensor) and first.symbolic:
                ret = ret.with_(symbolic=first.symbolic)
            return ret
    if method in _MODULE_SAME and choices.torch_module(it, inst.class_name):
        return inst  # `Net().to(device)`, `MyBert.from_pretrained(name).eval()`
    if method in lib.MODEL_DATA_METHODS:
        data = fact.args[0] if fact.args else fact.kwarg("x")
        it.log.model_call(ModelCall(fact.node, inst, method, data))
        fit_to_call(it, inst.class_name, datasets.fit_data(data))
    return None


def keras_passed_mask(
    it: Interpreter, class_name: str, method: str, first: Value, fact: CallFact
) -> tuple[tuple[str, Value], ...]:
    """``layer(x)`` of a Keras layer class whose ``call`` takes ``mask``, on an input that
    carries a Keras mask: ``Layer.__call__`` passes that mask as ``mask=`` (unless the call
    gives one), so ``call`` sees a mask, not None; on a padded input with no mask, None. The
    mask is passed as a ``(batch, time)`` mask whose origin is the padding it describes (the
    interpreter reads it: on a path where ``mask`` is None, that padding is absent)."""
    if (
        method != "call"
        or class_name not in it.keras_layers
        or not isinstance(first, Tensor)
        or fact.has_kwarg("mask")
        or len(fact.args) > 1
    ):
        return ()
    if from_masking(it, first) and first.padding is not None:
        # a Masking layer's mask that hides none of the padding: a mask is passed all the
        # same (`if mask is not None:` runs, the path without it does not)
        return (("mask", Tensor(role=Role.MASK, origin=first.padding.evidence)),)
    if first.keras_mask is None:
        # a KerasTensor that carries no mask (`Embedding` without mask_zero): Keras calls
        # `call(x)` and `mask` keeps its default, None. (An unknown layer on the way also
        # forgets a mask, but it forgets the padding too, so nothing is reported from it.)
        return (("mask", Const(None)),) if first.symbolic is not None else ()
    if first.padding is None:
        return ()
    return (("mask", Tensor(role=Role.MASK, origin=first.padding.evidence)),)


def function_call(it: Interpreter, fact: CallFact, ref: FunctionRef) -> Value:
    if isinstance(ref.node, ast.Lambda):
        return None
    key = ref.name if ref.name in it.units and it.units[ref.name].node is ref.node else None
    if key is None:
        for k, unit in it.units.items():
            if unit.node is ref.node:
                key = k
                break
    if key is None:
        return None
    joined = it.bindings.get(key)  # the call sites so far, before this one joins them
    ret = it.call_unit(key, fact.args, fact.kwargs, skip_self=False)
    inlined = inline_call(it, key, fact.args, fact.kwargs, joined)
    return ret if inlined is MISSING else inlined  # type: ignore[return-value]


# ------------------------------------------------------------------------ methods
def method_call(it: Interpreter, fact: CallFact) -> Value:
    recv = fact.receiver
    m = fact.method or ""
    if isinstance(recv, Tensor):
        return tensor_method(it, fact, recv, m)
    if isinstance(recv, KerasModel):
        return model_call(it, fact, recv, m)
    if isinstance(recv, Instance):
        return instance_call(it, fact, recv, m)
    if isinstance(recv, HFObject):
        return hf.call(it, fact, recv, m)
    if isinstance(recv, Encoding):
        return hf.encoding_method(recv, m)
    if isinstance(recv, Foreign):
        if recv.kind == "class" and not recv.alts:
            return choices.foreign_classmethod(it, recv, m)  # `Cls.from_pretrained(...)`
        return foreign_method(it, fact, recv, m)
    if isinstance(recv, (Choice, ClassRef)):
        return choices.method(it, fact, recv, m)
    if isinstance(recv, Record):
        if recv.kind == "lightning.Trainer":
            return lightning_run(it, fact, m)
        return record_method(fact, recv, m)
    if isinstance(recv, Dataset):
        return datasets.method(fact, recv, m)
    if recv is None and m in ("forward", "batch_encode_plus", "encode_plus"):
        return unknown_call(it, fact)
    if isinstance(recv, SelfRef):
        own = it.class_method_key(recv.class_name, m)
        if m == "add_weight" and own is None and recv.class_name in it.keras_layers:
            return layer_weight(it, fact)  # Layer.add_weight: a weight of that shape
        attr = it.read_class_attr(recv.class_name, m)
        if isinstance(attr, HFObject):
            return hf.call(it, fact, attr)
        if isinstance(attr, Layer):
            return apply_layer(it, fact.node, attr, fact.args[0] if fact.args else None, fact)
        if isinstance(attr, Instance):
            return instance_call(it, fact, attr, "__call__")
        if isinstance(attr, KerasModel):
            return model_call(it, fact, attr, None)
        if isinstance(attr, Foreign) and own is None:
            return foreign_call(it, fact, attr)  # `self.model(x)`: another module's model
        if isinstance(attr, Choice) and own is None:
            return choices.call(it, fact, attr)  # `self.model(x)`: one of several models
        key = it.class_method_key(recv.class_name, m)
        if key is not None:
            return it.call_unit(key, fact.args, fact.kwargs, skip_self=True)
        if m == "__call__":  # `self.__call__(x)`: the module's forward
            return instance_call(it, fact, Instance(recv.class_name), "__call__")
        return unknown_call(it, fact) if attr is None else None
    if isinstance(recv, SelfRefs):
        # `cls.pooler(mask, out)` where `cls` is the `self` of one of several classes: the
        # attribute they all hold (the same module class, or Hugging Face models)
        attr = selves_attr(it, recv, m)
        if isinstance(attr, HFObject):
            return hf.call(it, fact, attr)
        if isinstance(attr, Instance):
            return instance_call(it, fact, attr, "__call__")
        return None
    if isinstance(recv, Layer):
        if m in ("forward", "call", "__call__"):
            return apply_layer(it, fact.node, recv, fact.args[0] if fact.args else None, fact)
        if m in _MODULE_SAME and recv.qualname.startswith("torch."):
            return recv  # `nn.GRU(...).to(device).eval()`: the same module
        return None
    if isinstance(recv, ShapeOf) and m == "as_list":
        return recv
    if m in ("extend", "append") and (recv is None or isinstance(recv, (Const, ListOf))):
        return list_method(it, fact, m)
    return None


def tensor_method(it: Interpreter, fact: CallFact, t: Tensor, m: str) -> Value:
    node = fact.node
    func = node.func
    operand_node = func.value if isinstance(func, ast.Attribute) else None
    if m in lib.REDUCTION_METHODS:
        op = lib.REDUCTION_METHODS[m]
        if op == "sum" and t.role == Role.MASK:
            # mask.sum(1): the number of valid steps per row
            summed = as_int(axis_value(fact, 0))
            batch = t.batch_axis if t.batch_axis is not None else 0
            over_time = (summed is None and not fact.args) or (
                summed is not None and summed != batch
            )
            nonzero = t.nonzero if over_time else None
            return Tensor(role=Role.LENGTHS, origin=Evidence(node, ""), nonzero=nonzero)
        keepdims = const(fact.kwarg("keepdim")) is True or const(fact.kwarg("keepdims")) is True
        axis = axis_value(fact, 0)
        out = reduce(it, node, op, f"`.{m}()`", t, axis, operand_node, keepdims)
        torch_style = fact.has_kwarg("dim") or (fact.args and not fact.has_kwarg("axis"))
        if op in ("max", "min") and m in ("max", "min") and torch_style and isinstance(out, Tensor):
            return TupleValue((out, None))
        return out
    if m in ("transpose", "swapaxes", "swapdims") and len(fact.args) == 2:
        a, b = as_int(fact.args[0]), as_int(fact.args[1])
        if a is None or b is None:
            return None
        return transpose(t, a, b, node, it)
    if m == "permute":
        dims = [as_int(a) for a in fact.args]
        if len(dims) == 1 and isinstance(const(fact.args[0]), tuple):
            dims = list(const(fact.args[0]))
        if any(d is None for d in dims):
            return None
        return permute(t, tuple(d for d in dims if d is not None), node, it)
    if m == "t" and t.rank == 2:
        return permute(t, (1, 0), node, it)
    if m in ("unsqueeze", "expand_dims"):
        return expand(t, as_int(fact.args[0]) if fact.args else as_int(fact.kwarg("dim")))
    if m == "squeeze":
        return squeeze(t, as_int(fact.args[0]) if fact.args else as_int(fact.kwarg("dim")))
    if m == "flatten" and t.role not in (Role.MASK, Role.LENGTHS):
        start = as_int(fact.args[0]) if fact.args else as_int(fact.kwarg("start_dim"))
        return flatten(t, start if start is not None else 0)
    if m in lib.RESHAPE_METHODS and operand_node is not None:
        return _reshape_method(it, fact, t, m, operand_node)
    if m == "flatten":
        if t.role in (Role.MASK, Role.LENGTHS):
            return Tensor(role=t.role, origin=t.origin, guarded=t.guarded, nonzero=t.nonzero)
        return None
    if m in lib.IDENTITY_METHODS:
        if m == "cpu":
            return t.with_(device_moved=None)
        if t.marks is not None and m in VALUE_CHANGING_METHODS:
            return t.with_(marks=None)  # `m.log()`, `m.neg()`: not True at the same steps
        return t
    if m in lib.DEVICE_METHODS:
        target = fact.args[0] if fact.args else fact.kwarg("device")
        target_node = arg_node(fact, 0, "device")
        if const(target) == "cpu":
            return t.with_(device_moved=None)
        if t.role == Role.LENGTHS and (m == "cuda" or names_a_device(target, target_node)):
            return t.with_(device_moved=Evidence(node, ""))
        return t
    if m in ("masked_fill", "masked_fill_"):
        fill = fill_of(fact.args[1] if len(fact.args) > 1 else fact.kwarg("value"))
        out = masked(t, node, fill, it)
        if isinstance(out, Tensor) and out.marks is not None:
            out = out.with_(marks=None)  # some steps of a mask set to another value
        filled = operand_node
        if isinstance(filled, ast.Attribute) and filled.attr == "data":
            filled = filled.value  # `x.data.masked_fill_(m, v)` fills x's own storage
        if m == "masked_fill_" and isinstance(filled, ast.Name) and it.frame is not None:
            it.frame.env[filled.id] = out
        return out
    if m in ("clamp", "clamp_", "clamp_min", "clip", "clamp_min_", "maximum"):
        return t.with_(guarded=True, marks=None)
    if m == "size":
        if fact.args:
            size_axis = as_int(fact.args[0])
            return DimOf(t, size_axis, node) if size_axis is not None else None
        return ShapeOf(t, node)
    if m == "dim":
        return Const(t.rank) if t.rank is not None else None
    if m == "repeat" and t.role == Role.MASK and _tiles_time(t, fact):
        return t.with_(tiled=Evidence(node, ""), rank=t.rank, dims=None)
    if m in ("expand", "expand_as", "repeat", "type_as", "to_dense", "bool", "byte"):
        return t
    return None


def _tiles_time(t: Tensor, fact: CallFact) -> bool:
    """``mask.repeat(1, h)`` on a [batch, time] mask: the time axis is repeated (tiled)."""
    counts = [as_int(a) for a in fact.args]
    if len(counts) == 1 and isinstance(const(fact.args[0]), tuple):
        counts = list(const(fact.args[0]))
    ta = t.time_axis if t.time_axis is not None else (1 if t.rank == 2 else None)
    if ta is None or len(counts) != 2 or t.rank not in (2, None):
        return False
    time_count = fact.args[ta] if len(fact.args) == 2 else None
    return counts[1 - ta] == 1 and counts[ta] != 1 and time_count is not None


def _reshape_method(
    it: Interpreter, fact: CallFact, t: Tensor, m: str, operand_node: ast.expr
) -> Value:
    """``x.view(a, b)``, ``x.view((a, b))``, ``x.reshape(shape)``, ``x.view_as(y)``."""
    node = fact.node
    if m in ("view_as", "reshape_as"):
        other = fact.args[0] if fact.args else fact.kwarg("other")
        other_node = fact.arg_node(0, "other")
        if not isinstance(other, Tensor) or other_node is None:
            return reshape(it, node, t, operand_node, None, node)
        return reshape(it, node, t, operand_node, ShapeOf(other, node), other_node, other_node)
    if any(type(a) is ast.Starred for a in node.args):
        return reshape(it, node, t, operand_node, None, node)  # view(*shape): unknown
    if not node.args:
        return reshape(it, node, t, operand_node, fact.kwarg("shape"), node)
    if len(fact.args) == 1:
        target_node = node.args[0]
        like_node = shape_operand(target_node)
        return reshape(it, node, t, operand_node, fact.args[0], target_node, like_node)
    return reshape(it, node, t, operand_node, tuple(fact.args), node)


def names_a_device(value: Value, node: ast.expr | None) -> bool:
    """`.to(device)`, `.to("cuda")`, `.to(x.device)`; not `.to(torch.float32)`."""
    c = const(value)
    if isinstance(c, str):
        return c.startswith(("cuda", "mps", "xpu"))
    if isinstance(node, ast.Name):
        return "device" in node.id.lower() or "gpu" in node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr == "device"
    return False
