"""Keras objects and Python source from clean (already coerced) layer configs.

Both paths read the same clean values, so ``exec(to_code())`` and ``build_model()`` build
the same layers. Source literals are produced by ``repr`` of ints, floats, bools, ``None``,
tuples and strings only; identifiers come from the catalog, never from user text.
"""

from __future__ import annotations

from typing import Any

from keras_widgets._builder._catalog import OPTIMIZERS, arg_map


def _regularizer(value: dict):
    import keras

    kind = value["type"]
    if kind == "L1":
        return keras.regularizers.L1(l1=value["l1"])
    if kind == "L2":
        return keras.regularizers.L2(l2=value["l2"])
    return keras.regularizers.L1L2(l1=value["l1"], l2=value["l2"])


def _regularizer_src(value: dict) -> str:
    kind = value["type"]
    args = ", ".join(f"{f}={value[f]!r}" for f in ("l1", "l2") if f in value)
    return f"keras.regularizers.{kind}({args})"


def kwargs(layer_type: str, clean: dict) -> dict:
    """Constructor keyword arguments (Keras objects for regularizers and inner layers)."""
    specs = arg_map(layer_type)
    out: dict[str, Any] = {}
    for name, value in clean.items():
        kind = specs[name]["kind"]
        if kind == "regularizer" and value is not None:
            value = _regularizer(value)
        elif kind == "layer":
            value = make_layer(value["type"], value["config"])
        out[name] = value
    return out


def make_layer(layer_type: str, clean: dict, **extra):
    import keras

    return getattr(keras.layers, layer_type)(**kwargs(layer_type, clean), **extra)


def _literal(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, tuple):
        return repr(tuple(value))
    raise TypeError(f"no literal for {type(value).__name__}")  # a bug, never user input


def layer_src(layer_type: str, clean: dict) -> str:
    specs = arg_map(layer_type)
    parts = []
    for spec in specs.values():  # signature order, stable output
        name = spec["name"]
        if name not in clean:
            continue
        value = clean[name]
        if spec["kind"] == "regularizer" and value is not None:
            text = _regularizer_src(value)
        elif spec["kind"] == "layer":
            text = layer_src(value["type"], value["config"])
        else:
            text = _literal(value)
        parts.append(f"{name}={text}")
    return f"keras.layers.{layer_type}({', '.join(parts)})"


def optimizer(clean: dict):
    import keras

    label, extras = OPTIMIZERS[clean["optimizer"]]
    args = {n: clean[n] for n, _, _ in extras if n in clean}
    if "learning_rate" in clean:
        args["learning_rate"] = clean["learning_rate"]
    return getattr(keras.optimizers, label)(**args)


def optimizer_src(clean: dict) -> str:
    label, extras = OPTIMIZERS[clean["optimizer"]]
    names = ["learning_rate"] + [n for n, _, _ in extras]
    args = ", ".join(f"{n}={_literal(clean[n])}" for n in names if n in clean)
    return f"keras.optimizers.{label}({args})"


def compile_kwargs(clean: dict) -> dict:
    out: dict[str, Any] = {}
    if "optimizer" in clean:
        out["optimizer"] = optimizer(clean)
    if "loss" in clean:
        out["loss"] = clean["loss"]
    if clean.get("metrics"):
        out["metrics"] = list(clean["metrics"])
    return out


def model_src(
    input_shape: tuple | None, layers: list[tuple[str, dict]], name: str, compile_: dict
) -> str:
    lines = ["import keras", "", "model = keras.Sequential(", "    ["]
    if input_shape is not None:
        lines.append(f"        keras.Input(shape={_literal(tuple(input_shape))}),")
    lines.extend(f"        {layer_src(t, c)}," for t, c in layers)
    lines += ["    ],", f"    name={_literal(name)},", ")"]
    if compile_:
        lines.append("model.compile(")
        if "optimizer" in compile_:
            lines.append(f"    optimizer={optimizer_src(compile_)},")
        if "loss" in compile_:
            lines.append(f"    loss={_literal(compile_['loss'])},")
        if compile_.get("metrics"):
            metrics = ", ".join(_literal(m) for m in compile_["metrics"])
            lines.append(f"    metrics=[{metrics}],")
        lines.append(")")
    return "\n".join(lines) + "\n"
