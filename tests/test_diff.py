"""kw.diff: layer matching, changes, outputs (text, HTML, DataFrame, merged graph, picture).

Real models: keras.applications (weights=None), the transfer-learning pattern of Keras'
guide "Transfer learning & fine-tuning" (keras.io/guides/transfer_learning: freeze a base,
train a head, then unfreeze the top of the base), and kw.SequentialBuilder states.
"""

from __future__ import annotations

import html.parser
import itertools
import json
import math
import re
import xml.etree.ElementTree as ET

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_widgets as kw
from keras_widgets._builder._core import _deferred_variables
from keras_widgets._diff import _match
from keras_widgets._diff._graph import marked_svg
from keras_widgets._diff._widget import DiffGraphWidget
from keras_widgets._graph._static import safe_svg

L = keras.layers


def names(rows):
    return [r.name for r in rows]


def count(variables) -> int:
    return int(sum(math.prod(v.shape) for v in variables))


# -- fixtures ------------------------------------------------------------------------------------
# The applications are built with their weights declared but not allocated (the builder's
# keras.StatelessScope(initialize_variables=False) helper): a diff reads shapes, configs and
# flags, never weight values, and so these models cost well under a second on every backend
# (a real build of ResNet50 costs a minute on a busy JAX CPU: one XLA compile per shape).
@pytest.fixture(scope="module")
def resnets():
    with _deferred_variables():
        return keras.applications.ResNet50(weights=None), keras.applications.ResNet101(weights=None)


@pytest.fixture(scope="module")
def mobilenets():
    kwargs = {"weights": None, "input_shape": (96, 96, 3)}
    with _deferred_variables():
        return (
            keras.applications.MobileNetV2(alpha=1.0, **kwargs),
            keras.applications.MobileNetV2(alpha=0.5, **kwargs),
        )


@pytest.fixture(scope="module")
def fine_tuning():
    """Keras' transfer-learning recipe: frozen base + new head; snapshot; unfreeze the top."""
    with _deferred_variables():
        base = keras.applications.MobileNetV2(
            input_shape=(96, 96, 3), include_top=False, weights=None, alpha=0.35
        )
        base.trainable = False
        inputs = keras.Input((96, 96, 3))
        x = base(inputs, training=False)
        x = L.GlobalAveragePooling2D()(x)
        x = L.Dropout(0.2)(x)
        model = keras.Model(inputs, L.Dense(1)(x), name="classifier")
    before = kw.snapshot(model)
    trainable_before = count(model.trainable_weights)
    base.trainable = True
    for layer in base.layers[:100]:
        layer.trainable = False
    return before, model, base, trainable_before


# -- the four cases of the issue ---------------------------------------------------------------
def test_fine_tuning_unfreeze_lists_the_layers_whose_trainable_flag_flipped(fine_tuning):
    before, model, base, trainable_before = fine_tuning
    d = kw.diff(before, model)
    assert d.counts["added"] == d.counts["removed"] == 0
    # Layers with weights whose flag flipped (a ReLU's flag changes nothing: not listed).
    flipped = {layer.name for layer in base.layers[100:] if layer.weights} | {base.name}
    changed = d.changes("changed")
    assert set(names(changed)) == flipped
    assert all("trainable" in r.what for r in changed)
    assert all(r.trainable_before is False and r.trainable_after is True for r in changed)
    # Nested rows say where they live.
    conv = d.row(base.layers[-3].name)
    assert (conv.parent, conv.depth) == (base.name, 1)
    # Totals: same weights, more of them trainable.
    assert d.params == (model.count_params(), model.count_params())
    assert d.trainable_params == (trainable_before, count(model.trainable_weights))
    assert trainable_before < count(model.trainable_weights)
    delta = count(model.trainable_weights) - trainable_before
    assert f"trainable params: {trainable_before:,} -> " in str(d)
    assert f"(+{delta:,})" in d.summary_lines()[2]
    assert d.summary_lines()[0] == f"0 added, 0 removed, {len(flipped)} changed, " + (
        f"{len(d.rows) - len(flipped)} same"
    )
    # A layer with weights: trainable params go 0 -> all of them.
    with_weights = next(r for r in changed if r.class_name == "Conv2D")
    assert with_weights.trainable_params_before == 0
    assert with_weights.trainable_params_after == with_weights.params_after


def test_snapshot_keeps_the_before_state(fine_tuning):
    before, model, base, _ = fine_tuning
    inner = next(n for n in before.graph["nodes"] if n["name"] == base.name)
    assert inner["trainable"] is False  # although base.trainable is True now
    assert kw.diff(model, model).counts["changed"] == 0


def test_builder_versions_match_by_structure(tmp_path):
    b = kw.SequentialBuilder(input_shape=(28, 28, 1))
    b.add("Conv2D", filters=8, kernel_size=3, activation="relu")
    b.add("Flatten")
    b.add("Dense", units=10, activation="softmax")
    with _deferred_variables():
        first = b.model
    b.set(0, filters=16)
    b.insert(1, "MaxPooling2D", pool_size=2)
    with _deferred_variables():
        second = b.model
    d = kw.diff(first, second)
    assert d.counts == {"added": 1, "removed": 0, "changed": 3, "same": 1}
    (added,) = d.changes("added")
    assert added.class_name == "MaxPooling2D"
    assert added.name == second.layers[1].name
    conv = d.row(second.layers[0].name)
    # Two builds: Keras made up different names, the structure pairs them anyway.
    assert conv.name_before == first.layers[0].name != conv.name
    assert conv.matched_by == "structure"
    assert "name" not in conv.what  # made-up names are not a change
    assert ("filters", 8, 16) in conv.config_changes
    assert conv.params_delta == second.layers[0].count_params() - first.layers[0].count_params()
    flatten = d.row(second.layers[2].name)
    assert set(flatten.what) == {"output_shape", "inputs"}
    assert flatten.inputs_after == (added.name,)
    dense = d.row(second.layers[3].name)
    assert dense.what == ("params",)
    assert d.params[1] - d.params[0] == second.count_params() - first.count_params()


def test_resnet50_vs_resnet101_adds_the_conv4_blocks(resnets):
    r50, r101 = resnets
    d = kw.diff(r50, r101)
    # Oracle: the layers whose name ResNet50 lacks (the input layers' made-up names aside).
    names50 = {layer.name for layer in r50.layers}
    expected = [
        layer.name
        for layer in r101.layers
        if layer.name not in names50 and not isinstance(layer, L.InputLayer)
    ]
    assert names(d.changes("added")) == expected
    assert len(expected) == 170
    blocks = {int(re.match(r"conv4_block(\d+)_", n).group(1)) for n in expected}
    assert blocks == set(range(7, 24))
    assert d.changes("removed") == []
    # The first conv5 block now reads from the last conv4 block.
    changed = {r.name: r for r in d.changes("changed")}
    assert set(changed) == {"conv5_block1_0_conv", "conv5_block1_1_conv"}
    assert changed["conv5_block1_0_conv"].what == ("inputs",)
    assert changed["conv5_block1_0_conv"].inputs_before == ("conv4_block6_out",)
    assert changed["conv5_block1_0_conv"].inputs_after == ("conv4_block23_out",)
    by = {r.matched_by for r in d.rows if r.change != "added" and r.class_name != "InputLayer"}
    assert by == {"name"}
    assert d.params == (r50.count_params(), r101.count_params())
    added_params = sum(r.params_after for r in d.changes("added"))
    assert added_params == r101.count_params() - r50.count_params()
    # Merged order: added blocks sit after conv4_block6, before conv5.
    order = names(d.rows)
    assert order.index("conv4_block6_out") < order.index("conv4_block7_1_conv")
    assert order.index("conv4_block23_out") < order.index("conv5_block1_1_conv")


def test_mobilenet_alpha_changes_filters_and_params_not_structure(mobilenets):
    m10, m05 = mobilenets
    d = kw.diff(m10, m05)
    assert d.counts["added"] == d.counts["removed"] == 0
    # Oracle from Keras' public API: a layer changed when its config (without name),
    # output shape, parameter count or trainable flag differs.
    expected = set()
    assert [type(x) for x in m10.layers] == [type(x) for x in m05.layers]
    for layer, other in zip(m10.layers, m05.layers, strict=True):
        ca = {k: v for k, v in layer.get_config().items() if k not in ("name", "trainable")}
        cb = {k: v for k, v in other.get_config().items() if k not in ("name", "trainable")}
        if (
            ca != cb
            or tuple(layer.output.shape) != tuple(other.output.shape)
            or layer.count_params() != other.count_params()
        ):
            expected.add(layer.name)
    assert set(names(d.changes("changed"))) == expected
    assert len(expected) > 100
    conv1 = d.row("Conv1")
    assert ("filters", 32, 16) in conv1.config_changes
    assert conv1.output_shape_before == "(None, 48, 48, 32)"
    assert conv1.output_shape_after == "(None, 48, 48, 16)"
    bn = d.row("bn_Conv1")
    # BatchNormalization: half its weights are non-trainable in both; not a trainable change.
    assert "trainable_params" not in bn.what
    assert d.params == (m10.count_params(), m05.count_params())


# -- matching ----------------------------------------------------------------------------------
def mlp(units, name=None):
    x = keras.Input((8,))
    h = x
    for u in units:
        h = L.Dense(u, activation="relu")(h)
    return keras.Model(x, L.Dense(2)(h), name=name)


def test_auto_named_copies_are_the_same_and_an_inserted_layer_is_found():
    d = kw.diff(mlp([16, 16]), mlp([16, 16]))
    assert d.counts == {"added": 0, "removed": 0, "changed": 0, "same": 4}
    d = kw.diff(mlp([16, 16]), mlp([16, 32, 16]))
    assert d.counts["added"] == 1
    assert d.counts["removed"] == 0
    (added,) = d.changes("added")
    rows = [r for r in d.rows if r.class_name == "Dense"]
    assert rows.index(added) == 1  # the middle layer, not the first or the last
    assert added.output_shape_after == "(None, 32)"


def test_user_named_layer_moved_is_matched_by_name_and_renames_are_changes():
    def model(order, last="out"):
        x = keras.Input((4,), name="x")
        h = x
        for name in order:
            h = L.Dense(4, name=name)(h)
        return keras.Model(x, L.Dense(1, name=last)(h))

    d = kw.diff(model(["a", "b", "c"]), model(["c", "a", "b"], last="final"))
    assert d.counts["added"] == d.counts["removed"] == 0
    assert {r.name: r.matched_by for r in d.rows if r.class_name == "Dense"} == {
        "c": "name",
        "a": "name",
        "b": "name",
        "final": "structure",
    }
    assert "inputs" in d.row("c").what
    assert "name" in d.row("final").what  # user-given names are identity


def test_class_change_is_a_removal_and_an_addition():
    a = keras.Sequential([keras.Input((4,)), L.Dense(3, name="mid"), L.Dense(1, name="o")])
    b = keras.Sequential([keras.Input((4,)), L.Dropout(0.1, name="mid"), L.Dense(1, name="o")])
    d = kw.diff(a, b)
    assert [(r.change, r.class_name) for r in d.rows if r.name == "mid"] == [
        ("removed", "Dense"),
        ("added", "Dropout"),
    ]


def test_nested_model_contents_are_compared_inside_matched_groups():
    def model(inner_units, with_encoder=True):
        x = keras.Input((8,), name="x")
        if with_encoder:
            i = keras.Input((8,), name="ei")
            e = L.Dense(inner_units, name="e1")(i)
            enc = keras.Model(i, L.Dense(4, name="e2")(e), name="encoder")
            h = enc(x)
        else:
            h = L.Dense(4, name="plain")(x)
        return keras.Model(x, L.Dense(1, name="head")(h), name="outer")

    d = kw.diff(model(16), model(32))
    e1 = d.row("e1")
    assert (e1.change, e1.parent, e1.depth) == ("changed", "encoder", 1)
    assert ("units", 16, 32) in e1.config_changes
    assert d.row("encoder").change == "changed"  # its params changed
    # A removed nested model takes its layers with it.
    d = kw.diff(model(16), model(16, with_encoder=False))
    removed = {r.name: r.depth for r in d.changes("removed")}
    assert removed == {"encoder": 0, "ei": 1, "e1": 1, "e2": 1}
    assert names(d.changes("added")) == ["plain"]


def test_swapped_branches_pair_by_graph_neighbourhood():
    def model(swap):
        left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
        dl, dr = L.Dense(4)(left), L.Dense(4)(right)  # made-up names, same config
        out = L.Concatenate(name="cat")([dr, dl] if swap else [dl, dr])
        return keras.Model([left, right], out)

    d = kw.diff(model(False), model(True))
    dense = [r for r in d.rows if r.class_name == "Dense"]
    assert [r.change for r in dense] == ["same", "same"]
    assert all(r.inputs_before == r.inputs_after for r in dense)  # left with left
    cat = d.row("cat")
    assert cat.what == ("inputs",)  # the order of Concatenate's inputs changed
    assert cat.inputs_before[0] == next(r.name_before for r in dense if r.inputs_after == ("left",))


items_strategy = st.lists(st.sampled_from(["Dense", "Conv2D", "ReLU"]), max_size=5)


@settings(max_examples=60, deadline=None)
@given(items_strategy, items_strategy, st.data())
def test_alignment_is_order_keeping_same_class_and_optimal(classes_a, classes_b, data):
    def items(classes, prefix):
        return [
            _match.Item(
                f"{prefix}{i}",
                f"n{data.draw(st.integers(0, 2))}",
                c,
                False,
                True,
                data.draw(st.sampled_from(["{}", "{1}"])),
                "s",
                1,
            )
            for i, c in enumerate(classes)
        ]

    a, b = items(classes_a, "a"), items(classes_b, "b")
    pairs = _match.align(a, b)
    ia = [a.index(x) for x, _ in pairs]
    ib = [b.index(y) for _, y in pairs]
    assert ia == sorted(set(ia))
    assert ib == sorted(set(ib))
    assert all(x.class_name == y.class_name for x, y in pairs)
    # Brute force over every order-keeping matching: none scores more.
    best = 0
    for k in range(min(len(a), len(b)) + 1):
        for sa in itertools.combinations(range(len(a)), k):
            for sb in itertools.combinations(range(len(b)), k):
                scores = [_match.score(a[i], b[j]) for i, j in zip(sa, sb, strict=True)]
                if all(scores):
                    best = max(best, sum(scores))
    assert sum(_match.score(x, y) for x, y in pairs) == best


def test_large_gaps_are_cut_by_difflib_before_the_exact_alignment(monkeypatch):
    def items(classes, prefix):
        return [
            _match.Item(f"{prefix}{i}", f"{c.lower()}_{i}", c, False, True, "{}", "s", 1)
            for i, c in enumerate(classes)
        ]

    a = items(["Dense", "Conv2D", "Dense", "ReLU", "Dense"], "a")
    b = items(["Dense", "Conv2D", "Dropout", "Dense", "ReLU", "Dense"], "b")
    exact = [(x.id, y.id) for x, y in _match.align(a, b)]
    monkeypatch.setattr(_match, "DP_CELLS", 4)
    assert [(x.id, y.id) for x, y in _match.align(a, b)] == exact
    assert exact == [("a0", "b0"), ("a1", "b1"), ("a2", "b3"), ("a3", "b4"), ("a4", "b5")]


# -- outputs -----------------------------------------------------------------------------------
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def small_diff():
    def make(extra):
        x = keras.Input((16,), name="x")
        h = L.Dense(32, activation="relu", name="h1")(x)
        h = L.Dense(32, name=EVIL)(h) if extra else L.Dropout(0.2, name="drop")(h)
        h2 = L.Dense(16 if extra else 8, name="h2")(h)
        out = L.Concatenate(name="cat")([h2, x])
        return keras.Model(x, L.Dense(3, name="head")(out), name="v2" if extra else "v1")

    return kw.diff(make(False), make(True))


def test_dataframe_has_a_change_column_and_deltas(small_diff):
    df = small_diff.to_dataframe()
    assert list(df["change"]) == [r.change for r in small_diff.rows]
    assert set(df["change"]) == {"added", "removed", "changed", "same"}
    h2 = df[df["name"] == "h2"].iloc[0]
    assert (h2["params_before"], h2["params_after"], h2["params_delta"]) == (264, 528, 264)
    assert h2["what"] == "config, output_shape, params, inputs"
    assert "units: 8 -> 16" in h2["details"]
    removed = df[df["change"] == "removed"].iloc[0]
    assert removed["name"] == "drop"
    assert removed["params_after"] is pd_na()
    assert str(df["params_delta"].dtype) == "Int64"


def pd_na():
    import pandas as pd

    return pd.NA


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def strip_styles(markup: str) -> str:
    """Roughly what GitHub's sanitizer leaves: no <style>, no style attributes."""
    markup = re.sub(r"<style>.*?</style>", "", markup, flags=re.S)
    return re.sub(r'\sstyle="[^"]*"', "", markup)


def test_html_is_escaped_and_reads_without_styles(small_diff):
    page = small_diff._repr_html_()
    assert EVIL not in page
    assert html_escaped(EVIL) in page
    parser = _Text()
    parser.feed(strip_styles(page))
    text = " ".join(parser.text)
    assert "img" not in parser.tags
    for line in small_diff.summary_lines():
        assert line in text
    assert "+ added" in text
    assert "\u2212 removed" in text
    assert "~ changed" in text
    assert "units: 8 \u2192 16" in text
    # Old and new values are <del>/<ins>, which sanitizers keep (strike-through without CSS).
    assert "<del>264</del> \u2192 <ins>528</ins>" in page
    assert "<del>drop</del>" in page
    assert "2 unchanged layers" in text
    assert "<details>" in page


def html_escaped(text):
    import html

    return html.escape(text, quote=True)


def test_text_report_lists_every_difference(small_diff):
    text = str(small_diff)
    assert text.splitlines()[1] == "1 added, 1 removed, 3 changed, 2 same"
    assert f"+ {EVIL} (Dense)" in text
    assert "- drop (Dropout)" in text
    assert "~ h2 (Dense): units: 8 -> 16" in text
    assert "h1" not in text  # same layers are not listed
    assert repr(small_diff).startswith("<ModelDiff 'v1' -> 'v2': 1 added")


def test_merged_graph_data_marks_nodes_and_edges(small_diff):
    data = small_diff.graph_data()
    json.dumps(data)
    status = {n["name"]: n["status"] for n in data["nodes"]}
    assert status == {r.name: r.change for r in small_diff.rows}
    edges = {
        (by_name(data, e["source"]), by_name(data, e["target"])): e["status"] for e in data["edges"]
    }
    assert edges[("h1", "drop")] == "removed"
    assert edges[("drop", "h2")] == "removed"
    assert edges[("h1", EVIL)] == "added"
    assert edges[("x", "h1")] == "same"
    assert data["model"]["name"] == "v1 → v2"
    assert data["model"]["params"] == small_diff.params[1]
    assert data["notes"][0] == small_diff.summary_lines()[0]
    h2 = next(n for n in data["nodes"] if n["name"] == "h2")
    assert "units: 8 -> 16" in h2["changes"]
    assert h2["params_before"] == 264


def by_name(data, nid):
    return next(n["name"] for n in data["nodes"] if n["id"] == nid)


def test_static_picture_marks_every_status_and_is_safe(small_diff):
    svg = small_diff.static_svg()
    assert safe_svg(svg) == svg  # no scripts, links or external references
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    marked = {
        g.find(f"{ns}title").text: g.get("data-status")
        for g in root.iter(f"{ns}g")
        if g.get("data-status")
    }
    assert marked[f"added: {EVIL} (Dense)"] == "added"
    assert marked["removed: drop (Dropout)"] == "removed"
    assert marked["changed: h2 (Dense)"] == "changed"
    assert marked["same: h1 (Dense)"] == "same"
    legend = "".join(root.find(f"{ns}g[@class='kw-diff-legend']").itertext())
    assert "+ added (1)" in legend
    assert "\u2212 removed (1)" in legend
    assert "~ changed (3)" in legend
    assert "= same (2)" in legend
    removed_edges = [p for p in root.iter(f"{ns}path") if p.get("stroke-dasharray") == "5 3"]
    assert len(removed_edges) == 2
    assert EVIL not in svg


def test_collapsed_nested_model_shows_changed_when_its_inside_changed(fine_tuning):
    before, model, base, _ = fine_tuning
    data = kw.diff(before, model).graph_data()
    (group,) = data["groups"]
    assert group["expanded"] is True  # something changed inside
    assert len(group["children"]) == len(base.layers)
    svg = marked_svg(data, expanded=set())
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    statuses = [g.get("data-status") for g in root.iter(f"{ns}g") if g.get("data-status")]
    assert len(statuses) == 5  # input, the base (one box), pooling, dropout, dense
    assert statuses.count("changed") == 1


def test_diff_graph_widget_shows_the_merged_data_and_answers_details(small_diff):
    g = small_diff.graph()
    assert isinstance(g, DiffGraphWidget)
    assert g.to_dict() == small_diff.graph_data()
    sent = []
    g.send = sent.append
    removed = next(n["id"] for n in g.data["nodes"] if n["status"] == "removed")
    g._on_msg(g, {"type": "details", "id": removed}, None)
    assert sent[-1]["details"]["name"] == "drop"
    assert sent[-1]["details"]["class_name"] == "Dropout"
    bundle = g.static_bundle()
    from keras_widgets._display import svg_pictures

    (picture,) = svg_pictures(bundle["text/html"])  # an <img> data URI (survives GitHub)
    assert 'data-status="removed"' in picture
    assert bundle["text/plain"].startswith("Diff graph of v1 → v2")


def test_side_by_side_marks_each_model_s_own_layers_and_links_the_selection(small_diff):
    side = small_diff.graph(view="side", direction="LR")
    a, b = side.before.data, side.after.data
    assert [n["name"] for n in a["nodes"]] == [n["name"] for n in small_diff.before.graph["nodes"]]
    assert [n["name"] for n in b["nodes"]] == [n["name"] for n in small_diff.after.graph["nodes"]]
    status_a = {n["name"]: n["status"] for n in a["nodes"]}
    status_b = {n["name"]: n["status"] for n in b["nodes"]}
    assert status_a["drop"] == "removed"
    assert status_b[EVIL] == "added"
    assert "added" not in status_a.values()
    assert "removed" not in status_b.values()
    assert status_a["h2"] == status_b["h2"] == "changed"
    # A layer of both models has one id on both sides: what the linked selection follows.
    ids_a = {n["name"]: n["id"] for n in a["nodes"]}
    ids_b = {n["name"]: n["id"] for n in b["nodes"]}
    assert ids_a["h2"] == ids_b["h2"]
    assert ids_a["x"] == ids_b["x"]
    assert ids_a["drop"] not in ids_b.values()
    edges_a = {(by_name(a, e["source"]), by_name(a, e["target"])): e["status"] for e in a["edges"]}
    edges_b = {(by_name(b, e["source"]), by_name(b, e["target"])): e["status"] for e in b["edges"]}
    assert edges_a[("h1", "drop")] == "removed"
    assert edges_b[("h1", EVIL)] == "added"
    assert edges_a[("x", "h1")] == edges_b[("x", "h1")] == "same"
    link = side._link
    assert (link.source, link.target) == ((side.before, "selected"), (side.after, "selected"))
    assert side.before.direction == side.after.direction == "LR"
    assert list(side.widget.children) == [side.before, side.after]
    # Each side answers details with its own layer (A's h2 has 8 units, B's 16).
    h2 = ids_a["h2"]
    for widget, units in ((side.before, 8), (side.after, 16)):
        sent = []
        widget.send = sent.append
        widget._on_msg(widget, {"type": "details", "id": h2}, None)
        assert sent[-1]["details"]["config"]["units"] == units
    from keras_widgets._display import svg_pictures

    bundle = side._static_bundle()
    before, after = svg_pictures(bundle["text/html"])
    assert 'data-status="removed"' in before
    assert 'data-status="added"' not in before
    assert 'data-status="added"' in after
    assert f'data-kw-static="{side.before._kw_static}"' in bundle["text/html"]
    with pytest.raises(ValueError, match="view must be"):
        small_diff.graph(view="stacked")


def test_not_a_model_is_a_clear_error():
    with pytest.raises(TypeError, match=r"kw\.diff expects Keras models"):
        kw.diff("a", keras.Sequential())
    with pytest.raises(ValueError, match="change must be one of"):
        kw.diff(mlp([2]), mlp([2])).changes("moved")


class TwoDense(keras.Model):
    """A subclassed model: Keras records no graph of its layers."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.d1 = L.Dense(units)
        self.d2 = L.Dense(2)

    def call(self, x):
        return self.d2(self.d1(x))


def test_subclassed_and_unbuilt_models_say_what_the_diff_cannot_see():
    a, b = TwoDense(4, name="small"), TwoDense(8, name="wide")
    d = kw.diff(a, b)
    assert any("small is a subclassed model" in n for n in d.notes)
    assert any("wide is not built" in n for n in d.notes)
    assert "note: wide is a subclassed model" in str(d)
    a(keras.ops.zeros((1, 3)))
    b(keras.ops.zeros((1, 3)))
    d = kw.diff(a, b)
    assert d.params == (a.count_params(), b.count_params())
    assert d.counts["changed"] == 1  # one box, its params changed
    assert not any("not built" in n for n in d.notes)
    unbuilt = kw.diff(
        keras.Sequential([L.Dense(3), L.Dense(2)]),
        keras.Sequential([L.Dense(3), L.Dropout(0.1), L.Dense(2)]),
    )
    assert [r.class_name for r in unbuilt.changes("added")] == ["Dropout"]
    assert unbuilt.params == (None, None)
    assert "params: ? -> ?" in str(unbuilt)
