"""Pure data: a Keras model -> the plain dict the graph view draws (no widgets here)."""

from __future__ import annotations

import math
from typing import Any

from keras_widgets import _keras_nodes as kn
from keras_widgets._walk import (
    KIND_COLORS,
    Weights,
    add_up,
    layer_facts,
    subclassed_note,
    unbuilt_note,
)

#: what ``kw.graph(model, color=...)`` can colour nodes by ("kind" is the default palette)
MEASURES = ("macs", "flops", "params", "memory", "time")


def graph_data(
    model: Any, expand_nested: bool = False, batch_size: int = 1, profile: Any = None
) -> dict:
    """The layer graph of ``model`` as plain data.

    Returns ``{"model", "nodes", "edges", "groups", "notes", "palette"}``. Nodes carry ``id``,
    ``name``, ``class_name``, ``kind``, ``output_shape``, ``params`` (None when unknown),
    ``trainable``, ``parent`` (the id of the nested-model group holding it, or None), flags and
    ``measures``: ``macs`` and ``flops`` per sample, ``params``, ``memory`` (output bytes at
    ``batch_size``) and, with a ``kw.profile`` result, ``time`` (seconds); None when unknown, a
    nested model's the sum of its layers'. ``palette`` maps each kind to [fill, stroke]
    (the summary's badges use the same). Edges join
    leaf nodes (``source``, ``target``, ``shape`` of the tensor); a view that collapses a
    group draws the edges of its members to the group's own node. ``groups`` lists nested
    models with their ``children`` and whether they start ``expanded``.
    """
    return extract(model, expand_nested, batch_size, profile)[0]


def extract(
    model: Any, expand_nested: bool = False, batch_size: int = 1, profile: Any = None
) -> tuple[dict, dict[str, Any]]:
    """:func:`graph_data` plus the layer object behind each node id (for details on request)."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"kw.graph expects a Keras model, got {type(model).__name__}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    builder = _Builder(expand_nested, batch_size, profile)
    builder.add_model(model)
    return builder.result(model), builder.objects


class _Builder:
    def __init__(self, expand_nested: bool, batch_size: int = 1, profile: Any = None):
        self.expand_nested = expand_nested
        self.batch_size = batch_size
        self.times = profile.times if profile is not None else None
        self.weights = Weights()
        self._paths: dict[str, str] = {}  # node id -> "/"-joined names, as kw.profile keys
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.groups: list[dict] = []
        self.notes: list[str] = []
        self.objects: dict[str, Any] = {}  # node id -> layer, for lazily computed details
        self._ids: dict[tuple[str | None, int], str] = {}  # (group id, id(layer)) -> node id
        self._group_of: dict[str, Any] = {}  # group node id -> nested model
        self._node_by_id: dict[str, dict] = {}
        self._group_by_id: dict[str, dict] = {}

    # -- models ----------------------------------------------------------------------------
    def add_model(self, model: Any) -> None:
        kind = kn.model_type(model)
        if kind == "subclassed":
            node = self._node(model, None, [])
            self.notes.append(subclassed_note(model.name, len(model.layers)))
            node["is_output"] = True
            if not model.built:
                self.notes.append(unbuilt_note(model.name))
            return
        self._add_contents(model, None)
        if _is_built_graph(model):
            for tensor in model.outputs:
                op, _, ti = _history(tensor)
                nid = self._resolve_source(op, ti, None)
                self._node_by_id[nid]["is_output"] = True
        elif self.nodes:
            self.nodes[-1]["is_output"] = True

    def _add_contents(self, model: Any, parent: str | None) -> None:
        """Nodes and edges of a Sequential/Functional model, inside group ``parent``."""
        if not _is_built_graph(model):
            # An unbuilt Sequential: the order of layers is all we know.
            self.notes.append(unbuilt_note(model.name))
            previous = None
            for layer in model.layers:
                self._add_layer(layer, parent, [])
                if previous is not None:
                    src = self._resolve_source(previous, 0, parent)
                    dst = self._resolve_target(layer, 0, parent)
                    self.edges.append({"source": src, "target": dst, "shape": None})
                previous = layer
            return
        calls = kn.call_nodes(model)
        by_op: dict[int, list[Any]] = {}
        for call in calls:
            by_op.setdefault(id(call.operation), []).append(call)
        for call in calls:
            if (parent, id(call.operation)) not in self._ids:
                self._add_layer(call.operation, parent, by_op[id(call.operation)])
        for call in calls:
            for position, inbound in enumerate(call.inputs):
                src = self._resolve_source(inbound.operation, inbound.tensor_index, parent)
                dst = self._resolve_target(call.operation, position, parent)
                shape = _shape(inbound.tensor)
                self.edges.append({"source": src, "target": dst, "shape": shape})

    def _add_layer(self, layer: Any, parent: str | None, calls: list[Any]) -> str:
        node = self._node(layer, parent, calls)
        nested = kn.is_model(layer) and kn.model_type(layer) != "subclassed"
        if nested:
            nid = node["id"]
            node["group"] = True
            self._group_of[nid] = layer
            group = {
                "id": nid,
                "name": layer.name,
                "parent": parent,
                "expanded": self.expand_nested,
                "children": [],
            }
            self.groups.append(group)
            self._group_by_id[nid] = group
            self._add_contents(layer, nid)
        elif kn.is_model(layer):
            self.notes.append(subclassed_note(layer.name, len(layer.layers)))
        return node["id"]

    def _node(self, layer: Any, parent: str | None, calls: list[Any]) -> dict:
        nid = f"n{len(self.nodes)}"
        self._ids[(parent, id(layer))] = nid
        self.objects[nid] = layer
        path = f"{self._paths[parent]}/{layer.name}" if parent else str(layer.name)
        self._paths[nid] = path
        facts = layer_facts(layer, calls, self.weights)  # the same facts the summary shows
        if calls:
            shapes = [_shape(t) for t in calls[0].outputs]
            output_shape = shapes[0] if len(shapes) == 1 else shapes
        else:
            output_shape = _output_shape(layer)
        activation = getattr(layer, "activation", None)
        act = facts.activation_bytes
        measures = {
            "macs": facts.macs,
            "flops": facts.flops,
            "params": facts.params,
            "memory": None if act is None else act * self.batch_size,
        }
        if self.times is not None:
            # an input layer runs nothing: 0 ms, not unknown
            ms = 0.0 if facts.kind == "input" else self.times.get(path)
            measures["time"] = None if ms is None else ms / 1000  # seconds, as bytes: SI units
        node = {
            "id": nid,
            "name": layer.name,
            "class_name": type(layer).__name__,
            "kind": facts.kind,
            "output_shape": output_shape,
            "params": _params(layer),
            "trainable": bool(getattr(layer, "trainable", True)),
            "parent": parent,
            "group": False,
            "is_output": False,
            "calls": max(len(calls), 1),
            "activation": getattr(activation, "__name__", None),
            "measures": measures,
        }
        self.nodes.append(node)
        self._node_by_id[nid] = node
        if parent is not None:
            self._group_by_id[parent]["children"].append(nid)
        return node

    def _sum_groups(self) -> None:
        """A nested model's measures (but params, its own) are the sums of its members'."""
        for group in reversed(self.groups):  # inner groups were added after their parents
            node = self._node_by_id[group["id"]]
            # a nested model's input layers hold the tensor its parent already counted
            members = [
                self._node_by_id[c]["measures"]
                for c in group["children"]
                if self._node_by_id[c]["kind"] != "input"
            ]
            times = node["calls"]
            for key in ("macs", "flops", "memory", "time"):
                if key not in node["measures"]:
                    continue
                total, partial = add_up([m.get(key) for m in members])
                node["measures"][key] = None if partial and not total else total * times
                if partial:
                    node["measures"][f"{key}_lower_bound"] = True

    # -- edges across nesting ----------------------------------------------------------------
    def _resolve_source(self, op: Any, tensor_index: int, parent: str | None) -> str:
        """Node id producing output ``tensor_index`` of ``op``; dives into nested models."""
        nid = self._ids[(parent, id(op))]
        model = self._group_of.get(nid)
        if model is None:
            return nid
        if _is_built_graph(model):
            inner, _, ti = _history(model.outputs[min(tensor_index, len(model.outputs) - 1)])
            return self._resolve_source(inner, ti, nid)
        return self._resolve_source(model.layers[-1], 0, nid) if model.layers else nid

    def _resolve_target(self, op: Any, position: int, parent: str | None) -> str:
        """Node id receiving input ``position`` of ``op``; dives into nested models."""
        nid = self._ids[(parent, id(op))]
        model = self._group_of.get(nid)
        if model is None:
            return nid
        if _is_built_graph(model):
            inner, _, _ = _history(model.inputs[min(position, len(model.inputs) - 1)])
            return self._resolve_target(inner, 0, nid)
        return self._resolve_target(model.layers[0], 0, nid) if model.layers else nid

    # -- result ----------------------------------------------------------------------------
    def result(self, model: Any) -> dict:
        mtype = kn.model_type(model)
        self._sum_groups()
        return {
            "model": {
                "name": model.name,
                "class_name": type(model).__name__,
                "type": mtype,
                "built": bool(model.built),
                "params": _params(model),
                "trainable_params": _count(model.trainable_weights) if model.built else None,
            },
            "nodes": self.nodes,
            "edges": self.edges,
            "groups": self.groups,
            "notes": self.notes,
            "palette": {kind: list(colors) for kind, colors in KIND_COLORS.items()},
        }


def _history(tensor: Any) -> tuple[Any, int, int]:
    return kn._history(tensor)


def _is_built_graph(model: Any) -> bool:
    """True when the model has a graph of calls (Functional, or a built Sequential)."""
    try:
        return bool(model.outputs) and bool(model.inputs)
    except (AttributeError, ValueError):
        return False  # an unbuilt Sequential raises "has no defined inputs yet"


def _shape(tensor: Any) -> list | None:
    shape = getattr(tensor, "shape", None)
    return None if shape is None else [None if d is None else int(d) for d in shape]


def _output_shape(layer: Any) -> list | None:
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return None
    if isinstance(output, (list, tuple)):
        return [_shape(t) for t in output]
    return _shape(output)


def _params(layer: Any) -> int | None:
    if not hasattr(layer, "count_params"):
        return 0  # a keras op such as ops.add: no weights
    if not getattr(layer, "built", True):
        return None
    # Same figure as layer.count_params(), ~20x faster on big models (no TensorShape walks).
    return _count(layer.weights)


def _count(variables: list) -> int:
    unique = {id(v): v for v in variables}.values()  # a shared sublayer lists its weights twice
    return int(sum(math.prod(v.shape) for v in unique))


# -- details of one node, computed on request ----------------------------------------------
def layer_details(layer: Any) -> dict:
    """What the details panel shows: config (JSON-safe) and weights of one layer."""
    try:
        config = json_safe(layer.get_config())
    except Exception as err:  # any user layer may fail here: show why instead
        config = {"<get_config failed>": f"{type(err).__name__}: {err}"}
    weights = []
    for w in getattr(layer, "weights", []):
        weights.append(
            {
                "name": getattr(w, "path", None) or w.name,
                "shape": [int(d) for d in w.shape],
                "dtype": str(w.dtype),
                "count": int(math.prod(w.shape)),
                "trainable": bool(w.trainable),
            }
        )
    details = {
        "name": layer.name,
        "class_name": type(layer).__name__,
        "module": type(layer).__module__,
        "kind": kn.layer_kind(layer),
        "params": _params(layer),
        "trainable": bool(getattr(layer, "trainable", True)),
        "config": config,
        "weights": weights,
    }
    if kn.is_model(layer):
        details["layers"] = [sub.name for sub in layer.layers]
    return details


def json_safe(value: Any, depth: int = 0) -> Any:
    """Make a ``get_config()`` value JSON-safe: containers recursed, the rest as text."""
    if depth > 8:
        return "…"
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = list(value)
        out = [json_safe(v, depth + 1) for v in items[:200]]
        if len(items) > 200:
            out.append(f"… {len(items) - 200} more")
        return out
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "ndim", None) == 0:
        return json_safe(item(), depth + 1)
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "…"
