"""%load_ext keras_widgets shows a model's summary AND its layer graph."""

from __future__ import annotations

import ipywidgets
import keras
from _ipython_helpers import WIDGET_VIEW, widget_by_id
from IPython.utils.capture import capture_output

from keras_widgets import _ipython
from keras_widgets._display import svg_pictures
from keras_widgets._graph import GraphWidget


def make_model():
    x = keras.Input((8,), name="x")
    h = keras.layers.Dense(8, name="hidden")(x)
    return keras.Model(x, keras.layers.Add(name="skip")([x, h]), name="tiny_skip")


def test_displayed_model_shows_summary_tab_and_graph_tab(shell):
    model = make_model()
    shell.run_line_magic("load_ext", "keras_widgets")
    with capture_output() as cap:
        assert shell.display_formatter.format(model) == ({}, {})
    widget, summary_copy, graph_copy = cap.outputs
    tabs = widget_by_id(widget.data[WIDGET_VIEW]["model_id"])
    assert isinstance(tabs, ipywidgets.Tab)
    summary, graph = tabs.children
    assert 'class="kw-summary"' in summary.value
    assert isinstance(graph, GraphWidget)
    assert [n["name"] for n in graph.to_dict()["nodes"]] == ["x", "hidden", "skip"]
    assert "tiny_skip" in widget.data["text/plain"]
    assert "text/html" not in widget.data  # the static copies are separate outputs
    # Static copies for saved notebooks, marked with the graph's id so the live view hides
    # them: the summary table and the drawn graph.
    marker = f'class="kw-static" data-kw-static="{graph._kw_static}"'
    assert summary_copy.data["text/html"].startswith(f"<div {marker}>")
    assert 'class="kw-summary"' in summary_copy.data["text/html"]
    assert summary.value not in summary_copy.data["text/html"]  # ids of its own
    assert "tiny_skip" in summary_copy.data["text/plain"]
    html = graph_copy.data["text/html"]
    assert marker in html
    (picture,) = svg_pictures(html)
    assert picture.count('class="kw-graph-node"') == 3
    # The picture is the front-end's drawing once it sends one (updated by display id).
    display_id = graph_copy.transient["display_id"]
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><g class="kw-graph-edges"/></svg>'
    with capture_output() as cap:
        graph._on_msg(graph, {"type": "svg", "svg": svg}, None)
    (update,) = cap.outputs
    assert update.update
    assert update.transient["display_id"] == display_id
    assert svg_pictures(update.data["text/html"])[0].endswith('<g class="kw-graph-edges"/></svg>')


def test_static_bundle_has_both_without_widgets():
    bundle = _ipython.model_mimebundle(make_model())
    assert set(bundle) == {"text/html", "text/plain"}
    assert 'class="kw-summary"' in bundle["text/html"]
    assert svg_pictures(bundle["text/html"])[0].count('class="kw-graph-node"') == 3


def test_unload_removes_the_display(shell):
    model = make_model()
    shell.run_line_magic("load_ext", "keras_widgets")
    with capture_output() as cap:  # IPython now keeps the printer by class, not by name
        shell.display_formatter.format(model)
    assert len(cap.outputs) == 3
    shell.run_line_magic("unload_ext", "keras_widgets")
    with capture_output() as cap:
        data, _ = shell.display_formatter.format(model)
    assert cap.outputs == []
    assert WIDGET_VIEW not in data
    assert "text/html" not in data
