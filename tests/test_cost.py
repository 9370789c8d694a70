"""MACs and FLOPs: per-layer counts against hand counts, and whole-model totals against
the multiply-adds published for the classic ImageNet models (keras.applications,
weights=None, at each paper's input size). Runs on every Keras backend."""

from __future__ import annotations

import time

import keras
import pytest
from keras import layers

import keras_widgets as kw
from keras_widgets._cost import layer_flops, layer_macs, readable_count
from keras_widgets._summary import summary_data

# (keras.applications name, input side, published multiply-adds, source)
PUBLISHED = [
    ("ResNet50", 224, 3.86e9, "He et al. 2015, Deep Residual Learning, Table 1"),
    ("MobileNetV2", 224, 300e6, "Sandler et al. 2018, MobileNetV2, Table 4 (1.0, 224)"),
    ("MobileNet", 224, 569e6, "Howard et al. 2017, MobileNets, Table 8 (1.0 MobileNet-224)"),
    ("EfficientNetB0", 224, 0.39e9, "Tan & Le 2019, EfficientNet, Table 2"),
    ("VGG16", 224, 15.5e9, "Simonyan & Zisserman 2015 (VGG-16), as commonly cited"),
    ("InceptionV3", 299, 5.7e9, "Szegedy et al. 2015, Rethinking the Inception Architecture"),
    ("Xception", 299, 8.4e9, "Chollet 2017, Xception (commonly cited 8.4 G mult-adds)"),
    ("DenseNet121", 224, 2.9e9, "Huang et al. 2017, Densely Connected Convolutional Networks"),
    ("NASNetMobile", 224, 564e6, "Zoph et al. 2018, Learning Transferable Architectures, Table 2"),
]


@pytest.fixture(scope="module")
def application_macs():
    """One pass over the nine models, each built once: ~10 s of model building on a quiet
    2-core CPU (TensorFlow; measured 12:03 UTC 2026-11-30), minutes on a loaded one."""
    results = {}
    for name, side, _, _ in PUBLISHED:
        t0 = time.perf_counter()
        try:
            model = getattr(keras.applications, name)(weights=None, input_shape=(side, side, 3))
        except ValueError as err:  # Keras refuses NASNet on the torch backend
            if "not available with the torch backend" not in str(err):
                raise
            results[name] = err
            continue
        s = kw.summary(model)
        results[name] = (s.macs, s.totals.macs_lower_bound, time.perf_counter() - t0)
        del model
        keras.backend.clear_session()
    return results


@pytest.mark.slow
@pytest.mark.parametrize(("name", "side", "published", "source"), PUBLISHED)
def test_totals_match_published_multiply_adds(application_macs, name, side, published, source):
    if isinstance(application_macs[name], Exception):
        pytest.skip(f"keras.applications: {application_macs[name]}")
    macs, lower_bound, _ = application_macs[name]
    assert not lower_bound, f"{name}: a layer could not be counted"
    assert abs(macs / published - 1) < 0.05, (
        f"{name} at {side}: {macs / 1e9:.3f} G counted, {published / 1e9:.3f} G in {source}"
    )


def shapes_of(layer, x):
    """(input shape, output shape) of ``layer`` called on symbolic ``x``."""
    y = layer(x)
    return tuple(x.shape), tuple(y.shape)


def test_dense_and_conv_family_against_hand_counts():
    x = keras.Input((32, 32, 16))
    # Conv2D with groups and strides: out 16x16x32, each output reads 3*3*(16/4) inputs
    conv = layers.Conv2D(32, 3, strides=2, padding="same", groups=4)
    i, o = shapes_of(conv, x)
    assert layer_macs("Conv2D", conv.get_config(), i, o) == 16 * 16 * 32 * 9 * 4
    # dilation changes the output size, not the work per output
    dil = layers.Conv2D(8, 3, dilation_rate=2)
    i, o = shapes_of(dil, x)
    assert o == (None, 28, 28, 8)
    assert layer_macs("Conv2D", dil.get_config(), i, o) == 28 * 28 * 8 * 9 * 16
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    i, o = shapes_of(dw, x)
    assert layer_macs("DepthwiseConv2D", dw.get_config(), i, o) == 32 * 32 * 32 * 9
    sep = layers.SeparableConv2D(24, 3, padding="same")
    i, o = shapes_of(sep, x)
    assert layer_macs("SeparableConv2D", sep.get_config(), i, o) == (
        32 * 32 * 16 * 9 + 32 * 32 * 16 * 24
    )
    tr = layers.Conv2DTranspose(8, 3, strides=2, padding="same")
    i, o = shapes_of(tr, x)
    assert layer_macs("Conv2DTranspose", tr.get_config(), i, o) == 32 * 32 * 16 * 9 * 8
    c1 = layers.Conv1D(4, 5)
    i, o = shapes_of(c1, keras.Input((100, 3)))
    assert layer_macs("Conv1D", c1.get_config(), i, o) == 96 * 4 * 5 * 3
    c3 = layers.Conv3D(2, 3)
    i, o = shapes_of(c3, keras.Input((8, 8, 8, 1)))
    assert layer_macs("Conv3D", c3.get_config(), i, o) == 6 * 6 * 6 * 2 * 27
    # Dense on a sequence: one product per position
    d = layers.Dense(7, activation="relu")
    i, o = shapes_of(d, keras.Input((10, 3)))
    assert layer_macs("Dense", d.get_config(), i, o) == 10 * 3 * 7
    # FLOPs: 2 x MACs + bias add + ReLU per output
    assert layer_flops("Dense", d.get_config(), i, o) == 2 * 210 + 70 + 70


def test_attention_recurrent_and_wrappers():
    q, v = keras.Input((10, 16)), keras.Input((20, 8))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3)
    out = mha(q, v)
    expected = 10 * 16 * 8 + 20 * 8 * 8 + 20 * 8 * 6 + 2 * 10 * 20 * 4 + 2 * 10 * 20 * 3
    expected += 10 * 6 * 16  # output projection back to the query's 16 features
    assert layer_macs("MultiHeadAttention", mha.get_config(), [q.shape, v.shape], out.shape) == (
        expected
    )
    att = layers.Attention()
    out = att([q, keras.Input((20, 16))])
    assert layer_macs("Attention", {}, [(None, 10, 16), (None, 20, 16)], out.shape) == (
        10 * 20 * 16 * 2
    )
    seq = keras.Input((12, 5))
    lstm = layers.LSTM(6)
    out = lstm(seq)
    assert layer_macs("LSTM", lstm.get_config(), seq.shape, out.shape) == 12 * 4 * 6 * (5 + 6)
    gru = layers.GRU(6)
    assert layer_macs("GRU", gru.get_config(), seq.shape, (None, 6)) == 12 * 3 * 6 * 11
    bi = layers.Bidirectional(layers.SimpleRNN(3))
    out = bi(seq)
    assert layer_macs("Bidirectional", bi.get_config(), seq.shape, out.shape) == 2 * 12 * 3 * 8
    td = layers.TimeDistributed(layers.Dense(4))
    out = td(seq)
    assert layer_macs("TimeDistributed", td.get_config(), seq.shape, out.shape) == 12 * 5 * 4
    # an unknown sequence length cannot be counted: None, never 0
    assert layer_macs("LSTM", lstm.get_config(), (None, None, 5), (None, 6)) is None


def test_zero_cost_and_elementwise_layers():
    assert (
        layer_macs("Embedding", {"input_dim": 1000, "output_dim": 64}, (None, 7), (None, 7, 64))
        == 0
    )
    assert layer_flops("Flatten", {}, (None, 4, 4), (None, 16)) == 0
    assert layer_macs("BatchNormalization", {}, (None, 8, 8, 3), (None, 8, 8, 3)) == 0
    assert layer_flops("BatchNormalization", {}, (None, 8, 8, 3), (None, 8, 8, 3)) == 2 * 192
    assert layer_flops("Add", {}, [(None, 5), (None, 5), (None, 5)], (None, 5)) == 10
    assert layer_flops("MaxPooling2D", {"pool_size": (2, 2)}, (None, 8, 8, 3), (None, 4, 4, 3)) == (
        4 * 4 * 3 * 4
    )
    assert layer_flops("GlobalAveragePooling2D", {}, (None, 8, 8, 3), (None, 3)) == 192
    assert layer_macs("MyCustomLayer", {}, (None, 3), (None, 3)) is None
    assert layer_macs("Lambda", {}, (None, 3), (None, 3)) is None


def test_uncountable_layers_show_a_question_mark_and_totals_a_lower_bound():
    class Custom(layers.Layer):
        def call(self, x):
            return x * 2

    class MyDense(layers.Dense):
        """Only its config differs: still counted as a Dense."""

    inp = keras.Input((4,))
    x = MyDense(3, name="mine")(inp)
    x = Custom(name="custom")(x)
    x = layers.Lambda(lambda t: t + 1, name="lam")(x)
    out = layers.Dense(2, name="out")(x)
    s = kw.summary(keras.Model(inp, out))
    rows = {r.name: r for r in s.rows}
    assert rows["mine"].macs == 12
    assert rows["custom"].macs is None
    assert rows["lam"].macs is None
    assert s.macs == 12 + 6
    assert s.totals.macs_lower_bound
    text = str(s)
    assert "MACs per sample: ≥ 18" in text
    assert any(line.startswith("custom (Custom)") and " ? " in line for line in text.splitlines())
    assert any("Custom, Lambda" in n for n in s.data.notes)


def test_nested_models_are_summed():
    inner = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.Dense(2)], name="inner")
    inp = keras.Input((8,))
    out = layers.Dense(1)(inner(inp))
    data = summary_data(keras.Model(inp, out))
    nested = next(r for r in data.rows if r.name == "inner")
    assert nested.macs == 8 * 4 + 4 * 2
    assert data.totals.macs == 8 * 4 + 4 * 2 + 2
    assert not data.totals.macs_lower_bound


def test_readable_count():
    assert readable_count(3_860_000_000) == "3.86 G"
    assert readable_count(None) == "?"
    assert readable_count(18, lower_bound=True) == "≥ 18"


def test_attribute_config_agrees_with_get_config():
    """The summary reads a layer's attributes instead of get_config() (for speed): both
    must give the same counts."""
    from keras_widgets import _walk
    from keras_widgets._cost import layer_cost

    q, v, k = keras.Input((10, 16)), keras.Input((20, 8)), keras.Input((20, 16))
    img = keras.Input((16, 16, 4))
    cases = [
        (layers.MultiHeadAttention(2, 4, value_dim=3), (q, v)),
        (layers.GroupQueryAttention(8, 4, 2), (q, k)),
        (layers.LSTM(6), (q,)),
        (layers.GRU(6), (q,)),
        (layers.EinsumDense("abc,cd->abd", (10, 5), bias_axes="d", activation="relu"), (q,)),
        (layers.Dot(axes=2), ([q, k],)),
        (layers.Conv2D(8, 3, groups=2, activation="relu"), (img,)),
        (layers.SeparableConv2D(8, 3, depth_multiplier=2), (img,)),
        (layers.DepthwiseConv2D(5, padding="same", use_bias=False), (img,)),
        (layers.AveragePooling2D(3), (img,)),
        (layers.UpSampling2D(interpolation="bilinear"), (img,)),
        (layers.Activation("softmax"), (img,)),
    ]
    for layer, args in cases:
        out = layer(*args)
        flat = [t for a in args for t in (a if isinstance(a, list) else [a])]
        ins = [tuple(t.shape) for t in flat]
        i = ins[0] if len(ins) == 1 else ins
        name = type(layer).__name__
        expected = layer_cost(name, layer.get_config(), i, tuple(out.shape))
        assert expected is not None, name
        assert layer_cost(name, _walk._config(layer, name), i, tuple(out.shape)) == expected, name
