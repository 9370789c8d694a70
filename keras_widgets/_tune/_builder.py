"""Search spaces in the Sequential builder: which fields can be tuned, what a tuned field
validates as, the ranges of params and shapes, the ``build_model(hp)`` script and the best
values.

A tuned field holds its space as JSON in the builder state (``{"tune": "int", "min": 32,
...}``), so undo/redo, JSON round trips and UI edits need nothing new. For live shapes the
builder validates the space's first value (``min`` or the first choice) through
``VALUE_HOOKS``; :func:`ranges` validates the combinations of the spaces' extremes.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from keras_widgets._builder import _catalog as cat
from keras_widgets._tune._space import Choice, Float, from_json, is_space, is_space_json

# Field kinds (catalog arg specs) that can hold a search space; the catalog marks each spec
# ``tunable`` from this list, so the view offers a "tune" toggle exactly where Python accepts one.
TUNABLE = ("int", "float", "choice", "activation", "initializer", "int_or_tuple", "bool", "dtype")
# Kinds whose value never changes a layer's output shape or parameter count.
_SHAPELESS = ("activation", "initializer")
MAX_CORNERS = 64  # more combinations than this: only all-smallest and all-largest are built


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
    if kind in ("choice", "activation", "initializer", "bool", "dtype") and not isinstance(
        space, Choice
    ):
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


def optimizer_keys(raw: Any) -> list[str]:
    """The optimizer keys a compile ``optimizer`` value names: one, several for a
    ``kw.tune.Choice`` (JSON or object), none when unknown or unset."""
    if is_space(raw):
        raw = raw.to_json()
    if is_space_json(raw):
        try:
            space = from_json(raw)
        except ValueError:
            return []
        values = space.values if isinstance(space, Choice) else []
    else:
        values = [raw]
    known = cat.optimizers()
    keys = [v.strip().lower() for v in values if isinstance(v, str)]
    return [k for i, k in enumerate(keys) if k in known and k not in keys[:i]]


def optimizer_specs(keys: list[str]) -> dict[str, dict]:
    """Argument specs accepted by any of these optimizers (a tuned optimizer may pick any),
    each with ``for``: the optimizers that accept it."""
    out: dict[str, dict] = {}
    for key in keys:
        for name, spec in cat.optimizer_arg_map(key).items():
            if name not in out:
                out[name] = {**spec, "for": []}
            out[name]["for"].append(key)
    return out


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
    keys = optimizer_keys("adam" if optimizer is None else optimizer)
    spec = optimizer_specs(keys).get(key)
    if spec is None:
        named = " or ".join(keys) or "this optimizer"
        raise ValueError(f"{key} cannot be tuned: it is not an argument of {named}")
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
    "space"}; ``where`` is "layer" (``layer`` = its id, ``index``) or "compile".

    Names are unique: a compile setting keeps its own (``learning_rate``); a layer field is
    ``<layer name>_<arg>``, with ``_2``, ``_3``... where that is taken (a layer named
    "learning" tuning ``rate``, or two names that slug alike), so no two fields share a
    hyperparameter."""
    compile_fields = []
    for key, raw in (state.get("compile") or {}).items():
        if is_space_json(raw):
            try:
                space = from_json(raw)
            except ValueError:
                continue
            compile_fields.append({"name": key, "where": "compile", "arg": key, "space": space})
    used = {f["name"] for f in compile_fields}
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
                name, n = f"{base}_{arg}", 1
                while name in used:
                    n += 1
                    name = f"{base}_{arg}_{n}"
                used.add(name)
                out.append(
                    {
                        "name": name,
                        "where": "layer",
                        "layer": layer.get("id"),
                        "index": i,
                        "arg": arg,
                        "space": space,
                    }
                )
    return out + compile_fields


def substitute(state: dict, values: dict[str, Any]) -> dict:
    """A copy of ``state`` with each tuned field set to ``values[hp name]``; a compile
    setting without a value (an argument the picked optimizer does not take) is removed."""
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
            if values.get(name) is None:
                del compile_[key]
            else:
                compile_[key] = values[name]
    return {**state, "layers": layers, "compile": compile_}


def _combinations(state_dict: dict, fields: list[dict]) -> tuple[list[dict], list]:
    """The fields that may change shapes or params, and the value tuples to build for them:
    every combination of their extremes (a range's min and max, every value of a choice)
    while there are at most ``MAX_CORNERS``, else all-smallest and all-largest."""
    layers = state_dict.get("layers") or []
    dims, varied = [], []
    for f in fields:
        if f["where"] != "layer":
            continue  # compile settings change neither shapes nor params
        spec = cat.arg_map(layers[f["index"]]["type"]).get(f["arg"]) or {}
        if spec.get("kind") in _SHAPELESS:
            continue
        space = f["space"]
        values = list(space.values) if isinstance(space, Choice) else list(space.bounds())
        values = [v for i, v in enumerate(values) if v not in values[:i]]
        if len(values) > 1:
            varied.append(f)
            dims.append(values)
    count = 1
    for d in dims:
        count *= len(d)
    if count <= MAX_CORNERS:
        return varied, list(itertools.product(*dims))
    numeric = [isinstance(d[0], (int, float)) and not isinstance(d[0], bool) for d in dims]
    low = tuple(min(d) if n else d[0] for d, n in zip(dims, numeric, strict=True))
    high = tuple(max(d) if n else d[-1] for d, n in zip(dims, numeric, strict=True))
    return varied, [low, high]


def _span(values: list) -> list | None:
    return [min(values), max(values)] if values else None


def ranges(state_dict: dict, state_cls: Any) -> dict | None:
    """What the tuned fields make of the model, over the combinations of their extremes:
    ``{"params_range": [smallest, largest] total, "layers": {layer id: {"params_range":
    [lo, hi], "shape_range": [[lo, hi] per output dimension, or None for the batch]}}}``.
    None when no field is tuned. A combination that does not validate is left out."""
    fields = tuned_fields(state_dict)
    if not fields:
        return None
    varied, combos = _combinations(state_dict, fields)
    base = {f["name"]: f["space"].default for f in fields}
    totals: list[int] = []
    params: dict[str, list[int]] = {}
    shapes: dict[str, list[tuple]] = {}
    for combo in combos:
        values = {**base, **{f["name"]: v for f, v in zip(varied, combo, strict=True)}}
        report = state_cls.from_dict(substitute(state_dict, values)).validate()
        if report.get("model_code_ok") and report.get("total_params") is not None:
            totals.append(int(report["total_params"]))
        for row in report["layers"]:
            if row.get("params") is not None:
                params.setdefault(row["id"], []).append(int(row["params"]))
            if row.get("output_shape") is not None:
                shapes.setdefault(row["id"], []).append(tuple(row["output_shape"]))
    layers = {}
    for lid in params.keys() | shapes.keys():
        dims = None
        seen = shapes.get(lid, [])
        if seen and len({len(s) for s in seen}) == 1:
            dims = [_span([s[i] for s in seen]) if None not in [s[i] for s in seen] else None
                    for i in range(len(seen[0]))]  # fmt: skip
        layers[lid] = {"params_range": _span(params.get(lid, [])), "shape_range": dims}
    return {"params_range": _span(totals), "layers": layers}


def params_range(state_dict: dict, state_cls: Any) -> list[int] | None:
    """[smallest, largest] total parameter count over the tuned ranges (see :func:`ranges`)."""
    out = ranges(state_dict, state_cls)
    return None if out is None else out["params_range"]


def with_ranges(report: dict, state_dict: dict, state_cls: Any) -> dict:
    """A copy of a validation report with the tuned ranges: ``params_range`` for the total and
    ``params_range``/``shape_range`` on each layer row (unchanged when nothing is tuned)."""
    out = ranges(state_dict, state_cls)
    if out is None:
        return report
    rows = [{**row, **out["layers"].get(row.get("id"), {})} for row in report["layers"]]
    return {**report, "layers": rows, "params_range": out["params_range"]}


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
    """Replace ``optimizer=keras.optimizers.X(...)`` by a class picked by ``hp.Choice``.

    Each optimizer gets only its own arguments. A tuned argument that every choice takes is
    declared once; one that only some take is declared in ``hp.conditional_scope`` (inactive,
    so absent from the trial's values, when another optimizer is picked)."""
    from keras_widgets._builder import _codegen as gen

    space = field["space"]
    keys = optimizer_keys(space.to_json())
    known = cat.optimizers()
    specs = optimizer_specs(keys)
    names = [n for n in ("learning_rate", *specs) if n in compile_]
    tuned = {
        n for n in names if isinstance(compile_[n], str) and compile_[n].startswith("__kw_hp_")
    }
    pre = [f"optimizer_name = {space.code(field['name'])}"]
    shared = {n for n in tuned if n == "learning_rate" or len(specs[n]["for"]) == len(keys)}
    pre += [f"{n} = {compile_[n]!r}" for n in names if n in shared]
    for i, key in enumerate(keys):
        test = "else:" if i == len(keys) - 1 and i else f"if optimizer_name == {key!r}:"
        pre.append(test if i == 0 or test == "else:" else "el" + test)
        if test == "else:":
            pre[-1] += f"  # {key!r}"
        args = []
        for n in names:
            if n != "learning_rate" and key not in specs[n]["for"]:
                continue
            if n in shared:
                args.append(f"{n}={n}")
            elif n in tuned:
                pre.append(
                    f"    with hp.conditional_scope({field['name']!r}, {specs[n]['for']!r}):"
                )
                pre.append(f"        {n} = {compile_[n]!r}")
                args.append(f"{n}={n}")
            else:
                args.append(f"{n}={gen._literal(compile_[n])}")
        pre.append(f"    optimizer = keras.optimizers.{known[key][0]}({', '.join(args)})")
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
