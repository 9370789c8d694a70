"""A corpus of real ``keras.Sequential`` models from Keras' guides and examples (keras-io),
written out as literal layer lists, each naming its source file. Every model must come back
fully faithful through ``from_model(m).model``, ``exec(to_code())`` and
``from_json(to_json()).model``: the same layer classes and ``get_config()`` (names, trainable
flags, dtype policies included), the same Input layer and the same compile settings.

Where a source reads a dataset (``adapt(x_train)``, ``num_classes``) small random stand-ins are
used; ``keras.applications`` bases use ``weights=None`` (nothing is downloaded).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _builder_compare import diff, signature
from keras import layers

from keras_widgets._builder._core import BuilderState

CORPUS: dict[str, tuple[str, object]] = {}


def model(source: str):
    def register(fn):
        CORPUS[fn.__name__] = (source, fn)
        return fn

    return register


SEQ = "guides/sequential_model.py"
RNN = "guides/working_with_rnns.py"
TL = "guides/transfer_learning.py"


@model(SEQ)
def seq_named_layers():
    m = keras.Sequential(
        [
            layers.Dense(2, activation="relu", name="layer1"),
            layers.Dense(3, activation="relu", name="layer2"),
            layers.Dense(4, name="layer3"),
        ]
    )
    m.build((None, 3))  # the guide calls it on tf.ones((3, 3))
    return m


@model(SEQ)
def seq_three_dense():
    m = keras.Sequential(
        [layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"), layers.Dense(4)]
    )
    m.build((None, 4))
    return m


@model(SEQ)
def seq_add_then_pop():
    m = keras.Sequential()
    m.add(layers.Dense(2, activation="relu"))
    m.add(layers.Dense(3, activation="relu"))
    m.add(layers.Dense(4))
    m.pop()
    m.build((None, 4))
    return m


@model(SEQ)
def seq_named_model():
    m = keras.Sequential(name="my_sequential")
    m.add(layers.Dense(2, activation="relu", name="layer1"))
    m.add(layers.Dense(3, activation="relu", name="layer2"))
    m.add(layers.Dense(4, name="layer3"))
    m.build((None, 4))
    return m


@model(SEQ)
def seq_input_then_dense():
    m = keras.Sequential()
    m.add(keras.Input(shape=(4,)))
    m.add(layers.Dense(2, activation="relu"))
    return m


@model(SEQ)
def seq_input_shape_argument():
    m = keras.Sequential()
    m.add(layers.Dense(2, activation="relu", input_shape=(4,)))
    return m


@model(SEQ)
def seq_debugging_cnn():
    m = keras.Sequential()
    m.add(keras.Input(shape=(250, 250, 3)))
    m.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    m.add(layers.Conv2D(32, 3, activation="relu"))
    m.add(layers.MaxPooling2D(3))
    m.add(layers.Conv2D(32, 3, activation="relu"))
    m.add(layers.Conv2D(32, 3, activation="relu"))
    m.add(layers.MaxPooling2D(3))
    m.add(layers.Conv2D(32, 3, activation="relu"))
    m.add(layers.Conv2D(32, 3, activation="relu"))
    m.add(layers.MaxPooling2D(2))
    m.add(layers.GlobalMaxPooling2D())
    m.add(layers.Dense(10))
    return m


@model(SEQ)
def seq_feature_extractor_base():
    return keras.Sequential(
        [
            keras.Input(shape=(250, 250, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )


@model(SEQ)
def seq_intermediate_layer_name():
    return keras.Sequential(
        [
            keras.Input(shape=(250, 250, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )


@model(SEQ)
def seq_freeze_all_but_last():
    m = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(10),
        ]
    )
    for layer in m.layers[:-1]:
        layer.trainable = False
    return m


@model(SEQ)
def seq_xception_base():
    base_model = keras.applications.Xception(weights=None, include_top=False, pooling="avg")
    base_model.trainable = False
    m = keras.Sequential([base_model, layers.Dense(1000)])
    return m


@model(RNN)
def rnn_embedding_lstm():
    m = keras.Sequential()
    m.add(layers.Embedding(input_dim=1000, output_dim=64))
    m.add(layers.LSTM(128))
    m.add(layers.Dense(10))
    m.build((None, 20))
    return m


@model(RNN)
def rnn_gru_simplernn():
    m = keras.Sequential()
    m.add(layers.Embedding(input_dim=1000, output_dim=64))
    m.add(layers.GRU(256, return_sequences=True))
    m.add(layers.SimpleRNN(128))
    m.add(layers.Dense(10))
    m.build((None, 20))
    return m


@model(RNN)
def rnn_bidirectional():
    m = keras.Sequential()
    m.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True), input_shape=(5, 10)))
    m.add(layers.Bidirectional(layers.LSTM(32)))
    m.add(layers.Dense(10))
    return m


def _rnn_build_model(allow_cudnn_kernel):
    if allow_cudnn_kernel:
        lstm_layer = keras.layers.LSTM(64, input_shape=(None, 28))
    else:
        lstm_layer = keras.layers.RNN(keras.layers.LSTMCell(64), input_shape=(None, 28))
    m = keras.models.Sequential(
        [lstm_layer, keras.layers.BatchNormalization(), keras.layers.Dense(10)]
    )
    m.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer="sgd",
        metrics=["accuracy"],
    )
    return m


@model(RNN)
def rnn_lstm_layer_compiled():
    return _rnn_build_model(True)


@model(RNN)
def rnn_lstm_cell_compiled():
    return _rnn_build_model(False)


@model(TL)
def tl_first_layer_frozen():
    layer1 = keras.layers.Dense(3, activation="relu")
    layer2 = keras.layers.Dense(3, activation="sigmoid")
    m = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])
    layer1.trainable = False
    m.compile(optimizer="adam", loss="mse")
    return m


@model(TL)
def tl_nested_inner_model():
    inner_model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(3, activation="relu"),
            keras.layers.Dense(3, activation="relu"),
        ]
    )
    m = keras.Sequential(
        [keras.Input(shape=(3,)), inner_model, keras.layers.Dense(3, activation="sigmoid")]
    )
    m.trainable = False
    return m


@model("guides/writing_your_own_callbacks.py")
def callbacks_get_model():
    m = keras.Sequential()
    m.add(keras.layers.Dense(1, input_dim=784))
    m.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return m


@model("guides/understanding_masking_and_padding.py")
def masking_embedding_lstm():
    m = keras.Sequential(
        [layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True), layers.LSTM(32)]
    )
    m.build((None, 6))
    return m


DCGAN = "examples/generative/dcgan_overriding_train_step.py"


@model(DCGAN)
def dcgan_discriminator():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


@model(DCGAN)
def dcgan_generator():
    latent_dim = 128
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 128),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


KD = "examples/vision/knowledge_distillation.py"


def _kd(width, name):
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(width, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(width * 2, (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(10),
        ],
        name=name,
    )


def _kd_compile(m):
    m.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    return m


@model(KD)
def kd_teacher_compiled():
    return _kd_compile(_kd(256, "teacher"))


@model(KD)
def kd_student():
    return _kd(16, "student")


@model(KD)
def kd_student_scratch_clone_compiled():
    return _kd_compile(keras.models.clone_model(_kd(16, "student")))


@model("examples/timeseries/timeseries_anomaly_detection.py")
def anomaly_conv1d_autoencoder():
    m = keras.Sequential(
        [
            layers.Input(shape=(288, 1)),
            layers.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Dropout(rate=0.2),
            layers.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Conv1DTranspose(
                filters=16, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1DTranspose(
                filters=32, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
        ]
    )
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    return m


CGAN = "examples/generative/conditional_gan.py"


@model(CGAN)
def cgan_discriminator():
    return keras.Sequential(
        [
            keras.layers.InputLayer((28, 28, 1 + 10)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


@model(CGAN)
def cgan_generator():
    generator_in_channels = 128 + 10
    return keras.Sequential(
        [
            keras.layers.InputLayer((generator_in_channels,)),
            layers.Dense(7 * 7 * generator_in_channels),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, generator_in_channels)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


def _images(shape=(16, 32, 32, 3)):
    return np.random.default_rng(0).uniform(0, 255, size=shape).astype("float32")


@model("examples/vision/image_classification_with_vision_transformer.py")
def vit_data_augmentation():
    image_size = 72
    m = keras.Sequential(
        [
            layers.Normalization(),
            layers.Resizing(image_size, image_size),
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(factor=0.02),
            layers.RandomZoom(height_factor=0.2, width_factor=0.2),
        ],
        name="data_augmentation",
    )
    m.layers[0].adapt(_images())
    m.build((None, 32, 32, 3))
    return m


@model("examples/vision/mlp_image_classification.py")
def mlp_mixer_data_augmentation():
    image_size = 64
    m = keras.Sequential(
        [
            layers.Normalization(),
            layers.Resizing(image_size, image_size),
            layers.RandomFlip("horizontal"),
            layers.RandomZoom(height_factor=0.2, width_factor=0.2),
        ],
        name="data_augmentation",
    )
    m.layers[0].adapt(_images())
    m.build((None, 32, 32, 3))
    return m


@model("examples/vision/mnist_convnet.py")
def mnist_convnet():
    m = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    m.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return m


@model("examples/generative/lstm_character_level_text_generation.py")
def char_level_lstm():
    maxlen, chars = 40, 57
    m = keras.Sequential(
        [
            keras.Input(shape=(maxlen, chars)),
            layers.LSTM(128),
            layers.Dense(chars, activation="softmax"),
        ]
    )
    optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
    m.compile(loss="categorical_crossentropy", optimizer=optimizer)
    return m


ENG = "guides/intro_to_keras_for_engineers.py"


@model(ENG)
def engineers_mnist_convnet():
    m = keras.Sequential(
        [
            keras.layers.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"),
            keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    m.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    return m


@model(ENG)
def engineers_conv_base():
    m = keras.Sequential(
        [
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"),
            keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
        ]
    )
    m.build((None, 28, 28, 1))
    return m


GC = "examples/vision/gradient_centralization.py"


@model(GC)
def gc_convnet_compiled():
    m = keras.Sequential(
        [
            layers.Conv2D(16, (3, 3), activation="relu", input_shape=(300, 300, 3)),
            layers.MaxPooling2D(2, 2),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.Dropout(0.5),
            layers.MaxPooling2D(2, 2),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Dropout(0.5),
            layers.MaxPooling2D(2, 2),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(2, 2),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(2, 2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(512, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    m.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-4),
        metrics=["accuracy"],
    )
    return m


@model(GC)
def gc_rescale():
    m = keras.Sequential([layers.Rescaling(1.0 / 255)])
    m.build((None, 300, 300, 3))
    return m


@model(GC)
def gc_data_augmentation():
    m = keras.Sequential(
        [
            layers.RandomFlip("horizontal_and_vertical"),
            layers.RandomRotation(0.3),
            layers.RandomZoom(0.2),
        ]
    )
    m.build((None, 300, 300, 3))
    return m


# The transfer-learning pattern of issue 9 (a base as the first layer of a Sequential), with
# the bases named there; weights=None so nothing downloads.
ISSUE = "guides/sequential_model.py (transfer-learning blueprint)"


@model(ISSUE)
def vgg16_flatten_dense():
    base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(64, 64, 3))
    base.trainable = False
    return keras.Sequential([base, layers.Flatten(), layers.Dense(10, activation="softmax")])


@model(ISSUE)
def mobilenetv2_frozen_gap():
    base = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(96, 96, 3))
    base.trainable = False
    m = keras.Sequential(
        [base, layers.GlobalAveragePooling2D(), layers.Dense(1, activation="sigmoid")]
    )
    m.compile(optimizer=keras.optimizers.Adam(1e-4), loss="binary_crossentropy")
    return m


@model(TL)
def tl_xception_fine_tune_whole_base():
    base_model = keras.applications.Xception(
        weights=None, input_shape=(150, 150, 3), include_top=False
    )
    base_model.trainable = True
    m = keras.Sequential([base_model, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)])
    m.compile(
        optimizer=keras.optimizers.Adam(1e-5),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy()],
    )
    return m


def test_corpus_has_forty_real_models():
    assert len(CORPUS) >= 40, len(CORPUS)
    assert all(source.startswith(("guides/", "examples/")) for source, _ in CORPUS.values())


def _rebuilt(m):
    b = BuilderState.from_model(m)
    assert b.validate()["ok"], b.validate()
    from_model = b.build_model()
    namespace: dict = {}
    exec(compile(b.to_code(), "<builder code>", "exec"), namespace)  # our own generated code
    from_json = BuilderState.from_json(b.to_json()).build_model()
    return b, {"from_model": from_model, "to_code": namespace["model"], "to_json": from_json}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_model_is_faithful(name):
    source, build = CORPUS[name]
    keras.utils.clear_session()
    original = build()
    expected = signature(original)
    _, rebuilt = _rebuilt(original)
    for route, again in rebuilt.items():
        got = signature(again)
        for item, layer in zip(
            [i for i in got["layers"] if i["class_name"] == "Normalization"],
            [lay for lay in original.layers if isinstance(lay, layers.Normalization)],
            strict=True,
        ):
            mean = keras.ops.convert_to_numpy(layer.mean).reshape(-1)
            np.testing.assert_allclose(item["config"].pop("mean"), mean, rtol=1e-6)
            item["config"].pop("variance")
        for item in expected["layers"]:
            if item["class_name"] == "Normalization":
                # adapt() keeps the statistics as 3 weights; as arguments they are constants
                item["config"].pop("mean", None)
                item["config"].pop("variance", None)
                expected["params"] = got["params"] = None
        assert got == expected, (route, source, diff(expected, got))
        if expected["params"] is not None:
            trainable = [w.trainable for w in original.weights]
            assert [w.trainable for w in again.weights] == trainable
