"""kw.tune.search: real KerasTuner searches on tiny data (every backend), their records and view."""

from __future__ import annotations

import math
import sys

import keras
import numpy as np
import pytest

import keras_widgets as kw
from keras_widgets._tune._search import import_keras_tuner
from keras_widgets._tune._view import table_html

pytest.importorskip("keras_tuner")

rng = np.random.default_rng(0)
X = rng.random((48, 4)).astype("float32")
Y = rng.random((48, 1)).astype("float32")


def build_model(hp):
    units = hp.Choice("units", [2, 3, 4])
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(units, activation="relu"),
            # a real shape error for an odd number of units: 3 cannot be split in 2 rows
            keras.layers.Reshape((2, -1)),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=hp.Choice("optimizer", ["adam", "sgd"]), loss="mse")
    return model


def _search(**kw_args):
    options = {"validation_split": 0.25, "epochs": 1, "batch_size": 16, "seed": 3}
    options.update(kw_args)
    return kw.tune.search(build_model, X, Y, **options)


def test_search_records_every_trial_and_a_failed_trial_does_not_stop_it():
    s = _search(max_trials=3, max_consecutive_failed_trials=5)
    df = s.trials
    assert list(df.columns) == [
        "trial", "status", "units", "optimizer", "objective", "best_epoch", "params", "time", "error"
    ]  # fmt: skip
    assert len(df) == 3
    assert s.state == "done"
    failed = df[df.units == 3]
    done = df[df.units != 3]
    # the search went on past the failed trial; each outcome is recorded honestly
    assert (failed.status == "failed").all()
    assert failed.error.str.startswith("ValueError: ").all(), failed.error.tolist()
    assert failed.error.str.contains("target_shape=(2, -1)", regex=False).all()
    assert failed.objective.isna().all()
    assert (done.status == "completed").all()
    assert len(done) >= 1
    assert done.objective.map(math.isfinite).all()
    assert (done.best_epoch == 1).all()
    assert (df.time > 0).all()
    # params are the model's real count: Dense(4->u) + Dense(u->1)
    for _, row in done.iterrows():
        assert row.params == 4 * row.units + row.units + row.units + 1
    best = done.loc[done.objective.idxmin()]
    assert s.best_trial == best.trial
    assert s.best_hyperparameters == {"units": best.units, "optimizer": best.optimizer}
    model = s.best_model()
    assert model.count_params() == best.params
    # the live view holds the same rows, one chart run per trial that trained
    table = s.view.widget.table
    assert [r["trial"] for r in table["rows"]] == list(df.trial)
    assert table["best"] == best.trial
    runs = [r.name for r in s.view.curves._store.runs]
    assert runs == [f"trial {t}" for t in done.trial]  # failed ones never reached fit
    assert s.view.widget.progress["done"] == 3
    assert s.view.widget.progress["state"] == "done"
    # the static copy for saved notebooks: the table as plain HTML, the curves as an SVG image
    from keras_widgets._display import svg_pictures

    html = s.view._static_bundle()["text/html"]
    assert html.count("<tr>") == 1 + 3
    assert f"<td>{best.trial} (best)</td>" in html
    (svg,) = svg_pictures(html)
    assert "<polyline" in svg or "<path" in svg
    for text in (html, svg):
        assert "http" not in text.replace("http://www.w3.org/2000/svg", "")


def build_ok(hp):
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(hp.Choice("units", [2, 4])), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    return model


def _stopper(search, now):
    class Stopper(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            search.stop(now=now)

    return Stopper()


def test_stop_ends_the_search_after_the_current_trial():
    s = kw.tune.Search(build_ok, max_trials=3, epochs=2, seed=3)
    s.run(X, Y, validation_split=0.25, batch_size=16, callbacks=[_stopper(s, now=False)])
    assert s.state == "stopped"
    df = s.trials
    assert len(df) == 1  # no second trial started
    assert df.status[0] == "completed"
    assert s.trials.objective.notna()[0]
    # the trial itself ran to its end: its last recorded epoch is the second
    assert s.tuner.oracle.get_trial(df.trial[0]).metrics.get_history("val_loss")[-1].step == 1


def test_stop_now_cuts_the_current_trial_and_records_it_as_stopped():
    s = kw.tune.Search(build_ok, max_trials=3, epochs=5, seed=4)
    s.run(X, Y, validation_split=0.25, batch_size=16, callbacks=[_stopper(s, now=True)])
    assert s.state == "stopped"
    df = s.trials
    assert len(df) == 1
    assert df.status[0] == "stopped"
    assert df.error[0] == "stopped by the user"
    assert math.isnan(df.objective[0])
    with pytest.raises(ValueError, match="no trial completed"):
        s.best_hyperparameters  # noqa: B018


@pytest.mark.parametrize("tuner", ["bayesian", "hyperband"])
def test_other_tuners_run_with_the_same_records(tuner):
    s = _search(tuner=tuner, max_trials=2, epochs=2)
    df = s.trials
    assert len(df) == 2
    assert set(df.status) <= {"completed", "failed"}
    assert "tuner/epochs" not in df.columns
    assert s.state == "done"


def test_bad_settings_raise_value_error():
    with pytest.raises(ValueError, match="tuner must be one of"):
        kw.tune.Search(build_model, tuner="grid")
    with pytest.raises(ValueError, match="max_trials"):
        kw.tune.Search(build_model, max_trials=0)
    with pytest.raises(ValueError, match="epochs"):
        kw.tune.Search(build_model, epochs=0)


def test_missing_kerastuner_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras_tuner", None)  # as if not installed
    with pytest.raises(ImportError, match=r'pip install "keras-widgets\[tune\]"'):
        import_keras_tuner()


def test_static_table_escapes_every_name():
    evil = "<img src=x onerror=alert(1)>"
    table = {
        "columns": [{"key": "trial", "label": "trial"}, {"key": evil, "label": evil}],
        "rows": [{"trial": "0", evil: evil}],
        "best": "0",
    }
    html = table_html(table, {"state": "done", "trial": 1, "total": 1, "elapsed": 1.0})
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") == 2
    assert "0 (best)" in html
    assert "done · trial 1 of 1 · elapsed 1 s" in html
