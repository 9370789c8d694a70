"""``kw.runs(logdir)``: a plain object owning the reader, a follow thread and a lazily
created anywidget view (like LivePlot owns its widget)."""

from __future__ import annotations

import threading
import time
from typing import Any

import traitlets

from keras_widgets import _display
from keras_widgets._runs import _static, _view
from keras_widgets._runs._reader import LogdirReader
from keras_widgets._widget import STATIC, BaseWidget, bundle

FOLLOW_EVERY = 1.0  # seconds between reads while shown: new events appear within 2 s


class RunsWidget(BaseWidget):
    """Front-end of :func:`keras_widgets.runs` (create it through ``kw.runs``)."""

    _esm = bundle("runs")
    _css = STATIC / "runs.css"

    data = traitlets.Dict().tag(sync=True)
    filter = traitlets.Unicode("").tag(sync=True)
    hidden = traitlets.List(traitlets.Unicode()).tag(sync=True)
    smoothing = traitlets.Float(0.0).tag(sync=True)
    log_y = traitlets.Bool(False).tag(sync=True)
    xaxis = traitlets.Unicode("step").tag(sync=True)
    sort = traitlets.List().tag(sync=True)  # [column, descending] of the hparams table
    error = traitlets.Unicode("").tag(sync=True)


class Runs(_display.Shown):
    """Every run under a TensorBoard log directory, live.

    >>> r = kw.runs("runs")            # doctest: +SKIP
    >>> r                               # the view: curves per tag, runs, hparams
    >>> r.to_dataframe()                # long form: run, tag, step, wall_time, value
    >>> r.hparams                       # one row per run
    """

    def __init__(
        self,
        logdir: Any,
        *,
        follow: bool = True,
        interval: float = FOLLOW_EVERY,
        max_points: int | None = 2000,
        check_crc: bool = True,
        max_tags: int = 1000,
        points: int = 500,
    ) -> None:
        import os

        self.logdir = os.fspath(logdir) if not isinstance(logdir, str) else logdir
        self._reader = LogdirReader(
            self.logdir, max_points=max_points, check_crc=check_crc, max_tags=max_tags
        )
        self.follow = bool(follow)
        self.interval = float(interval)
        self.points = int(points)
        self._lock = threading.RLock()
        self._widget: RunsWidget | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self.errors: list[str] = []
        self.refresh()

    # -- data -------------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Read what is new now (the follow thread does this every second while shown);
        True when anything changed. Never raises for bad input: it is skipped and counted."""
        with self._lock:
            try:
                changed = self._reader.read()
            except Exception as e:  # our bug must not break the notebook: say so, carry on
                self._report(e)
                return False
            if self._widget is not None and (
                changed or self._reader.reads == 1 or not self._widget.data
            ):
                self._push()
            elif self._widget is not None:
                self._push_status()
            return changed

    @property
    def skipped(self) -> dict[str, int]:
        """What was skipped (and why), as counts."""
        return dict(self._reader.skipped)

    @property
    def run_names(self) -> list[str]:
        return [r.name for r in self._reader.runs.values()]

    def to_dataframe(self) -> Any:
        """Long form: one row per point (run, tag, step, wall_time, value); curves longer than
        ``max_points`` are held decimated (min/max buckets)."""
        import numpy as np
        import pandas as pd

        frames = []
        with self._lock:
            for run in self._reader.runs.values():
                for tag, s in run.series.items():
                    step, wall, value = s.arrays()
                    frames.append(
                        pd.DataFrame(
                            {
                                "run": run.name,
                                "tag": tag,
                                "step": step,
                                "wall_time": wall,
                                "value": value,
                            }
                        )
                    )
        if not frames:
            return pd.DataFrame(
                {
                    "run": pd.Series([], dtype=object),
                    "tag": pd.Series([], dtype=object),
                    "step": np.zeros(0, np.int64),
                    "wall_time": np.zeros(0),
                    "value": np.zeros(0),
                }
            )
        return pd.concat(frames, ignore_index=True)

    @property
    def hparams(self) -> Any:
        """One row per run: its hyperparameters, then the last value of its main metrics."""
        import pandas as pd

        with self._lock:
            rows, hcols, mcols = _view.hparams_rows(self._reader)
        return pd.DataFrame(rows, columns=["run", *hcols, *mcols])

    # -- view -------------------------------------------------------------------------------
    @property
    def widget(self) -> RunsWidget:
        if self._widget is None:
            self._widget = RunsWidget()
            self._push()
        return self._widget

    def _status(self) -> str:
        r = self._reader
        if not r.exists:
            return f"waiting for {self.logdir} to appear"
        state = "following" if self._following() else "read"
        return f"{len(r.runs)} runs · {state} {self.logdir}"

    def _following(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _payload(self) -> dict:
        return _view.payload(self._reader, points=self.points, status=self._status())

    def _push(self) -> None:
        try:
            self._widget.data = self._payload()
        except Exception as e:
            self._report(e)

    def _push_status(self) -> None:
        status = self._status()
        data = self._widget.data
        if data.get("status") != status:
            self._widget.data = {**data, "status": status}

    def static_html(self) -> str:
        """The static picture (SVG curves and hparams table) saved notebooks show."""
        with self._lock:
            return _static.html(self._payload(), self._reader)

    # -- display (keras_widgets._display) ---------------------------------------------------
    def _static_bundle(self) -> dict:
        return _display.static_bundle(self.widget, self.static_html(), repr(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        self._start_following()  # shown: follow the log directory while the view lives
        return super()._repr_mimebundle_(include, exclude)

    def _ipython_display_(self) -> None:
        self._start_following()
        super()._ipython_display_()

    def __repr__(self) -> str:
        return f"<kw.runs {self._status()}>"

    # -- follow -----------------------------------------------------------------------------
    def _start_following(self) -> None:
        if not self.follow or self._closed or self._following():
            return
        self._thread = threading.Thread(target=self._loop, name="kw-runs-follow", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._closed and self.follow:
            time.sleep(self.interval)
            w = self._widget
            if w is None or getattr(w, "comm", None) is None:  # the widget was closed
                break
            self.refresh()

    def close(self) -> None:
        """Stop following and close the view."""
        self._closed = True
        if self._widget is not None:
            self._widget.close()

    def _report(self, e: BaseException) -> None:
        msg = f"{type(e).__name__}: {e} (in kw.runs)"
        self.errors.append(msg)
        if self._widget is not None:
            try:
                self._widget.error = msg
            except Exception:
                pass


def runs(logdir: Any, **options: Any) -> Runs:
    """Every run under ``logdir`` (a folder or an fsspec URL such as ``gs://b/logs``), from
    any TensorBoard writer: curves per tag, run filter, hparams table and scatter, followed
    live while shown. Options: ``follow``, ``interval``, ``max_points``, ``check_crc``,
    ``max_tags``, ``points``."""
    return Runs(logdir, **options)
