"""kw.summary: data, HTML, text and DataFrame views of Sequential, Functional, nested,
unbuilt and subclassed models."""

from __future__ import annotations

import html.parser
import math

import keras
import numpy as np
import pytest
from keras import layers

import keras_widgets as kw
from keras_widgets._keras_nodes import built_output_shapes
from keras_widgets._summary import dtype_bits, readable_bytes, summary_data

XSS = "<img src=x onerror=window.__xss=1>"


class _Cells(html.parser.HTMLParser):
    """Collects the text of each <tr> of the summary table, and every attribute value."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(html_text: str) -> _Cells:
    p = _Cells()
    p.feed(html_text)
    return p


def n_params(weights) -> int:
    return sum(math.prod(v.shape) for v in weights)


def sequential():
    return keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, activation="relu", name="hidden"),
            layers.BatchNormalization(name="bn"),
            layers.Dense(3, name="out"),
        ],
        name="seq",
    )


class Split(layers.Layer):
    """A layer with two outputs."""

    def call(self, x):
        return x[:, :2], x[:, 2:]


def functional():
    """Two inputs, a shared layer (two calls), a two-output layer, two outputs."""
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    shared = layers.Dense(5, name="shared")
    merged = layers.Add(name="merge")([shared(a), shared(b)])
    left, right = Split(name="split")(merged)
    out1 = layers.Dense(1, name="out1")(left)
    out2 = layers.Dense(2, name="out2")(right)
    return keras.Model([a, b], [out1, out2], name="multi")


def nested():
    inner = keras.Sequential(
        [layers.Dense(6, name="inner_dense"), layers.Dense(2, name="inner_out")], name="inner"
    )
    x = keras.Input((3,), name="x")
    h = layers.Dense(4, name="pre")(x)
    y = inner(h)
    z = layers.Dense(1, name="post")(y)
    return keras.Model(x, z, name="outer")


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__(name="sub")
        self.d1 = layers.Dense(4, name="d1")
        self.d2 = layers.Dense(1, name="d2")

    def call(self, x):
        return self.d2(self.d1(x))


def test_sequential_rows_params_and_totals_match_keras():
    model = sequential()
    data = summary_data(model)
    assert data.model_type == "sequential"
    assert data.built
    assert [r.name for r in data.rows] == ["hidden", "bn", "out"]
    assert [r.kind for r in data.rows] == ["dense", "normalization", "dense"]
    assert [r.params for r in data.rows] == [layer.count_params() for layer in model.layers]
    assert data.rows[0].output_shapes == (((None, 16),),)
    assert data.rows[1].non_trainable_params == 32  # moving mean + variance
    assert not data.show_connections  # a chain: no "Connected to" column
    t = data.totals
    assert t.trainable_params == n_params(model.trainable_weights)
    assert t.non_trainable_params == n_params(model.non_trainable_weights) == 32
    assert t.trainable_bytes == 4 * t.trainable_params
    assert t.optimizer_params is None
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert f"Total params: {t.total_params:,}" in "\n".join(lines)
    assert "Connected to" not in kw.summary(model)._repr_html_()


def test_functional_multi_io_shared_and_multi_output_layers():
    model = functional()
    data = summary_data(model)
    rows = {r.name: r for r in data.rows}
    assert data.model_type == "functional"
    assert data.show_connections
    assert list(rows) == [op.name for op in model.operations]
    assert rows["a"].kind == "input"
    assert rows["a"].inbound == ((),)
    # the shared layer: two calls, one per input, each with its own output
    assert [[str(i) for i in call] for call in rows["shared"].inbound] == [["a[0][0]"], ["b[0][0]"]]
    assert rows["shared"].output_shapes == (((None, 5),), ((None, 5),))
    assert rows["shared"].output_shape == "(None, 5)"  # identical calls shown once
    assert rows["merge"].connected_to == "shared[0][0], shared[1][0]"
    assert rows["merge"].kind == "merge"
    # the two-output layer and the layers fed by each of its outputs
    assert rows["split"].output_shapes == (((None, 2), (None, 3)),)
    assert rows["split"].output_shape == "(None, 2), (None, 3)"
    assert rows["out1"].connected_to == "split[0][0]"
    assert rows["out2"].connected_to == "split[0][1]"
    assert rows["shared"].params == 25
    doc = parse(kw.summary(model)._repr_html_())
    assert doc.rows[0] == [
        "Layer (type)",
        "Output shape",
        "Param #",
        "MACs",
        "FLOPs",
        "Activations (batch 1)",
        "Connected to",
        "Trainable",
    ]
    body = {r[0]: r for r in doc.rows[1:]}
    # name and type stay apart when styles are stripped (GitHub): "merge Add", not "mergeAdd"
    assert body["merge Add"][6] == "shared[0][0], shared[1][0]"
    assert body["shared Dense"][3] == "40"  # two calls of a 4 -> 5 Dense
    assert body["out2 Dense"][1:3] == ["(None, 2)", "8"]  # 3 * 2 + 2


def _histories(obj):
    # every keras_history [layer, node index, tensor index] inside a serialized call
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            yield tuple(obj["config"]["keras_history"])
        else:
            for v in obj.values():
                yield from _histories(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _histories(v)


@pytest.mark.parametrize("make", [functional, lambda: nested()])
def test_connections_match_keras_public_config(make):
    # get_config() is the public record of the graph: our private-node reading must agree.
    model = make()
    expected = {
        layer["name"]: [list(_histories(call)) for call in layer["inbound_nodes"]]
        for layer in model.get_config()["layers"]
    }
    got = {
        r.name: [[tuple(link) for link in call] for call in r.inbound]
        for r in summary_data(model).rows
        if r.depth == 0
    }
    # input layers: no call in the config, one call without inputs for us
    assert got == {name: calls or [[]] for name, calls in expected.items()}


def test_nested_model_rows_collapsible_and_expanded_in_dataframe():
    model = nested()
    data = summary_data(model)
    inner = next(r for r in data.rows if r.name == "inner")
    assert inner.kind == "model"
    assert inner.children == 2
    assert inner.depth == 0
    kids = [r for r in data.rows if r.depth == 1]
    assert [(r.name, r.parent, r.path) for r in kids] == [
        ("inner_dense", "inner", "inner/inner_dense"),
        ("inner_out", "inner", "inner/inner_out"),
    ]
    assert inner.params == sum(r.params for r in kids) == 6 * 4 + 6 + 2 * 6 + 2
    assert data.totals.trainable_params == n_params(model.weights)  # nested rows not counted twice

    collapsed = kw.summary(model)._repr_html_()
    expanded = kw.summary(model, expand_nested=True)._repr_html_()
    for page in (collapsed, expanded):
        assert page.count('class="kw-toggle"') == 1
        assert page.count("kw-in-g0") == 2 + 1  # two child rows + the CSS rule
    assert " checked>" not in collapsed
    assert " checked>" in expanded

    assert "inner_dense" not in str(kw.summary(model))
    assert "└ inner_dense (Dense)" in str(kw.summary(model, expand_nested=True))

    df = kw.summary(model).to_dataframe()
    assert list(df["name"]) == [r.name for r in data.rows]
    assert list(df.loc[df["depth"] == 1, "parent"]) == ["inner", "inner"]


def test_doubly_nested_rows_hide_with_every_ancestor():
    deepest = keras.Sequential([layers.Dense(2, name="leaf")], name="deepest")
    middle = keras.Sequential([keras.Input((3,)), deepest], name="middle")
    x = keras.Input((3,))
    model = keras.Model(x, layers.Dense(1)(middle(x)))
    data = summary_data(model)
    assert [(r.name, r.depth, r.parent) for r in data.rows if r.depth] == [
        ("deepest", 1, "middle"),
        ("leaf", 2, "middle/deepest"),
    ]
    page = kw.summary(model)._repr_html_()
    leaf_row = next(tr for tr in page.split("<tr")[1:] if ">leaf<" in tr)
    assert "kw-in-g0" in leaf_row
    assert "kw-in-g1" in leaf_row


def test_unbuilt_models_never_crash():
    model = keras.Sequential([layers.Dense(4, name="d"), layers.Dense(1)], name="lazy")
    s = kw.summary(model)
    assert not s.data.built
    assert s.rows[0].params is None
    assert s.rows[0].output_shape == "?"
    assert s.totals.total_params == 0
    page = s._repr_html_()
    assert "unbuilt" in page
    assert "not built yet" in page
    assert "unbuilt" in str(s)
    assert "unbuilt" in repr(s)
    df = s.to_dataframe()
    assert df["params"].isna().all()
    empty = kw.summary(keras.Sequential(name="empty"))
    assert "no layers" in empty._repr_html_()
    assert len(empty.to_dataframe()) == 0


def test_subclassed_model_best_effort():
    model = Subclassed()
    before = kw.summary(model)
    assert before.data.subclassed
    assert not before.data.built
    assert "subclassed" in before._repr_html_()
    model(np.zeros((2, 3), "float32"))
    data = summary_data(model)
    assert data.built
    assert data.model_type == "subclassed"
    assert [r.name for r in data.rows] == ["d1", "d2"]
    assert [r.params for r in data.rows] == [16, 5]
    assert data.rows[1].output_shapes == (((2, 1),),)  # from the shapes it was built with
    assert not data.show_connections
    # the note shared with kw.graph (one wording for both views)
    assert any("is a subclassed model" in n and "2 tracked layers" in n for n in data.notes)
    # costs from the shapes each layer was built with; call() may use a layer any number
    # of times, so the total is a lower bound
    assert [r.macs for r in data.rows] == [3 * 4, 4 * 1]
    assert data.totals.macs_lower_bound
    assert "MACs per sample: ≥ 16" in str(kw.summary(model))
    assert "subclassed, best effort" in str(kw.summary(model))


def test_built_output_shapes_is_none_for_unbuilt_layers():
    assert built_output_shapes(layers.Dense(3)) is None
    dense = layers.Dense(3)
    dense.build((None, 5))
    assert built_output_shapes(dense) == [(None, 3)]


def test_bytes_follow_each_weights_dtype():
    model = keras.Sequential(
        [
            keras.Input((10,)),
            layers.Dense(8, dtype="float16", name="half"),
            layers.Dense(4, dtype="float32", name="full"),
        ]
    )
    t = summary_data(model).totals
    assert t.trainable_params == 88 + 36
    assert t.trainable_bytes == 88 * 2 + 36 * 4
    assert dtype_bits("bfloat16") == 16
    assert dtype_bits("int4") == 4
    assert dtype_bits("bool") == 8
    assert readable_bytes(320) == "320.00 B"
    assert readable_bytes(2048) == "2.00 KB"


def test_frozen_layers_count_as_non_trainable():
    model = sequential()
    model.get_layer("hidden").trainable = False
    data = summary_data(model)
    hidden = data.rows[0]
    assert hidden.trainable is False
    assert hidden.trainable_params == 0
    assert hidden.non_trainable_params == 8 * 16 + 16
    assert data.totals.non_trainable_params == n_params(model.non_trainable_weights)
    assert "kw-no" in kw.summary(model)._repr_html_()
    model.trainable = False
    assert summary_data(model).totals.trainable_params == 0


def test_optimizer_variables_once_compiled_and_built():
    model = sequential()
    model.compile(optimizer="adam", loss="mse")
    assert summary_data(model).totals.optimizer_params is None  # compiled, not built
    model.optimizer.build(model.trainable_variables)
    t = summary_data(model).totals
    expected = n_params(model.optimizer.variables)
    assert t.optimizer_params == expected > 2 * t.trainable_params
    assert t.total_params == t.trainable_params + t.non_trainable_params + expected
    assert "Optimizer params" in kw.summary(model)._repr_html_()
    assert "Optimizer params" in str(kw.summary(model))


def test_every_name_is_escaped():
    # PyTorch refuses "." in parameter names; `__xss=1` is the same attack without the dot.
    xss = XSS.replace("window.", "") if keras.backend.backend() == "torch" else XSS
    x = keras.Input((3,), name="in")
    y = layers.Dense(2, name=xss)(x)
    z = layers.Add(name="b&'\"")([y, layers.Dense(2)(x)])  # a merge: "Connected to" shows
    model = keras.Model(x, z, name="<script>alert(1)")
    page = kw.summary(model)._repr_html_()
    assert xss not in page
    assert "<script>alert" not in page
    escaped = xss.replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in page
    assert f"{escaped}[0][0]" in page  # in "Connected to" too
    doc = parse(page)
    assert "img" not in doc.tags
    assert doc.tags.count("script") == 0
    assert any(cell.startswith(xss) for row in doc.rows for cell in row)


def test_dataframe_and_text_views():
    model = functional()
    s = kw.summary(model)
    df = s.to_dataframe()
    assert list(df.columns) == [
        "name",
        "class_name",
        "kind",
        "output_shape",
        "params",
        "trainable_params",
        "non_trainable_params",
        "trainable",
        "connected_to",
        "macs",
        "flops",
        "activation_bytes",
        "depth",
        "parent",
        "built",
    ]
    assert df["params"].sum() == s.totals.total_params
    assert df.set_index("name").loc["merge", "connected_to"] == "shared[0][0], shared[1][0]"
    text = str(s)
    lines = text.splitlines()
    assert lines[0] == 'Model: "multi" (Functional)'
    assert any(line.startswith("shared (Dense)") and "a[0][0], b[0][0]" in line for line in lines)
    assert f"Total params: {s.totals.total_params:,}" in text
    assert repr(s).startswith("<ModelSummary 'multi' (Functional): 7 rows")
    assert "Trainable" not in str(kw.summary(model, show_trainable=False)).splitlines()[2]


@pytest.mark.parametrize("backend_op", [keras.ops.add, keras.ops.multiply])
def test_bare_keras_ops_appear_as_rows(backend_op):
    x = keras.Input((3,), name="x")
    y = backend_op(layers.Dense(3, name="d")(x), x)
    model = keras.Model(x, y)
    rows = summary_data(model).rows
    assert rows[-1].kind == "op"
    assert rows[-1].params == 0
    assert rows[-1].connected_to == "d[0][0], x[0][0]"


def test_non_keras_objects_are_rejected_clearly():
    with pytest.raises(TypeError, match="expects a Keras model, got dict"):
        kw.summary({})
