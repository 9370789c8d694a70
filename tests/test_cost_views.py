"""Costs shown everywhere: kw.summary's memory figures and kw.graph's node measures come
from one walk (keras_widgets._walk) and agree with each other."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import traitlets
from keras import layers

import keras_widgets as kw
from keras_widgets._graph import graph_data
from keras_widgets._walk import KIND_COLORS


def nested():
    inner = keras.Sequential(
        [keras.Input((8,)), layers.Dense(4, name="d4"), layers.Dense(2, name="d2")], name="inner"
    )
    inp = keras.Input((8,), name="x")
    out = layers.Dense(1, name="o")(inner(inp))
    return keras.Model(inp, out, name="outer")


def test_graph_measures_are_the_summary_figures():
    model = nested()
    s = kw.summary(model, batch_size=4)
    data = graph_data(model, batch_size=4)
    rows = {r.name: r for r in s.rows}
    nodes = {n["name"]: n for n in data["nodes"]}
    for name in ("d4", "d2", "o", "inner"):
        m = nodes[name]["measures"]
        assert m["macs"] == rows[name].macs, name
        assert m["flops"] == rows[name].flops, name
        assert m["params"] == rows[name].params, name
        assert m["memory"] == rows[name].activation_bytes * 4, name
    assert nodes["inner"]["measures"]["macs"] == 8 * 4 + 4 * 2
    assert nodes["d4"]["measures"]["memory"] == 4 * 4 * 4  # 4 samples x 4 floats x 4 bytes
    assert "time" not in nodes["d4"]["measures"]
    # one palette: the graph ships it, the summary's badges use it
    assert data["palette"]["dense"] == list(KIND_COLORS["dense"])
    fill, stroke = KIND_COLORS["dense"]
    assert f".kw-k-dense{{background:{fill};color:{stroke}" in s._repr_html_()


def test_graph_color_option_is_validated():
    model = nested()
    g = kw.graph(model, color="macs")
    assert g.color == "macs"
    g.color = "memory"
    with pytest.raises(traitlets.TraitError, match="bogus"):
        g.color = "bogus"
    with pytest.raises(traitlets.TraitError, match="needs measured times"):
        kw.graph(model, color="time")
    p = kw.profile(model, batch_size=2, steps=1, warmup=0)
    timed = kw.graph(model, color="time", profile=p)
    nodes = {n["name"]: n["measures"] for n in timed.data["nodes"]}
    assert nodes["o"]["time"] == p.times["o"] / 1000  # seconds in the graph, ms in tables
    assert nodes["x"]["time"] == 0.0  # an input layer runs nothing
    assert nodes["inner"]["time"] == pytest.approx(
        (p.times["inner/d4"] + p.times["inner/d2"]) / 1000
    )
    with pytest.raises(ValueError, match="batch_size"):
        kw.graph(model, batch_size=0)


def test_activation_memory_scales_with_batch_size():
    model = keras.Sequential(
        [keras.Input((10, 10, 3)), layers.Conv2D(6, 3, name="c"), layers.Flatten(name="f")]
    )
    one = kw.summary(model)
    many = kw.summary(model, batch_size=32)
    conv = next(r for r in many.rows if r.name == "c")
    assert conv.activation_bytes == 8 * 8 * 6 * 4  # per sample, float32
    # the input batch (not a row of a Sequential), the conv output and the flattened copy
    assert many.totals.activation_bytes == (10 * 10 * 3 + 2 * 8 * 8 * 6) * 4
    assert many.totals.activation_bytes == one.totals.activation_bytes
    assert many.training_memory.activation_bytes == 32 * many.totals.activation_bytes
    df = many.to_dataframe().set_index("name")
    assert df.loc["c", "activation_bytes"] == 32 * 8 * 8 * 6 * 4
    assert "Activations (batch 32)" in many._repr_html_()


def test_activation_memory_follows_the_dtype():
    model = keras.Sequential([keras.Input((16,)), layers.Dense(8, dtype="float16", name="h")])
    row = kw.summary(model).rows[0]
    assert row.activation_bytes == 8 * 2


def nbytes(variables) -> int:
    return sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables)


def test_training_memory_formula_with_a_built_optimizer():
    model = nested()
    model.compile(keras.optimizers.Adam(), "mse")
    before = kw.summary(model, batch_size=8).training_memory
    assert before.optimizer_source == "estimate"  # not built yet: 2 slots per weight (Adam)
    assert before.optimizer_bytes == 2 * nbytes(model.trainable_weights)
    model.fit(np.zeros((8, 8)), np.zeros((8, 1)), verbose=0, epochs=1)
    s = kw.summary(model, batch_size=8)
    m = s.training_memory
    assert m.optimizer_source == "variables"
    assert m.optimizer_bytes == nbytes(model.optimizer.variables)
    assert m.params_bytes == nbytes(model.weights)
    assert m.gradient_bytes == nbytes(model.trainable_weights)
    # every layer output at batch 8: input (8), d4 (4), d2 (2), o (1) floats per sample
    assert m.activation_bytes == 8 * (8 + 4 + 2 + 1) * 4
    assert m.total_bytes == (
        m.params_bytes + m.gradient_bytes + m.optimizer_bytes + m.activation_bytes
    )
    assert "Training memory (batch 8)" in str(s)


def test_training_memory_without_an_optimizer_says_so():
    m = kw.summary(nested()).training_memory
    assert m.optimizer_source is None
    assert m.optimizer_bytes == 0
    assert "no optimizer (not compiled)" in str(kw.summary(nested()))


def test_sgd_momentum_estimate():
    model = nested()
    model.compile(keras.optimizers.SGD(momentum=0.9), "mse")
    m = kw.summary(model).training_memory
    assert m.optimizer_bytes == nbytes(model.trainable_weights)


def test_the_graph_front_end_draws_kinds_with_the_same_palette():
    """js/graph keeps its own copy of the palette (it also draws data made elsewhere):
    it must match the one the summary uses."""
    import pathlib
    import re

    source = (pathlib.Path(__file__).parents[1] / "js" / "graph" / "colors.js").read_text()
    block = source[source.index("export const COLORS") :]
    block = block[: block.index("};")]
    js = {k: [f, s] for k, f, s in re.findall(r'(\w+): \["(#\w+)", "(#\w+)"\]', block)}
    assert js == {kind: list(colors) for kind, colors in KIND_COLORS.items()}
