"""``exec(to_code())`` rebuilds exactly ``build_model()``: same layer configs, same parameter
count, same compile settings, for every preset and for random valid stacks."""

import random

import keras
import pytest
from _builder_compare import diff, signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_widgets._builder._catalog import GROUP_ORDER, REGULARIZERS, groups, layer_args
from keras_widgets._builder._core import BuilderState, presets


def assert_round_trip(b: BuilderState) -> None:
    report = b.validate()
    assert report["ok"], report
    built = b.build_model()
    namespace: dict = {}
    # Our own generated code (user text is only ever inside repr literals, see the fuzz test).
    exec(compile(b.to_code(), "<builder code>", "exec"), namespace)
    from_code = namespace["model"]
    a, b_ = signature(from_code, names=False), signature(built, names=False)
    assert a == b_, diff(a, b_)
    assert from_code.count_params() == report["total_params"]
    assert [layer.count_params() for layer in built.layers] == [
        r["params"] for r in report["layers"]
    ]
    for row, layer in zip(report["layers"], built.layers, strict=True):
        assert tuple(row["output_shape"]) == tuple(layer.output.shape[1:])


@pytest.mark.parametrize("name", sorted(presets()))
def test_presets_round_trip(name):
    b = BuilderState.from_dict(presets()[name])
    assert_round_trip(b)
    keras.utils.clear_session()


def random_value(rng: random.Random, spec: dict):
    """A plausible raw value for one argument, in the forms the UI sends."""
    kind, name = spec["kind"], spec["name"]
    if kind == "int":
        if name == "axis":
            return -1
        if name == "seed":
            return rng.randrange(100)
        return rng.choice([1, 2, 3, 4, 8, "6"])
    if kind == "float":
        if name in ("rate", "dropout", "recurrent_dropout"):
            return rng.choice([0.0, 0.1, "0.25"])
        if name in ("momentum", "renorm_momentum"):
            return 0.9
        if name == "epsilon":
            return 1e-5
        return rng.choice([0.5, 1.0, "2.0"])
    if kind == "bool":
        return rng.choice([True, False, "true"])
    if kind in ("choice", "activation", "initializer"):
        return rng.choice(spec["choices"])
    if kind == "regularizer":
        kind = rng.choice(REGULARIZERS)
        return rng.choice([kind.lower(), {"type": kind, "l1": 0.001, "l2": "0.002"}])
    if kind == "int_or_tuple":
        rank = spec["rank"]
        return rng.choice([1, 2, ",".join(["2"] * rank), [1] * rank])
    if kind == "layer":
        return {
            "type": rng.choice(["LSTM", "GRU", "SimpleRNN"]),
            "config": {"units": rng.choice([2, 3])},
        }
    if kind == "shape":
        return [-1]
    return None


INPUTS = [(12,), (10, 6), (12, 12, 3), (6, 6, 6, 2)]
# The palette's layers without inputs of their own kind (text, images with labels, ...).
# the catalog's first eight groups, Core to Activation
TYPES = [
    t
    for g, names in groups()
    if g in GROUP_ORDER[: GROUP_ORDER.index("Activation") + 1]
    for t in names
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9))
def test_random_valid_stacks_round_trip(seed):
    """Grow a random stack, keeping each candidate layer only if the report stays ok."""
    rng = random.Random(seed)
    b = BuilderState(input_shape=rng.choice(INPUTS))
    attempts = 0
    while len(b) < 5 and attempts < 40:
        attempts += 1
        layer_type = rng.choice(TYPES)
        specs = [s for s in layer_args(layer_type) if s["name"] != "name"]
        config = {
            s["name"]: random_value(rng, s)
            for s in rng.sample(specs, k=min(len(specs), rng.randrange(4)))
        }
        for s in specs:
            if s["required"] and s["name"] not in config:
                config[s["name"]] = random_value(rng, s)
        b.add(layer_type, **config)
        if not b.validate()["ok"]:
            b.undo()
    if rng.random() < 0.5:
        b.set_compile(
            optimizer=rng.choice(["adam", "sgd", "rmsprop", "adamw"]),
            learning_rate=rng.choice([0.01, "0.001"]),
            momentum=0.5,
            loss="mean_squared_error",
            metrics=["mean_absolute_error"],
        )
    if len(b) == 0:
        b.add("Flatten")
    assert_round_trip(b)
    keras.utils.clear_session()
