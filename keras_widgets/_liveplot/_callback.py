"""``LivePlot``: a Keras callback that owns a lazily created widget (like jupyter-scatter's
``Scatter`` owns its widget) and feeds it from a full-resolution history."""

from __future__ import annotations

import bisect
import functools
import math
import os
import sys
import threading
import time
import uuid
from typing import Any

import keras

from keras_widgets import _display
from keras_widgets._env import is_primary_process
from keras_widgets._html import esc
from keras_widgets._liveplot import _options, _render
from keras_widgets._liveplot._store import LR, Run, Store
from keras_widgets._liveplot._stream import Streamer

STATE_EVERY = 2.0  # seconds between widget-state snapshots (always taken at train end)
MAX_ELEMENTS = 64  # a vector metric with more values than this is not plotted
POLL_EVERY = 0.1  # seconds between polls for widget messages (Stop) during fit


_UNSET = object()


def _kernel_shell() -> Any:
    """The IPython shell when running inside a Jupyter kernel, else None (plain scripts, and
    every process but the first of a multi-process ``keras.distribution`` run)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or not is_primary_process():
        return None
    shell = ipython.get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_KERAS_DIR = os.path.dirname(os.path.abspath(keras.__file__))


def _fit_entry_frame() -> Any:
    """The outermost Keras frame of the ``fit`` (or evaluate...) that is calling us, or None
    when the hooks are called from user code directly. Used to tell, later, that ``fit``
    ended without calling ``on_train_end`` (an exception went through it)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_OWN_DIR):
        f = f.f_back
    entry = None
    while f is not None and f.f_code.co_filename.startswith(_KERAS_DIR):
        entry, f = f, f.f_back
    return entry


def _on_stack(frame: Any, thread_id: int) -> bool:
    """Whether ``frame`` is still executing in thread ``thread_id``."""
    f = sys._getframe() if thread_id == threading.get_ident() else None
    if f is None:
        f = sys._current_frames().get(thread_id)
    while f is not None:
        if f is frame:
            return True
        f = f.f_back
    return False


@functools.lru_cache(maxsize=256)
def _maximize(name: str) -> bool:
    """Whether higher is better for a metric (cached: asked on every logged row)."""
    return any(s in name for s in ("acc", "auc", "precision", "recall", "f1"))


def _guard(fn):
    """Never let an error in our callback kill training: report it once, carry on."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except Exception as e:
            self._report(e, fn.__name__)
            return None

    return wrapper


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        try:
            import numpy as np

            arr = keras.ops.convert_to_numpy(value)
            return float(np.asarray(arr).reshape(-1)[0]) if np.size(arr) == 1 else None
        except Exception:
            return None


def status_text(status: dict) -> str:
    """One-line status, the same the widget shows."""
    parts = [str(status.get("state", ""))]
    if status.get("run"):
        parts.append(str(status["run"]))
    if status.get("epoch") is not None:
        total = status.get("epochs")
        parts.append(f"epoch {status['epoch']}" + (f"/{total}" if total else ""))
    if status.get("step") is not None:
        steps = status.get("steps")
        parts.append(f"step {status['step']}" + (f"/{steps}" if steps else ""))
    if status.get("sec_per_epoch"):
        parts.append(f"{status['sec_per_epoch']:.2f} s/epoch")
    if status.get("eta") is not None and status.get("state") == "training":
        parts.append(f"ETA {status['eta']:.0f} s")
    if status.get("best") is not None:
        # custom loops (log) count steps, fit counts epochs
        at = (
            f"step {status['best_step']}"
            if status.get("best_step") is not None
            else f"epoch {status.get('best_epoch')}"
        )
        parts.append(f"best {status['monitor']} {status['best']:.4g} ({at})")
    return " · ".join(parts)


class LivePlot(_display.Shown, keras.callbacks.Callback):
    """Live training curves: a Keras callback and a displayable widget.

    >>> live = kw.LivePlot()
    >>> model.fit(x, y, validation_split=0.1, epochs=10, callbacks=[live])  # doctest: +SKIP
    >>> live.history  # full resolution, one row per logged batch, epoch rows marked

    Options (keyword-only): ``metrics`` (base names to plot, default all), ``per_batch``
    (draw the per-batch line), ``update_every`` (seconds between updates), ``smoothing``
    (0..1, exponential moving average of the lines), ``log_y``, ``columns`` (subplots per
    row), ``height`` (pixels), ``monitor`` (metric whose best value the status shows),
    ``learning_rate`` (plot the optimizer's learning rate), ``max_points`` (points per
    trace held by the browser), ``run_name``, ``logdir`` (also write each run to
    ``<logdir>/<run name>/`` as TensorBoard event files; see ``kw.runs``).
    """

    def __init__(
        self,
        *,
        metrics: list[str] | None = None,
        per_batch: bool = True,
        update_every: float = 0.25,
        smoothing: float = 0.0,
        log_y: bool = False,
        columns: int = 2,
        height: int | None = None,
        monitor: str = "val_loss",
        learning_rate: bool = True,
        max_points: int = 2000,
        run_name: str | None = None,
        logdir: Any = None,
        **unknown: Any,
    ) -> None:
        _options.reject_unknown(unknown)
        super().__init__()
        self.options = o = _options.validate(
            {
                "metrics": metrics,
                "per_batch": per_batch,
                "update_every": update_every,
                "smoothing": smoothing,
                "log_y": log_y,
                "columns": columns,
                "height": height,
                "monitor": monitor,
                "learning_rate": learning_rate,
                "max_points": max_points,
                "run_name": run_name,
                "logdir": logdir,
            }
        )
        self._store = Store(metrics=o["metrics"], per_batch=bool(o["per_batch"]))
        self._run: Run | None = None
        self._next_run_name: str | None = o["run_name"]
        self._widget: Any = None
        self._streamer: Streamer | None = None
        self._display_id = f"kw-liveplot-{uuid.uuid4().hex}"
        self._static_id = self._display_id + "-static"
        self._displayed = False
        self._static_shown = False
        self._errors: list[str] = []
        self._too_large: set[str] = set()  # vector metrics too large to plot (reported once)
        self._status: dict[str, Any] = {"state": "waiting", "monitor": o["monitor"]}
        self._training = False
        self._fit_frame: Any = None  # see _check_ended
        self._fit_thread = 0
        self._hook_registered = False
        self._shell_cache: Any = _UNSET
        self._layout_key: Any = None
        self._layout_memo: dict = {}
        self._last_state = -math.inf
        self._stop_flag = False
        self._want_state = False  # a view missed deltas and asked for a snapshot
        self._lr_ok = bool(o["learning_rate"])
        # On JAX the batch hook may run in a worker thread, and `Callback.model` syncs the
        # trainer's state into the variables (jax_state_sync): doing that off the main thread
        # races the next step and hands it donated buffers. So JAX reads the rate at epoch end.
        self._lr_per_batch = keras.backend.backend() != "jax"
        self._lock = threading.RLock()
        self._pending: list[tuple[int, dict]] = []
        # Steps begun (on the main thread, in order) whose batch-end call has not run yet: a
        # batch row is logged only once every step begun before it has ended, so rows from
        # worker threads that finish out of order are still logged in order.
        self._open: list[int] = []
        self._reset_epoch_clock()
        self._tb = None  # TensorBoard logs (keras_widgets._runs), only with logdir=
        if o["logdir"] is not None:
            from keras_widgets._runs._sink import LogdirSink

            self._tb = LogdirSink(o["logdir"])

    # -- public API -------------------------------------------------------------------------
    @property
    def history(self) -> Any:
        """pandas DataFrame of every logged row (batch and epoch rows, ``kind`` marks them)."""
        self._check_ended()
        with self._lock:
            self._drain()
            return self._store.dataframe()

    @property
    def figure(self) -> Any:
        """A static ``plotly.graph_objects.Figure`` of the whole history."""
        import plotly.graph_objects as go

        self._check_ended()
        with self._lock:
            self._drain()
        return go.Figure(_render.figure_dict(self._store, **self._layout_opts()))

    def save_html(self, path: Any) -> None:
        """Write a standalone HTML file with Plotly.js embedded (works offline)."""
        self.figure.write_html(str(path), include_plotlyjs=True, full_html=True)

    def new_run(self, name: str | None = None) -> None:
        """Start a new run (overlaid on previous ones, with its own legend entry)."""
        if self._run is not None and not len(self._run):
            self._run.name = name or self._run.name
            return
        self._run = None
        self._next_run_name = name

    def log(self, step: int | float, /, *, epoch: bool = False, **metrics: float) -> None:
        """Feed one point of a custom training loop: ``live.log(step, loss=..., val_loss=...)``.

        ``epoch=True`` marks the point as an epoch point (a marker, always kept) and flushes.
        """
        run = self._ensure_run("step")
        values = {}
        for k, v in metrics.items():
            f = v if type(v) is float else _float(v)
            if f is not None:
                values[k] = f
            else:
                self._expand(k, v, values)
        istep = int(step)
        self._store.log(run, float(step), values, batch=istep, step=istep, is_epoch=epoch)
        self._track_best(values, istep, "step")
        if self._tb is not None:
            self._tb.scalars(run.name, istep, values, "epoch" if epoch else "batch")
        status = self._status
        status["state"] = "training"
        status["run"] = run.name
        status["step"] = istep
        status["steps"] = None
        status.pop("epoch", None)
        if not self._displayed:
            self._ensure_display()
        if not self._hook_registered:
            self._register_cell_hook()
        if self._streamer is not None:
            if epoch:
                # the new points now; the state snapshot (for new views) at most every
                # STATE_EVERY seconds, and always at finish() and cell end
                self._flush(state=time.monotonic() - self._last_state >= STATE_EVERY)
            elif self._streamer.due():
                self._flush()

    def finish(self) -> None:
        """Flush everything, snapshot the state and refresh the static copy (custom loops;
        ``fit`` does this itself at train end, and so does the end of the notebook cell)."""
        self._check_ended()
        if self._status.get("state") == "training":
            self._status["state"] = "done"
        self._flush(state=True)
        self._update_static()
        if self._tb is not None:
            self._tb.end("success")

    @property
    def stop_requested(self) -> bool:
        """True once the Stop button was pressed (custom loops can check it)."""
        return self._stop_flag

    @property
    def status(self) -> dict:
        """The status line as data: state (training, done, stopped, interrupted...), epoch,
        step, seconds per epoch, ETA, best value of the monitored metric."""
        self._check_ended()
        return dict(self._status)

    @property
    def errors(self) -> list[str]:
        """Errors raised inside the callback (training carried on)."""
        return list(self._errors)

    @property
    def widget(self) -> Any:
        """The anywidget view (created on first use)."""
        if self._widget is None:
            from keras_widgets._liveplot._widget import LivePlotWidget

            w = LivePlotWidget(
                log_y=bool(self.options["log_y"]), smoothing=float(self.options["smoothing"])
            )
            w.on_msg(self._on_widget_msg)
            self._widget = w
            self._wire_stop()
            self._attach_streamer()
        return self._widget

    def _attach_streamer(self) -> None:
        w = self._widget
        self._streamer = Streamer(
            self._store,
            lambda content, buffers: w.send(content, buffers),
            interval=float(self.options["update_every"]),
            live_points=int(self.options["max_points"]),
        )
        self._flush(state=True)

    # -- display (keras_widgets._display) ---------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        self._displayed = True
        return _display.mimebundle(self.widget, self._display_text(), self._static_bundle())

    def _ipython_display_(self) -> None:
        self._show()

    def _display_text(self) -> str:
        # The widget output is not updated when training ends (re-rendering the view would
        # redraw it from the coarser snapshot), so its text names no state that goes stale;
        # the static copy below it is updated and says the state.
        return "LivePlot (live view of the curves)"

    def _show(self) -> None:
        # Below the widget, an (empty) output that train end fills with the static copy.
        _display.show(
            self.widget,
            self._display_text(),
            self._static_bundle(),
            display_id=self._display_id,
            static_id=self._static_id,
            early=True,  # fit polls widget messages (_poll_stop): the view can load meanwhile
        )
        self._displayed = True
        self._static_shown = True

    def _shell(self) -> Any:
        """``_kernel_shell()``, looked up once per LivePlot (log() is called per step)."""
        shell = self._shell_cache
        if shell is _UNSET:
            shell = self._shell_cache = _kernel_shell()
        return shell

    def _ensure_display(self) -> None:
        if not self._displayed and self._shell() is not None:
            self._show()

    def _static_bundle(self) -> dict:
        svg = _render.svg(self._store, columns=int(self.options["columns"]))
        html = ""
        if svg:
            caption = f"{status_text(self._status)} · static copy of the LivePlot curves"
            html = (
                _display.svg_image(svg, "LivePlot curves")
                + f'<div style="font-size:12px;opacity:.8">{esc(caption)}</div>'
            )
        return _display.static_bundle(self.widget, html, f"LivePlot({status_text(self._status)})")

    def _update_static(self) -> None:
        if not self._static_shown or self._shell() is None:
            return
        from IPython.display import update_display

        update_display(self._static_bundle(), raw=True, display_id=self._static_id)

    # -- keras hooks ------------------------------------------------------------------------
    @_guard
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._check_ended()  # a previous fit that failed
        self._fit_frame = _fit_entry_frame()
        self._fit_thread = threading.get_ident()
        self._training = True
        self._stop_flag = False
        self._pending = []
        self._open = []
        if self._widget is not None:
            self._widget.stop_requested = False
        if self._run is not None and len(self._run):
            self._run = None  # each fit is a new run, overlaid on the previous ones
        run = self._ensure_run("epoch")
        if self._tb is not None:
            self._tb.start(run.name, self)
        params = self.params or {}
        self._epochs = params.get("epochs")
        self._steps = params.get("steps")
        self._steps_guess = self._steps
        self._step = 0
        self._epoch = 0
        self._batches = 0
        self._reset_epoch_clock()
        self._status = {"state": "training", "run": run.name, "monitor": self.options["monitor"]}
        self._ensure_display()
        self._register_cell_hook()
        self._flush()

    @_guard
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        self._batches = 0
        self._epoch_t0 = time.monotonic()
        self._begun, self._steady = 0, None

    # Keras (TensorFlow) runs on_train_batch_end in worker threads when every callback is
    # async-safe: the training loop then never waits for the logs to be fetched. Batches are
    # buffered under a lock and logged in order when an update is due and at epoch end.
    async_safe = True

    @_guard
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        # Always called in the main thread: where widget messages (Stop) can be polled, and
        # where the order of the steps is known.
        with self._lock:
            self._open.append(batch)
        if self._steady is None:
            self._begun += 1
            if self._begun == 2:
                self._steady = (time.monotonic(), batch)
        if self._widget is not None:
            self._poll_stop()

    @_guard
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        values = {}
        for k, v in (logs or {}).items():
            f = _float(v)
            if f is not None:
                values[k] = f
            else:
                self._expand(k, v, values)
        with self._lock:
            self._pending.append((batch, values))
            self._close(batch)
            streamer = self._streamer
            if streamer is not None and streamer.due():
                if self._lr_ok and self._lr_per_batch and LR not in values:
                    lr = self._read_lr()
                    if lr is not None:
                        values[LR] = lr
                self._drain()
                self._status.update(self._progress(self._batches - 1))
                self._flush()
            elif len(self._pending) >= 1024:
                self._drain()

    def _close(self, batch: int) -> None:
        """Mark the step that ends with ``batch`` as ended (with steps_per_execution > 1 a
        step begins at one batch index and ends at a later one)."""
        i = bisect.bisect_right(self._open, batch) - 1
        if i >= 0:
            del self._open[i]

    def _drain(self, everything: bool = False) -> None:
        """Log the buffered batches in order (call with the lock held); unless
        ``everything``, only those that no still-running earlier step can precede."""
        pending = self._pending
        if not pending:
            return
        pending.sort(key=lambda p: p[0])  # worker threads may finish out of order
        if everything or not self._open:
            self._pending = []
        else:
            cut = bisect.bisect_left(pending, self._open[0], key=lambda p: p[0])
            if cut == 0:
                return
            pending, self._pending = pending[:cut], pending[cut:]
        run = self._ensure_run("epoch")
        steps = self._steps_guess
        epoch = self._epoch
        log = self._store.log
        tb = self._tb
        for batch, values in pending:
            self._step += 1
            # unknown epoch size: a provisional x inside the epoch, corrected at epoch end
            frac = min((batch + 1) / steps, 1.0) if steps else 1 - 1 / (1 + (batch + 1) / 50)
            log(run, epoch + frac, values, epoch=epoch, batch=batch, step=self._step)
            if tb is not None:
                tb.scalars(run.name, self._step, values, "batch")
        self._batches = max(self._batches, pending[-1][0] + 1)

    @_guard
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        with self._lock:  # Keras has waited for the epoch's async batch calls
            self._on_epoch_end(epoch, logs or {})

    def _on_epoch_end(self, epoch: int, logs: dict) -> None:
        self._open = []  # Keras has waited for every batch-end call of the epoch
        self._drain(everything=True)
        run = self._ensure_run("epoch")
        if self._batches and self._batches != self._steps_guess:
            self._store.rescale_epoch(run, epoch, self._batches)
            if self._steps is None:
                self._steps_guess = self._batches
        values = {}
        for k, v in logs.items():
            f = _float(v)
            if f is not None:
                values[k] = f
            else:
                self._expand(k, v, values)
        if self._lr_ok and LR not in values:
            lr = self._read_lr()
            if lr is not None:
                values[LR] = lr
        self._store.log(
            run,
            epoch + 1.0,
            values,
            epoch=epoch,
            batch=max(self._batches - 1, 0),
            step=self._step,
            is_epoch=True,
        )
        self._track_best(values, epoch + 1, "epoch")
        if self._tb is not None:
            self._tb.scalars(run.name, self._step, values, "epoch", epoch=epoch + 1)
        dt = time.monotonic() - self._epoch_t0
        self._epoch_times.append(dt)
        self._status.update(self._progress(self._batches - 1))
        self._status["step"] = None
        self._flush(state=time.monotonic() - self._last_state >= STATE_EVERY)

    @_guard
    def on_train_end(self, logs: dict | None = None) -> None:
        with self._lock:
            self._open = []
            self._drain(everything=True)
        self._training = False
        self._fit_frame = None
        stopped = bool(getattr(self.model, "stop_training", False)) or self._stop_flag
        self._status["state"] = "stopped" if stopped else "done"
        self._status.pop("eta", None)
        self._flush(state=True)
        self._update_static()
        if self._tb is not None:
            self._tb.end("success")

    # -- internals --------------------------------------------------------------------------
    def _expand(self, name: str, value: Any, values: dict) -> None:
        """A vector metric (``F1Score(average=None)``: one value per class) becomes one metric
        per element, ``f1_score[0]``, ``f1_score[1]``...; a larger one is named in ``errors``
        rather than dropped silently."""
        try:
            import numpy as np

            arr = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
        except Exception:
            return  # not numbers (e.g. a string in the logs): nothing to plot
        if arr.size <= 1:
            return
        if arr.size > MAX_ELEMENTS:
            if name not in self._too_large:
                self._too_large.add(name)
                self._report(
                    ValueError(
                        f"metric {name!r} has {arr.size} values per step: not plotted "
                        f"(at most {MAX_ELEMENTS} lines per metric)"
                    ),
                    "log",
                )
            return
        for i, v in enumerate(arr.reshape(-1).tolist()):
            idx = ",".join(map(str, np.unravel_index(i, arr.shape))) if arr.ndim > 1 else i
            values[f"{name}[{idx}]"] = v

    def _check_ended(self) -> None:
        """``fit`` raised (Keras calls no hook then): once its frame has left the stack, say
        so instead of "training" forever (scripts; in a notebook the end of the cell does it).
        "failed" when the exception being handled is an error; "interrupted" for Ctrl+C, and
        when the cause is no longer known (read after the ``except`` block)."""
        frame = self._fit_frame
        if frame is None or not self._training or _on_stack(frame, self._fit_thread):
            return
        exc = sys.exc_info()[1]
        self._end_abruptly(exc is None or isinstance(exc, KeyboardInterrupt))

    def _end_abruptly(self, interrupted: bool) -> None:
        self._fit_frame = None
        self._training = False
        with self._lock:
            self._open = []  # no batch-end call is still coming
            self._drain(everything=True)
        self._status["state"] = "interrupted" if interrupted else "failed"
        self._status.pop("eta", None)
        if self._tb is not None:
            self._tb.end("failure")
        self._flush(state=True)
        self._update_static()

    def _reset_epoch_clock(self) -> None:
        self._epoch_t0 = time.monotonic()
        self._begun = 0  # steps begun in this epoch
        # (time, batch) at the start of the epoch's second step: the first may compile
        self._steady: tuple[float, int] | None = None
        self._epoch_times: list[float] = []

    def _ensure_run(self, xunit: str) -> Run:
        run = self._run
        if run is None or (xunit == "epoch" and run.xunit == "step" and len(run)):
            run = self._store.new_run(self._next_run_name, xunit)
            self._next_run_name = None
        elif xunit == "step" and run.xunit == "epoch":
            if len(run):
                run = self._store.new_run(self._next_run_name, xunit)
                self._next_run_name = None
            else:
                run.xunit = "step"
        self._run = run
        return run

    def _progress(self, batch: int) -> dict:
        epochs, steps = self._epochs, self._steps or self._steps_guess
        out: dict[str, Any] = {
            "epoch": self._epoch + 1,
            "epochs": epochs,
            "step": batch + 1,
            "steps": steps,
        }
        # Steady state only: the first epoch and the first step include compiling (seconds on
        # TensorFlow and JAX, for a fit that may take less), so they are left out.
        times = self._epoch_times[1:]
        spe = None
        if times:
            spe = sum(times[-3:]) / len(times[-3:])
        elif steps and self._steady is not None:
            t0, first = self._steady  # this epoch's rate (the validation's compile left out)
            done = batch + 1 - first
            if done >= 1:
                spe = (time.monotonic() - t0) / done * steps
        if spe is not None:
            out["sec_per_epoch"] = spe
            if epochs:
                done = self._epoch + ((batch + 1) / steps if steps else 0)
                out["eta"] = max(0.0, (epochs - done) * spe)
        return out

    def _track_best(self, values: dict, at: int, unit: str) -> None:
        """Keep the best value of the monitored metric and where it was: ``best_epoch`` (fit)
        or ``best_step`` (custom loops)."""
        monitor = self.options["monitor"]
        name = (
            monitor
            if monitor in values
            else ("loss" if monitor == "val_loss" and "loss" in values else None)
        )
        if name is None or not math.isfinite(values[name]):
            return
        v = values[name]
        maximize = _maximize(name)
        best = self._status.get("best")
        if self._status.get("monitor") != name:
            best = None  # val_loss appeared: it takes over from loss
        if best is None or (v > best if maximize else v < best):
            self._status.pop("best_epoch", None)
            self._status.pop("best_step", None)
            self._status.update({"best": v, f"best_{unit}": at, "monitor": name})

    def _read_lr(self) -> float | None:
        try:
            lr = self.model.optimizer.learning_rate
            return _float(lr)
        except Exception:
            self._lr_ok = False  # e.g. no optimizer: stop trying
            return None

    def _layout_opts(self) -> dict:
        return {"columns": int(self.options["columns"]), "height": self.options["height"]}

    def _layout(self) -> dict:
        """The Plotly layout; the same object while the subplots and runs stay the same (it
        depends on nothing else), so a flush neither rebuilds nor compares it."""
        store = self._store
        key = (tuple(store.subplots), tuple(r.xunit for r in store.runs))
        if key != self._layout_key:
            self._layout_key = key
            self._layout_memo = _render.layout(store, **self._layout_opts())
        return self._layout_memo

    def _flush(self, state: bool = False) -> None:
        s = self._streamer
        if s is None:
            return
        s.flush(dict(self._status), self._layout)
        if state or self._want_state:
            self._want_state = False
            self._last_state = time.monotonic()
            self._widget.state = s.snapshot(self._layout(), dict(self._status))

    def _report(self, error: BaseException, where: str) -> None:
        msg = f"{type(error).__name__}: {error} (in LivePlot.{where}; training continues)"
        self._errors.append(msg)
        if len(self._errors) == 1:
            sys.stderr.write(f"keras_widgets: {msg}\n")
            self._status["error"] = msg
            if self._widget is not None:
                try:
                    self._widget.error = msg
                except Exception:
                    pass

    def _on_widget_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "stop":
            self._request_stop()
        elif content.get("type") == "resync":
            # A view that started after the first deltas (Voila's early view, a page opened
            # mid-run) asks for a snapshot. May run in a subshell thread: a flag only; the
            # next flush on the training thread sends it.
            self._want_state = True

    def _request_stop(self) -> None:
        # May run in a kernel subshell thread (see _busy_comm): only set a flag here; the
        # training thread acts on it after the current batch.
        self._stop_flag = True

    def _wire_stop(self) -> None:
        """Show the Stop button only where a click can reach Python during fit()."""
        from keras_widgets import _busy_comm

        subshell = _busy_comm.use_frontend_subshell(self._widget)
        self._can_poll = _busy_comm.supported()
        self._widget.stop_available = bool(subshell or self._can_poll)
        self._last_poll = 0.0

    def _poll_stop(self) -> None:
        """Handle pending widget messages while fit() keeps the kernel busy (bounded rate),
        then act on a Stop click."""
        if getattr(self, "_can_poll", False):
            now = time.monotonic()
            if now - self._last_poll >= POLL_EVERY:
                self._last_poll = now
                from keras_widgets._busy_comm import poll_widget_messages

                poll_widget_messages(widgets=self._widget)
        if self._stop_flag and self._training and self._status.get("state") == "training":
            self.model.stop_training = True
            with self._lock:
                self._status["state"] = "stopping"
                self._flush()

    def _register_cell_hook(self) -> None:
        if self._hook_registered:
            return
        shell = self._shell()
        if shell is None:
            return
        shell.events.register("post_run_cell", self._on_cell_end)
        self._hook_registered = True

    def _on_cell_end(self, *args: Any) -> None:
        # Runs after the cell that trained: catches KeyboardInterrupt (Keras calls no hook
        # then) and flushes what custom loops logged since the last update.
        shell = self._shell()
        if shell is not None and self._hook_registered:
            try:
                shell.events.unregister("post_run_cell", self._on_cell_end)
            except ValueError:
                pass
        self._hook_registered = False
        try:
            frame = self._fit_frame
            if self._training and frame is not None and _on_stack(frame, self._fit_thread):
                self._flush(state=True)  # fit runs on in another thread
                return
            if self._training:
                err = getattr(args[0], "error_in_exec", None) if args else None
                failed = err is not None and not isinstance(err, KeyboardInterrupt)
                self._end_abruptly(interrupted=not failed)
                return
            with self._lock:
                self._open = []  # the cell has ended: no batch-end call is still coming
                self._drain(everything=True)
            if self._status.get("state") == "training":
                self._status["state"] = "done"
            self._flush(state=True)
            self._update_static()
        except Exception as e:
            self._report(e, "cell end")

    def __repr__(self) -> str:
        self._check_ended()
        return f"<LivePlot {status_text(self._status)}>"
