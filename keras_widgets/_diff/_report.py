"""``ModelDiff``: the diff of two models shown as text, a static HTML table, a DataFrame and a
merged graph."""

from __future__ import annotations

import uuid
from typing import Any

from keras_widgets._diff._core import CHANGES, MARKS, LayerChange, compare, counts
from keras_widgets._diff._snapshot import ModelSnapshot, snapshot
from keras_widgets._html import esc

MAX_HTML_ROWS = 400  # per table; the DataFrame has them all
_SYMBOL = {"added": "+", "removed": "\u2212", "changed": "~", "same": "="}

_CSS = """
.kw-diff{color:var(--jp-content-font-color1,#1f2328);font-family:var(--jp-ui-font-family,system-ui,sans-serif);
font-size:13px;line-height:1.45;padding:6px;max-width:100%;overflow-x:auto;box-sizing:border-box}
.kw-diff .kw-diff-title{font-size:14px;font-weight:600;margin:0 0 4px}
.kw-diff .kw-diff-line{margin:0;color:var(--jp-content-font-color2,#59636e)}
.kw-diff table.kw-diff-table{border-collapse:collapse;margin:6px 0;font-size:12.5px;color:inherit;
table-layout:auto;width:auto}
.kw-diff table.kw-diff-table th,.kw-diff table.kw-diff-table td{text-align:left;padding:3px 10px;
border:none;border-bottom:1px solid var(--jp-border-color2,#d1d9e0);vertical-align:top;white-space:nowrap;
max-width:none}
.kw-diff table.kw-diff-table th{background:var(--jp-layout-color2,#f6f8fa);font-weight:600}
.kw-diff table.kw-diff-table td.kw-diff-what{white-space:normal;min-width:28ch;max-width:70ch}
.kw-diff table.kw-diff-table .kw-num{text-align:right;font-variant-numeric:tabular-nums}
.kw-diff del{color:#cf222e}.kw-diff ins{color:#1a7f37;text-decoration:none}
.kw-diff tr.kw-diff-added td.kw-diff-change{color:#1a7f37;font-weight:600}
.kw-diff tr.kw-diff-removed td.kw-diff-change{color:#cf222e;font-weight:600}
.kw-diff tr.kw-diff-changed td.kw-diff-change{color:#9a6700;font-weight:600}
.kw-diff summary{cursor:pointer;color:var(--jp-content-font-color2,#59636e)}
"""


class ModelDiff:
    """What changed between two models (see :func:`keras_widgets.diff`).

    ``d.rows`` holds one :class:`LayerChange` per layer; ``d.counts`` the number of added,
    removed, changed and same layers; ``d.to_dataframe()``, ``str(d)``, ``d.graph()`` and the
    HTML table (displaying ``d``) show them.
    """

    def __init__(self, before: ModelSnapshot, after: ModelSnapshot) -> None:
        self.before = before
        self.after = after
        rows, self.matches = compare(before, after)
        self.rows: tuple[LayerChange, ...] = tuple(rows)
        self.counts: dict[str, int] = counts(rows)
        self.notes: list[str] = _notes(before, after)

    # -- totals -------------------------------------------------------------------------------
    @property
    def params(self) -> tuple[int | None, int | None]:
        """(before, after) total weights (Keras' count_params, without optimizer variables)."""
        return self.before.graph["model"]["params"], self.after.graph["model"]["params"]

    @property
    def trainable_params(self) -> tuple[int | None, int | None]:
        return (
            self.before.graph["model"]["trainable_params"],
            self.after.graph["model"]["trainable_params"],
        )

    def summary_lines(self) -> list[str]:
        """Counts of each change, then total and trainable params before -> after (delta)."""
        c = self.counts
        return [
            f"{c['added']} added, {c['removed']} removed, {c['changed']} changed, {c['same']} same",
            "params: " + _arrow(*self.params),
            "trainable params: " + _arrow(*self.trainable_params),
        ]

    def row(self, name: str) -> LayerChange:
        """The row of the layer called ``name`` (after the change; else before it)."""
        for r in self.rows:
            if r.name == name and r.change != "removed":
                return r
        for r in self.rows:
            if r.name_before == name:
                return r
        raise KeyError(name)

    def changes(self, change: str) -> list[LayerChange]:
        """Rows with ``change`` "added", "removed", "changed" or "same"."""
        if change not in CHANGES:
            raise ValueError(f"change must be one of {CHANGES}, got {change!r}")
        return [r for r in self.rows if r.change == change]

    # -- outputs ------------------------------------------------------------------------------
    def to_dataframe(self) -> Any:
        """One row per layer of either model, with a ``change`` column."""
        import pandas as pd

        records = [
            {
                "change": r.change,
                "name": r.name,
                "name_before": r.name_before,
                "class_name": r.class_name,
                "kind": r.kind,
                "parent": r.parent,
                "depth": r.depth,
                "what": ", ".join(r.what),
                "details": "; ".join(r.describe()),
                "output_shape_before": r.output_shape_before,
                "output_shape_after": r.output_shape_after,
                "params_before": r.params_before,
                "params_after": r.params_after,
                "params_delta": r.params_delta,
                "trainable_before": r.trainable_before,
                "trainable_after": r.trainable_after,
                "trainable_params_before": r.trainable_params_before,
                "trainable_params_after": r.trainable_params_after,
                "trainable_params_delta": r.trainable_params_delta,
                "matched_by": r.matched_by,
            }
            for r in self.rows
        ]
        df = pd.DataFrame.from_records(records, columns=_COLUMNS)
        for col in _COLUMNS:
            if col.startswith(("params", "trainable_params")):
                df[col] = df[col].astype("Int64")
            elif col.startswith("trainable_"):
                df[col] = df[col].astype("boolean")
        return df

    def graph_data(self) -> dict:
        """The merged graph (``kw.graph``'s data format): B's layers plus A's removed ones,
        each node and edge with ``status`` (added / removed / changed / same)."""
        from keras_widgets._diff._graph import merged_data

        return merged_data(list(self.rows), self.before, self.after, self.summary_lines())[0]

    def graph(self, direction: str = "TB", show_shapes: bool = True, view: str = "merged") -> Any:
        """The graph in ``kw.graph``'s interactive view (plus a marked static picture).

        ``view="merged"``: one graph, B's layers plus A's removed ones. ``view="side"``: A and
        B side by side with the same marks; selecting a layer in one selects it in the other
        (``.before`` and ``.after`` are the two graph widgets)."""
        from keras_widgets._diff._graph import merged_data, side_data
        from keras_widgets._diff._widget import DiffGraphWidget, DiffSideBySide

        if view not in ("merged", "side"):
            raise ValueError(f"view must be 'merged' or 'side', got {view!r}")
        options = {"direction": direction, "show_shapes": show_shapes}
        if view == "side":
            return DiffSideBySide(*side_data(list(self.rows), self.before, self.after), **options)
        data, objects = merged_data(list(self.rows), self.before, self.after, self.summary_lines())
        return DiffGraphWidget(data, objects, **options)

    def static_svg(self) -> str:
        """The merged graph as a standalone SVG with added/removed/changed marks."""
        from keras_widgets._diff._graph import marked_svg

        data = self.graph_data()
        return marked_svg(data, {g["id"] for g in data["groups"] if g["expanded"]})

    def __str__(self) -> str:
        lines = [f"Diff {self.before.name!r} -> {self.after.name!r}", *self.summary_lines()]
        lines += [f"note: {t}" for t in self.notes]
        for r in self.rows:
            if r.change == "same":
                continue
            indent = "  " * r.depth
            head = f"{MARKS[r.change]} {indent}{r.name} ({r.class_name})"
            if r.change == "added":
                lines.append(f"{head} {r.output_shape_after}, {_n(r.params_after)} params")
            elif r.change == "removed":
                lines.append(f"{head} {r.output_shape_before}, {_n(r.params_before)} params")
            else:
                lines.append(f"{head}: " + "; ".join(r.describe()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<ModelDiff {self.before.name!r} -> {self.after.name!r}: {c['added']} added, "
            f"{c['removed']} removed, {c['changed']} changed, {c['same']} same>"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        return render_html(self)


_COLUMNS = [
    "change",
    "name",
    "name_before",
    "class_name",
    "kind",
    "parent",
    "depth",
    "what",
    "details",
    "output_shape_before",
    "output_shape_after",
    "params_before",
    "params_after",
    "params_delta",
    "trainable_before",
    "trainable_after",
    "trainable_params_before",
    "trainable_params_after",
    "trainable_params_delta",
    "matched_by",
]


SUBCLASSED = (
    "{name} is a subclassed model: its call() is Python code, so kw.diff compares it as one "
    "layer (config, output shape, params, trainable flag), not the layers inside it."
)
UNBUILT = "{name} is not built: output shapes and parameter counts are unknown (?)."


def _notes(before: ModelSnapshot, after: ModelSnapshot) -> list[str]:
    """What this diff cannot see, said once per model."""
    out: list[str] = []
    for snap in (before, after):
        for n in snap.graph["nodes"]:
            if n["kind"] == "model" and not n["group"]:
                out.append(SUBCLASSED.format(name=n["name"]))
        if not snap.graph["model"]["built"]:
            out.append(UNBUILT.format(name=snap.name))
    return list(dict.fromkeys(out))


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _arrow(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return f"{_n(before)} -> {_n(after)}"
    return f"{before:,} -> {after:,} ({after - before:+,})"


# -- HTML ------------------------------------------------------------------------------------
def _pair_html(before: Any, after: Any, change: str) -> str:
    """One cell: the value, or old -> new with <del>/<ins> (kept by GitHub's sanitizer)."""
    if change == "added":
        return esc(_text(after))
    if change == "removed":
        return esc(_text(before))
    if before == after:
        return esc(_text(after))
    return f"<del>{esc(_text(before))}</del> \u2192 <ins>{esc(_text(after))}</ins>"


def _text(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


_WHAT_FIELDS = ("name", "config", "trainable_params", "inputs")


def _trainable_html(r: LayerChange) -> str:
    # None: a layer without weights, whose flag means nothing (kw.summary shows "-" too).
    before = "-" if r.trainable_before is None else r.trainable_before
    after = "-" if r.trainable_after is None else r.trainable_after
    return _pair_html(before, after, r.change)


def _row_html(r: LayerChange) -> str:
    indent = "\u00a0\u00a0" * r.depth
    name = esc(r.name)
    if r.change == "removed":
        name = f"<del>{name}</del>"
    elif r.name_before is not None and r.name_before != r.name:
        name = f"{name} <small>(was {esc(r.name_before)})</small>"
    # Shapes, params and the trainable flag have their own columns.
    what = "<br>".join(esc(line) for line in r.describe(_WHAT_FIELDS, "\u2192"))
    return (
        f'<tr class="kw-diff-{r.change}" data-change="{r.change}">'
        f'<td class="kw-diff-change">{_SYMBOL[r.change]} {r.change}</td>'
        f'<td class="kw-diff-name">{indent}{name}</td>'
        f"<td>{esc(r.class_name)}</td>"
        f"<td>{_pair_html(r.output_shape_before, r.output_shape_after, r.change)}</td>"
        f'<td class="kw-num">{_pair_html(r.params_before, r.params_after, r.change)}</td>'
        f"<td>{_trainable_html(r)}</td>"
        f'<td class="kw-diff-what">{what}</td></tr>'
    )


_HEAD = (
    "<thead><tr><th>Change</th><th>Layer</th><th>Type</th><th>Output shape</th>"
    '<th class="kw-num">Params</th><th>Trainable</th><th>What changed</th></tr></thead>'
)


def _table(rows: list[LayerChange]) -> str:
    body = "".join(_row_html(r) for r in rows[:MAX_HTML_ROWS])
    more = ""
    if len(rows) > MAX_HTML_ROWS:
        more = (
            f'<p class="kw-diff-line">{len(rows) - MAX_HTML_ROWS:,} more rows not shown here: '
            "see .to_dataframe()</p>"
        )
    return f'<table class="kw-diff-table">{_HEAD}<tbody>{body}</tbody></table>{more}'


def render_html(d: ModelDiff) -> str:
    """A static HTML report: summary lines, a table of the changes, the unchanged layers
    folded in a <details>. Meaning is in text (+/-/~ words, <del>/<ins>), not colour."""
    uid = f"kwd-{uuid.uuid4().hex[:8]}"
    changed = [r for r in d.rows if r.change != "same"]
    same = [r for r in d.rows if r.change == "same"]
    lines = "".join(f'<p class="kw-diff-line">{esc(t)}</p>' for t in d.summary_lines())
    lines += "".join(f'<p class="kw-diff-line"><i>note: {esc(t)}</i></p>' for t in d.notes)
    parts = [
        f'<div class="kw-diff" id="{uid}"><style>{_CSS}</style>',
        f'<p class="kw-diff-title"><b>Model diff: {esc(d.before.name)} \u2192 '
        f"{esc(d.after.name)}</b></p>{lines}",
    ]
    if changed:
        parts.append(_table(changed))
    else:
        parts.append('<p class="kw-diff-line">No differences.</p>')
    if same:
        parts.append(
            f"<details><summary>{len(same):,} unchanged layers</summary>{_table(same)}</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def diff(model_a: Any, model_b: Any) -> ModelDiff:
    """What changed from ``model_a`` to ``model_b``: layers added, removed and changed.

    >>> d = kw.diff(model_a, model_b)    # doctest: +SKIP
    >>> d                                # HTML table; str(d) is text
    >>> d.to_dataframe()                 # one row per layer, with a "change" column
    >>> d.graph()                        # merged graph, added/removed/changed marked

    Either side may be a :func:`keras_widgets.snapshot` taken before changing a model in
    place (``before = kw.snapshot(model); base.trainable = True; kw.diff(before, model)``).
    Layers are matched by name, then by structure (see ``keras_widgets._diff._match``).
    """
    return ModelDiff(snapshot(model_a), snapshot(model_b))
