"""The live view of a search: every trial's curves as runs of one LivePlot chart, a sortable
trials table, a progress line and a Stop button; plus a static HTML copy for saved notebooks."""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any

import traitlets

from keras_widgets import _display
from keras_widgets._html import esc
from keras_widgets._liveplot import LivePlot
from keras_widgets._liveplot._widget import LivePlotWidget
from keras_widgets._widget import STATIC, bundle

POLL_EVERY = 0.1


class TuneWidget(LivePlotWidget):
    """Front-end of a search: LivePlot's traits (the chart) plus the table and progress."""

    _esm = bundle("tune")
    _css = STATIC / "tune.css"

    # {"columns": [...], "hps": [...], "rows": [...], "best": id, "objective": name}
    table = traitlets.Dict().tag(sync=True)
    # {"trial", "done", "total", "elapsed", "eta", "state"}; the browser ticks the clock.
    progress = traitlets.Dict().tag(sync=True)


class _TrialCurves(LivePlot):
    """LivePlot's callback feeding the search's widget: one run per trial.

    KerasTuner deep-copies callbacks for every trial; this one is shared on purpose.
    """

    def __init__(self, widget: TuneWidget, monitor: str) -> None:
        super().__init__(monitor=monitor)
        self._widget = widget
        self._attach_streamer()

    def __deepcopy__(self, memo: dict) -> _TrialCurves:
        return self

    def _ensure_display(self) -> None:  # the search view displays the widget
        pass


def _objective_name(objective: Any) -> str:
    name = getattr(objective, "name", objective)
    return name if isinstance(name, str) else "objective"


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def progress_text(p: dict) -> str:
    """``trial 2 of 5 · elapsed 12 s · ETA 30 s`` (the same words the widget shows)."""
    parts = [str(p.get("state", ""))]
    trial = f"trial {p.get('trial', 0)}"
    if p.get("total"):
        trial += f" of {p['total']}"
    parts.append(trial)
    parts.append(f"elapsed {p.get('elapsed', 0):.0f} s")
    if p.get("eta") is not None:
        parts.append(f"ETA {p['eta']:.0f} s")
    return " · ".join(parts)


def table_html(table: dict, progress: dict | None = None) -> str:
    """The trials table as plain HTML (no style or script needed to read it)."""
    cols = table.get("columns", [])
    best = table.get("best")
    head = "".join(f"<th>{esc(c['label'])}</th>" for c in cols)
    body = []
    for row in table.get("rows", []):
        mark = " (best)" if row.get("trial") == best else ""
        cells = []
        for c in cols:
            text = _fmt(row.get(c["key"]))
            if c["key"] == "time" and row.get("time") is not None:
                text = f"{row['time']:.1f} s"
            if c["key"] == "trial":
                text += mark
            cells.append(f"<td>{esc(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = esc(progress_text(progress)) if progress else ""
    return (
        f'<table class="kw-tune-table" border="1" cellpadding="3"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


class TuneView:
    """Owns the widget and the curves callback; the search tells it what happened."""

    def __init__(self, search: Any) -> None:
        self.search = search
        self.widget = TuneWidget()
        self.objective = _objective_name(search.settings["objective"])
        self.curves = _TrialCurves(self.widget, self.objective)
        self.widget.on_msg(self._on_msg)
        self._display_id = f"kw-tune-{uuid.uuid4().hex}"
        self._static_id = self._display_id + "-static"
        self._shown = False
        self._last_poll = 0.0
        self._clicks = 0
        self._shown_stopping = False
        from keras_widgets import _busy_comm

        subshell = _busy_comm.use_frontend_subshell(self.widget)
        self._can_poll = _busy_comm.supported()
        self.widget.stop_available = bool(subshell or self._can_poll)
        self._sync()

    # -- search events ----------------------------------------------------------------------
    def on_event(self, event: str, trial_id: str | None) -> None:
        try:
            if event == "trial_begin":
                self.curves.new_run(f"trial {trial_id}")
            elif event == "trial_end" and trial_id == self.search._stopped_trial:
                self.curves.on_train_end()  # fit was cut short by Stop: no Keras hook ran
                self.curves._status["state"] = "stopped"
                self.curves._flush(state=True)
            self._sync()
            if event in ("trial_end", "end"):
                self._update_static()
        except Exception as e:  # the view never kills the search
            sys.stderr.write(f"keras_widgets: tune view: {type(e).__name__}: {e}\n")

    def poll(self, force: bool = False) -> None:
        """Let a Stop click reach Python while a trial trains (bounded rate), and show that
        the search is stopping (from this thread: a click's handler only sets flags)."""
        now = time.monotonic()
        if now - self._last_poll < POLL_EVERY and not force:
            return
        self._last_poll = now
        if self._can_poll:
            from keras_widgets._busy_comm import poll_widget_messages

            poll_widget_messages(widgets=self.widget)
        stopping = self.search._stop_after
        if stopping != self._shown_stopping:
            self._shown_stopping = stopping
            self._sync()

    def _on_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        # May run in a kernel subshell thread: only set flags (Search.stop does).
        if not isinstance(content, dict) or content.get("type") != "tune_stop":
            return
        self._clicks += 1
        now = bool(content.get("now")) or self._clicks > 1
        self.search.stop(now=now)

    # -- data -------------------------------------------------------------------------------
    def table(self) -> dict:
        s = self.search
        hps = s.hp_names
        columns = [{"key": "trial", "label": "trial"}, {"key": "status", "label": "status"}]
        columns += [{"key": n, "label": n, "hp": True} for n in hps]
        columns += [
            {"key": "objective", "label": self.objective},
            {"key": "best_epoch", "label": "best epoch"},
            {"key": "params", "label": "params"},
            {"key": "time", "label": "time"},
            {"key": "error", "label": "error"},
        ]
        return {"columns": columns, "rows": s.rows, "best": s.best_trial}

    def progress(self) -> dict:
        p = self.search.progress()
        if self.search._stop_after and p["state"] == "running":
            p["state"] = "stopping"
        return p

    def _sync(self) -> None:
        with self.widget.hold_sync():
            self.widget.table = self.table()
            self.widget.progress = self.progress()

    # -- display ----------------------------------------------------------------------------
    def _static_bundle(self) -> dict:
        from keras_widgets._liveplot import _render

        svg = _render.svg(self.curves._store)
        html = (
            '<div class="kw-tune-static">'
            f"{table_html(self.table(), self.progress())}"
            f"{_display.svg_image(svg, 'trial curves') if svg else ''}"
            "<div>static copy of the search view</div></div>"
        )
        return _display.static_bundle(self.widget, html, progress_text(self.progress()))

    def _bundle(self) -> dict:
        return _display.widget_view(self.widget, f"TuneView({progress_text(self.progress())})")

    def show(self) -> None:
        """Display the widget and, below it, the static copy (filled at each trial end)."""
        from keras_widgets._liveplot._callback import _kernel_shell

        if _kernel_shell() is None:
            return
        _display.show(
            self.widget,
            f"TuneView({progress_text(self.progress())})",
            self._static_bundle(),
            display_id=self._display_id,
            static_id=self._static_id,
        )
        self._shown = True

    def _update_static(self) -> None:
        if not self._shown:
            return
        from IPython.display import update_display

        update_display(self._static_bundle(), raw=True, display_id=self._static_id)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return self._bundle()
