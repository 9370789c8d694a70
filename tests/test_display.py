"""keras_widgets._display: one way to show a widget with its static copy, on every host.

Kernel-less: an IPython shell captures what would be displayed; the widgets' comms go
nowhere. Browser checks of the same paths live in tests/browser/test_hosts*.py.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import keras
import pytest
from _ipython_helpers import WIDGET_VIEW, widget_by_id
from IPython.display import display
from IPython.utils.capture import capture_output

import keras_widgets as kw
from keras_widgets import _display
from keras_widgets._graph._columns import decode
from keras_widgets._widget import CHUNK, STATIC, library_source

KB = 1000
STATE_BUDGET = 50 * KB  # saved widget state per widget (issue 14)


@pytest.fixture(autouse=True)
def _shell(shell):
    return shell


def shown(obj):
    with capture_output() as cap:
        display(obj)
    return cap.outputs


def tiny(name="tiny"):
    x = keras.Input((4,), name="x")
    return keras.Model(x, keras.layers.Dense(2, name="out")(x), name=name)


def only_here():
    """A model no other test draws (data libraries are shared by content, page-wide)."""
    import uuid

    return tiny(f"tiny_{uuid.uuid4().hex[:8]}")


def saved_state_size(widget) -> int:
    """Bytes of the JSON a notebook saves for ``widget`` (its full synced state)."""
    return len(json.dumps(widget.get_state(), separators=(",", ":"), default=str).encode())


# -- one home: view JSON, marker, handle -------------------------------------------------------
@pytest.mark.parametrize("make", ["graph", "liveplot", "builder"])
def test_every_widget_shows_its_view_then_its_static_copy_marked_with_its_id(make):
    if make == "graph":
        obj = kw.graph(tiny())
        widget = obj
    elif make == "liveplot":
        obj = kw.LivePlot()
        obj.log(0, loss=1.0)
        widget = obj.widget
    else:
        obj = kw.SequentialBuilder((4,))
        widget = obj.widget
    outputs = shown(obj)
    view = outputs[0].data[WIDGET_VIEW]
    assert view == {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    assert widget_by_id(view["model_id"]) is widget
    static = [o for o in outputs[1:] if "text/html" in o.data]
    (copy,) = static
    assert copy.data["text/html"].startswith(
        f'<div class="kw-static" data-kw-static="{widget._kw_static}">'
    )
    assert len(widget._kw_static) == 32


def test_static_ids_differ_between_widgets():
    a, b = kw.graph(tiny()), kw.graph(tiny())
    assert a._kw_static != b._kw_static


def test_mimebundle_has_view_picture_and_text():
    g = kw.graph(tiny())
    data = g._repr_mimebundle_()
    assert set(data) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert data[WIDGET_VIEW]["model_id"] == g.model_id
    assert "tiny" in data["text/plain"]
    (svg,) = _display.svg_pictures(data["text/html"])
    assert svg.count('class="kw-graph-node"') == 2


def test_static_markers_are_escaped():
    class Odd:
        _kw_static = '"><script>alert(1)</script>'

    html = _display.static_html(Odd(), "x")
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


# -- pictures that survive sanitizers and follow the theme ------------------------------------
def test_svg_image_keeps_the_drawing_and_folds_tall_ones():
    # 130 labelled boxes down a 13,000 px strip, one edge running its whole length.
    boxes = "".join(
        f'<g transform="translate(10,{100 * i})"><rect width="200" height="40"/>'
        f'<text y="16">box {i}</text></g>'
        for i in range(130)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="13000" font-size="12">'
        '<rect width="100%" height="100%" fill="#ffffff"/><g class="edges">'
        '<path d="M110,40L110,12900"/></g>' + boxes + "</svg>"
    )
    img = _display.svg_image(svg, "a <tall> graph")
    assert '<img class="kw-pic" src="data:image/svg+xml;base64,' in img
    assert 'alt="a &lt;tall&gt; graph"' in img
    (back,) = _display.svg_pictures(img)
    root = ET.fromstring(back)  # still well-formed XML after folding and the dark style
    columns = root.findall("{http://www.w3.org/2000/svg}svg")
    assert len(columns) == 5  # 5 x 300 px columns fit 960 px at half scale
    # Each column holds the boxes that reach into its window, not the whole drawing (a browser
    # lays out every element of every column): every box is shown, a few twice (the overlap).
    shown = [t for c in columns for t in c.itertext() if t.startswith("box ")]
    assert set(shown) == {f"box {i}" for i in range(130)}
    assert len(shown) <= 130 + 2 * len(columns)
    assert back.count("M110,40L110,12900") == 5  # the long edge crosses every column
    assert back.count('fill="#ffffff"') == 5  # so does the background
    assert 'font-size="12"' in back  # the root's own attributes are kept
    assert "prefers-color-scheme:dark" in back  # dark pages get a dark picture
    width, height = (int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', img).groups())
    assert width <= 960
    assert height < 13000 / 4  # not a 13,000 px strip
    small = _display.svg_image(svg.replace("13000", "200"), "small")
    assert 'width="300" height="200"' in small
    assert "<svg x=" not in _display.svg_pictures(small)[0]


def test_folded_columns_place_the_static_graph_s_short_edges_once():
    # The static graph draws straight edges as "M x,y V y" (keras_widgets._graph._static): a
    # path whose extent was not worked out went into every column (MobileNetV2: 166 edges
    # drawn 5 times, 144 KB of HTML instead of 89 KB).
    edges = "".join(f'<path d="M110,{100 * i + 40}V{100 * i + 100}"/>' for i in range(130))
    curves = '<path d="M110,50C110,60 120,70 120,80"/><path d="M0,0l5,5"/>'
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="13000">'
        f'<g fill="none" stroke="#999">{edges}{curves}</g></svg>'
    )
    back = _display.fold_columns(svg)
    assert back.count("<svg x=") == 5
    assert back.count("V") <= 130 + 2 * 5  # once each, a few twice where columns overlap
    assert back.count("M110,50C") == 1  # absolute curves are placed too
    assert back.count("M0,0l5,5") == 5  # a relative path's extent is unknown: everywhere
    assert _display._path_ys("M175,60V90H30Z") == [60.0, 90.0]


def test_a_tall_svg_that_is_not_readable_xml_still_folds_through_one_copy():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="13000">'
        "<text>hi &nbsp; there</text></svg>"  # an HTML entity: not XML
    )
    back = _display.fold_columns(svg)
    assert back.count("<use") == 5
    assert back.count("hi &nbsp; there") == 1


def test_pictures_take_jupyterlab_s_theme_as_their_color_scheme():
    html = kw.graph(tiny()).static_bundle()["text/html"]
    assert 'body[data-jp-theme-light="false"] img.kw-pic{color-scheme:dark}' in html
    assert 'body[data-jp-theme-light="true"] img.kw-pic{color-scheme:light}' in html


# -- large libraries are not in the saved state ----------------------------------------------
def test_saved_state_of_each_widget_is_small():
    sizes = {
        "graph": saved_state_size(kw.graph(keras.applications.MobileNetV2(weights=None))),
        "builder": saved_state_size(kw.SequentialBuilder((28, 28, 1)).widget),
    }
    live = kw.LivePlot()
    for step in range(300):
        live.log(step, loss=1 / (step + 1), accuracy=step / 300)
    live.finish()
    sizes["liveplot"] = saved_state_size(live.widget)
    too_big = {k: v for k, v in sizes.items() if k != "graph" and v > STATE_BUDGET}
    assert not too_big, sizes
    # The graph's state is mostly its data (MobileNetV2: 155 layers); its code is not in it.
    g = kw.graph(tiny())
    assert saved_state_size(g) < STATE_BUDGET
    for widget in (g, live.widget):
        assert len(widget.get_state()["_esm"]) < 5 * KB  # a loader: the view is a library


def test_library_is_served_in_parts_and_reassembles_exactly():
    live = kw.LivePlot()
    w = live.widget
    sent = []
    w.send = lambda content, buffers=None: sent.append(content)
    w._serve_library(w, {"type": "kw-library", "name": "plotly", "req": "r1"})
    text = (STATIC / "plotly.js").read_text(encoding="utf-8")
    assert len(sent) == -(-len(text) // CHUNK) >= 2
    assert {m["req"] for m in sent} == {"r1"}
    assert [m["part"] for m in sent] == list(range(len(sent)))
    assert "".join(m["text"] for m in sent) == text
    assert text.rstrip().endswith("export{Tp as default};") or "export{" in text[-200:]


def test_unknown_library_is_an_answer_not_a_crash():
    w = kw.graph(tiny())
    sent = []
    w.send = lambda content, buffers=None: sent.append(content)
    w._serve_library(w, {"type": "kw-library", "name": "../../etc/passwd", "req": "x"})
    (answer,) = sent
    assert answer["error"]
    assert "text" not in answer
    with pytest.raises(KeyError):
        library_source("nope")


def test_builder_catalog_travels_as_a_data_library():
    view = kw.SequentialBuilder((4,)).widget
    assert "catalog" not in view.get_state()
    name = view._kw_data["catalog"]
    source = library_source(name)
    assert source.startswith("export default {")
    assert json.loads(source[len("export default ") : -1]) == view.catalog


def _library_json(name: str):
    source = library_source(name)
    assert source.startswith("export default ")
    assert source.endswith(";")
    return json.loads(source[len("export default ") : -1])


def test_graph_layers_travel_as_a_data_library_not_in_saved_state():
    g = kw.graph(keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3)))
    state = g.get_state()
    assert "data" not in state
    # The loader (with Voila's early view) and the style; the layers were ~66 KB more.
    assert saved_state_size(g) < 12 * KB
    # One JSON text of columns, decoded by each view (js/graph/index.js readData).
    sent = decode(_library_json(g._kw_data["data"]))
    assert sent == json.loads(json.dumps(g.data))


def test_data_libraries_are_counted_per_widget_and_dropped_with_the_last():
    model = only_here()
    a, b = kw.graph(model), kw.graph(model)
    name = a._kw_data["data"]
    assert b._kw_data["data"] == name  # the same layers: one library for both
    a.close()
    a.close()  # closing twice releases once
    assert library_source(name)  # b still needs it
    b.close()
    with pytest.raises(KeyError):
        library_source(name)


def test_new_graph_data_replaces_its_library():
    model = only_here()
    g = kw.graph(model)
    old = g._kw_data["data"]
    g.data = {**g.data, "notes": ["a note"]}
    new = g._kw_data["data"]
    assert new != old
    assert json.loads(_library_json(new))["notes"] == ["a note"]
    with pytest.raises(KeyError):
        library_source(old)
    g.close()
    with pytest.raises(KeyError):
        library_source(new)


def test_data_library_is_dropped_when_its_widget_is_garbage_collected():
    import gc
    import weakref

    from ipywidgets.widgets import widget as ipw

    g = kw.graph(only_here())
    name = g._kw_data["data"]
    # ipywidgets and the comm manager hold every open widget; let go of it as a host that
    # forgets a widget would, then drop our last reference.
    instances = getattr(ipw, "_instances", None)  # ipywidgets 8
    if instances is None:
        instances = ipw.Widget.widgets  # ipywidgets 7
    instances.pop(g.model_id, None)
    manager = getattr(g.comm, "comm_manager", None) or getattr(g.comm, "kernel", None)
    try:
        import comm

        comm.get_comm_manager().unregister_comm(g.comm)
    except Exception:  # ipywidgets 7 with ipykernel < 6.18: no comm package manager
        if manager is not None and hasattr(manager, "unregister_comm"):
            manager.unregister_comm(g.comm)
    g.comm = None
    gone = weakref.ref(g)
    del g
    gc.collect()
    assert gone() is None  # nothing else keeps a widget alive (anywidget's file watch did)
    with pytest.raises(KeyError):
        library_source(name)


def test_pictures_leave_out_what_an_image_never_shows():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="40"><title>Layer graph</title>'
        '<g class="kw-graph-node" data-id="n1" data-status="added"><title>a\nDense</title>'
        '<text x="1" y="12">a data-id="n2" &lt;b&gt;</text></g>'
        '<path d="M0,0L5,5" data-source="n1" data-target="n2" marker-end="url(#kw-arrow-a)">'
        "<title>a → b</title></path></svg>"
    )
    (kept,) = _display.svg_pictures(_display.svg_image(svg, "graph"))
    root = ET.fromstring(kept)
    ns = "{http://www.w3.org/2000/svg}"
    assert [t.text for t in root.iter(f"{ns}title")] == ["Layer graph"]  # the drawing's own
    assert "data-id=" not in kept.replace('data-id="n2" &lt;', "")  # the name's text stays
    assert 'a data-id="n2" &lt;b&gt;' in kept
    assert "data-source" not in kept
    assert 'data-status="added"' in kept  # a diff's mark
    assert 'marker-end="url(#kw-arrow-a)"' in kept  # edges keep their arrowheads


# -- marimo ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make", ["builder", "liveplot"])
def test_marimo_display_protocol_and_anywidget_wrapping(make):
    obj = kw.SequentialBuilder((4,)) if make == "builder" else kw.LivePlot()
    assert obj._display_() is obj.widget
    # What mo.ui.anywidget(obj) reads: the widget's comm, model id and state.
    assert obj.comm is obj.widget.comm
    assert obj._model_id == obj.widget.model_id
    assert obj.get_state() == obj.widget.get_state()


def test_marimo_ui_anywidget_accepts_our_objects():
    mo = pytest.importorskip("marimo")
    b = kw.SequentialBuilder((4,))
    b.add("Dense", units=3)
    ui = mo.ui.anywidget(b)
    assert ui.widget is b
    assert json.loads(ui.value["state_json"])["layers"][0]["type"] == "Dense"
    assert ui.layers == b.layers  # attributes still reach our object
    live = mo.ui.anywidget(kw.LivePlot())
    assert "state" in live.value


# -- a clear message when Keras has no backend ------------------------------------------------
BLOCKER = """
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"tensorflow", "jax", "jaxlib", "torch"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Blocker())
import keras_widgets as kw
try:
    kw.LivePlot()
except ModuleNotFoundError as e:
    print("MESSAGE", e)
else:
    print("NO ERROR")
"""


def test_missing_backend_names_what_to_install():
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    out = subprocess.run(
        [sys.executable, "-c", BLOCKER], capture_output=True, text=True, env=env, timeout=120
    )
    assert "MESSAGE" in out.stdout, out.stdout + out.stderr
    assert 'pip install "keras-widgets[tensorflow]"' in out.stdout
    assert "'tensorflow' is not installed" in out.stdout
    assert "keras-widgets[jax]" in out.stdout
    assert "keras-widgets[torch]" in out.stdout


def test_other_missing_modules_are_not_reworded():
    from keras_widgets._env import explain_missing_backend

    explain_missing_backend(ModuleNotFoundError("No module named 'sklearn'", name="sklearn"))


def test_data_uri_pictures_decode():
    svg = "<svg xmlns='http://www.w3.org/2000/svg'/>"
    src = base64.b64encode(svg.encode()).decode()
    assert _display.svg_pictures(f'<img src="data:image/svg+xml;base64,{src}">') == [svg]


# -- Voila: shows by a running cell are announced before their output -------------------------
@pytest.fixture
def in_voila(monkeypatch):
    """The kernel environment Voila sets (voila/handler.py)."""
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/voila/render/x.ipynb")


def _events(monkeypatch, widget):
    """Record, in order, changes of ``_kw_cell_shows`` and displays."""
    import IPython.display

    events = []
    widget.observe(lambda change: events.append(("shows", change["new"])), "_kw_cell_shows")
    real = IPython.display.display
    monkeypatch.setattr(
        IPython.display, "display", lambda *a, **k: (events.append(("display",)), real(*a, **k))
    )
    return events


def test_voila_is_told_of_an_early_show_before_the_output(in_voila, monkeypatch):
    live = kw.LivePlot()
    live.log(0, loss=1.0)
    widget = live.widget
    events = _events(monkeypatch, widget)
    with capture_output() as cap:
        display(live)
    assert events[0] == ("shows", 1)  # before the widget output, which Voila sends late
    assert ("display",) in events
    assert cap.outputs[0].data[WIDGET_VIEW]["model_id"] == widget.model_id
    with capture_output():
        display(live)
    assert widget._kw_cell_shows == 2


def test_no_early_show_outside_voila(monkeypatch):
    for name in ("VOILA_REQUEST_URL", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    live = kw.LivePlot()
    live.log(0, loss=1.0)
    events = _events(monkeypatch, live.widget)
    with capture_output():
        display(live)
    assert live.widget._kw_cell_shows == 0
    assert ("shows", 1) not in events
    assert "_kw_cell_shows" in live.widget.get_state()  # synced, so the page can watch it


def test_only_widgets_that_answer_during_their_cell_show_early(in_voila):
    # A graph cannot load its view while its cell runs on (nothing polls): it appears when the
    # cell ends, as before.
    g = kw.graph(tiny())
    with capture_output():
        display(g)
    assert g._kw_cell_shows == 0
    b = kw.SequentialBuilder((4,))
    with capture_output():
        display(b)
    assert b.widget._kw_cell_shows == 0


def test_voila_is_recognised_by_the_variables_it_sets(monkeypatch):
    from keras_widgets._env import in_voila

    for name in ("VOILA_REQUEST_URL", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    assert not in_voila()
    monkeypatch.setenv("VOILA_KERNEL_ID", "0f2a")
    assert in_voila()


def test_cell_shows_is_not_a_user_option():
    from keras_widgets._liveplot._widget import LivePlotWidget

    with pytest.raises(TypeError, match="_kw_cell_shows"):
        LivePlotWidget(_kw_cell_shows=3)
