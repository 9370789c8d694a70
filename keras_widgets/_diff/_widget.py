"""The merged diff graph in ``kw.graph``'s view, with the marked picture for saved notebooks."""

from __future__ import annotations

import copy
from typing import Any

from keras_widgets._diff._graph import marked_svg
from keras_widgets._graph._widget import GraphWidget


class DiffGraphWidget(GraphWidget):
    """``kw.graph``'s view of a merged diff graph (nodes carry ``status``)."""

    def __init__(self, data: dict, objects: dict[str, Any], **kwargs: Any) -> None:
        # GraphWidget.__init__ walks a model; here the data is made already. The layers
        # behind the nodes (B's, A's for removed ones) still answer the details panel.
        self._init(data, objects, **kwargs)

    def __repr__(self) -> str:
        info = self.data.get("model", {})
        return f"<DiffGraphWidget of {info.get('name', '?')!r}: {len(self.data['nodes'])} layers>"

    def to_dict(self) -> dict:
        return copy.deepcopy(self.data)

    def static_svg(self) -> str:
        # Always the marked Python drawing: the view's own SVG may lack the status marks.
        return marked_svg(self.data, set(self.expanded), self.show_shapes, self.direction)

    def static_bundle(self) -> dict:
        bundle = super().static_bundle()
        name = self.data["model"].get("name", "model")
        bundle["text/plain"] = f"Diff graph of {name}: {len(self.data['nodes'])} layers"
        return bundle
