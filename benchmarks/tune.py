"""Overhead of kw.tune's live view on a KerasTuner search, against the same search at verbose=0.

20,000 x 64 float32 synthetic data, Dense(units, relu) -> Dense(10, softmax) with units an
``hp.Int(16, 128, step=16)`` and the optimizer an ``hp.Choice``; RandomSearch, 4 trials of 2
epochs, batch 32, validation_split 0.2, seed 0 (so both runs train the same 4 models).
Measured in the same process, alternating: plain ``keras_tuner.RandomSearch(...).search(...,
verbose=0)`` (the anchor) and ``kw.tune.search(...)`` with its live view attached to a comm
that really serializes every message (ipywidgets' send path runs, bytes are counted).
Wall time per search (and whole-process CPU time, steadier on a shared machine); the best
of ``--repeat`` each. The last line is
``ratio <kw.tune/verbose0>`` (goal <= 1.05).

    python benchmarks/tune.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import keras_tuner
import numpy as np

import keras_widgets as kw
from keras_widgets._liveplot._testing import counting_comms

N, D, CLASSES, TRIALS, EPOCHS = 20_000, 64, 10, 4, 2


def build(hp):
    m = keras.Sequential(
        [
            keras.Input((D,)),
            keras.layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu"),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    m.compile(hp.Choice("optimizer", ["adam", "sgd"]), "sparse_categorical_crossentropy")
    return m


FIT = {"validation_split": 0.2, "epochs": EPOCHS, "batch_size": 32}


def plain(x, y, tmp):
    c0, t0 = time.process_time(), time.perf_counter()
    tuner = keras_tuner.RandomSearch(
        build, objective="val_loss", max_trials=TRIALS, seed=0, directory=tmp,
        project_name="plain", overwrite=True,
    )  # fmt: skip
    tuner.search(x, y, verbose=0, **FIT)
    return time.perf_counter() - t0, time.process_time() - c0


def ours(x, y, tmp):
    with counting_comms() as comms:
        c0, t0 = time.process_time(), time.perf_counter()
        s = kw.tune.search(
            build, x, y, max_trials=TRIALS, seed=0, directory=tmp, project_name="kw", **FIT
        )
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(s.trials) == TRIALS
    assert s.view is not None
    return wall, cpu, sum(c.bytes for c in comms)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((N, D), dtype=np.float32)
    y = rng.integers(0, CLASSES, N)
    with tempfile.TemporaryDirectory() as tmp:
        plain(x, y, tmp)  # warm-up: imports, first graph builds
        base, mine, base_cpu, mine_cpu, sent = [], [], [], [], 0
        for _ in range(args.repeat):
            wall, cpu = plain(x, y, tmp)
            base.append(wall)
            base_cpu.append(cpu)
            wall, cpu, sent = ours(x, y, tmp)
            mine.append(wall)
            mine_cpu.append(cpu)
    b, m = min(base), min(mine)
    print(f"backend {keras.backend.backend()}, {TRIALS} trials x {EPOCHS} epochs, {N} samples")
    print(f"KerasTuner verbose=0 : {b:7.2f} s  (all: {', '.join(f'{t:.2f}' for t in base)})")
    print(f"kw.tune live view    : {m:7.2f} s  (all: {', '.join(f'{t:.2f}' for t in mine)})")
    print(f"bytes sent to the view (last search): {sent:,}")
    print(
        f"CPU time (all threads): {min(base_cpu):.2f} s vs {min(mine_cpu):.2f} s, "
        f"ratio {min(mine_cpu) / min(base_cpu):.3f}"
    )
    print(f"ratio {m / b:.3f}")


if __name__ == "__main__":
    main()
