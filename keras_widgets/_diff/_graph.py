"""The merged graph of a diff: graph data (the format of ``graph_data``) with a ``status`` per
node and edge, and a static SVG with the marks (the widget is in ``_widget``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from keras_widgets._diff._core import MARKS, LayerChange
from keras_widgets._diff._snapshot import ModelSnapshot
from keras_widgets._graph._static import MAX_STATIC_NODES, fallback_svg, visible_graph

# status -> (stroke, label); the same colours as the live view (js/graph/colors.js STATUS).
# The fill stays the layer kind's colour.
STATUS = {
    "added": ("#2e7d32", "added"),
    "removed": ("#c62828", "removed"),
    "changed": ("#ef6c00", "changed"),
    "same": ("#9e9e9e", "same"),
}
_NS = "http://www.w3.org/2000/svg"
LEGEND_H = 30


def _node_ids(rows: list[LayerChange]) -> tuple[dict[str, str], dict[str, str]]:
    """A's and B's node ids -> the diff's node id ("d<row>"): a layer of both models has one
    id in the merged graph and on both sides of the side-by-side view."""
    ids_a: dict[str, str] = {}
    ids_b: dict[str, str] = {}
    for i, row in enumerate(rows):
        if row.id_before is not None:
            ids_a[row.id_before] = f"d{i}"
        if row.id_after is not None:
            ids_b[row.id_after] = f"d{i}"
    return ids_a, ids_b


def merged_data(
    rows: list[LayerChange], a: ModelSnapshot, b: ModelSnapshot, notes: list[str]
) -> tuple[dict, dict[str, Any]]:
    """Graph data of B with A's removed layers and edges put back, every node and edge with a
    ``status``; plus the layer object behind each node id (B's, A's for removed layers)."""
    ids_a, ids_b = _node_ids(rows)
    nodes_a = {n["id"]: n for n in a.graph["nodes"]}
    nodes_b = {n["id"]: n for n in b.graph["nodes"]}
    nodes: list[dict] = []
    objects: dict[str, Any] = {}
    for i, row in enumerate(rows):
        if row.id_after is not None:
            src, ids, objs = nodes_b[row.id_after], ids_b, b.objects
            objects[f"d{i}"] = objs[row.id_after]
        else:
            src, ids, objs = nodes_a[row.id_before], ids_a, a.objects
            objects[f"d{i}"] = objs[row.id_before]
        node = dict(src)
        node["id"] = f"d{i}"
        node["parent"] = None if src["parent"] is None else ids[src["parent"]]
        node["status"] = row.change
        node["changes"] = row.describe()
        node["name_before"] = row.name_before
        node["params_before"] = row.params_before
        nodes.append(node)
    edges: dict[tuple[str, str], dict] = {}
    for e in b.graph["edges"]:
        key = (ids_b[e["source"]], ids_b[e["target"]])
        edges[key] = {"source": key[0], "target": key[1], "shape": e["shape"], "status": "added"}
    for e in a.graph["edges"]:
        key = (ids_a[e["source"]], ids_a[e["target"]])
        if key in edges:
            edges[key]["status"] = "same"
        else:
            edges[key] = {
                "source": key[0],
                "target": key[1],
                "shape": e["shape"],
                "status": "removed",
            }
    changed_groups = _changed_inside({"nodes": nodes})
    children: dict[str, list[str]] = {}
    for n in nodes:
        if n["parent"] is not None:
            children.setdefault(n["parent"], []).append(n["id"])
    groups = [
        {
            "id": n["id"],
            "name": n["name"],
            "parent": n["parent"],
            # Open the nested models where something changed; the rest stay one box.
            "expanded": n["id"] in changed_groups,
            "children": children.get(n["id"], []),
        }
        for n in nodes
        if n["group"]
    ]
    ma, mb = a.graph["model"], b.graph["model"]
    model = {
        **mb,
        "name": _title(ma.get("name"), mb.get("name")),
        "params_before": ma.get("params"),
        "trainable_params_before": ma.get("trainable_params"),
    }
    all_notes = list(notes)
    all_notes += [f"before ({ma.get('name')}): {t}" for t in a.graph["notes"]]
    all_notes += [f"after ({mb.get('name')}): {t}" for t in b.graph["notes"]]
    data = {
        "model": model,
        "nodes": nodes,
        "edges": list(edges.values()),
        "groups": groups,
        "notes": all_notes,
    }
    return data, objects


def side_data(
    rows: list[LayerChange], a: ModelSnapshot, b: ModelSnapshot
) -> tuple[tuple[dict, dict[str, Any]], tuple[dict, dict[str, Any]]]:
    """Graph data of A and of B, each of its own layers, marked as in the merged graph (A's:
    removed / changed / same; B's: added / changed / same), with the layer objects behind
    them. A layer of both models has the same node id on both sides (the merged graph's), so
    a view can select it in both."""
    ids_a, ids_b = _node_ids(rows)
    by_id = {f"d{i}": row for i, row in enumerate(rows)}

    def edges_of(snap: ModelSnapshot, ids: dict[str, str]) -> set[tuple[str, str]]:
        return {(ids[e["source"]], ids[e["target"]]) for e in snap.graph["edges"]}

    def side(snap: ModelSnapshot, ids: dict[str, str], other: set, only: str) -> tuple:
        nodes, objects = [], {}
        for n in snap.graph["nodes"]:
            row = by_id[ids[n["id"]]]
            node = dict(n)
            node["id"] = ids[n["id"]]
            node["parent"] = None if n["parent"] is None else ids[n["parent"]]
            node["status"] = row.change
            node["changes"] = row.describe()
            nodes.append(node)
            objects[node["id"]] = snap.objects[n["id"]]
        edges = [
            {
                "source": ids[e["source"]],
                "target": ids[e["target"]],
                "shape": e["shape"],
                "status": "same" if (ids[e["source"]], ids[e["target"]]) in other else only,
            }
            for e in snap.graph["edges"]
        ]
        opened = _changed_inside({"nodes": nodes})
        groups = [
            {**g, "id": ids[g["id"]], "parent": None if g["parent"] is None else ids[g["parent"]],
             "children": [ids[c] for c in g["children"]], "expanded": ids[g["id"]] in opened}
            for g in snap.graph["groups"]
        ]  # fmt: skip
        data = {
            "model": dict(snap.graph["model"]),
            "nodes": nodes,
            "edges": edges,
            "groups": groups,
            "notes": list(snap.graph["notes"]),
        }
        return data, objects

    return (
        side(a, ids_a, edges_of(b, ids_b), "removed"),
        side(b, ids_b, edges_of(a, ids_a), "added"),
    )


def _title(a: Any, b: Any) -> str:
    return f"{a} (diff)" if a == b else f"{a} → {b}"


def marked_svg(
    data: dict, expanded: set[str] | None = None, show_shapes: bool = True, direction: str = "TB"
) -> str:
    """``kw.graph``'s Python drawing of the merged graph, with every node and edge marked by
    its status: coloured outline, a +/-/~ badge, removed layers struck through and faded, and
    a legend on top. Marks are attributes and text, so they survive sanitizers."""
    expanded = set(expanded or ())
    svg = fallback_svg(data, expanded, show_shapes, direction)
    nodes, edges = visible_graph(data, expanded)
    if len(nodes) > MAX_STATIC_NODES:  # the drawing shows the first ones only (and says so)
        nodes = nodes[:MAX_STATIC_NODES]
        keep = {n["id"] for n in nodes}
        edges = [(s, t) for s, t in edges if s in keep and t in keep]
    ET.register_namespace("", _NS)
    root = ET.fromstring(svg)
    q = f"{{{_NS}}}"
    node_els = [el for el in root.iter(f"{q}g") if "kw-graph-node" in el.get("class", "")]
    if len(node_els) == len(nodes):
        inner = _changed_inside(data)
        for el, node in zip(node_els, nodes, strict=True):
            status = node.get("status", "same")
            # A collapsed nested model shows "changed" when anything inside it changed.
            if status == "same" and node["group"] and node["id"] not in expanded:
                status = "changed" if node["id"] in inner else status
            _mark_node(el, status, q)
    edge_els = [el for el in root.iter(f"{q}path") if el.get("marker-end")]
    if len(edge_els) == len(edges):
        status = _edge_status(data, expanded)
        for el, key in zip(edge_els, edges, strict=True):
            s = status.get(key, "same")
            if s != "same":
                el.set("stroke", STATUS[s][0])
                el.set("stroke-width", "1.8")
                if s == "removed":
                    el.set("stroke-dasharray", "5 3")
    _add_legend(root, data, q)
    return ET.tostring(root, encoding="unicode")


def _changed_inside(data: dict) -> set[str]:
    """Ids of the nested models holding a layer whose status is not "same"."""
    by_id = {n["id"]: n for n in data["nodes"]}
    out: set[str] = set()
    for n in data["nodes"]:
        if n.get("status", "same") != "same":
            parent = n["parent"]
            while parent is not None and parent not in out:
                out.add(parent)
                parent = by_id[parent]["parent"]
    return out


def _edge_status(data: dict, expanded: set[str]) -> dict[tuple[str, str], str]:
    by_id = {n["id"]: n for n in data["nodes"]}

    def shown(nid: str) -> str:
        result, node = nid, by_id[nid]
        while node["parent"] is not None:
            if node["parent"] not in expanded:
                result = node["parent"]
            node = by_id[node["parent"]]
        return result

    seen: dict[tuple[str, str], set[str]] = {}
    for e in data["edges"]:
        key = (shown(e["source"]), shown(e["target"]))
        seen.setdefault(key, set()).add(e.get("status", "same"))
    return {k: (next(iter(v)) if len(v) == 1 else "changed") for k, v in seen.items()}


def _mark_node(g: ET.Element, status: str, q: str) -> None:
    stroke, label = STATUS[status]
    rect = g.find(f"{q}rect")
    title = g.find(f"{q}title")
    if title is not None:
        title.text = f"{label}: {title.text}"
    g.set("data-status", status)
    if rect is None or status == "same":
        return
    rect.set("stroke", stroke)
    rect.set("stroke-width", "2.6")
    width = float(rect.get("width", "110"))
    if status == "removed":
        g.set("opacity", "0.7")
        ET.SubElement(
            g, f"{q}line", x1="8", y1="12", x2=f"{width - 26:.0f}", y2="12", stroke=stroke
        ).set("stroke-width", "1.6")
    # The badge sits on the top edge, right: it never covers the name, however long.
    ET.SubElement(
        g,
        f"{q}rect",
        x=f"{width - 24:.0f}",
        y="-8",
        width="18",
        height="14",
        rx="4",
        fill="#ffffff",
        stroke=stroke,
        attrib={"stroke-width": "1.4"},
    )
    badge = ET.SubElement(
        g, f"{q}text", x=f"{width - 15:.0f}", y="3.5", fill=stroke, attrib={"text-anchor": "middle"}
    )
    badge.set("font-weight", "700")
    badge.set("font-size", "12")
    badge.text = "\u2212" if status == "removed" else MARKS[status]


def _add_legend(root: ET.Element, data: dict, q: str) -> None:
    """Shift the drawing down and write what the marks mean above it."""
    counts: dict[str, int] = {}
    for n in data["nodes"]:
        counts[n.get("status", "same")] = counts.get(n.get("status", "same"), 0) + 1
    body = ET.Element(f"{q}g", transform=f"translate(0,{LEGEND_H})")
    for child in list(root):
        tag = child.tag.removeprefix(q)
        if not (tag in ("title", "defs") or (tag == "rect" and child.get("width") == "100%")):
            root.remove(child)
            body.append(child)
    legend = ET.SubElement(root, f"{q}g", attrib={"class": "kw-diff-legend"})
    x = 12.0
    for status in ("added", "removed", "changed", "same"):
        stroke, label = STATUS[status]
        mark = "\u2212" if status == "removed" else MARKS[status]
        ET.SubElement(
            legend,
            f"{q}rect",
            x=f"{x:.0f}",
            y="8",
            width="14",
            height="14",
            rx="3",
            fill="#ffffff",
            stroke=stroke,
            attrib={"stroke-width": "2"},
        )
        text = ET.SubElement(legend, f"{q}text", x=f"{x + 20:.0f}", y="19", fill="#1a1a1a")
        text.text = f"{mark} {label} ({counts.get(status, 0)})"
        x += 34 + 7 * len(text.text)
    root.append(body)
    width = max(float(root.get("width", "300")), x)
    height = float(root.get("height", "100")) + LEGEND_H
    root.set("width", f"{width:.0f}")
    root.set("height", f"{height:.0f}")
    root.set("viewBox", f"0 0 {width:.0f} {height:.0f}")
