"""Batch rows are logged in step order even when Keras runs the batch-end hook in worker
threads that finish out of order (TensorFlow and JAX dispatch async-safe callbacks so)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_widgets as kw
from keras_widgets._liveplot._testing import counting_comms


def _live(**options):
    with counting_comms():
        live = kw.LivePlot(**options)
        assert live.widget is not None  # a widget: every due batch-end call drains and flushes
    live.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
    return live


def test_a_batch_end_that_finishes_late_is_still_logged_in_order():
    live = _live(update_every=0, learning_rate=False)
    live.set_params({"epochs": 1, "steps": 4, "verbose": 0})
    live.on_train_begin()
    live.on_epoch_begin(0)
    for b in range(4):  # main thread: the steps begin in order...
        live.on_train_batch_begin(b)
    for b in (1, 2, 3):  # ...worker threads: step 0's hook finishes last
        live.on_train_batch_end(b, {"loss": float(b)})
        assert len(live.history) == 0  # held back while step 0 is still running
    live.on_train_batch_end(0, {"loss": 0.0})
    assert live.history.batch.tolist() == [0, 1, 2, 3]
    live.on_epoch_end(0, {"loss": 1.5})
    h = live.history
    assert h.batch.tolist() == [0, 1, 2, 3, 3]
    assert h.step.tolist() == [1, 2, 3, 4, 4]
    assert h.loss.tolist() == [0.0, 1.0, 2.0, 3.0, 1.5]
    assert np.all(np.diff(h.x.to_numpy()) >= 0)
    tr = live._store.runs[0].traces[("loss", "train")]
    assert tr.y.values.tolist() == [0.0, 1.0, 2.0, 3.0, 1.5]


def test_steps_per_execution_steps_begin_and_end_at_different_batches():
    live = _live(update_every=0, learning_rate=False)
    live.set_params({"epochs": 1, "steps": 6, "verbose": 0})
    live.on_train_begin()
    live.on_epoch_begin(0)
    for b in (0, 2, 4):  # 2 batches per step: begins at 0, 2, 4; ends at 1, 3, 5
        live.on_train_batch_begin(b)
    live.on_train_batch_end(5, {"loss": 5.0})
    live.on_train_batch_end(1, {"loss": 1.0})
    assert live.history.batch.tolist() == [1]
    live.on_train_batch_end(3, {"loss": 3.0})
    assert live.history.batch.tolist() == [1, 3, 5]


def test_many_fit_configurations_on_jax_log_monotonic_rows():
    pytest.importorskip("jax")  # the bug was JAX's: its fit runs callbacks on worker threads
    code = textwrap.dedent(
        """
        import itertools
        import numpy as np, keras
        import keras_widgets as kw
        from keras_widgets._liveplot._testing import counting_comms
        assert keras.backend.backend() == "jax"
        x = np.random.default_rng(0).random((512, 8)).astype("float32")
        y = (x.sum(1) > 4).astype("int32")
        bad, n = [], 0
        for spe in (1, 3):
            m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
            m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                      steps_per_execution=spe)
            for bs, every, val in itertools.product((8, 32), (0, 0.25), (0.0, 0.25)):
                with counting_comms():
                    live = kw.LivePlot(update_every=every)
                    live.widget
                m.fit(x, y, batch_size=bs, epochs=2, validation_split=val, verbose=0,
                      callbacks=[live])
                h = live.history
                b = h[h.kind == "batch"]
                ok = (np.all(np.diff(h.x.to_numpy()) >= 0)
                      and np.all(np.diff(b.step.to_numpy()) > 0)
                      and all(np.all(np.diff(g.batch.to_numpy()) > 0) for _, g in b.groupby("epoch"))
                      and live.errors == [])
                n += 1
                if not ok:
                    bad.append((spe, bs, every, val))
        print("configs", n, "bad", bad)
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "configs 16 bad []"
