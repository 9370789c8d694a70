"""kw.profile: real forward passes per layer on the current backend (CI runs this file
under TensorFlow, JAX and PyTorch)."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from keras import layers

import keras_widgets as kw

XSS = "<img src=x onerror=alert(1)>"


def branched_model():
    """A shared layer (two calls), a nested Sequential, a merge and a heavy Dense."""
    a = keras.Input((64,), name="a")
    b = keras.Input((64,), name="b")
    shared = layers.Dense(64, name="shared")
    inner = keras.Sequential(
        [keras.Input((64,)), layers.Dense(32, name="inner_dense"), layers.ReLU(name="inner_relu")],
        name="inner",
    )
    x = layers.Add(name="merge")([shared(a), shared(b)])
    x = inner(x)
    x = layers.Dense(1024, name="heavy")(x)
    x = layers.Dense(1024, name="heavier")(x)
    out = layers.Activation("relu", name=XSS)(x)
    return keras.Model([a, b], out, name="branched")


@pytest.fixture(scope="module")
def timed():
    model = branched_model()
    return model, kw.profile(model, batch_size=16, steps=3, warmup=1)


def test_every_layer_is_timed_on_real_tensors(timed):
    _, p = timed
    paths = [t.path for t in p.layers]
    assert paths == [
        "shared",
        "merge",
        "inner",
        "inner/inner_dense",
        "inner/inner_relu",
        "heavy",
        "heavier",
        XSS,
    ]
    by_path = {t.path: t for t in p.layers}
    assert by_path["shared"].calls == 2
    assert by_path["inner/inner_dense"].parent == "inner"
    assert all(t.ms > 0 for t in p.layers)
    assert p.backend == keras.backend.backend()
    assert p.batch_size == 16
    assert p.step_ms > 0
    leaves = [t.ms for t in p.layers if t.kind != "model"]
    assert p.layer_sum_ms == pytest.approx(sum(leaves))
    # a 1024 x 1024 Dense on 16 rows does far more work than a ReLU over them
    assert by_path["heavier"].ms > by_path[XSS].ms


def test_views_show_ms_share_and_both_totals(timed):
    _, p = timed
    df = p.to_dataframe()
    assert list(df.columns) == ["path", "name", "class_name", "kind", "calls", "ms", "share"]
    assert df["share"].sum() == pytest.approx(1.0)
    assert pd.isna(df.set_index("path").loc["inner", "share"])  # counted through its layers
    text = str(p)
    assert f"sum of layers {p.layer_sum_ms:.2f} ms, whole model {p.step_ms:.2f} ms" in text
    page = p._repr_html_()
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "whole model" in page


def test_summary_shows_the_profile(timed):
    model, p = timed
    s = kw.summary(model, profile=p, batch_size=16)
    rows = {r.path: r for r in s.rows}
    assert rows["heavy"].time_ms == p.times["heavy"]
    # a nested model's time is its layers' sum, so the shares add up
    assert rows["inner"].time_ms == pytest.approx(
        p.times["inner/inner_dense"] + p.times["inner/inner_relu"]
    )
    assert "time_ms" in s.to_dataframe().columns
    assert f"Time per batch: {p.step_ms:.2f} ms" in str(s)
    assert "Time (ms)" in s._repr_html_()
    assert "Time (ms)" not in kw.summary(model)._repr_html_()


def test_sequential_and_given_inputs():
    model = keras.Sequential([keras.Input((5,)), layers.Dense(3, name="d"), layers.Softmax()])
    p = kw.profile(model, inputs=np.ones((7, 5), "float32"), steps=2, warmup=0)
    assert [t.name for t in p.layers] == ["d", model.layers[1].name]
    assert p.batch_size == 7


def test_rejections_say_why():
    with pytest.raises(ValueError, match="build it first"):
        kw.profile(keras.Sequential([layers.Dense(2)]))
    seq = keras.Model(*(lambda i: (i, layers.Dense(2)(i)))(keras.Input((None, 4))))
    with pytest.raises(ValueError, match="unknown dimension"):
        kw.profile(seq)
    with pytest.raises(ValueError, match="steps"):
        kw.profile(branched_model(), steps=0)
    with pytest.raises(TypeError, match="Keras model"):
        kw.profile(layers.Dense(2))
