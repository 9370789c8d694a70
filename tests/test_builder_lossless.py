"""Lossless round trips of the settings issue 9 found dropped, the errors for what cannot be
represented, and the catalog read from Keras."""

from __future__ import annotations

import keras
import pytest
from _builder_compare import diff, signature

from keras_widgets._builder import _catalog as cat
from keras_widgets._builder._core import BuilderState
from keras_widgets._keras_nodes import input_layer


@keras.saving.register_keras_serializable(package="kwtest")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(keras.layers.Layer):
    def call(self, x):
        return x


def _all_routes(m):
    b = BuilderState.from_model(m)
    assert b.validate()["ok"], b.validate()
    ns: dict = {}
    exec(compile(b.to_code(), "<builder>", "exec"), ns)  # our own generated code
    return b, [b.build_model(), ns["model"], BuilderState.from_json(b.to_json()).build_model()]


def test_settings_without_editors_survive_every_route():
    m = keras.Sequential(
        [
            keras.Input(shape=(6,), dtype="float32", name="features"),
            keras.layers.Dense(
                4,
                name="hidden",
                kernel_initializer=keras.initializers.HeNormal(seed=42),
                bias_initializer=keras.initializers.RandomNormal(stddev=0.02),
                kernel_constraint=keras.constraints.MaxNorm(3),
                trainable=False,
            ),
            keras.layers.Dropout(0.5, noise_shape=(None, 1)),
            keras.layers.LayerNormalization(),
            keras.layers.Dense(3, activation="hard_silu", dtype="mixed_float16"),
            Scale(factor=0.5, name="scale"),
        ]
    )
    m.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=3e-4, weight_decay=0.01, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)],
        loss_weights=[0.5],
    )
    expected = signature(m)
    b, models = _all_routes(m)
    for again in models:
        got = signature(again)
        assert got == expected, diff(expected, got)
        assert again.get_layer("hidden").trainable is False
    layers = b.layers
    assert layers[2]["type"] == "LayerNormalization"
    assert layers[4]["type"] == "kwtest>Scale"  # a registered custom layer: a generic card
    assert "keras.constraints.MaxNorm(" in b.to_code()
    assert "activation='hard_silu'" in b.to_code()
    assert input_layer(m).name == "features"  # the private helper _input relies on


def test_layer_normalization_axis_list_survives_a_builder_stack():
    b = BuilderState(input_shape=(5, 8))
    b.add("LayerNormalization", axis=[-1])
    model = b.build_model()
    again = BuilderState.from_model(model)
    assert again.layers[0]["config"]["axis"] == [-1]
    assert again.build_model().layers[0].get_config()["axis"] == [-1]
    assert "axis=[-1]" in again.to_code()


def test_unrepresentable_layers_are_all_named_in_one_error():
    m = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Lambda(lambda x: x * 2, name="double"),
            keras.layers.Dense(2),
            Unregistered(name="mine"),
        ]
    )
    with pytest.raises(ValueError, match="2 part") as info:
        BuilderState.from_model(m)
    text = str(info.value)
    assert "'double' (Lambda)" in text
    assert "'mine' (Unregistered)" in text
    assert "register_keras_serializable" in text


def test_catalog_is_read_from_keras():
    import keras as k

    names = {n for _, layer_names in cat.groups() for n in layer_names}
    for layer in (
        "RandomFlip",
        "Normalization",
        "LeakyReLU",
        "ZeroPadding3D",
        "Cropping1D",
        "UpSampling3D",
        "ConvLSTM2D",
        "TimeDistributed",
        "RNN",
        "Masking",
        "GroupNormalization",
        "UnitNormalization",
        "AlphaDropout",
        "ActivityRegularization",
        "Identity",
    ):
        assert layer in names, layer
    assert set(cat.applications()) <= names
    assert "hard_silu" in cat.activations()
    assert set(cat.activations()) <= {n for n in dir(k.activations) if not n.startswith("_")}
    assert "he_normal" in cat.initializers()
    assert "kwtest>Scale" in dict(cat.groups())["Custom"]


def test_pretrained_base_freezing_counts_and_code():
    b = BuilderState(input_shape=(32, 32, 3))
    b.add("MobileNetV2", weights=None, pooling="avg")
    frozen = b.validate()
    assert frozen["trainable_params"] == 0
    assert frozen["layers"][0]["output_shape"] == [1280]
    b.set_arg(0, "freeze", "fine_tune")
    b.set_arg(0, "fine_tune_from", 100)
    tuned = b.validate()
    assert 0 < tuned["trainable_params"] < tuned["total_params"]
    model = b.build_model()
    base = model.layers[0]
    assert all(not layer.trainable for layer in base.layers[:100])
    assert all(
        not layer.trainable
        for layer in base.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    assert model.count_params() == tuned["total_params"]
    assert sum(keras.ops.size(w) for w in model.trainable_weights) == tuned["trainable_params"]
    code = b.to_code()
    assert "base = keras.applications.MobileNetV2(include_top=False, weights=None" in code
    assert "for layer in base.layers[:100]:" in code
