"""The builder's static picture for saved notebooks, nbconvert HTML and GitHub.

A pure function of the builder's state, report and code: a ``<table>`` of the layers (with
output shapes and parameter counts), the totals and the code in a ``<pre>``. It uses semantic
markup only (caption, thead/tbody/tfoot, th/td, pre), so it reads right when a sanitizer
strips ``<style>`` elements and ``style`` attributes; the few inline styles are cosmetic.
Every user value is escaped; nothing external is referenced.
"""

from __future__ import annotations

from typing import Any

from keras_widgets._html import esc

CLASS = "kw-b-static"  # the live view's CSS hides elements of this class (js/builder)


def _shape(shape: Any) -> str:
    if not isinstance(shape, (list, tuple)):
        return "?"
    dims = ["None"] + ["None" if d is None else str(d) for d in shape]  # batch axis first
    return "(" + ", ".join(dims) + ")"


def _int(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def _layer_name(layer: dict) -> str:
    name = (layer.get("config") or {}).get("name")
    return name if isinstance(name, str) and name else ""


def static_html(state: dict, report: dict, code: str) -> str:
    """The ``text/html`` picture of one builder (see the module docstring)."""
    name = state.get("name") if isinstance(state.get("name"), str) else "sequential"
    rows = []
    cell = 'style="padding:2px 10px;border-bottom:1px solid #ddd;text-align:left"'
    num = 'style="padding:2px 10px;border-bottom:1px solid #ddd;text-align:right"'
    shape_in = state.get("input_shape")
    rows.append(
        f"<tr><td {cell}>0</td><td {cell}>Input</td><td {cell}></td>"
        f"<td {cell}><code>{esc(_shape(shape_in))}</code></td><td {num}>0</td>"
        f"<td {cell}>{esc(report.get('input_error') or '')}</td></tr>"
    )
    for i, (layer, row) in enumerate(
        zip(state.get("layers") or [], report.get("layers") or [], strict=False), start=1
    ):
        problems = [f"{k}: {v}" for k, v in (row.get("field_errors") or {}).items()]
        if row.get("error") and not problems:
            problems.append(row["error"])
        trainable = (layer.get("config") or {}).get("trainable") is False
        kind = str(layer.get("type", "?"))
        if trainable:
            kind += " (frozen)"
        freeze = (layer.get("config") or {}).get("freeze")
        if isinstance(freeze, str):
            kind += f" ({freeze})"
        rows.append(
            f"<tr><td {cell}>{i}</td><td {cell}>{esc(kind)}</td>"
            f"<td {cell}>{esc(_layer_name(layer))}</td>"
            f"<td {cell}><code>{esc(_shape(row.get('output_shape')))}</code></td>"
            f"<td {num}>{esc(_int(row.get('params')))}</td>"
            f"<td {cell}>{esc('; '.join(problems))}</td></tr>"
        )
    status = "valid" if report.get("ok") else "has problems"
    foot = (
        f'<tr><th {cell} colspan="4" scope="row">Total params</th>'
        f"<td {num}>{esc(_int(report.get('total_params', 0)))}</td><td {cell}></td></tr>"
        f'<tr><th {cell} colspan="4" scope="row">Trainable params</th>'
        f"<td {num}>{esc(_int(report.get('trainable_params', 0)))}</td><td {cell}></td></tr>"
        f'<tr><th {cell} colspan="4" scope="row">Non-trainable params</th>'
        f"<td {num}>{esc(_int(report.get('non_trainable_params', 0)))}</td>"
        f"<td {cell}></td></tr>"
    )
    head = "".join(
        f'<th {cell} scope="col">{t}</th>'
        for t in ("#", "Layer", "Name", "Output shape", "Params", "Problems")
    )
    n = len(state.get("layers") or [])
    caption = (
        f"Sequential builder: {name} · {n} layer{'s' if n != 1 else ''} · {status} "
        "(static picture; interactive when the kernel runs)"
    )
    return (
        f'<div class="{CLASS}">'
        f'<table style="border-collapse:collapse;font:12px sans-serif">'
        f'<caption style="text-align:left;font-weight:bold;padding:4px 0">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f"<tfoot>{foot}</tfoot></table>"
        f"<details open><summary>Python code</summary>"
        f'<pre style="font:12px monospace;background:#f6f6f6;padding:6px;overflow:auto">'
        f"<code>{esc(code)}</code></pre></details></div>"
    )


def static_text(state: dict, report: dict) -> str:
    """The ``text/plain`` twin of the picture."""
    name = state.get("name") if isinstance(state.get("name"), str) else "sequential"
    lines = [f"Sequential builder {name!s}:"]
    for i, (layer, row) in enumerate(
        zip(state.get("layers") or [], report.get("layers") or [], strict=False), start=1
    ):
        lines.append(
            f"  {i:>3} {layer.get('type', '?'):<24} {_shape(row.get('output_shape')):<24}"
            f" {_int(row.get('params'))}"
        )
    lines.append(f"  Total params: {_int(report.get('total_params', 0))}")
    return "\n".join(lines)
