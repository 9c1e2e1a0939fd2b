"""What a row of the API table says: the family of an API, how calling it is modelled, and,
for layers, how applying it is modelled and what it does to a Keras mask."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(Enum):
    """What kind of API a row is; rules name the families they read (their triage triggers)."""

    REDUCTION = "reduction"  # mean/sum/max/min/softmax/logsumexp over an axis
    POOLING = "pooling"  # 1-D pooling functions and layers, global or windowed
    RNN = "rnn"
    ATTENTION = "attention"
    PADDING_SOURCE = "padding source"  # makes padded data: pad_sequences, Masking, ...
    MASK_SOURCE = "mask source"  # builds a [batch, time] mask from lengths: sequence_mask
    RANGE = "range"  # arange / range: compared with lengths, it builds a mask
    PACKING = "packing"  # PackedSequence in and out
    RESHAPE = "reshape"
    AXES = "axes"  # transpose, permute, expand_dims, squeeze, flatten
    SHAPE = "shape"  # tf.shape(x)
    CONSTRUCTOR = "constructor"  # arrays from a shape or a literal
    ELEMENTWISE = "elementwise"  # the value flows through (casts, activations, per-step layers)
    GUARD = "guard"  # clamp / maximum: a safe denominator
    DIVISION = "division"
    CONTRACTION = "contraction"  # einsum, matmul
    SELECT = "select"  # where(cond, a, b)
    MODEL = "model"  # keras.Input, Sequential, Model, load_model
    LAYER = "layer"  # other layers: Linear, Dense, Conv1d, Flatten, ...
    CONTAINER = "container"  # layers holding layers: Sequential, ModuleList, Bidirectional
    JOIN = "join"  # cat / concat / stack: tensors side by side
    DATA = "data pipeline"  # DataLoader: batches made by a collate_fn
    LOSS = "loss"  # cross_entropy / nll_loss: one value per sample with reduction="none"


class Framework(Enum):
    TORCH = "torch"
    TENSORFLOW = "tensorflow"
    KERAS = "keras"
    NUMPY = "numpy"
    OTHER = "other"


class MaskEffect(Enum):
    """What a Keras layer does to the mask riding on its input (measured on Keras 3.15)."""

    NONE = "none"  # not a Keras layer
    MAKES = "makes"  # Masking, Embedding(mask_zero=True)
    CONSUMES = "consumes"  # RNNs, GlobalAveragePooling1D, attention: uses the mask
    PROPAGATES = "propagates"  # per-step layers hand it on unchanged
    DROPS = "drops"  # does not support masking: the mask is lost (Keras 3 warns)
    UNKNOWN = "unknown"  # not modelled


class CallModel(Enum):
    """How a call of the API is modelled (each member has one handler in analysis/calls)."""

    INPUT = "keras.Input"
    SEQUENTIAL = "keras.Sequential"
    LOAD_MODEL = "load_model"
    FUNCTIONAL_MODEL = "keras.Model"
    LAYER = "layer constructor"
    REDUCE = "reduce"
    POOL_FUNCTION = "1-D pool function"
    SHAPED = "array from a shape"
    LITERAL = "array from a literal"
    PAD_SEQUENCES = "keras pad_sequences"
    DATA_LOADER = "torch DataLoader"  # iterating it gives what its collate_fn returns
    ROW_SPLIT = "rows of arrays"  # sklearn train_test_split / shuffle: the same rows, fewer
    TORCHTEXT = "torchtext data"  # Field / Dataset / Iterator: batches padded per the Field
    PAD_SEQUENCE = "torch pad_sequence"
    PACK_PADDED = "pack_padded_sequence"
    PACK_SEQUENCE = "pack_sequence"
    PAD_PACKED = "pad_packed_sequence"
    SEQUENCE_MASK = "sequence_mask"
    ARANGE = "arange"
    SHAPE_OF = "shape of"
    EXPAND = "expand_dims"
    SQUEEZE = "squeeze"
    FLATTEN = "flatten"
    RESHAPE = "reshape"
    TRANSPOSE = "transpose two axes"
    PERMUTE = "permute"
    WHERE = "where"
    GUARD = "guard"
    IDENTITY = "identity"
    EINSUM = "einsum"
    MATMUL = "matmul"
    DIVIDE = "divide"
    CONCATENATE = "concatenate"
    PER_SAMPLE_LOSS = "loss with reduction='none'"
    # TF1 graph code (rows in library/tf1.py, handlers in analysis/tf1_calls.py)
    PLACEHOLDER = "tf.placeholder"
    VARIABLE = "tf.Variable / get_variable"
    EMBEDDING_LOOKUP = "embedding_lookup"
    TF1_RNN = "TF1 RNN function"
    DENSE_FUNCTION = "tf.layers.dense"
    UNSTACK = "unstack"
    SIGN = "sign"
    TENSORDOT = "tensordot"
    KERAS_MERGE = "keras merge function"  # keras.layers.concatenate / add / ... (keras_merge.py)
    HF = "transformers tokenizer / model / collator"


class ApplyModel(Enum):
    """How applying a layer object to a value is modelled (handlers in analysis/layers_*)."""

    TORCH_RNN = "torch RNN"
    LINEAR = "Linear"
    TORCH_EMBEDDING = "torch Embedding"
    CONV1D = "Conv1d"
    TORCH_POOL = "torch 1-D pool"
    TORCH_SEQUENTIAL = "nn.Sequential"
    TORCH_SAME = "shape-preserving module"
    TORCH_FLATTEN = "nn.Flatten"
    TORCH_ATTENTION = "MultiheadAttention"
    TRANSFORMER = "TransformerEncoder"
    MASKING = "Masking"
    KERAS_EMBEDDING = "keras Embedding"
    KERAS_RNN = "keras RNN"  # also Bidirectional(RNN)
    GLOBAL_POOL = "GlobalPooling1D"
    WINDOW_POOL = "Pooling1D"
    KERAS_FLATTEN = "keras Flatten"
    KERAS_CONV1D = "Conv1D"
    DENSE = "Dense"
    KERAS_SOFTMAX = "keras Softmax"
    TIME_DISTRIBUTED = "TimeDistributed"
    PER_STEP = "per-step layer"
    LAMBDA = "Lambda"
    KERAS_ATTENTION = "keras attention"
    KERAS_OTHER = "other keras layer"
    KERAS_MERGE = "keras merge layer"  # Concatenate, Add, Average, ... (list input)
    RNN_CELL = "RNN cell"  # one step: GRUCell, LSTMCell (torch and Keras)
    TEXT_VECTORIZATION = "TextVectorization"  # strings -> zero-padded token ids


#: Functions whose result holds the same values as their first argument: casts, identities
#: and conversions to a tensor or array (``tf.cast``, ``tf.to_float``, ``tf.identity``,
#: ``torch.as_tensor``, ``np.asarray``), by their last name component. A size stays the same
#: size through them (library_calls) and a mask the same mask (companions, for the fixes).
#: ``copy.copy(x)`` / ``copy.deepcopy(x)``: a copy holds what the original holds
COPIES = frozenset({"copy.deepcopy", "copy.copy"})

SAME_VALUE_FUNCTIONS = frozenset(
    {"cast", "to_float", "identity", "stop_gradient", "convert_to_tensor", "as_tensor"}
    | {"asarray", "array"}
)


@dataclass(frozen=True)
class ApiSpec:
    """One row: a canonical qualified name and what the analysis knows about it."""

    name: str
    family: Family
    call: CallModel
    op: str | None = None  # for reductions and pools: mean/sum/max/min/softmax/logsumexp
    params: tuple[str, ...] = ()  # positional parameter names
    apply: ApplyModel | None = None  # layers: what calling the layer object does
    mask: MaskEffect = MaskEffect.NONE
    window: bool = False  # a windowed pool (its size can be wrong); False: global/adaptive
    padding_mask_kwargs: tuple[str, ...] = ()  # attention: the arguments that take the mask

    @property
    def short(self) -> str:
        """The last component: ``torch.nn.LSTM`` -> ``LSTM`` (what triage searches for)."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def framework(self) -> Framework:
        root = self.name.partition(".")[0]
        return {
            "torch": Framework.TORCH,
            "tensorflow": Framework.TENSORFLOW,
            "keras": Framework.KERAS,
            "numpy": Framework.NUMPY,
        }.get(root, Framework.OTHER)
