"""A builder state from an existing ``keras.Sequential``, losslessly.

Each layer's ``get_config()`` is turned into the builder's spec: values equal to the
constructor's defaults are left out, the others are kept in the form the editors use (an
initializer name, ``{"type": "L2", "l2": ...}``) or, without an editor, exactly as Keras
serialized them (``keras.saving.serialize_keras_object`` output). Names, trainable flags and
dtype policies are kept; so are the Input settings and the compile settings. A
``keras.applications`` base becomes a "Pretrained base" card when rebuilding it gives the same
config; any other nested model becomes a read-only nested card. A layer that cannot be
represented (``Lambda``, an unregistered custom class) is named in one error with all others.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from keras_widgets._builder import _catalog as cat


class Unrepresentable(ValueError):
    pass


def _round32(value: Any) -> Any:
    # Keras keeps factors as float32: 0.01 comes back as 0.009999999776; 7 digits restore it.
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return float(f"{value:.7g}")
    return value


def _plain(value: Any) -> Any:
    from keras_widgets._builder._core import _jsonable

    return _jsonable(value)


def _global_dtype() -> str:
    import keras

    return keras.config.dtype_policy().name


def _dtype_value(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
        name = (value.get("config") or {}).get("name")
        return None if name == _global_dtype() else name
    if isinstance(value, str):
        return None if value == _global_dtype() else value
    return _plain(value)


def _value(spec: dict, value: Any) -> Any:
    kind = spec["kind"]
    if kind == "activation" and value == "linear" and spec["default"] is None:
        return None  # get_config spells the default None as "linear"
    if cat.is_object_config(value):
        conf = value.get("config") or {}
        module, name = value.get("module"), value["class_name"]
        if kind == "regularizer" and name in cat.REGULARIZERS and module == "keras.regularizers":
            return {"type": name, **{k: _round32(float(v)) for k, v in conf.items()}}
        if kind == "initializer" and module == "keras.initializers":
            snake = cat._snake(name)
            if snake in cat.initializers() and all(v is None for v in conf.values()):
                return snake
        if (
            kind == "layer"
            and cat.kind_of_type(name) == "layer"
            and value.get("module")
            in (
                "keras.layers",
                None,
            )
        ):
            return {"type": name, "config": config_from_keras(name, conf)}
        return _plain(value)
    if kind == "dtype":
        return _dtype_value(value)
    return _plain(value)


def config_from_keras(layer_type: str, config: dict) -> dict:
    """Builder config of one layer from its ``get_config()``."""
    specs = cat.arg_map(layer_type)
    out = {}
    for name, raw in config.items():
        if name == "name":
            out["name"] = raw
            continue
        if name == "trainable":
            if raw is False:
                out["trainable"] = False
            continue
        if name == "dtype":
            value = _dtype_value(raw)
            if value is not None:
                out["dtype"] = value
            continue
        spec = specs.get(name)
        if spec is None:
            if raw is not None:
                out[name] = _plain(raw)  # no editor: kept exactly
            continue
        value = _value(spec, raw)
        if spec["required"] or value != spec["default"]:
            out[name] = value
    return out


def _problem(layer: Any) -> str | None:
    import keras

    cls = type(layer)
    if isinstance(layer, keras.layers.Lambda):
        return "a Lambda wraps a Python function, which neither code nor JSON can carry"
    for name in ("TFSMLayer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper"):
        if cls.__name__ == name:
            return f"a {name} wraps an external model, which the builder cannot rebuild"
    return None


def layer_spec(layer: Any) -> dict:
    """``{"type", "config"}`` of one layer (raises Unrepresentable)."""
    import keras

    problem = _problem(layer)
    if problem:
        raise Unrepresentable(problem)
    cls = type(layer)
    if isinstance(layer, keras.Model):
        app = _as_application(layer)
        if app is not None:
            return app
        if isinstance(layer, keras.Sequential) or cls.__name__ == "Functional":
            kind = "Sequential" if isinstance(layer, keras.Sequential) else "Functional"
            serialized = _serialize(layer)
            if not serialized.get("config"):
                raise Unrepresentable(f"the nested {kind} {layer.name!r} gives no config")
            return {"type": kind, "config": {"model": _plain(serialized)}}
        raise Unrepresentable(f"a subclassed model ({cls.__name__}) has no config to rebuild")
    name = cls.__name__
    builtin = cls.__module__.startswith("keras.") and cat.kind_of_type(name) == "layer"
    if builtin and cat.layer_class(name) is cls:
        config = config_from_keras(name, layer.get_config())
        return {"type": name, "config": _adapted(layer, name, config)}
    registered = keras.saving.get_registered_name(cls)
    if ">" in registered and keras.saving.get_registered_object(registered) is cls:
        return {"type": registered, "config": config_from_keras(registered, layer.get_config())}
    raise Unrepresentable(
        f"custom class {name} is not registered: decorate it with "
        "@keras.saving.register_keras_serializable()"
    )


def _serialize(layer: Any) -> dict:
    import keras

    return keras.saving.serialize_keras_object(layer)


def _adapted(layer: Any, name: str, config: dict) -> dict:
    """Normalization adapted with ``adapt()``: keep its mean and variance as arguments."""
    if name != "Normalization" or config.get("mean") is not None:
        return config
    mean, variance = getattr(layer, "mean", None), getattr(layer, "variance", None)
    if mean is None or variance is None or not getattr(layer, "built", False):
        return config
    import keras

    def values(x: Any) -> list:
        return [float(f"{v:.7g}") for v in keras.ops.convert_to_numpy(x).reshape(-1).tolist()]

    try:
        return {**config, "mean": values(mean), "variance": values(variance)}
    except Exception:
        return config


# -- keras.applications bases -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _app_names() -> dict[str, str]:
    """Default model name (lower case) -> application, e.g. ``"vgg16"`` -> ``"VGG16"``."""
    import inspect

    import keras

    out = {}
    for app in cat.applications():
        default = inspect.signature(getattr(keras.applications, app)).parameters.get("name")
        if default is not None and isinstance(default.default, str):
            out[default.default.lower()] = app
        out[app.lower()] = app
    return out


def _app_for(model: Any) -> str | None:
    name = model.name.lower()
    names = _app_names()
    if name in names:
        return names[name]
    if name.startswith("mobilenetv2_"):
        return "MobileNetV2"
    if name.startswith("mobilenet_"):
        return "MobileNet"
    return None


def _freeze_of(model: Any) -> tuple[str, int]:
    import keras

    layers = model.layers
    flags = [layer.trainable for layer in layers]
    if not model.trainable or not any(flags):
        return "frozen", 0
    if all(flags) or all(
        f or isinstance(layer, keras.layers.BatchNormalization)
        for f, layer in zip(flags, layers, strict=True)
    ):
        mode = "trainable" if all(flags) else "fine_tune"
        return mode, 0
    first = next(i for i, f in enumerate(flags) if f)
    return "fine_tune", first


def _as_application(model: Any) -> dict | None:
    """A "Pretrained base" spec when rebuilding the application gives the same config."""
    app = _app_for(model)
    if app is None:
        return None
    from keras_widgets._builder import _codegen as gen
    from keras_widgets._builder._core import _deferred_variables

    pooling = None
    last = type(model.layers[-1]).__name__
    if last.startswith("GlobalAverage"):
        pooling = "avg"
    elif last.startswith("GlobalMax"):
        pooling = "max"
    mode, k = _freeze_of(model)
    spec = {"weights": None, "pooling": pooling, "freeze": mode, "fine_tune_from": k}
    if pooling is None:
        del spec["pooling"]  # weights=None stays: a missing "weights" means "imagenet"
    shape = tuple(model.inputs[0].shape[1:])
    try:
        with _deferred_variables():
            again = gen.make_app(app, spec, input_shape=shape, name=model.name)
        if app_signature(again) != app_signature(model):
            return None
    except Exception:
        return None
    if model.name != _default_app_name(app, again):
        spec["name"] = model.name
    return {"type": app, "config": spec}


def app_signature(model: Any) -> Any:
    """The serialized base, with its auto-named InputLayer renamed: applications create their
    ``Input`` without a name, so that one name differs between two equal bases."""
    import json

    text = json.dumps(_serialize(model), sort_keys=True, default=str)
    return text.replace(json.dumps(model.layers[0].name), '"<input>"')


def _default_app_name(app: str, built: Any) -> str:
    import inspect

    import keras

    default = inspect.signature(getattr(keras.applications, app)).parameters.get("name")
    return default.default if default is not None and default.default else built.name


# -- the whole model --------------------------------------------------------------------------


def _input(model: Any) -> tuple[list | None, dict]:
    """Input shape and settings (name, dtype, batch size, flags) of the model's InputLayer."""
    import keras

    from keras_widgets._keras_nodes import input_layer

    layer = input_layer(model)
    if layer is not None:
        conf = layer.get_config()
    else:  # slower: serializes every layer
        config = model.get_config()
        first = (config.get("layers") or [{}])[0]
        if first.get("class_name") != "InputLayer":
            shape = config.get("build_input_shape")
            return (list(shape[1:]), {}) if shape else (None, {})
        conf = first.get("config") or {}
    batch_shape = conf.get("batch_shape") or conf.get("batch_input_shape")
    extra: dict[str, Any] = {}
    if conf.get("name"):
        extra["name"] = conf["name"]
    if conf.get("dtype") not in (None, keras.config.floatx()):
        extra["dtype"] = _dtype_value(conf["dtype"])
    for flag in ("sparse", "ragged", "optional"):
        if conf.get(flag):
            extra[flag] = True
    if batch_shape and batch_shape[0] is not None:
        extra["batch_size"] = batch_shape[0]
    shape = list(batch_shape[1:]) if batch_shape else None
    return shape, {k: v for k, v in extra.items() if v is not None}


@functools.lru_cache(maxsize=1)
def _default_jit() -> Any:
    """What ``compile()`` resolves ``jit_compile="auto"`` to on this backend."""
    import keras

    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    m.compile(loss="mse")
    return m.get_compile_config().get("jit_compile")


@functools.lru_cache(maxsize=64)
def _default_optimizer_name(label: str) -> str:
    import keras

    return getattr(keras.optimizers, label)().name


def compile_from_model(model: Any) -> dict:
    if not getattr(model, "compiled", False):
        return {}
    config = model.get_compile_config() or {}
    out: dict[str, Any] = {}
    opt = config.get("optimizer")
    if isinstance(opt, str):
        out["optimizer"] = opt.lower()
    elif cat.is_object_config(opt):
        key = opt["class_name"].lower()
        # On PyTorch the module is the backend's (keras.src.backend.torch.optimizers...).
        module = str(opt.get("module") or "")
        if key not in cat.optimizers() or not module.startswith("keras"):
            raise Unrepresentable(f"optimizer {opt['class_name']} is not a built-in optimizer")
        out["optimizer"] = key
        label, _ = cat.optimizers()[key]
        specs = cat.optimizer_arg_map(key)
        for name, value in (opt.get("config") or {}).items():
            if name == "learning_rate":
                out[name] = _round32(value) if isinstance(value, float) else _plain(value)
            elif name == "name":
                if value != _default_optimizer_name(label):
                    out[name] = value
            elif name in specs and _plain(value) != specs[name]["default"]:
                out[name] = _plain(value)
    for key in ("loss", "metrics"):
        if config.get(key) is not None:
            out[key] = _plain(config[key])
    for key, default in cat.COMPILE_EXTRAS.items():
        value = config.get(key)
        if key == "jit_compile":
            default = _default_jit()
        if value is not None and value != default:
            out[key] = _plain(value)
    return out


def state_from_model(model: Any) -> dict:
    """The state dict (as ``BuilderState.to_dict()``) of a Sequential model."""
    import keras

    if not isinstance(model, keras.Sequential):
        raise ValueError(f"the builder holds keras.Sequential models; got {type(model).__name__}")
    layers, problems = [], []
    for i, layer in enumerate(model.layers):
        try:
            layers.append(layer_spec(layer))
        except Unrepresentable as e:
            problems.append(f"layer {i} {layer.name!r} ({type(layer).__name__}): {e}")
    try:
        compile_ = compile_from_model(model)
    except Unrepresentable as e:
        problems.append(f"compile: {e}")
        compile_ = {}
    if problems:
        raise ValueError(
            f"the builder cannot represent {len(problems)} part(s) of {model.name!r}:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    shape, extra = _input(model)
    return {
        "name": model.name,
        "input_shape": shape,
        "input": extra,
        "layers": layers,
        "compile": compile_,
    }
