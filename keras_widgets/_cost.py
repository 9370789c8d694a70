"""What a layer costs to run: multiply-accumulates (MACs) and FLOPs, from config and shapes.

Pure Python (no Keras import): :func:`layer_macs` and :func:`layer_flops` take a layer's
class name, its ``get_config()`` dict and its input and output shapes, so the builder can
count a layer it has not created yet, and the summary and graph count built models.

Conventions (the same as the papers' "multiply-adds" tables):

- **MACs** count the multiply-accumulates of the linear work for ONE sample (batch
  dimension ignored): Dense / EinsumDense, every convolution (groups, dilation, strides,
  depthwise, separable, transposed), the matrix products of attention, and the gate
  matmuls of recurrent layers (per time step x sequence length). Everything else is 0 MACs.
- **FLOPs** = 2 x MACs + element-wise work: one FLOP per output element per elementary
  operation (bias add, activation, pooling window elements, a merge's n-1 operations,
  2 for scale-and-shift normalizations, 5 for layer / group normalization, ...). The
  element-wise part is an approximation; the MACs are exact for the listed layers.
- A layer we cannot count (a custom layer, a Lambda, an unknown sequence length) gives
  ``None``, shown as "?"; totals over such layers are lower bounds ("≥"), never silently 0.
- Embedding lookups, reshapes, dropout and padding cost 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["COUNTED", "ZERO_COST", "layer_cost", "layer_flops", "layer_macs"]

Shape = Sequence[int | None]

# Layers that move or copy data only: 0 MACs and 0 FLOPs.
ZERO_COST = frozenset(
    {
        "InputLayer",
        "Reshape",
        "Flatten",
        "Permute",
        "RepeatVector",
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianDropout",
        "AlphaDropout",
        "GaussianNoise",
        "ActivityRegularization",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "Embedding",
        "Identity",
        "Masking",
        "Concatenate",
        "StringLookup",
        "IntegerLookup",
        "CategoryEncoding",
        "Hashing",
        "Flip",
        "RandomFlip",
        "RandomCrop",
        "RandomTranslation",
        "RandomRotation",
        "RandomZoom",
        "RandomContrast",
        "RandomBrightness",
    }
)

# Element-wise layers: FLOPs per output element (shared with keras_widgets._walk).
ELEMENTWISE = {
    "Activation": 1,
    "ReLU": 1,
    "LeakyReLU": 1,
    "PReLU": 2,
    "ELU": 1,
    "Softmax": 3,  # exp, sum, divide
    "BatchNormalization": 2,  # inference: folded scale and shift
    "LayerNormalization": 5,  # mean, variance, subtract, divide, scale-shift
    "GroupNormalization": 5,
    "RMSNormalization": 4,
    "UnitNormalization": 3,
    "SpectralNormalization": 0,
    "Normalization": 2,
    "Rescaling": 2,
    "Resizing": 4,  # bilinear interpolation
    "CenterCrop": 0,
    "UpSampling1D": 0,
    "UpSampling2D": 0,  # nearest: a copy (bilinear handled below)
    "UpSampling3D": 0,
}

_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}

# Keras ops recorded in functional graphs (``x + y``, ``ops.relu(x)``): element-wise.
_OPS_ELEMENTWISE = {
    "Add": 1,
    "Subtract": 1,
    "Multiply": 1,
    "Divide": 1,
    "TrueDivide": 1,
    "Maximum": 1,
    "Minimum": 1,
    "Negative": 1,
    "Abs": 1,
    "Square": 1,
    "Sqrt": 1,
    "Exp": 1,
    "Log": 1,
    "Power": 1,
    "Relu": 1,
    "Relu6": 1,
    "Sigmoid": 1,
    "Silu": 2,
    "Swish": 2,
    "Gelu": 8,
    "Tanh": 1,
    "Softmax": 3,
    "Cast": 0,
    "Reshape": 0,
    "Transpose": 0,
    "ExpandDims": 0,
    "Squeeze": 0,
    "Concatenate": 0,
    "GetItem": 0,
    "Stack": 0,
}

_ACTIVATION_FLOPS = {None: 0, "linear": 0, "softmax": 3, "gelu": 8, "swish": 2, "silu": 2}


def _prod(dims: Sequence[int | None]) -> int | None:
    """Product of known dims; None when one is unknown."""
    out = 1
    for d in dims:
        if d is None:
            return None
        out *= int(d)
    return out


def _per_sample(shape: Shape | None) -> int | None:
    """Elements of one sample (the batch dimension dropped)."""
    if shape is None:
        return None
    return _prod(list(shape)[1:])


def _shapes(shape: Any) -> list[tuple]:
    """A shape or a list of shapes -> a list of shapes."""
    if shape is None:
        return []
    if isinstance(shape, dict):
        return [s for v in shape.values() for s in _shapes(v)]
    shape = list(shape)
    if shape and all(d is None or isinstance(d, int) for d in shape):
        return [tuple(shape)]
    if not shape:
        return [()]
    return [s for v in shape for s in _shapes(v)]


def _first(shape: Any) -> tuple | None:
    shapes = _shapes(shape)
    return shapes[0] if shapes else None


def _activation_name(config: dict) -> str | None:
    act = config.get("activation")
    if isinstance(act, dict):  # serialized callable
        act = act.get("config", {}).get("name") or act.get("class_name")
    return None if act is None else str(act)


def _bias_and_activation(config: dict, out_elems: int) -> int:
    """Element-wise FLOPs a Dense / Conv adds after its products."""
    flops = out_elems if config.get("use_bias", True) else 0
    act = _activation_name(config)
    return flops + out_elems * _ACTIVATION_FLOPS.get(act, 1)


def _channels_first(config: dict) -> bool:
    return config.get("data_format") == "channels_first"


def _spatial_and_channels(shape: Shape, config: dict) -> tuple[list, int | None]:
    dims = list(shape)[1:]
    if _channels_first(config):
        return dims[1:], dims[0]
    return dims[:-1], dims[-1]


def _tuple(value: Any, rank: int) -> list[int]:
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(value)] * rank


# --------------------------------------------------------------------------- per family
# Each counter returns (macs, elementwise flops) or None when it cannot count.
Counter = Callable[[str, dict, list, list], "tuple[int, int] | None"]


def _dense(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    x, y = ins[0], outs[0]
    rows = _prod(list(x)[1:-1])
    if rows is None or x[-1] is None:
        return None
    units = int(config.get("units") or y[-1])
    macs = rows * int(x[-1]) * units
    return macs, _bias_and_activation(config, rows * units)


def _einsum_dense(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    # "abc,cde->abde": every letter's size is known from the input or the output; the work
    # is the product of all distinct letters' sizes (batch letter excluded: per sample).
    equation = str(config.get("equation", ""))
    try:
        lhs, out_spec = equation.split("->")
        in_spec, kernel_spec = lhs.split(",")
    except ValueError:
        return None
    x, y = ins[0], outs[0]
    if "..." in equation or len(in_spec) != len(x) or len(out_spec) != len(y):
        return None
    sizes: dict[str, int | None] = {}
    for spec, shape in ((in_spec, x), (out_spec, y)):
        for letter, dim in zip(spec, shape, strict=True):
            if sizes.get(letter) is None:
                sizes[letter] = dim
    batch = in_spec[0] if in_spec[0] in out_spec and in_spec[0] not in kernel_spec else None
    letters = set(in_spec) | set(kernel_spec) | set(out_spec)
    letters.discard(batch)
    macs = _prod([sizes.get(letter) for letter in letters])
    out_elems = _per_sample(y)
    if macs is None or out_elems is None:
        return None
    bias = out_elems if config.get("bias_axes") else 0
    return macs, bias + out_elems * _ACTIVATION_FLOPS.get(_activation_name(config), 1)


def _conv(name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    x, y = ins[0], outs[0]
    in_spatial, in_ch = _spatial_and_channels(x, config)
    out_spatial, out_ch = _spatial_and_channels(y, config)
    rank = len(out_spatial)
    kernel = _prod(_tuple(config.get("kernel_size", 1), rank))
    out_pos = _prod(out_spatial)
    in_pos = _prod(in_spatial)
    if None in (in_ch, out_ch, kernel, out_pos, in_pos):
        return None
    out_elems = out_pos * out_ch
    if "Depthwise" in name:
        # each output channel: one kernel over one input channel
        macs = out_elems * kernel
    elif "Separable" in name:
        mult = int(config.get("depth_multiplier", 1))
        macs = out_pos * in_ch * mult * kernel + out_pos * in_ch * mult * out_ch
    elif "Transpose" in name:
        # every input position scatters a kernel into each output channel
        groups = int(config.get("groups", 1) or 1)
        macs = in_pos * in_ch * kernel * out_ch // groups
    else:
        groups = int(config.get("groups", 1) or 1)
        macs = out_elems * kernel * (in_ch // groups)
    return macs, _bias_and_activation(config, out_elems)


def _pooling(name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    x, y = ins[0], outs[0]
    in_elems, out_elems = _per_sample(x), _per_sample(y)
    if in_elems is None or out_elems is None:
        return None
    if name.startswith("Global"):
        return 0, in_elems  # one add / compare per input element
    in_spatial, _ = _spatial_and_channels(x, config)
    rank = len(in_spatial)
    window = _prod(_tuple(config.get("pool_size", 2), rank)) or 1
    return 0, out_elems * window


def _elementwise(name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    out_elems = _per_sample(outs[0])
    if out_elems is None:
        return None
    per = ELEMENTWISE[name]
    if name in ("UpSampling2D",) and config.get("interpolation", "nearest") != "nearest":
        per = 4
    if name == "Activation":
        per = _ACTIVATION_FLOPS.get(_activation_name(config), 1)
    return 0, out_elems * per


def _merge(_name: str, _config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    out_elems = _per_sample(outs[0])
    if out_elems is None:
        return None
    return 0, out_elems * max(len(ins) - 1, 1)


def _dot(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    if len(ins) != 2:
        return None
    a = ins[0]
    axes = config.get("axes", -1)
    axis = axes[0] if isinstance(axes, (list, tuple)) else axes
    out_elems = _per_sample(outs[0])
    k = a[axis] if a else None
    if out_elems is None or k is None:
        return None
    return out_elems * int(k), 0


def _steps_and_features(x: Shape, config: dict) -> tuple[int | None, int | None]:
    time_major = config.get("time_major", False)
    steps = x[0] if time_major else x[1]
    return steps, x[-1]


_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def _recurrent(name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    x = ins[0]
    steps, features = _steps_and_features(x, config)
    units = config.get("units")
    if steps is None or features is None or units is None:
        return None
    gates = _GATES[name]
    per_step = gates * units * (int(features) + units)
    # element-wise per step: bias adds and gate activations / products
    elementwise = {1: 2, 3: 8, 4: 10}[gates] * units
    return steps * per_step, steps * elementwise


def _conv_lstm(name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    # input (batch, time, *frame); each step is 4 gate convolutions over [input, state].
    x, y = ins[0], outs[0]
    rank = int(name[len("ConvLSTM")])
    steps = x[1]
    _, in_ch = _spatial_and_channels((x[0], *x[2:]), config)
    out_spatial, filters = _spatial_and_channels((y[0], *y[-(rank + 1) :]), config)
    kernel = _prod(_tuple(config.get("kernel_size", 1), rank))
    pos = _prod(out_spatial)
    if None in (steps, in_ch, filters, kernel, pos):
        return None
    per_step = 4 * pos * filters * kernel * (int(in_ch) + int(filters))
    return steps * per_step, steps * 10 * pos * filters


def _wrapped(config: dict) -> tuple[str, dict] | None:
    inner = config.get("layer")
    if not isinstance(inner, dict):
        return None
    return str(inner.get("class_name", "")), dict(inner.get("config") or {})


def _bidirectional(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    inner = _wrapped(config)
    if inner is None:
        return None
    cls, cfg = inner
    forward = layer_cost(cls, cfg, ins[0], None)
    backward_cfg = config.get("backward_layer")
    if isinstance(backward_cfg, dict):
        backward = layer_cost(
            str(backward_cfg.get("class_name")), backward_cfg.get("config") or {}, ins[0], None
        )
    else:
        backward = forward
    if forward is None or backward is None:
        return None
    merge = _per_sample(outs[0]) or 0 if config.get("merge_mode") not in (None, "concat") else 0
    return forward[0] + backward[0], forward[1] + backward[1] + merge


def _time_distributed(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    inner = _wrapped(config)
    x, y = ins[0], outs[0]
    if inner is None or x[1] is None:
        return None
    cost = layer_cost(inner[0], inner[1], (x[0], *x[2:]), (y[0], *y[2:]))
    if cost is None:
        return None
    return cost[0] * int(x[1]), cost[1] * int(x[1])


def _mha(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    q = ins[0]
    v = ins[1] if len(ins) > 1 else q
    k = ins[2] if len(ins) > 2 else v
    heads = int(config.get("num_heads", 1))
    kd = int(config.get("key_dim"))
    vd = int(config.get("value_dim") or kd)
    t, s = _prod(list(q)[1:-1]), _prod(list(v)[1:-1])
    out_dim = outs[0][-1] if outs and outs[0] else None
    if None in (t, s, q[-1], v[-1], k[-1], out_dim):
        return None
    macs = (
        t * int(q[-1]) * heads * kd  # query projection
        + s * int(k[-1]) * heads * kd  # key projection
        + s * int(v[-1]) * heads * vd  # value projection
        + heads * t * s * kd  # scores
        + heads * t * s * vd  # weighted sum of values
        + t * heads * vd * int(out_dim)  # output projection
    )
    softmax = 3 * heads * t * s
    return macs, softmax + t * heads * (2 * kd + vd) + t * int(out_dim)


def _gqa(_name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    q = ins[0]
    v = ins[1] if len(ins) > 1 else q
    k = ins[2] if len(ins) > 2 else v
    hq = int(config.get("num_query_heads", 1))
    hkv = int(config.get("num_key_value_heads", hq))
    d = int(config.get("head_dim"))
    t, s = _prod(list(q)[1:-1]), _prod(list(v)[1:-1])
    out_dim = outs[0][-1] if outs and outs[0] else None
    if None in (t, s, q[-1], v[-1], k[-1], out_dim):
        return None
    macs = (
        t * int(q[-1]) * hq * d
        + s * int(k[-1]) * hkv * d
        + s * int(v[-1]) * hkv * d
        + 2 * hq * t * s * d
        + t * hq * d * int(out_dim)
    )
    return macs, 3 * hq * t * s


def _attention(name: str, config: dict, ins: list, outs: list) -> tuple[int, int] | None:
    # Attention / AdditiveAttention: inputs [query, value(, key)], no projections.
    q = ins[0]
    v = ins[1] if len(ins) > 1 else q
    t, s = _prod(list(q)[1:-1]), _prod(list(v)[1:-1])
    if None in (t, s, q[-1], v[-1]):
        return None
    d, dv = int(q[-1]), int(v[-1])
    macs = t * s * d + t * s * dv
    elementwise = 3 * t * s  # softmax
    if name == "AdditiveAttention":
        elementwise += 2 * t * s * d  # add and tanh of every (query, key) pair
    return macs, elementwise


_COUNTERS: dict[str, Counter] = {
    "Dense": _dense,
    "EinsumDense": _einsum_dense,
    "MultiHeadAttention": _mha,
    "GroupedQueryAttention": _gqa,
    "GroupQueryAttention": _gqa,
    "Attention": _attention,
    "AdditiveAttention": _attention,
    "Dot": _dot,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "SimpleRNN": _recurrent,
    "GRU": _recurrent,
    "LSTM": _recurrent,
    "ConvLSTM1D": _conv_lstm,
    "ConvLSTM2D": _conv_lstm,
    "ConvLSTM3D": _conv_lstm,
}
for _rank in ("1D", "2D", "3D"):
    for _prefix in ("Conv", "Conv{}Transpose", "SeparableConv", "DepthwiseConv"):
        _COUNTERS[(_prefix.format(_rank) if "{}" in _prefix else _prefix + _rank)] = _conv
    for _pool in ("MaxPooling", "AveragePooling", "GlobalMaxPooling", "GlobalAveragePooling"):
        _COUNTERS[_pool + _rank] = _pooling
for _name in ELEMENTWISE:
    _COUNTERS[_name] = _elementwise
for _name in _MERGES:
    _COUNTERS[_name] = _merge

#: every class name :func:`layer_macs` knows (the rest give None)
COUNTED = frozenset(_COUNTERS) | ZERO_COST


def layer_cost(
    class_name: str, config: dict | None, input_shape: Any, output_shape: Any
) -> tuple[int, int] | None:
    """``(macs, elementwise_flops)`` of one call for one sample, or None when unknown.

    ``input_shape`` and ``output_shape`` are shapes with a leading batch dimension (or
    lists of them for layers with several inputs / outputs). ``output_shape`` may be None
    for layers whose cost the inputs decide (recurrent layers).
    """
    config = config or {}
    if class_name in ZERO_COST:
        return 0, 0
    counter = _COUNTERS.get(class_name)
    if counter is None:
        return None
    ins = _shapes(input_shape)
    outs = _shapes(output_shape)
    if not ins or (not outs and counter not in (_recurrent, _bidirectional)):
        return None
    try:
        return counter(class_name, config, ins, outs)
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError):
        return None  # an unusual config: unknown rather than wrong


def op_cost(class_name: str, input_shape: Any, output_shape: Any) -> tuple[int, int] | None:
    """Cost of a bare Keras op in a functional graph (``x + y``, ``ops.matmul``)."""
    outs = _shapes(output_shape)
    out_elems = _per_sample(outs[0]) if outs else None
    if class_name == "Matmul":
        ins = _shapes(input_shape)
        if len(ins) != 2 or out_elems is None or ins[0][-1] is None:
            return None
        return out_elems * int(ins[0][-1]), 0
    per = _OPS_ELEMENTWISE.get(class_name)
    if per is None or out_elems is None:
        return None
    return 0, out_elems * per


def layer_macs(
    class_name: str, config: dict | None, input_shape: Any, output_shape: Any
) -> int | None:
    """Multiply-accumulates of one call of a layer for one sample; None when unknown.

    >>> layer_macs("Dense", {"units": 10}, (None, 784), (None, 10))
    7840
    >>> layer_macs("Conv2D", {"kernel_size": (3, 3)}, (None, 32, 32, 3), (None, 30, 30, 16))
    388800
    """
    cost = layer_cost(class_name, config, input_shape, output_shape)
    return None if cost is None else cost[0]


def layer_flops(
    class_name: str, config: dict | None, input_shape: Any, output_shape: Any
) -> int | None:
    """FLOPs of one call for one sample: 2 x MACs + element-wise work; None when unknown."""
    cost = layer_cost(class_name, config, input_shape, output_shape)
    return None if cost is None else 2 * cost[0] + cost[1]


def readable_count(n: float | None, lower_bound: bool = False) -> str:
    """``3.86 G``, ``569.4 M``, ``12.3 K``; ``?`` for None; ``≥`` prefix for lower bounds."""
    if n is None:
        return "?"
    prefix = "≥ " if lower_bound else ""
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{prefix}{n / scale:.3g} {unit}"
    return f"{prefix}{int(n)}"
