"""``SequentialBuilder``: the user-facing object and its anywidget view.

A thin shell over ``BuilderState`` (``_core``): Python calls and UI edits both go through the
state, then ``_sync`` pushes the state, its validation report and the generated code to the
view. The view sends UI-level edits as custom messages ``{"type": "edit", "edit": {...}}``,
applied with ``BuilderState.apply_edit`` (which never raises).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import traitlets

from keras_widgets._builder import _catalog as _catalog_mod
from keras_widgets._builder import _core, _static
from keras_widgets._display import Shown
from keras_widgets._widget import STATIC, BaseWidget, bundle


def _catalog() -> dict:
    return _catalog_mod.catalog()


def _presets() -> dict:
    return _core.presets()


class BuilderView(BaseWidget):
    """The anywidget front-end of a :class:`SequentialBuilder` (created on first display)."""

    _esm = bundle("builder")
    _css = STATIC / "builder.css"

    # State and report travel as JSON text: ipywidgets walks dict traits looking for binary
    # buffers on every sync, which costs more than the edit itself on a 500-layer stack.
    state_json = traitlets.Unicode("{}").tag(sync=True)
    report_json = traitlets.Unicode("{}").tag(sync=True)
    # Not synced: 74 KB that a saved notebook would keep per builder. The view gets it as a
    # data library, sent once per page (keras_widgets._widget.data_library).
    catalog = traitlets.Dict()
    _kw_data_traits = {"catalog": "builder-catalog"}
    presets = traitlets.List(traitlets.Unicode()).tag(sync=True)
    code = traitlets.Unicode("").tag(sync=True)
    can_undo = traitlets.Bool(False).tag(sync=True)
    can_redo = traitlets.Bool(False).tag(sync=True)

    @property
    def state(self) -> dict:
        """The synced state (parsed)."""
        return json.loads(self.state_json)

    @property
    def report(self) -> dict:
        """The synced validation report (parsed)."""
        return json.loads(self.report_json)


class SequentialBuilder(Shown):
    """Build a ``keras.Sequential`` model by hand, from Python or in the notebook UI.

    >>> b = SequentialBuilder(input_shape=(28, 28, 1))
    >>> b.add("Conv2D", filters=8, kernel_size=3, activation="relu")
    >>> b.add("Flatten"); b.add("Dense", units=10, activation="softmax")
    >>> [spec["type"] for spec in b.layers]
    ['Conv2D', 'Flatten', 'Dense']

    Display ``b`` in a notebook for the interactive view; every edit made there is visible
    from Python (``b.layers``) and vice versa. ``b.model`` builds a fresh compiled model.
    """

    def __init__(self, input_shape: Any = None, *, name: str | None = None) -> None:
        self._state = _core.BuilderState(_shape(input_shape), name=name or "sequential")
        self._view: BuilderView | None = None
        self._static_id: str | None = None  # display id of the static picture, once shown
        self._code: tuple[Any, str] | None = None  # (report object, code) of the last sync
        self._ranged: tuple[Any, dict] | None = None  # (report object, report with ranges)
        self.last_error: str | None = None  # the reason of the last rejected UI edit

    # ---- display -------------------------------------------------------------------------
    @property
    def widget(self) -> BuilderView:
        """The ipywidget showing this builder (created on first use, then reused)."""
        if self._view is None:
            view = BuilderView(catalog=_catalog(), presets=list(_presets()))
            view.on_msg(self._on_msg)
            self._view = view
            self._sync()
        return self._view

    def _display_text(self) -> str:
        return repr(self)  # what a saved notebook shows without the widget

    def _ipython_display_(self) -> None:
        import uuid

        from keras_widgets import _display

        # The static picture below keeps up with edits (see _sync), for saved notebooks.
        self._static_id = f"kw-builder-static-{uuid.uuid4().hex}"
        _display.show(
            self.widget, self._display_text(), self._static_bundle(), static_id=self._static_id
        )

    def _static_bundle(self) -> dict:
        """``text/html`` + ``text/plain`` picture of the builder (see ``_static``), shown
        below the widget and hidden where the live view renders (keras_widgets._display)."""
        from keras_widgets import _display

        state, report = self._state.view_dict(), self._state.report()
        return _display.static_bundle(
            self.widget,
            _static.static_html(state, report, self._current_code()),
            _static.static_text(state, report),
        )

    def static_bundle(self) -> dict:
        """The builder's static picture (``text/html`` + ``text/plain``)."""
        return self._static_bundle()

    def __repr__(self) -> str:
        types = ", ".join(spec["type"] for spec in self._state.layers)
        return f"SequentialBuilder(input_shape={self.input_shape!r}, layers=[{types}])"

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        if isinstance(content, dict) and content.get("type") == "inside":
            self._send_inside(content.get("id"))
            return
        if not (isinstance(content, dict) and content.get("type") == "edit"):
            return
        edit = content.get("edit")
        if not isinstance(edit, dict):
            self._reject("an edit must be an object", None)
            return
        result = self._state.apply_edit(edit)
        if result["ok"]:
            self.last_error = None
            self._sync()
        else:
            # Nothing changed: say why, without validating, generating code or syncing.
            self._reject(result["error"], edit.get("op"))

    def _send_inside(self, layer_id: Any) -> None:
        """A base's or nested block's summary rows and graph picture, asked for by its card."""
        import base64

        from keras_widgets._graph._static import safe_svg

        try:
            inside = self._state.inside(layer_id if isinstance(layer_id, str) else "")
            svg = safe_svg(inside.pop("svg"))
            # an <img> data URI: the view never parses markup it is sent
            inside["picture"] = (
                None
                if svg is None
                else "data:image/svg+xml;base64,"
                + base64.b64encode(svg.encode("utf-8")).decode("ascii")
            )
            msg = {"type": "inside", "id": layer_id, **inside}
        except Exception as e:  # a message in the card, never an exception in the kernel
            msg = {"type": "inside", "id": layer_id, "error": _core.clean_error(e)}
        if self._view is not None:
            self._view.send(msg)

    def _reject(self, error: str, op: Any) -> None:
        self.last_error = error
        if self._view is not None:
            op = op if isinstance(op, str) else None
            self._view.send({"type": "rejected", "error": str(error)[:300], "op": op})

    def _current_code(self) -> str:
        report = self._state.report()
        if self._code is None or self._code[0] is not report:
            self._code = (report, _safe_code(self))  # tuned fields: the KerasTuner script
        return self._code[1]

    def _view_report(self) -> dict:
        from keras_widgets._tune import _builder as tb

        # with tuned fields: the smallest and largest model, per layer and in total (each
        # builds up to 64 models' shapes: kept while the report is the same object)
        report = self._state.report()
        if self._ranged is None or self._ranged[0] is not report:
            state = self._state.view_dict()
            self._ranged = (report, tb.with_ranges(report, state, type(self._state)))
        return self._ranged[1]

    def _sync(self) -> None:
        """Push the state, its report and its code to the view (one message)."""
        view = self._view
        if view is None:
            return
        state = self._state
        with view.hold_sync():
            view.state_json = json.dumps(state.view_dict(), allow_nan=False)
            view.report_json = json.dumps(self._view_report(), allow_nan=False)
            view.code = self._current_code()
            view.can_undo = bool(state.can_undo())
            view.can_redo = bool(state.can_redo())
        if self._static_id is not None:
            from IPython.display import update_display

            update_display(self.static_bundle(), raw=True, display_id=self._static_id)

    def _do(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self._state, method)(*args, **kwargs)
        self._sync()
        return result

    # ---- editing -------------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple | None:
        shape = self._state.input_shape
        return tuple(shape) if isinstance(shape, (list, tuple)) else shape

    @input_shape.setter
    def input_shape(self, shape: Any) -> None:
        self._do("set_input_shape", _shape(shape))

    @property
    def name(self) -> str:
        """The model name (``keras.Sequential(name=...)``)."""
        return self._state.name

    @name.setter
    def name(self, value: str) -> None:
        self._do("set_name", value)

    @property
    def layers(self) -> list[dict]:
        """The stack as a list of specs ``{"type": ..., "config": {...}}`` (a copy)."""
        return [
            {"type": spec["type"], "config": copy.deepcopy(spec["config"])}
            for spec in self._state.layers
        ]

    def add(self, layer_type: str, **config: Any) -> None:
        """Append a layer: ``b.add("Dense", units=10, activation="softmax")``; any numeric or
        choice argument may be a search space: ``units=kw.tune.Int(32, 256, step=32)``."""
        self._do("add", layer_type, **_tuned(layer_type, config))

    def insert(self, index: int, layer_type: str, **config: Any) -> None:
        """Insert a layer before position ``index``."""
        self._do("insert", index, layer_type, **_tuned(layer_type, config))

    def remove(self, index: int) -> None:
        """Remove the layer at ``index``."""
        self._do("remove", index)

    def move(self, index: int, to: int) -> None:
        """Move the layer at ``index`` so that it ends up at position ``to``."""
        self._do("move", index, to)

    def duplicate(self, index: int) -> None:
        """Insert a copy of the layer at ``index`` right after it."""
        self._do("duplicate", index)

    def set(self, index: int, **config: Any) -> None:
        """Change arguments of the layer at ``index``: ``b.set(0, filters=64)``; a search
        space tunes the argument: ``b.set(1, units=kw.tune.Int(32, 256, step=32))``."""
        layer_type = self._state.layers[self._state._index(index)]["type"]
        config = _tuned(layer_type, config)
        for name, value in config.items():
            self._state.set_arg(index, name, value)
        self._sync()

    def undo(self) -> None:
        self._do("undo")

    def redo(self) -> None:
        self._do("redo")

    def load_preset(self, name: str) -> None:
        """Replace the stack by a preset (see :meth:`presets`)."""
        self._do("load_preset", name)

    @staticmethod
    def presets() -> list[str]:
        """Names of the built-in presets (classic Keras examples)."""
        return list(_presets())

    def compile(self, **settings: Any) -> None:
        """Compile settings used by :attr:`model`: ``optimizer``, ``learning_rate``, ``loss``,
        ``metrics`` and the optimizer's own arguments (``momentum``/``nesterov`` for SGD...).
        A search space makes any of them part of a search: ``optimizer=kw.tune.Choice(...)``,
        ``learning_rate=kw.tune.Float(...)``, ``momentum=kw.tune.Float(0.0, 0.9)``; with a
        tuned optimizer, the arguments of each of its choices."""
        from keras_widgets._tune import _builder as tb

        optimizer = settings.get("optimizer", self._state.compile.get("optimizer"))
        for key, value in settings.items():
            tb.check_compile_value(key, value, optimizer)
        self._do("set_compile", **{k: tb.to_json_value(v) for k, v in settings.items()})

    def validate(self) -> dict:
        """The validation report: output shape, params and errors per layer, plus totals.
        With tuned fields, ``params_range`` is the smallest and largest parameter count, in
        total and on each layer row (rows also get ``shape_range``: [lo, hi] per dimension)."""
        from keras_widgets._tune import _builder as tb

        return tb.with_ranges(self._state.validate(), self._state.to_dict(), type(self._state))

    # ---- hyperparameter search ---------------------------------------------------------
    @property
    def tuned(self) -> dict:
        """The tuned fields: hyperparameter name -> search space."""
        from keras_widgets._tune import _builder as tb

        return {f["name"]: f["space"] for f in tb.tuned_fields(self._state.to_dict())}

    def tune(
        self,
        x: Any = None,
        y: Any = None,
        *,
        tuner: str = "random",
        max_trials: int | None = 10,
        epochs: int = 1,
        objective: Any = "val_loss",
        directory: str | None = None,
        seed: int | None = None,
        max_consecutive_failed_trials: int = 3,
        view: bool = True,
        **fit_kwargs: Any,
    ) -> Any:
        """Run a KerasTuner search over the tuned fields, shown live; returns the search
        (``.trials``, ``.best_hyperparameters``, ``.best_model()``). ``fit_kwargs``
        (``validation_split`` or ``validation_data``, ``batch_size``...) go to every trial."""
        from keras_widgets._tune import _builder as tb
        from keras_widgets._tune._search import Search, import_keras_tuner

        import_keras_tuner()
        if not self.tuned:
            raise ValueError("no field is tuned: set one to kw.tune.Int/Float/Choice first")
        report = self._state.validate()
        if not report["ok"]:
            raise ValueError("cannot tune: " + "; ".join(_core._errors(report)))
        settings = {
            "tuner": tuner,
            "max_trials": max_trials,
            "epochs": epochs,
            "objective": objective,
            "directory": directory,
            "seed": seed,
            "max_consecutive_failed_trials": max_consecutive_failed_trials,
            "fit": {k: v for k, v in fit_kwargs.items() if _is_code_literal(v)},
            "validation_data": fit_kwargs.get("validation_data") is not None,
        }
        search = Search(
            tb.hypermodel(self._state, settings),
            tuner=tuner,
            max_trials=max_trials,
            epochs=epochs,
            objective=objective,
            directory=directory,
            seed=seed,
            max_consecutive_failed_trials=max_consecutive_failed_trials,
        )
        self._search = search
        self._tune_settings = settings
        self._code = None  # the script repeats the new settings
        self._sync()
        if view:
            from keras_widgets._tune._view import TuneView

            search.view = TuneView(search)
            search.view.show()
        return search.run(x, y, **fit_kwargs)

    @property
    def search(self) -> Any:
        """The last search run by :meth:`tune` (None before)."""
        return getattr(self, "_search", None)

    def apply_best(self) -> dict:
        """Write the best trial's values into the tuned fields (one undo step); returns them."""
        from keras_widgets._tune import _builder as tb

        search = self.search
        if search is None:
            raise ValueError("no search yet: run b.tune(...) first")
        best = search.best_hyperparameters
        state = self._state.to_dict()
        fields = tb.tuned_fields(state)
        # an optimizer argument has no value when the best trial picked an optimizer without it
        optimizer = best.get("optimizer", (state.get("compile") or {}).get("optimizer"))
        takes = tb.optimizer_specs(tb.optimizer_keys(optimizer))
        missing = [
            f["name"]
            for f in fields
            if f["name"] not in best
            and (f["where"] == "layer" or f["arg"] in takes or f["arg"] == "learning_rate")
        ]
        if missing:
            raise ValueError(
                "the tuned fields changed since the search (no value for "
                + ", ".join(missing)
                + ")"
            )
        values = {f["name"]: best[f["name"]] for f in fields if f["name"] in best}
        self._state.load_state(tb.substitute(state, values))
        self._sync()
        return values

    # ---- results -------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        """A fresh, compiled ``keras.Sequential`` built from the current state."""
        return self._state.build_model()

    def to_code(self) -> str:
        """Python source that rebuilds the identical model; with tuned fields, a runnable
        KerasTuner script (``def build_model(hp): ...`` and the tuner call)."""
        from keras_widgets._tune import _builder as tb

        if tb.tuned_fields(self._state.to_dict()):
            return tb.hypermodel_src(self._state, getattr(self, "_tune_settings", {}))
        return self._state.to_code()

    def to_json(self) -> str:
        """The builder state as JSON (input shape, layer specs, compile settings)."""
        return self._state.to_json()

    @classmethod
    def from_json(cls, text: str, *, name: str | None = None) -> SequentialBuilder:
        """A builder from :meth:`to_json` output."""
        builder = cls()
        builder._state = _core.BuilderState.from_json(text)
        if name is not None:
            builder._state.set_name(name)
        return builder

    @classmethod
    def from_model(cls, model: Any) -> SequentialBuilder:
        """A builder holding the layers, input shape and compile settings of a Sequential."""
        builder = cls()
        builder._state = _core.BuilderState.from_model(model)
        return builder

    def summary(self) -> Any:
        """``kw.summary`` of :attr:`model`."""
        from keras_widgets import summary

        return summary(self.model)

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        """Train a fresh :attr:`model` with ``kw.LivePlot`` attached; returns the History.

        The trained model is ``history.model`` (``b.model`` always builds a new one).
        """
        model = self.model
        callbacks = list(kwargs.pop("callbacks", None) or [])
        plot = _live_plot()
        if plot is not None and not any(type(c).__name__ == "LivePlot" for c in callbacks):
            callbacks.append(plot)
        return model.fit(x, y, callbacks=callbacks, **kwargs)


def _tuned(layer_type: str, config: dict) -> dict:
    """Search spaces in ``config`` checked against the layer's fields (ValueError) and
    turned into the JSON the state holds."""
    from keras_widgets._tune import _builder as tb

    for name, value in config.items():
        tb.check_layer_value(layer_type, name, value)
    return {k: tb.to_json_value(v) for k, v in config.items()}


def _is_code_literal(value: Any) -> bool:
    """A fit argument the generated script can repeat (numbers, text; not the data)."""
    return value is None or isinstance(value, (bool, int, float, str))


def _shape(shape: Any) -> Any:
    """Input shapes are stored as lists (JSON); ints become 1-tuples like in Keras."""
    if isinstance(shape, int):
        return [shape]
    if isinstance(shape, tuple):
        return list(shape)
    return shape


def _safe_code(state: Any) -> str:
    # The code view must never break the sync, even for a state that cannot become code.
    try:
        return state.to_code()
    except Exception as exc:
        return f"# cannot generate code yet: {exc}"


def _live_plot() -> Any:
    try:
        from keras_widgets._liveplot import LivePlot
    except ImportError:
        return None
    return LivePlot()
