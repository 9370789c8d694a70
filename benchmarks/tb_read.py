"""Reading TensorBoard logs: kw.runs' reader against TensorBoard's EventAccumulator and tbparse,
measured in the same run on the same files.

Writes (once, into a temporary folder) a ~150 MB event log of one run (four scalar tags, one
value per event, as tf.summary and tensorboardX write them) and a log folder of 1,000 runs x
1,000 points. Each reader runs in its own subprocess, so its peak memory (ru_maxrss) is its own.
Ours keeps at most 2,000 points per curve (min/max buckets) and checks every CRC;
EventAccumulator keeps 10,000 per tag by default (reservoir sampling); tbparse keeps all.
The last line is ``speedup <ours vs EventAccumulator>`` on both logs together (goal >= 20),
in wall time; the line before it gives the same ratio in CPU time (user + system), which
other work on a loaded machine disturbs less.

    python benchmarks/tb_read.py [--mb 150] [--runs 1000] [--points 1000] [--skip-tbparse]
                                 [--keep DIR]  (write the logs there once, reuse them later)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TAGS = ("train/loss", "train/accuracy", "val/loss", "learning_rate")


def write_big(path: str, mb: float) -> int:
    from keras_widgets._runs._writer import EventWriter

    w = EventWriter(path, flush_every=0.5)
    step, target = 0, mb * 1e6
    while True:
        for _ in range(20_000):
            step += 1
            for i, tag in enumerate(TAGS):
                w.scalars(step, {tag: 1.0 / (step + i)}, wall_time=1.7e9 + step * 0.01)
        w.flush()
        if os.path.getsize(w.path) >= target:
            break
    w.close()
    return step * len(TAGS)


def write_many(path: str, runs: int, points: int) -> int:
    from keras_widgets._runs._writer import EventWriter

    for r in range(runs):
        w = EventWriter(os.path.join(path, f"run_{r:04d}"))
        for s in range(points):
            w.scalars(s, {"loss": 1.0 / (s + 1 + r)}, wall_time=1.7e9 + s)
        w.close()
    return runs * points


CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
which, logdir = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if which == "ours":
    from keras_widgets._runs._reader import LogdirReader
    r = LogdirReader(logdir)
    r.read()
    n = sum(len(s) for run in r.runs.values() for s in run.series.values())
elif which == "ea":
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
    m = EventMultiplexer()
    m.AddRunsFromDirectory(logdir)
    m.Reload()
    n = sum(len(m.Scalars(run, tag)) for run, tags in m.Runs().items() for tag in tags["scalars"])
else:
    from tbparse import SummaryReader
    n = len(SummaryReader(logdir, pivot=False).scalars)
dt = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime  # the interpreter's start included: the same for every reader
print(json.dumps({{"s": dt, "cpu": cpu, "n": n, "rss_mb": ru.ru_maxrss / 1024}}))
"""


def measure(which: str, logdir: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=ROOT), which, logdir],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"{which} failed on {logdir}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=150)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--skip-tbparse", action="store_true")
    ap.add_argument("--keep", help="folder for the logs: written once, reused by later runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        big, many = os.path.join(tmp, "big"), os.path.join(tmp, "many")
        t = time.perf_counter()
        done = os.path.join(tmp, "written.json")
        if os.path.exists(done):
            with open(done) as f:
                n_big = json.load(f)["n_big"]
        else:
            n_big = write_big(os.path.join(big, "run"), args.mb)
            write_many(many, args.runs, args.points)
            with open(done, "w") as f:
                json.dump({"n_big": n_big}, f)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(big) for f in fs)
        print(
            f"wrote {size / 1e6:.0f} MB ({n_big:,} scalars) + {args.runs} runs x "
            f"{args.points} points in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
        readers = [("ours", "kw.runs reader"), ("ea", "EventAccumulator")]
        if not args.skip_tbparse:
            readers.append(("tbparse", "tbparse"))
        total, cpu = {}, {}
        for key, label in readers:
            a, b = measure(key, big), measure(key, many)
            total[key] = a["s"] + b["s"]
            cpu[key] = a["cpu"] + b["cpu"]
            print(
                f"{label:18s} 150MB log {a['s']:7.2f} s (cpu {a['cpu']:6.2f} s, peak "
                f"{a['rss_mb']:5.0f} MB, {a['n']:,} points kept)   1000 runs {b['s']:7.2f} s "
                f"(cpu {b['cpu']:6.2f} s, peak {b['rss_mb']:5.0f} MB)",
                flush=True,
            )
    print(f"cpu speedup {cpu['ea'] / cpu['ours']:.1f}")
    print(f"speedup {total['ea'] / total['ours']:.1f}")


if __name__ == "__main__":
    main()
