"""kw.graph's bounds and checks: capped details, the saved picture's allow-list and direction,
the data fields other features fill in (measures, diff status), big-graph static pictures."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import keras
import pytest
import traitlets

import keras_widgets as kw
from keras_widgets._graph import GraphWidget
from keras_widgets._graph._columns import FORMAT, decode
from keras_widgets._graph._static import MAX_STATIC_NODES, fallback_svg, safe_svg
from keras_widgets._graph._widget import MAX_MESSAGE, bounded
from keras_widgets._widget import library_source
from tests._graph_synthetic import residual_graph_data

L = keras.layers


class HugeConfig(L.Layer):
    """A layer whose get_config() is 200,000 keys and a 5 MB string."""

    def get_config(self):
        config = super().get_config()
        config.update({f"key_{i}": i for i in range(200_000)})
        config["blob"] = "x" * 5_000_000
        return config

    def call(self, x):
        return x


def details_message(layer_cls, before_details=None):
    x = keras.Input((4,), name="x")
    layer = layer_cls(name="huge")
    model = keras.Model(x, layer(x))
    g = kw.graph(model)
    if before_details:
        before_details(layer)
    sent = []
    g.send = sent.append
    node = next(n["id"] for n in g.data["nodes"] if n["name"] == "huge")
    g._on_msg(g, {"type": "details", "id": node}, None)
    return sent[0]


def test_details_message_is_capped_and_says_what_was_left_out():
    msg = details_message(HugeConfig)
    text = json.dumps(msg)
    assert len(text) <= MAX_MESSAGE + 1_000  # was 3.6 MB of keys + a 5 MB string
    config = msg["details"]["config"]
    assert config["name"] == "huge"  # the first keys are kept as they are
    assert any("more keys" in str(v) for v in config.values())
    assert msg["details"]["name"] == "huge"


def test_bounded_caps_strings_dicts_lists_and_depth():
    assert bounded("a" * 10, text=4) == "aaaa… (6 more characters)"
    assert bounded({str(i): i for i in range(5)}, items=2) == {"0": 0, "1": 1, "…": "3 more keys"}
    assert bounded(list(range(5)), items=2) == [0, 1, "… 3 more"]
    deep: dict = {}
    cur = deep
    for _ in range(20):
        cur["d"] = {}
        cur = cur["d"]
    text = json.dumps(bounded(deep))
    assert "nested too deep" in text
    assert bounded({"k": 1.5, "b": None, "t": True}) == {"k": 1.5, "b": None, "t": True}


def test_a_failing_layer_details_is_an_error_message():
    class Broken(L.Layer):
        broken = False

        @property
        def weights(self):
            if self.broken:
                raise RuntimeError("no weights either")
            return super().weights

        def call(self, x):
            return x

    msg = details_message(Broken, before_details=lambda layer: setattr(layer, "broken", True))
    assert "no weights either" in msg["details"]["error"]


OUR_ARROW = 'marker-end="url(#kw-arrow-abc1)"'


@pytest.mark.parametrize(
    "attr",
    [
        'fill="\\75 rl(https://example.com/x)"',  # CSS escape of "u": url( without the letter
        'fill="url(https://example.com/x)"',
        'stroke="url(#x) url(https://e.com)"',
        'marker-end="url(https://example.com/a.svg#m)"',
        'fill="u&#114;l(https://example.com/x)"',  # an entity in the value
        'style="fill:url(https://example.com/x)"',
        'href="https://example.com/x"',
        'xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="https://example.com/x"',
        'font-family="x; src: url(https://example.com/f.woff)"',
        'transform="translate(1,2) url(https://example.com)"',
        'class="a" onclick="alert(1)"',
        'filter="url(#f)"',
        'mask="url(#m)"',
        'clip-path="url(#c)"',
    ],
)
def test_saved_picture_allows_no_external_reference(attr):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4" {attr}/></svg>'
    assert safe_svg(svg) is None


@pytest.mark.parametrize(
    "inner",
    [
        '<image href="https://example.com/x.png"/>',
        '<use href="https://example.com/s.svg#a"/>',
        "<style>rect{fill:url(https://example.com/x)}</style>",
        '<a href="https://example.com"><text>x</text></a>',
        '<feImage href="https://example.com"/>',
        '<html:img xmlns:html="http://www.w3.org/1999/xhtml" src="https://example.com/x"/>',
    ],
)
def test_saved_picture_allows_no_other_element(inner):
    assert safe_svg(f'<svg xmlns="http://www.w3.org/2000/svg">{inner}</svg>') is None


def test_our_drawing_passes_the_allow_list():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200" '
        "font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\" "
        'font-size="12"><title>Layer graph of m</title><rect width="100%" height="100%" '
        'fill="#ffffff"/><defs><marker id="kw-arrow-abc1" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#7a7a7a"/></marker></defs><g class="kw-graph-root"><path class="kw-graph-edge" '
        f'd="M10.5,20Q12,30 14,40.25" fill="none" stroke="#9a9a9a" stroke-width="1.3" {OUR_ARROW} '
        'data-source="n0" data-target="n1"><title>a → b</title></path><g class="kw-graph-node" '
        'data-id="n1" data-status="added" transform="translate(12.5,-3e-7)" opacity="0.55">'
        '<rect class="kw-graph-box" width="110" height="52" rx="6" fill="rgba(0,137,123,0.06)" '
        'stroke="#263238" stroke-width="2.4" stroke-dasharray="4 2"/><text x="94" y="4" '
        'text-anchor="middle" font-weight="700" fill="#ffffff">+</text></g></g></svg>'
    )
    assert safe_svg(svg) == svg


def node_positions(svg):
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("class") == "kw-graph-node":
            name = g.find("{http://www.w3.org/2000/svg}text").text
            x, y = map(
                float, re.match(r"translate\(([-\d.]+),([-\d.]+)\)", g.get("transform")).groups()
            )
            out[name] = (x, y)
    return out


def test_saved_picture_honours_direction():
    x = keras.Input((4,), name="x")
    h = L.Dense(4, name="h1")(x)
    h = L.Dense(4, name="h2")(h)
    model = keras.Model(x, L.Add(name="add")([x, h]), name="lr")
    tb = node_positions(kw.graph(model).static_svg())
    lr_widget = kw.graph(model, direction="LR")
    lr = node_positions(lr_widget.static_svg())
    order = ["x", "h1", "h2", "add"]
    assert [tb[n][1] for n in order] == sorted(tb[n][1] for n in order)
    assert len({tb[n][1] for n in order}) == 4  # TB: one row each, going down
    assert [lr[n][0] for n in order] == sorted(lr[n][0] for n in order)
    assert len({lr[n][0] for n in order}) == 4  # LR: one column each, going right
    assert len({lr[n][1] for n in ("h1", "h2")}) == 1
    root = ET.fromstring(lr_widget.static_svg())
    assert float(root.get("width")) > float(root.get("height"))
    assert safe_svg(lr_widget.static_svg()) is not None


def test_static_picture_of_a_huge_graph_is_bounded_and_says_so():
    data = residual_graph_data(5_000)
    svg = fallback_svg(data)
    assert svg.count('class="kw-graph-node"') == MAX_STATIC_NODES
    assert f"first {MAX_STATIC_NODES:,} of 5,000 layers" in svg
    assert safe_svg(svg) is not None


def test_from_data_keeps_measures_and_status_and_checks_colour():
    data = residual_graph_data(9, measures=True, status=True)
    g = GraphWidget.from_data(data, color="macs", direction="LR")
    assert g.to_dict() == data
    assert g.color == "macs"
    assert {n["status"] for n in g.data["nodes"]} <= {"added", "removed", "changed", "same"}
    assert g.data["nodes"][1]["measures"]["macs"] == 64 * 64
    with pytest.raises(traitlets.TraitError):
        g.color = "weight"
    sent = []
    g.send = sent.append
    g._on_msg(g, {"type": "details", "id": "n1"}, None)
    assert "no layer behind" in sent[0]["details"]["error"]
    assert (
        kw.graph(keras.Sequential([keras.Input((2,)), L.Dense(1)]), color="params").color
        == "params"
    )


def test_minimal_hand_made_data_draws_everywhere():
    """A diff's merged graph may carry only the fields it needs."""
    data = {
        "nodes": [
            {"id": "a", "name": "a", "class_name": "Dense", "kind": "dense", "status": "removed"},
            {"id": "b", "name": "b", "class_name": "Dense", "kind": "dense", "status": "added"},
        ],
        "edges": [{"source": "a", "target": "b", "shape": None}],
    }
    g = GraphWidget.from_data(data)
    svg = g.static_svg()
    assert svg.count('class="kw-graph-node"') == 2
    assert safe_svg(svg) is not None
    assert "2 layers" in g.static_bundle()["text/plain"]


def test_data_is_sent_as_one_json_text_of_columns():
    # ipywidgets walks nested state object by object (seconds at 50,000 nodes); a text it does not.
    data = residual_graph_data(9, measures=True)
    data["nodes"][1]["measures"]["time"] = float("nan")  # JSON has no NaN: sent as null
    g = GraphWidget.from_data(data)
    source = library_source(g._kw_data["data"])  # a data library (not in saved state)
    sent = json.loads(source[len("export default ") : -1])
    assert isinstance(sent, str)
    assert json.loads(sent)["format"] == FORMAT
    back = decode(sent)
    assert back["nodes"][1]["measures"]["time"] is None
    assert back["nodes"][2] == data["nodes"][2]
    assert back["edges"] == data["edges"]
    assert "data" not in g.get_state()
