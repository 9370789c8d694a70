"""Graph data of kw.graph: extraction, nesting, notes, static pictures (no browser)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import keras
import pytest

import keras_widgets as kw
from keras_widgets import _keras_nodes as kn
from keras_widgets._display import svg_pictures
from keras_widgets._graph import graph_data, layer_details
from keras_widgets._graph._static import fallback_svg, layers, safe_svg

L = keras.layers


def names(data, ids):
    by_id = {n["id"]: n["name"] for n in data["nodes"]}
    return [by_id[i] for i in ids]


def edge_names(data):
    by_id = {n["id"]: n["name"] for n in data["nodes"]}
    return sorted((by_id[e["source"]], by_id[e["target"]]) for e in data["edges"])


def test_sequential_is_a_chain_with_shapes_and_params():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            L.Conv2D(4, 3, name="c"),
            L.Flatten(name="f"),
            L.Dense(10, name="d"),
        ]
    )
    data = graph_data(model)
    assert [n["name"] for n in data["nodes"]][1:] == ["c", "f", "d"]
    assert data["nodes"][0]["kind"] == "input"
    assert edge_names(data) == sorted([(data["nodes"][0]["name"], "c"), ("c", "f"), ("f", "d")])
    conv = data["nodes"][1]
    assert conv["output_shape"] == [None, 26, 26, 4]
    assert conv["params"] == 3 * 3 * 1 * 4 + 4 == model.layers[0].count_params()
    assert conv["kind"] == "conv"
    assert [n["is_output"] for n in data["nodes"]] == [False, False, False, True]
    assert data["model"]["params"] == model.count_params()
    assert data["model"]["type"] == "sequential"
    assert data["notes"] == []
    json.dumps(data)  # plain data


def test_functional_skip_connection_branches_and_merges():
    x = keras.Input((8,), name="x")
    h = L.Dense(8, name="h1")(x)
    h = L.Dense(8, name="h2")(h)
    out = L.Add(name="add")([x, h])
    data = graph_data(keras.Model(x, out))
    assert edge_names(data) == [("h1", "h2"), ("h2", "add"), ("x", "add"), ("x", "h1")]
    add = next(n for n in data["nodes"] if n["name"] == "add")
    assert add["kind"] == "merge"
    assert add["is_output"]
    assert all(e["shape"] == [None, 8] for e in data["edges"])


def test_multi_input_multi_output_and_keras_ops():
    a = keras.Input((4,), name="a")
    b = keras.Input((6,), name="b")
    merged = L.Concatenate(name="cat")([a, b])
    y1 = L.Dense(1, name="y1")(merged)
    y2 = L.Dense(2, name="y2")(merged * 2.0)  # a keras op between layers is a node too
    data = graph_data(keras.Model([a, b], [y1, y2]))
    by_name = {n["name"]: n for n in data["nodes"]}
    assert by_name["a"]["kind"] == by_name["b"]["kind"] == "input"
    assert {n for n, v in by_name.items() if v["is_output"]} == {"y1", "y2"}
    op = next(n for n in data["nodes"] if n["kind"] == "op")
    assert op["params"] == 0
    assert ("cat", op["name"]) in edge_names(data)
    assert (op["name"], "y2") in edge_names(data)
    assert by_name["cat"]["output_shape"] == [None, 10]


def test_shared_layer_is_one_node_with_several_edges():
    shared = L.Dense(4, name="shared")
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    out = L.Add(name="sum")([shared(a), shared(b)])
    data = graph_data(keras.Model([a, b], out))
    nodes = [n for n in data["nodes"] if n["name"] == "shared"]
    assert len(nodes) == 1
    assert nodes[0]["calls"] == 2
    assert edge_names(data).count(("shared", "sum")) == 2
    assert ("a", "shared") in edge_names(data)
    assert ("b", "shared") in edge_names(data)


def nested_model():
    inner_in = keras.Input((16,), name="features")
    h = L.Dense(8, name="enc")(inner_in)
    encoder = keras.Model(inner_in, h, name="encoder")
    head = keras.Sequential([L.Dense(4, name="h1"), L.Dense(2, name="h2")], name="head")
    x = keras.Input((16,), name="x")
    z = encoder(x)
    out = head(L.Concatenate(name="cat")([z, x]))
    return keras.Model(x, out, name="outer")


def test_nested_models_are_groups_with_edges_into_their_members():
    data = graph_data(nested_model())
    groups = {g["name"]: g for g in data["groups"]}
    assert set(groups) == {"encoder", "head"}
    assert not any(g["expanded"] for g in data["groups"])
    assert names(data, groups["encoder"]["children"]) == ["features", "enc"]
    assert names(data, groups["head"]["children"])[-2:] == ["h1", "h2"]
    edges = edge_names(data)
    # Edges join leaves: into the encoder's input layer, out of its last layer.
    assert ("x", "features") in edges
    assert ("features", "enc") in edges
    assert ("enc", "cat") in edges
    assert ("cat", "h1") in edges or ("cat", names(data, groups["head"]["children"])[0]) in edges
    h2 = next(n for n in data["nodes"] if n["name"] == "h2")
    assert h2["is_output"]
    assert h2["parent"] == groups["head"]["id"]
    assert graph_data(nested_model(), expand_nested=True)["groups"][0]["expanded"]


def test_subclassed_model_is_one_node_with_a_note():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.d1 = L.Dense(3)
            self.d2 = L.Dense(1)

        def call(self, x):
            return self.d2(self.d1(x))

    model = Tiny()
    data = graph_data(model)
    assert len(data["nodes"]) == 1
    assert data["edges"] == []
    assert data["nodes"][0]["class_name"] == "Tiny"
    assert data["nodes"][0]["params"] is None  # not built yet
    assert any("subclassed" in n and "2 tracked layers" in n for n in data["notes"])
    assert any("not built" in n for n in data["notes"])
    model(keras.ops.ones((2, 5)))
    built = graph_data(model)
    assert built["nodes"][0]["params"] == 5 * 3 + 3 + 3 * 1 + 1
    assert not any("not built" in n for n in built["notes"])


def test_unbuilt_sequential_shows_known_layers_and_says_what_is_missing():
    model = keras.Sequential([L.Dense(4, name="a"), L.Dense(2, name="b")], name="later")
    data = graph_data(model)
    assert [n["name"] for n in data["nodes"]] == ["a", "b"]
    assert all(n["params"] is None and n["output_shape"] is None for n in data["nodes"])
    assert edge_names(data) == [("a", "b")]
    assert data["model"]["built"] is False
    assert data["model"]["params"] is None
    assert any("later is not built" in n for n in data["notes"])
    svg = fallback_svg(data)
    assert "? params" in svg
    assert ET.fromstring(svg) is not None


def test_layer_details_are_json_safe_with_weights():
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, name="d", activation="relu")])
    details = layer_details(model.layers[0])
    json.dumps(details)
    assert details["config"]["units"] == 2
    assert details["config"]["activation"] == "relu"
    assert [(w["shape"], w["count"], w["trainable"]) for w in details["weights"]] == [
        ([3, 2], 6, True),
        ([2], 2, True),
    ]
    assert details["weights"][0]["dtype"] == "float32"


def test_widget_to_dict_details_message_and_static_picture():
    model = nested_model()
    g = kw.graph(model, direction="LR", show_shapes=False)
    assert g.to_dict() == graph_data(model)
    assert g.direction == "LR"
    assert g.show_shapes is False
    assert g.expanded == []
    sent = []
    g.send = sent.append
    enc = next(n["id"] for n in g.data["nodes"] if n["name"] == "enc")
    g._on_msg(g, {"type": "details", "id": enc}, None)
    assert sent[0]["details"]["weights"][0]["shape"] == [16, 8]
    # No front-end yet: the static picture is drawn in Python, groups collapsed.
    assert "encoder" in g.static_svg()
    assert ">enc<" not in g.static_svg()
    front_end_svg = '<svg xmlns="http://www.w3.org/2000/svg"><g class="kw-graph-edges"/></svg>'
    g._on_msg(g, {"type": "svg", "svg": front_end_svg}, None)
    assert g.static_svg() == front_end_svg
    with pytest.raises(traitlets_error()):
        kw.graph(model, direction="BT")
    with pytest.raises(TypeError):
        type(g)(model, direction="TB", colour="red")


def traitlets_error():
    import traitlets

    return traitlets.TraitError


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><img/></foreignObject></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><path marker-end="url(javascript:x)"/></svg>',
        '<!DOCTYPE svg [<!ENTITY a "b">]><svg/>',
        "<svg><rect></svg>",
        "not svg",
    ],
)
def test_front_end_svg_is_refused_unless_plain_drawing(svg):
    assert safe_svg(svg) is None


def test_names_are_escaped_in_static_pictures():
    x = keras.Input((2,), name="in")
    model = keras.Model(x, L.Dense(1, name="<img src=x onerror=alert(1)>")(x), name="<b>m")
    g = kw.graph(model)
    html = g.static_bundle()["text/html"]
    (picture,) = svg_pictures(html)
    for text in (html, picture):
        assert "<img src=x" not in text
        assert "<b>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in picture
    assert safe_svg(g.static_svg()) is not None  # our own drawing passes our own check
    assert f'data-kw-static="{g._kw_static}"' in html


def test_not_a_model_is_a_clear_error():
    with pytest.raises(TypeError, match="expects a Keras model"):
        kw.graph(L.Dense(2))


def test_fallback_layers_are_longest_path():
    assert layers(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")]) == [
        ["a"],
        ["b"],
        ["c"],
        ["d"],
    ]


def test_kinds_and_shapes():
    assert kn.layer_kind(L.ConvLSTM2D(2, 3)) == "recurrent"
    assert kn.layer_kind(L.DepthwiseConv2D(3)) == "conv"
    assert kn.layer_kind(L.GlobalAveragePooling2D()) == "pooling"
    assert kn.layer_kind(L.LayerNormalization()) == "normalization"
    assert kn.layer_kind(L.Concatenate()) == "merge"
    assert kn.layer_kind(L.MultiHeadAttention(2, 4)) == "attention"
    assert kn.layer_kind(L.Lambda(lambda t: t)) == "other"
    assert kn.format_shape((None, 3)) == "(None, 3)"
    assert kn.format_shape((5,)) == "(5,)"
    assert kn.format_shape([(None, 1), (None, 2)]) == "(None, 1), (None, 2)"
    assert kn.format_shape(None) == "?"


def test_efficientnet_sized_graph_has_one_node_per_layer():
    model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35)
    data = graph_data(model)
    assert len(data["nodes"]) == len(model.layers)
    assert len(data["edges"]) == sum(len(c.inputs) for c in kn.call_nodes(model))
    assert sum(n["params"] for n in data["nodes"]) == model.count_params()
