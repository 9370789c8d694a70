"""Rich model summaries: ``kw.summary(model)``.

``summary_data(model)`` turns any Keras model into plain data (rows and totals);
``ModelSummary`` renders that data as static HTML (no JavaScript: it survives a saved
notebook and nbconvert), a plain-text table or a pandas DataFrame.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NamedTuple

from keras_widgets._cost import readable_count
from keras_widgets._html import esc
from keras_widgets._keras_nodes import KINDS, call_nodes, format_shape, model_type
from keras_widgets._walk import (
    KIND_COLORS,
    Weights,
    add_up,
    dtype_bits,
    layer_facts,
    subclassed_note,
    tensor_bytes,
    unbuilt_note,
)

__all__ = [
    "KINDS",
    "LayerRow",
    "ModelSummary",
    "SummaryData",
    "Totals",
    "TrainingMemory",
    "dtype_bits",
    "summary",
    "summary_data",
]

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
    #: multiply-accumulates per sample (all calls; a nested model: its layers); None: unknown
    macs: int | None = None
    #: 2 x MACs + element-wise work per sample; None: unknown
    flops: int | None = None
    #: bytes of the outputs per sample; None: unknown
    activation_bytes: int | None = None
    #: a nested model's figures leave out layers that could not be counted ("≥")
    lower_bound: bool = False
    #: measured milliseconds per batch (from ``kw.profile``); None when not profiled
    time_ms: float | None = None

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
    """Parameter counts and their memory (bytes, from the weights' own dtypes), and costs."""

    trainable_params: int = 0
    non_trainable_params: int = 0
    trainable_bytes: float = 0
    non_trainable_bytes: float = 0
    #: None unless the model is compiled and its optimizer built
    optimizer_params: int | None = None
    optimizer_bytes: float = 0
    #: multiply-accumulates / FLOPs per sample of the counted layers
    macs: int = 0
    flops: int = 0
    #: True when some layer could not be counted: the figures are lower bounds ("≥")
    macs_lower_bound: bool = False
    #: bytes of every layer output for one sample (what backprop keeps)
    activation_bytes: int = 0
    activation_lower_bound: bool = False

    @property
    def total_params(self) -> int:
        """Weights plus optimizer variables, as Keras' ``Total params``."""
        return self.trainable_params + self.non_trainable_params + (self.optimizer_params or 0)

    @property
    def total_bytes(self) -> float:
        return self.trainable_bytes + self.non_trainable_bytes + self.optimizer_bytes


#: optimizer class -> slot variables kept per trainable weight (when not built yet)
_SLOTS = {
    "SGD": 0,
    "Adam": 2,
    "AdamW": 2,
    "Nadam": 2,
    "Adamax": 2,
    "Adadelta": 2,
    "Ftrl": 2,
    "Adagrad": 1,
    "Lion": 1,
    "LossScaleOptimizer": 0,
}


@dataclass(frozen=True)
class TrainingMemory:
    """Estimated memory of one training step at ``batch_size``, in bytes.

    total = params + gradients + optimizer slots + activations, where

    - params: every weight, in its own dtype;
    - gradients: one per trainable weight, same size;
    - optimizer slots: the optimizer's real variables once it is built; before that,
      slots-per-weight of its class (Adam 2, SGD with momentum 1, ...) x trainable bytes
      (``optimizer_source`` says which; None: not compiled, not counted);
    - activations: every layer's outputs at ``batch_size``, kept for the backward pass.

    Framework workspace, temporaries and allocator slack are not included: a floor, not
    a ceiling.
    """

    batch_size: int
    params_bytes: float
    gradient_bytes: float
    optimizer_bytes: float
    #: "variables" (built optimizer), "estimate" (from its class) or None (no optimizer)
    optimizer_source: str | None
    activation_bytes: float
    #: some activations have unknown sizes: the total is a lower bound
    lower_bound: bool = False

    @property
    def total_bytes(self) -> float:
        return (
            self.params_bytes + self.gradient_bytes + self.optimizer_bytes + self.activation_bytes
        )


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
    #: activation memory is shown for this many samples
    batch_size: int = 1
    training_memory: TrainingMemory | None = None
    #: show the MACs / FLOPs / activation columns
    show_cost: bool = True
    #: measured per-batch time of the whole model (``kw.profile``); None when not profiled
    step_ms: float | None = None

    @property
    def subclassed(self) -> bool:
        return self.model_type == "subclassed"

    @property
    def profiled(self) -> bool:
        return self.step_ms is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    layer: Any, depth: int, parent: str, calls: list[Any], weights: Weights, count: bool
) -> LayerRow:
    facts = layer_facts(layer, calls, weights, count)
    inbound = tuple(
        tuple(Link(i.operation.name, i.node_index, i.tensor_index) for i in c.inputs) for c in calls
    )
    return LayerRow(
        name=facts.name,
        class_name=facts.class_name,
        kind=facts.kind,
        output_shapes=facts.output_shapes,
        inbound=inbound,
        params=facts.params,
        trainable_params=facts.trainable_params,
        non_trainable_params=facts.non_trainable_params,
        trainable=facts.trainable,
        built=facts.built,
        depth=depth,
        parent=parent,
        macs=facts.macs,
        flops=facts.flops,
        activation_bytes=facts.activation_bytes,
    )


def _collect(
    model: Any, depth: int, parent: str, weights: Weights, out: list[LayerRow], count: bool = True
) -> None:
    kind = model_type(model)
    calls = _calls_by_operation(model)
    for layer in _operations(model, kind):
        index = len(out)
        layer_calls = calls.get(id(layer), [])
        row = _layer_row(layer, depth, parent, layer_calls, weights, count)
        if kind == "sequential" and row.inbound:
            # A Sequential's calls go through its hidden Input layer: a chain, nothing to tell.
            row = replace(row, inbound=())
        out.append(row)
        # Only models nest rows (as Keras' expand_nested); wrappers such as Bidirectional
        # stay one row.
        if row.kind == "model":
            before = len(out)
            _collect(layer, depth + 1, row.path, weights, out, count)
            direct = [r for r in out[before:] if r.depth == depth + 1]
            # the nested model's cost: its layers' cost, once per call in this graph
            times = max(len(layer_calls), 1)
            macs, m_partial = add_up([r.macs for r in direct])
            flops, f_partial = add_up([r.flops for r in direct])
            act, a_partial = add_up([r.activation_bytes for r in out[before:] if _holds(r)])
            partial = m_partial or f_partial or any(r.lower_bound for r in direct)
            out[index] = replace(
                row,
                children=len(direct),
                macs=macs * times,
                flops=flops * times,
                activation_bytes=act * times if not a_partial else None,
                lower_bound=partial or model_type(layer) == "subclassed",
            )


def _holds(row: LayerRow) -> bool:
    """Whether a row's outputs are tensors of their own (a nested model's outputs are its
    layers'; its input layers hold the tensor its parent passed in)."""
    return row.kind != "model" and not (row.depth and row.kind == "input")


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


def _totals(model: Any, weights: Weights, rows: list[LayerRow], subclassed: bool) -> Totals:
    model_weights = (
        list(getattr(model, "weights", None) or []) if getattr(model, "built", True) else []
    )
    tp, ntp, tb, ntb = weights.count(model_weights, bool(getattr(model, "trainable", True)))
    opt = getattr(model, "optimizer", None)
    opt_params = None
    opt_bits = 0
    if getattr(model, "compiled", False) and opt is not None and getattr(opt, "built", False):
        opt_params = 0
        for v in opt.variables:
            n, bits = weights.info(v)
            opt_params += n
            opt_bits += n * bits
    top = [r for r in rows if r.depth == 0]
    macs, m_partial = add_up([r.macs for r in top])
    flops, f_partial = add_up([r.flops for r in top])
    leaves = [r for r in rows if _holds(r)]
    act, a_partial = add_up([r.activation_bytes for r in leaves] + _sequential_inputs(model))
    # A subclassed model's call() may use its layers any number of times: lower bounds.
    lower = m_partial or f_partial or subclassed or any(r.lower_bound for r in top)
    return Totals(
        tp,
        ntp,
        tb / 8,
        ntb / 8,
        opt_params,
        opt_bits / 8,
        macs=macs,
        flops=flops,
        macs_lower_bound=lower,
        activation_bytes=act,
        activation_lower_bound=a_partial or subclassed,
    )


def _sequential_inputs(model: Any) -> list[int | None]:
    """Bytes per sample of a Sequential's inputs: its Input layer is not one of its rows,
    but backprop keeps the batch it was fed."""
    if model_type(model) != "sequential":
        return []
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):  # unbuilt
        return []
    return [tensor_bytes(tuple(t.shape), t.dtype) for t in inputs]


def _optimizer_slots(model: Any, totals: Totals) -> tuple[float, str | None]:
    """(bytes, source) of the optimizer's slot variables; see :class:`TrainingMemory`."""
    opt = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or opt is None:
        return 0.0, None
    if totals.optimizer_params is not None:
        return totals.optimizer_bytes, "variables"
    name = type(opt).__name__
    slots = _SLOTS.get(name)
    config = opt.get_config() if hasattr(opt, "get_config") else {}
    if name == "SGD" and config.get("momentum"):
        slots = 1
    elif name == "RMSprop":
        slots = 1 + bool(config.get("momentum")) + bool(config.get("centered"))
    elif name in ("Adam", "AdamW", "Nadam") and config.get("amsgrad"):
        slots = 3
    if slots is None:
        return 0.0, None
    return slots * totals.trainable_bytes, "estimate"


def _training_memory(model: Any, totals: Totals, batch_size: int) -> TrainingMemory:
    opt_bytes, source = _optimizer_slots(model, totals)
    return TrainingMemory(
        batch_size=batch_size,
        params_bytes=totals.trainable_bytes + totals.non_trainable_bytes,
        gradient_bytes=totals.trainable_bytes,
        optimizer_bytes=opt_bytes,
        optimizer_source=source,
        activation_bytes=totals.activation_bytes * batch_size,
        lower_bound=totals.activation_lower_bound,
    )


def summary_data(
    model: Any,
    expand_nested: bool = False,
    show_trainable: bool = True,
    batch_size: int = 1,
    profile: Any = None,
    show_cost: bool = True,
) -> SummaryData:
    """Plain data describing ``model``: one row per layer (nested models' layers included,
    with ``depth`` > 0), parameter and cost totals and flags. Never raises for unbuilt
    models. ``profile`` (from :func:`keras_widgets.profile`) adds measured times."""
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    weights = Weights()
    rows: list[LayerRow] = []
    _collect(model, 0, "", weights, rows, show_cost)
    kind = model_type(model)
    built = bool(getattr(model, "built", True))
    name = str(getattr(model, "name", type(model).__name__))
    notes = []
    if kind == "subclassed":
        notes.append(subclassed_note(name, len(getattr(model, "layers", ()))))
    if not built:
        notes.append(unbuilt_note(name))
    step_ms = None
    if profile is not None:
        rows, step_ms, profile_notes = _with_times(rows, profile)
        notes.extend(profile_notes)
    show_connections = kind == "functional" and not _is_chain(rows)
    totals = _totals(model, weights, rows, kind == "subclassed")
    if show_cost and totals.macs_lower_bound and kind != "subclassed":
        unknown = sorted({r.class_name for r in rows if r.macs is None and r.kind != "model"})
        if unknown:
            notes.append(
                "MACs and FLOPs are lower bounds (≥): these layers cannot be counted "
                f"from their config: {', '.join(unknown)}."
            )
    return SummaryData(
        name=name,
        class_name=type(model).__name__,
        model_type=kind,
        built=built,
        rows=tuple(rows),
        totals=totals,
        show_connections=show_connections,
        show_trainable=show_trainable,
        expand_nested=expand_nested,
        notes=tuple(notes),
        batch_size=batch_size,
        training_memory=_training_memory(model, totals, batch_size) if built else None,
        show_cost=show_cost,
        step_ms=step_ms,
    )


def _with_times(rows: list[LayerRow], profile: Any) -> tuple[list[LayerRow], float, list[str]]:
    """Rows with the profile's per-layer milliseconds; a nested model gets its layers' sum."""
    times = profile.times
    out = []
    for row in rows:
        t = times.get(row.path)
        if row.kind == "model":
            # its layers' sum, so that the shares of the rows add up
            inner = [
                lt.ms
                for lt in profile.layers
                if lt.path.startswith(row.path + "/") and lt.kind != "model"
            ]
            t = sum(inner) if inner else t
        out.append(replace(row, time_ms=t))
    notes = [
        f"Times measured by kw.profile at batch size {profile.batch_size} on "
        f"{profile.backend} ({profile.device}): median of {profile.repeats} repeats."
    ]
    return out, profile.step_ms, notes


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


# Badge colours come from the one palette the graph uses too (keras_widgets._walk).
_KIND_CSS = "".join(
    f".kw-summary .kw-k-{kind}{{background:{fill};color:{stroke};box-shadow:inset 0 0 0 1px {stroke}55}}"
    for kind, (fill, stroke) in KIND_COLORS.items()
)


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
    headers += [
        f'<th class="kw-num" title="{esc(title)}">{esc(text)}</th>'
        for text, title in _cost_headers(data)
    ]
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
        cells += [f'<td class="kw-num kw-mono">{cell}</td>' for cell in _cost_cells_html(data, row)]
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
    css = _CSS + _KIND_CSS + "".join(_depth_css(d) for d in sorted(depths)) + "".join(rules)
    return (
        f'<div class="kw-summary" id="{uid}"><style>{css}</style>'
        f'<div class="kw-sum-head"><span class="kw-sum-title">Model: '
        f"&ldquo;{esc(data.name)}&rdquo;</span> {' '.join(badges)}</div>{notes}"
        + "".join(toggles)
        + f'<table class="kw-sum-table"><thead><tr>{"".join(headers)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f"{_totals_html(data)}</div>"
    )


def _totals_lines(data: SummaryData) -> list[tuple[str, str, str]]:
    """(label, figure, detail) lines under the table, shared by HTML and text."""
    t = data.totals
    lines = [
        ("Total params", _fmt_int(t.total_params), readable_bytes(t.total_bytes)),
        ("Trainable params", _fmt_int(t.trainable_params), readable_bytes(t.trainable_bytes)),
        (
            "Non-trainable params",
            _fmt_int(t.non_trainable_params),
            readable_bytes(t.non_trainable_bytes),
        ),
    ]
    if t.optimizer_params is not None:
        lines.append(
            ("Optimizer params", _fmt_int(t.optimizer_params), readable_bytes(t.optimizer_bytes))
        )
    if not data.show_cost:
        return lines
    ge = "≥ " if t.macs_lower_bound else ""
    lines.append(("MACs per sample", readable_count(t.macs, t.macs_lower_bound), f"{ge}{t.macs:,}"))
    lines.append(
        ("FLOPs per sample", readable_count(t.flops, t.macs_lower_bound), "2 x MACs + element-wise")
    )
    b = data.batch_size
    ge = "≥ " if t.activation_lower_bound else ""
    lines.append(
        (
            f"Activations (batch {b})",
            ge + readable_bytes(t.activation_bytes * b),
            "every layer output",
        )
    )
    m = data.training_memory
    if m is not None:
        opt = {
            "variables": f"optimizer {readable_bytes(m.optimizer_bytes)}",
            "estimate": f"optimizer ~{readable_bytes(m.optimizer_bytes)} (estimated)",
            None: "no optimizer (not compiled)",
        }[m.optimizer_source]
        detail = (
            f"params {readable_bytes(m.params_bytes)} + gradients "
            f"{readable_bytes(m.gradient_bytes)} + {opt} + activations "
            f"{readable_bytes(m.activation_bytes)}"
        )
        ge = "≥ " if m.lower_bound else ""
        lines.append((f"Training memory (batch {b})", ge + readable_bytes(m.total_bytes), detail))
    if data.profiled:
        layer_sum = sum(r.time_ms or 0 for r in data.rows if r.kind != "model")
        lines.append(
            (
                "Time per batch",
                f"{data.step_ms:.2f} ms",
                f"whole model; sum of layers {layer_sum:.2f} ms",
            )
        )
    return lines


def _totals_html(data: SummaryData) -> str:
    # A table, so the totals read right where styles are stripped (GitHub).
    rows = "".join(
        f'<tr><td class="kw-tl{extra}">{esc(label)}</td>'
        f'<td class="kw-num kw-mono{extra}">{esc(figure)}</td>'
        f'<td class="kw-tb kw-mono">{esc(detail)}</td></tr>'
        for i, (label, figure, detail) in enumerate(_totals_lines(data))
        for extra in (" kw-total" if i == 0 else "",)
    )
    return f'<table class="kw-sum-totals"><tbody>{rows}</tbody></table>'


def _cost_headers(data: SummaryData) -> list[tuple[str, str]]:
    """(header, tooltip) of the cost columns."""
    if not data.show_cost:
        return []
    heads = [
        ("MACs", "multiply-accumulates per sample; ? = cannot be counted"),
        ("FLOPs", "2 x MACs + element-wise work, per sample"),
        (f"Activations (batch {data.batch_size})", f"output bytes at batch size {data.batch_size}"),
    ]
    if data.profiled:
        heads += [
            ("Time (ms)", "measured per batch by kw.profile"),
            ("Share", "of the layers' sum"),
        ]
    return heads


def _cost_texts(data: SummaryData, row: LayerRow) -> list[str]:
    if not data.show_cost:
        return []
    ge = "≥ " if row.lower_bound else ""
    act = row.activation_bytes
    texts = [
        readable_count(row.macs, row.lower_bound),
        readable_count(row.flops, row.lower_bound),
        "?" if act is None else ge + readable_bytes(act * data.batch_size),
    ]
    if data.profiled:
        total = sum(r.time_ms or 0 for r in data.rows if r.kind != "model") or 1.0
        t = row.time_ms
        texts += ["-" if t is None else f"{t:.3f}", "-" if t is None else f"{100 * t / total:.1f}%"]
    return texts


def _cost_cells_html(data: SummaryData, row: LayerRow) -> list[str]:
    out = []
    for text in _cost_texts(data, row):
        if text in ("0", "?", "-"):
            cls = "kw-zero" if text == "0" else "kw-dash"
            title = ' title="cannot be counted from its config"' if text == "?" else ""
            out.append(f'<span class="{cls}"{title}>{text}</span>')
        else:
            out.append(esc(text))
    return out


def render_text(data: SummaryData) -> str:
    """A plain-text table (nested rows indented, shown only with ``expand_nested``)."""
    header = ["Layer (type)", "Output shape", "Param #"]
    header += [text for text, _ in _cost_headers(data)]
    right = set(range(2, len(header)))  # numbers are right-aligned
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
        cells += _cost_texts(data, row)
        if data.show_connections:
            cells.append(row.connected_to)
        if data.show_trainable:
            cells.append(_TRAINABLE_TEXT[row.trainable])
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "-" * len(line(["x" * w for w in widths]))
    flags = [data.class_name]
    if data.subclassed:
        flags.append("subclassed, best effort")
    if not data.built:
        flags.append("unbuilt")
    out = [f'Model: "{data.name}" ({", ".join(flags)})', rule, line(header), rule]
    out += [line(r) for r in table[1:]]
    out.append(rule)
    # "Total params: 1,234 (4.82 KB)" as Keras prints it; the cost lines alike
    out += [f"{label}: {figure} ({detail})" for label, figure, detail in _totals_lines(data)]
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

    @property
    def macs(self) -> int:
        """Multiply-accumulates per sample of the whole model (a lower bound when
        ``totals.macs_lower_bound``: some layer could not be counted)."""
        return self.data.totals.macs

    @property
    def flops(self) -> int:
        """FLOPs per sample: 2 x MACs + element-wise work."""
        return self.data.totals.flops

    @property
    def training_memory(self) -> TrainingMemory | None:
        """The training-memory estimate at ``batch_size`` (None for an unbuilt model)."""
        return self.data.training_memory

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
                "macs": r.macs,
                "flops": r.flops,
                "activation_bytes": (
                    None
                    if r.activation_bytes is None
                    else r.activation_bytes * self.data.batch_size
                ),
                **({"time_ms": r.time_ms} if self.data.profiled else {}),
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
            for column in ("macs", "flops", "activation_bytes"):
                df[column] = df[column].astype("Int64")
        return df


def summary(
    model: Any,
    expand_nested: bool = False,
    show_trainable: bool = True,
    batch_size: int = 1,
    profile: Any = None,
    show_cost: bool = True,
) -> ModelSummary:
    """A rich summary of a Keras model that displays as an HTML table in notebooks.

    Example::

        import keras, keras_widgets as kw
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        kw.summary(model)            # last expression of a cell: an HTML table
        kw.summary(model).to_dataframe()
        kw.summary(model).macs       # multiply-accumulates per sample

    Args:
        model: any Keras model (Sequential, Functional, subclassed; built or not).
        expand_nested: show nested models' layers (in HTML they stay collapsible).
        show_trainable: add a "Trainable" column.
        batch_size: activation memory and the training-memory estimate are for this many
            samples (MACs and FLOPs are always per sample).
        profile: a :func:`keras_widgets.profile` result: adds measured times per layer.
        show_cost: show the MACs, FLOPs and activation columns.
    """
    import keras

    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"kw.summary() expects a Keras model, got {type(model).__name__}")
    return ModelSummary(
        summary_data(model, expand_nested, show_trainable, batch_size, profile, show_cost)
    )
