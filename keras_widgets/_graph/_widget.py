"""The graph widget: a thin shell that ships :func:`graph_data` to js/graph."""

from __future__ import annotations

import copy
from typing import Any

import traitlets

from keras_widgets._graph._data import MEASURES, extract, layer_details
from keras_widgets._graph._static import fallback_svg, safe_svg
from keras_widgets._widget import STATIC, BaseWidget, bundle

# Bounds of one details message: a layer's get_config() is user data of any size.
MAX_TEXT = 2_000  # characters of one string
MAX_ITEMS = 200  # keys of one dict, items of one list
MAX_DEPTH = 8
MAX_MESSAGE = 200_000  # characters of the whole message (JSON); past it the caps tighten


def _data_to_json(value: dict, _widget: Any) -> str:
    """The graph data as one JSON text of columns (keras_widgets._graph._columns): ipywidgets
    walks a nested state object by object looking for binary buffers (~3 s for 50,000 nodes),
    a string it passes as it is; and columns make the browser's work a fraction of rows'."""
    from keras_widgets._graph._columns import encode

    return encode(value)


def bounded(value: Any, text: int = MAX_TEXT, items: int = MAX_ITEMS, depth: int = 0) -> Any:
    """``value`` with every string, dict and list cut to size, saying how much was left out."""
    if isinstance(value, str):
        if len(value) <= text:
            return value
        return value[:text] + f"… ({len(value) - text:,} more characters)"
    if depth >= MAX_DEPTH and isinstance(value, (dict, list, tuple)):
        return f"… ({type(value).__name__} nested too deep to show)"
    if isinstance(value, dict):
        out = {}
        for i, (k, v) in enumerate(value.items()):
            if i == items:
                out["…"] = f"{len(value) - items:,} more keys"
                break
            out[bounded(str(k), text, items, depth + 1)] = bounded(v, text, items, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        out = [bounded(v, text, items, depth + 1) for v in value[:items]]
        if len(value) > items:
            out.append(f"… {len(value) - items:,} more")
        return out
    return value


def bounded_message(details: dict) -> dict:
    """Cap a details message; tighten the caps until its JSON fits ``MAX_MESSAGE``."""
    import json

    text, items = MAX_TEXT, MAX_ITEMS
    while True:
        out = bounded(details, text, items)
        size = len(json.dumps(out, default=str))
        if size <= MAX_MESSAGE or text <= 40:
            return out
        text, items = max(40, text // 4), max(10, items // 4)


class GraphWidget(BaseWidget):
    """Interactive layer graph of a Keras model (see :func:`keras_widgets.graph`)."""

    _esm = bundle("graph")
    _css = STATIC / "graph.css"

    # Not synced: a deep model's layers are tens of KB that a saved notebook would keep per
    # graph. The view gets them as a data library (one JSON text, see _data_to_json), sent
    # over the comm while the kernel runs; a saved notebook shows the static picture instead.
    data = traitlets.Dict()
    _kw_data_traits = {"data": "graph-data"}
    direction = traitlets.Enum(("TB", "LR"), default_value="TB").tag(sync=True)
    show_shapes = traitlets.Bool(True).tag(sync=True)
    expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # What colours the boxes: the layer kind, or a measure of each node's ``measures``.
    # (Unicode, not Enum: ``_valid_color`` words the error and checks "time" has data.)
    color = traitlets.Unicode("kind").tag(sync=True)
    # The id of the node whose details are open ("" for none): the view sets it on a click,
    # and selects (and centres) the node when it is set from elsewhere.
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        model: Any,
        *,
        expand_nested: bool = False,
        batch_size: int = 1,
        profile: Any = None,
        **kwargs: Any,
    ) -> None:
        data, objects = extract(model, expand_nested, batch_size, profile)
        self._init(data, objects, **kwargs)

    @classmethod
    def from_data(cls, data: dict, **kwargs: Any) -> GraphWidget:
        """A view of graph data made elsewhere (``graph_data()``, a diff's merged graph).

        Nodes may carry ``measures`` (``{"macs", "flops", "params", "memory", "time"}``)
        and ``status`` (``"added"``, ``"removed"``, ``"changed"``, ``"same"``). Details of a
        node need its layer, so they are not available here.
        """
        self = cls.__new__(cls)
        # A shallow copy: the view never changes the data (a deep copy of 50,000 nodes is ~2 s).
        self._init(dict(data), {}, **kwargs)
        return self

    def _init(self, data: dict, objects: dict, **kwargs: Any) -> None:
        data.setdefault("groups", [])
        data.setdefault("notes", [])
        data.setdefault("model", {})
        kwargs.setdefault("expanded", [g["id"] for g in data["groups"] if g.get("expanded")])
        super().__init__(data=data, **kwargs)
        self._objects = objects
        self._svg: str | None = None  # the last drawing sent by a front-end
        self._handles: list[Any] = []  # displays of the static picture to keep up to date
        self.on_msg(self._on_msg)

    def _data_text(self, trait: str, value: Any) -> Any:
        # A JSON text in the library, parsed by each view (js/graph/index.js readData).
        return _data_to_json(value, self)

    @traitlets.validate("color")
    def _valid_color(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in ("kind", *MEASURES):
            choices = ", ".join(repr(c) for c in ("kind", *MEASURES))
            raise traitlets.TraitError(f"color must be one of {choices}, got {value!r}")
        nodes = self.data.get("nodes", []) if "data" in self._trait_values else []
        if value == "time" and not any("time" in n.get("measures", {}) for n in nodes):
            raise traitlets.TraitError(
                "color='time' needs measured times: kw.graph(model, color='time', "
                "profile=kw.profile(model))"
            )
        return value

    def __repr__(self) -> str:
        # Also the text/plain of the widget output (what a saved notebook shows without state).
        info = self.data.get("model", {})
        return f"<GraphWidget of {info.get('name', '?')!r}: {len(self.data['nodes'])} layers>"

    def to_dict(self) -> dict:
        """The plain graph data the view draws: model, nodes, edges, groups, notes."""
        return copy.deepcopy(self.data)

    # -- static picture ---------------------------------------------------------------------
    def static_svg(self) -> str:
        """The drawing kept in saved notebooks: the front-end's, or one made in Python."""
        if self._svg is not None:
            return self._svg
        return fallback_svg(self.data, set(self.expanded), self.show_shapes, self.direction)

    def static_bundle(self) -> dict:
        """The static copy's display data (keras_widgets._display)."""
        from keras_widgets import _display

        name = self.data["model"].get("name", "model")
        caption = f"Layer graph of {name} (static picture; interactive when the kernel runs)"
        text = f"Layer graph of {name}: {len(self.data['nodes'])} layers"
        return _display.static_bundle(self, _display.picture_html(self.static_svg(), caption), text)

    def display_static(self) -> None:
        """Display the static picture (an output the live view hides) and keep it updated."""
        from keras_widgets._display import show_static

        self._keep(show_static(self.static_bundle()))

    def _keep(self, handle: Any) -> None:
        if handle is not None:
            self._handles.append(handle)

    def _ipython_display_(self, **kwargs: Any) -> None:
        from keras_widgets._display import show

        self._keep(show(self, repr(self), self.static_bundle()))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        from keras_widgets._display import mimebundle

        return mimebundle(self, repr(self), self.static_bundle())

    # -- messages from the view ---------------------------------------------------------------
    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "details":
            node_id = str(content.get("id"))
            layer = self._objects.get(node_id)
            if layer is None:
                details = {"error": "no details: this view has no layer behind that node"}
            else:
                try:
                    details = bounded_message(layer_details(layer))
                except Exception as err:  # a user layer may fail in any way: say why
                    details = {"error": f"{type(err).__name__}: {err}"[:MAX_TEXT]}
            self.send({"type": "details", "id": node_id[:100], "details": details})
        elif content.get("type") == "svg":
            svg = safe_svg(content.get("svg"))
            if svg is not None and svg != self._svg:
                self._svg = svg
                bundle = self.static_bundle()
                for handle in self._handles:
                    handle.update(bundle, raw=True)


def graph(
    model: Any,
    expand_nested: bool = False,
    direction: str = "TB",
    show_shapes: bool = True,
    color: str = "kind",
    batch_size: int = 1,
    profile: Any = None,
) -> GraphWidget:
    """An interactive layer graph of ``model``.

    >>> g = kw.graph(model)          # doctest: +SKIP
    >>> g                            # shows it; g.to_dict() gives the data drawn

    Nested models are groups that open in place (``expand_nested=True`` opens them all);
    ``direction`` is ``"TB"`` (top to bottom) or ``"LR"``; ``show_shapes`` writes output
    shapes in the boxes. ``color`` is ``"kind"`` or a measure each node carries in
    ``measures``: ``"macs"``, ``"flops"``, ``"params"``, ``"memory"`` (output bytes at
    ``batch_size``) or ``"time"`` (needs ``profile=kw.profile(model)``). Layout runs in the
    browser (dagre for small graphs, a layered layout in a Web Worker for big ones): no
    graphviz needed.
    """
    return GraphWidget(
        model,
        expand_nested=expand_nested,
        direction=direction,
        show_shapes=show_shapes,
        color=color,
        batch_size=batch_size,
        profile=profile,
    )
