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
    catalog = traitlets.Dict().tag(sync=True)
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


class SequentialBuilder:
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

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        view = self.widget
        if not hasattr(view, "_repr_mimebundle_"):  # ipywidgets 7: see _ipython_display_
            return None
        bundle = view._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict) and "text/plain" in data:
            data["text/plain"] = repr(self)  # what a saved notebook shows without the widget
        return bundle

    def _ipython_display_(self) -> None:
        # IPython prefers this hook; ipywidgets 7 (Colab) widgets only display through it.
        import uuid

        from IPython.display import display

        bundle = self._repr_mimebundle_()
        if bundle is None:
            display(self.widget)
        else:
            data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
            display(data, metadata=metadata, raw=True)
        # The static picture right below, for saved notebooks (the live view hides it).
        self._static_id = f"kw-builder-static-{uuid.uuid4().hex}"
        display(self.static_bundle(), raw=True, display_id=self._static_id)

    def static_bundle(self) -> dict:
        """``text/html`` + ``text/plain`` picture of the builder (see ``_static``)."""
        state, report = self._state.view_dict(), self._state.report()
        return {
            "text/html": _static.static_html(state, report, self._current_code()),
            "text/plain": _static.static_text(state, report),
        }

    def __repr__(self) -> str:
        types = ", ".join(spec["type"] for spec in self._state.layers)
        return f"SequentialBuilder(input_shape={self.input_shape!r}, layers=[{types}])"

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
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

    def _reject(self, error: str, op: Any) -> None:
        self.last_error = error
        if self._view is not None:
            op = op if isinstance(op, str) else None
            self._view.send({"type": "rejected", "error": str(error)[:300], "op": op})

    def _current_code(self) -> str:
        report = self._state.report()
        if self._code is None or self._code[0] is not report:
            self._code = (report, _safe_code(self._state))
        return self._code[1]

    def _sync(self) -> None:
        """Push the state, its report and its code to the view (one message)."""
        view = self._view
        if view is None:
            return
        state = self._state
        with view.hold_sync():
            view.state_json = json.dumps(state.view_dict(), allow_nan=False)
            view.report_json = json.dumps(state.report(), allow_nan=False)
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
        """Append a layer: ``b.add("Dense", units=10, activation="softmax")``."""
        self._do("add", layer_type, **config)

    def insert(self, index: int, layer_type: str, **config: Any) -> None:
        """Insert a layer before position ``index``."""
        self._do("insert", index, layer_type, **config)

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
        """Change arguments of the layer at ``index``: ``b.set(0, filters=64)``."""
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
        ``metrics`` (and ``momentum``/``nesterov`` for SGD)."""
        self._do("set_compile", **settings)

    def validate(self) -> dict:
        """The validation report: output shape, params and errors per layer, plus totals."""
        return self._state.validate()

    # ---- results -------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        """A fresh, compiled ``keras.Sequential`` built from the current state."""
        return self._state.build_model()

    def to_code(self) -> str:
        """Python source that rebuilds the identical model."""
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
