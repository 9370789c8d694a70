"""The layer catalog of the Sequential builder and the coercion of raw UI values.

The catalog is generated from each layer's real constructor (``inspect.signature``), with
curated kinds and choices for the arguments we know (activations, padding, initializers,
regularizers, ...). Coercion turns a raw value as the UI sends it (``"32"``, ``"3,3"``,
``[3, 3]``, ``""``) into a clean Python value or a short error; it never evaluates text.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
from typing import Any

GROUPS: list[tuple[str, list[str]]] = [
    ("Core", ["Dense", "Activation", "Embedding", "Rescaling"]),
    (
        "Convolution",
        [
            "Conv1D",
            "Conv2D",
            "Conv3D",
            "SeparableConv1D",
            "SeparableConv2D",
            "DepthwiseConv2D",
            "Conv1DTranspose",
            "Conv2DTranspose",
            "Conv3DTranspose",
        ],
    ),
    (
        "Pooling",
        [
            "MaxPooling1D",
            "MaxPooling2D",
            "MaxPooling3D",
            "AveragePooling1D",
            "AveragePooling2D",
            "AveragePooling3D",
            "GlobalMaxPooling1D",
            "GlobalMaxPooling2D",
            "GlobalMaxPooling3D",
            "GlobalAveragePooling1D",
            "GlobalAveragePooling2D",
            "GlobalAveragePooling3D",
        ],
    ),
    ("Normalization", ["BatchNormalization", "LayerNormalization"]),
    (
        "Regularization",
        [
            "Dropout",
            "SpatialDropout1D",
            "SpatialDropout2D",
            "SpatialDropout3D",
            "GaussianNoise",
            "GaussianDropout",
        ],
    ),
    ("Recurrent", ["LSTM", "GRU", "SimpleRNN", "Bidirectional"]),
    (
        "Reshaping",
        ["Flatten", "Reshape", "Permute", "RepeatVector", "UpSampling1D", "UpSampling2D"],
    ),
]
LAYER_TYPES = frozenset(name for _, names in GROUPS for name in names)
RNN_TYPES = ("LSTM", "GRU", "SimpleRNN")

ACTIVATIONS = [
    "linear",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "softplus",
    "softsign",
    "leaky_relu",
    "relu6",
    "hard_sigmoid",
    "exponential",
    "mish",
    "log_softmax",
]
INITIALIZERS = [
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "random_uniform",
    "random_normal",
    "truncated_normal",
    "uniform",
    "normal",
    "zeros",
    "ones",
]
REGULARIZERS = ["L1", "L2", "L1L2"]

# Arguments we do not offer: they need Python objects, break a Sequential stack, or are
# experimental (constraints, return_state, stateful, LoRA, quantization, preset weights).
_SKIP = re.compile(
    r".*_constraint$|^(kwargs|args|weights|backward_layer|return_state|stateful|lora_rank|"
    r"lora_alpha|quantization_config|noise_shape|renorm_clipping|use_cudnn|synchronized|"
    r"dtype|input_shape|input_length)$"
)
# Shown on the card; everything else is folded away as "advanced".
_MAIN = frozenset(
    [
        "units",
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "activation",
        "pool_size",
        "rate",
        "input_dim",
        "output_dim",
        "target_shape",
        "dims",
        "n",
        "scale",
        "offset",
        "stddev",
        "layer",
        "merge_mode",
        "return_sequences",
        "size",
        "depth_multiplier",
        "mask_zero",
    ]
)
_TUPLES = frozenset(
    ["kernel_size", "strides", "dilation_rate", "pool_size", "size", "output_padding"]
)
# Values needed when a layer is added without them (the constructor requires them).
SUGGESTED: dict[str, Any] = {
    "units": 32,
    "filters": 32,
    "kernel_size": 3,
    "activation": "relu",
    "input_dim": 1000,
    "output_dim": 64,
    "scale": 1 / 255,
    "target_shape": [-1],
    "dims": [1],
    "n": 2,
    "rate": 0.5,
    "stddev": 0.1,
    "pool_size": 2,
    "layer": {"type": "LSTM", "config": {"units": 32}},
}
_FLOAT_REQUIRED = frozenset({"rate", "stddev", "scale"})
_DOCS = {
    "units": "Number of output units.",
    "filters": "Number of output channels.",
    "kernel_size": "Size of the convolution window (an int or one int per dimension).",
    "strides": "Step of the window (an int or one int per dimension).",
    "padding": "'valid': no padding; 'same': output keeps the input size (stride 1).",
    "activation": "Activation function applied to the output.",
    "pool_size": "Size of the pooling window.",
    "rate": "Fraction of the inputs to drop, in [0, 1).",
    "input_dim": "Vocabulary size (largest integer index + 1).",
    "output_dim": "Size of each embedding vector.",
    "target_shape": "Output shape without the batch axis; one entry may be -1.",
    "dims": "Permutation of the axes, without the batch axis (starts at 1).",
    "n": "Repetition factor.",
    "layer": "The recurrent layer to run in both directions.",
    "return_sequences": "Return the full sequence instead of the last output.",
    "use_bias": "Whether the layer uses a bias vector.",
    "data_format": "'channels_last' (default) or 'channels_first'.",
    "name": "Layer name (must be unique in the model).",
}


def _rank(layer_type: str) -> int:
    m = re.search(r"([123])D", layer_type)
    return int(m.group(1)) if m else 1


def _kind(layer_type: str, name: str, default: Any) -> tuple[str, list | None]:
    """Kind and choices of one constructor argument."""
    if name in ("activation", "recurrent_activation"):
        return "activation", ACTIVATIONS
    if name.endswith("_initializer"):
        if name.split("_")[0] in ("bias", "beta", "gamma", "moving"):
            # 1-D weights: orthogonal needs 2-D (validation defers initializers, so exclude it)
            return "initializer", [i for i in INITIALIZERS if i != "orthogonal"]
        return "initializer", INITIALIZERS
    if name.endswith("_regularizer"):
        return "regularizer", REGULARIZERS
    if name == "padding":
        causal = layer_type == "Conv1D"
        return "choice", ["valid", "same", "causal"] if causal else ["valid", "same"]
    if name == "data_format":
        return "choice", [None, "channels_last", "channels_first"]
    if name == "interpolation":
        return "choice", ["nearest", "bilinear", "bicubic", "area"]
    if name == "merge_mode":
        return "choice", ["concat", "sum", "mul", "ave", None]
    if name == "layer":
        return "layer", list(RNN_TYPES)
    if name in _TUPLES:
        return "int_or_tuple", None
    if name in ("target_shape", "dims"):
        return "shape", None
    if isinstance(default, bool):
        return "bool", None
    if isinstance(default, int) or name in ("seed", "axis"):
        return "int", None
    if isinstance(default, float) or name in _FLOAT_REQUIRED:
        return "float", None
    if name == "name":
        return "str", None
    return "int", None  # remaining required arguments (units, filters, n, ...) are ints


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


@functools.cache
def layer_args(layer_type: str) -> tuple[dict, ...]:
    """ArgSpecs of one layer type, from its real constructor."""
    import keras

    cls = getattr(keras.layers, layer_type)
    specs = []
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = {p.name for p in params}
    for p in params:
        if _SKIP.match(p.name) or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        required = p.default is inspect.Parameter.empty
        default = None if required else p.default
        if p.name == "layer" or (layer_type == "Activation" and p.name == "activation"):
            required = True
        kind, choices = _kind(layer_type, p.name, default)
        spec = {
            "name": p.name,
            "kind": kind,
            "default": _json_default(default),
            "choices": choices,
            "advanced": p.name not in _MAIN,
            "optional": (not required) and default is None,
            "required": required,
            "doc": _DOCS.get(p.name, ""),
        }
        if required and p.name in SUGGESTED:
            spec["suggested"] = SUGGESTED[p.name]
        if kind == "int_or_tuple":
            spec["rank"] = _rank(layer_type)
        specs.append(spec)
    if "name" not in names:
        specs.append(
            {
                "name": "name",
                "kind": "str",
                "default": None,
                "choices": None,
                "advanced": True,
                "optional": True,
                "required": False,
                "doc": _DOCS["name"],
            }
        )
    return tuple(specs)


@functools.cache
def arg_map(layer_type: str) -> dict[str, dict]:
    return {s["name"]: s for s in layer_args(layer_type)}


OPTIMIZERS: dict[str, tuple[str, list[tuple[str, str, Any]]]] = {
    # key -> (keras.optimizers class, [(extra arg, kind, default)])
    "adam": (
        "Adam",
        [("beta_1", "float", 0.9), ("beta_2", "float", 0.999), ("amsgrad", "bool", False)],
    ),
    "adamw": (
        "AdamW",
        [("weight_decay", "float", 0.004), ("beta_1", "float", 0.9), ("beta_2", "float", 0.999)],
    ),
    "sgd": ("SGD", [("momentum", "float", 0.0), ("nesterov", "bool", False)]),
    "rmsprop": ("RMSprop", [("rho", "float", 0.9), ("momentum", "float", 0.0)]),
    "adagrad": ("Adagrad", []),
    "adadelta": ("Adadelta", [("rho", "float", 0.95)]),
    "adamax": ("Adamax", [("beta_1", "float", 0.9), ("beta_2", "float", 0.999)]),
    "nadam": ("Nadam", [("beta_1", "float", 0.9), ("beta_2", "float", 0.999)]),
    "lion": ("Lion", [("beta_1", "float", 0.9), ("beta_2", "float", 0.99)]),
}
LOSSES = [
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "kl_divergence",
    "poisson",
]
METRICS = [
    "accuracy",
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "binary_accuracy",
    "mean_squared_error",
    "mean_absolute_error",
    "sparse_top_k_categorical_accuracy",
]
COMPILE_KEYS = frozenset(
    {"optimizer", "learning_rate", "loss", "metrics"}
    | {name for _, extras in OPTIMIZERS.values() for name, _, _ in extras}
)


@functools.lru_cache(maxsize=1)
def _catalog() -> dict:
    import keras

    layers = {}
    for _, names in GROUPS:
        for name in names:
            doc = (getattr(keras.layers, name).__doc__ or "").strip().split("\n")[0]
            layers[name] = {"doc": doc, "args": [dict(s) for s in layer_args(name)]}
    compile_ = {
        "optimizers": {
            key: {
                "label": label,
                "args": [{"name": n, "kind": k, "default": d} for n, k, d in extras],
            }
            for key, (label, extras) in OPTIMIZERS.items()
        },
        "learning_rate": 0.001,
        "losses": LOSSES,
        "metrics": METRICS,
    }
    return {
        "groups": [{"name": g, "layers": list(names)} for g, names in GROUPS],
        "layers": layers,
        "compile": compile_,
    }


def catalog() -> dict:
    """The palette: groups of layer names and, per layer, its argument specs.

    Extra key ``compile``: optimizers (with their extra arguments), losses and metrics.
    """
    import copy

    return copy.deepcopy(_catalog())


# ---------------------------------------------------------------------------------------
# Coercion of raw values. Each function returns the clean value or raises _Bad(message).


class Bad(ValueError):
    """A raw value that cannot be used; the message is short and user-facing."""


MAX_INT = 10_000_000
MAX_FLOAT = 1e12
_INT_RE = re.compile(r"^[+-]?\d+$")
_SPLIT_RE = re.compile(r"[,\s]+")
_TIMES_RE = re.compile("(?<=\\d)\\s*[x\u00d7]\\s*(?=\\d)")  # "3x3", "3\u00d73"


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def to_int(raw: Any, lo: int | None = 1, hi: int = MAX_INT) -> int:
    if isinstance(raw, bool):
        raise Bad("expected an integer")
    if isinstance(raw, float):
        if not math.isfinite(raw) or raw != int(raw):
            raise Bad("expected an integer")
        raw = int(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if not _INT_RE.match(text) or len(text) > 30:
            raise Bad("expected an integer")
        raw = int(text)
    elif not isinstance(raw, int):
        raise Bad("expected an integer")
    if lo is not None and raw < lo:
        raise Bad(f"must be >= {lo}")
    if raw > hi:
        raise Bad(f"must be <= {hi:,}")
    return raw


def to_float(raw: Any, lo: float | None = None, hi: float | None = None, lo_open=False) -> float:
    if isinstance(raw, bool):
        raise Bad("expected a number")
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > 40:
            raise Bad("expected a number")
        try:
            raw = float(text)
        except ValueError:
            raise Bad("expected a number") from None
    elif isinstance(raw, int):
        raw = float(raw)
    elif not isinstance(raw, float):
        raise Bad("expected a number")
    if not math.isfinite(raw):
        raise Bad("expected a finite number")
    if abs(raw) > MAX_FLOAT:
        raise Bad("too large")
    if lo is not None and (raw < lo or (lo_open and raw == lo)):
        raise Bad(f"must be > {lo}" if lo_open else f"must be >= {lo}")
    if hi is not None and raw > hi:
        raise Bad(f"must be <= {hi}")
    return raw


def to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return raw.strip().lower() in ("true", "1", "yes")
    raise Bad("expected true or false")


def split_seq(raw: Any) -> list:
    """``"3,3"``, ``"(3, 3)"``, ``"3x3"``, ``[3, 3]`` -> list of raw items."""
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str):
        text = raw.strip().strip("()[]").strip()
        if not text:
            return []
        if len(text) > 200:
            raise Bad("too long")
        return [t for t in _SPLIT_RE.split(_TIMES_RE.sub(",", text)) if t]
    return [raw]


def _float_range(name: str) -> dict:
    if name in ("rate", "dropout", "recurrent_dropout"):
        return {"lo": 0.0, "hi": 0.999999}
    if name in ("momentum", "renorm_momentum", "beta_1", "beta_2", "rho"):
        return {"lo": 0.0, "hi": 1.0}
    if name in ("epsilon", "learning_rate"):
        return {"lo": 0.0, "lo_open": True, "hi": 10.0 if name == "learning_rate" else 1.0}
    if name in ("stddev", "weight_decay"):
        return {"lo": 0.0}
    return {}


def _int_range(name: str) -> dict:
    if name == "axis":
        return {"lo": -8, "hi": 8}
    if name == "seed":
        return {"lo": 0, "hi": 2**31 - 1}
    if name == "output_padding":
        return {"lo": 0}
    return {"lo": 1}


def coerce(spec: dict, raw: Any, layer_type: str = "") -> Any:
    """Clean value of one argument (raises Bad). ``None`` only when the arg is optional."""
    kind, name = spec["kind"], spec["name"]
    if _is_empty(raw) or (isinstance(raw, str) and raw.strip() == "None"):
        if spec["optional"] or (kind == "choice" and None in (spec["choices"] or [])):
            return None
        raise Bad("required")
    if kind == "int":
        return to_int(raw, **_int_range(name))
    if kind == "float":
        return to_float(raw, **_float_range(name))
    if kind == "bool":
        return to_bool(raw)
    if kind in ("choice", "activation", "initializer"):
        if isinstance(raw, str) and raw.strip() in spec["choices"]:
            return raw.strip()
        raise Bad("not one of the choices")
    if kind == "str":
        if not isinstance(raw, str):
            raise Bad("expected text")
        if name == "name":
            return to_name(raw)
        return raw
    if kind == "int_or_tuple":
        items = split_seq(raw)
        rank = spec.get("rank", 1)
        values = tuple(to_int(v, **_int_range(name)) for v in items)
        if len(values) == 1 and not isinstance(raw, (list, tuple)):
            return values[0]
        if len(values) == 1 and rank == 1:
            return values[0]
        if len(values) != rank:
            raise Bad(f"expected 1 or {rank} integers")
        return values
    if kind == "shape":
        values = tuple(
            -1 if str(v).strip() == "-1" else to_int(v, lo=1, hi=MAX_INT) for v in split_seq(raw)
        )
        if not values or len(values) > 6:
            raise Bad("expected 1 to 6 integers")
        if values.count(-1) > 1:
            raise Bad("at most one -1")
        if name == "dims" and sorted(values) != list(range(1, len(values) + 1)):
            raise Bad(f"expected a permutation of 1..{len(values)}")
        return values
    if kind == "regularizer":
        return to_regularizer(raw)
    if kind == "layer":
        raise Bad("internal: use coerce_inner")  # handled by the caller (needs recursion)
    raise Bad("unsupported")


def to_name(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise Bad("required")
    if "/" in text or len(text) > 100:
        raise Bad("no '/' and at most 100 characters")
    return text


def to_regularizer(raw: Any) -> dict:
    """``"l2"``, ``{"type": "L1L2", "l1": 0.01, "l2": "0.001"}`` -> normalized dict."""
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise Bad("expected L1, L2 or L1L2")
    kind = str(raw.get("type", "")).strip().upper().replace("_", "")
    if kind not in REGULARIZERS:
        raise Bad("expected L1, L2 or L1L2")
    out: dict[str, Any] = {"type": kind}
    for factor in ("l1", "l2"):
        if factor.upper() in kind or kind == "L1L2":
            value = raw.get(factor)
            out[factor] = 0.01 if _is_empty(value) else to_float(value, lo=0.0, hi=1e6)
    return out


def input_shape(raw: Any) -> tuple:
    """Input shape without the batch axis; ``None`` entries allowed (variable length)."""
    if _is_empty(raw):
        raise Bad("input shape required")
    items = split_seq(raw)
    if not items or len(items) > 6:
        raise Bad("expected 1 to 6 dimensions")
    out = []
    for v in items:
        if v is None or (isinstance(v, str) and v.strip().lower() in ("none", "?")):
            out.append(None)
        else:
            out.append(to_int(v, lo=1, hi=MAX_INT))
    return tuple(out)
