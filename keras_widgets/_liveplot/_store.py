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
# The columns every history row has; a metric of the same name is renamed (see metric_column).
META_COLUMNS = ("run", "epoch", "batch", "step", "x", "kind")
METRIC_PREFIX = "metric:"


def metric_column(name: str, taken: object) -> str:
    """The history column of a metric: its own name, or ``metric:<name>`` when that name is a
    row column (a metric called ``epoch`` or ``x``) or already taken."""
    if name not in META_COLUMNS:
        return name
    col = METRIC_PREFIX + name
    while col in taken:  # a metric really called "metric:epoch" as well
        col = METRIC_PREFIX + col
    return col


class Table:
    """Fixed-width float64 rows in a 2-D numpy array that grows by doubling.

    Rows are appended as tuples to a short Python list and committed in blocks: one list
    append per row keeps the per-batch cost of the callback at a few microseconds.
    """

    __slots__ = ("_a", "_n", "_pending")
    BLOCK = 1024

    def __init__(self, width: int, capacity: int = 64) -> None:
        self._a = np.empty((capacity, width))
        self._n = 0
        self._pending: list[tuple] = []

    def append(self, row: tuple) -> None:
        p = self._pending
        p.append(row)
        if len(p) >= self.BLOCK:
            self._commit()

    def _commit(self) -> None:
        p = self._pending
        if not p:
            return
        need = self._n + len(p)
        if need > len(self._a):
            grown = np.empty((max(need, 2 * len(self._a)), self._a.shape[1]))
            grown[: self._n] = self._a[: self._n]
            self._a = grown
        self._a[self._n : need] = p
        self._n = need
        self._pending = []

    @property
    def values(self) -> np.ndarray:
        """A view of the filled rows (do not keep it across appends)."""
        if self._pending:
            self._commit()
        return self._a[: self._n]

    def __len__(self) -> int:
        return self._n + len(self._pending)


class Column:
    """One column of a :class:`Table`, as a (writable) numpy view."""

    __slots__ = ("_i", "_t")

    def __init__(self, table: Table, i: int) -> None:
        self._t, self._i = table, i

    @property
    def values(self) -> np.ndarray:
        return self._t.values[:, self._i]


class Flags(Column):
    __slots__ = ()

    @property
    def values(self) -> np.ndarray:
        return self._t.values[:, self._i] > 0


class IntColumn(Column):
    __slots__ = ()

    @property
    def values(self) -> np.ndarray:
        return self._t.values[:, self._i].astype(np.int64)


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
        self._t = Table(4)  # x, y, keep (epoch point: survives decimation), row of run
        self.x, self.y = Column(self._t, 0), Column(self._t, 1)
        self.keep, self.row = Flags(self._t, 2), IntColumn(self._t, 3)
        self.dirty_from: int | None = None  # first point whose x changed after being sent
        self.last_finite = 0.0

    def __len__(self) -> int:
        return len(self._t)

    def append(self, x: float, y: float, keep: bool, row: int) -> None:
        self._t.append((x, y, keep, row))


class Run:
    """One ``fit`` (or one ``new_run``): rows of the history and the traces drawn from them."""

    def __init__(self, index: int, name: str, xunit: str) -> None:
        self.index = index
        self.name = name
        self.xunit = xunit  # "epoch" (fit) or "step" (custom loops via log())
        self._meta = Table(5)  # x, epoch, batch, step, is_epoch
        self.x = Column(self._meta, 0)
        self.epoch, self.batch = IntColumn(self._meta, 1), IntColumn(self._meta, 2)
        self.step, self.is_epoch = IntColumn(self._meta, 3), Flags(self._meta, 4)
        self._values: list[dict[str, float]] = []  # metrics of the rows not yet committed
        self._cols: dict[str, np.ndarray] = {}  # committed metric columns (NaN: not logged)
        self._committed = 0
        self.names: dict[str, None] = {}  # metric names in order of appearance
        self.traces: dict[tuple[str, str], Trace] = {}
        self.routes: dict[tuple[str, bool], list[Trace]] = {}  # (metric, is_epoch) -> traces

    def __len__(self) -> int:
        return len(self._meta)

    def add_values(self, values: dict[str, float]) -> None:
        self._values.append(values)
        if len(self._values) >= Table.BLOCK:
            self._commit_values()

    def _commit_values(self) -> None:
        vals, n0 = self._values, self._committed
        n = n0 + len(vals)
        for name in self.names:
            col = self._cols.get(name)
            if col is None:
                col = np.full(max(64, n), math.nan)
            elif len(col) < n:
                col = np.concatenate([col, np.full(max(n, len(col)), math.nan)])
            col[n0:n] = np.fromiter((d.get(name, math.nan) for d in vals), np.float64, len(vals))
            self._cols[name] = col
        self._committed = n
        self._values = []

    def columns(self) -> dict[str, np.ndarray]:
        """Metric columns (NaN where a row did not log the metric)."""
        self._commit_values()
        return {name: self._cols[name][: self._committed] for name in self.names}


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
        if self.metrics is None:
            return True
        return base_metric(metric) in self.metrics or metric in self.metrics

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
        row = len(run)
        run._meta.append((x, epoch, batch, step, is_epoch))
        run.add_values(values)
        routes = run.routes
        for name, value in values.items():
            traces = routes.get((name, is_epoch))
            if traces is None:
                traces = routes[(name, is_epoch)] = self._route(run, name, is_epoch)
            if not traces:
                continue
            if value - value == 0:  # finite (NaN and inf give NaN)
                for tr in traces:
                    tr._t.append((x, value, is_epoch, row))
                    tr.last_finite = value
            else:  # a gap in the line and a marker at the last finite value
                for tr in traces:
                    tr._t.append((x, math.nan, is_epoch, row))
                marks = self._trace(run, base_metric(name), "nonfinite")
                marks.append(x, traces[0].last_finite, True, row)

    def _route(self, run: Run, name: str, is_epoch: bool) -> list[Trace]:
        """The traces a metric's value goes to (decided once per metric and row kind)."""
        run.names.setdefault(name, None)  # a metric appearing late: earlier rows read NaN
        if not self.shown(name):
            return []
        if name.startswith("val_"):
            kinds = ["val"]
        elif is_epoch and self.per_batch and name != LR and run.xunit == "epoch":
            kinds = ["train", "epoch"]
        elif is_epoch or self.per_batch:
            kinds = ["train"]
        else:
            kinds = []
        return [self._trace(run, name, kind) for kind in kinds]

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
        xs[:] = new  # a view: writes the run's rows
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
        """Every row of every run as a pandas DataFrame (full resolution). A metric named like a
        row column (``epoch``, ``x``...) is the column ``metric:<name>``."""
        import pandas as pd

        frames = []
        names = {n: None for run in self.runs for n in run.names}  # one renaming for all runs
        rename = {n: metric_column(n, names) for n in names}
        for run in self.runs:
            data: dict[str, Any] = {
                "run": np.full(len(run), run.name, dtype=object),
                "epoch": run.epoch.values.copy(),
                "batch": run.batch.values.copy(),
                "step": run.step.values.copy(),
                "x": run.x.values.copy(),
                "kind": np.where(run.is_epoch.values, "epoch", "batch"),
            }
            for name, values in run.columns().items():
                data[rename[name]] = values
            frames.append(pd.DataFrame(data))
        if not frames:
            return pd.DataFrame(columns=list(META_COLUMNS))
        return pd.concat(frames, ignore_index=True)
