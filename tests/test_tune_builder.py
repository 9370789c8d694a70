"""Search spaces in the Sequential builder: Python API, validation, params range, b.tune,
b.apply_best and the generated KerasTuner script (run with exec)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import keras_widgets as kw
from keras_widgets._builder._core import BuilderState

pytest.importorskip("keras_tuner")

rng = np.random.default_rng(0)
X = rng.random((48, 8)).astype("float32")
Y = (X.sum(1, keepdims=True) > 4).astype("float32")


def tuned_builder():
    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", units=16, activation="relu")
    b.add("Dense", units=kw.tune.Int(4, 12, step=4), activation=kw.tune.Choice(["relu", "tanh"]))
    b.add("Dense", units=1, activation="sigmoid")
    b.set(0, units=kw.tune.Int(8, 32, step=8))
    b.compile(
        optimizer=kw.tune.Choice(["adam", "sgd"]),
        learning_rate=kw.tune.Float(1e-4, 1e-2, sampling="log"),
        loss="binary_crossentropy",
    )
    return b


def test_tuned_fields_round_trip_and_undo():
    b = tuned_builder()
    assert b.tuned == {
        "dense_0_units": kw.tune.Int(8, 32, step=8),
        "dense_1_units": kw.tune.Int(4, 12, step=4),
        "dense_1_activation": kw.tune.Choice(["relu", "tanh"]),
        "optimizer": kw.tune.Choice(["adam", "sgd"]),
        "learning_rate": kw.tune.Float(1e-4, 1e-2, sampling="log"),
    }
    again = kw.SequentialBuilder.from_json(json.loads(json.dumps(b.to_json())))
    assert again.tuned == b.tuned
    b.set(0, units=64)
    assert "dense_0_units" not in b.tuned
    b.undo()
    assert b.tuned["dense_0_units"] == kw.tune.Int(8, 32, step=8)


def test_live_report_validates_the_first_value_and_shows_the_params_range():
    b = tuned_builder()
    report = b.validate()
    assert report["ok"]

    # Dense(8->u0) + Dense(u0->u1) + Dense(u1->1)
    def params(u0, u1):
        return 8 * u0 + u0 + u0 * u1 + u1 + u1 + 1

    assert report["total_params"] == params(8, 4)  # the first value of each range
    assert report["params_range"] == [params(8, 4), params(32, 12)]
    assert "params_range" not in kw.SequentialBuilder(input_shape=(8,)).validate()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda b: b.set(0, name=kw.tune.Choice(["a", "b"])), "cannot be tuned"),
        (lambda b: b.set(0, units=kw.tune.Float(1.0, 4.0)), "use kw.tune.Int"),
        (lambda b: b.set(0, activation=kw.tune.Int(1, 3)), "use kw.tune.Choice"),
        (lambda b: b.set(0, activation=kw.tune.Choice(["relu", "nope"])), "'nope' is not allowed"),
        (lambda b: b.add("Dropout", rate=kw.tune.Float(0.1, 1.5)), "1.5 is not allowed"),
        (lambda b: b.compile(optimizer=kw.tune.Choice(["adam", "nope"])), "unknown optimizer"),
        (lambda b: b.compile(learning_rate=kw.tune.Float(1e-3, 20.0)), "at most|<=|10"),
    ],
)
def test_fields_that_cannot_hold_the_space_raise_value_error(call, words):
    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", units=4)
    before = b.to_json()
    with pytest.raises(ValueError, match=words):
        call(b)
    assert b.to_json() == before  # nothing was half-applied


def test_ui_edits_with_a_bad_space_are_field_errors_in_the_report():
    state = BuilderState(input_shape=[8])
    state.add("Dense", units=4)
    space = {"tune": "choice", "values": ["a", "b"]}
    assert state.apply_edit({"op": "set_arg", "index": 0, "name": "name", "value": space})["ok"]
    row = state.validate()["layers"][0]
    assert "cannot be tuned" in row["field_errors"]["name"]
    bad = {"tune": "int", "min": 9, "max": 1, "step": None, "sampling": "linear"}
    state.apply_edit({"op": "set_arg", "index": 0, "name": "units", "value": bad})
    assert "larger than max" in state.validate()["layers"][0]["field_errors"]["units"]
    state.apply_edit({"op": "set_compile", "values": {"optimizer": {"tune": "choice"}}})
    assert "at least one value" in state.validate()["compile_errors"]["optimizer"]


def test_tune_apply_best_and_the_generated_script_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    b = tuned_builder()
    search = b.tune(X, Y, validation_split=0.25, max_trials=2, epochs=1, seed=0, view=False)
    df = search.trials
    assert len(df) == 2
    assert set(b.tuned) <= set(df.columns)
    best = search.best_hyperparameters
    assert set(best) == set(b.tuned)
    spaces = b.to_json()
    applied = b.apply_best()
    assert applied == best
    assert b.tuned == {}
    assert b.layers[0]["config"]["units"] == best["dense_0_units"]
    assert b.layers[1]["config"]["activation"] == best["dense_1_activation"]
    assert b.validate()["ok"]
    b.undo()  # one step back to the search spaces
    assert b.to_json() == spaces

    code = b.to_code()
    assert "def build_model(hp):" in code
    assert "hp.Int('dense_0_units', min_value=8, max_value=32, step=8)" in code
    assert "keras_tuner.RandomSearch(" in code
    assert "max_trials=2" in code
    assert "validation_split=0.25" in code
    namespace = {"x": X, "y": Y}
    exec(code, namespace)
    tuner = namespace["tuner"]
    assert len(tuner.oracle.trials) == 2
    assert set(namespace["best_hp"].values) == set(b.tuned)
    assert namespace["model"].count_params() > 0


def test_to_code_names_validation_data_it_cannot_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    b = tuned_builder()
    b.tune(X, Y, validation_data=(X[:8], Y[:8]), max_trials=1, epochs=1, batch_size=16, view=False)
    code = b.to_code()
    assert "tuner.search(x, y, batch_size=16, epochs=1, validation_data=validation_data)" in code
    assert "validation_split" not in code
    namespace = {"x": X, "y": Y, "validation_data": (X[:8], Y[:8])}
    exec(code, namespace)
    assert len(namespace["tuner"].oracle.trials) == 1


def test_to_code_without_tuned_fields_is_unchanged():
    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", units=4)
    assert "keras_tuner" not in b.to_code()
    assert b.to_code() == b._state.to_code()


def test_every_catalog_field_marked_tunable_takes_a_space_and_the_others_raise():
    """The view offers "tune" where the catalog says ``tunable``: Python must accept a space
    there (layer cards and optimizer arguments) and refuse it everywhere else."""
    from keras_widgets._builder import _catalog as cat
    from keras_widgets._tune import _builder as tb

    def space_for(spec):
        kind = spec["kind"]
        if kind in ("int", "int_or_tuple"):
            return kw.tune.Int(1, 3)
        if kind == "float":
            return kw.tune.Float(0.1, 0.5)
        if kind == "bool":
            return kw.tune.Choice([True, False])
        options = [c for c in (spec.get("choices") or []) if c is not None]
        return kw.tune.Choice(options[:2] or ["relu"])

    c = cat.catalog()
    seen = {True: set(), False: set()}
    for layer, entry in c["layers"].items():
        for spec in entry["args"]:
            seen[spec["tunable"]].add(spec["kind"])
            if spec["tunable"]:
                tb.check_layer_value(layer, spec["name"], space_for(spec))
            else:
                with pytest.raises(ValueError, match="cannot be tuned"):
                    tb.check_layer_value(layer, spec["name"], kw.tune.Choice(["a", "b"]))
    for key, entry in c["compile"]["optimizers"].items():
        for spec in entry["args"]:
            if spec["tunable"]:
                tb.check_compile_value(spec["name"], space_for(spec), key)
            else:
                with pytest.raises(ValueError, match="cannot be tuned"):
                    tb.check_compile_value(spec["name"], kw.tune.Choice(["a", "b"]), key)
    assert {"int", "float", "choice", "bool", "int_or_tuple", "activation", "dtype"} <= seen[True]
    assert {"str", "literal", "object", "regularizer"} <= seen[False]


def test_optimizer_arguments_can_be_tuned_and_say_when_the_optimizer_has_none():
    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", units=4)
    b.compile(optimizer="sgd", momentum=kw.tune.Float(0.0, 0.9))
    b.compile(nesterov=kw.tune.Choice([True, False]), clipnorm=kw.tune.Float(0.5, 2.0))
    assert b.tuned == {
        "momentum": kw.tune.Float(0.0, 0.9),
        "nesterov": kw.tune.Choice([True, False]),
        "clipnorm": kw.tune.Float(0.5, 2.0),
    }
    assert b.validate()["compile_errors"] == {}
    with pytest.raises(ValueError, match="not an argument of adam"):
        b.compile(optimizer="adam", momentum=kw.tune.Float(0.0, 0.9))
    with pytest.raises(ValueError, match=r"use kw\.tune\.Choice"):
        b.compile(nesterov=kw.tune.Int(0, 1))
    with pytest.raises(ValueError, match="cannot be tuned"):
        b.compile(clipvalue=kw.tune.Float(0.5, 1.0))  # a literal: not a numeric field here
    # a tuned optimizer takes the arguments of each of its choices
    b.compile(optimizer=kw.tune.Choice(["adam", "sgd"]), beta_1=kw.tune.Float(0.8, 0.95))
    assert set(b.tuned) >= {"optimizer", "momentum", "beta_1"}
    assert b.validate()["compile_errors"] == {}
    assert b.model.optimizer.__class__.__name__ == "Adam"  # momentum is SGD's only
    # a UI edit with a bad space on an optimizer argument is a compile field error
    b._state.apply_edit(
        {"op": "set_compile", "values": {"momentum": {"tune": "float", "min": 2, "max": 1}}}
    )
    assert "larger than max" in b.validate()["compile_errors"]["momentum"]


def test_a_tuned_sgd_momentum_runs_from_to_code_and_apply_best_writes_it_back(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", units=4, activation="relu")
    b.add("Dense", units=1, activation="sigmoid")
    b.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        momentum=kw.tune.Float(0.1, 0.9),
        nesterov=kw.tune.Choice([True, False]),
    )
    code = b.to_code()
    assert "momentum=hp.Float('momentum', min_value=0.1, max_value=0.9)" in code
    assert "nesterov=hp.Choice('nesterov', [True, False])" in code
    namespace = {"x": X, "y": Y}
    exec(code.replace("max_trials=10", "max_trials=2"), namespace)
    for trial in namespace["tuner"].oracle.trials.values():
        assert 0.1 <= trial.hyperparameters.values["momentum"] <= 0.9
    model = namespace["model"]
    assert model.optimizer.__class__.__name__ == "SGD"

    search = b.tune(X, Y, validation_split=0.25, max_trials=2, seed=0, view=False)
    best = search.best_hyperparameters
    spaces = b.to_json()
    assert b.apply_best() == best
    assert b.tuned == {}
    config = b.model.optimizer.get_config()
    assert config["momentum"] == pytest.approx(best["momentum"])
    assert config["nesterov"] == best["nesterov"]
    b.undo()
    assert b.to_json() == spaces


def test_optimizer_choice_declares_each_optimizers_own_arguments_conditionally(
    tmp_path, monkeypatch
):
    """An argument only some choices take (SGD's momentum among adam | sgd) is declared in a
    conditional scope: trials of the other optimizer have no value for it, and apply_best
    drops it when the best trial picked an optimizer without it."""
    monkeypatch.chdir(tmp_path)
    b = tuned_builder()
    b.compile(momentum=kw.tune.Float(0.1, 0.9), nesterov=True)
    code = b.to_code()
    assert "with hp.conditional_scope('optimizer', ['sgd']):" in code
    namespace = {"x": X, "y": Y}
    exec(code.replace("max_trials=10", "max_trials=4").replace("seed=None", "seed=1"), namespace)
    trials = list(namespace["tuner"].oracle.trials.values())
    picked = {t.hyperparameters.values["optimizer"] for t in trials}
    assert picked == {"adam", "sgd"}, picked  # seed 1 picks both: the test sees both branches
    for t in trials:
        values = t.hyperparameters.values
        assert ("momentum" in values) == (values["optimizer"] == "sgd")

    search = b.tune(X, Y, validation_split=0.25, max_trials=4, seed=1, view=False)
    best = search.best_hyperparameters
    applied = b.apply_best()
    assert applied == best
    compile_ = b._state.compile
    assert compile_["optimizer"] == best["optimizer"]
    assert ("momentum" in compile_) == (best["optimizer"] == "sgd")
    assert b.validate()["ok"]


def test_ranges_per_layer_and_in_total_include_shape_changing_choices():
    b = kw.SequentialBuilder(input_shape=(8, 8, 1))
    b.add("Conv2D", filters=kw.tune.Int(2, 6, step=2), kernel_size=3)
    b.set(0, padding=kw.tune.Choice(["valid", "same"]), activation=kw.tune.Choice(["relu", "tanh"]))
    b.add("Flatten")
    b.add("Dense", units=kw.tune.Int(3, 5))
    report = b.validate()
    conv, flat, dense = report["layers"]

    def conv_p(f):
        return 9 * f + f

    assert conv["params_range"] == [conv_p(2), conv_p(6)]
    # valid: 6x6 maps, same: 8x8; 2..6 filters
    assert conv["shape_range"] == [[6, 8], [6, 8], [2, 6]]
    assert flat["shape_range"] == [[6 * 6 * 2, 8 * 8 * 6]]
    assert flat["params_range"] == [0, 0]
    assert dense["params_range"] == [6 * 6 * 2 * 3 + 3, 8 * 8 * 6 * 5 + 5]
    assert report["params_range"] == [
        conv_p(2) + 6 * 6 * 2 * 3 + 3,
        conv_p(6) + 8 * 8 * 6 * 5 + 5,
    ]
    # the first value of each space is what the plain numbers show
    assert conv["params"] == conv_p(2)
    assert dense["params"] == 6 * 6 * 2 * 3 + 3
    # the widget's view report carries the same ranges
    view_report = b._view_report()
    assert view_report["params_range"] == report["params_range"]
    assert [r["params_range"] for r in view_report["layers"]] == [
        r["params_range"] for r in report["layers"]
    ]


def test_hyperparameter_names_never_collide(tmp_path, monkeypatch):
    # A layer named "learning" tuning its rate would be "learning_rate", the compile setting's
    # name; two layer names that slug alike would share one name. Each field gets its own.
    monkeypatch.chdir(tmp_path)
    b = kw.SequentialBuilder(input_shape=(8,))
    b.add("Dense", name="hidden-1", units=kw.tune.Int(4, 8, step=4))
    b.add("Dense", name="hidden_1", units=kw.tune.Int(2, 6, step=2))
    b.add("Dropout", name="learning", rate=kw.tune.Float(0.1, 0.3))
    b.add("Dense", units=1, activation="sigmoid")
    b.compile(learning_rate=kw.tune.Float(1e-3, 1e-2), loss="binary_crossentropy")
    assert set(b.tuned) == {
        "hidden_1_units",
        "hidden_1_units_2",
        "learning_rate_2",
        "learning_rate",
    }
    assert b.tuned["learning_rate"] == kw.tune.Float(1e-3, 1e-2)
    assert b.tuned["learning_rate_2"] == kw.tune.Float(0.1, 0.3)
    namespace = {"x": X, "y": Y}
    b._tune_settings = {"max_trials": 1, "epochs": 1, "validation_split": 0.25}
    exec(b.to_code(), namespace)
    assert set(namespace["best_hp"].values) == set(b.tuned)
    values = {
        "hidden_1_units": 8,
        "hidden_1_units_2": 2,
        "learning_rate_2": 0.2,
        "learning_rate": 0.005,
    }
    from keras_widgets._tune._builder import substitute

    state = substitute(json.loads(b.to_json()), values)
    assert [lay["config"].get("units", lay["config"].get("rate")) for lay in state["layers"]][
        :3
    ] == [8, 2, 0.2]
    assert state["compile"]["learning_rate"] == 0.005
