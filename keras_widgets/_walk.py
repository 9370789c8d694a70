"""One walk over a model: the facts the summary and the graph both show.

Both views get a layer's kind, colour, shapes, parameter counts, costs (MACs, FLOPs) and
activation sizes from :func:`layer_facts`, and their notes from :func:`unbuilt_note` and
:func:`subclassed_note`, so the two never disagree (same colour for a Dense in both).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from keras_widgets import _cost
from keras_widgets._keras_nodes import KINDS, built_input_shapes, built_output_shapes, layer_kind

__all__ = [
    "KIND_COLORS",
    "LayerFacts",
    "Weights",
    "dtype_bits",
    "layer_facts",
    "subclassed_note",
    "unbuilt_note",
]

Shape = tuple  # ints / None, e.g. (None, 28, 28, 3)

#: kind -> (fill, stroke): the one palette of layer kinds (summary badges, graph boxes)
KIND_COLORS: dict[str, tuple[str, str]] = {
    "input": ("#e3f2fd", "#1e88e5"),
    "conv": ("#e8f5e9", "#43a047"),
    "dense": ("#fff3e0", "#fb8c00"),
    "recurrent": ("#f3e5f5", "#8e24aa"),
    "attention": ("#fce4ec", "#d81b60"),
    "pooling": ("#e0f7fa", "#00acc1"),
    "normalization": ("#fffde7", "#c0a000"),
    "merge": ("#ffebee", "#e53935"),
    "embedding": ("#e8eaf6", "#3949ab"),
    "activation": ("#f9fbe7", "#9e9d24"),
    "dropout": ("#eceff1", "#78909c"),
    "reshape": ("#efebe9", "#8d6e63"),
    "model": ("#e0f2f1", "#00897b"),
    "op": ("#fafafa", "#9e9e9e"),
    "other": ("#f5f5f5", "#616161"),
}
assert set(KIND_COLORS) == set(KINDS), "every layer kind needs a colour"


def unbuilt_note(name: str) -> str:
    return (
        f"{name} is not built yet: output shapes, parameter counts and costs are unknown. "
        "Build it (model.build(input_shape), call it on data, or start it with "
        "keras.Input(...)) to see them."
    )


def subclassed_note(name: str, count: int) -> str:
    return (
        f"{name} is a subclassed model: its call() is Python code, so Keras does not record "
        f"how its {count} tracked layers connect or in which order they run (they are listed "
        "in the order they were created); shapes and costs are best effort."
    )


@functools.lru_cache(maxsize=64)
def dtype_bits(dtype: str) -> int:
    """Bits per element of a Keras dtype name (float32 -> 32, bfloat16 -> 16, int4 -> 4)."""
    name = str(dtype).rsplit(".", 1)[-1]  # "tf.float32"-style names too
    if name == "bool":
        return 8
    match = re.search(r"(\d+)", name)
    if match:
        return int(match.group(1))
    try:
        import numpy as np

        return np.dtype(name).itemsize * 8
    except TypeError:
        return 32  # unknown: assume the Keras default (float32)


class Weights:
    """Per-variable (count, bits) cache: nested rows and totals see the same weights."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[int, int]] = {}

    def info(self, v: Any) -> tuple[int, int]:
        key = id(v)
        hit = self._cache.get(key)
        if hit is None:
            hit = (math.prod(tuple(v.shape)), dtype_bits(v.dtype))
            self._cache[key] = hit
        return hit

    def count(self, weights: list[Any], layer_trainable: bool) -> tuple[int, int, float, float]:
        """(trainable, non-trainable, trainable bits, non-trainable bits) of ``weights``."""
        tp = ntp = tb = ntb = 0
        seen = set()
        for v in weights:
            if id(v) in seen:
                continue
            seen.add(id(v))
            n, bits = self.info(v)
            if layer_trainable and v.trainable:
                tp += n
                tb += n * bits
            else:
                ntp += n
                ntb += n * bits
        return tp, ntp, tb, ntb


@dataclass(frozen=True)
class LayerFacts:
    """What both views know about one layer (or bare op), summed over its calls."""

    name: str
    class_name: str
    kind: str
    #: per call: the shapes of its outputs
    output_shapes: tuple[tuple[Shape, ...], ...]
    #: None when the layer is not built yet
    params: int | None
    trainable_params: int
    non_trainable_params: int
    #: the layer's ``trainable`` flag; None when it has no weights
    trainable: bool | None
    built: bool
    #: multiply-accumulates for one sample over all calls; None when unknown
    macs: int | None
    #: 2 x MACs + element-wise work (see keras_widgets._cost)
    flops: int | None
    #: bytes of the outputs of all calls for one sample; None when a dim is unknown
    activation_bytes: int | None

    @property
    def color(self) -> tuple[str, str]:
        return KIND_COLORS[self.kind]


def _counted_class(layer: Any) -> str | None:
    """The class name the cost tables know for ``layer``: its own, or that of a built-in
    base class whose ``call`` it does not override (a user ``Conv2D`` subclass that only
    changes the config is still a Conv2D; one with its own call() is unknown)."""
    cls = type(layer)
    if cls.__name__ in _cost.COUNTED:
        return cls.__name__
    for base in cls.__mro__[1:]:
        if base.__name__ in ("Layer", "Operation", "object"):
            return None
        if base.__name__ in _cost.COUNTED:
            return base.__name__ if cls.call is base.call else None
    return None


_CONFIG_FREE = _cost.ZERO_COST | {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}
# The config keys the cost tables read, which built-in layers also keep as attributes of the
# same name: reading them is ~50x faster than get_config() (which serializes initializers),
# and keeps counting EfficientNetB7 within the summary's time budget.
_CONFIG_ATTRS = (
    "units",
    "use_bias",
    "activation",
    "equation",
    "bias_axes",
    "kernel_size",
    "data_format",
    "depth_multiplier",
    "groups",
    "pool_size",
    "interpolation",
    "axes",
    "num_heads",
    "key_dim",
    "value_dim",
    "num_query_heads",
    "num_key_value_heads",
    "head_dim",
    "time_major",
)
_FULL_CONFIG = {"Bidirectional", "TimeDistributed"}  # nested layer configs


_CONV_ATTRS = ("kernel_size", "data_format", "depth_multiplier", "groups", "use_bias", "activation")
# class-name test -> the attributes its counter reads (fewer lookups on big models)
_ATTRS_BY_FAMILY: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (lambda n: n == "Activation", ("activation",)),
    (lambda n: n.startswith("UpSampling"), ("interpolation",)),
    (lambda n: n in _cost.ELEMENTWISE, ()),
    (lambda n: "Pooling" in n, ("pool_size", "data_format")),
    (lambda n: n.startswith("ConvLSTM"), ("kernel_size", "data_format")),
    (lambda n: "Conv" in n, _CONV_ATTRS),
    (lambda n: n == "Dense", ("units", "use_bias", "activation")),
)


@functools.lru_cache(maxsize=256)
def _attrs_for(name: str) -> tuple[str, ...]:
    for test, attrs in _ATTRS_BY_FAMILY:
        if test(name):
            return attrs
    return _CONFIG_ATTRS


def _config(layer: Any, name: str) -> dict:
    """The part of ``layer.get_config()`` that :mod:`keras_widgets._cost` reads."""
    if name in _CONFIG_FREE:
        return {}
    if name in _FULL_CONFIG:
        return layer.get_config()
    config = {}
    for attr in _attrs_for(name):
        value = getattr(layer, attr, None)
        if value is not None:
            config[attr] = getattr(value, "__name__", value) if attr == "activation" else value
    return config


def cost_of_call(layer: Any, is_layer: bool, ins: list, outs: list) -> tuple[int, int] | None:
    in_shape = ins[0] if len(ins) == 1 else ins
    out_shape = outs[0] if len(outs) == 1 else outs
    if not is_layer:
        return _cost.op_cost(type(layer).__name__, in_shape, out_shape)
    name = _counted_class(layer)
    if name is None:
        return None
    try:
        config = _config(layer, name)
    except Exception:  # any user layer may fail here: unknown, not wrong
        return None
    return _cost.layer_cost(name, config, in_shape, out_shape)


def tensor_bytes(shape: Shape, dtype: Any) -> int | None:
    """Bytes of one sample of a tensor (batch dimension dropped); None when a dim is unknown."""
    n = 1
    for d in list(shape)[1:]:
        if d is None:
            return None
        n *= int(d)
    return n * dtype_bits(str(dtype)) // 8


def layer_facts(layer: Any, calls: list[Any], weights: Weights, count: bool = True) -> LayerFacts:
    """Facts of one operation from its calls in a graph (:class:`keras_widgets._keras_nodes.CallNode`).

    Without calls (a subclassed model's layers) shapes and costs come from what the layer
    was built with (one call assumed: its model's totals are then lower bounds). A nested model's MACs are filled in by the caller from its
    layers. ``count=False`` skips the costs (None).
    """
    import keras

    is_layer = isinstance(layer, keras.layers.Layer)
    kind = layer_kind(layer)
    macs: int | None = 0
    elementwise: int | None = 0
    act: int | None = 0
    if calls:
        shapes = tuple(tuple(tuple(t.shape) for t in c.outputs) for c in calls)
        for call in calls:
            outs = [tuple(t.shape) for t in call.outputs]
            for t, shape in zip(call.outputs, outs, strict=True):
                b = tensor_bytes(shape, getattr(t, "dtype", "float32"))
                act = None if act is None or b is None else act + b
            if kind == "model" or not count:
                continue  # a model: summed from its layers by the caller
            cost = cost_of_call(layer, is_layer, [tuple(i.tensor.shape) for i in call.inputs], outs)
            if cost is None or macs is None or elementwise is None:
                macs = elementwise = None
            else:
                macs += cost[0]
                elementwise += cost[1]
    else:
        fallback = built_output_shapes(layer)
        shapes = (tuple(fallback),) if fallback else ()
        act = macs = elementwise = None
        if fallback:
            dtype = getattr(layer, "compute_dtype", "float32")
            sizes = [tensor_bytes(s, dtype) for s in fallback]
            act = None if None in sizes else sum(sizes)
            # a subclassed model's layer: one call with the shapes it was built with
            ins = built_input_shapes(layer)
            if ins and count and kind != "model":
                cost = cost_of_call(layer, is_layer, ins, fallback)
                if cost is not None:
                    macs, elementwise = cost
    built = bool(getattr(layer, "built", True))
    layer_weights = (getattr(layer, "weights", None) or []) if built else []
    layer_trainable = bool(getattr(layer, "trainable", False))
    tp, ntp, _, _ = weights.count(layer_weights, layer_trainable)
    return LayerFacts(
        name=str(layer.name),
        class_name=type(layer).__name__,
        kind=kind,
        output_shapes=shapes,
        params=tp + ntp if built else None,
        trainable_params=tp,
        non_trainable_params=ntp,
        trainable=layer_trainable if layer_weights else None,
        built=built,
        macs=macs if kind != "model" else None,
        flops=None
        if macs is None or elementwise is None or kind == "model"
        else 2 * macs + elementwise,
        activation_bytes=act,
    )


def add_up(values: list[int | None]) -> tuple[int, bool]:
    """(sum of the known values, whether one was unknown): totals read "≥" then."""
    known = [v for v in values if v is not None]
    return sum(known), len(known) != len(values)
