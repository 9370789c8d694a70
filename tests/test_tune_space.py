"""kw.tune.Int / Float / Choice: validation, JSON round trip, KerasTuner declarations."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_widgets as kw
from keras_widgets._tune import _space


def test_kw_tune_spaces_import_nothing_heavy():
    from _fresh import modules_imported_by

    code = "import keras_widgets as kw\nkw.tune.Int(1, 4); kw.tune.Choice(['a'])\n"
    heavy = ("keras", "tensorflow", "keras_tuner", "plotly", "pandas", "anywidget", "jax", "torch")
    assert modules_imported_by(code, heavy) == []


def test_kw_tune_is_a_namespace_of_spaces():
    assert kw.tune.Int is _space.Int
    assert kw.tune.Float is _space.Float
    assert kw.tune.Choice is _space.Choice
    assert callable(kw.tune.search)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: kw.tune.Int(256, 32), "larger than max"),
        (lambda: kw.tune.Float(1.0, 0.5), "larger than max"),
        (lambda: kw.tune.Choice([]), "at least one value"),
        (lambda: kw.tune.Int(32, 64, step=64), "larger than the range"),
        (lambda: kw.tune.Float(0.1, 0.2, step=0.5), "larger than the range"),
        (lambda: kw.tune.Float(0.0, 1.0, sampling="log"), "min > 0"),
        (lambda: kw.tune.Int(-4, 8, sampling="log"), "min > 0"),
        (lambda: kw.tune.Float(1e-4, 1e-2, step=0.5, sampling="log"), "factor > 1"),
        (lambda: kw.tune.Int(1, 8, sampling="cubic"), "sampling must be one of"),
        (lambda: kw.tune.Int(1.5, 8), "whole number"),
        (lambda: kw.tune.Int("1", 8), "must be a number"),
        (lambda: kw.tune.Float(0.0, float("inf")), "finite"),
        (lambda: kw.tune.Int(1, 8, step=0), "positive"),
        (lambda: kw.tune.Choice(["adam", 1]), "share one type"),
        (lambda: kw.tune.Choice("adam"), "list of values"),
        (lambda: kw.tune.Choice(["a", "a"]), "distinct"),
        (lambda: kw.tune.Choice([None]), "str, int, float or bool"),
    ],
)
def test_bad_spaces_raise_value_error_saying_why(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_spaces_keep_kerastuner_semantics():
    units = kw.tune.Int(32, 256, step=32)
    assert (units.min_value, units.max_value, units.step, units.sampling) == (32, 256, 32, "linear")
    assert units.bounds() == (32, 256)
    lr = kw.tune.Float(1e-4, 1e-2, sampling="log")
    assert lr.describe() == "0.0001..0.01 log"
    assert kw.tune.Choice([1, 0.5]).values == [1.0, 0.5]  # a mix of numbers is floats
    assert kw.tune.Choice([64, 16, 32]).bounds() == (16, 64)
    assert kw.tune.Int(8, 8).bounds() == (8, 8)  # a single value is a valid range
    assert repr(units) == "Int(32, 256, step=32)"


_ranges = st.one_of(
    st.builds(
        lambda a, w, s: kw.tune.Int(a, a + w, step=s if s and s <= w else None),
        st.integers(-1000, 1000),
        st.integers(0, 1000),
        st.one_of(st.none(), st.integers(1, 100)),
    ),
    st.builds(
        lambda a, w, log: kw.tune.Float(a, a + w, sampling="log" if log else "linear"),
        st.floats(1e-6, 1e3),
        st.floats(0, 1e3),
        st.booleans(),
    ),
    st.builds(
        kw.tune.Choice,
        st.one_of(
            st.lists(st.text(max_size=8), min_size=1, max_size=5, unique=True),
            st.lists(st.integers(-50, 50), min_size=1, max_size=5, unique=True),
        ),
    ),
)


@given(_ranges)
def test_json_round_trip_is_lossless(space):
    data = json.loads(json.dumps(space.to_json()))
    back = _space.from_json(data)
    assert back == space
    assert type(back) is type(space)
    assert back.to_json() == space.to_json()


def test_from_json_rejects_what_is_not_a_space():
    with pytest.raises(ValueError, match="not a search space"):
        _space.from_json({"min": 1})
    with pytest.raises(ValueError, match="unknown search space kind"):
        _space.from_json({"tune": "gaussian"})
    with pytest.raises(ValueError, match="larger than max"):
        _space.from_json({"tune": "int", "min": 9, "max": 1})


def test_declare_on_kerastuner_hyperparameters():
    kt = pytest.importorskip("keras_tuner")
    hp = kt.HyperParameters()
    assert kw.tune.Int(32, 256, step=32).declare(hp, "units") == 32
    assert kw.tune.Float(1e-4, 1e-2, sampling="log").declare(hp, "lr") == pytest.approx(1e-4)
    assert kw.tune.Choice(["adam", "sgd"]).declare(hp, "optimizer") == "adam"
    space = {h.name: h for h in hp.space}
    units = space["units"]
    assert (units.min_value, units.max_value, units.step) == (32, 256, 32)
    assert space["lr"].sampling == "log"
    assert space["optimizer"].values == ["adam", "sgd"]
    # The generated code declares the same spaces.
    hp2 = kt.HyperParameters()
    for name, s in [("units", kw.tune.Int(32, 256, step=32)), ("opt", kw.tune.Choice(["a", "b"]))]:
        eval(s.code(name), {"hp": hp2})
    assert {h.name for h in hp2.space} == {"units", "opt"}
    assert hp2.space[0].step == 32
