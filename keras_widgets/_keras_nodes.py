"""The one place that reads Keras internals to learn how layers are connected.

Keras 3 has no public API for "which layer feeds which": ``model.layers`` gives the
layers, but not the calls between them. Keras' own ``summary`` and ``plot_model`` read
``layer._inbound_nodes`` and ``tensor._keras_history`` for this. We do the same, here
only, so that a change in Keras breaks one small, tested function (:func:`call_nodes`).

Shared helpers for the summary and the graph:

- :func:`call_nodes` -- every call of an operation inside a model, in topological order,
  with the tensors that flowed in and out.
- :func:`inbound_layers` -- per layer and per call, ``(inbound name, node index, tensor
  index)`` like the "Connected to" column of ``model.summary()``.
- :func:`model_type` -- ``"sequential"``, ``"functional"`` or ``"subclassed"``.
- :func:`layer_kind` -- a coarse kind (conv, dense, recurrent, ...) used for colours.
- :func:`format_shape` -- ``(None, 28, 28, 1)`` like Keras prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Inbound:
    """One input of a call: ``tensor`` came out of call ``node_index`` of ``operation``."""

    operation: Any  # the producing layer or keras op
    node_index: int
    tensor_index: int  # which output of that call
    tensor: Any  # the KerasTensor (has .shape, .dtype)


@dataclass(frozen=True)
class CallNode:
    """One call ``operation(inputs) -> outputs`` inside a model graph."""

    operation: Any
    node_index: int  # index in the operation's own list of calls (shared layers have several)
    inputs: tuple[Inbound, ...]
    outputs: tuple[Any, ...]  # KerasTensors


def call_nodes(model: Any) -> list[CallNode]:
    """Every call inside a built Functional (or built Sequential) model, parents first.

    Walks back from ``model.outputs`` through each tensor's history, so only the calls
    that belong to this model are returned (a layer shared with another model keeps
    its other calls out). A shared layer called twice gives two CallNodes with the same
    ``operation``. Input layers appear as calls without inputs.
    """
    outputs = list(model.outputs)
    input_ids = {id(t) for t in model.inputs}
    seen: set[tuple[int, int]] = set()
    order: list[CallNode] = []
    # Iterative depth-first post-order: deep models (EfficientNet: ~800 calls in a
    # chain) would hit Python's recursion limit otherwise.
    roots = [_history(t) for t in [*model.inputs, *reversed(outputs)]]
    stack: list[tuple[Any, int, bool]] = [(op, ni, False) for op, ni, _ in roots if op is not None]
    while stack:
        op, ni, expanded = stack.pop()
        key = (id(op), ni)
        if expanded:
            if key not in seen:
                seen.add(key)
                order.append(_make_call(op, ni, input_ids))
            continue
        if key in seen:
            continue
        stack.append((op, ni, True))
        node = op._inbound_nodes[ni]  # private: see module docstring
        for tensor in reversed(node.input_tensors):
            if id(tensor) in input_ids and not _is_input_layer(_history(tensor)[0]):
                continue  # the model starts here even though the tensor has a history
            parent, pni, _ = _history(tensor)
            if parent is not None and (id(parent), pni) not in seen:
                stack.append((parent, pni, False))
    return order


def inbound_layers(model: Any) -> dict[str, list[list[tuple[str, int, int]]]]:
    """For each operation of a Functional model: one list per call of its inputs.

    Each input is ``(inbound operation name, node index, tensor index)``. A shared layer
    has several calls; an input layer has one call without inputs.
    """
    result: dict[str, list[list[tuple[str, int, int]]]] = {}
    for call in call_nodes(model):
        result.setdefault(call.operation.name, []).append(
            [(i.operation.name, i.node_index, i.tensor_index) for i in call.inputs]
        )
    return result


def _history(tensor: Any) -> tuple[Any, int, int]:
    # KerasHistory(operation, node_index, tensor_index); private, see module docstring.
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None, 0, 0
    return history.operation, history.node_index, history.tensor_index


def _make_call(op: Any, ni: int, input_ids: set[int]) -> CallNode:
    node = op._inbound_nodes[ni]
    inputs = []
    for tensor in node.input_tensors:
        parent, pni, ti = _history(tensor)
        if parent is not None:
            inputs.append(Inbound(parent, pni, ti, tensor))
    return CallNode(op, ni, tuple(inputs), tuple(node.output_tensors))


def _is_input_layer(op: Any) -> bool:
    return op is not None and type(op).__name__ == "InputLayer"


def model_type(model: Any) -> str:
    """``"sequential"``, ``"functional"`` (a graph of layers) or ``"subclassed"`` (Python code)."""
    import keras
    from keras.src.models.functional import Functional  # no public alias for the check

    if isinstance(model, keras.Sequential):
        return "sequential"
    if isinstance(model, Functional):
        return "functional"
    return "subclassed"


def is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


# (kind, class-name fragments). Order matters: ConvLSTM2D is recurrent, not conv.
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("input", ("InputLayer",)),
    ("recurrent", ("LSTM", "GRU", "RNN", "Bidirectional")),
    ("attention", ("Attention",)),
    ("conv", ("Conv",)),
    ("pooling", ("Pooling",)),
    ("normalization", ("Normalization",)),
    (
        "merge",
        ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"),
    ),
    ("dense", ("Dense",)),
    ("embedding", ("Embedding",)),
    ("activation", ("Activation", "ReLU", "Softmax", "ELU", "PReLU")),
    ("dropout", ("Dropout", "Noise", "ActivityRegularization")),
    (
        "reshape",
        ("Reshape", "Flatten", "Permute", "RepeatVector", "Padding", "Cropping", "UpSampling"),
    ),
)
KINDS = ("model", "op", *(kind for kind, _ in _KINDS), "other")


def layer_kind(layer: Any) -> str:
    """A coarse kind of layer for colours and legends (see :data:`KINDS`).

    Decided from the class name and its bases, so user subclasses of ``Conv2D`` are
    still ``conv``. Keras ops used on symbolic tensors (``x + 1``) are ``op``.
    """
    import keras

    if isinstance(layer, keras.Model):
        return "model"
    if not isinstance(layer, keras.layers.Layer):
        return "op"
    for cls in type(layer).__mro__:
        name = cls.__name__
        if name in ("Layer", "Operation", "object"):
            break
        for kind, fragments in _KINDS:
            if any(f in name for f in fragments):
                return kind
    return "other"


def format_shape(shape: Any) -> str:
    """``(None, 28, 28, 1)``; a list of shapes joined by ", "; ``?`` when unknown."""
    if shape is None:
        return "?"
    shape = list(shape)
    if shape and isinstance(shape[0], (list, tuple)):
        return ", ".join(format_shape(s) for s in shape)
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")


def built_output_shapes(layer: Any) -> list[tuple] | None:
    """Best-effort output shapes of a layer that was built without a symbolic call.

    Layers of subclassed models are called on real tensors, so they have no nodes; Keras'
    own summary then uses the shapes the layer was built with (private
    ``_build_shapes_dict``) and the public ``compute_output_shape``. None when unknown.
    """
    build_shapes = getattr(layer, "_build_shapes_dict", None)  # private, see docstring
    if not build_shapes or not getattr(layer, "built", False):
        return None
    try:
        out = layer.compute_output_shape(**build_shapes)
    except Exception:  # any failure (NotImplementedError, bad kwargs) means "unknown"
        return None
    return _flat_shapes(out)


def _flat_shapes(struct: Any) -> list[tuple]:
    # A shape is a tuple of ints/None; lists, dicts and tuples of shapes nest.
    if isinstance(struct, dict):
        return [s for v in struct.values() for s in _flat_shapes(v)]
    if isinstance(struct, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in struct):
            return [tuple(struct)]
        return [s for v in struct for s in _flat_shapes(v)]
    return []


def fit_batch_size() -> int | None:
    """The batch size of the ``fit`` call running on this thread, or None.

    Keras passes callbacks ``params`` without the batch size. Every backend's
    ``Trainer.fit`` holds an ``epoch_iterator`` local whose ``data_adapter.batch_size`` is
    the resolved value (32 when ``fit`` was given arrays and no batch size), so we read it
    from the calling frames (private; tested in tests/test_runs_liveplot.py).
    """
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "fit" and "epoch_iterator" in frame.f_locals:
            try:
                size = frame.f_locals["epoch_iterator"].data_adapter.batch_size
                return int(size) if size is not None else None
            except Exception:
                return None
        frame = frame.f_back
    return None


def run_call(call: CallNode, values: dict[int, Any]) -> tuple[tuple, dict]:
    """The real ``(args, kwargs)`` of ``call``: its symbolic arguments with each KerasTensor
    replaced by ``values[id(tensor)]`` (what Functional's own graph runner does).

    Private: ``Node.arguments.fill_in`` is how Keras re-runs a recorded call, keeping its
    non-tensor arguments (``training=``, ``mask=``, attention's ``value``) in place.
    """
    node = call.operation._inbound_nodes[call.node_index]  # private, see docstring
    return node.arguments.fill_in(values)


def built_input_shapes(layer: Any) -> list[tuple] | None:
    """The input shapes a layer was built with (private ``_build_shapes_dict``, as in
    :func:`built_output_shapes`); None when unknown."""
    build_shapes = getattr(layer, "_build_shapes_dict", None)  # private, see above
    if not build_shapes or not getattr(layer, "built", False):
        return None
    return _flat_shapes(list(build_shapes.values())) or None


def input_layer(model: Any) -> Any:
    """The ``InputLayer`` that made ``model.inputs[0]`` (None when the model has no inputs).

    Read from the input tensor's private ``_keras_history`` (see the module docstring): the
    public alternative, ``model.get_config()``, serializes every layer of the model."""
    try:
        tensor = model.inputs[0]
    except Exception:
        return None
    op, _, _ = _history(tensor)
    return op if _is_input_layer(op) else None
