"""The state of the Sequential builder: plain data, validated without a browser.

``BuilderState`` holds the input shape, a list of layer specs (type + the raw values the
user set) and compile settings. ``validate()`` returns a plain-dict report with each
layer's output shape, parameter count and errors; it is incremental: layers whose spec and
input shape did not change reuse their previous result, and a process-wide LRU cache keyed
by (type, clean config, input shape) serves every other repeat. No weights are allocated
to validate: layers are built inside ``keras.StatelessScope`` where variable creation is
deferred (only shapes are recorded).

Contract additions beyond the brief (all optional for the widget):

- ``catalog()["compile"]``: optimizers with their extra args, losses, metrics.
- ArgSpec extra keys: ``required`` (bool), ``suggested`` (value filled in by ``add`` when a
  required argument is missing), ``rank`` (for ``int_or_tuple``).
- State dict extra key ``name`` (model name) and edit ``{"op": "set_name", "name": ...}``.
- Report extra keys: ``compile_errors`` ({field: msg}), ``model_error`` (str|None), per
  layer ``type``. ``model_code_ok``: the model part (input + layers) is valid; ``ok``: that
  and the compile settings are valid, so ``build_model()`` will succeed.
- Edits address a layer by ``"index"`` or by ``"id"``; ``move`` takes ``"from"``/``"to"``.
  ``apply_edit`` returns ``{"ok": bool, "error": str|None, "id": new id or None}``.
- ``BuilderState.from_model(keras_model)``.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import itertools
import json
import keyword
import math
import re
from typing import Any

from keras_widgets._builder import _catalog as cat
from keras_widgets._builder import _codegen as gen
from keras_widgets._tune import _builder as _tune_builder  # registers the search-space hook
from keras_widgets._tune._space import is_space_json

PROBE_NAME = "kw_probe"
MAX_LAYERS = 500
MAX_HISTORY = 500
MAX_PARAMS = 1_000_000_000  # above this build_model() would need gigabytes: refuse


# --------------------------------------------------------------------------------------
# Raw values: anything the UI or Python sends is turned into JSON-safe data first.


def _text(value: str) -> str:
    # A lone surrogate ("a\ud800") cannot be encoded as UTF-8, so it would break every sync
    # of the view; it becomes U+FFFD here, and names holding U+FFFD are field errors.
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8").replace("?", "\ufffd")


def _jsonable(value: Any, depth: int = 0) -> Any:
    if depth > 12:
        return str(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # JSON has no NaN/inf
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {_text(str(k)): _jsonable(v, depth + 1) for k, v in value.items()}
    tolist = getattr(value, "tolist", None)
    if callable(tolist):  # numpy arrays and scalars (e.g. Normalization's mean)
        with contextlib.suppress(Exception):
            return _jsonable(tolist(), depth + 1)
    if callable(getattr(value, "get_config", None)):  # a Keras object passed from Python
        try:
            import keras

            conf = keras.saving.serialize_keras_object(value)
            if conf.get("class_name") in cat.REGULARIZERS and conf.get("module") == (
                "keras.regularizers"
            ):
                return {
                    "type": conf["class_name"],
                    **{k: float(v) for k, v in conf["config"].items()},
                }
            return _jsonable(conf, depth + 1)
        except Exception:
            pass
    return str(value)


# --------------------------------------------------------------------------------------
# Cleaning one layer spec: raw config -> (clean config, field errors).


def _clean_inner(raw: Any) -> tuple[Any, dict]:
    if cat.is_object_config(raw):
        return cat.to_literal(raw), {}  # a serialized inner layer, kept exactly
    if isinstance(raw, str):
        raw = {"type": raw, "config": {}}
    if not isinstance(raw, dict) or cat.kind_of_type(raw.get("type")) != "layer":
        return None, {"layer": f"expected a layer such as {', '.join(cat.RNN_TYPES)}"}
    config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    specs = cat.arg_map(raw["type"])
    for name, spec in specs.items():
        if spec["required"] and name not in config and "suggested" in spec:
            config = {**config, name: spec["suggested"]}
    clean, errors = clean_config(raw["type"], config)
    if errors:
        return None, {f"layer.{k}": v for k, v in errors.items()}
    return {"type": raw["type"], "config": clean}, {}


def clean_config(layer_type: str, config: dict) -> tuple[dict, dict]:
    specs = cat.arg_map(layer_type)
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in config.items():
        spec = specs.get(name)
        if spec is None:
            # Kept from a loaded model (a setting this card has no editor for).
            if not name.isidentifier() or keyword.iskeyword(name):
                errors[name] = "unknown argument"
                continue
            spec = {"name": name, "kind": "literal", "optional": True, "choices": None}
        if spec["kind"] == "layer":
            inner, inner_errors = _clean_inner(raw)
            if inner_errors:
                errors.update({k.replace("layer", name, 1): v for k, v in inner_errors.items()})
            if inner is not None:
                clean[name] = inner
            continue
        try:
            clean[name] = cat.coerce(spec, raw, layer_type)
        except cat.Bad as e:
            errors[name] = str(e)
    for spec in specs.values():
        if spec["required"] and spec["name"] not in config:
            errors[spec["name"]] = "required"
    return clean, errors


# --------------------------------------------------------------------------------------
# Shape and parameter inference for one layer, without allocating weights.


@contextlib.contextmanager
def _deferred_variables():
    """Create variables without allocating them, then forget them.

    Inside ``keras.StatelessScope`` a variable made from an initializer only records its
    shape (``_value`` stays None) and is queued for a later deferred initialization. With
    ``initialize_variables=False`` that queue is not flushed on exit, but any later
    ``StatelessScope`` exit (e.g. each ``compute_output_spec`` on TensorFlow) would
    allocate them, so we drop our entries from the queue. Building this way costs ~0.1-0.7
    ms per layer whatever its size (a 10-billion-parameter Dense validates in ~1 ms), while
    a real build allocates and randomly initializes every weight. The queue lives in
    Keras's private global state; if that moves, we only lose the clean-up, not validation.
    """
    import keras

    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - Keras internals moved
        global_state = None
    queue = global_state.get_global_attribute("uninitialized_variables") if global_state else None
    before = len(queue) if queue is not None else 0
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        if global_state is not None:
            queue = global_state.get_global_attribute("uninitialized_variables")
            if queue is not None:
                del queue[before:]


def _check_input_spec(layer, shape: tuple) -> None:
    """Keras's own input-spec checks, with a short message (no layer name)."""
    specs = layer.input_spec
    if specs is None:
        return
    spec = specs[0] if isinstance(specs, (list, tuple)) else specs
    ndim = len(shape)
    got = f"found ndim={ndim} (input shape {_fmt(shape)})"
    if spec.ndim is not None and ndim != spec.ndim:
        raise ValueError(f"expected ndim={spec.ndim}, {got}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"expected min_ndim={spec.min_ndim}, {got}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"expected max_ndim={spec.max_ndim}, {got}")
    for axis, size in (spec.axes or {}).items():
        actual = shape[axis] if -ndim <= axis < ndim else None
        if size is not None and actual not in (size, None):
            raise ValueError(f"expected axis {axis} of size {size}, got input shape {_fmt(shape)}")


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


_NOISE = [
    re.compile(r"^Exception encountered when calling .*?\.\s*", re.S),
    re.compile(r"Input \d+( with name '[^']*')? of layer '[^']*' is incompatible with the layer: "),
    re.compile(r"`"),
]


def clean_error(exc: BaseException) -> str:
    """A short message from a Keras exception (first line, no internal names)."""
    text = str(exc).strip() or type(exc).__name__
    for pattern in _NOISE:
        text = pattern.sub("", text)
    text = text.strip().split("\n")[0].strip()
    text = text.replace(f"'{PROBE_NAME}'", "this layer").replace(PROBE_NAME, "this layer")
    if len(text) > 200:
        text = text[:197].rstrip() + "..."
    return text


def _probe_config(clean: dict) -> dict:
    probe = {k: v for k, v in clean.items() if k != "name"}
    for key in ("layer", "cell"):  # name inner layers too, so no Keras name counter moves
        inner = probe.get(key)
        if isinstance(inner, dict) and "type" in inner and "config" in inner:
            probe[key] = {"type": inner["type"], "config": {**inner["config"], "name": "kw_in"}}
    return probe


_CACHE: collections.OrderedDict = collections.OrderedDict()
_CACHE_SIZE = 8192
# Weightless layers (pooling, reshaping, dropout, ...) whose output shape is a pure function
# of the input shape: one probed instance per clean config serves every input shape.
_WEIGHTLESS: collections.OrderedDict = collections.OrderedDict()


def _freeze(clean: dict) -> str:
    return json.dumps(clean, sort_keys=True, default=list)


def infer(layer_type: str, clean: dict, in_shape: tuple) -> dict:
    """``{"output_shape", "params", "trainable_params", "error"}`` of one layer (cached)."""
    probe = _probe_config(clean)
    frozen = _freeze(probe)
    key = (layer_type, frozen, in_shape)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    result = _infer(layer_type, probe, (None, *in_shape), (layer_type, frozen))
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _output_shape(layer: Any, full: tuple) -> tuple:
    """``compute_output_shape``, or a symbolic call for layers that do not implement it
    (custom layers usually only define ``call``)."""
    try:
        return layer.compute_output_shape(full)
    except NotImplementedError:
        import keras

        return tuple(layer.compute_output_spec(keras.KerasTensor(full)).shape)


def _infer(layer_type: str, probe: dict, full: tuple, tkey: tuple) -> dict:
    try:
        kind = cat.kind_of_type(layer_type)
        layer = _WEIGHTLESS.get(tkey)
        if kind in ("app", "nested"):
            with _deferred_variables():
                if kind == "app":
                    # weights=None: validating never downloads the pretrained weights
                    app = {**probe, "weights": None}
                    layer = gen.make_app(layer_type, app, input_shape=full[1:], name=PROBE_NAME)
                    out = tuple(layer.output.shape)
                else:
                    layer = gen.make_nested(probe)
                    out = _output_shape(layer, full)
            params = sum(math.prod(v.shape) for v in layer.weights)
            trainable = sum(math.prod(v.shape) for v in layer.trainable_weights)
        elif layer is not None:
            _check_input_spec(layer, full)
            out = _output_shape(layer, full)
            params = trainable = 0
        else:
            with _deferred_variables():
                layer = gen.make_layer(layer_type, probe, name=PROBE_NAME)
                _check_input_spec(layer, full)
                layer.build(full)
                _check_input_spec(layer, full)  # some specs (axes) are set by build
                out = _output_shape(layer, full)
            _check_initializers(layer, probe)
            params = sum(math.prod(v.shape) for v in layer.weights)
            trainable = sum(math.prod(v.shape) for v in layer.trainable_weights)
            if not layer.weights and not layer.variables:
                _WEIGHTLESS[tkey] = layer
                if len(_WEIGHTLESS) > 512:
                    _WEIGHTLESS.popitem(last=False)
        shape = [None if d is None else int(d) for d in out]
        if any(d is not None and d <= 0 for d in shape):
            raise ValueError(f"output shape {_fmt(shape)} has an empty dimension")
        macs, macs_partial = _layer_macs(layer, kind, full, tuple(shape))
        return {
            "output_shape": shape[1:],
            "params": int(params),
            "trainable_params": int(trainable),
            "macs": macs,
            "macs_partial": macs_partial,
            "error": None,
        }
    except Exception as e:  # Keras's own validation: report it on the layer
        error = clean_error(e)
        if ". Received" in error:  # keep the sentence, say the input shape plainly
            error = error.split(". Received")[0] + f" (input shape {_fmt(full)})"
        return {
            "output_shape": None,
            "params": None,
            "trainable_params": None,
            "macs": None,
            "macs_partial": False,
            "error": error,
        }


def _check_initializers(layer: Any, config: dict) -> None:
    """Initializers are deferred while validating (no weights are allocated), so one that
    cannot fill its weight (``Orthogonal`` for a rank-1 bias) would only fail in
    ``build_model()``. Call each on a tiny shape of its weight's rank: its own checks run,
    nothing is allocated."""
    import keras

    ranks: dict[str, int] = {}
    for v in layer.weights:
        ranks.setdefault(v.name.split("/")[-1], len(v.shape))
    for key, value in config.items():
        if not key.endswith("_initializer") or value is None:
            continue
        rank = ranks.get(key[: -len("_initializer")])
        if rank is None:
            continue
        try:
            keras.initializers.get(value)((1,) * rank, dtype="float32")
        except Exception as e:
            raise ValueError(f"{key}: {clean_error(e)}") from None


def _layer_macs(layer: Any, kind: str | None, full: tuple, out: tuple) -> tuple[int | None, bool]:
    """Multiply-accumulates per sample of the probe layer (keras_widgets._cost, the counts
    ``kw.summary`` shows), and whether that is a lower bound (a base or nested model with a
    layer that cannot be counted). None: this layer cannot be counted ("?" in the view)."""
    try:
        if kind in ("app", "nested"):
            from keras_widgets._summary import summary_data

            totals = summary_data(layer).totals
            return int(totals.macs), bool(totals.macs_lower_bound)
        from keras_widgets._walk import cost_of_call

        cost = cost_of_call(layer, True, [full], [out])
        return (None, False) if cost is None else (int(cost[0]), False)
    except Exception:  # counting never blocks validation: unknown, not wrong
        return None, False


# --------------------------------------------------------------------------------------
# Compile settings.


def clean_compile(raw: dict) -> tuple[dict, dict]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    opt = raw.get("optimizer")
    specs: dict[str, dict] = {}
    if is_space_json(opt):  # kw.tune.Choice of optimizers: validated as its first value
        try:
            clean["optimizer"] = _tune_builder.check_optimizer(opt)
            # the arguments of every optimizer it may pick (a model built from this state
            # passes only the first optimizer's own: see codegen.optimizer_args)
            specs = _tune_builder.optimizer_specs(_tune_builder.optimizer_keys(opt))
        except ValueError as e:
            errors["optimizer"] = str(e)
    elif not cat._is_empty(opt):
        key = opt.strip().lower() if isinstance(opt, str) else None
        if key in cat.optimizers():
            clean["optimizer"] = key
            specs = cat.optimizer_arg_map(key)
        else:
            errors["optimizer"] = "unknown optimizer"
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None or cat._is_empty(value):
            continue
        try:
            clean[name] = cat.coerce(spec, value)
        except cat.Bad as e:
            errors[name] = str(e)
    lr = raw.get("learning_rate")
    if is_space_json(lr):  # kw.tune.Float: validated as its first value
        try:
            clean["learning_rate"] = _tune_builder.check_learning_rate(lr)
        except ValueError as e:
            errors["learning_rate"] = str(e)
    elif cat.is_object_config(lr):
        clean["learning_rate"] = cat.to_literal(lr)  # a schedule, kept exactly
    elif not cat._is_empty(lr):
        try:
            clean["learning_rate"] = cat.to_float(lr, lo=0.0, lo_open=True, hi=10.0)
        except cat.Bad as e:
            errors["learning_rate"] = str(e)
    loss = raw.get("loss")
    if cat.is_object_config(loss) or isinstance(loss, (list, dict)):
        clean["loss"] = cat.to_literal(loss)  # a configured loss object, kept exactly
    elif not cat._is_empty(loss):
        if isinstance(loss, str) and _known_loss(loss.strip()):
            clean["loss"] = loss.strip()
        else:
            errors["loss"] = "unknown loss"
    metrics = raw.get("metrics")
    if not cat._is_empty(metrics):
        items = metrics if isinstance(metrics, list) else cat.split_seq(metrics)
        good = []
        for m in items:
            if cat.is_object_config(m):
                good.append(cat.to_literal(m))
            elif isinstance(m, str) and m.strip() in cat.metrics():
                good.append(m.strip())
        if len(good) != len(items):
            errors["metrics"] = "unknown metric"
        if good:
            clean["metrics"] = [m for i, m in enumerate(good) if m not in good[:i]]
    for key, default in cat.COMPILE_EXTRAS.items():
        if key in raw and not cat._is_empty(raw[key]) and raw[key] != default:
            try:
                clean[key] = _compile_extra(key, raw[key])
            except cat.Bad as e:
                errors[key] = str(e)
    if "optimizer" not in clean and any(k in clean for k in ("learning_rate",)):
        clean["optimizer"] = "adam"  # a learning rate alone means the default optimizer
    return clean, errors


def _compile_extra(key: str, raw: Any) -> Any:
    if key == "run_eagerly":
        return cat.to_bool(raw)
    if key == "steps_per_execution":
        return cat.to_int(raw, lo=1)
    if key == "jit_compile":
        return raw if raw == "auto" else cat.to_bool(raw)
    return cat.to_literal(raw)


_LOSS_OK: dict[str, bool] = {}


def _known_loss(name: str) -> bool:
    if name not in _LOSS_OK:
        import keras

        try:
            _LOSS_OK[name] = len(name) < 100 and keras.losses.get(name) is not None
        except Exception:
            _LOSS_OK[name] = False
    return _LOSS_OK[name]


# --------------------------------------------------------------------------------------
# Presets from the classic Keras examples.


def _preset_specs() -> dict[str, dict]:
    compile_cls = {
        "optimizer": "adam",
        "learning_rate": 0.001,
        "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"],
    }
    return {
        "MLP classifier": {
            "input_shape": [100],
            "layers": [
                ("Dense", {"units": 64, "activation": "relu"}),
                ("Dense", {"units": 10, "activation": "softmax"}),
            ],
            "compile": compile_cls,
        },
        "Small CNN (28x28x1)": {
            "input_shape": [28, 28, 1],
            "layers": [
                ("Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}),
                ("MaxPooling2D", {"pool_size": [2, 2]}),
                ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "activation": "relu"}),
                ("MaxPooling2D", {"pool_size": [2, 2]}),
                ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "activation": "relu"}),
                ("Flatten", {}),
                ("Dense", {"units": 64, "activation": "relu"}),
                ("Dense", {"units": 10, "activation": "softmax"}),
            ],
            "compile": compile_cls,
        },
        "Text classifier (Embedding + LSTM)": {
            "input_shape": [200],
            "layers": [
                ("Embedding", {"input_dim": 20000, "output_dim": 128}),
                ("LSTM", {"units": 64}),
                ("Dense", {"units": 1, "activation": "sigmoid"}),
            ],
            "compile": {
                "optimizer": "adam",
                "learning_rate": 0.001,
                "loss": "binary_crossentropy",
                "metrics": ["accuracy"],
            },
        },
        # keras-io examples/vision/mnist_convnet.py
        "MNIST CNN (keras.io)": {
            "input_shape": [28, 28, 1],
            "layers": [
                ("Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}),
                ("MaxPooling2D", {"pool_size": [2, 2]}),
                ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "activation": "relu"}),
                ("MaxPooling2D", {"pool_size": [2, 2]}),
                ("Flatten", {}),
                ("Dropout", {"rate": 0.5}),
                ("Dense", {"units": 10, "activation": "softmax"}),
            ],
            "compile": {
                "optimizer": "adam",
                "loss": "categorical_crossentropy",
                "metrics": ["accuracy"],
            },
        },
        # keras-io guides/transfer_learning.py, with the base as the first layer of a
        # Sequential (weights=None here: choose "imagenet" on the card to download them).
        "VGG16 transfer learning": {
            "input_shape": [150, 150, 3],
            "layers": [
                ("RandomFlip", {"mode": "horizontal"}),
                ("RandomRotation", {"factor": 0.1}),
                ("Rescaling", {"scale": 1 / 127.5, "offset": -1.0}),
                ("VGG16", {"weights": None, "freeze": "frozen"}),
                ("GlobalAveragePooling2D", {}),
                ("Dropout", {"rate": 0.2}),
                ("Dense", {"units": 1}),
            ],
            "compile": {
                "optimizer": "adam",
                "loss": {
                    "module": "keras.losses",
                    "class_name": "BinaryCrossentropy",
                    "config": {"from_logits": True},
                    "registered_name": None,
                },
                "metrics": [
                    {
                        "module": "keras.metrics",
                        "class_name": "BinaryAccuracy",
                        "config": {},
                        "registered_name": None,
                    }
                ],
            },
        },
        "L1/L2 + Dropout + BatchNormalization": {
            "input_shape": [784],
            "layers": [
                (
                    "Dense",
                    {
                        "units": 256,
                        "activation": "relu",
                        "kernel_regularizer": {"type": "L1L2", "l1": 1e-5, "l2": 1e-4},
                    },
                ),
                ("BatchNormalization", {}),
                ("Dropout", {"rate": 0.3}),
                (
                    "Dense",
                    {
                        "units": 128,
                        "activation": "relu",
                        "kernel_regularizer": {"type": "L2", "l2": 1e-4},
                    },
                ),
                ("BatchNormalization", {}),
                ("Dropout", {"rate": 0.3}),
                ("Dense", {"units": 10, "activation": "softmax"}),
            ],
            "compile": compile_cls,
        },
    }


def presets() -> dict[str, dict]:
    """Preset name -> state dict (as ``BuilderState.to_dict()``)."""
    out = {}
    for name, spec in _preset_specs().items():
        state = BuilderState(input_shape=spec["input_shape"])
        for layer_type, config in spec["layers"]:
            state.add(layer_type, **config)
        state.set_compile(**spec["compile"])
        out[name] = state.to_dict()
    return out


# --------------------------------------------------------------------------------------


class BuilderState:
    """Input shape + layer specs + compile settings, with undo/redo and validation.

    The Python methods (``add``, ``set_arg``, ...) raise ``ValueError``/``IndexError`` for
    programming errors (unknown layer type or argument, bad index); bad *values* never
    raise, they show up in ``validate()``. ``apply_edit`` is the UI path: it never raises.
    """

    def __init__(self, input_shape: Any = None, name: str = "sequential") -> None:
        self._input_shape = _jsonable(input_shape)
        self._input: dict = {}  # Input extras: dtype, name, batch_size, sparse, ...
        self._layers: list[dict] = []  # dicts are never mutated in place (cheap snapshots)
        self._compile: dict = {}
        self._name = _jsonable(name)
        self._undo: list[tuple] = []
        self._redo: list[tuple] = []
        self._merge_key: Any = None
        self._ids = itertools.count(1)
        self._rows: dict[str, tuple] = {}  # id -> (type, config obj, input shape, row)
        self._cleaned: dict[str, tuple] = {}  # id -> (config obj, type, clean, source)
        self._report: dict | None = None

    # -- plain accessors -----------------------------------------------------------------
    @property
    def input_shape(self) -> Any:
        return copy.deepcopy(self._input_shape)

    @property
    def layers(self) -> list[dict]:
        return copy.deepcopy(self._layers)

    @property
    def compile(self) -> dict:
        return copy.deepcopy(self._compile)

    @property
    def name(self) -> Any:
        return self._name

    def __len__(self) -> int:
        return len(self._layers)

    # -- history -------------------------------------------------------------------------
    def _snapshot(self) -> tuple:
        return (
            self._input_shape,
            list(self._layers),
            dict(self._compile),
            self._name,
            dict(self._input),
        )

    def _restore(self, snap: tuple) -> None:
        # Folding a card is not an edit: undo/redo keep the cards folded as they are now.
        collapsed = {layer["id"]: layer["collapsed"] for layer in self._layers}
        self._input_shape, layers, compile_, self._name, self._input = snap
        self._layers = [
            {**layer, "collapsed": collapsed.get(layer["id"], layer["collapsed"])}
            if collapsed.get(layer["id"], layer["collapsed"]) != layer["collapsed"]
            else layer  # same dict object: validation reuses its cached row
            for layer in layers
        ]
        self._compile = dict(compile_)
        self._report = None

    def _record(self, merge_key: Any = None) -> None:
        """Push an undo snapshot (typing in one field is a single undo step)."""
        if merge_key is None or merge_key != self._merge_key:
            self._undo.append(self._snapshot())
            del self._undo[:-MAX_HISTORY]
        self._merge_key = merge_key
        self._redo.clear()
        self._report = None

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        return self._travel(self._undo, self._redo)

    def redo(self) -> bool:
        return self._travel(self._redo, self._undo)

    def _travel(self, back: list, forth: list) -> bool:
        """Restore the newest snapshot of ``back``, keeping the current state on ``forth``."""
        if not back:
            return False
        forth.append(self._snapshot())
        self._restore(back.pop())
        self._merge_key = None
        return True

    # -- edits ---------------------------------------------------------------------------
    def _new_id(self) -> str:
        used = {layer["id"] for layer in self._layers}
        while True:
            candidate = f"L{next(self._ids)}"
            if candidate not in used:
                return candidate

    def _index(self, index: Any, insert: bool = False) -> int:
        if isinstance(index, str):
            for i, layer in enumerate(self._layers):
                if layer["id"] == index:
                    return i
            raise IndexError(f"no layer with id {index!r}")
        if isinstance(index, bool) or not isinstance(index, int):
            raise IndexError("layer index must be an int or a layer id")
        n = len(self._layers) + (1 if insert else 0)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"layer index {index} out of range")
        return index

    @staticmethod
    def _check_type(layer_type: Any) -> str:
        kind = cat.kind_of_type(layer_type)
        if kind is None or kind == "nested":
            text = str(layer_type)[:60]
            raise ValueError(
                f"unknown layer type {text!r}; see keras_widgets catalog for the choices"
            )
        return layer_type

    @staticmethod
    def _check_args(layer_type: str, config: dict) -> None:
        specs = cat.arg_map(layer_type)
        unknown = sorted(k for k in config if k not in specs)
        if unknown:
            raise ValueError(
                f"{layer_type} has no argument(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(specs)}"
            )

    def add(self, type: str, index: int | None = None, **config: Any) -> str:
        """Add a layer (at the end, or before ``index``); returns its id.

        Required arguments left out get a suggested value (``Dense`` -> ``units=32``).
        """
        layer_type = self._check_type(type)
        self._check_args(layer_type, config)
        if len(self._layers) >= MAX_LAYERS:
            raise ValueError(f"at most {MAX_LAYERS} layers")
        pos = len(self._layers) if index is None else self._index(index, insert=True)
        full = {}
        for spec in cat.layer_args(layer_type):
            name = spec["name"]
            if name in config:
                full[name] = _jsonable(config[name])
            elif spec["required"] and "suggested" in spec:
                full[name] = copy.deepcopy(spec["suggested"])
        layer = {"id": self._new_id(), "type": layer_type, "config": full, "collapsed": False}
        self._record()
        self._layers.insert(pos, layer)
        return layer["id"]

    def insert(self, index: int, type: str, **config: Any) -> str:
        return self.add(type, index=index, **config)

    def remove(self, index: int | str) -> None:
        i = self._index(index)
        self._record()
        del self._layers[i]

    def move(self, i: int | str, j: int) -> None:
        src = self._index(i)
        dst = self._index(j)
        if src == dst:
            return
        self._record()
        self._layers.insert(dst, self._layers.pop(src))

    def duplicate(self, index: int | str) -> str:
        i = self._index(index)
        if len(self._layers) >= MAX_LAYERS:
            raise ValueError(f"at most {MAX_LAYERS} layers")
        source = self._layers[i]
        config = {k: v for k, v in source["config"].items() if k != "name"}  # names are unique
        layer = {"id": self._new_id(), "type": source["type"], "config": config, "collapsed": False}
        self._record()
        self._layers.insert(i + 1, layer)
        return layer["id"]

    def set_arg(self, index: int | str, name: str, value: Any) -> None:
        """Set one argument; ``None`` or ``""`` resets an optional one to its default."""
        i = self._index(index)
        layer = self._layers[i]
        known = cat.kind_of_type(layer["type"]) not in (None, "nested")
        specs = cat.arg_map(layer["type"]) if known else {}
        if name not in specs and not (known and name in layer["config"]):
            raise ValueError(f"{layer['type']} has no argument {str(name)[:60]!r}")
        config = dict(layer["config"])
        spec = specs.get(name, {})
        required = spec.get("required", False)
        # None chosen where None is a real choice other than the default (a base's
        # weights=None, default "imagenet") is kept; otherwise empty means "the default".
        none_choice = None in (spec.get("choices") or ()) and spec.get("default") is not None
        if cat._is_empty(value) and not required and not none_choice:
            config.pop(name, None)
        else:
            config[name] = _jsonable(value)
        self._record(merge_key=("arg", layer["id"], name))
        self._layers[i] = {**layer, "config": config}

    def set_collapsed(self, index: int | str, collapsed: bool = True) -> None:
        i = self._index(index)
        self._layers[i] = {**self._layers[i], "collapsed": bool(collapsed)}  # not undoable

    def set_input_shape(self, shape: Any) -> None:
        self._record(merge_key=("input_shape",))
        self._input_shape = _jsonable(shape)

    def set_input(self, **extras: Any) -> None:
        """Input settings besides the shape: ``dtype``, ``name``, ``batch_size``, ``sparse``."""
        unknown = sorted(k for k in extras if k not in _INPUT_KEYS)
        if unknown:
            raise ValueError(f"unknown Input setting(s) {unknown}; known: {sorted(_INPUT_KEYS)}")
        self._record(merge_key=("input", *sorted(extras)))
        new = dict(self._input)
        for k, v in extras.items():
            if cat._is_empty(v):
                new.pop(k, None)
            else:
                new[k] = _jsonable(v)
        self._input = new

    def set_name(self, name: Any) -> None:
        self._record(merge_key=("name",))
        self._name = _jsonable(name)

    def set_compile(self, **kw: Any) -> None:
        """Merge compile settings (optimizer, learning_rate, loss, metrics, extras)."""
        keys = cat.compile_keys()
        unknown = sorted(str(k)[:40] for k in kw if k not in keys)
        if unknown:
            raise ValueError(
                f"unknown compile setting(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(keys))}"
            )
        compile_ = dict(self._compile)
        for k, v in kw.items():
            if cat._is_empty(v) or v == []:
                compile_.pop(k, None)
            else:
                compile_[k] = _jsonable(v)
        self._record(merge_key=("compile", *sorted(kw)))
        self._compile = compile_

    def clear(self) -> None:
        self._record()
        self._layers = []

    def load_state(self, data: dict) -> None:
        """Replace the whole state by ``data`` (a ``to_dict()``) as one undoable edit."""
        self._record()
        self._load(data)

    def load_preset(self, name: str) -> None:
        state = presets().get(name)
        if state is None:
            raise ValueError(f"unknown preset {name!r}; choices: {', '.join(presets())}")
        self._record()
        self._load(state)

    # -- the UI path ---------------------------------------------------------------------
    def apply_edit(self, edit: Any) -> dict:
        """Apply one UI edit (a dict with ``op``); never raises, returns ok/error."""
        try:
            new_id = self._apply(edit)
            return {"ok": True, "error": None, "id": new_id}
        except Exception as e:  # UI input: report, never raise
            return {"ok": False, "error": str(e)[:200] or type(e).__name__, "id": None}

    def _apply(self, edit: Any) -> str | None:
        if not isinstance(edit, dict):
            raise ValueError("an edit must be an object")
        op = edit.get("op")

        def target():
            return edit["id"] if isinstance(edit.get("id"), str) else edit.get("index")

        def config():
            raw = edit.get("config") or {}
            if not isinstance(raw, dict):
                raise ValueError("config must be an object")
            return {str(k): v for k, v in raw.items()}

        if op in ("add", "insert"):
            layer_type = self._check_type(edit.get("type"))
            conf = config()
            self._check_args(layer_type, conf)
            index = edit.get("index")
            return self.add(layer_type, index=index, **conf)
        if op == "remove":
            self.remove(target())
        elif op == "move":
            src = edit["id"] if isinstance(edit.get("id"), str) else edit.get("from")
            self.move(src, edit.get("to"))
        elif op == "duplicate":
            return self.duplicate(target())
        elif op == "set_arg":
            name = edit.get("name")
            if not isinstance(name, str):
                raise ValueError("argument name must be text")
            self.set_arg(target(), name, edit.get("value"))
        elif op == "set_input_shape":
            self.set_input_shape(edit.get("shape"))
        elif op == "set_input":
            values = edit.get("values")
            if not isinstance(values, dict):
                raise ValueError("input values must be an object")
            self.set_input(**{str(k): v for k, v in values.items()})
        elif op == "set_name":
            self.set_name(edit.get("name"))
        elif op == "set_compile":
            values = edit.get("values")
            if values is None:
                values = {k: v for k, v in edit.items() if k != "op"}
            if not isinstance(values, dict):
                raise ValueError("compile values must be an object")
            self.set_compile(**{str(k): v for k, v in values.items()})
        elif op == "undo":
            self.undo()
        elif op == "redo":
            self.redo()
        elif op == "preset":
            self.load_preset(edit.get("name"))
        elif op == "collapse":
            self.set_collapsed(target(), edit.get("collapsed", True) is not False)
        elif op == "clear":
            self.clear()
        else:
            raise ValueError(f"unknown op {str(op)[:40]!r}")
        return None

    # -- serialization -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "version": 1,
            "name": self._name,
            "input_shape": copy.deepcopy(self._input_shape),
            "input": copy.deepcopy(self._input),
            "layers": copy.deepcopy(self._layers),
            "compile": copy.deepcopy(self._compile),
        }

    def view_dict(self) -> dict:
        """``to_dict()`` without copies, for the view (layer dicts are never mutated)."""
        return {
            "version": 1,
            "name": self._name,
            "input_shape": self._input_shape,
            "input": self._input,
            "layers": list(self._layers),
            "compile": self._compile,
        }

    def _load(self, data: Any) -> None:
        """Lenient load: garbage entries are dropped or kept as raw values to fix."""
        if not isinstance(data, dict):
            raise ValueError("state must be an object")
        self._input_shape = _jsonable(data.get("input_shape"))
        name = data.get("name", "sequential")
        self._name = _jsonable(name)
        compile_ = data.get("compile")
        keys = cat.compile_keys()
        self._compile = {
            str(k): _jsonable(v)
            for k, v in (compile_.items() if isinstance(compile_, dict) else ())
            if str(k) in keys
        }
        extras = data.get("input")
        self._input = {
            str(k): _jsonable(v)
            for k, v in (extras.items() if isinstance(extras, dict) else ())
            if str(k) in _INPUT_KEYS
        }
        layers = []
        used: set[str] = set()
        for item in data.get("layers") or []:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                continue
            lid = item.get("id")
            if not isinstance(lid, str) or not lid or lid in used:
                lid = None
            conf = item.get("config")
            layer = {
                "id": lid,
                "type": item["type"],
                "config": {str(k): _jsonable(v) for k, v in conf.items()}
                if isinstance(conf, dict)
                else {},
                "collapsed": bool(item.get("collapsed", False)),
            }
            if lid:
                used.add(lid)
            layers.append(layer)
        self._layers = layers
        for layer in self._layers:
            if layer["id"] is None:
                layer["id"] = self._new_id()
        self._layers = self._layers[:MAX_LAYERS]
        self._report = None

    @classmethod
    def from_dict(cls, data: dict) -> BuilderState:
        state = cls()
        state._load(data)
        return state

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kw)

    @classmethod
    def from_json(cls, text: str) -> BuilderState:
        """A state from :meth:`to_json` text; malformed input raises ValueError naming the path
        of the bad value (``$.layers[2].config``)."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise ValueError(f"$: expected JSON text, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise ValueError(f"$: not valid JSON ({e})") from None
        _check_structure(data)
        return cls.from_dict(data)

    @classmethod
    def from_model(cls, model: Any) -> BuilderState:
        """State from an existing ``keras.Sequential``, losslessly (see ``_from_model``)."""
        from keras_widgets._builder._from_model import state_from_model

        return cls.from_dict(state_from_model(model))

    # -- validation ----------------------------------------------------------------------
    def validate(self) -> dict:
        """The validation report (see the module docstring); cached until the next edit."""
        if self._report is None:
            self._report = self._validate()
        return copy.deepcopy(self._report)

    def report(self) -> dict:
        """The cached report itself (no copy; callers must not mutate it)."""
        if self._report is None:
            self._report = self._validate()
        return self._report

    def _validate(self) -> dict:
        input_error = None
        shape: tuple | None = None
        try:
            shape = cat.input_shape(self._input_shape)
        except cat.Bad as e:
            input_error = str(e)
        input_errors = _input_errors(self._input)
        if input_errors and input_error is None:
            input_error = "; ".join(f"{k}: {v}" for k, v in input_errors.items())
        rows = []
        new_rows: dict[str, tuple] = {}
        names: set[str] = set()
        for layer in self._layers:
            lid, ltype, config = layer["id"], layer["type"], layer["config"]
            prev = self._rows.get(lid)
            if prev is not None and prev[0] == ltype and prev[1] is config and prev[2] == shape:
                row = prev[3]  # unchanged spec and input: reuse without any work
            else:
                row = self._validate_layer(ltype, config, shape)
            new_rows[lid] = (ltype, config, shape, row)
            name = config.get("name")
            if isinstance(name, str) and "name" not in row["field_errors"]:
                if name.strip() in names:
                    row = {
                        **row,
                        "field_errors": {**row["field_errors"], "name": "name already used"},
                    }
                names.add(name.strip())
            rows.append({**row, "id": lid})
            shape = None if row["output_shape"] is None else tuple(row["output_shape"])
        self._rows = new_rows
        compile_errors = clean_compile(self._compile)[1]
        model_error = None
        try:
            cat.to_name(self._name if isinstance(self._name, str) else "")
        except cat.Bad as e:
            model_error = f"model name: {e}"
        total = sum(r["params"] or 0 for r in rows)
        trainable = sum(r["trainable_params"] or 0 for r in rows)
        # MACs per sample: "≥" (lower bound) once any layer cannot be counted
        macs = sum(r.get("macs") or 0 for r in rows)
        macs_partial = any(r.get("macs") is None or r.get("macs_partial") for r in rows)
        if not rows:
            model_error = "no layers yet"  # Keras cannot build an empty Sequential
        if total > MAX_PARAMS:
            model_error = f"{total:,} parameters: too large to build here"
        model_ok = (
            input_error is None
            and model_error is None
            and all(r["error"] is None and not r["field_errors"] for r in rows)
            and all(r["output_shape"] is not None for r in rows)
        )
        return {
            "layers": rows,
            "input_error": input_error,
            "total_params": total,
            "trainable_params": trainable,
            "non_trainable_params": total - trainable,
            "total_macs": macs,
            "macs_lower_bound": macs_partial,
            "compile_errors": compile_errors,
            "model_error": model_error,
            "model_code_ok": model_ok,
            "ok": model_ok and not compile_errors,
        }

    @staticmethod
    def _validate_layer(ltype: str, config: dict, shape: tuple | None) -> dict:
        row = {
            "type": ltype,
            "output_shape": None,
            "params": None,
            "trainable_params": None,
            "macs": None,
            "macs_partial": False,
            "error": None,
            "field_errors": {},
        }
        kind = cat.kind_of_type(ltype)
        if kind is None:
            row["error"] = "unknown layer type"
            return row
        if kind == "nested":
            if not cat.is_object_config(config.get("model")):
                row["error"] = "nested model without its config"
                return row
            clean, errors = {"model": config["model"], **config}, {}
        else:
            clean, errors = clean_config(ltype, config)
        row["field_errors"] = errors
        if errors:
            row["error"] = "invalid " + ", ".join(sorted(errors))
            return row
        if shape is None:
            return row  # waiting for a valid input shape / the layer above
        row.update(infer(ltype, clean, shape))
        return row

    # -- outputs -------------------------------------------------------------------------
    def _clean_layer(self, layer: dict) -> tuple[dict, str | Exception]:
        """Clean config and source of one layer, cached while its config object is the same
        (configs are never mutated in place, so identity means "unchanged")."""
        hit = self._cleaned.get(layer["id"])
        if hit is not None and hit[0] is layer["config"] and hit[1] == layer["type"]:
            return hit[2], hit[3]
        ltype = layer["type"]
        if cat.kind_of_type(ltype) == "nested":
            clean = dict(layer["config"])
        else:
            clean, _ = clean_config(ltype, layer["config"])
        src: str | Exception
        try:
            src = "" if cat.kind_of_type(ltype) == "app" else gen.layer_src(ltype, clean)
        except gen.Unrepresentable as e:
            src = e
        self._cleaned[layer["id"]] = (layer["config"], ltype, clean, src)
        return clean, src

    def _clean_parts(self):
        try:
            shape = cat.input_shape(self._input_shape)
        except cat.Bad:
            shape = None
        layers, shapes, srcs = [], [], []
        rows = self.report()["layers"]
        current = shape
        for layer, row in zip(self._layers, rows, strict=True):
            if cat.kind_of_type(layer["type"]) is None:
                continue
            clean, src = self._clean_layer(layer)
            layers.append((layer["type"], clean))
            srcs.append(src)
            shapes.append(current)
            current = None if row["output_shape"] is None else tuple(row["output_shape"])
        if len(self._cleaned) > 2 * len(self._layers) + 16:
            ids = {layer["id"] for layer in self._layers}
            self._cleaned = {k: v for k, v in self._cleaned.items() if k in ids}
        try:
            name = cat.to_name(self._name if isinstance(self._name, str) else "")
        except cat.Bad:
            name = "sequential"
        input_extra = {k: v for k, v in self._input.items() if k not in _input_errors(self._input)}
        compile_ = clean_compile(self._compile)[0]
        return shape, layers, compile_, name, input_extra, shapes, srcs

    def inside(self, index: int | str) -> dict:
        """What is inside a pretrained base or nested block: its summary rows (name, class,
        output shape, params, MACs) and a layer-graph picture (SVG). Built like validation
        does: ``weights=None``, variables declared but not allocated, nothing downloaded."""
        i = self._index(index)
        layer = self._layers[i]
        kind = cat.kind_of_type(layer["type"])
        if kind not in ("app", "nested"):
            raise ValueError(f"layer {i + 1} ({layer['type']}) is not a pretrained base or a model")
        report = self.report()
        if report["layers"][i]["output_shape"] is None:
            raise ValueError(f"layer {i + 1} is not valid yet: {report['layers'][i]['error']}")
        shape = (
            cat.input_shape(self._input_shape)
            if i == 0
            else tuple(report["layers"][i - 1]["output_shape"])
        )
        clean, _ = self._clean_layer(layer)
        with _deferred_variables():
            if kind == "app":
                model = gen.make_app(layer["type"], {**clean, "weights": None}, tuple(shape))
            else:
                model = gen.make_nested(clean)
        from keras_widgets._graph._data import graph_data
        from keras_widgets._graph._static import fallback_svg, format_shape
        from keras_widgets._summary import summary_data

        data = summary_data(model)
        rows = [
            [
                r.name,
                r.class_name,
                format_shape(r.output_shapes[0] if r.output_shapes else None),
                r.params,
                r.macs,
            ]
            for r in data.rows
            if r.depth == 0
        ]
        t = data.totals
        return {
            "name": model.name,
            "rows": rows,
            "total_params": t.total_params,
            "trainable_params": t.trainable_params,
            "macs": t.macs,
            "svg": fallback_svg(graph_data(model), set(), True),
        }

    def to_code(self) -> str:
        """Python source that rebuilds (and compiles) the model; invalid values are left out.

        Raises ValueError listing every layer that cannot be written as code."""
        shape, layers, compile_, name, extra, shapes, srcs = self._clean_parts()
        problems = [
            f"layer {i} ({t}): {src}"
            for i, ((t, _), src) in enumerate(zip(layers, srcs, strict=True))
            if isinstance(src, Exception)
        ]
        if problems:
            raise ValueError("cannot write this model as code:\n" + "\n".join(problems))
        code = gen.model_src(shape, layers, name, compile_, extra, shapes, srcs)
        if not self.report()["ok"]:
            code = (
                "# NOTE: the builder reports errors; this code leaves out invalid values.\n" + code
            )
        return code

    def build_model(self):
        """A fresh ``keras.Sequential`` (compiled when compile settings exist)."""
        import keras

        report = self.validate()
        if not report["ok"]:
            raise ValueError("cannot build the model: " + "; ".join(_errors(report)))
        shape, layers, compile_, name, extra, shapes, _ = self._clean_parts()
        built = []
        for (t, c), in_shape in zip(layers, shapes, strict=True):
            if cat.kind_of_type(t) == "app":
                built.append(gen.make_app(t, c, input_shape=in_shape))
            else:
                built.append(gen.make_layer(t, c))
        model = keras.Sequential([keras.Input(shape=shape, **extra), *built], name=name)
        if compile_:
            model.compile(**gen.compile_kwargs(compile_))
        return model


_INPUT_KEYS = frozenset({"dtype", "name", "batch_size", "sparse", "ragged", "optional"})


def _input_errors(extras: dict) -> dict:
    errors = {}
    for key, value in extras.items():
        try:
            if key == "name":
                cat.to_name(value if isinstance(value, str) else "")
            elif key == "batch_size":
                cat.to_int(value, lo=1)
            elif key == "dtype":
                if not isinstance(value, str) or not re.fullmatch(r"[a-z]+[0-9]*", value):
                    raise cat.Bad("expected a dtype name such as 'int32'")
            elif not isinstance(value, bool):
                raise cat.Bad("expected true or false")
        except cat.Bad as e:
            errors[key] = str(e)
    return errors


def _check_structure(data: Any) -> None:
    """ValueError naming the path of the first malformed value of a state dict."""

    def bad(path: str, what: str, value: Any) -> ValueError:
        return ValueError(f"{path}: expected {what}, got {type(value).__name__}")

    if not isinstance(data, dict):
        raise bad("$", "an object", data)
    for key, kinds, what in (
        ("input", (dict,), "an object"),
        ("compile", (dict,), "an object"),
        ("layers", (list,), "a list"),
    ):
        if key in data and not isinstance(data[key], kinds):
            raise bad(f"$.{key}", what, data[key])
    if len(data.get("layers") or []) > MAX_LAYERS:
        raise ValueError(f"$.layers: at most {MAX_LAYERS} layers")
    for i, item in enumerate(data.get("layers") or []):
        path = f"$.layers[{i}]"
        if not isinstance(item, dict):
            raise bad(path, "an object", item)
        if not isinstance(item.get("type"), str):
            raise bad(f"{path}.type", "text", item.get("type"))
        if not cat.is_known_type(item["type"]):
            raise ValueError(f"{path}.type: unknown layer type {item['type'][:60]!r}")
        if "config" in item and not isinstance(item["config"], dict):
            raise bad(f"{path}.config", "an object", item["config"])
        if "id" in item and not isinstance(item["id"], str):
            raise bad(f"{path}.id", "text", item["id"])
    metrics = (data.get("compile") or {}).get("metrics")
    if metrics is not None and not isinstance(metrics, list):
        raise bad("$.compile.metrics", "a list", metrics)


def _errors(report: dict) -> list[str]:
    out = []
    if report["input_error"]:
        out.append(f"input shape: {report['input_error']}")
    if report["model_error"]:
        out.append(report["model_error"])
    for i, row in enumerate(report["layers"]):
        for field, msg in row["field_errors"].items():
            out.append(f"layer {i} ({row['type']}) {field}: {msg}")
        if row["error"] and not row["field_errors"]:
            out.append(f"layer {i} ({row['type']}): {row['error']}")
    out.extend(f"compile {k}: {v}" for k, v in report["compile_errors"].items())
    return out or ["unknown error"]
