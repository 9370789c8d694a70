"""Search spaces in the Sequential builder: which fields can be tuned, what a tuned field
validates as, the parameter range, the ``build_model(hp)`` script and the best values.

A tuned field holds its space as JSON in the builder state (``{"tune": "int", "min": 32,
...}``), so undo/redo, JSON round trips and UI edits need nothing new. For live shapes the
builder validates the space's first value (``min`` or the first choice) through
``VALUE_HOOKS``; :func:`params_range` validates the corners of the numeric spaces.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from keras_widgets._builder import _catalog as cat
from keras_widgets._tune._space import Choice, Float, from_json, is_space, is_space_json

TUNABLE = ("int", "float", "choice", "activation", "initializer", "int_or_tuple", "bool")
MAX_CORNERS = 64  # numeric spaces beyond log2(64) = 6 are evaluated at all-min and all-max


def to_json_value(value: Any) -> Any:
    """A space object from Python -> its JSON; anything else unchanged."""
    return value.to_json() if is_space(value) else value


def check_space(spec: dict, space: Any) -> Any:
    """Raise ValueError unless ``space`` fits the field ``spec``; return its first value, clean."""
    kind, name = spec["kind"], spec["name"]
    if kind not in TUNABLE:
        raise ValueError(f"{name} cannot be tuned (only numeric and choice fields can)")
    if kind in ("int", "int_or_tuple") and isinstance(space, Float):
        raise ValueError(f"{name} takes whole numbers: use kw.tune.Int")
    if kind in ("choice", "activation", "initializer", "bool") and not isinstance(space, Choice):
        raise ValueError(f"{name} is a choice: use kw.tune.Choice")
    values = list(space.values) if isinstance(space, Choice) else list(space.bounds())
    for v in values:
        try:
            cat.coerce(spec, v)
        except ValueError as e:
            raise ValueError(f"{name}: {v!r} is not allowed ({e})") from None
    return cat.coerce(spec, space.default)


def coerce_hook(spec: dict, raw: Any) -> Any:
    """``catalog.VALUE_HOOKS`` entry: a tuned field validates as its first value."""
    if not is_space_json(raw):
        return NotImplemented
    try:
        space = from_json(raw)
        return check_space(spec, space)
    except ValueError as e:
        raise cat.Bad(str(e)) from None


if coerce_hook not in cat.VALUE_HOOKS:
    cat.VALUE_HOOKS.append(coerce_hook)

LR_SPEC = {"name": "learning_rate", "kind": "float", "optional": False, "choices": None}


def check_learning_rate(raw: Any) -> float:
    space = from_json(raw)
    values = space.values if isinstance(space, Choice) else list(space.bounds())
    for v in values:
        cat.to_float(v, lo=0.0, lo_open=True, hi=10.0)
    return float(space.default)


def check_optimizer(raw: Any) -> str:
    space = from_json(raw)
    if not isinstance(space, Choice):
        raise ValueError("optimizer is a choice: use kw.tune.Choice")
    known = cat.optimizers()
    keys = []
    for v in space.values:
        key = v.strip().lower() if isinstance(v, str) else None
        if key not in known:
            raise ValueError(f"unknown optimizer {v!r}")
        keys.append(key)
    return keys[0]


def compile_spec(key: str, optimizer: str | None) -> dict | None:
    if key == "learning_rate":
        return LR_SPEC
    if key == "optimizer":
        return {"name": "optimizer", "kind": "choice", "optional": False, "choices": None}
    if optimizer and optimizer in cat.optimizers():
        return cat.optimizer_arg_map(optimizer).get(key)
    return None


def check_compile_value(key: str, value: Any, optimizer: Any) -> None:
    """ValueError if a compile setting cannot hold this space (Python path)."""
    if not is_space(value):
        return
    data = value.to_json()
    if key == "optimizer":
        check_optimizer(data)
        return
    if key == "learning_rate":
        check_learning_rate(data)
        return
    first = optimizer
    if is_space_json(optimizer):
        first = from_json(optimizer).default
    elif is_space(optimizer):
        first = optimizer.default
    spec = compile_spec(key, str(first).strip().lower() if isinstance(first, str) else "adam")
    if spec is None:
        raise ValueError(f"{key} cannot be tuned")
    check_space(spec, value)


def check_layer_value(layer_type: str, name: str, value: Any) -> None:
    """ValueError if the argument ``name`` of ``layer_type`` cannot hold this space."""
    if not is_space(value):
        return
    spec = cat.arg_map(layer_type).get(name)
    if spec is None:
        raise ValueError(f"{layer_type} has no argument {name!r}")
    check_space(spec, value)


# -- reading a state ------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "layer"


def tuned_fields(state: dict) -> list[dict]:
    """Every tuned field of a state dict: {"name" (the hp name), "where", "layer", "arg",
    "space"}; ``where`` is "layer" (``layer`` = its id, ``index``) or "compile"."""
    out = []
    for i, layer in enumerate(state.get("layers") or []):
        for arg, raw in (layer.get("config") or {}).items():
            if is_space_json(raw):
                try:
                    space = from_json(raw)
                except ValueError:
                    continue  # a field error in the view already
                label = layer["config"].get("name")
                base = _slug(label) if isinstance(label, str) else f"{_slug(layer['type'])}_{i}"
                out.append(
                    {
                        "name": f"{base}_{arg}",
                        "where": "layer",
                        "layer": layer.get("id"),
                        "index": i,
                        "arg": arg,
                        "space": space,
                    }
                )
    for key, raw in (state.get("compile") or {}).items():
        if is_space_json(raw):
            try:
                space = from_json(raw)
            except ValueError:
                continue
            out.append({"name": key, "where": "compile", "arg": key, "space": space})
    return out


def substitute(state: dict, values: dict[str, Any]) -> dict:
    """A copy of ``state`` with each tuned field set to ``values[hp name]``."""
    fields = {(f["where"], f.get("index"), f["arg"]): f["name"] for f in tuned_fields(state)}
    layers = []
    for i, layer in enumerate(state.get("layers") or []):
        config = dict(layer.get("config") or {})
        for arg in list(config):
            name = fields.get(("layer", i, arg))
            if name is not None:
                config[arg] = values[name]
        layers.append({**layer, "config": config})
    compile_ = dict(state.get("compile") or {})
    for key in list(compile_):
        name = fields.get(("compile", None, key))
        if name is not None:
            compile_[key] = values[name]
    return {**state, "layers": layers, "compile": compile_}


def params_range(state_dict: dict, state_cls: Any) -> list[int] | None:
    """[smallest, largest] total parameter count over the corners of the numeric spaces
    (None when no field is tuned or no corner validates)."""
    fields = tuned_fields(state_dict)
    if not fields:
        return None
    numeric = []
    for f in fields:
        lo, hi = f["space"].bounds()
        if isinstance(lo, (int, float)) and not isinstance(lo, bool) and lo != hi:
            numeric.append(f)
    base = {f["name"]: f["space"].default for f in fields}
    if 2 ** len(numeric) <= MAX_CORNERS:
        corners = itertools.product(*[f["space"].bounds() for f in numeric])
    else:
        corners = iter(
            [
                tuple(f["space"].bounds()[0] for f in numeric),
                tuple(f["space"].bounds()[1] for f in numeric),
            ]
        )
    counts = []
    for corner in corners:
        values = {**base, **{f["name"]: v for f, v in zip(numeric, corner, strict=True)}}
        report = state_cls.from_dict(substitute(state_dict, values)).validate()
        if report.get("model_code_ok", report.get("ok")) and report.get("total_params") is not None:
            counts.append(int(report["total_params"]))
    return [min(counts), max(counts)] if counts else None


# -- code -----------------------------------------------------------------------------------
def _token(i: int) -> str:
    return f"__kw_hp_{i}__"


def hypermodel_src(state: Any, settings: dict) -> str:
    """``def build_model(hp): ...`` for a builder state with tuned fields, plus the tuner."""
    from keras_widgets._builder import _codegen as gen

    data = state.to_dict()
    fields = tuned_fields(data)
    tokens: dict[str, str] = {}
    # the script is written from a state whose tuned fields hold placeholder values
    concrete = type(state).from_dict(data)
    parts = concrete._clean_parts()
    shape, layers, compile_, name, extra, shapes = parts[:6]
    srcs = list(parts[6]) if len(parts) > 6 else None  # per-layer source, when cached
    kinds = [cat.kind_of_type(layer["type"]) for layer in data["layers"]]
    positions = [i for i, k in enumerate(kinds) if k is not None]
    opt_field = None
    for n, f in enumerate(fields):
        token = _token(n)
        tokens[token] = f["space"].code(f["name"])
        if f["where"] == "layer":
            j = positions.index(f["index"])
            t, c = layers[j]
            layers[j] = (t, {**c, f["arg"]: token})  # a copy: cleaned configs may be cached
        elif f["arg"] == "optimizer":
            opt_field = f
        else:
            compile_[f["arg"]] = token
    if srcs is not None:  # layers holding a placeholder are written again
        for f in fields:
            if f["where"] == "layer":
                j = positions.index(f["index"])
                srcs[j] = gen.layer_src(*layers[j])
    src = gen.model_src(shape, layers, name, compile_, extra, shapes, *([srcs] if srcs else []))
    lines = src.rstrip("\n").split("\n")
    head_end = lines.index("model = keras.Sequential(")
    head, body = lines[:head_end], lines[head_end:]
    if opt_field is not None:
        body = _tuned_optimizer(body, opt_field, compile_)
    s = settings
    tuner_cls = {
        "random": "RandomSearch",
        "bayesian": "BayesianOptimization",
        "hyperband": "Hyperband",
    }[s.get("tuner", "random")]
    trials = (
        f"max_epochs={s.get('epochs', 1)!r}"
        if s.get("tuner") == "hyperband"
        else f"max_trials={s.get('max_trials', 10)!r}"
    )
    directory = s.get("directory")
    fit = dict(s.get("fit") or ({} if s.get("validation_data") else {"validation_split": 0.2}))
    fit.setdefault("epochs", s.get("epochs", 1))
    fit_args = ", ".join(f"{k}={v!r}" for k, v in fit.items())
    if s.get("validation_data"):  # the arrays themselves are not code: name them
        fit_args += ", validation_data=validation_data"
    out = [
        "import tempfile",
        "",
        "import keras",
        "import keras_tuner",
        *[ln for ln in head if ln not in ("import keras",)],
        "",
        "",
        "def build_model(hp):",
        *[("    " + ln) if ln else "" for ln in body],
        "    return model",
        "",
        "",
        f"tuner = keras_tuner.{tuner_cls}(",
        "    build_model,",
        f"    objective={s.get('objective', 'val_loss')!r},",
        f"    {trials},",
        f"    seed={s.get('seed')!r},",
        f"    max_consecutive_failed_trials={s.get('max_consecutive_failed_trials', 3)!r},",
        "    directory="
        + (repr(directory) if directory else 'tempfile.mkdtemp(prefix="kw-tune-")')
        + ",",
        f"    project_name={s.get('project_name', 'kw_tune')!r},",
        "    overwrite=True,",
        ")",
        "# x, y: your training data"
        + (", validation_data: (x_val, y_val)" if s.get("validation_data") else ""),
        f"tuner.search(x, y, {fit_args})",
        "best_hp = tuner.get_best_hyperparameters(1)[0]",
        "model = tuner.get_best_models(1)[0]",
    ]
    text = "\n".join(out) + "\n"
    for token, code in tokens.items():
        text = text.replace(repr(token), code)
    # a blank line doubled by an empty head is harmless; keep the file tidy anyway
    return re.sub(r"\n{4,}", "\n\n\n", text)


def _tuned_optimizer(body: list[str], field: dict, compile_: dict) -> list[str]:
    """Replace ``optimizer=keras.optimizers.X(...)`` by a class picked by ``hp.Choice``."""
    from keras_widgets._builder import _codegen as gen

    space = field["space"]
    known = cat.optimizers()
    classes = ", ".join(
        f"{v.strip().lower()!r}: keras.optimizers.{known[v.strip().lower()][0]}"
        for v in space.values
    )
    shared = dict(gen.optimizer_args(compile_))
    lr = shared.pop("learning_rate", None)
    per: dict[str, dict] = {}
    for v in space.values:
        key = v.strip().lower()
        accepted = cat.optimizer_arg_map(key)
        per[key] = {k: val for k, val in shared.items() if k in accepted}
    pre = [f"optimizer_name = {space.code(field['name'])}"]
    args = []
    if lr is not None:
        args.append(f"learning_rate={gen._literal(lr)}")
    if any(per.values()):
        pre.append(f"optimizer_args = {per!r}[optimizer_name]")
        args.append("**optimizer_args")
    pre.append(f"optimizer = {{{classes}}}[optimizer_name]({', '.join(args)})")
    out = []
    for ln in body:
        if ln.startswith("model.compile("):
            out += pre
        if ln.startswith("    optimizer="):
            ln = "    optimizer=optimizer,"
        out.append(ln)
    return out


def hypermodel(state: Any, settings: dict) -> Any:
    """The ``build_model(hp)`` function of :func:`hypermodel_src`, ready for KerasTuner."""
    src = hypermodel_src(state, settings)
    model_part = src.split("\ntuner = keras_tuner.")[0]
    namespace: dict[str, Any] = {}
    exec(compile(model_part, "<kw.tune build_model>", "exec"), namespace)  # our own source
    return namespace["build_model"]
