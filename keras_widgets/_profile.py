"""``kw.profile(model)``: measured time per layer on the current backend and device.

The model's graph is replayed call by call on real input tensors (random data of the
model's input shapes at ``batch_size``), in topological order; each call is run
``warmup`` times, then timed ``repeats`` times, and its median kept. The whole model is
timed the same way (an eager call, as the layers are), so the sum of the layer times can
be compared with it: the gap is the per-call overhead of going layer by layer.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from keras_widgets._html import esc
from keras_widgets._keras_nodes import call_nodes, layer_kind, model_type, run_call

__all__ = ["LayerTime", "Profile", "profile"]


@dataclass(frozen=True)
class LayerTime:
    """Median milliseconds of one layer (all its calls) for one batch."""

    path: str
    name: str
    class_name: str
    kind: str
    ms: float
    calls: int
    #: "/"-joined names of the enclosing nested models ("" at the top)
    parent: str = ""


class Profile:
    """Result of :func:`profile`: per-layer times, the whole model's step time."""

    def __init__(
        self,
        name: str,
        layers: list[LayerTime],
        step_ms: float,
        batch_size: int,
        repeats: int,
        warmup: int,
        backend: str,
        device: str,
        notes: list[str],
    ) -> None:
        self.name = name
        self.layers = layers
        self.step_ms = step_ms
        self.batch_size = batch_size
        self.repeats = repeats
        self.warmup = warmup
        self.backend = backend
        self.device = device
        self.notes = notes

    @property
    def times(self) -> dict[str, float]:
        """Layer path -> milliseconds (what ``kw.summary(model, profile=p)`` shows)."""
        return {t.path: t.ms for t in self.layers}

    @property
    def layer_sum_ms(self) -> float:
        """Sum of the leaf layers' times (nested models counted through their layers)."""
        return sum(t.ms for t in self.layers if t.kind != "model")

    def _share(self, t: LayerTime) -> float:
        return t.ms / self.layer_sum_ms if self.layer_sum_ms else 0.0

    def to_dataframe(self) -> Any:
        """One row per layer: path, name, class, kind, calls, ms and share of the sum."""
        import pandas as pd

        return pd.DataFrame.from_records(
            [
                {
                    "path": t.path,
                    "name": t.name,
                    "class_name": t.class_name,
                    "kind": t.kind,
                    "calls": t.calls,
                    "ms": t.ms,
                    "share": self._share(t) if t.kind != "model" else None,
                }
                for t in self.layers
            ],
            columns=["path", "name", "class_name", "kind", "calls", "ms", "share"],
        )

    def _headline(self) -> str:
        ratio = self.layer_sum_ms / self.step_ms if self.step_ms else float("nan")
        return (
            f"sum of layers {self.layer_sum_ms:.2f} ms, whole model {self.step_ms:.2f} ms "
            f"per batch of {self.batch_size} (ratio {ratio:.2f}); {self.backend} on "
            f"{self.device}, median of {self.repeats} after {self.warmup} warm-up"
        )

    def __str__(self) -> str:
        width = max([len(t.path) for t in self.layers] + [5])
        lines = [f'Profile of "{self.name}": {self._headline()}']
        lines.append(f"{'layer':{width}}  {'class':20}  {'ms':>9}  {'share':>6}")
        for t in self.layers:
            share = "" if t.kind == "model" else f"{100 * self._share(t):5.1f}%"
            lines.append(f"{t.path:{width}}  {t.class_name:20}  {t.ms:9.3f}  {share:>6}")
        return "\n".join(lines + self.notes)

    def __repr__(self) -> str:
        return f"<Profile {self.name!r}: {len(self.layers)} layers; {self._headline()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = []
        top = max((t.ms for t in self.layers if t.kind != "model"), default=0.0) or 1.0
        for t in self.layers:
            share = "" if t.kind == "model" else f"{100 * self._share(t):.1f}%"
            width = 0 if t.kind == "model" else round(120 * t.ms / top)
            bar = f'<span class="kw-prof-bar" style="width:{width}px" title="{esc(share)}"></span>'
            indent = 12 + 18 * t.path.count("/")
            rows.append(
                f'<tr><td style="padding-left:{indent}px">{esc(t.name)} '
                f'<span class="kw-prof-type">{esc(t.class_name)}</span></td>'
                f'<td class="kw-num">{t.ms:.3f}</td><td class="kw-num">{esc(share)}</td>'
                f"<td>{bar}</td></tr>"
            )
        notes = "".join(f'<div class="kw-prof-note">{esc(n)}</div>' for n in self.notes)
        return (
            '<div class="kw-profile"><style>'
            ".kw-profile{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:12.5px;"
            "color:var(--jp-content-font-color1,#1f2328)}"
            ".kw-profile table{border-collapse:collapse}"
            ".kw-profile td,.kw-profile th{padding:3px 10px;text-align:left;white-space:nowrap;"
            "border-bottom:1px solid var(--jp-border-color2,#d1d9e0)}"
            ".kw-profile .kw-num{text-align:right;font-variant-numeric:tabular-nums}"
            ".kw-profile .kw-prof-type{color:var(--jp-content-font-color2,#59636e);font-size:11px}"
            ".kw-profile .kw-prof-bar{display:inline-block;height:9px;background:#fb8c00}"
            ".kw-profile .kw-prof-note{color:var(--jp-content-font-color2,#59636e)}"
            "</style>"
            f"<div><b>Profile of &ldquo;{esc(self.name)}&rdquo;</b>: {esc(self._headline())}</div>"
            "<table><thead><tr><th>Layer</th><th>ms</th><th>Share</th><th></th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{notes}</div>"
        )


# --------------------------------------------------------------------------- timing
def _backend_and_device() -> tuple[str, str]:
    import keras

    backend = keras.backend.backend()
    device = "cpu"
    if backend == "jax":
        import jax

        device = jax.devices()[0].platform
    elif backend == "torch":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif backend == "tensorflow":
        import tensorflow as tf  # only on the TensorFlow backend

        device = "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
    return backend, device


def _syncer(backend: str, device: str) -> Any:
    """A function that waits until a result is really computed (async devices)."""
    if backend == "jax":
        import jax

        return jax.block_until_ready
    if device == "cpu":
        return lambda _out: None  # TensorFlow and torch run eagerly, synchronously on CPU
    if backend == "torch":
        import torch

        return lambda _out: torch.cuda.synchronize()
    import tensorflow as tf

    return lambda _out: tf.test.experimental.sync_devices()


def _median_ms(fn: Any, sync: Any, warmup: int, repeats: int) -> tuple[float, Any]:
    out = None
    for _ in range(warmup):
        out = fn()
        sync(out)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        sync(out)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times), out


def _flat(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flat(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat(v)]
    return [value]


def _random_inputs(model: Any, batch_size: int) -> list[Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    arrays = []
    for tensor in model.inputs:
        shape = list(tensor.shape)
        if shape and shape[0] is None:
            shape[0] = batch_size
        if None in shape:
            raise ValueError(
                f"kw.profile: input {tensor.name!r} has an unknown dimension {tuple(tensor.shape)}; "
                "pass inputs=... with real data of the size you want timed."
            )
        dtype = str(tensor.dtype)
        if "int" in dtype:
            arrays.append(np.zeros(shape, dtype))  # index 0 is valid for any Embedding
        elif dtype == "bool":
            arrays.append(np.ones(shape, dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays


class _Timer:
    def __init__(self, sync: Any, warmup: int, repeats: int) -> None:
        self.sync = sync
        self.warmup = warmup
        self.repeats = repeats
        self.layers: dict[str, LayerTime] = {}

    def run_graph(self, model: Any, inputs: list[Any], parent: str) -> list[Any]:
        """Replays ``model``'s calls on ``inputs``, timing each; returns its outputs."""
        values = {id(t): v for t, v in zip(model.inputs, inputs, strict=True)}
        for call in call_nodes(model):
            op = call.operation
            if not call.inputs:  # an InputLayer: its tensor is already a model input
                continue
            args, kwargs = run_call(call, values)
            path = f"{parent}/{op.name}" if parent else op.name
            nested = layer_kind(op) == "model" and model_type(op) != "subclassed"
            ms, out = _median_ms(
                lambda op=op, a=args, k=kwargs: op(*a, **k), self.sync, self.warmup, self.repeats
            )
            self._add(op, path, parent, ms)
            if nested:
                # its layers too, on the same real inputs (times listed under its path)
                self.run_graph(op, _flat((args, kwargs))[: len(op.inputs)], path)
            for t, v in zip(call.outputs, _flat(out), strict=False):
                values[id(t)] = v
        return [values.get(id(t)) for t in model.outputs]

    def _add(self, op: Any, path: str, parent: str, ms: float) -> None:
        old = self.layers.get(path)
        self.layers[path] = LayerTime(
            path=path,
            name=str(op.name),
            class_name=type(op).__name__,
            kind=layer_kind(op),
            ms=ms + (old.ms if old else 0.0),
            calls=1 + (old.calls if old else 0),
            parent=parent,
        )


def profile(
    model: Any,
    batch_size: int = 32,
    steps: int = 10,
    warmup: int = 2,
    inputs: Any = None,
) -> Profile:
    """Time every layer of ``model`` on the current Keras backend and device.

    Example::

        p = kw.profile(model, batch_size=32, steps=10)
        p                      # HTML: ms and share per layer, sum vs whole-model time
        p.to_dataframe()
        kw.summary(model, profile=p)

    Args:
        model: a built Sequential or Functional model (a subclassed model is timed as a
            whole only: its calls are Python code we cannot replay layer by layer).
        batch_size: samples per forward pass (random data of the model's input shapes).
        steps: timed repeats per layer; the median is kept.
        warmup: untimed runs first (graph tracing, caches, lazy allocation).
        inputs: real data to time instead of random data (a batch, or a list per input).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"kw.profile() expects a Keras model, got {type(model).__name__}")
    for label, value in (("batch_size", batch_size), ("steps", steps)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be a non-negative integer, got {warmup!r}")
    kind = model_type(model)
    if not model.built or (kind == "subclassed" and inputs is None):
        raise ValueError(
            f"kw.profile: {model.name} has no known input shapes"
            + (
                " (a subclassed model: pass inputs=...)."
                if kind == "subclassed"
                else "; build it first (model.build(input_shape) or keras.Input(...))."
            )
        )
    backend, device = _backend_and_device()
    sync = _syncer(backend, device)
    if inputs is None:
        arrays = _random_inputs(model, batch_size)
    else:
        arrays = _flat(inputs)
        batch_size = int(arrays[0].shape[0])
    tensors = [keras.ops.convert_to_tensor(a) for a in arrays]
    timer = _Timer(sync, warmup, repeats=steps)
    notes = []
    if kind == "subclassed":
        notes.append(
            f"{model.name} is a subclassed model: its call() is Python code, so only the "
            "whole model is timed."
        )
    else:
        timer.run_graph(model, tensors, "")
    model_input = tensors[0] if len(tensors) == 1 else tensors
    step_ms, _ = _median_ms(lambda: model(model_input, training=False), sync, warmup, steps)
    notes.append(
        "Eager calls, forward pass only, inference mode (dropout off, batch statistics "
        "frozen); compiled predict() is usually faster than both figures."
    )
    return Profile(
        str(model.name),
        list(timer.layers.values()),
        step_ms,
        batch_size,
        steps,
        warmup,
        backend,
        device,
        notes,
    )
