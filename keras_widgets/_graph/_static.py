"""Static pictures of the graph for saved notebooks (GitHub, nbviewer, nbconvert HTML).

Two sources: the SVG the live front-end drew and sent back (checked by :func:`safe_svg`
before it is kept), and, when no front-end ever rendered the widget (a notebook run by
nbclient in CI), :func:`fallback_svg`: a simple layered drawing made here.

Layering for the fallback is a longest-path layering (Kahn's topological generations),
written out below rather than taken from networkx, which is not a dependency.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from keras_widgets._html import esc

# kind -> (fill, stroke); the same palette as js/graph/draw.js
COLORS = {
    "input": ("#e3f2fd", "#1e88e5"),
    "conv": ("#e8f5e9", "#43a047"),
    "dense": ("#fff3e0", "#fb8c00"),
    "recurrent": ("#f3e5f5", "#8e24aa"),
    "attention": ("#fce4ec", "#d81b60"),
    "pooling": ("#e0f7fa", "#00acc1"),
    "normalization": ("#fffde7", "#c0a000"),
    "merge": ("#ffebee", "#e53935"),
    "embedding": ("#e8eaf6", "#3949ab"),
    "activation": ("#f9fbe7", "#9e9d24"),
    "dropout": ("#eceff1", "#78909c"),
    "reshape": ("#efebe9", "#8d6e63"),
    "model": ("#e0f2f1", "#00897b"),
    "op": ("#fafafa", "#9e9e9e"),
    "other": ("#f5f5f5", "#616161"),
}
FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
BOX_H, GAP_X, GAP_Y, MARGIN = 48, 16, 30, 12
BOW_ROOM = 40  # room on the left for edges that skip layers


def format_shape(shape) -> str:
    from keras_widgets._keras_nodes import format_shape as fmt

    return fmt(shape)


def visible_graph(data: dict, expanded: set[str]) -> tuple[list[dict], list[tuple[str, str]]]:
    """Visible nodes (members of collapsed groups fold into the group) and their edges."""
    by_id = {n["id"]: n for n in data["nodes"]}

    def shown(nid: str) -> str:
        result, node = nid, by_id[nid]
        while node["parent"] is not None:
            if node["parent"] not in expanded:
                result = node["parent"]
            node = by_id[node["parent"]]
        return result

    nodes = [
        n
        for n in data["nodes"]
        if shown(n["id"]) == n["id"] and not (n["group"] and n["id"] in expanded)
    ]
    edges: dict[tuple[str, str], None] = {}
    for e in data["edges"]:
        s, t = shown(e["source"]), shown(e["target"])
        if s != t:
            edges[(s, t)] = None
    return nodes, list(edges)


def layers(ids: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Longest-path layering: each node one layer below its deepest input (Kahn's algorithm)."""
    indegree = dict.fromkeys(ids, 0)
    children: dict[str, list[str]] = {i: [] for i in ids}
    for s, t in edges:
        indegree[t] += 1
        children[s].append(t)
    current = [i for i in ids if indegree[i] == 0]
    result = []
    while current:
        result.append(current)
        following = []
        for s in current:
            for t in children[s]:
                indegree[t] -= 1
                if indegree[t] == 0:
                    following.append(t)
        current = following
    return result


def fallback_svg(data: dict, expanded: set[str] | None = None, show_shapes: bool = True) -> str:
    """A layered top-to-bottom SVG of the graph, drawn without a browser."""
    expanded = set(expanded or ())
    nodes, edges = visible_graph(data, expanded)
    by_id = {n["id"]: n for n in nodes}
    rows = layers(list(by_id), edges)
    parents: dict[str, list[str]] = {}
    for s, t in edges:
        parents.setdefault(t, []).append(s)
    width = {nid: _box_width(by_id[nid], show_shapes) for nid in by_id}
    pos: dict[str, tuple[float, float]] = {}  # centre x, top y
    row_widths = [sum(width[i] for i in row) + GAP_X * (len(row) - 1) for row in rows]
    total_w = max(row_widths, default=200) + 2 * MARGIN + 2 * BOW_ROOM
    for depth, row in enumerate(rows):
        # One barycenter pass: keep each node near its inputs to limit crossings.
        row.sort(
            key=lambda i: (
                sum(pos[p][0] for p in parents.get(i, [])) / len(parents[i])
                if parents.get(i)
                else 0.0
            )
        )
        x = (total_w - row_widths[depth]) / 2
        y = MARGIN + depth * (BOX_H + GAP_Y)
        for nid in row:
            pos[nid] = (x + width[nid] / 2, y)
            x += width[nid] + GAP_X
    total_h = MARGIN * 2 + len(rows) * (BOX_H + GAP_Y) - GAP_Y
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="{FONT}" font-size="12">',
        f"<title>Layer graph of {esc(data['model'].get('name', 'model'))}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        '<defs><marker id="kw-arrow-static" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#7a7a7a"/></marker></defs>',
    ]
    depth = {nid: d for d, row in enumerate(rows) for nid in row}
    left_edge = [min(pos[n][0] - width[n] / 2 for n in row) for row in rows]
    for s, t in edges:
        (x1, y1), (x2, y2) = pos[s], pos[t]
        y1 += BOX_H
        if depth[t] - depth[s] < 2:
            mid = (y1 + y2) / 2
            d = f"M{x1:.1f},{y1:.1f}C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"
        else:
            # An edge skipping layers would cross the boxes between: route it down their left.
            bx = min(left_edge[depth[s] + 1 : depth[t]]) - 14
            d = (
                f"M{x1:.1f},{y1:.1f}C{x1:.1f},{y1 + 20:.1f} {bx:.1f},{y1 + 8:.1f} "
                f"{bx:.1f},{y1 + 30:.1f}L{bx:.1f},{y2 - 30:.1f}"
                f"C{bx:.1f},{y2 - 8:.1f} {x2:.1f},{y2 - 20:.1f} {x2:.1f},{y2:.1f}"
            )
        out.append(
            f'<path d="{d}" fill="none" stroke="#9a9a9a" stroke-width="1.3" '
            'marker-end="url(#kw-arrow-static)"/>'
        )
    for nid, n in by_id.items():
        cx, top = pos[nid]
        w = width[nid]
        fill, stroke = COLORS.get(n["kind"], COLORS["other"])
        dash = ' stroke-dasharray="4 2"' if not n["trainable"] else ""
        sw = 2.4 if n["is_output"] else 1.3
        out.append(
            f'<g class="kw-graph-node" transform="translate({cx - w / 2:.1f},{top:.1f})">'
            f"<title>{esc(n['name'])} ({esc(n['class_name'])})</title>"
            f'<rect width="{w:.0f}" height="{BOX_H}" rx="6" fill="{fill}" '
            f'stroke="{"#263238" if n["is_output"] else stroke}" stroke-width="{sw}"{dash}/>'
            f'<text x="10" y="16" font-weight="600" font-size="12.5" fill="#1a1a1a">'
            f"{esc(n['name'])}</text>"
            f'<text x="10" y="30" font-size="11" fill="#444">{esc(_subtitle(n))}</text>'
        )
        if show_shapes:
            out.append(
                f'<text x="10" y="43" font-size="11" fill="#555">'
                f"{esc(format_shape(n['output_shape']))}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _subtitle(n: dict) -> str:
    params = n["params"]
    text = "? params" if params is None else (f"{params:,} params" if params else "")
    return n["class_name"] + (f" · {text}" if text else "")


def _box_width(n: dict, show_shapes: bool) -> float:
    # Rough text widths (no font metrics here): bold 12.5px name, 11px details.
    widths = [len(n["name"]) * 7.6, len(_subtitle(n)) * 6.3]
    if show_shapes:
        widths.append(len(format_shape(n["output_shape"])) * 6.3)
    return min(max(max(widths) + 22, 110), 340)


# -- checking the SVG sent by the front-end ---------------------------------------------------
_TAGS = {"svg", "g", "rect", "path", "text", "tspan", "title", "defs", "marker", "line"}
_SVG_NS = "{http://www.w3.org/2000/svg}"
_BAD_VALUE = re.compile(r"javascript:|data:|url\((?!#kw-arrow-[\w-]+\))", re.IGNORECASE)


def safe_svg(text: str) -> str | None:
    """``text`` if it is an SVG made only of the elements our view draws, else None.

    The view builds its SVG from text nodes, so names are escaped already; this check keeps
    a tampered message from putting scripts, event handlers or links into the saved notebook.
    """
    if not isinstance(text, str) or not text.startswith("<svg") or "<!" in text or "<?" in text:
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for el in root.iter():
        tag = el.tag.removeprefix(_SVG_NS)
        if tag not in _TAGS:
            return None
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local in ("href", "style") or _BAD_VALUE.search(value):
                return None
    return text
