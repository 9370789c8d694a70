"""Run a real KerasTuner search and record every trial (status, values, objective, time, error).

KerasTuner is optional (``pip install "keras-widgets[tune]"``) and imported only here, when a
search starts. The tuner classes are KerasTuner's own, subclassed only to hear about trial
begin/end and to end a search early when asked.
"""

from __future__ import annotations

import math
import re
import tempfile
import threading
import time
from typing import Any

import keras

TUNERS = ("random", "bayesian", "hyperband")
POLL_EVERY = 0.1  # seconds between polls for widget messages (Stop) while a trial trains


def import_keras_tuner() -> Any:
    try:
        import keras_tuner
    except ImportError as e:
        raise ImportError(
            "Hyperparameter search needs KerasTuner: "
            'pip install "keras-widgets[tune]" (or pip install keras-tuner)'
        ) from e
    return keras_tuner


class _Stopped(Exception):
    """Ends the search loop before the next trial (Stop clicked once)."""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


def _short_error(message: str | None, limit: int = 300) -> str:
    """``ValueError: ...`` from a traceback: the last exception line and what follows it
    (Keras' messages span lines), ANSI colours removed, whitespace collapsed."""
    text = _ANSI.sub("", message or "").strip()
    lines = text.splitlines()
    start = next((i for i in range(len(lines) - 1, -1, -1) if _EXC_LINE.match(lines[i])), None)
    if start is None:
        start = len(lines) - 1 if lines else 0
    short = " ".join(" ".join(lines[start:]).split())
    return short if len(short) <= limit else short[: limit - 1] + "…"


def _finite(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class _TrialCallback(keras.callbacks.Callback):
    """Counts a trial's parameters, polls the Stop button, ends a trial at once on request.

    KerasTuner deep-copies the callbacks of every trial; this one is shared on purpose.
    """

    def __init__(self, search: Search) -> None:
        super().__init__()
        self._search = search
        self._last_poll = 0.0

    def __deepcopy__(self, memo: dict) -> _TrialCallback:
        return self

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._search._note_params(self.model)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        now = time.monotonic()
        if now - self._last_poll >= POLL_EVERY:
            self._last_poll = now
            self._search._poll()
        if self._search._stop_now:
            kt = import_keras_tuner()
            self._search._stopped_trial = self._search._current
            # a trial cut short has no honest objective: KerasTuner records it as failed
            raise kt.errors.FailedTrialError("stopped by the user")


def _hooked(cls: type) -> type:
    class Hooked(cls):  # type: ignore[misc, valid-type]
        _kw_search: Search

        def pre_create_trial(self) -> None:
            self._kw_search._before_trial()
            super().pre_create_trial()

        def on_trial_begin(self, trial: Any) -> None:
            super().on_trial_begin(trial)
            self._kw_search._trial_begin(trial)

        def on_trial_end(self, trial: Any) -> None:
            try:
                super().on_trial_end(trial)
            finally:
                self._kw_search._trial_end(trial)

    Hooked.__name__ = Hooked.__qualname__ = cls.__name__
    return Hooked


class Search:
    """One hyperparameter search: settings, the KerasTuner tuner, and every trial's record.

    >>> search = kw.tune.search(build_model, x, y, validation_split=0.2, max_trials=5)  # doctest: +SKIP
    >>> search.trials                 # pandas DataFrame, one row per trial
    >>> search.best_hyperparameters   # {"units": 128, ...}
    >>> model = search.best_model()
    """

    def __init__(
        self,
        hypermodel: Any,
        *,
        tuner: str = "random",
        max_trials: int | None = 10,
        epochs: int = 1,
        objective: Any = "val_loss",
        directory: str | None = None,
        project_name: str = "kw_tune",
        seed: int | None = None,
        max_consecutive_failed_trials: int = 3,
        tuner_options: dict | None = None,
    ) -> None:
        if tuner not in TUNERS:
            raise ValueError(f"tuner must be one of {TUNERS}, got {tuner!r}")
        if max_trials is not None and (not isinstance(max_trials, int) or max_trials < 1):
            raise ValueError(f"max_trials must be a positive integer, got {max_trials!r}")
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        self.hypermodel = hypermodel
        self.settings = {
            "tuner": tuner,
            "max_trials": max_trials,
            "epochs": epochs,
            "objective": objective,
            "seed": seed,
            "max_consecutive_failed_trials": max_consecutive_failed_trials,
        }
        self._tuner_options = dict(tuner_options or {})
        self._tmp = None
        if directory is None:
            # kept alive with the search: best_model() reloads its checkpoint from there
            self._tmp = tempfile.TemporaryDirectory(prefix="kw-tune-")
            directory = self._tmp.name
        self.directory = str(directory)
        self.project_name = project_name
        self.tuner: Any = None
        self.state = "new"  # new, running, stopping, done, stopped, failed
        self.error = ""
        self.view: Any = None
        self._rows: dict[str, dict] = {}
        self._order: list[str] = []
        self._hp_names: list[str] = []
        self._current: str | None = None
        self._stopped_trial: str | None = None
        self._t0 = 0.0
        self._trial_t0 = 0.0
        self._stop_after = False
        self._stop_now = False
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------
    def run(self, *fit_args: Any, callbacks: Any = None, **fit_kwargs: Any) -> Search:
        """Run the search: ``fit_args``/``fit_kwargs`` go to every trial's ``model.fit``."""
        kt = import_keras_tuner()
        s = self.settings
        base = {
            "random": kt.RandomSearch,
            "bayesian": kt.BayesianOptimization,
            "hyperband": kt.Hyperband,
        }[s["tuner"]]
        options: dict[str, Any] = {
            "objective": s["objective"],
            "seed": s["seed"],
            "max_consecutive_failed_trials": s["max_consecutive_failed_trials"],
            "directory": self.directory,
            "project_name": self.project_name,
            "overwrite": True,
            **self._tuner_options,
        }
        if s["tuner"] == "hyperband":
            options["max_epochs"] = s["epochs"]
        else:
            options["max_trials"] = s["max_trials"]
        self.tuner = _hooked(base)(self.hypermodel, **options)
        self.tuner._kw_search = self
        if s["tuner"] == "hyperband" and s["max_trials"]:
            self.tuner.oracle.max_trials = s["max_trials"]  # the Oracle's own cap
        self._hp_names = [n for n in self._space_names() if not n.startswith("tuner/")]
        extra = [_TrialCallback(self)]
        if self.view is not None:
            extra.append(self.view.curves)
        fit_kwargs.setdefault("epochs", s["epochs"])
        fit_kwargs.setdefault("verbose", 0 if self.view is not None else "auto")
        self.state = "running"
        self._t0 = time.monotonic()
        self._notify("begin")
        try:
            self.tuner.search(*fit_args, callbacks=[*list(callbacks or []), *extra], **fit_kwargs)
        except _Stopped:
            self.state = "stopped"
        except BaseException as e:
            self.state = "failed"
            self.error = f"{type(e).__name__}: {_short_error(str(e)) or e}"
            self._notify("end")
            raise
        else:
            self.state = "stopped" if (self._stop_after or self._stop_now) else "done"
        self._notify("end")
        return self

    def stop(self, now: bool = False) -> None:
        """End the search after the current trial; ``now=True`` ends the current trial too.

        Safe to call from another thread (a widget message handler): it only sets flags.
        """
        self._stop_after = True
        if now:
            self._stop_now = True

    @property
    def hp_names(self) -> list[str]:
        return list(self._hp_names)

    @property
    def rows(self) -> list[dict]:
        """Every trial as a plain dict (the table's rows), in start order."""
        with self._lock:
            return [dict(self._rows[t]) for t in self._order]

    @property
    def trials(self) -> Any:
        """pandas DataFrame: trial, status, every hyperparameter, objective, best_epoch,
        params, time (seconds), error."""
        import pandas as pd

        cols = ["trial", "status", *self._hp_names, "objective", "best_epoch", "params"]
        cols += ["time", "error"]
        frame = pd.DataFrame(self.rows, columns=cols)
        # whole numbers stay whole where a failed trial has none
        return frame.astype(
            {"objective": "float64", "best_epoch": "Int64", "params": "Int64", "time": "float64"}
        )

    @property
    def best_trial(self) -> str | None:
        """Id of the best completed trial (by the objective), or None."""
        best = self._best_trials()
        return best[0].trial_id if best else None

    @property
    def best_hyperparameters(self) -> dict:
        """The best trial's values, by hyperparameter name."""
        best = self._best_trials()
        if not best:
            raise ValueError("no trial completed: there are no best hyperparameters")
        values = best[0].hyperparameters.values
        return {k: v for k, v in values.items() if not k.startswith("tuner/")}

    def best_model(self) -> Any:
        """The best trial's model, with the weights of its best epoch (KerasTuner's reload)."""
        if not self._best_trials():
            raise ValueError("no trial completed: there is no best model")
        return self.tuner.get_best_models(1)[0]

    def progress(self) -> dict:
        """Trial i of n, elapsed seconds and ETA (None while unknown)."""
        with self._lock:
            done = [r for r in self._rows.values() if r["status"] != "running"]
            started = len(self._order)
        total = self.settings["max_trials"]
        elapsed = time.monotonic() - self._t0 if self._t0 else 0.0
        eta = None
        times = [r["time"] for r in done if r["time"] is not None]
        if total and times and self.state in ("running", "stopping"):
            mean = sum(times) / len(times)
            running = started - len(done)
            current = time.monotonic() - self._trial_t0 if running else 0.0
            eta = max(0.0, (total - len(done)) * mean - current)
        return {
            "trial": started,
            "done": len(done),
            "total": total,
            "elapsed": elapsed,
            "eta": eta,
            "state": self.state,
        }

    # -- tuner hooks ------------------------------------------------------------------------
    def _space_names(self) -> list[str]:
        try:
            return [hp.name for hp in self.tuner.oracle.hyperparameters.space]
        except Exception:
            return []

    def _before_trial(self) -> None:
        self._poll(force=True)
        if self._stop_after or self._stop_now:
            raise _Stopped()

    def _trial_begin(self, trial: Any) -> None:
        for name in self._space_names():  # conditional spaces may add names later
            if name not in self._hp_names and not name.startswith("tuner/"):
                self._hp_names.append(name)
        values = {k: v for k, v in trial.hyperparameters.values.items() if k in self._hp_names}
        row = {
            "trial": trial.trial_id,
            "status": "running",
            **values,
            "objective": None,
            "best_epoch": None,
            "params": None,
            "time": None,
            "error": "",
        }
        with self._lock:
            if trial.trial_id not in self._rows:
                self._order.append(trial.trial_id)
            self._rows[trial.trial_id] = row
        self._current = trial.trial_id
        self._trial_t0 = time.monotonic()
        self._notify("trial_begin", trial.trial_id)

    def _trial_end(self, trial: Any) -> None:
        status = str(getattr(trial.status, "value", trial.status))  # KerasTuner's TrialStatus
        tid = trial.trial_id
        with self._lock:
            row = self._rows.get(tid)
            if row is None:
                return
            row["time"] = time.monotonic() - self._trial_t0
            if tid == self._stopped_trial:
                row["status"], row["error"] = "stopped", "stopped by the user"
            elif status == "COMPLETED":
                row["status"] = "completed"
                row["objective"] = _finite(trial.score)
                if trial.best_step is not None:
                    row["best_epoch"] = int(trial.best_step) + 1  # 1-based, as Keras prints
            elif status == "INVALID" and not trial.message:
                row["status"] = "failed"
                row["error"] = "objective is NaN"
            else:
                row["status"] = "failed"
                row["error"] = _short_error(trial.message) or str(status)
        self._current = None
        self._notify("trial_end", tid)

    def _note_params(self, model: Any) -> None:
        tid = self._current
        if tid is None:
            return
        try:
            params = int(model.count_params())
        except Exception:
            return  # not built yet: unknown
        with self._lock:
            if tid in self._rows:
                self._rows[tid]["params"] = params

    def _poll(self, force: bool = False) -> None:
        if self.view is not None:
            self.view.poll(force)

    def _notify(self, event: str, trial_id: str | None = None) -> None:
        if self.view is not None:
            self.view.on_event(event, trial_id)

    def _best_trials(self) -> list:
        if self.tuner is None:
            return []
        try:
            best = self.tuner.oracle.get_best_trials(1)
        except Exception:
            return []
        return [t for t in best if t.trial_id in self._rows and t.trial_id != self._stopped_trial]

    def __repr__(self) -> str:
        p = self.progress()
        return f"<Search {self.settings['tuner']} {p['state']}: {p['done']} trial(s) done>"

    def __deepcopy__(self, memo: dict) -> Search:  # never copied with a callback
        return self


def search(
    hypermodel: Any,
    *fit_args: Any,
    tuner: str = "random",
    max_trials: int | None = 10,
    epochs: int = 1,
    objective: Any = "val_loss",
    directory: str | None = None,
    project_name: str = "kw_tune",
    seed: int | None = None,
    max_consecutive_failed_trials: int = 3,
    view: bool = True,
    **fit_kwargs: Any,
) -> Search:
    """Run a KerasTuner search of ``hypermodel`` (``build_model(hp) -> compiled model``),
    shown live when in a notebook.

    ``fit_args``/``fit_kwargs`` (x, y, ``validation_split`` or ``validation_data``,
    ``batch_size``, ``callbacks``...) go to every trial's ``model.fit``.
    ``directory=None`` keeps KerasTuner's files in a temporary folder.
    """
    s = Search(
        hypermodel,
        tuner=tuner,
        max_trials=max_trials,
        epochs=epochs,
        objective=objective,
        directory=directory,
        project_name=project_name,
        seed=seed,
        max_consecutive_failed_trials=max_consecutive_failed_trials,
    )
    if view:
        from keras_widgets._tune._view import TuneView

        s.view = TuneView(s)
        s.view.show()
    return s.run(*fit_args, **fit_kwargs)
