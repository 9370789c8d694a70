"""What a model looks like now, as plain data: the input of a diff.

A snapshot is :func:`~keras_widgets._graph.graph_data` (nested models expanded) plus, per
node, the layer's config and trainable parameter count. Taking one before changing a model
in place (``base.trainable = True``) keeps the "before" side of a diff.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from keras_widgets._graph._data import _count, extract, json_safe

# Keys of get_config() that the diff reports elsewhere (the name column, the trainable flag).
_NOT_CONFIG = ("name", "trainable")


@dataclass(frozen=True, eq=False)
class ModelSnapshot:
    """A model's layers, graph, configs and trainable flags at one moment (see :func:`snapshot`)."""

    #: graph_data(model, expand_nested=True): model info, nodes, edges, groups, notes
    graph: dict
    #: node id -> JSON-safe get_config() without name and trainable ({} for nested models)
    configs: dict[str, dict]
    #: node id -> trainable parameter count (None when unbuilt)
    trainable_params: dict[str, int | None]
    #: node id -> the layer object (for the graph's details panel)
    objects: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return str(self.graph["model"].get("name", "model"))

    def __repr__(self) -> str:
        return f"<ModelSnapshot of {self.name!r}: {len(self.graph['nodes'])} layers>"


def snapshot(model: Any) -> ModelSnapshot:
    """Freeze what ``model`` looks like now (layers, configs, shapes, params, trainable flags).

    >>> before = kw.snapshot(model)       # doctest: +SKIP
    >>> base.trainable = True             # doctest: +SKIP
    >>> kw.diff(before, model)            # doctest: +SKIP
    """
    if isinstance(model, ModelSnapshot):
        return model
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"kw.diff expects Keras models, got {type(model).__name__}")
    data, objects = extract(model, expand_nested=True)
    configs: dict[str, dict] = {}
    trainable: dict[str, int | None] = {}
    for node in data["nodes"]:
        layer = objects[node["id"]]
        configs[node["id"]] = {} if node["group"] else _config(layer)
        if node["params"] is None:
            trainable[node["id"]] = None
        else:
            trainable[node["id"]] = _count(getattr(layer, "trainable_weights", None) or [])
    return ModelSnapshot(data, configs, trainable, objects)


def _config(layer: Any) -> dict:
    try:
        config = layer.get_config()
    except Exception as err:  # any user layer may fail here: compare the failure instead
        return {"<get_config failed>": f"{type(err).__name__}: {err}"}
    if not isinstance(config, dict):
        return {"<config>": json_safe(config)}
    return {str(k): json_safe(v) for k, v in config.items() if k not in _NOT_CONFIG}


def config_key(config: dict) -> str:
    """A canonical text of a config, equal for equal configs."""
    return json.dumps(config, sort_keys=True, default=str)


def flat_config(config: Any, prefix: str = "") -> dict[str, Any]:
    """``{"kernel_initializer.config.seed": None, ...}``: nested dicts as dotted keys."""
    if isinstance(config, dict) and config:
        out: dict[str, Any] = {}
        for key, value in config.items():
            out.update(flat_config(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: config}


def _snake(name: str) -> str:
    # Keras' own rule for automatic layer names (keras.src.utils.naming.to_snake_case).
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def is_auto_name(name: str, class_name: str) -> bool:
    """True for names Keras makes up (``dense``, ``dense_7``, ``conv2d_1``): weak identity."""
    base = _snake(class_name)
    return name == base or re.fullmatch(re.escape(base) + r"_\d+", name) is not None
