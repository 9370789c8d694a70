"""The merged diff graph in ``kw.graph``'s view, with the marked picture for saved notebooks."""

from __future__ import annotations

import copy
from typing import Any

from keras_widgets._diff._graph import marked_svg
from keras_widgets._display import Shown
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


class DiffSideBySide(Shown):
    """A diff's two graphs side by side: A (``before``) and B (``after``), each in ``kw.graph``'s
    view with the diff's marks. Selecting a layer in one selects it in the other (a link in
    the page between their ``selected`` traits; a layer only one side has clears the other)."""

    def __init__(self, side_a: tuple, side_b: tuple, **kwargs: Any) -> None:
        import ipywidgets

        half = {"flex": "1 1 0", "width": "50%", "min_width": "0"}
        self.before = DiffGraphWidget(*side_a, layout=ipywidgets.Layout(**half), **kwargs)
        self.after = DiffGraphWidget(*side_b, layout=ipywidgets.Layout(**half), **kwargs)
        self._link = ipywidgets.jslink((self.before, "selected"), (self.after, "selected"))
        self.widget = ipywidgets.HBox([self.before, self.after])

    def __repr__(self) -> str:
        return f"<DiffSideBySide {_name(self.before)!r} | {_name(self.after)!r}>"

    def _static_bundle(self) -> dict[str, str]:
        from keras_widgets import _display

        cells = "".join(
            f'<td style="vertical-align:top">{_display.picture_html(g.static_svg(), caption)}</td>'
            for g, caption in (
                (self.before, f"before: {_name(self.before)}"),
                (self.after, f"after: {_name(self.after)}"),
            )
        )
        text = f"Diff graphs side by side: {_name(self.before)} | {_name(self.after)}"
        # One copy for both views, hidden where A's view renders.
        return _display.static_bundle(self.before, f"<table><tr>{cells}</tr></table>", text)


def _name(g: GraphWidget) -> str:
    return str(g.data["model"].get("name", "model"))
