"""Overhead of kw.LivePlot on model.fit, against anchors measured in the same run.

60,000 x 784 float32 synthetic data, Dense(128, relu) -> Dense(10, softmax), batch 32,
3 epochs, validation_split 0.1, TensorFlow backend. After a warm-up fit, times ``fit`` with:
verbose=0 (baseline, measured first and last), verbose=1, LivePlot attached to a live comm
(the real ipywidgets serialization path runs and bytes are counted), livelossplot's
PlotLossesKeras, tqdm.keras.TqdmCallback and keras.callbacks.TensorBoard(update_freq="batch").
Figures are whole-process CPU time (all threads), wall time alongside. Each ratio is to the
baseline; the last line is ``ratio <LivePlot/verbose0>`` (goal <= 1.05, later <= 1.03), the line
before it ``ratio logdir <LivePlot(logdir=...)/verbose0>`` (the same goal).

    python benchmarks/liveplot_overhead.py [--repeat N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras
import numpy as np

import keras_widgets as kw
from keras_widgets._liveplot._testing import comm_of, counting_comms

N, D, CLASSES = 60_000, 784, 10


def data():
    rng = np.random.default_rng(0)
    x = rng.random((N, D), dtype=np.float32)
    y = rng.integers(0, CLASSES, N)
    return x, y


def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.Input((D,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def timed(x, y, callbacks=(), verbose=0):
    m = model()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        c0, w0 = time.process_time(), time.perf_counter()
        m.fit(
            x,
            y,
            batch_size=32,
            epochs=3,
            validation_split=0.1,
            verbose=verbose,
            callbacks=list(callbacks),
        )
        c1, w1 = time.process_time(), time.perf_counter()
    return c1 - c0, w1 - w0


def anchors(tmp):
    """(name, factory returning callbacks or None when not installed, verbose)."""

    def liveplot():
        with counting_comms() as comms:
            live = kw.LivePlot()
            comm = comm_of(live.widget, comms)
        anchors.comm = comm
        return [live]

    def liveplot_logdir():
        # the same, also writing TensorBoard event files (kw.runs); skipped without the extra
        import importlib.util

        if importlib.util.find_spec("crc32c") is None:
            return None
        with counting_comms() as comms:
            live = kw.LivePlot(logdir=tempfile.mkdtemp(dir=tmp))
            comm_of(live.widget, comms)
        return [live]

    def livelossplot():
        try:
            from livelossplot import PlotLossesKeras
        except ImportError:
            return None
        return [PlotLossesKeras()]

    def tqdm_cb():
        try:
            from tqdm.keras import TqdmCallback
        except ImportError:
            return None
        return [TqdmCallback(verbose=1, file=io.StringIO())]

    def tensorboard():
        import importlib.util

        if importlib.util.find_spec("tensorboard") is None:  # tf.summary needs it
            return None
        return [keras.callbacks.TensorBoard(log_dir=tempfile.mkdtemp(dir=tmp), update_freq="batch")]

    return [
        ("verbose=1", list, 1),
        ("LivePlot (live comm)", liveplot, 0),
        ("LivePlot(logdir=...) (live comm)", liveplot_logdir, 0),
        ("livelossplot PlotLossesKeras", livelossplot, 0),
        ("tqdm TqdmCallback", tqdm_cb, 0),
        ('TensorBoard(update_freq="batch")', tensorboard, 0),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (min taken)")
    args = parser.parse_args()
    x, y = data()
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    timed(x[:4096], y[:4096])  # warm-up: graph tracing, thread pools
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = [timed(x, y) for _ in range(args.repeat)]
        b_cpu, b_wall = min(c for c, _ in base), min(w for _, w in base)
        print(f"{'verbose=0 (baseline)':34s} cpu {b_cpu:7.2f} s  wall {b_wall:7.2f} s", flush=True)
        for name, factory, verbose in anchors(tmp):
            runs = []
            for _ in range(args.repeat):
                cbs = factory()
                if cbs is None:
                    break
                runs.append(timed(x, y, cbs, verbose))
            if not runs:
                print(f"{name:34s} not installed", flush=True)
                continue
            cpu, wall = min(c for c, _ in runs), min(w for _, w in runs)
            results[name] = cpu
            print(
                f"{name:34s} cpu {cpu:7.2f} s  wall {wall:7.2f} s  "
                f"ratio cpu {cpu / b_cpu:5.3f}  wall {wall / b_wall:5.3f}",
                flush=True,
            )
        again = [timed(x, y) for _ in range(args.repeat)]  # baseline again: drift check
    a_cpu = min(c for c, _ in again)
    print(
        f"{'verbose=0 (baseline, again)':34s} cpu {a_cpu:7.2f} s  (drift {a_cpu / b_cpu - 1:+.1%})"
    )
    comm = getattr(anchors, "comm", None)
    if comm is not None:
        print(
            f"LivePlot comm: {len(comm.messages)} messages, {comm.bytes:,} bytes "
            "(incl. the front-end code at open)"
        )
    base_cpu = min(b_cpu, a_cpu)
    if "LivePlot(logdir=...) (live comm)" in results:
        print(f"ratio logdir {results['LivePlot(logdir=...) (live comm)'] / base_cpu:.3f}")
    print(f"ratio {results['LivePlot (live comm)'] / base_cpu:.3f}")


if __name__ == "__main__":
    sys.exit(main())
