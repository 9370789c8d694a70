"""Plain-data Plotly specs (traces, layout) for the widget and ``LivePlot.figure``, and the
small static SVG that saved notebooks show when no kernel is running."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from keras_widgets._html import esc
from keras_widgets._liveplot._decimate import decimate
from keras_widgets._liveplot._store import LR, Store, Trace

COLORS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
]  # fmt: skip
NONFINITE = "#d62728"


def color(run_index: int) -> str:
    return COLORS[run_index % len(COLORS)]


def ptext(value: object) -> str:
    """Text for Plotly, which interprets a subset of HTML in names and titles: escape it."""
    return esc(value)


def _axis_refs(store: Store, tr: Trace) -> tuple[str, str]:
    i = store.subplots.index(tr.subplot) + 1
    return ("x", "y") if i == 1 else (f"x{i}", f"y{i}")


def _group(tr: Trace) -> tuple[str, str]:
    if tr.kind == "nonfinite":
        return "nonfinite", "NaN / inf"
    split = "val" if tr.kind == "val" else "train"
    return f"{tr.run.index}-{split}", split


def trace_spec(store: Store, tr: Trace) -> dict[str, Any]:
    """Plotly trace attributes (without data) for one trace."""
    group, split = _group(tr)
    multi = len(store.runs) > 1 or tr.run.name != "run 1"
    name = split if tr.kind == "nonfinite" or not multi else f"{tr.run.name} · {split}"
    first = next(t for t in store.traces if _group(t)[0] == group)
    xref, yref = _axis_refs(store, tr)
    c = color(tr.run.index)
    spec: dict[str, Any] = {
        "type": "scatter",
        "uid": f"t{tr.id}",
        "name": ptext(name),
        "legendgroup": group,
        "showlegend": first is tr and tr.kind != "epoch",
        "xaxis": xref,
        "yaxis": yref,
        "meta": {"kind": tr.kind, "metric": tr.metric, "run": tr.run.name},
        "hovertemplate": "%{y:.4g} @ %{x:.3f}<extra>" + ptext(tr.metric) + "</extra>",
    }
    if tr.kind == "train":
        lines_only = store.per_batch or tr.metric == LR
        spec["mode"] = "lines" if lines_only else "lines+markers"
        spec["line"] = {"color": c, "width": 1.5}
        spec["marker"] = {"color": c, "size": 6}
    elif tr.kind == "epoch":
        spec["mode"] = "markers"
        spec["marker"] = {"color": c, "size": 7, "line": {"color": "white", "width": 1}}
    elif tr.kind == "val":
        spec["mode"] = "lines+markers"
        spec["line"] = {"color": c, "width": 2, "dash": "dash"}
        spec["marker"] = {"color": c, "size": 7, "symbol": "diamond"}
    else:
        spec["mode"] = "markers"
        spec["marker"] = {"color": NONFINITE, "size": 10, "symbol": "x-thin-open"}
        spec["hovertemplate"] = "non-finite value @ %{x:.3f}<extra>" + ptext(tr.metric) + "</extra>"
    return spec


DEFAULT_HEIGHT = 140  # pixels around the grid (legend, margins)
ROW_HEIGHT = 230  # pixels per row of subplots when no height is given
ROW_GAP = 70  # pixels between rows of subplots


def _domain(lo: float, hi: float) -> list[float]:
    """An axis domain inside [0, 1] (rounding must not step outside: Plotly rejects it)."""
    return [min(max(round(lo, 6), 0.0), 1.0), min(max(round(hi, 6), 0.0), 1.0)]


def grid(n: int, columns: int) -> tuple[int, int]:
    cols = max(1, min(columns, n))
    return cols, max(1, math.ceil(n / cols))


def layout(
    store: Store, *, columns: int = 2, height: int | None = None, log_y: bool = False
) -> dict:
    """Plotly layout: one subplot per metric in a grid, shared legend, zoom kept on updates."""
    subplots = store.subplots or ["loss"]
    cols, rows = grid(len(subplots), columns)
    units = {r.xunit for r in store.runs} or {"epoch"}
    xtitle = " / ".join(sorted(units))
    total = height or DEFAULT_HEIGHT + ROW_HEIGHT * rows
    margin = {"l": 60, "r": 20, "t": 20, "b": 50}
    hgap = min(0.08, 0.5 / cols)  # many columns: the gaps shrink, the plots keep half the width
    # The gap between rows is a fixed number of pixels (tick labels and the x title of the row
    # above), as a fraction of the plotting height; it never takes more than half of a row.
    area = max(total - margin["t"] - margin["b"], 1)
    vgap = min(ROW_GAP / area, 0.5 / rows) if rows > 1 else 0.0
    out: dict[str, Any] = {
        "height": total,
        "margin": margin,
        "uirevision": "keep",  # keep the user's zoom/pan across updates
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"size": 12},
    }
    w = (1 - hgap * (cols - 1)) / cols
    hh = (1 - vgap * (rows - 1)) / rows
    for i, name in enumerate(subplots):
        r, c = divmod(i, cols)
        x0 = c * (w + hgap)
        y1 = 1 - r * (hh + vgap)
        suffix = "" if i == 0 else str(i + 1)
        axis_style = {
            "showline": True,
            "linecolor": "#888",
            "gridcolor": "#eee",
            "zeroline": False,
            "ticks": "outside",
        }
        out["xaxis" + suffix] = {
            **axis_style,
            "domain": _domain(x0, x0 + w),
            "anchor": "y" + suffix,
            "title": {"text": xtitle, "standoff": 4},
        }
        ytype = "log" if log_y else "linear"
        out["yaxis" + suffix] = {
            **axis_style,
            "domain": _domain(y1 - hh, y1),
            "anchor": "x" + suffix,
            "title": {"text": ptext(name)},
            "type": ytype,
            "exponentformat": "power" if name == LR else "B",
        }
        if name == LR and not log_y:
            # A constant learning rate would otherwise autorange to v +- 1 and read as "0".
            out["yaxis" + suffix]["rangemode"] = "tozero"
    return out


def trace_points(tr: Trace, max_points: int | None) -> tuple[np.ndarray, np.ndarray]:
    x, y = tr.x.values, tr.y.values
    if max_points is not None and len(x) > max_points:
        idx = decimate(y, max_points, tr.keep.values)
        return x[idx], y[idx]
    return x, y


def figure_dict(store: Store, *, max_points: int | None = 20_000, **opts: Any) -> dict:
    data = []
    for tr in store.traces:
        x, y = trace_points(tr, max_points)
        spec = trace_spec(store, tr)
        spec.pop("meta", None)
        spec["x"] = x.tolist()
        spec["y"] = [v if math.isfinite(v) else None for v in y.tolist()]
        data.append(spec)
    return {"data": data, "layout": layout(store, **opts)}


# -- static SVG (for saved notebooks) ---------------------------------------------------------
def _ticks(lo: float, hi: float) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def svg(store: Store, *, columns: int = 2, width: int = 860, max_points: int = 400) -> str:
    """A self-contained SVG of the final curves (polylines, axes, legend, metric names)."""
    subplots = store.subplots
    if not subplots:
        return ""
    cols, rows = grid(len(subplots), columns)
    legend_h = 26
    cell_w, cell_h = width / cols, 210
    height = legend_h + rows * cell_h
    ml, mr, mt, mb = 56, 14, 22, 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kw-lp-svg" width="{width}" '
        f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
        'font-family="sans-serif" font-size="11" style="background:#fff">'
    ]
    # legend: one entry per run and split
    lx = 8
    seen = set()
    for tr in store.traces:
        group, split = _group(tr)
        if tr.kind == "epoch" or group in seen:
            continue
        seen.add(group)
        label = (
            split if len(store.runs) == 1 or tr.kind == "nonfinite" else f"{tr.run.name} · {split}"
        )
        c = NONFINITE if tr.kind == "nonfinite" else color(tr.run.index)
        dash = ' stroke-dasharray="5,3"' if tr.kind == "val" else ""
        parts.append(
            f'<line x1="{lx}" y1="13" x2="{lx + 22}" y2="13" stroke="{c}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 26}" y="17">{esc(label)}</text>'
        )
        lx += 40 + 7 * len(label)
    for i, name in enumerate(subplots):
        r, c = divmod(i, cols)
        ox, oy = c * cell_w, legend_h + r * cell_h
        pw, ph = cell_w - ml - mr, cell_h - mt - mb
        trs = [t for t in store.traces if t.subplot == name and len(t)]
        pts = [(t, *trace_points(t, max_points)) for t in trs]
        xs = np.concatenate([p[1] for p in pts]) if pts else np.zeros(0)
        ys = np.concatenate([p[2] for p in pts]) if pts else np.zeros(0)
        ys = ys[np.isfinite(ys)]
        x0, x1 = (float(xs.min()), float(xs.max())) if len(xs) else (0.0, 1.0)
        y0, y1 = (float(ys.min()), float(ys.max())) if len(ys) else (0.0, 1.0)
        if x1 <= x0:
            x1 = x0 + 1
        if y1 <= y0:  # a constant (e.g. the learning rate): a range around it
            half = abs(y0) * 0.1 or 0.5
            y0, y1 = y0 - half, y1 + half
        pad = (y1 - y0) * 0.05
        y0, y1 = y0 - pad, y1 + pad

        def sx(v, ox=ox, x0=x0, x1=x1, pw=pw):
            return ox + ml + (v - x0) / (x1 - x0) * pw

        def sy(v, oy=oy, y0=y0, y1=y1, ph=ph):
            return oy + mt + (1 - (v - y0) / (y1 - y0)) * ph

        parts.append(f'<g class="kw-lp-subplot" data-metric="{esc(name)}">')
        parts.append(
            f'<rect x="{ox + ml:.1f}" y="{oy + mt:.1f}" width="{pw:.1f}" height="{ph:.1f}" '
            'fill="none" stroke="#999"/>'
        )
        for t in _ticks(y0, y1):
            yy = sy(t)
            parts.append(
                f'<line x1="{ox + ml:.1f}" x2="{ox + ml + pw:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" '
                f'stroke="#eee"/><text x="{ox + ml - 4:.1f}" y="{yy + 4:.1f}" '
                f'text-anchor="end">{_fmt(t)}</text>'
            )
        for t in _ticks(x0, x1):
            xx = sx(t)
            parts.append(
                f'<text x="{xx:.1f}" y="{oy + mt + ph + 14:.1f}" text-anchor="middle">{_fmt(t)}</text>'
            )
        parts.append(
            f'<text x="{ox + ml + pw / 2:.1f}" y="{oy + 14:.1f}" text-anchor="middle" '
            f'font-weight="bold" font-size="12">{esc(name)}</text>'
        )
        for tr, x, y in pts:
            c = NONFINITE if tr.kind == "nonfinite" else color(tr.run.index)
            if tr.kind in ("epoch", "nonfinite") or len(x) == 1:
                for a, b in zip(x.tolist(), y.tolist(), strict=True):
                    if math.isfinite(b):
                        parts.append(
                            f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="2.5" fill="{c}"/>'
                        )
                continue
            # split into finite segments so NaN leaves a gap
            d, pen = [], False
            for a, b in zip(x.tolist(), y.tolist(), strict=True):
                if math.isfinite(b):
                    d.append(f"{'L' if pen else 'M'}{sx(a):.1f},{sy(b):.1f}")
                    pen = True
                else:
                    pen = False
            dash = ' stroke-dasharray="5,3"' if tr.kind == "val" else ""
            w = 2 if tr.kind == "val" else 1.3
            parts.append(
                f'<path d="{" ".join(d)}" fill="none" stroke="{c}" stroke-width="{w}"{dash}>'
                f"<title>{esc(tr.run.name)} {esc(tr.metric)}</title></path>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
