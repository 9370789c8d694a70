"""The merged diff graph in ``kw.graph``'s view, with the marked picture for saved notebooks."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from keras_widgets._diff._graph import marked_svg
from keras_widgets._graph._widget import GraphWidget
from keras_widgets._widget import BaseWidget


class DiffGraphWidget(GraphWidget):
    """``kw.graph``'s view of a merged diff graph (nodes carry ``status``)."""

    def __init__(self, data: dict, objects: dict[str, Any], **kwargs: Any) -> None:
        # GraphWidget.__init__ walks a model; here the data is made already.
        kwargs.setdefault("expanded", [g["id"] for g in data["groups"] if g["expanded"]])
        BaseWidget.__init__(self, data=data, uid=uuid.uuid4().hex, **kwargs)
        self._objects = objects
        self._svg = None
        self._handles = []
        self.on_msg(self._on_msg)

    def __repr__(self) -> str:
        info = self.data.get("model", {})
        return f"<DiffGraphWidget of {info.get('name', '?')!r}: {len(self.data['nodes'])} layers>"

    def to_dict(self) -> dict:
        return copy.deepcopy(self.data)

    def static_svg(self) -> str:
        # Always the marked Python drawing: the view's own SVG may lack the status marks.
        return marked_svg(self.data, set(self.expanded), self.show_shapes)

    def static_bundle(self) -> dict:
        bundle = super().static_bundle()
        name = self.data["model"].get("name", "model")
        bundle["text/plain"] = f"Diff graph of {name}: {len(self.data['nodes'])} layers"
        return bundle
