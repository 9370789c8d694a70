"""Overhead of kw.tune's live view on a KerasTuner search, against the same search at verbose=0.

20,000 x 64 float32 synthetic data, Dense(units, relu) -> Dense(10, softmax) with units an
``hp.Int(16, 128, step=16)`` and the optimizer an ``hp.Choice``; RandomSearch, 4 trials of 3
epochs, batch 32, validation_split 0.2. Every search starts from the same seeds
(``keras.utils.set_random_seed(0)``, tuner ``seed=0``), so both variants train the same models.

The two variants run interleaved in one process, in pairs whose order alternates (A B, B A,
A B, ...) so that a drift of the machine's load falls on both: plain
``keras_tuner.RandomSearch(...).search(..., verbose=0)`` (the anchor) and ``kw.tune``'s search
with its live view as in a notebook: attached to a comm that really serializes every message
(ipywidgets' send path runs, bytes are counted), and its static copy refreshed at each trial
end (serialized as ``update_display`` would).

Figures, each as median, min and max over the pairs:
- wall and CPU (all threads) time of each variant, and the per-pair ratios (ours / anchor);
- the time spent inside kw.tune's own hooks (callbacks, tuner hooks, view), divided by the
  rest of the same search: the direct cost, measured within one run, so the machine's load
  scales both sides alike.
TensorFlow runs on one thread (``--threads``): a search is then one busy thread, whose CPU
time is the wall time it takes on a core of its own. On a shared machine wall times swing by
tens of percent with other people's load; CPU times much less. The last line is
``ratio <median per-pair CPU ratio kw.tune/verbose0>`` (goal <= 1.05).

    python benchmarks/tune.py [--pairs N] [--threads N] [--profile]

``--profile`` instead runs one search of each kind under cProfile and prints where the time
of kw.tune's code goes (the functions of keras_widgets, and the callbacks' hooks).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import tempfile
import time
from unittest import mock

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import keras_tuner
import numpy as np

from keras_widgets._liveplot._testing import counting_comms
from keras_widgets._tune._search import Search, _TrialCallback
from keras_widgets._tune._view import TuneView

N, D, CLASSES, TRIALS, EPOCHS = 20_000, 64, 10, 4, 3


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
    keras.utils.set_random_seed(0)
    c0, t0 = time.process_time(), time.perf_counter()
    tuner = keras_tuner.RandomSearch(
        build, objective="val_loss", max_trials=TRIALS, seed=0, directory=tmp,
        project_name="plain", overwrite=True,
    )  # fmt: skip
    tuner.search(x, y, verbose=0, **FIT)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    return wall, cpu, 0, 0.0, [t.hyperparameters.values for t in trials]


def _published(bundle, **kwargs):
    """Stands in for IPython's update_display outside a kernel: serializes like one."""
    _published.bytes += len(json.dumps(bundle))


_published.bytes = 0


class Clock:
    """Seconds spent inside kw.tune's own code during a search (outermost calls only)."""

    HOOKS = (
        "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
        "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
    )  # fmt: skip

    def __init__(self) -> None:
        self.spent, self._depth = 0.0, 0

    def wrap(self, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            self._depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                if not self._depth:
                    self.spent += time.perf_counter() - t0

        return timed

    def patches(self, search: Search) -> list:
        """Time the callbacks' own hooks (only those a class overrides: wrapping a default
        hook would change how Keras dispatches), the search's tuner hooks and the view."""
        out = []
        for cls in (_TrialCallback, type(search.view.curves)):
            for name in self.HOOKS:
                owner = next(c for c in cls.__mro__ if name in c.__dict__)
                if owner is not keras.callbacks.Callback:
                    out.append(mock.patch.object(cls, name, self.wrap(getattr(cls, name))))
        for obj, names in (
            (search, ("_before_trial", "_trial_begin", "_trial_end", "_note_params")),
            (search.view, ("on_event", "poll")),
        ):
            out += [mock.patch.object(obj, n, self.wrap(getattr(obj, n))) for n in names]
        return out


def ours(x, y, tmp):
    """``kw.tune.search`` as in a notebook: the widget's messages and the static copy that
    each trial end refreshes (``update_display``) are both serialized. Also returns the
    seconds spent in kw.tune's own hooks (callbacks, tuner hooks, view)."""
    keras.utils.set_random_seed(0)
    clock = Clock()
    _published.bytes = 0
    with contextlib.ExitStack() as stack:
        comms = stack.enter_context(counting_comms())
        stack.enter_context(mock.patch("IPython.display.update_display", _published))
        c0, t0 = time.process_time(), time.perf_counter()
        s = Search(build, max_trials=TRIALS, seed=0, directory=tmp, project_name="kw")
        s.view = TuneView(s)
        s.view._shown = True  # displayed: trial ends refresh the static copy
        for patch in clock.patches(s):
            stack.enter_context(patch)
        s.run(x, y, **FIT)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(s.trials) == TRIALS
    assert set(s.trials.status) == {"completed"}
    picked = [{n: r[n] for n in s.hp_names} for r in sorted(s.rows, key=lambda r: r["trial"])]
    return wall, cpu, sum(c.bytes for c in comms), clock.spent, picked


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f}, min {min(values):.3f}, max {max(values):.3f}"


def profile(x, y, tmp) -> None:
    import cProfile
    import pstats

    for name, fn in (("KerasTuner verbose=0", plain), ("kw.tune live view", ours)):
        prof = cProfile.Profile()
        prof.enable()
        fn(x, y, tmp)
        prof.disable()
        stats = pstats.Stats(prof)
        total = stats.total_tt
        print(f"--- {name}: {total:.2f} s profiled (main thread)")
        rows = []
        for (file, line, func), (_, calls, tt, ct, _) in stats.stats.items():
            hook = "on_train_batch" in func or "on_epoch_end" in func
            if ("keras_widgets" in file or hook) and ct < total / 2:  # not the whole search
                rows.append((ct, calls, tt, f"{file.split('site-packages/')[-1]}:{line} {func}"))
        for ct, calls, tt, where in sorted(rows, reverse=True)[:25]:
            print(f"{ct:8.3f} s cum {tt:8.3f} s own {calls:8d} calls  {where}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="TensorFlow intra/inter-op threads (0: TensorFlow's default). One thread keeps "
        "a run's work from fighting other processes for cores, which is what makes the "
        "timings noisy on a shared machine; our callbacks run in the main thread either way.",
    )
    args = ap.parse_args()
    if args.threads and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.random((N, D), dtype=np.float32)
    y = rng.integers(0, CLASSES, N)
    with tempfile.TemporaryDirectory() as tmp:
        plain(x, y, tmp)  # warm-up: imports, first graph builds
        ours(x, y, tmp)
        if args.profile:
            profile(x, y, tmp)
            return
        base, mine, base_cpu, mine_cpu, shares = [], [], [], [], []
        for i in range(args.pairs):
            order = (plain, ours) if i % 2 == 0 else (ours, plain)
            got = {fn: fn(x, y, tmp) for fn in order}
            (bw, bc, _, _, hp_a), (mw, mc, sent, spent, hp_b) = got[plain], got[ours]
            assert hp_a == hp_b, (hp_a, hp_b)  # the same seeds: the same models trained
            base.append(bw)
            base_cpu.append(bc)
            mine.append(mw)
            mine_cpu.append(mc)
            shares.append(spent / (mw - spent))
            print(
                f"pair {i + 1}: verbose=0 {bw:6.2f} s wall {bc:6.2f} s CPU, kw.tune {mw:6.2f} s "
                f"wall {mc:6.2f} s CPU ({spent:.2f} s in its hooks); "
                f"ratio wall {mw / bw:.3f} CPU {mc / bc:.3f}",
                flush=True,
            )
    threads = args.threads or "default"
    print(
        f"backend {keras.backend.backend()} ({threads} threads), {TRIALS} trials x {EPOCHS} "
        f"epochs, {N} samples, {args.pairs} pairs"
    )
    print(f"machine load (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"KerasTuner verbose=0 : wall {spread(base)} s, CPU {spread(base_cpu)} s")
    print(f"kw.tune live view    : wall {spread(mine)} s, CPU {spread(mine_cpu)} s")
    print(f"bytes sent to the view (last search): {sent:,} widget, {_published.bytes:,} static")
    walls = [m / b for m, b in zip(mine, base, strict=True)]
    cpus = [m / b for m, b in zip(mine_cpu, base_cpu, strict=True)]
    print(f"wall ratio per pair: {spread(walls)}  (the machine's load moves this most)")
    print(f"time in kw.tune's hooks / the rest of the same search: {spread(shares)}")
    print(f"CPU ratio per pair: {spread(cpus)}")
    # With one TensorFlow thread a search is one busy thread: its CPU time is the wall time
    # it takes on a core of its own, and it does not count the waits for a shared core.
    print(f"ratio {statistics.median(cpus):.3f}")


if __name__ == "__main__":
    main()
