"""Every public display path yields a widget view on ipywidgets 8 AND 7 (Colab's 7.7.1).

ipywidgets 7 widgets have no ``_repr_mimebundle_`` and display only through
``_ipython_display_``; .ci/old-stack runs these tests on that stack, where a browser-free
check catches what otherwise only a notebook would show.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _ipython_helpers import WIDGET_VIEW, widget_by_id
from IPython.display import display
from IPython.utils.capture import capture_output

import keras_widgets as kw


@pytest.fixture(autouse=True)
def _shell(shell):
    return shell


def shown(obj):
    with capture_output() as cap:
        display(obj)
    return cap.outputs


def views(outputs):
    return [widget_by_id(o.data[WIDGET_VIEW]["model_id"]) for o in outputs if WIDGET_VIEW in o.data]


def model():
    x = keras.Input((4,), name="x")
    return keras.Model(x, keras.layers.Dense(2, name="out")(x), name="tiny")


def test_graph_displays_its_view_then_its_static_picture():
    g = kw.graph(model())
    outputs = shown(g)
    assert views(outputs) == [g]
    assert f'class="kw-static" data-kw-static="{g._kw_static}"' in outputs[-1].data["text/html"]


def test_liveplot_displays_its_view():
    live = kw.LivePlot()
    live.log(0, loss=1.0)
    assert views(shown(live)) == [live.widget]


def test_builder_displays_its_view():
    b = kw.SequentialBuilder()
    outputs = shown(b)
    assert len(views(outputs)) == 1
    assert type(views(outputs)[0]).__name__ != "SequentialBuilder"  # the anywidget view


def test_summary_displays_html_without_widgets():
    outputs = shown(kw.summary(model()))
    assert views(outputs) == []
    assert 'class="kw-summary"' in outputs[0].data["text/html"]
    assert np.all([WIDGET_VIEW not in o.data for o in outputs])
