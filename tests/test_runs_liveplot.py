"""Logs written by real trainers, read by kw.runs: LivePlot(logdir=...), Keras' own
TensorBoard callback, a training process killed mid-run; and the widget following a log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest

pytest.importorskip("crc32c")
pytest.importorskip("tensorboard")

import keras_widgets as kw
from keras_widgets._liveplot._testing import comm_of, counting_comms
from keras_widgets._runs._writer import EventWriter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_model(name="tiny"):
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)],
        name=name,
    )
    m.compile(
        keras.optimizers.Adam(0.003),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=1,
    )
    return m


def data(n=96):
    rng = np.random.default_rng(0)
    return rng.random((n, 4), dtype=np.float32), rng.integers(0, 3, n)


def test_liveplot_logdir_runs_with_hparams_read_by_kw_runs(tmp_path):
    x, y = data()
    live = kw.LivePlot(logdir=tmp_path)
    tiny_model().fit(
        x, y, batch_size=16, epochs=3, validation_split=0.25, callbacks=[live], verbose=0
    )
    tiny_model("second").fit(x, y, batch_size=32, epochs=2, callbacks=[live], verbose=0)
    assert live.errors == []
    r = kw.runs(tmp_path, follow=False)
    assert sorted(r.run_names) == ["run 1", "run 2"]
    df = r.to_dataframe()
    one = df[df.run == "run 1"]
    # 72 training samples / 16 = 5 batches per epoch, 3 epochs
    assert one[one.tag == "batch/loss"].step.tolist() == list(range(1, 16))
    assert one[one.tag == "epoch"].value.tolist() == [1.0, 2.0, 3.0]
    assert one[one.tag == "epoch/val_loss"].step.tolist() == [5, 10, 15]
    history = live.history
    epochs = history[(history.run == "run 1") & (history.kind == "epoch")]
    assert one[one.tag == "epoch/loss"].value.tolist() == pytest.approx(epochs.loss.tolist())
    assert one[one.tag == "epoch/learning_rate"].value.tolist() == pytest.approx([0.003] * 3)
    hp = r.hparams.set_index("run")
    assert hp.loc["run 1", "optimizer"] == "Adam"
    assert hp.loc["run 1", "optimizer.learning_rate"] == pytest.approx(0.003)
    assert hp.loc["run 1", "batch_size"] == 16
    assert hp.loc["run 2", "batch_size"] == 32
    assert hp.loc["run 1", "epochs"] == 3
    assert hp.loc["run 2", "model"] == "second"
    assert hp.loc["run 1", "params"] == tiny_model().count_params()
    assert hp.loc["run 1", "epoch/val_loss"] == pytest.approx(epochs.val_loss.iloc[-1])
    # x by epoch: the "epoch" scalar places batch points between epoch ends
    from keras_widgets._runs._view import epoch_axis

    run1 = next(v for v in r._reader.runs.values() if v.name == "run 1")
    ex = epoch_axis(run1)
    assert ex["batch/loss"][4] == pytest.approx(1.0)  # step 5 ends epoch 1
    assert ex["batch/loss"][0] == pytest.approx(0.2)


def test_fit_batch_size_reads_the_running_fit():
    """The one Keras internal kw.runs reads (keras_widgets._keras_nodes.fit_batch_size)."""
    from keras_widgets._keras_nodes import fit_batch_size

    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(fit_batch_size())

    x, y = data()
    tiny_model().fit(x, y, batch_size=24, epochs=1, callbacks=[Probe()], verbose=0)
    tiny_model().fit(x, y, epochs=1, callbacks=[Probe()], verbose=0)  # Keras' default
    assert seen == [24, 32]
    assert fit_batch_size() is None


def test_keras_tensorboard_callback_logs(tmp_path):
    pytest.importorskip("tensorflow")
    x, y = data()
    tb = keras.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq="batch")
    tiny_model().fit(
        x, y, batch_size=16, epochs=3, validation_split=0.25, callbacks=[tb], verbose=0
    )
    r = kw.runs(tmp_path, follow=False)
    assert {"train", "validation"} <= set(r.run_names)
    df = r.to_dataframe()
    train = df[(df.run == "train") & (df.tag == "epoch_loss")]
    assert train.step.tolist() == [0, 1, 2]
    assert (df[(df.run == "validation") & (df.tag == "epoch_loss")].step.tolist()) == [0, 1, 2]
    # Keras' epoch_* tags have the epoch as step: the epoch axis uses it
    from keras_widgets._runs._view import epoch_axis

    run = next(v for v in r._reader.runs.values() if v.name == "train")
    assert epoch_axis(run)["epoch_loss"].tolist() == [1.0, 2.0, 3.0]


KILLED = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    import keras, numpy as np
    import keras_widgets as kw

    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.01)

    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    m.compile("sgd", "mse")
    x = np.random.rand(64, 4).astype("float32"); y = np.random.rand(64, 3).astype("float32")
    print("training", flush=True)
    m.fit(x, y, batch_size=8, epochs=10_000, verbose=0,
          callbacks=[kw.LivePlot(logdir={logdir!r}), Slow()])
    """
)


def test_training_process_killed_mid_run_leaves_a_readable_log(tmp_path):
    logdir = tmp_path / "logs"
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED.format(root=ROOT, logdir=str(logdir))],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        r = kw.runs(logdir, follow=False)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r.refresh()
            df = r.to_dataframe()
            if (df.tag == "epoch").sum() >= 3:
                break
            time.sleep(0.3)
        else:
            pytest.fail("the training process wrote no epochs within 120 s")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    r = kw.runs(logdir, follow=False)  # a fresh reader on what the killed process left
    df = r.to_dataframe()
    assert (df.tag == "epoch").sum() >= 3
    assert (df.tag == "batch/loss").sum() >= 16
    assert set(r.skipped) <= {"truncated"}  # at most the record it was writing
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (run_dir,) = list(logdir.iterdir())
    ea = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    ea.Reload()
    assert len(ea.Scalars("epoch")) == (df.tag == "epoch").sum()


def test_widget_follows_new_events_and_escapes_names(tmp_path):
    name = "<img src=x onerror=alert(1)>"
    w = EventWriter(str(tmp_path / name), flush_every=0.2)
    w.scalars(0, {"loss": 1.0})
    w.flush()
    with counting_comms() as comms:
        r = kw.runs(tmp_path, interval=0.2)
        bundle = r._repr_mimebundle_()
        c = comm_of(r.widget, comms)
    assert r.run_names == [name]
    from keras_widgets._display import svg_pictures

    html = bundle["text/html"]
    (svg,) = svg_pictures(html)  # the curves: an SVG image, which GitHub's sanitizer keeps
    assert html.count("<img") == 1  # that image; the run's name is text, never an element
    assert "&lt;img src=x" in svg
    assert "<polyline" in svg
    sent = len(c.updates())
    for i in range(1, 5):
        w.scalars(i, {"loss": 1.0 / (i + 1)})
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.0:
        data = r.widget.data
        if data["series"] and data["series"][0]["n"] == 5:
            break
        time.sleep(0.05)
    else:
        pytest.fail("new events did not reach the widget within 2 s")
    assert len(c.updates()) > sent
    assert np.frombuffer(data["series"][0]["value"], "<f8")[-1] == pytest.approx(0.2)
    r.close()
    w.close()


def test_widget_never_raises_on_bad_input_and_shows_counts(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "events.out.tfevents.0.junk").write_bytes(os.urandom(5000))
    w = EventWriter(str(tmp_path / "good"))
    w.scalars(0, {f"t{i}": 1.0 for i in range(30)})
    w.close()
    r = kw.runs(tmp_path, follow=False, max_tags=10)
    data = r.widget.data
    labels = {s["key"]: s["count"] for s in data["skipped"]}
    assert labels["tags_over_limit"] == 20
    assert labels.get("corrupt", 0) >= 1
    assert len(data["tags"]) == 10
