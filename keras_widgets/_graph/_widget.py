"""The graph widget: a thin shell that ships :func:`graph_data` to js/graph."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import traitlets

from keras_widgets._graph._data import MEASURES, extract, layer_details
from keras_widgets._graph._static import fallback_svg, safe_svg, static_html
from keras_widgets._widget import STATIC, BaseWidget, bundle


class GraphWidget(BaseWidget):
    """Interactive layer graph of a Keras model (see :func:`keras_widgets.graph`)."""

    _esm = bundle("graph")
    _css = STATIC / "graph.css"

    data = traitlets.Dict().tag(sync=True)
    direction = traitlets.Enum(("TB", "LR"), default_value="TB").tag(sync=True)
    show_shapes = traitlets.Bool(True).tag(sync=True)
    expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # "kind" (the palette) or a measure of node["measures"] to colour nodes by.
    color = traitlets.Unicode("kind").tag(sync=True)
    # Ties this widget to its static picture in the notebook (the live view hides it).
    uid = traitlets.Unicode().tag(sync=True)

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
        kwargs.setdefault("expanded", [g["id"] for g in data["groups"] if g["expanded"]])
        super().__init__(data=data, uid=uuid.uuid4().hex, **kwargs)
        self._objects = objects
        self._svg: str | None = None  # the last drawing sent by a front-end
        self._handles: list[Any] = []  # displays of the static picture to keep up to date
        self.on_msg(self._on_msg)

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
        return fallback_svg(self.data, set(self.expanded), self.show_shapes)

    def static_bundle(self) -> dict:
        name = self.data["model"].get("name", "model")
        caption = f"Layer graph of {name} (static picture; interactive when the kernel runs)"
        return {
            "text/html": static_html(self.static_svg(), self.uid, caption),
            "text/plain": f"Layer graph of {name}: {len(self.data['nodes'])} layers",
        }

    def display_static(self) -> None:
        """Display the static picture (an output the live view hides) and keep it updated."""
        from IPython.display import display

        handle = display(self.static_bundle(), raw=True, display_id=True)
        if handle is not None:
            self._handles.append(handle)

    def _ipython_display_(self, **kwargs: Any) -> None:
        from IPython.display import display

        if hasattr(self, "_repr_mimebundle_"):
            # anywidget on ipywidgets 8 gives (data, metadata).
            bundle = self._repr_mimebundle_(**kwargs)
            data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
            display(data, metadata=metadata, raw=True)
        else:
            # ipywidgets 7 (Colab): no _repr_mimebundle_; widgets display through this hook.
            super()._ipython_display_(**kwargs)
        self.display_static()

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
    shapes in the boxes. Layout runs in the browser (dagre, bundled): no graphviz needed.
    ``color`` is ``"kind"`` or a measure each node carries in ``measures``: ``"macs"``,
    ``"flops"``, ``"params"``, ``"memory"`` (output bytes at ``batch_size``) or ``"time"``
    (needs ``profile=kw.profile(model)``).
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
