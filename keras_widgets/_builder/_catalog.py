"""The layer catalog of the Sequential builder and the coercion of raw UI values.

The catalog is generated from Keras itself: every public ``keras.layers`` class that fits a
Sequential stack (grouped by the Keras sub-package it lives in), every ``keras.applications``
model (the "Pretrained base" group), every layer registered with
``keras.saving.register_keras_serializable`` (a generic card), and each argument from the real
constructor (``inspect.signature``). Activations, initializers, optimizers and losses are read
from their Keras modules, not from hand-written lists. Coercion turns a raw value as the UI
sends it (``"32"``, ``"3,3"``, ``[3, 3]``, ``""``) into a clean Python value or a short error;
it never evaluates text (literals go through ``ast.literal_eval``).
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import math
import re
from typing import Any

# -- groups -------------------------------------------------------------------------------
# Keras sub-package (keras.src.layers.<pkg>) -> palette group, in palette order.
_GROUP_OF_PACKAGE = {
    "core": "Core",
    "activations": "Activation",
    "convolutional": "Convolution",
    "pooling": "Pooling",
    "normalization": "Normalization",
    "regularization": "Regularization",
    "rnn": "Recurrent",
    "reshaping": "Reshaping",
    "preprocessing": "Preprocessing",
}
GROUP_ORDER = [
    "Core",
    "Convolution",
    "Pooling",
    "Normalization",
    "Regularization",
    "Recurrent",
    "Reshaping",
    "Activation",
    "Augmentation",
    "Preprocessing",
    "Pretrained base",
    "Custom",
]
APP_GROUP = "Pretrained base"
CUSTOM_GROUP = "Custom"
# Layers that do not fit a Sequential stack (several inputs, labels, Python callables,
# external graphs) or are base classes / cells used inside another layer.
_NOT_SEQUENTIAL = frozenset(
    {
        "Layer",
        "InputLayer",
        "Lambda",
        "Wrapper",
        "TFSMLayer",
        "JaxLayer",
        "FlaxLayer",
        "TorchModuleWrapper",
        "Pipeline",
        "StackedRNNCells",
        "MixUp",
        "CutMix",
        "MaxNumBoundingBoxes",
        "HashedCrossing",
        "EinsumDense",  # needs an equation string and output shape; kept when loaded
    }
)
_CELLS = ("LSTMCell", "GRUCell", "SimpleRNNCell")
RNN_TYPES = ("LSTM", "GRU", "SimpleRNN")
NESTED_TYPES = ("Sequential", "Functional")


def _keras_layer_classes() -> dict[str, type]:
    import keras

    out = {}
    for name in dir(keras.layers):
        cls = getattr(keras.layers, name)
        if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer) and cls.__name__ == name:
            out[name] = cls
    return out


def _group(name: str, cls: type) -> str | None:
    parts = cls.__module__.split(".")
    package = parts[3] if len(parts) > 3 and parts[:3] == ["keras", "src", "layers"] else ""
    if name in _NOT_SEQUENTIAL or name.endswith("Cell") or package in ("merging", "attention"):
        return None
    group = _GROUP_OF_PACKAGE.get(package)
    if group == "Preprocessing" and (
        name.startswith("Random") or name in ("AugMix", "RandAugment", "AutoContrast")
    ):
        return "Augmentation"
    return group


@functools.lru_cache(maxsize=1)
def _layer_groups() -> tuple[dict[str, str], dict[str, type]]:
    classes = _keras_layer_classes()
    groups = {}
    for name, cls in sorted(classes.items()):
        group = _group(name, cls)
        if group is not None:
            groups[name] = group
    return groups, classes


@functools.lru_cache(maxsize=1)
def applications() -> tuple[str, ...]:
    """Every ``keras.applications`` model function (VGG16, ResNet50, MobileNetV2, ...)."""
    import keras

    return tuple(
        n
        for n in sorted(dir(keras.applications))
        if n[:1].isupper() and callable(getattr(keras.applications, n))
    )


def custom_layers() -> dict[str, type]:
    """Layers registered with ``keras.saving.register_keras_serializable`` (name -> class)."""
    import keras

    try:
        from keras.src.saving import object_registration
    except ImportError:  # pragma: no cover - Keras internals moved
        return {}
    # Keras keeps its registry in a module-level dict; there is no public iterator.
    registry = getattr(object_registration, "GLOBAL_CUSTOM_OBJECTS", {})
    return {
        name: obj
        for name, obj in registry.items()
        if inspect.isclass(obj) and issubclass(obj, keras.layers.Layer) and ">" in name
    }


def layer_class(layer_type: str) -> type | None:
    """The Keras class behind a catalog type (layer, cell or registered custom layer)."""
    _, classes = _layer_groups()
    if layer_type in classes:
        return classes[layer_type]
    return custom_layers().get(layer_type)


_KINDS: dict[str, str] = {}  # built-in types only: the custom registry may change


def kind_of_type(layer_type: Any) -> str | None:
    """``"layer"``, ``"app"``, ``"nested"``, ``"custom"`` or None (unknown)."""
    if not isinstance(layer_type, str):
        return None
    kind = _KINDS.get(layer_type)
    if kind is None:
        kind = _kind_of_type(layer_type)
        if kind in ("layer", "app", "nested"):
            _KINDS[layer_type] = kind
    return kind


def _kind_of_type(layer_type: str) -> str | None:
    groups, classes = _layer_groups()
    if layer_type in groups or layer_type in _CELLS or layer_type in classes:
        return "layer"
    if layer_type in NESTED_TYPES:
        return "nested"
    if layer_type in applications():
        return "app"
    if layer_type in custom_layers():
        return "custom"
    return None


def is_known_type(layer_type: Any) -> bool:
    return kind_of_type(layer_type) is not None


# -- Keras-derived choices -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def activations() -> list[str]:
    """Activation names, read from ``keras.activations``."""
    import keras

    skip = {"get", "serialize", "deserialize"}
    names = [
        n
        for n in dir(keras.activations)
        if not n.startswith("_") and n not in skip and callable(getattr(keras.activations, n))
    ]
    return sorted(names)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@functools.lru_cache(maxsize=1)
def initializers() -> list[str]:
    """Initializer names usable without arguments, read from ``keras.initializers``."""
    import keras

    out = []
    for n in dir(keras.initializers):
        obj = getattr(keras.initializers, n)
        if n.startswith("_") or not inspect.isclass(obj) or n in ("Initializer", "STFT"):
            continue
        if not issubclass(obj, keras.initializers.Initializer):
            continue
        params = list(inspect.signature(obj.__init__).parameters.values())[1:]
        if all(
            p.default is not p.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in params
        ):
            snake = _snake(n)
            if hasattr(keras.initializers, snake) and snake != "stft":
                out.append(snake)
    return sorted(set(out))


REGULARIZERS = ["L1", "L2", "L1L2"]
DTYPES = ["float32", "float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16"]

# -- arguments ------------------------------------------------------------------------------
# Arguments we do not offer: they break a Sequential stack or are weights/experimental.
_SKIP = re.compile(
    r"^(kwargs|args|return_state|stateful|lora_rank|lora_alpha|quantization_config|"
    r"use_cudnn|input_shape|input_length|batch_input_shape|input_dim_unused)$"
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
        "cell",
        "merge_mode",
        "return_sequences",
        "size",
        "depth_multiplier",
        "mask_zero",
        "mode",
        "factor",
        "height",
        "width",
        "height_factor",
        "width_factor",
        "cropping",
        "negative_slope",
        "groups",
        "axis",
        "mask_value",
        "l1",
        "l2",
        "weights",
        "freeze",
        "fine_tune_from",
        "pooling",
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
    "cell": {"type": "LSTMCell", "config": {"units": 32}},
    "factor": 0.1,
    "height_factor": 0.1,
    "height": 224,
    "width": 224,
    "output_size": 1,
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
    "layer": "The layer to wrap.",
    "cell": "The recurrent cell to run over the sequence.",
    "return_sequences": "Return the full sequence instead of the last output.",
    "use_bias": "Whether the layer uses a bias vector.",
    "data_format": "'channels_last' (default) or 'channels_first'.",
    "name": "Layer name (must be unique in the model).",
    "trainable": "Whether the layer's weights are updated by training.",
    "dtype": "Dtype policy of the layer (None: the global policy).",
    "weights": "'imagenet' downloads the pretrained weights on first use; None: random.",
    "freeze": "frozen: base.trainable = False; fine_tune: train from layer k on "
    "(BatchNormalization stays frozen).",
    "fine_tune_from": "First trainable layer of the base when fine-tuning.",
    "pooling": "None: 4-D feature map; 'avg' or 'max': global pooling to a vector.",
}
# Arguments every layer accepts through ``Layer(**kwargs)``.
_COMMON = ("name", "trainable", "dtype")


def _rank(layer_type: str) -> int:
    m = re.search(r"([123])D", layer_type)
    return int(m.group(1)) if m else 1


def _kind(layer_type: str, name: str, default: Any) -> tuple[str, list | None]:
    """Kind and choices of one constructor argument."""
    if name in ("activation", "recurrent_activation"):
        return "activation", activations()
    if name.endswith("_initializer"):
        inits = initializers()
        if name.split("_")[0] in ("bias", "beta", "gamma", "moving"):
            # 1-D weights: orthogonal/identity need 2-D (validation defers initializers)
            return "initializer", [i for i in inits if "orthogonal" not in i and i != "identity"]
        return "initializer", inits
    if name.endswith("_regularizer"):
        return "regularizer", REGULARIZERS
    if name.endswith("_constraint"):
        return "object", None
    if name == "padding" and isinstance(default, str):
        causal = layer_type in ("Conv1D", "ConvLSTM1D")
        return "choice", ["valid", "same", "causal"] if causal else ["valid", "same"]
    if name == "data_format":
        return "choice", [None, "channels_last", "channels_first"]
    if name == "interpolation" and isinstance(default, str):
        return "choice", ["nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5"]
    if name == "fill_mode" and isinstance(default, str):
        return "choice", ["reflect", "wrap", "constant", "nearest"]
    if name == "mode" and layer_type == "RandomFlip":
        return "choice", ["horizontal", "vertical", "horizontal_and_vertical"]
    if name == "merge_mode":
        return "choice", ["concat", "sum", "mul", "ave", None]
    if name == "backward_layer":
        return "object", None
    if name == "cell":
        return "layer", list(_CELLS)
    if name == "layer":
        if layer_type == "Bidirectional":
            return "layer", list(RNN_TYPES)
        return "layer", [n for n, g in _layer_groups()[0].items() if g != "Preprocessing"]
    if name == "dtype":
        return "dtype", DTYPES
    if name == "axis":
        return "axis", None
    if name in _TUPLES:
        return "int_or_tuple", None
    if name in ("target_shape", "dims"):
        return "shape", None
    if isinstance(default, bool):
        return "bool", None
    if isinstance(default, int) or name == "seed":
        return "int", None
    if isinstance(default, float) or name in _FLOAT_REQUIRED:
        return "float", None
    if name == "name":
        return "str", None
    if isinstance(default, str):
        return "text", None
    if default is inspect.Parameter.empty and name in (
        "units",
        "filters",
        "n",
        "input_dim",
        "output_dim",
        "height",
        "width",
        "groups",
        "num_bins",
    ):
        return "int", None
    return "literal", None  # anything else: a Python literal, kept exactly


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_default(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_json_default(v) for v in value]
    return None


def _spec(layer_type: str, name: str, default: Any, required: bool) -> dict:
    kind, choices = _kind(layer_type, name, inspect.Parameter.empty if required else default)
    default = None if required else default
    spec = {
        "name": name,
        "kind": kind,
        "default": _json_default(default),
        "choices": choices,
        "advanced": name not in _MAIN,
        "optional": (not required) and default is None,
        "required": required,
        "doc": _DOCS.get(name, ""),
    }
    if required and name in SUGGESTED:
        spec["suggested"] = copy.deepcopy(SUGGESTED[name])
    if kind == "int_or_tuple":
        spec["rank"] = _rank(layer_type)
    return spec


def _common_specs(names: set[str]) -> list[dict]:
    out = []
    if "name" not in names:
        out.append(_spec("", "name", None, False))
    if "trainable" not in names:
        out.append(_spec("", "trainable", True, False) | {"kind": "bool"})
    if "dtype" not in names:
        out.append(_spec("", "dtype", None, False))
    return out


@functools.cache
def layer_args(layer_type: str) -> tuple[dict, ...]:
    """ArgSpecs of one layer type, from its real constructor."""
    kind = kind_of_type(layer_type)
    if kind == "app":
        return _app_args(layer_type)
    if kind == "nested":
        return ()
    cls = layer_class(layer_type)
    if cls is None:
        raise ValueError(f"unknown layer type {layer_type!r}")
    specs = []
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = {p.name for p in params}
    for p in params:
        if _SKIP.match(p.name) or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        required = p.default is inspect.Parameter.empty
        if p.name in ("layer", "cell") or (layer_type == "Activation" and p.name == "activation"):
            required = True
        specs.append(_spec(layer_type, p.name, p.default, required))
    specs.extend(_common_specs(names))
    return tuple(specs)


def _app_args(app: str) -> tuple[dict, ...]:
    import keras

    params = inspect.signature(getattr(keras.applications, app)).parameters
    specs = [
        {
            "name": "weights",
            "kind": "choice",
            "choices": ["imagenet", None],
            "default": "imagenet",
            "required": False,
            "optional": False,
        },
        {
            "name": "pooling",
            "kind": "choice",
            "choices": [None, "avg", "max"],
            "default": None,
            "required": False,
            "optional": True,
        },
        {
            "name": "freeze",
            "kind": "choice",
            "choices": ["frozen", "trainable", "fine_tune"],
            "default": "frozen",
            "required": False,
            "optional": False,
        },
        {
            "name": "fine_tune_from",
            "kind": "int",
            "choices": None,
            "default": 0,
            "required": False,
            "optional": False,
        },
    ]
    if "alpha" in params:
        specs.append(
            {
                "name": "alpha",
                "kind": "float",
                "choices": None,
                "default": params["alpha"].default,
                "required": False,
                "optional": False,
            }
        )
    if "include_preprocessing" in params:
        specs.append(
            {
                "name": "include_preprocessing",
                "kind": "bool",
                "choices": None,
                "default": params["include_preprocessing"].default,
                "required": False,
                "optional": False,
            }
        )
    specs.append(
        {
            "name": "name",
            "kind": "str",
            "choices": None,
            "default": None,
            "required": False,
            "optional": True,
        }
    )
    for s in specs:
        s.setdefault("advanced", s["name"] not in _MAIN)
        s.setdefault("doc", _DOCS.get(s["name"], ""))
    return tuple(specs)


@functools.cache
def arg_map(layer_type: str) -> dict[str, dict]:
    return {s["name"]: s for s in layer_args(layer_type)}


# -- compile settings -------------------------------------------------------------------------
_OPT_SKIP = frozenset({"Optimizer", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap"})
_OPT_MAIN = {
    "sgd": ("momentum", "nesterov"),
    "rmsprop": ("rho", "momentum"),
    "adam": ("beta_1", "beta_2", "amsgrad"),
    "adamw": ("weight_decay", "beta_1", "beta_2"),
    "nadam": ("beta_1", "beta_2"),
    "adamax": ("beta_1", "beta_2"),
    "lion": ("beta_1", "beta_2"),
    "adadelta": ("rho",),
}
# Compile arguments other than the optimizer's own (defaults as Keras's compile()).
COMPILE_EXTRAS = {
    "loss_weights": None,
    "weighted_metrics": None,
    "run_eagerly": False,
    "steps_per_execution": 1,
    "jit_compile": "auto",
}


@functools.lru_cache(maxsize=1)
def optimizers() -> dict[str, tuple[str, list[dict]]]:
    """key -> (``keras.optimizers`` class name, argument specs), read from Keras."""
    import keras

    out = {}
    for name in dir(keras.optimizers):
        cls = getattr(keras.optimizers, name)
        if (
            name in _OPT_SKIP
            or not inspect.isclass(cls)
            or not issubclass(cls, keras.optimizers.Optimizer)
        ):
            continue
        specs = []
        for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name == "learning_rate":
                continue
            if p.default is inspect.Parameter.empty:
                continue  # e.g. an inner optimizer: not offered
            default = p.default
            if isinstance(default, bool):
                kind = "bool"
            elif isinstance(default, float) or p.name in ("weight_decay", "clipnorm"):
                kind = "float"
            elif isinstance(default, int) and not isinstance(default, bool):
                kind = "int"
            elif p.name == "name":
                kind = "str"
            else:
                kind = "literal"
            specs.append(
                {
                    "name": p.name,
                    "kind": kind,
                    "default": _json_default(default),
                    "choices": None,
                    "optional": default is None,
                    "required": False,
                }
            )
        key = name.lower()
        main = _OPT_MAIN.get(key, ())
        for s in specs:
            s["advanced"] = s["name"] not in main
        specs.sort(key=lambda s: (s["advanced"], 0))
        out[key] = (name, specs)
    return out


def optimizer_arg_map(key: str) -> dict[str, dict]:
    return {s["name"]: s for s in optimizers()[key][1]}


@functools.lru_cache(maxsize=1)
def losses() -> list[str]:
    """Loss function names, read from ``keras.losses``."""
    import keras

    skip = {"get", "serialize", "deserialize", "ctc"}
    first = [
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "binary_crossentropy",
        "mean_squared_error",
        "mean_absolute_error",
    ]
    rest = sorted(
        n
        for n in dir(keras.losses)
        if n[:1].islower()
        and not n.startswith("_")
        and n not in skip
        and callable(getattr(keras.losses, n))
    )
    return first + [n for n in rest if n not in first]


@functools.lru_cache(maxsize=1)
def metrics() -> list[str]:
    """Metric names Keras accepts as strings (functions of ``keras.metrics`` + aliases)."""
    import keras

    skip = {"get", "serialize", "deserialize"}
    names = {
        n
        for n in dir(keras.metrics)
        if n[:1].islower()
        and not n.startswith("_")
        and n not in skip
        and callable(getattr(keras.metrics, n))
    }
    first = ["accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy"]
    aliases = {"acc", "mae", "mse", "mape", "msle", "crossentropy", "ce"}
    return first + sorted((names | aliases) - set(first))


def compile_keys() -> frozenset[str]:
    opt_args = {s["name"] for _, specs in optimizers().values() for s in specs}
    return frozenset(
        {"optimizer", "learning_rate", "loss", "metrics"} | opt_args | set(COMPILE_EXTRAS)
    )


def __getattr__(name: str) -> Any:
    # Module-level names computed from Keras on first use (import stays cheap).
    if name == "COMPILE_KEYS":
        return compile_keys()
    if name == "OPTIMIZERS":
        return {
            k: (label, [(s["name"], s["kind"], s["default"]) for s in specs if not s["advanced"]])
            for k, (label, specs) in optimizers().items()
        }
    if name == "LAYER_TYPES":
        return frozenset(_layer_groups()[0])
    if name == "GROUPS":
        return groups()
    if name == "ACTIVATIONS":
        return activations()
    if name == "INITIALIZERS":
        return initializers()
    if name == "LOSSES":
        return losses()
    if name == "METRICS":
        return metrics()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def groups() -> list[tuple[str, list[str]]]:
    layer_groups, _ = _layer_groups()
    by_group: dict[str, list[str]] = {g: [] for g in GROUP_ORDER}
    for name, group in layer_groups.items():
        by_group[group].append(name)
    by_group[APP_GROUP] = list(applications())
    by_group[CUSTOM_GROUP] = sorted(custom_layers())
    return [(g, names) for g, names in by_group.items() if names]


def _first_line(obj: Any) -> str:
    return (getattr(obj, "__doc__", None) or "").strip().split("\n")[0]


def _catalog() -> dict:
    import keras

    # lazy: the tune module imports this one. ``tunable``: the view offers "tune" there.
    from keras_widgets._tune._builder import TUNABLE

    def arg(spec: dict) -> dict:
        return {**spec, "tunable": spec["kind"] in TUNABLE}

    layers = {}
    out_groups = []
    for group, names in groups():
        out_groups.append({"name": group, "layers": names})
        for name in names:
            kind = kind_of_type(name)
            if kind == "app":
                doc = (
                    f"keras.applications.{name} (include_top=False) as a base for transfer learning"
                )
            else:
                doc = _first_line(layer_class(name))
            layers[name] = {
                "doc": doc,
                "kind": kind,
                "group": group,
                "args": [arg(s) for s in layer_args(name)],
            }
    for name in NESTED_TYPES:
        layers[name] = {"doc": f"A nested {name} model (read-only)", "kind": "nested", "args": []}
    compile_ = {
        "optimizers": {
            key: {"label": label, "args": [arg(s) for s in specs]}
            for key, (label, specs) in optimizers().items()
        },
        "learning_rate": 0.001,
        "losses": losses(),
        "metrics": metrics(),
    }
    del keras
    return {"groups": out_groups, "layers": layers, "compile": compile_}


_CATALOG_CACHE: dict = {}


def catalog() -> dict:
    """The palette: groups of layer names and, per layer, its argument specs.

    Extra key ``compile``: optimizers (with their arguments), losses and metrics.
    """
    key = tuple(sorted(custom_layers()))
    if key not in _CATALOG_CACHE:
        _CATALOG_CACHE.clear()
        _CATALOG_CACHE[key] = _catalog()
    return copy.deepcopy(_CATALOG_CACHE[key])


# ---------------------------------------------------------------------------------------
# Coercion of raw values. Each function returns the clean value or raises Bad(message).
# A new kind of value (e.g. a tunable hyperparameter) plugs in through ``VALUE_HOOKS``:
# a hook ``(spec, raw) -> clean | NotImplemented`` runs before the kind's own coercion.


class Bad(ValueError):
    """A raw value that cannot be used; the message is short and user-facing."""


VALUE_HOOKS: list = []
MAX_INT = 10_000_000
MAX_FLOAT = 1e12
_INT_RE = re.compile(r"^[+-]?\d+$")
_SPLIT_RE = re.compile(r"[,\s]+")
_TIMES_RE = re.compile("(?<=\\d)\\s*[x\u00d7]\\s*(?=\\d)")  # "3x3", "3\u00d73"


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def is_object_config(value: Any) -> bool:
    """A serialized Keras object (``keras.saving.serialize_keras_object`` output)."""
    return isinstance(value, dict) and isinstance(value.get("class_name"), str)


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
        return {"lo": 0, "hi": 2**32 - 1}
    if name in ("output_padding", "fine_tune_from"):
        return {"lo": 0}
    return {"lo": 1}


def to_literal(raw: Any, depth: int = 0) -> Any:
    """A Python literal (number, text, bool, None, list/tuple/dict of them); text that is not
    a literal stays text. Never evaluates code."""
    if depth > 8:
        raise Bad("nested too deeply")
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > 10_000:
            raise Bad("too long")
        if text[:1] in "([{-+.0123456789'\"" or text in ("True", "False", "None"):
            try:
                return to_literal(ast.literal_eval(text), depth + 1)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return raw
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise Bad("expected a finite number")
        return raw
    if raw is None or isinstance(raw, (bool, int)):
        return raw
    if isinstance(raw, (list, tuple)):
        items = [to_literal(v, depth + 1) for v in raw]
        return tuple(items) if isinstance(raw, tuple) else items
    if isinstance(raw, dict):
        return {str(k): to_literal(v, depth + 1) for k, v in raw.items()}
    raise Bad("expected a Python literal")


def coerce(spec: dict, raw: Any, layer_type: str = "") -> Any:
    """Clean value of one argument (raises Bad). ``None`` only when the arg is optional."""
    for hook in VALUE_HOOKS:
        out = hook(spec, raw)
        if out is not NotImplemented:
            return out
    kind, name = spec["kind"], spec["name"]
    if kind in ("literal", "object"):
        if kind == "object" and raw is not None and not is_object_config(raw):
            if isinstance(raw, str) and raw.strip():
                return raw.strip()  # a registered name such as "non_neg"
            raise Bad("expected a Keras object config")
        return to_literal(raw)
    if _is_empty(raw) or (isinstance(raw, str) and raw.strip() == "None"):
        if spec["optional"] or (kind in ("choice", "dtype") and None in (spec["choices"] or [])):
            return None
        if kind == "dtype":
            return None
        raise Bad("required")
    if kind in ("activation", "initializer") and is_object_config(raw):
        return to_literal(raw)  # a configured object (e.g. HeNormal(seed=42)): kept exactly
    if kind == "int":
        return to_int(raw, **_int_range(name))
    if kind == "float":
        return to_float(raw, **_float_range(name))
    if kind == "bool":
        return to_bool(raw)
    if kind in ("choice", "activation", "initializer", "dtype"):
        if isinstance(raw, str) and raw.strip() in spec["choices"]:
            return raw.strip()
        raise Bad("not one of the choices")
    if kind in ("str", "text"):
        if not isinstance(raw, str):
            raise Bad("expected text")
        if name == "name":
            return to_name(raw)
        return raw
    if kind == "axis":
        if isinstance(raw, (list, tuple)):
            return [to_int(v, **_int_range("axis")) for v in raw]
        items = split_seq(raw)
        if isinstance(raw, str) and ("," in raw or "[" in raw):
            return [to_int(v, **_int_range("axis")) for v in items]
        return to_int(raw, **_int_range("axis"))
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
        if is_object_config(raw) and raw["class_name"] not in REGULARIZERS:
            return to_literal(raw)
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
    if "\ufffd" in text:  # where a lone surrogate was (see _core._jsonable)
        raise Bad("contains an invalid character (a lone surrogate)")
    return text


def to_regularizer(raw: Any) -> dict:
    """``"l2"``, ``{"type": "L1L2", "l1": 0.01, "l2": "0.001"}`` -> normalized dict."""
    if isinstance(raw, str):
        raw = {"type": raw}
    if is_object_config(raw):
        raw = {"type": raw["class_name"], **(raw.get("config") or {})}
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
