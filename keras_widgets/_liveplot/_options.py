"""LivePlot's options: defaults, and checks that reject a bad value at construction with a
message naming the option (rather than a failure, or a silent misreading, later)."""

from __future__ import annotations

import difflib
import math
import numbers
import os
from typing import Any

import numpy as np

DEFAULTS: dict[str, Any] = {
    "metrics": None,
    "per_batch": True,
    "update_every": 0.25,
    "smoothing": 0.0,
    "log_y": False,
    "columns": 2,
    "height": None,
    "monitor": "val_loss",
    "learning_rate": True,
    "max_points": 2000,
    "run_name": None,
    "logdir": None,
}

MIN_POINTS = 16  # fewer points per trace cannot show min/max buckets beside the epoch points


def reject_unknown(unknown: dict) -> None:
    """A TypeError naming each unknown keyword, with the closest valid one."""
    if not unknown:
        return
    hints = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, DEFAULTS, n=1)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise TypeError(
        f"LivePlot() got unexpected keyword argument(s): {', '.join(hints)}; "
        f"valid options: {', '.join(DEFAULTS)}"
    )


def _bool(name: str, v: Any) -> bool:
    # bool("no") is True: only real booleans are accepted
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise TypeError(f"LivePlot({name}=...) must be True or False, got {v!r}")


def _int(name: str, v: Any, low: int) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise TypeError(f"LivePlot({name}=...) must be an integer, got {v!r}")
    if v < low:
        raise ValueError(f"LivePlot({name}=...) must be >= {low}, got {v!r}")
    return int(v)


def _real(name: str, v: Any) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise TypeError(f"LivePlot({name}=...) must be a number, got {v!r}")
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(f"LivePlot({name}=...) must be finite, got {v!r}")
    return f


def _str(name: str, v: Any, optional: bool) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise TypeError(
            f"LivePlot({name}=...) must be a string{' or None' if optional else ''}, got {v!r}"
        )
    return v


def validate(options: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalised copy of ``options`` (every key of DEFAULTS present)."""
    o = {**DEFAULTS, **options}
    out: dict[str, Any] = {}
    m = o["metrics"]
    if m is None:
        out["metrics"] = None
    elif isinstance(m, str):
        raise TypeError(
            f"LivePlot(metrics=...) takes a list of metric names, got the string {m!r}; "
            f"write metrics=[{m!r}]"
        )
    else:
        try:
            names = list(m)
        except TypeError:
            raise TypeError(
                f"LivePlot(metrics=...) must be a list of metric names or None, got {m!r}"
            ) from None
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise TypeError(f"LivePlot(metrics=...) names must be strings, got {bad[0]!r}")
        out["metrics"] = names
    out["per_batch"] = _bool("per_batch", o["per_batch"])
    every = _real("update_every", o["update_every"])
    if every < 0:
        raise ValueError(f"LivePlot(update_every=...) must be >= 0 seconds, got {every!r}")
    out["update_every"] = every
    smoothing = _real("smoothing", o["smoothing"])
    if not 0 <= smoothing < 1:
        raise ValueError(f"LivePlot(smoothing=...) must be in [0, 1), got {smoothing!r}")
    out["smoothing"] = smoothing
    out["log_y"] = _bool("log_y", o["log_y"])
    out["columns"] = _int("columns", o["columns"], 1)
    out["height"] = None if o["height"] is None else _int("height", o["height"], 100)
    out["monitor"] = _str("monitor", o["monitor"], optional=False)
    out["learning_rate"] = _bool("learning_rate", o["learning_rate"])
    out["max_points"] = _int("max_points", o["max_points"], MIN_POINTS)
    out["run_name"] = _str("run_name", o["run_name"], optional=True)
    logdir = o["logdir"]
    if logdir is not None and not isinstance(logdir, (str, os.PathLike)):
        raise TypeError(f"LivePlot(logdir=...) must be a path or fsspec URL, got {logdir!r}")
    out["logdir"] = None if logdir is None else os.fspath(logdir)
    return out
