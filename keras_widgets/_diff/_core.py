"""The diff of two models as plain data: one :class:`LayerChange` per layer of either model."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from keras_widgets._diff._match import Match, match
from keras_widgets._diff._snapshot import ModelSnapshot, flat_config, is_auto_name
from keras_widgets._keras_nodes import format_shape

CHANGES = ("added", "removed", "changed", "same")
MARKS = {"added": "+", "removed": "-", "changed": "~", "same": "="}


@dataclass(frozen=True)
class LayerChange:
    """One layer of A, of B, or of both (matched), and what differs between them."""

    change: str  # "added", "removed", "changed" or "same"
    name: str  # B's name (A's for a removed layer)
    name_before: str | None  # A's name (None for an added layer)
    class_name: str
    kind: str
    parent: str  # "/"-joined names of the enclosing nested models ("" at the top)
    depth: int
    #: "name" (same name) or "structure" (paired by position/class); None when unmatched
    matched_by: str | None
    #: which fields differ, in a fixed order: name, config, output_shape, params, trainable,
    #: trainable_params, inputs
    what: tuple[str, ...]
    #: (dotted config key, before, after); missing keys are "<absent>"
    config_changes: tuple[tuple[str, Any, Any], ...]
    output_shape_before: str | None
    output_shape_after: str | None
    params_before: int | None
    params_after: int | None
    trainable_before: bool | None
    trainable_after: bool | None
    trainable_params_before: int | None
    trainable_params_after: int | None
    inputs_before: tuple[str, ...]
    inputs_after: tuple[str, ...]
    id_before: str | None  # node ids in the snapshots' graph data
    id_after: str | None

    @property
    def params_delta(self) -> int | None:
        return _delta(self.params_before, self.params_after)

    @property
    def trainable_params_delta(self) -> int | None:
        return _delta(self.trainable_params_before, self.trainable_params_after)

    def describe(self, fields: tuple[str, ...] | None = None, arrow: str = "->") -> list[str]:
        """Short lines saying what changed (``units: 64 -> 128``), for tables and tooltips;
        ``fields`` limits them to some of :attr:`what`."""
        out = []
        for field in self.what:
            if fields is not None and field not in fields:
                continue
            if field == "name":
                out.append(f"name: {self.name_before} {arrow} {self.name}")
            elif field == "config":
                out += [f"{k}: {_v(old)} {arrow} {_v(new)}" for k, old, new in self.config_changes]
            elif field == "output_shape":
                out.append(
                    f"output shape: {self.output_shape_before} {arrow} {self.output_shape_after}"
                )
            elif field == "params":
                out.append(f"params: {_n(self.params_before)} {arrow} {_n(self.params_after)}")
            elif field == "trainable":
                out.append(f"trainable: {self.trainable_before} {arrow} {self.trainable_after}")
            elif field == "trainable_params":
                out.append(
                    f"trainable params: {_n(self.trainable_params_before)} {arrow} "
                    f"{_n(self.trainable_params_after)}"
                )
            elif field == "inputs":
                out.append(
                    f"inputs: {', '.join(self.inputs_before) or '-'} {arrow} "
                    f"{', '.join(self.inputs_after) or '-'}"
                )
        return out


ABSENT = "<absent>"


def _flag(node: dict) -> bool | None:
    """The trainable flag, None for a layer without weights (as in kw.summary): freezing a
    ReLU changes nothing, so it is not reported as a change."""
    return None if node["params"] == 0 else node["trainable"]


def _delta(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _v(value: Any) -> str:
    text = repr(value) if isinstance(value, str) and value != ABSENT else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _config_changes(a: dict, b: dict) -> tuple[tuple[str, Any, Any], ...]:
    fa, fb = flat_config(a), flat_config(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    return tuple(
        (k, fa.get(k, ABSENT), fb.get(k, ABSENT))
        for k in keys
        if fa.get(k, ABSENT) != fb.get(k, ABSENT)
    )


class _Side:
    """Lookups over one snapshot: nodes by id, inputs per node, parent paths."""

    def __init__(self, snap: ModelSnapshot) -> None:
        self.snap = snap
        self.nodes = {n["id"]: n for n in snap.graph["nodes"]}
        self.inputs: dict[str, list[str]] = {}
        for e in snap.graph["edges"]:
            self.inputs.setdefault(e["target"], []).append(e["source"])
        self.children: dict[str | None, list[str]] = {}
        for n in snap.graph["nodes"]:
            self.children.setdefault(n["parent"], []).append(n["id"])

    def path(self, nid: str) -> tuple[str, int]:
        names = []
        node = self.nodes[nid]
        while node["parent"] is not None:
            node = self.nodes[node["parent"]]
            names.append(node["name"])
        return "/".join(reversed(names)), len(names)

    def shape(self, nid: str) -> str:
        return format_shape(self.nodes[nid]["output_shape"])


def compare(a: ModelSnapshot, b: ModelSnapshot) -> tuple[list[LayerChange], list[Match]]:
    """Every layer of A and B once, in a merged order (B's, with removed layers where they
    were), and the matches behind it."""
    matches = match(a, b)
    sa, sb = _Side(a), _Side(b)
    a_to_b = {m.a: m for m in matches}
    b_to_a = {m.b: m for m in matches}
    # After which B node each removed A node goes (its nearest matched predecessor in scope).
    after: dict[tuple[str, str | None], list[str]] = {}
    for parent, ids in sa.children.items():
        if parent is not None and parent not in a_to_b:
            continue  # inside a removed nested model: listed under it
        anchor = ("start", None if parent is None else a_to_b[parent].b)
        for nid in ids:
            if nid in a_to_b:
                anchor = ("after", a_to_b[nid].b)
            else:
                after.setdefault(anchor, []).append(nid)

    rows: list[LayerChange] = []

    def removed_tree(nid: str) -> None:
        rows.append(_removed(sa, nid))
        for child in sa.children.get(nid, []):
            removed_tree(child)

    def walk(parent: str | None) -> None:
        for nid in after.get(("start", parent), []):
            removed_tree(nid)
        for nid in sb.children.get(parent, []):
            m = b_to_a.get(nid)
            rows.append(_added(sb, nid) if m is None else _pair(sa, sb, m, a_to_b))
            walk_group(nid)
            for rid in after.get(("after", nid), []):
                removed_tree(rid)

    def walk_group(nid: str) -> None:
        if sb.nodes[nid]["group"]:
            walk(nid)

    walk(None)
    return rows, matches


def _common(side: _Side, nid: str) -> dict:
    n = side.nodes[nid]
    parent, depth = side.path(nid)
    return {"class_name": n["class_name"], "kind": n["kind"], "parent": parent, "depth": depth}


def _removed(sa: _Side, nid: str) -> LayerChange:
    n = sa.nodes[nid]
    return LayerChange(
        change="removed",
        name=n["name"],
        name_before=n["name"],
        matched_by=None,
        what=(),
        config_changes=(),
        output_shape_before=sa.shape(nid),
        output_shape_after=None,
        params_before=n["params"],
        params_after=None,
        trainable_before=_flag(n),
        trainable_after=None,
        trainable_params_before=sa.snap.trainable_params[nid],
        trainable_params_after=None,
        inputs_before=tuple(sa.nodes[i]["name"] for i in sa.inputs.get(nid, [])),
        inputs_after=(),
        id_before=nid,
        id_after=None,
        **_common(sa, nid),
    )


def _added(sb: _Side, nid: str) -> LayerChange:
    n = sb.nodes[nid]
    return LayerChange(
        change="added",
        name=n["name"],
        name_before=None,
        matched_by=None,
        what=(),
        config_changes=(),
        output_shape_before=None,
        output_shape_after=sb.shape(nid),
        params_before=None,
        params_after=n["params"],
        trainable_before=None,
        trainable_after=_flag(n),
        trainable_params_before=None,
        trainable_params_after=sb.snap.trainable_params[nid],
        inputs_before=(),
        inputs_after=tuple(sb.nodes[i]["name"] for i in sb.inputs.get(nid, [])),
        id_before=None,
        id_after=nid,
        **_common(sb, nid),
    )


def _pair(sa: _Side, sb: _Side, m: Match, a_to_b: dict[str, Match]) -> LayerChange:
    na, nb = sa.nodes[m.a], sb.nodes[m.b]
    what = []
    renamed = na["name"] != nb["name"]
    # Keras makes up names such as dense_3: two builds of one model differ there for nothing.
    if renamed and not (
        is_auto_name(na["name"], na["class_name"]) and is_auto_name(nb["name"], nb["class_name"])
    ):
        what.append("name")
    config_changes = _config_changes(sa.snap.configs[m.a], sb.snap.configs[m.b])
    if config_changes:
        what.append("config")
    shape_a, shape_b = sa.shape(m.a), sb.shape(m.b)
    if shape_a != shape_b:
        what.append("output_shape")
    if na["params"] != nb["params"]:
        what.append("params")
    if _flag(na) != _flag(nb):
        what.append("trainable")
    tp_a, tp_b = sa.snap.trainable_params[m.a], sb.snap.trainable_params[m.b]
    # Trainable params that only follow the params (a wider layer, same trainable share)
    # say nothing new; a different share (frozen, unfrozen) does.
    if tp_a != tp_b and (
        None in (tp_a, tp_b, na["params"], nb["params"])
        or tp_a * nb["params"] != tp_b * na["params"]
    ):
        what.append("trainable_params")
    # Inputs compare by identity (through the matches), not by name.
    ins_a = sa.inputs.get(m.a, [])
    ins_b = sb.inputs.get(m.b, [])
    # In order: Concatenate([a, b]) and Concatenate([b, a]) differ.
    mapped = [a_to_b[i].b if i in a_to_b else ("removed", i) for i in ins_a]
    if mapped != ins_b:
        what.append("inputs")
    return LayerChange(
        change="changed" if what else "same",
        name=nb["name"],
        name_before=na["name"],
        matched_by=m.by,
        what=tuple(what),
        config_changes=config_changes,
        output_shape_before=shape_a,
        output_shape_after=shape_b,
        params_before=na["params"],
        params_after=nb["params"],
        trainable_before=_flag(na),
        trainable_after=_flag(nb),
        trainable_params_before=tp_a,
        trainable_params_after=tp_b,
        inputs_before=tuple(sa.nodes[i]["name"] for i in ins_a),
        inputs_after=tuple(sb.nodes[i]["name"] for i in ins_b),
        id_before=m.a,
        id_after=m.b,
        **_common(sb, m.b),
    )


def counts(rows: list[LayerChange]) -> dict[str, int]:
    c = Counter(r.change for r in rows)
    return {k: c.get(k, 0) for k in CHANGES}
