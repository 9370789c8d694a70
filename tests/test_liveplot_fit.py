"""LivePlot as a Keras callback: real fits on tiny models, messages through a counting comm."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_widgets as kw
from keras_widgets._display import svg_pictures
from keras_widgets._liveplot._testing import comm_of, counting_comms

X = np.random.default_rng(0).random((256, 4)).astype("float32")
Y = (X.sum(1) > 2).astype("int32")


def tiny_model(lr=0.01):
    m = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    m.compile(keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


@pytest.fixture
def live_comm():
    """A LivePlot whose widget talks to a CountingComm (the real serialization path)."""

    def make(**options):
        with counting_comms() as comms:
            live = kw.LivePlot(**options)
            w = live.widget
        return live, comm_of(w, comms)

    return make


def _delta_points(c):
    n = 0
    for content, _ in c.custom():
        n += sum(op["n"] for op in content["ops"] if op["op"] in ("extend", "reset"))
    return n


def test_unknown_option_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"'log_scal' \(did you mean 'log_y'\?\)"):
        kw.LivePlot(log_scal=True)
    with pytest.raises(TypeError):
        kw.LivePlot(True)


def test_fit_outside_a_notebook_history_figure_and_standalone_html(tmp_path):
    live = kw.LivePlot()
    tiny_model().fit(
        X, Y, validation_split=0.25, epochs=3, batch_size=32, verbose=0, callbacks=[live]
    )
    assert live._widget is None  # no kernel: no widget, no error
    h = live.history
    assert (h.kind == "epoch").sum() == 3
    assert (h.kind == "batch").sum() == 3 * 6
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(h.columns)
    assert h.loc[h.kind == "epoch", "x"].tolist() == [1.0, 2.0, 3.0]
    assert h.loc[h.kind == "epoch", "learning_rate"].tolist() == pytest.approx([0.01] * 3)
    batch_x = h.loc[(h.kind == "batch") & (h.epoch == 1), "x"].to_numpy()
    assert batch_x == pytest.approx(1 + np.arange(1, 7) / 6)
    fig = live.figure
    assert {t.name for t in fig.data} >= {"train", "val"}
    assert fig.layout.yaxis.title.text == "loss"
    path = tmp_path / "curves.html"
    live.save_html(path)
    text = path.read_text()
    assert '<script src="http' not in text
    assert len(text) > 1_000_000  # Plotly.js embedded


def test_fit_streams_only_deltas_and_flushes_at_epoch_and_train_end(live_comm):
    live, c = live_comm(update_every=3600)  # throttle: nothing between epoch ends
    tiny_model().fit(
        X, Y, validation_split=0.25, epochs=3, batch_size=32, verbose=0, callbacks=[live]
    )
    deltas = [m for m, _ in c.custom()]
    assert [m["seq"] for m in deltas] == list(range(1, len(deltas) + 1))
    # one flush at creation, one at train begin (with the first batch due), 3 epoch ends, 1 train end
    assert len(deltas) <= 7
    store_points = sum(len(t) for t in live._store.traces)
    assert _delta_points(c) == store_points  # each point exactly once
    assert deltas[-1]["status"]["state"] == "done"
    state = c.updates()[-1]["state"]
    assert state["status"]["state"] == "done"
    assert state["seq"] == deltas[-1]["seq"]
    assert {t["trace"]["meta"]["metric"] for t in state["traces"]} >= {
        "loss",
        "val_loss",
        "learning_rate",
    }
    assert c.largest < 1_500_000  # the one big message is the front-end code at comm open
    assert max(len(json.dumps(m)) for m in deltas) < 64_000


def test_fit_throttles_batch_updates(live_comm):
    live, c = live_comm(update_every=0.0)
    tiny_model().fit(X, Y, epochs=2, batch_size=32, verbose=0, callbacks=[live])
    n_fast = len(c.custom())
    live2, c2 = live_comm(update_every=3600)
    tiny_model().fit(X, Y, epochs=2, batch_size=32, verbose=0, callbacks=[live2])
    assert n_fast >= 16  # every batch
    assert len(c2.custom()) <= 5
    assert _delta_points(c2) == sum(len(t) for t in live2._store.traces)


class _Boom(keras.callbacks.Callback):
    def __init__(self, at, exc):
        super().__init__()
        self.at, self.exc = at, exc

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.at:
            raise self.exc


def test_exception_inside_the_callback_is_reported_once_and_training_goes_on(live_comm, capsys):
    live, _ = live_comm(update_every=0)
    calls = {"n": 0}
    original = live._store.log

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] in (3, 5):
            raise RuntimeError("boom")
        return original(*a, **k)

    live._store.log = flaky
    hist = tiny_model().fit(X, Y, epochs=2, batch_size=32, verbose=0, callbacks=[live])
    assert len(hist.history["loss"]) == 2
    assert len(live.errors) == 2
    assert live.widget.error.startswith("RuntimeError: boom")
    assert capsys.readouterr().err.count("boom") == 1
    assert live._status["state"] == "done"


def test_keyboard_interrupt_keeps_history_and_shows_interrupted(live_comm):
    live, c = live_comm()
    with pytest.raises(KeyboardInterrupt):
        tiny_model().fit(
            X,
            Y,
            epochs=3,
            batch_size=32,
            verbose=0,
            callbacks=[live, _Boom(4, KeyboardInterrupt())],
        )
    assert (live.history.kind == "batch").sum() == 5
    live._on_cell_end()  # what the post_run_cell hook does in a kernel
    assert c.updates()[-1]["state"]["status"]["state"] == "interrupted"
    assert _delta_points(c) == sum(len(t) for t in live._store.traces)


def test_stop_message_from_the_widget_ends_training_after_the_batch(live_comm):
    live, c = live_comm(update_every=0)

    class ClickStop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                c.from_frontend({"type": "stop"})

    hist = tiny_model().fit(X, Y, epochs=5, batch_size=32, verbose=0, callbacks=[ClickStop(), live])
    assert len(hist.history["loss"]) == 1
    assert live.stop_requested
    assert live._status["state"] == "stopped"
    assert c.custom()[-1][0]["status"]["state"] == "stopped"


def test_nan_loss_gap_and_marker_never_crash(live_comm):
    live, c = live_comm(update_every=0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    m.compile(keras.optimizers.SGD(1e6), "mse")
    y = np.full((256, 1), 1e6, "float32")
    m.fit(
        X, y, epochs=2, batch_size=32, verbose=0, callbacks=[live, keras.callbacks.TerminateOnNaN()]
    )
    h = live.history
    assert not np.isfinite(h["loss"]).all()
    assert ("loss", "nonfinite") in live._store.runs[0].traces
    assert live.errors == []
    for state in c.updates():
        json.dumps(state, allow_nan=False)
    assert "<path" in svg_pictures(live._static_bundle()["text/html"])[0]


def test_runs_compare_new_run_and_custom_loop_log():
    live = kw.LivePlot()
    tiny_model(0.01).fit(X, Y, epochs=1, batch_size=64, verbose=0, callbacks=[live])
    live.new_run("lr=0.1")
    tiny_model(0.1).fit(X, Y, epochs=1, batch_size=64, verbose=0, callbacks=[live])
    tiny_model(0.5).fit(X, Y, epochs=1, batch_size=64, verbose=0, callbacks=[live])
    assert live.history.run.unique().tolist() == ["run 1", "lr=0.1", "run 3"]
    names = {t.name for t in live.figure.data if t.showlegend}
    assert {"run 1 · train", "lr=0.1 · train", "run 3 · train"} <= names
    live.new_run("custom")
    model = tiny_model()
    for step in range(20):
        loss = model.train_on_batch(X[:32], Y[:32])
        live.log(
            step,
            loss=loss[0] if isinstance(loss, list) else loss,
            val_loss=0.5,
            epoch=step % 10 == 9,
        )
    h = live.history
    custom = h[h.run == "custom"]
    assert len(custom) == 20
    assert custom.x.tolist() == list(range(20))
    assert (custom.kind == "epoch").sum() == 2
    assert live._store.runs[-1].xunit == "step"


def test_unknown_steps_steps_per_execution_validation_freq_initial_epoch():
    import tensorflow as tf

    def gen():
        for i in range(0, 256, 32):
            yield X[i : i + 32], Y[i : i + 32]

    ds = tf.data.Dataset.from_generator(
        gen,
        output_signature=(tf.TensorSpec((None, 4), tf.float32), tf.TensorSpec((None,), tf.int32)),
    )
    live = kw.LivePlot()
    m = tiny_model()
    # PyTorch's trainer refuses steps_per_execution > 1; the other backends group 2 steps.
    spe = 1 if keras.backend.backend() == "torch" else 2
    m.compile(
        keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy", steps_per_execution=spe
    )
    m.fit(
        ds,
        validation_data=(X[:64], Y[:64]),
        validation_freq=2,
        epochs=4,
        initial_epoch=1,
        verbose=0,
        callbacks=[live],
    )
    h = live.history
    ep = h[h.kind == "epoch"]
    assert ep.epoch.tolist() == [1, 2, 3]
    assert ep.x.tolist() == [2.0, 3.0, 4.0]
    assert ep.val_loss.isna().tolist() == [False, True, False]  # validation_freq=2 from epoch 2
    b = h[(h.kind == "batch") & (h.epoch == 1)]
    assert b.x.max() == pytest.approx(2.0)  # unknown size corrected at epoch end
    assert np.all(np.diff(h.x.to_numpy()[h.kind.to_numpy() == "batch"]) > 0)
    assert (h.kind == "batch").sum() == 3 * 8 // spe  # 8 steps, spe per execution


def test_mirrored_strategy_two_logical_cpus(tmp_path):
    code = textwrap.dedent(
        """
        import os
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import numpy as np, keras
        import keras_widgets as kw
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == 2
        with strategy.scope():
            m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
            m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        x = np.random.rand(256, 4).astype("float32"); y = (x.sum(1) > 2).astype("int32")
        live = kw.LivePlot()
        m.fit(x, y, validation_split=0.25, epochs=2, batch_size=32, verbose=0, callbacks=[live])
        h = live.history
        assert live.errors == [], live.errors
        assert (h.kind == "epoch").sum() == 2
        assert h["learning_rate"].notna().any()
        print("OK", len(h), h["val_loss"].notna().sum())
        """
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=240
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[:1] == ["OK"]
    assert int(out.stdout.split()[2]) == 2


def test_static_copy_has_curves_and_names():
    live = kw.LivePlot()
    tiny_model().fit(
        X, Y, validation_split=0.25, epochs=2, batch_size=32, verbose=0, callbacks=[live]
    )
    bundle = live._static_bundle()
    assert bundle["text/html"].startswith(
        f'<div class="kw-static" data-kw-static="{live.widget._kw_static}"'
    )
    (html,) = svg_pictures(bundle["text/html"])
    assert html.count("<path") >= 4  # loss, val_loss, accuracy, val_accuracy (+ learning rate)
    for name in ("loss", "accuracy", "learning_rate"):
        assert f">{name}</text>" in html
    assert not math.isnan(live.history["loss"].iloc[-1])


def test_only_the_first_process_of_a_distributed_run_displays(monkeypatch):
    import types

    from keras_widgets._liveplot._callback import _kernel_shell

    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "0")
    assert _kernel_shell() is shell
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "1")
    assert _kernel_shell() is None


def test_a_view_that_missed_deltas_gets_a_snapshot_at_the_next_flush(live_comm):
    # Voila's early view and a page opened mid-run start after the first deltas (which carry
    # the layout); they send "resync" and must get a state snapshot well before the 2 s one.
    live, c = live_comm(update_every=0)
    asked = {}

    class Resync(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 3 and not asked:
                asked["updates"] = len(c.updates())
                c.from_frontend({"type": "resync"})

    live._last_state = 1e18  # no periodic snapshot during this fit: only the asked one
    tiny_model().fit(X, Y, epochs=1, batch_size=32, verbose=0, callbacks=[live, Resync()])
    states = [u["state"] for u in c.updates()[asked["updates"] :] if "state" in u]
    assert states, "no snapshot after the resync request"
    first = states[0]
    assert first["layout"]
    assert first["traces"]
    assert first["status"]["state"] == "training"  # sent during fit, not only at its end
