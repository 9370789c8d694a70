"""The builder counts MACs live, with the same counter and figures as ``kw.summary``."""

from __future__ import annotations

import pytest

import keras_widgets as kw


@pytest.mark.parametrize(
    "preset",
    ["MLP classifier", "MNIST CNN (keras.io)", "Text classifier (Embedding + LSTM)"],
)
def test_preset_macs_match_the_summary_of_the_built_model(preset):
    b = kw.SequentialBuilder()
    b.load_preset(preset)
    report = b.validate()
    model = b.model
    summary = kw.summary(model)
    assert report["total_macs"] == summary.macs > 0
    assert report["macs_lower_bound"] is False
    rows = {r.name: r.macs for r in summary.data.rows}
    for layer, row in zip(model.layers, report["layers"], strict=True):
        assert row["macs"] == rows[layer.name], layer.name


def test_an_edit_updates_the_macs():
    b = kw.SequentialBuilder(input_shape=(100,))
    b.add("Dense", units=64)
    assert b.validate()["layers"][0]["macs"] == 100 * 64
    b.set(0, units=32)
    assert b.validate()["layers"][0]["macs"] == 100 * 32
    assert b.validate()["total_macs"] == 3200


def test_a_pretrained_base_is_counted_as_a_whole():
    b = kw.SequentialBuilder()
    b.load_preset("VGG16 transfer learning")
    report = b.validate()
    (i,) = [i for i, r in enumerate(report["layers"]) if r["type"] == "VGG16"]
    # VGG16's convolutions at the preset's input size, counted like kw.summary counts them
    model = b.model
    assert report["layers"][i]["macs"] == kw.summary(model.layers[i]).macs > 10**8
    assert report["total_macs"] == kw.summary(model).macs


def test_a_layer_that_cannot_be_counted_makes_the_total_a_lower_bound():
    import keras

    @keras.saving.register_keras_serializable(package="kw_test_macs")
    class Twice(keras.layers.Layer):  # a custom call(): no MAC count can be known
        def call(self, x):
            return x * 2

    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", units=4)
    assert b.validate()["macs_lower_bound"] is False
    b.add("kw_test_macs>Twice")
    report = b.validate()
    assert report["layers"][1]["macs"] is None  # shown as "?"
    assert report["macs_lower_bound"] is True  # the total reads "≥ 32"
    assert report["total_macs"] == 32


def test_a_nested_blocks_inside_is_one_message_away():
    import base64

    import keras

    block = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(4, name="inner_dense")], name="block"
    )
    model = keras.Sequential([keras.Input((8,)), block, keras.layers.Dense(2, name="head")])
    b = kw.SequentialBuilder.from_model(model)
    sent = []
    b.widget.send = sent.append
    block_id, head_id = (layer["id"] for layer in b._state.layers)
    b._on_msg(b.widget, {"type": "inside", "id": block_id})
    msg = sent[-1]
    assert (msg["type"], msg["id"], msg["name"]) == ("inside", block_id, "block")
    assert [r[0] for r in msg["rows"]][-1] == "inner_dense"
    assert msg["total_params"] == 8 * 4 + 4
    assert msg["macs"] == 32
    prefix = "data:image/svg+xml;base64,"
    assert msg["picture"].startswith(prefix)
    assert "inner_dense" in base64.b64decode(msg["picture"][len(prefix) :]).decode()
    # Not a block, or gone: a message for the card, never an exception in the kernel.
    b._on_msg(b.widget, {"type": "inside", "id": head_id})
    assert "not a pretrained base or a model" in sent[-1]["error"]
    b._on_msg(b.widget, {"type": "inside", "id": "L999"})
    assert "no layer with id" in sent[-1]["error"]
