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
