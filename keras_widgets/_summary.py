"""Rich model summaries: ``kw.summary(model)``.

``summary_data(model)`` turns any Keras model into plain data (rows and totals);
``ModelSummary`` renders that data as static HTML (no JavaScript: it survives a saved
notebook and nbconvert), a plain-text table or a pandas DataFrame.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NamedTuple

from keras_widgets._html import esc
from keras_widgets._keras_nodes import (
    KINDS,
    built_output_shapes,
    call_nodes,
    format_shape,
    layer_kind,
    model_type,
)

__all__ = ["KINDS", "LayerRow", "ModelSummary", "SummaryData", "Totals", "summary", "summary_data"]

Shape = tuple  # ints / None, e.g. (None, 28, 28, 3)


class Link(NamedTuple):
    """One input of a call: output ``tensor_index`` of call ``node_index`` of ``layer``."""

    layer: str
    node_index: int
    tensor_index: int

    def __str__(self) -> str:
        return f"{self.layer}[{self.node_index}][{self.tensor_index}]"


def _format_shapes(shapes: tuple[Shape, ...]) -> str:
    if not shapes:
        return "?"
    return format_shape(shapes[0] if len(shapes) == 1 else list(shapes))


@functools.lru_cache(maxsize=64)
def dtype_bits(dtype: str) -> int:
    """Bits per element of a Keras dtype name (float32 -> 32, bfloat16 -> 16, int4 -> 4)."""
    name = str(dtype).rsplit(".", 1)[-1]  # "tf.float32"-style names too
    if name == "bool":
        return 8
    match = re.search(r"(\d+)", name)
    if match:
        return int(match.group(1))
    try:
        import numpy as np

        return np.dtype(name).itemsize * 8
    except TypeError:
        return 32  # unknown: assume the Keras default (float32)


def readable_bytes(n: float) -> str:
    """``1.23 MB`` (base 1024, as Keras' own summary)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024:
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} PB"


@dataclass(frozen=True)
class LayerRow:
    """One row of a summary: a layer (or bare operation) of the model or of a nested model."""

    name: str
    class_name: str
    kind: str
    #: per call of the layer in this graph: the shapes of its outputs
    output_shapes: tuple[tuple[Shape, ...], ...]
    #: per call: the (layer, node index, tensor index) that fed it
    inbound: tuple[tuple[Link, ...], ...]
    #: None when the layer is not built yet
    params: int | None
    trainable_params: int
    non_trainable_params: int
    #: the layer's ``trainable`` flag; None when it has no weights
    trainable: bool | None
    built: bool
    #: 0 for the model's own layers, 1 inside a nested model, ...
    depth: int
    #: "/"-joined names of the enclosing nested models ("" at depth 0)
    parent: str
    #: number of direct child rows (a nested model's layers)
    children: int = 0

    @property
    def path(self) -> str:
        return f"{self.parent}/{self.name}" if self.parent else self.name

    @property
    def output_shape(self) -> str:
        """Display text; distinct shapes of a shared layer's calls joined with `` | ``."""
        distinct = list(dict.fromkeys(self.output_shapes))
        if not distinct:
            return "?"
        return " | ".join(_format_shapes(s) for s in distinct)

    @property
    def connected_to(self) -> str:
        """Keras-style ``dense[0][0], input[0][0]``; ``-`` when nothing feeds it."""
        text = ", ".join(str(i) for call in self.inbound for i in call)
        return text or "-"


@dataclass(frozen=True)
class Totals:
    """Parameter counts and their memory (bytes, from the weights' own dtypes)."""

    trainable_params: int = 0
    non_trainable_params: int = 0
    trainable_bytes: float = 0
    non_trainable_bytes: float = 0
    #: None unless the model is compiled and its optimizer built
    optimizer_params: int | None = None
    optimizer_bytes: float = 0

    @property
    def total_params(self) -> int:
        """Weights plus optimizer variables, as Keras' ``Total params``."""
        return self.trainable_params + self.non_trainable_params + (self.optimizer_params or 0)

    @property
    def total_bytes(self) -> float:
        return self.trainable_bytes + self.non_trainable_bytes + self.optimizer_bytes


@dataclass(frozen=True)
class SummaryData:
    """Everything a summary shows, as plain data."""

    name: str
    class_name: str
    #: "sequential", "functional", "subclassed" or "layer"
    model_type: str
    built: bool
    rows: tuple[LayerRow, ...]
    totals: Totals
    #: whether the graph is not a simple chain (then "connected to" is worth showing)
    show_connections: bool
    show_trainable: bool = True
    expand_nested: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def subclassed(self) -> bool:
        return self.model_type == "subclassed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Counter:
    """Per-variable (count, bits) cache: nested rows and totals see the same weights."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[int, int]] = {}

    def info(self, v: Any) -> tuple[int, int]:
        key = id(v)
        hit = self._cache.get(key)
        if hit is None:
            hit = (math.prod(tuple(v.shape)), dtype_bits(v.dtype))
            self._cache[key] = hit
        return hit

    def count(self, weights: list[Any], layer_trainable: bool) -> tuple[int, int, float, float]:
        """(trainable, non-trainable, trainable bits, non-trainable bits) of ``weights``."""
        tp = ntp = tb = ntb = 0
        seen = set()
        for v in weights:
            if id(v) in seen:
                continue
            seen.add(id(v))
            n, bits = self.info(v)
            if layer_trainable and v.trainable:
                tp += n
                tb += n * bits
            else:
                ntp += n
                ntb += n * bits
        return tp, ntp, tb, ntb


def _calls_by_operation(model: Any) -> dict[int, list[Any]]:
    """id(operation) -> its calls inside ``model``'s graph; empty when there is no graph
    (subclassed or unbuilt models)."""
    try:
        calls = call_nodes(model)
    except (AttributeError, ValueError, TypeError, IndexError):
        return {}
    by_op: dict[int, list[Any]] = {}
    for call in calls:
        by_op.setdefault(id(call.operation), []).append(call)
    return by_op


def _operations(model: Any, kind: str) -> list[Any]:
    # Functional.operations (public) also lists Input layers and bare keras.ops calls, as
    # Keras' own summary does; Sequential and subclassed models only have layers.
    if kind == "functional":
        return list(model.operations)
    return list(getattr(model, "layers", None) or ())


def _layer_row(
    layer: Any, depth: int, parent: str, calls: list[Any], counter: _Counter
) -> LayerRow:
    if calls:
        shapes = tuple(tuple(tuple(t.shape) for t in c.outputs) for c in calls)
        inbound = tuple(
            tuple(Link(i.operation.name, i.node_index, i.tensor_index) for i in c.inputs)
            for c in calls
        )
    else:
        fallback = built_output_shapes(layer)
        shapes = (tuple(fallback),) if fallback else ()
        inbound = ()
    built = bool(getattr(layer, "built", True))
    weights = (getattr(layer, "weights", None) or []) if built else []
    layer_trainable = bool(getattr(layer, "trainable", False))
    tp, ntp, _, _ = counter.count(weights, layer_trainable)
    return LayerRow(
        name=str(layer.name),
        class_name=type(layer).__name__,
        kind=layer_kind(layer),
        output_shapes=shapes,
        inbound=inbound,
        params=tp + ntp if built else None,
        trainable_params=tp,
        non_trainable_params=ntp,
        trainable=layer_trainable if weights else None,
        built=built,
        depth=depth,
        parent=parent,
    )


def _collect(model: Any, depth: int, parent: str, counter: _Counter, out: list[LayerRow]) -> None:
    kind = model_type(model)
    calls = _calls_by_operation(model)
    for layer in _operations(model, kind):
        index = len(out)
        row = _layer_row(layer, depth, parent, calls.get(id(layer), []), counter)
        if kind == "sequential" and row.inbound:
            # A Sequential's calls go through its hidden Input layer: a chain, nothing to tell.
            row = replace(row, inbound=())
        out.append(row)
        # Only models nest rows (as Keras' expand_nested); wrappers such as Bidirectional
        # stay one row.
        if row.kind == "model":
            before = len(out)
            _collect(layer, depth + 1, row.path, counter, out)
            direct = sum(1 for r in out[before:] if r.depth == depth + 1)
            out[index] = replace(row, children=direct)


def _is_chain(rows: list[LayerRow]) -> bool:
    """True when the top-level graph is a simple chain (one input, no branches, no sharing)."""
    consumers: dict[tuple[str, int, int], int] = {}
    for row in rows:
        if row.depth:
            continue
        if len(row.inbound) > 1:  # a shared layer
            return False
        for call in row.inbound:
            if len(call) > 1:  # a merge
                return False
            for i in call:
                consumers[i] = consumers.get(i, 0) + 1
    return all(n <= 1 for n in consumers.values())


def _totals(model: Any, counter: _Counter) -> Totals:
    weights = list(getattr(model, "weights", None) or []) if getattr(model, "built", True) else []
    tp, ntp, tb, ntb = counter.count(weights, bool(getattr(model, "trainable", True)))
    opt = getattr(model, "optimizer", None)
    opt_params = None
    opt_bits = 0
    if getattr(model, "compiled", False) and opt is not None and getattr(opt, "built", False):
        opt_params = 0
        for v in opt.variables:
            n, bits = counter.info(v)
            opt_params += n
            opt_bits += n * bits
    return Totals(tp, ntp, tb / 8, ntb / 8, opt_params, opt_bits / 8)


def summary_data(
    model: Any, expand_nested: bool = False, show_trainable: bool = True
) -> SummaryData:
    """Plain data describing ``model``: one row per layer (nested models' layers included,
    with ``depth`` > 0), parameter totals and flags. Never raises for unbuilt models."""
    counter = _Counter()
    rows: list[LayerRow] = []
    _collect(model, 0, "", counter, rows)
    kind = model_type(model)
    built = bool(getattr(model, "built", True))
    notes = []
    if kind == "subclassed":
        notes.append(
            "Subclassed model: layers are listed in the order they were created (not "
            "necessarily the order call() uses them); output shapes are best effort and "
            "connections are unknown."
        )
    if not built:
        notes.append(
            "The model is not built yet: call it on data or use model.build(input_shape) "
            "to see output shapes and parameter counts."
        )
    show_connections = kind == "functional" and not _is_chain(rows)
    return SummaryData(
        name=str(getattr(model, "name", type(model).__name__)),
        class_name=type(model).__name__,
        model_type=kind,
        built=built,
        rows=tuple(rows),
        totals=_totals(model, counter),
        show_connections=show_connections,
        show_trainable=show_trainable,
        expand_nested=expand_nested,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- rendering

_TRAINABLE_TEXT = {True: "Y", False: "N", None: "-"}
_ids = itertools.count()

_CSS = """
.kw-summary{--kw-a-fg:#1f2328;--kw-a-muted:#59636e;--kw-a-faint:#8c959f;--kw-a-border:#d1d9e0;--kw-a-head:#f6f8fa;
--kw-fg:var(--jp-content-font-color1,var(--kw-a-fg));--kw-muted:var(--jp-content-font-color2,var(--kw-a-muted));
--kw-faint:var(--jp-content-font-color3,var(--kw-a-faint));--kw-border:var(--jp-border-color2,var(--kw-a-border));
--kw-head:var(--jp-layout-color2,var(--kw-a-head));--kw-hover:var(--jp-rendermime-table-row-hover-background,rgba(66,165,245,.12));
color:var(--kw-fg);font-family:var(--jp-ui-font-family,system-ui,-apple-system,"Segoe UI",sans-serif);
font-size:13px;line-height:1.45;margin:0;padding:6px 6px 8px;width:fit-content;max-width:100%;
box-sizing:border-box;overflow-x:auto}
@media (prefers-color-scheme:dark){.kw-summary{--kw-a-fg:#e6edf3;--kw-a-muted:#9198a1;
--kw-a-faint:#6e7681;--kw-a-border:#3d444d;--kw-a-head:#151b23}}
.kw-summary .kw-sum-head{display:flex;align-items:baseline;gap:8px;flex-wrap:wrap;margin:0 0 6px}
.kw-summary .kw-sum-title{font-size:14px;font-weight:600}
.kw-summary .kw-badge{font-size:11px;padding:1px 7px;border-radius:9px;border:1px solid var(--kw-border);color:var(--kw-muted)}
.kw-summary .kw-badge-warn{border-color:rgba(210,153,34,.6);color:inherit;background:rgba(210,153,34,.15)}
.kw-summary .kw-sum-note{font-size:12px;color:var(--kw-muted);margin:0 0 6px;max-width:80ch}
.kw-summary table.kw-sum-table{color:var(--kw-fg);border-collapse:collapse;border:1px solid var(--kw-border);margin:0;
table-layout:auto;font-size:12.5px;width:auto}
.kw-summary .kw-sum-table th,.kw-summary .kw-sum-table td{text-align:left;padding:4px 12px;
color:inherit;border:none;border-bottom:1px solid var(--kw-border);vertical-align:top;white-space:nowrap;max-width:none}
.kw-summary .kw-sum-table th{background:var(--kw-head);font-weight:600;color:var(--kw-muted);font-size:12px}
.kw-summary .kw-sum-table tbody tr{background:transparent}
.kw-summary .kw-sum-table tbody tr:hover{background:var(--kw-hover)}
.kw-summary .kw-sum-table .kw-num{text-align:right;font-variant-numeric:tabular-nums}
.kw-summary .kw-mono{font-family:var(--jp-code-font-family,ui-monospace,SFMono-Regular,Menlo,monospace);font-size:12px}
.kw-summary .kw-zero,.kw-summary .kw-dash{color:var(--kw-faint)}
.kw-summary .kw-unbuilt{color:#b7791f;font-style:italic}
.kw-summary .kw-conn{color:var(--kw-muted);white-space:normal;min-width:12ch;max-width:40ch}
.kw-summary .kw-lname{font-weight:500}
.kw-summary .kw-type{display:inline-block;margin-left:3px;padding:0 6px;border-radius:4px;font-size:11px;
color:var(--kw-muted);background:rgba(128,128,128,.14)}
.kw-summary .kw-k-input{background:rgba(128,128,128,.22)}
.kw-summary .kw-k-conv{background:rgba(66,133,244,.2)}
.kw-summary .kw-k-dense{background:rgba(219,68,55,.18)}
.kw-summary .kw-k-recurrent{background:rgba(171,71,188,.2)}
.kw-summary .kw-k-pooling{background:rgba(0,172,193,.2)}
.kw-summary .kw-k-normalization{background:rgba(124,179,66,.22)}
.kw-summary .kw-k-merge{background:rgba(255,167,38,.25)}
.kw-summary .kw-k-model{background:rgba(92,107,192,.25)}
.kw-summary .kw-yes{color:#2da44e}.kw-summary .kw-no{color:#cf222e}
.kw-summary .kw-caret{display:inline-block;width:1.1em;cursor:pointer;user-select:none;color:var(--kw-muted)}
.kw-summary .kw-caret::before{content:"\\25B8"}
.kw-summary .kw-nocaret{display:inline-block;width:1.1em}
.kw-summary .kw-nested td{background:rgba(128,128,128,.045)}
.kw-summary table.kw-sum-totals{border-collapse:collapse;border:none;margin:8px 0 0;font-size:12.5px;
width:auto;color:var(--kw-fg)}
.kw-summary .kw-sum-totals td{padding:0 14px 1px 0;border:none;background:transparent;text-align:left}
.kw-summary table.kw-sum-totals tbody tr{background:transparent}
.kw-summary .kw-sum-totals .kw-tl{color:var(--kw-muted)}
.kw-summary .kw-sum-totals .kw-num{text-align:right;font-variant-numeric:tabular-nums}
.kw-summary .kw-sum-totals .kw-tb{color:var(--kw-faint)}
.kw-summary .kw-sum-totals .kw-total{font-weight:600}
"""


def _depth_css(depth: int) -> str:
    return f".kw-summary .kw-d{depth} td.kw-name{{padding-left:{12 + 18 * depth}px}}"


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _params_html(row: LayerRow) -> str:
    if row.params is None:
        return '<span class="kw-unbuilt">unbuilt</span>'
    if row.params == 0:
        return '<span class="kw-zero">0</span>'
    text = _fmt_int(row.params)
    if row.non_trainable_params and row.trainable_params:
        title = (
            f"{_fmt_int(row.trainable_params)} trainable, "
            f"{_fmt_int(row.non_trainable_params)} non-trainable"
        )
        return f'<span title="{esc(title)}">{text}</span>'
    return text


def _shape_html(row: LayerRow) -> str:
    if not row.output_shapes:
        return '<span class="kw-dash">?</span>'
    distinct = list(dict.fromkeys(row.output_shapes))
    return "<br>".join(esc(_format_shapes(s)) for s in distinct)


def _connections_html(row: LayerRow) -> str:
    lines = [", ".join(esc(i) for i in call) for call in row.inbound]
    lines = [line for line in lines if line]
    return "<br>".join(lines) if lines else '<span class="kw-dash">-</span>'


def _trainable_html(row: LayerRow) -> str:
    if row.trainable is None:
        return '<span class="kw-dash">-</span>'
    if row.trainable:
        return '<span class="kw-yes" title="trainable">&#10003;</span>'
    return '<span class="kw-no" title="frozen">&#10007;</span>'


def render_html(data: SummaryData) -> str:
    """A self-contained static HTML summary (scoped CSS, CSS-only collapsible nested rows)."""
    uid = f"kws-{uuid.uuid4().hex[:8]}{next(_ids)}"
    headers = ["<th>Layer (type)</th>", "<th>Output shape</th>", '<th class="kw-num">Param #</th>']
    if data.show_connections:
        headers.append("<th>Connected to</th>")
    if data.show_trainable:
        headers.append("<th>Trainable</th>")

    body: list[str] = []
    toggles: list[str] = []
    rules: list[str] = []
    depths = set()
    # rows of a summary with nested models keep a caret-wide gap so names stay aligned
    spacer = '<span class="kw-nocaret"></span>' if any(r.children for r in data.rows) else ""
    group_of_path: dict[str, str] = {}  # nested model path -> its toggle id
    for row in data.rows:
        depths.add(row.depth)
        classes = [f"kw-d{row.depth}"]
        if row.depth:
            classes.append("kw-nested")
            # hidden while any enclosing nested model is collapsed
            parts = row.parent.split("/")
            for k in range(1, len(parts) + 1):
                gid = group_of_path.get("/".join(parts[:k]))
                if gid:
                    classes.append(f"kw-in-{gid}")
        caret = spacer
        if row.children:
            gid = f"g{len(toggles)}"
            group_of_path[row.path] = gid
            tid = f"{uid}-{gid}"
            checked = " checked" if data.expand_nested else ""
            toggles.append(f'<input type="checkbox" class="kw-toggle" id="{tid}" hidden{checked}>')
            rules.append(f"#{tid}:not(:checked)~.kw-sum-table .kw-in-{gid}{{display:none}}")
            rules.append(
                f'#{tid}:checked~.kw-sum-table label[for="{tid}"]::before{{content:"\\25BE"}}'
            )
            caret = f'<label class="kw-caret" for="{tid}" title="show / hide its layers"></label>'
        cells = [
            f'<td class="kw-name">{caret}<span class="kw-lname">{esc(row.name)}</span> '
            f'<span class="kw-type kw-k-{row.kind}">{esc(row.class_name)}</span></td>',
            f'<td class="kw-shape kw-mono">{_shape_html(row)}</td>',
            f'<td class="kw-num kw-mono">{_params_html(row)}</td>',
        ]
        if data.show_connections:
            cells.append(f'<td class="kw-conn kw-mono">{_connections_html(row)}</td>')
        if data.show_trainable:
            cells.append(f'<td class="kw-tr">{_trainable_html(row)}</td>')
        body.append(
            f'<tr class="{" ".join(classes)}" data-kind="{row.kind}" data-depth="{row.depth}">'
            + "".join(cells)
            + "</tr>"
        )
    if not data.rows:
        body.append(f'<tr><td colspan="{len(headers)}" class="kw-dash">no layers</td></tr>')

    badges = [f'<span class="kw-badge">{esc(data.class_name)}</span>']
    if data.subclassed:
        badges.append('<span class="kw-badge kw-badge-warn">subclassed &middot; best effort</span>')
    if not data.built:
        badges.append('<span class="kw-badge kw-badge-warn">unbuilt</span>')
    notes = "".join(f'<div class="kw-sum-note">{esc(n)}</div>' for n in data.notes)
    css = _CSS + "".join(_depth_css(d) for d in sorted(depths)) + "".join(rules)
    return (
        f'<div class="kw-summary" id="{uid}"><style>{css}</style>'
        f'<div class="kw-sum-head"><span class="kw-sum-title">Model: '
        f"&ldquo;{esc(data.name)}&rdquo;</span> {' '.join(badges)}</div>{notes}"
        + "".join(toggles)
        + f'<table class="kw-sum-table"><thead><tr>{"".join(headers)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f"{_totals_html(data.totals)}</div>"
    )


def _totals_html(t: Totals) -> str:
    lines = [
        ("Total params", t.total_params, t.total_bytes, " kw-total"),
        ("Trainable params", t.trainable_params, t.trainable_bytes, ""),
        ("Non-trainable params", t.non_trainable_params, t.non_trainable_bytes, ""),
    ]
    if t.optimizer_params is not None:
        lines.append(("Optimizer params", t.optimizer_params, t.optimizer_bytes, ""))
    # A table, so the totals read right where styles are stripped (GitHub).
    rows = "".join(
        f'<tr><td class="kw-tl{extra}">{label}</td>'
        f'<td class="kw-num kw-mono{extra}">{_fmt_int(n)}</td>'
        f'<td class="kw-tb kw-mono">{readable_bytes(b)}</td></tr>'
        for label, n, b, extra in lines
    )
    return f'<table class="kw-sum-totals"><tbody>{rows}</tbody></table>'


def render_text(data: SummaryData) -> str:
    """A plain-text table (nested rows indented, shown only with ``expand_nested``)."""
    header = ["Layer (type)", "Output shape", "Param #"]
    if data.show_connections:
        header.append("Connected to")
    if data.show_trainable:
        header.append("Trainable")
    table = [header]
    for row in data.rows:
        if row.depth and not data.expand_nested:
            continue
        indent = "  " * (row.depth - 1) + "└ " if row.depth else ""
        params = "unbuilt" if row.params is None else _fmt_int(row.params)
        cells = [f"{indent}{row.name} ({row.class_name})", row.output_shape, params]
        if data.show_connections:
            cells.append(row.connected_to)
        if data.show_trainable:
            cells.append(_TRAINABLE_TEXT[row.trainable])
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if i == 2 else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "-" * len(line(["x" * w for w in widths]))
    flags = [data.class_name]
    if data.subclassed:
        flags.append("subclassed, best effort")
    if not data.built:
        flags.append("unbuilt")
    t = data.totals
    out = [f'Model: "{data.name}" ({", ".join(flags)})', rule, line(header), rule]
    out += [line(r) for r in table[1:]]
    out.append(rule)
    totals = [
        ("Total params", t.total_params, t.total_bytes),
        ("Trainable params", t.trainable_params, t.trainable_bytes),
        ("Non-trainable params", t.non_trainable_params, t.non_trainable_bytes),
    ]
    if t.optimizer_params is not None:
        totals.append(("Optimizer params", t.optimizer_params, t.optimizer_bytes))
    out += [f"{label}: {_fmt_int(n)} ({readable_bytes(b)})" for label, n, b in totals]
    out += list(data.notes)
    return "\n".join(out)


class ModelSummary:
    """A model summary: displays as a static HTML table in notebooks.

    ``str(s)`` is a plain-text table, ``s.to_dataframe()`` a pandas DataFrame (nested
    models expanded, with a ``depth`` column) and ``s.data`` the underlying plain data.
    """

    def __init__(self, data: SummaryData) -> None:
        self.data = data

    @property
    def rows(self) -> tuple[LayerRow, ...]:
        return self.data.rows

    @property
    def totals(self) -> Totals:
        return self.data.totals

    def _repr_html_(self) -> str:
        return render_html(self.data)

    def __str__(self) -> str:
        return render_text(self.data)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Terminal IPython and text/plain outputs get the table, not the short repr.
        printer.text(str(self))

    def __repr__(self) -> str:
        t = self.data.totals
        state = "" if self.data.built else ", unbuilt"
        return (
            f"<ModelSummary {self.data.name!r} ({self.data.class_name}{state}): "
            f"{len(self.data.rows)} rows, {t.total_params:,} params>"
        )

    def to_dataframe(self) -> Any:
        """All rows (nested models expanded) as a pandas DataFrame."""
        import pandas as pd

        records = [
            {
                "name": r.name,
                "class_name": r.class_name,
                "kind": r.kind,
                "output_shape": r.output_shape,
                "params": r.params,
                "trainable_params": r.trainable_params,
                "non_trainable_params": r.non_trainable_params,
                "trainable": r.trainable,
                "connected_to": r.connected_to,
                "depth": r.depth,
                "parent": r.parent,
                "built": r.built,
            }
            for r in self.data.rows
        ]
        columns = list(records[0]) if records else ["name", "class_name", "depth"]
        df = pd.DataFrame.from_records(records, columns=columns)
        if records:
            df["params"] = df["params"].astype("Int64")
            df["trainable"] = df["trainable"].astype("boolean")
        return df


def summary(model: Any, expand_nested: bool = False, show_trainable: bool = True) -> ModelSummary:
    """A rich summary of a Keras model that displays as an HTML table in notebooks.

    Example::

        import keras, keras_widgets as kw
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        kw.summary(model)            # last expression of a cell: an HTML table
        kw.summary(model).to_dataframe()

    Args:
        model: any Keras model (Sequential, Functional, subclassed; built or not).
        expand_nested: show nested models' layers (in HTML they stay collapsible).
        show_trainable: add a "Trainable" column.
    """
    import keras

    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"kw.summary() expects a Keras model, got {type(model).__name__}")
    return ModelSummary(summary_data(model, expand_nested, show_trainable))
