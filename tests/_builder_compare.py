"""What "the same model" means for the builder's round trips: every layer's class and
``get_config()`` (names, trainable flags and dtype policies included), the Input layer's
config, and the compile settings (``get_compile_config()``: optimizer class and arguments,
loss, metrics, loss weights, ...).

One exception is normalized: a ``keras.applications`` base creates its ``Input`` without a
name, so that auto-generated name differs between two otherwise equal bases."""

from __future__ import annotations

import json
import re

import keras


def _replace_app_inputs(text: str, model) -> str:
    for layer in model.layers:
        if isinstance(layer, keras.Model) and layer.layers:
            first = layer.layers[0]
            if type(first).__name__ == "InputLayer" and re.fullmatch(
                r"input_layer(_\d+)?", first.name
            ):
                text = text.replace(json.dumps(first.name), '"<input>"')
    return text


def strip_names(value):
    if isinstance(value, dict):
        return {k: strip_names(v) for k, v in value.items() if k != "name"}
    if isinstance(value, list):
        return [strip_names(v) for v in value]
    return value


def signature(model, names: bool = True) -> dict:
    config = model.get_config()
    layers = config["layers"]
    out = {
        "name": config["name"],
        "layers": [{"class_name": item["class_name"], "config": item["config"]} for item in layers],
        "compile": model.get_compile_config() if model.compiled else None,
        "params": model.count_params(),
    }
    if not names:
        out = strip_names(out)
    text = json.dumps(out, sort_keys=True, default=repr)
    text = _replace_app_inputs(text, model)
    if not names:
        text = re.sub(r'"(input_layer|keras_tensor)(_\d+)?"', '"<auto>"', text)
    return json.loads(text)


def diff(a, b, path="$", out=None):
    """Paths where two signatures differ (for readable failures)."""
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'first' if k in a else 'second'}")
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {str(a)[:120]} != {str(b)[:120]}")
    return out
