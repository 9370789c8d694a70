"""``LivePlot(logdir=...)``: each run also goes to ``<logdir>/<run name>/`` as TensorBoard
event files (scalars per batch and per epoch, learning rate, hparams). LivePlot calls three
methods; everything else lives here."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from keras_widgets._runs._writer import EventWriter, hparams_end_summary, hparams_summary


def is_chief() -> bool:
    """False on a non-chief task of a TensorFlow multi-worker job (TF_CONFIG): one writer
    per run (the others would write the same curves into the same folder)."""
    from keras_widgets._env import is_primary_process

    if not is_primary_process():
        return False
    try:
        cfg = json.loads(os.environ.get("TF_CONFIG", "") or "{}")
    except ValueError:
        return True
    task = cfg.get("task") or {}
    kind, index = task.get("type"), int(task.get("index", 0) or 0)
    if kind is None:
        return True
    if "chief" in (cfg.get("cluster") or {}):
        return kind == "chief"
    return kind == "worker" and index == 0


def run_dir(logdir: str, name: str) -> str:
    """A fresh folder for ``name`` (TensorBoard would merge two runs sharing a folder)."""
    safe = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "run"
    path = os.path.join(logdir, safe)
    n = 1
    while os.path.exists(path) and os.listdir(path):
        n += 1
        path = os.path.join(logdir, f"{safe}-{n}")
    return path


def model_hparams(callback: Any) -> dict[str, Any]:
    """Optimizer and its settings, batch size, epochs, model name and parameter count."""
    out: dict[str, Any] = {}
    params = getattr(callback, "params", None) or {}
    if params.get("epochs") is not None:
        out["epochs"] = int(params["epochs"])
    try:
        from keras_widgets._keras_nodes import fit_batch_size

        size = fit_batch_size()
        if size is not None:
            out["batch_size"] = size
    except Exception:
        pass
    model = getattr(callback, "_model", None)
    if model is None:
        return out
    out["model"] = str(getattr(model, "name", "") or type(model).__name__)
    try:
        out["params"] = int(model.count_params())
    except Exception:
        pass
    opt = getattr(model, "optimizer", None)
    if opt is not None:
        out["optimizer"] = type(opt).__name__
        try:
            config = opt.get_config()
        except Exception:
            config = {}
        for k, v in config.items():
            if k == "name" or v is None:
                continue
            if isinstance(v, (bool, int, float, str)):
                out[f"optimizer.{k}"] = v
            elif isinstance(v, dict):  # e.g. a learning-rate schedule
                out[f"optimizer.{k}"] = v.get("class_name") or json.dumps(v, default=str)[:200]
    return out


class LogdirSink:
    """Writes LivePlot's runs as TensorBoard logs (only on the chief process)."""

    def __init__(self, logdir: Any) -> None:
        self.logdir = os.fspath(logdir)
        self.enabled = is_chief()
        self._writer: EventWriter | None = None
        self._run: str | None = None
        self.paths: dict[str, str] = {}  # run name -> folder

    def start(self, run: str, callback: Any = None) -> None:
        """A new run (``fit`` passes the callback: hparams come from its model)."""
        self.end("success")
        if not self.enabled:
            return
        path = run_dir(self.logdir, run)
        self.paths[run] = path
        self._writer = EventWriter(path)
        self._run = run
        hp = model_hparams(callback) if callback is not None else {}
        if hp:
            self._writer.summary(hparams_summary(hp, group=run))

    def scalars(self, run: str, step: int, values: dict, kind: str, epoch: int | None = None):
        if not self.enabled or not values:
            return
        if run != self._run or self._writer is None:
            self.start(run)
        self._writer.scalars(step, values, prefix=kind + "/")
        if epoch is not None:  # Lightning's convention: an "epoch" scalar on the step axis
            self._writer.scalars(step, {"epoch": epoch})

    def end(self, status: str = "success") -> None:
        w = self._writer
        if w is None:
            return
        self._writer = None
        self._run = None
        w.summary(hparams_end_summary(status))
        w.close()

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    @property
    def errors(self) -> list[str]:
        return list(self._writer.errors) if self._writer is not None else []
