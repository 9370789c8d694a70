"""LivePlot.history: row columns and metric columns never overwrite each other."""

from __future__ import annotations

import keras
import numpy as np

import keras_widgets as kw
from keras_widgets._liveplot._store import META_COLUMNS, Store


def test_metrics_named_like_row_columns_keep_both_values():
    s = Store()
    r1 = s.new_run("first")
    for b in range(3):
        metrics = dict.fromkeys(META_COLUMNS, 100.0 + b)
        s.log(r1, 0.5 * (b + 1), {"loss": 1.0, **metrics}, epoch=0, batch=b, step=b + 1)
    r2 = s.new_run("second")  # also logs a metric literally called "metric:epoch"
    s.log(r2, 1.0, {"epoch": 7.0, "metric:epoch": 8.0}, epoch=0, batch=0, step=1, is_epoch=True)
    df = s.dataframe()
    first = df[df.run == "first"]
    assert first.run.tolist() == ["first"] * 3
    assert first.epoch.tolist() == [0, 0, 0]
    assert first.batch.tolist() == [0, 1, 2]
    assert first.step.tolist() == [1, 2, 3]
    assert first.x.tolist() == [0.5, 1.0, 1.5]
    assert first.kind.tolist() == ["batch"] * 3
    for name in META_COLUMNS:
        # "metric:epoch" is a real metric of run 2, so the metric "epoch" moves one further
        col = "metric:metric:epoch" if name == "epoch" else f"metric:{name}"
        assert first[col].tolist() == [100.0, 101.0, 102.0]
    second = df[df.run == "second"].iloc[0]
    # the same metric lands in the same column in every run; the literal one is not overwritten
    assert second["metric:metric:epoch"] == 7.0
    assert second["metric:epoch"] == 8.0
    assert second["kind"] == "epoch"
    assert np.isnan(first["metric:epoch"]).all()


def test_keras_metric_named_epoch_in_fit():
    class Epoch(keras.metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            return super().update_state(keras.ops.ones_like(y_pred[:, 0]) * 41.0)

    x = np.random.default_rng(0).random((64, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    m.compile("sgd", "mse", metrics=[Epoch(name="epoch"), Epoch(name="x")])
    live = kw.LivePlot()
    m.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[live])
    h = live.history
    assert h.loc[h.kind == "epoch", "epoch"].tolist() == [0, 1]
    assert h.loc[h.kind == "epoch", "x"].tolist() == [1.0, 2.0]
    assert (h["metric:epoch"] == 41.0).all()
    assert (h["metric:x"] == 41.0).all()
    assert "epoch" in live._store.subplots  # still plotted under its own name


def test_custom_loop_can_log_a_metric_called_step():
    live = kw.LivePlot()
    live.log(3, step=5.0, x=6.0, loss=1.0)
    row = live.history.iloc[0]
    assert (row.step, row["metric:step"], row.x, row["metric:x"]) == (3, 5.0, 3.0, 6.0)


def test_vector_metric_is_one_line_per_class():
    rng = np.random.default_rng(0)
    x = rng.random((96, 4)).astype("float32")
    y = keras.utils.to_categorical(x.argmax(1) % 3, 3).astype("float32")
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    m.compile("adam", "categorical_crossentropy", metrics=[keras.metrics.F1Score(average=None)])
    live = kw.LivePlot()
    m.fit(x, y, epochs=2, batch_size=32, validation_split=0.25, verbose=0, callbacks=[live])
    assert live.errors == []
    h = live.history
    for i in range(3):
        assert h[f"f1_score[{i}]"].notna().sum() == 2 * 3 + 2  # every batch and epoch row
        assert h.loc[h.kind == "epoch", f"val_f1_score[{i}]"].notna().all()
    assert {"f1_score[0]", "f1_score[1]", "f1_score[2]"} <= set(live._store.subplots)
    metrics = {t.metric for t in live._store.traces}
    assert {"f1_score[2]", "val_f1_score[2]"} <= metrics


def test_custom_loop_vector_and_a_too_large_vector_is_named_not_dropped_silently():
    live = kw.LivePlot()
    live.log(0, loss=1.0, per_class=np.array([0.1, 0.2]), grid=np.ones((2, 2)))
    live.log(1, loss=0.9, huge=np.zeros(1000))
    live.log(2, loss=0.8, huge=np.zeros(1000))
    row = live.history.iloc[0]
    assert (row["per_class[0]"], row["per_class[1]"]) == (0.1, 0.2)
    assert row["grid[1,1]"] == 1.0
    assert len(live.errors) == 1
    assert "'huge' has 1000 values" in live.errors[0]
