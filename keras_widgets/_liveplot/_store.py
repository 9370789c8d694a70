"""Full-resolution training history in compact numpy arrays, organised as runs and traces.

A *row* is one logged event (a batch end or an epoch end) with every metric of that event;
rows are what ``LivePlot.history`` returns. A *trace* is what one Plotly curve draws (the
per-batch line of ``loss`` in run 1, the ``val_loss`` epoch points, ...): it holds the row
index of each of its points, so x values can be corrected later (unknown epoch sizes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

LR = "learning_rate"


class Growable:
    """A 1-D numpy array that grows by doubling (amortised O(1) appends)."""

    __slots__ = ("_a", "n")

    def __init__(self, dtype: Any, capacity: int = 64) -> None:
        self._a = np.empty(capacity, dtype=dtype)
        self.n = 0

    def append(self, value: Any) -> None:
        if self.n == len(self._a):
            self._a = np.concatenate([self._a, np.empty_like(self._a)])
        self._a[self.n] = value
        self.n += 1

    @property
    def values(self) -> np.ndarray:
        """A view of the filled part (do not keep it across appends)."""
        return self._a[: self.n]

    def __len__(self) -> int:
        return self.n


def base_metric(name: str) -> str:
    """Subplot a metric belongs to: ``val_loss`` and ``loss`` share ``loss``."""
    return name[4:] if name.startswith("val_") else name


class Trace:
    """The points of one Plotly curve. ``kind``: train | epoch | val | nonfinite."""

    def __init__(self, tid: int, run: Run, metric: str, kind: str) -> None:
        self.id = tid
        self.run = run
        self.metric = metric
        self.kind = kind
        self.subplot = base_metric(metric)
        self.x = Growable(np.float64)
        self.y = Growable(np.float64)
        self.keep = Growable(np.bool_)  # epoch points survive decimation
        self.row = Growable(np.int64)  # row of run.rows each point comes from
        self.dirty_from: int | None = None  # first point whose x changed after being sent
        self.last_finite = 0.0

    def __len__(self) -> int:
        return self.x.n

    def append(self, x: float, y: float, keep: bool, row: int) -> None:
        self.x.append(x)
        self.y.append(y)
        self.keep.append(keep)
        self.row.append(row)


class Run:
    """One ``fit`` (or one ``new_run``): rows of the history and the traces drawn from them."""

    def __init__(self, index: int, name: str, xunit: str) -> None:
        self.index = index
        self.name = name
        self.xunit = xunit  # "epoch" (fit) or "step" (custom loops via log())
        self.x = Growable(np.float64)
        self.epoch = Growable(np.int64)
        self.batch = Growable(np.int64)
        self.step = Growable(np.int64)
        self.is_epoch = Growable(np.bool_)
        self.cols: dict[str, Growable] = {}
        self.traces: dict[tuple[str, str], Trace] = {}

    def __len__(self) -> int:
        return self.x.n


class Store:
    """All runs and traces; the only place training data is kept."""

    def __init__(self, *, metrics: list[str] | None = None, per_batch: bool = True) -> None:
        self.metrics = None if metrics is None else [str(m) for m in metrics]
        self.per_batch = per_batch
        self.runs: list[Run] = []
        self.traces: list[Trace] = []
        self._subplots: list[str] = []

    # -- building ---------------------------------------------------------------------------
    def new_run(self, name: str | None = None, xunit: str = "epoch") -> Run:
        run = Run(len(self.runs), name or f"run {len(self.runs) + 1}", xunit)
        self.runs.append(run)
        return run

    def shown(self, metric: str) -> bool:
        base = base_metric(metric)
        return self.metrics is None or base in self.metrics or metric in self.metrics

    def _trace(self, run: Run, metric: str, kind: str) -> Trace:
        key = (metric, kind)
        tr = run.traces.get(key)
        if tr is None:
            tr = run.traces[key] = Trace(len(self.traces), run, metric, kind)
            self.traces.append(tr)
            if tr.subplot not in self._subplots:
                self._subplots.append(tr.subplot)
        return tr

    def log(
        self,
        run: Run,
        x: float,
        values: dict[str, float],
        *,
        epoch: int = 0,
        batch: int = 0,
        step: int = 0,
        is_epoch: bool = False,
    ) -> None:
        """Append one row (``values`` already plain floats) and its points to the traces."""
        row = run.x.n
        run.x.append(x)
        run.epoch.append(epoch)
        run.batch.append(batch)
        run.step.append(step)
        run.is_epoch.append(is_epoch)
        for name, col in run.cols.items():
            col.append(values.get(name, math.nan))
        for name, value in values.items():
            if name not in run.cols:  # a metric appearing late: earlier rows get NaN
                col = run.cols[name] = Growable(np.float64, max(64, len(run.x._a)))
                for _ in range(row):
                    col.append(math.nan)
                col.append(value)
            if not self.shown(name):
                continue
            finite = math.isfinite(value)
            if name.startswith("val_"):
                kinds = ["val"]
            elif is_epoch and self.per_batch and name != LR and run.xunit == "epoch":
                kinds = ["train", "epoch"]
            elif is_epoch or self.per_batch:
                kinds = ["train"]
            else:
                kinds = []
            for kind in kinds:
                tr = self._trace(run, name, kind)
                tr.append(x, value if finite else math.nan, is_epoch, row)
                if finite:
                    tr.last_finite = value
            if not finite and kinds:
                tr = self._trace(run, f"{base_metric(name)}", "nonfinite")
                last = run.traces[(name, kinds[0])].last_finite
                tr.append(x, last, True, row)

    def rescale_epoch(self, run: Run, epoch: int, n_batches: int) -> None:
        """Fix the x of an epoch's batch rows once its real number of batches is known."""
        if n_batches <= 0 or not len(run):
            return
        ep = run.epoch.values
        start = int(np.searchsorted(ep, epoch, side="left"))
        if start >= len(run):
            return
        rows = slice(start, len(run))
        batch_rows = ~run.is_epoch.values[rows] & (ep[rows] == epoch)
        xs = run.x.values[rows]
        new = np.where(batch_rows, epoch + (run.batch.values[rows] + 1) / n_batches, xs)
        if np.array_equal(new, xs):
            return
        xs[:] = new
        allx = run.x.values
        for tr in run.traces.values():
            r = tr.row.values
            i = int(np.searchsorted(r, start, side="left"))
            if i < len(tr):
                tr.x.values[i:] = allx[r[i:]]
                tr.dirty_from = i if tr.dirty_from is None else min(tr.dirty_from, i)

    # -- reading ----------------------------------------------------------------------------
    @property
    def subplots(self) -> list[str]:
        """Subplot names: loss first, learning rate last, others in order of appearance."""
        order = {"loss": -1, LR: 1}
        return sorted(self._subplots, key=lambda s: order.get(s, 0))

    def dataframe(self) -> Any:
        """Every row of every run as a pandas DataFrame (full resolution)."""
        import pandas as pd

        frames = []
        for run in self.runs:
            data: dict[str, Any] = {
                "run": np.full(len(run), run.name, dtype=object),
                "epoch": run.epoch.values.copy(),
                "batch": run.batch.values.copy(),
                "step": run.step.values.copy(),
                "x": run.x.values.copy(),
                "kind": np.where(run.is_epoch.values, "epoch", "batch"),
            }
            for name, col in run.cols.items():
                data[name] = col.values.copy()
            frames.append(pd.DataFrame(data))
        if not frames:
            return pd.DataFrame(columns=["run", "epoch", "batch", "step", "x", "kind"])
        return pd.concat(frames, ignore_index=True)
