"""LivePlot's status words and labels: failures, custom-loop steps, text that never goes stale."""

from __future__ import annotations

import types

import keras
import numpy as np
import pytest

import keras_widgets as kw
from keras_widgets._liveplot._callback import status_text

X = np.random.default_rng(0).random((128, 4)).astype("float32")
Y = (X.sum(1) > 2).astype("int32")


def _model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    return m


class _Raise(keras.callbacks.Callback):
    def __init__(self, exc):
        super().__init__()
        self.exc = exc

    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise self.exc


def test_an_exception_in_fit_shows_failed_in_a_plain_script():
    live = kw.LivePlot()
    try:
        _model().fit(
            X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[live, _Raise(ValueError("bad"))]
        )
    except ValueError:
        assert live.status["state"] == "failed"  # what a script's except block sees
    assert "failed" in repr(live)
    assert (live.history.kind == "batch").sum() == 3  # what ran is kept
    # the next fit is a normal new run
    _model().fit(X, Y, epochs=1, batch_size=64, verbose=0, callbacks=[live])
    assert live.status["state"] == "done"


def test_read_after_the_except_block_the_state_is_no_longer_training():
    live = kw.LivePlot()
    with pytest.raises(ValueError):
        _model().fit(
            X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[live, _Raise(ValueError("bad"))]
        )
    assert live.status["state"] == "interrupted"  # the cause is gone by now


def test_ctrl_c_in_fit_shows_interrupted():
    live = kw.LivePlot()
    try:
        _model().fit(
            X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[live, _Raise(KeyboardInterrupt())]
        )
    except KeyboardInterrupt:
        assert live.status["state"] == "interrupted"


def test_hooks_called_directly_are_not_mistaken_for_a_failed_fit():
    live = kw.LivePlot(learning_rate=False)
    live.set_params({"epochs": 1, "steps": 2, "verbose": 0})
    live.on_train_begin()
    live.on_train_batch_end(0, {"loss": 1.0})
    assert live.status["state"] == "training"


def test_cell_end_tells_failed_from_interrupted():
    for err, word in ((ValueError("x"), "failed"), (KeyboardInterrupt(), "interrupted")):
        live = kw.LivePlot()
        with pytest.raises(type(err)):
            _model().fit(X, Y, epochs=1, batch_size=16, verbose=0, callbacks=[live, _Raise(err)])
        live._on_cell_end(types.SimpleNamespace(error_in_exec=err))  # the post_run_cell hook
        assert live._status["state"] == word


def test_custom_loop_best_value_is_labelled_with_its_step():
    live = kw.LivePlot(monitor="loss")
    for step in range(0, 200, 10):
        live.log(step, loss=abs(step - 130) + 1.0)
    live.finish()
    text = status_text(live.status)
    assert "best loss 1 (step 130)" in text
    assert "epoch" not in text
    html = live._static_bundle()["text/html"]
    assert "(step 130)" in html
    assert "(epoch" not in html


def test_fit_best_value_is_labelled_with_its_epoch():
    live = kw.LivePlot(monitor="loss")
    _model().fit(X, Y, epochs=2, batch_size=64, verbose=0, callbacks=[live])
    assert "(epoch " in status_text(live.status)
    assert live.status["best_epoch"] in (1, 2)


def test_the_widget_output_text_never_claims_a_state():
    live = kw.LivePlot()
    live.log(0, loss=1.0)
    text = live._repr_mimebundle_()["text/plain"]
    assert "training" not in text
    live.finish()
    assert "done" in live._static_bundle()["text/plain"]


def test_log_looks_the_kernel_up_once_and_epoch_logs_send_deltas(monkeypatch):
    import time

    from keras_widgets._liveplot import _callback
    from keras_widgets._liveplot._testing import comm_of, counting_comms

    calls = []
    real = _callback._kernel_shell
    monkeypatch.setattr(_callback, "_kernel_shell", lambda: calls.append(1) or real())
    with counting_comms() as comms:
        live = kw.LivePlot()
        c = comm_of(live.widget, comms)
    opened = c.bytes  # the comm_open carries the front-end code
    t0 = time.monotonic()
    for step in range(1000):
        live.log(step, loss=1 / (step + 1), val_loss=2 / (step + 1), epoch=True)
    elapsed = time.monotonic() - t0
    assert len(calls) <= 1
    # every epoch point is sent at once, as a small delta; the state snapshot (~20 kB) at
    # most every 2 s, not on every call
    assert len(c.custom()) >= 1000
    assert len(c.updates()) <= 2 + elapsed / 2
    assert c.bytes - opened < 1000 * 600 + 3 * 30_000
    live.finish()
    assert c.updates()[-1]["state"]["status"]["state"] == "done"


def test_eta_leaves_out_the_compiling_first_step_and_epoch(monkeypatch):
    from keras_widgets._liveplot import _callback
    from keras_widgets._liveplot._testing import counting_comms

    clock = types.SimpleNamespace(t=100.0)
    monkeypatch.setattr(_callback, "time", types.SimpleNamespace(monotonic=lambda: clock.t))
    with counting_comms():
        live = kw.LivePlot(update_every=0, learning_rate=False)
        live.widget.model_id  # noqa: B018 - a widget, so each batch end updates the status
    live.set_params({"epochs": 3, "steps": 10, "verbose": 0})
    live.on_train_begin()
    etas = {}
    for epoch in range(3):
        live.on_epoch_begin(epoch)
        for b in range(10):
            live.on_train_batch_begin(b)
            clock.t += 10.0 if (epoch, b) == (0, 0) else 0.1  # the first step compiles: 10 s
            live.on_train_batch_end(b, {"loss": 1.0})
            etas[(epoch, b)] = live.status.get("eta")
        live.on_epoch_end(epoch, {"loss": 1.0})
    assert etas[(0, 0)] is None  # nothing steady to go by yet
    # steady state: 0.1 s per step, 1 s per epoch
    assert etas[(0, 5)] == pytest.approx(3 - 0.6, abs=0.05)
    assert etas[(1, 4)] == pytest.approx(3 - 1.5, abs=0.05)
    assert etas[(2, 4)] == pytest.approx(3 - 2.5, abs=0.05)
