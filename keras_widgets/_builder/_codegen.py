"""Keras objects and Python source from clean (already coerced) layer configs.

Both paths read the same clean values, so ``exec(to_code())`` and ``build_model()`` build
the same layers. Source literals are produced by ``repr`` of ints, floats, bools, ``None``,
tuples, lists, dicts and strings only; identifiers come from Keras's own modules (checked with
``hasattr``), never from user text.
"""

from __future__ import annotations

import copy
import keyword
from typing import Any

from keras_widgets._builder import _catalog as cat

# Public Keras modules a serialized object may name; anything else is written through
# ``keras.saving.deserialize_keras_object`` (registered custom objects).
_PUBLIC_MODULES = (
    "keras.initializers",
    "keras.regularizers",
    "keras.constraints",
    "keras.losses",
    "keras.metrics",
    "keras.optimizers",
    "keras.optimizers.schedules",
    "keras.layers",
    "keras.activations",
)


class Unrepresentable(ValueError):
    """A value that cannot be written as code (e.g. an unregistered custom class)."""


def _resolve(module: str, name: str) -> Any:
    import keras

    obj: Any = keras
    for part in module.split(".")[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return getattr(obj, name, None)


# -- Keras objects ----------------------------------------------------------------------------


def to_object(value: Any) -> Any:
    """A serialized Keras object -> the object (other values unchanged)."""
    import keras

    if cat.is_object_config(value):
        return keras.saving.deserialize_keras_object(copy.deepcopy(value))
    return value


def _regularizer(value: dict):
    import keras

    kind = value["type"]
    if kind == "L1":
        return keras.regularizers.L1(l1=value["l1"])
    if kind == "L2":
        return keras.regularizers.L2(l2=value["l2"])
    return keras.regularizers.L1L2(l1=value["l1"], l2=value["l2"])


def kwargs(layer_type: str, clean: dict) -> dict:
    """Constructor keyword arguments (Keras objects for regularizers and inner layers)."""
    specs = cat.arg_map(layer_type)
    out: dict[str, Any] = {}
    for name, value in clean.items():
        spec = specs.get(name)
        kind = spec["kind"] if spec else "literal"
        if kind == "regularizer" and isinstance(value, dict) and "type" in value:
            value = _regularizer(value)
        elif kind == "layer" and isinstance(value, dict) and "type" in value:
            value = make_layer(value["type"], value["config"])
        elif cat.is_object_config(value):
            value = to_object(value)
        elif isinstance(value, tuple) and kind == "literal":
            value = tuple(value)
        out[name] = value
    return out


def make_layer(layer_type: str, clean: dict, **extra):
    kind = cat.kind_of_type(layer_type)
    if kind == "app":
        return make_app(layer_type, clean, **extra)
    if kind == "nested":
        return make_nested(clean, **extra)
    cls = cat.layer_class(layer_type)
    return cls(**kwargs(layer_type, clean), **extra)


def app_kwargs(clean: dict, input_shape: tuple | None) -> dict:
    out = {"include_top": False, "weights": clean.get("weights", "imagenet")}
    if input_shape is not None:
        out["input_shape"] = tuple(input_shape)
    for key in ("pooling", "alpha", "include_preprocessing", "name"):
        if clean.get(key) is not None:
            out[key] = clean[key]
    return out


def make_app(app: str, clean: dict, input_shape: tuple | None = None, name: str | None = None):
    """A ``keras.applications`` base with its freezing applied."""
    import keras

    kw = app_kwargs(clean, input_shape)
    if name is not None:
        kw["name"] = name
    base = getattr(keras.applications, app)(**kw)
    freeze(base, clean.get("freeze", "frozen"), clean.get("fine_tune_from", 0))
    return base


def freeze(base: Any, mode: str, k: int = 0) -> None:
    """Keras's transfer-learning guide: freeze all, or fine-tune from layer ``k`` with every
    BatchNormalization kept frozen (inference mode)."""
    import keras

    if mode == "frozen":
        base.trainable = False
    elif mode == "trainable":
        base.trainable = True
    else:
        base.trainable = True
        for layer in base.layers[:k]:
            layer.trainable = False
        for layer in base.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False


def make_nested(clean: dict, name: str | None = None):
    import keras

    # Keras's deserialization consumes the dicts it is given: work on a copy.
    config = copy.deepcopy(clean["model"])
    if name is not None:
        config = {**config, "config": {**config["config"], "name": name}}
    model = keras.saving.deserialize_keras_object(config)
    if config["config"].get("trainable") is False:
        model.trainable = False  # from_config does not restore a frozen block
    return model


def nested_src(config: dict) -> str:
    """A nested Sequential as ``keras.Sequential([...])``; other models via their config."""
    conf = config.get("config") or {}
    if config.get("class_name") == "Sequential" and isinstance(conf.get("layers"), list):
        items = ", ".join(object_src(item) for item in conf["layers"])
        extra = "" if conf.get("trainable", True) else ", trainable=False"
        return f"keras.Sequential([{items}]{extra}, name={conf.get('name')!r})"
    return f"keras.saving.deserialize_keras_object({_literal_data(config)})"


# -- source ----------------------------------------------------------------------------------


def _literal(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, tuple):
        return repr(tuple(value)) if all(_plain(v) for v in value) else _seq(value, "()")
    if isinstance(value, list):
        return _seq(value, "[]")
    if isinstance(value, dict):
        if cat.is_object_config(value):
            return object_src(value)
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no literal for {type(value).__name__}")  # a bug, never user input


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _seq(values: Any, brackets: str) -> str:
    inner = ", ".join(_literal(v) for v in values)
    if brackets == "()" and len(values) == 1:
        inner += ","
    return brackets[0] + inner + brackets[1]


def _call_args(config: dict) -> str:
    parts = []
    for k, v in config.items():
        if not k.isidentifier() or keyword.iskeyword(k):
            return "**" + _literal(config)
        parts.append(f"{k}={_literal(v)}")
    return ", ".join(parts)


def object_src(value: dict) -> str:
    """Source of a serialized Keras object: ``keras.initializers.HeNormal(seed=42)``."""
    module = value.get("module") or ""
    name = value["class_name"]
    registered = value.get("registered_name")
    config = value.get("config") or {}
    if module == "keras" and name == "DTypePolicy":
        return repr(config.get("name"))
    if (
        module in _PUBLIC_MODULES
        and registered in (None, name)
        and name.isidentifier()
        and _resolve(module, name) is not None
        and isinstance(config, dict)
    ):
        return f"{module}.{name}({_call_args(config)})"
    if module in ("keras", "keras.models") and name in ("Sequential", "Functional"):
        return f"keras.saving.deserialize_keras_object({_literal_data(value)})"
    if isinstance(registered, str) and _registered(registered):
        return f"keras.saving.deserialize_keras_object({_literal_data(value)})"
    raise Unrepresentable(
        f"{name} is not a public Keras class nor registered with "
        "keras.saving.register_keras_serializable"
    )


def _registered(name: str) -> bool:
    import keras

    return keras.saving.get_registered_object(name) is not None


def _literal_data(value: Any) -> str:
    """A plain data literal (dicts stay dicts, even serialized objects)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal_data(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return _seq_data(value, "[]" if isinstance(value, list) else "()")
    return repr(value)


def _seq_data(values: Any, brackets: str) -> str:
    inner = ", ".join(_literal_data(v) for v in values)
    if brackets == "()" and len(values) == 1:
        inner += ","
    return brackets[0] + inner + brackets[1]


def _regularizer_src(value: dict) -> str:
    kind = value["type"]
    args = ", ".join(f"{f}={value[f]!r}" for f in ("l1", "l2") if f in value)
    return f"keras.regularizers.{kind}({args})"


def value_src(spec_kind: str, value: Any) -> str:
    if spec_kind == "regularizer" and isinstance(value, dict) and "type" in value:
        return _regularizer_src(value)
    if spec_kind == "layer" and isinstance(value, dict) and "type" in value:
        return layer_src(value["type"], value["config"])
    return _literal(value)


def layer_src(layer_type: str, clean: dict) -> str:
    kind = cat.kind_of_type(layer_type)
    if kind == "nested":
        return nested_src(clean["model"])
    specs = cat.arg_map(layer_type)
    parts = []
    ordered = [n for n in specs if n in clean] + [n for n in clean if n not in specs]
    for name in ordered:  # signature order, stable output
        value = clean[name]
        spec = specs.get(name)
        parts.append(f"{name}={value_src(spec['kind'] if spec else 'literal', value)}")
    if kind == "custom":
        return f"keras.saving.get_registered_object({layer_type!r})({', '.join(parts)})"
    return f"keras.layers.{layer_type}({', '.join(parts)})"


def app_src(layer_type: str, clean: dict, input_shape: tuple | None, var: str) -> list[str]:
    kw = app_kwargs(clean, input_shape)
    args = ", ".join(f"{k}={_literal(v)}" for k, v in kw.items())
    lines = [f"{var} = keras.applications.{layer_type}({args})"]
    mode = clean.get("freeze", "frozen")
    if mode == "frozen":
        lines.append(f"{var}.trainable = False")
    elif mode == "trainable":
        lines.append(f"{var}.trainable = True")
    else:
        k = int(clean.get("fine_tune_from", 0))
        lines += [
            f"{var}.trainable = True",
            f"for layer in {var}.layers[:{k}]:",
            "    layer.trainable = False",
            "# Keep BatchNormalization in inference mode while fine-tuning.",
            f"for layer in {var}.layers:",
            "    if isinstance(layer, keras.layers.BatchNormalization):",
            "        layer.trainable = False",
        ]
    return lines


# -- compile -----------------------------------------------------------------------------------


def optimizer_args(clean: dict) -> dict:
    _, specs = cat.optimizers()[clean["optimizer"]]
    names = ["learning_rate"] + [s["name"] for s in specs]
    return {n: clean[n] for n in names if n in clean}


def optimizer(clean: dict):
    import keras

    label, _ = cat.optimizers()[clean["optimizer"]]
    args = {k: to_object(v) for k, v in optimizer_args(clean).items()}
    return getattr(keras.optimizers, label)(**args)


def optimizer_src(clean: dict) -> str:
    label, _ = cat.optimizers()[clean["optimizer"]]
    args = ", ".join(f"{n}={_literal(v)}" for n, v in optimizer_args(clean).items())
    return f"keras.optimizers.{label}({args})"


def compile_kwargs(clean: dict) -> dict:
    out: dict[str, Any] = {}
    if "optimizer" in clean:
        out["optimizer"] = optimizer(clean)
    if "loss" in clean:
        out["loss"] = to_object(clean["loss"])
    if clean.get("metrics"):
        out["metrics"] = [to_object(m) for m in clean["metrics"]]
    for key in cat.COMPILE_EXTRAS:
        if key in clean:
            value = clean[key]
            out[key] = [to_object(m) for m in value] if key == "weighted_metrics" else value
    return out


def compile_src(clean: dict) -> list[str]:
    lines = ["model.compile("]
    if "optimizer" in clean:
        lines.append(f"    optimizer={optimizer_src(clean)},")
    if "loss" in clean:
        lines.append(f"    loss={_literal(clean['loss'])},")
    if clean.get("metrics"):
        lines.append(f"    metrics={_literal(list(clean['metrics']))},")
    for key in cat.COMPILE_EXTRAS:
        if key in clean:
            lines.append(f"    {key}={_literal(clean[key])},")
    lines.append(")")
    return lines


def input_src(input_shape: tuple, extra: dict) -> str:
    args = [f"shape={_literal(tuple(input_shape))}"]
    args += [f"{k}={_literal(v)}" for k, v in extra.items()]
    return f"keras.Input({', '.join(args)})"


def model_src(
    input_shape: tuple | None,
    layers: list[tuple[str, dict]],
    name: str,
    compile_: dict,
    input_extra: dict | None = None,
    shapes: list | None = None,
    srcs: list | None = None,
) -> str:
    """The whole script. ``shapes[i]``: input shape of layer ``i`` (for pretrained bases)."""
    head = ["import keras", ""]
    body = ["model = keras.Sequential(", "    ["]
    if input_shape is not None:
        body.append(f"        {input_src(input_shape, input_extra or {})},")
    n_bases = sum(cat.kind_of_type(t) == "app" for t, _ in layers)
    k = 0
    for i, (t, c) in enumerate(layers):
        if cat.kind_of_type(t) == "app":
            k += 1
            var = "base" if n_bases == 1 else f"base{k}"
            shape = shapes[i] if shapes else None
            head += [*app_src(t, c, shape, var), ""]
            body.append(f"        {var},")
        else:
            body.append(f"        {srcs[i] if srcs else layer_src(t, c)},")
    body += ["    ],", f"    name={_literal(name)},", ")"]
    lines = head + body
    if compile_:
        lines += compile_src(compile_)
    return "\n".join(lines) + "\n"
