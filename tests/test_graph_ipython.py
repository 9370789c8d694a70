"""%load_ext keras_widgets shows a model's summary AND its layer graph."""

from __future__ import annotations

import ipywidgets
import keras
import pytest
from IPython.core.interactiveshell import InteractiveShell

from keras_widgets import _ipython
from keras_widgets._graph import GraphWidget

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    yield ip
    if "keras_widgets" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "keras_widgets")


def widget_by_id(model_id):
    instances = getattr(ipywidgets.widgets.widget, "_instances", None)  # ipywidgets 8
    if instances is None:  # ipywidgets 7
        instances = ipywidgets.Widget.widgets
    return instances[model_id]


def make_model():
    x = keras.Input((8,), name="x")
    h = keras.layers.Dense(8, name="hidden")(x)
    return keras.Model(x, keras.layers.Add(name="skip")([x, h]), name="tiny_skip")


def test_displayed_model_shows_summary_tab_and_graph_tab(shell):
    model = make_model()
    shell.run_line_magic("load_ext", "keras_widgets")
    data, _ = shell.display_formatter.format(model)
    tabs = widget_by_id(data[WIDGET_VIEW]["model_id"])
    assert isinstance(tabs, ipywidgets.Tab)
    summary, graph = tabs.children
    assert 'class="kw-summary"' in summary.value
    assert isinstance(graph, GraphWidget)
    assert [n["name"] for n in graph.to_dict()["nodes"]] == ["x", "hidden", "skip"]
    # Static fallback for saved notebooks: the summary table and the drawn graph.
    html = data["text/html"]
    assert 'class="kw-summary"' in html
    assert html.count('class="kw-graph-node"') == 3
    assert f'data-kw-graph="{graph.uid}"' in html
    assert "tiny_skip" in data["text/plain"]


def test_static_bundle_has_both_without_widgets():
    bundle = _ipython.model_mimebundle(make_model())
    assert set(bundle) == {"text/html", "text/plain"}
    assert 'class="kw-summary"' in bundle["text/html"]
    assert bundle["text/html"].count('class="kw-graph-node"') == 3


def test_unload_removes_the_display(shell):
    model = make_model()
    shell.run_line_magic("load_ext", "keras_widgets")
    shell.run_line_magic("unload_ext", "keras_widgets")
    data, _ = shell.display_formatter.format(model)
    assert WIDGET_VIEW not in data
    assert "text/html" not in data
