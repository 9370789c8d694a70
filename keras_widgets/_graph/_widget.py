"""The graph widget: a thin shell that ships :func:`graph_data` to js/graph."""

from __future__ import annotations

import copy
from typing import Any

import traitlets

from keras_widgets._graph._data import extract, layer_details
from keras_widgets._graph._static import fallback_svg, safe_svg
from keras_widgets._widget import STATIC, BaseWidget, bundle


class GraphWidget(BaseWidget):
    """Interactive layer graph of a Keras model (see :func:`keras_widgets.graph`)."""

    _esm = bundle("graph")
    _css = STATIC / "graph.css"

    data = traitlets.Dict().tag(sync=True)
    direction = traitlets.Enum(("TB", "LR"), default_value="TB").tag(sync=True)
    show_shapes = traitlets.Bool(True).tag(sync=True)
    expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(self, model: Any, *, expand_nested: bool = False, **kwargs: Any) -> None:
        data, objects = extract(model, expand_nested=expand_nested)
        kwargs.setdefault("expanded", [g["id"] for g in data["groups"] if g["expanded"]])
        super().__init__(data=data, **kwargs)
        self._objects = objects
        self._svg: str | None = None  # the last drawing sent by a front-end
        self._handles: list[Any] = []  # displays of the static picture to keep up to date
        self.on_msg(self._on_msg)

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
        return fallback_svg(self.data, set(self.expanded), self.show_shapes)

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
            details = {"error": "unknown layer"} if layer is None else layer_details(layer)
            self.send({"type": "details", "id": node_id, "details": details})
        elif content.get("type") == "svg":
            svg = safe_svg(content.get("svg"))
            if svg is not None and svg != self._svg:
                self._svg = svg
                bundle = self.static_bundle()
                for handle in self._handles:
                    handle.update(bundle, raw=True)


def graph(
    model: Any, expand_nested: bool = False, direction: str = "TB", show_shapes: bool = True
) -> GraphWidget:
    """An interactive layer graph of ``model``.

    >>> g = kw.graph(model)          # doctest: +SKIP
    >>> g                            # shows it; g.to_dict() gives the data drawn

    Nested models are groups that open in place (``expand_nested=True`` opens them all);
    ``direction`` is ``"TB"`` (top to bottom) or ``"LR"``; ``show_shapes`` writes output
    shapes in the boxes. Layout runs in the browser (dagre, bundled): no graphviz needed.
    """
    return GraphWidget(
        model, expand_nested=expand_nested, direction=direction, show_shapes=show_shapes
    )
