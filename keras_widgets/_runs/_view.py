"""Plain data for the runs view: curves per (run, tag) with three x axes, the hparams table
and the skip counts. The widget sends it; the JS draws it; tests read it without a browser."""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_widgets._liveplot._decimate import decimate
from keras_widgets._runs._reader import SKIP_LABELS, LogdirReader, RunData

PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip


def epoch_axis(run: RunData) -> dict[str, np.ndarray]:
    """x by epoch for each tag of a run, where the log says where epochs end:

    - an ``epoch`` scalar on the step axis (PyTorch Lightning, LivePlot): interpolated by step;
    - Keras' ``epoch_*`` tags (their step is the epoch): those tags use step + 1, the other
      tags are placed between epoch ends by wall time.
    Tags of runs with neither get no epoch axis.
    """
    out: dict[str, np.ndarray] = {}
    s = run.series.get("epoch")
    if s is not None and len(s):
        st, _, ep = s.arrays()
        xs = np.concatenate([[0.0], st.astype(float)])
        ys = np.concatenate([[0.0], ep])
        for tag, ser in run.series.items():
            out[tag] = np.interp(ser.arrays()[0].astype(float), xs, ys)
        return out
    keras_tags = [t for t in run.series if t.startswith(("epoch_", "epoch/"))]
    if not keras_tags:
        return out
    st, wall, _ = run.series[keras_tags[0]].arrays()
    if not len(st) or (np.any(np.diff(st) != 1) and len(st) > 1):
        return out  # not one point per epoch
    start = run.start if run.start is not None else wall[0]
    aw = np.concatenate([[start], wall])
    ae = np.concatenate([[0.0], st + 1.0])
    for tag, ser in run.series.items():
        step, w, _ = ser.arrays()
        out[tag] = step + 1.0 if tag in keras_tags else np.interp(w, aw, ae)
    return out


def _f64(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def _f32(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


def _clean(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def hparams_rows(reader: LogdirReader, metrics: int = 8) -> tuple[list[dict], list, list]:
    """(rows, hparam columns, metric columns): one row per run, hparams then the last value
    of up to ``metrics`` tags (epoch / validation tags first)."""
    runs = list(reader.runs.values())
    hcols: list[str] = []
    for run in runs:
        for k in run.hparams:
            if k not in hcols:
                hcols.append(k)
    tags: list[str] = []
    for run in runs:
        for t in run.series:
            if t not in tags:
                tags.append(t)

    def rank(t: str) -> tuple:
        return (
            "val" not in t and "epoch" not in t,
            t.startswith("batch"),
            t == "epoch",
            t,
        )

    mcols = sorted(tags, key=rank)[:metrics] if any(r.hparams for r in runs) else []
    rows = []
    for run in runs:
        row: dict[str, Any] = {"run": run.name}
        for k in hcols:
            row[k] = _clean(run.hparams.get(k))
        for t in mcols:
            s = run.series.get(t)
            row[t] = s.last() if s is not None else None
        rows.append(row)
    return rows, hcols, mcols


def payload(
    reader: LogdirReader, *, points: int = 500, max_panels: int = 1000, status: str = ""
) -> dict[str, Any]:
    """Everything the front-end draws (arrays as bytes: binary buffers on the comm)."""
    runs = []
    series = []
    tags: list[str] = []
    tag_index: dict[str, int] = {}
    for i, run in enumerate(reader.runs.values()):
        runs.append(
            {
                "name": run.name,
                "color": PALETTE[i % len(PALETTE)],
                "status": run.status or "",
                "skipped": {k: v for k, v in run.skipped.items() if v},
            }
        )
        ex = epoch_axis(run)
        for tag, ser in run.series.items():
            step, wall, value = ser.arrays()
            if not len(step):
                continue
            if tag not in tag_index:
                if len(tag_index) >= max_panels:
                    continue
                tag_index[tag] = len(tags)
                tags.append(tag)
            idx = decimate(value, points) if len(value) > points else slice(None)
            e = ex.get(tag)
            series.append(
                {
                    "run": i,
                    "tag": tag_index[tag],
                    "n": len(step[idx]),
                    "step": _f64(step[idx]),
                    "wall": _f64(wall[idx] - (run.start or 0.0)),
                    "epoch": _f64(e[idx]) if e is not None else None,
                    "value": _f64(value[idx]),
                }
            )
    rows, hcols, mcols = hparams_rows(reader)
    skipped = reader.skipped
    return {
        "runs": runs,
        "tags": tags,
        "series": series,
        "hparams": {"rows": rows, "hparams": hcols, "metrics": mcols},
        "skipped": [
            {"key": k, "label": SKIP_LABELS.get(k, k), "count": int(v)}
            for k, v in sorted(skipped.items())
            if v
        ],
        "status": status,
    }
