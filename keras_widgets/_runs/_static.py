"""A static picture of the runs for saved notebooks: SVG panels (one per tag, every run a
polyline) and the hparams table. Presentation attributes only, no <style> and no style
attributes, so it reads right where sanitizers strip them (GitHub)."""

from __future__ import annotations

import math

import numpy as np

from keras_widgets import _display
from keras_widgets._html import esc

W, H, PAD_L, PAD_B, PAD_T = 300, 170, 46, 22, 20


def _fmt(v: float) -> str:
    if v is None or not math.isfinite(v):
        return ""
    return f"{v:.4g}"


def _panel(tag: str, curves: list[tuple[str, np.ndarray, np.ndarray]], x0: int, y0: int) -> str:
    xs = np.concatenate([c[1] for c in curves]) if curves else np.zeros(0)
    ys = np.concatenate([c[2] for c in curves]) if curves else np.zeros(0)
    ok = np.isfinite(xs) & np.isfinite(ys)
    parts = [
        f'<g transform="translate({x0},{y0})">',
        f'<text x="{W / 2:.0f}" y="13" text-anchor="middle" font-size="12" '
        f'font-family="sans-serif" fill="#222">{esc(tag)}</text>',
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{W - PAD_L - 6}" height="{H - PAD_T - PAD_B}" '
        'fill="none" stroke="#ccc"/>',
    ]
    if ok.any():
        xmin, xmax = float(xs[ok].min()), float(xs[ok].max())
        ymin, ymax = float(ys[ok].min()), float(ys[ok].max())
        xmax = xmax if xmax > xmin else xmin + 1
        ymax = ymax if ymax > ymin else ymin + 1
        pw, ph = W - PAD_L - 6, H - PAD_T - PAD_B
        for color, x, y in curves:
            good = np.isfinite(x) & np.isfinite(y)
            if not good.any():
                continue
            px = PAD_L + (x[good] - xmin) / (xmax - xmin) * pw
            py = PAD_T + ph - (y[good] - ymin) / (ymax - ymin) * ph
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.4"/>'
            )
        for v, yy in ((ymax, PAD_T + 4), (ymin, H - PAD_B)):
            parts.append(
                f'<text x="{PAD_L - 3}" y="{yy}" text-anchor="end" font-size="10" '
                f'font-family="sans-serif" fill="#555">{_fmt(v)}</text>'
            )
        for v, xx, anchor in ((xmin, PAD_L, "start"), (xmax, W - 6, "end")):
            parts.append(
                f'<text x="{xx}" y="{H - 8}" text-anchor="{anchor}" font-size="10" '
                f'font-family="sans-serif" fill="#555">{_fmt(v)}</text>'
            )
    parts.append("</g>")
    return "".join(parts)


def html(data: dict, reader, *, columns: int = 3, max_panels: int = 12) -> str:
    """Static HTML of a :func:`payload` (curves by step) and the hparams table."""
    runs, tags = data["runs"], data["tags"]
    by_tag: dict[int, list] = {}
    for s in data["series"]:
        x = np.frombuffer(s["step"], "<f8")
        y = np.frombuffer(s["value"], "<f8")
        by_tag.setdefault(s["tag"], []).append((runs[s["run"]]["color"], x, y))
    shown = list(range(min(len(tags), max_panels)))
    rows = max(1, -(-len(shown) // columns))
    legend_h = 18 * (1 + min(len(runs), 12) // 4)
    width, height = W * columns, H * rows + legend_h
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    for k, t in enumerate(shown):
        svg.append(_panel(tags[t], by_tag.get(t, []), (k % columns) * W, (k // columns) * H))
    for i, run in enumerate(runs[:12]):
        x, y = 10 + (i % 4) * (width // 4), H * rows + 13 + 18 * (i // 4)
        svg.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{run["color"]}" '
            f'stroke-width="3"/><text x="{x + 22}" y="{y}" font-size="11" '
            f'font-family="sans-serif" fill="#222">{esc(run["name"])}</text>'
        )
    svg.append("</svg>")
    notes = []
    if len(tags) > len(shown):
        notes.append(f"{len(tags) - len(shown)} more tags in the live view")
    if len(runs) > 12:
        notes.append(f"{len(runs) - 12} more runs in the live view")
    for s in data["skipped"]:
        notes.append(f"skipped {s['count']} {s['label']}")
    hp = data["hparams"]
    table = ""
    if hp["hparams"]:
        cols = ["run", *hp["hparams"], *hp["metrics"]]
        head = "".join(f"<th>{esc(c)}</th>" for c in cols)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{esc(_fmt(v) if isinstance(v, float) else ('' if v is None else v))}</td>"
                for v in (row.get(c) for c in cols)
            )
            + "</tr>"
            for row in hp["rows"][:50]
        )
        table = f'<table border="1" cellpadding="3"><tr>{head}</tr>{body}</table>'
    title = f"<p><b>kw.runs</b> {esc(reader.logdir)}: {len(runs)} runs, {len(tags)} tags"
    if notes:
        title += " · " + esc("; ".join(notes))
    title += " (static copy; the live view needs a running kernel)</p>"
    # An SVG image (data URI), like every picture of ours: GitHub's sanitizer keeps it.
    picture = _display.svg_image("".join(svg), "kw.runs curves")
    return f'<div class="kw-runs-static">{title}{picture}{table}</div>'
