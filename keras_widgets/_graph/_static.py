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
from keras_widgets._walk import KIND_COLORS  # the one palette (summary, graph, picture)

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
        while node.get("parent") is not None:
            if node["parent"] not in expanded:
                result = node["parent"]
            node = by_id[node["parent"]]
        return result

    nodes = [
        n
        for n in data["nodes"]
        if shown(n["id"]) == n["id"] and not (n.get("group") and n["id"] in expanded)
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


MAX_STATIC_NODES = 300  # more boxes make megabytes of HTML that a notebook page must parse


def fallback_svg(
    data: dict,
    expanded: set[str] | None = None,
    show_shapes: bool = True,
    direction: str = "TB",
) -> str:
    """A layered SVG of the graph, drawn without a browser (``direction`` "TB" or "LR").

    Graphs of more than ``MAX_STATIC_NODES`` visible boxes show their first ones and say so.
    """
    expanded = set(expanded or ())
    nodes, edges = visible_graph(data, expanded)
    total = len(nodes)
    if total > MAX_STATIC_NODES:
        nodes = nodes[:MAX_STATIC_NODES]
        keep = {n["id"] for n in nodes}
        edges = [(s, t) for s, t in edges if s in keep and t in keep]
    lr = direction == "LR"
    by_id = {n["id"]: n for n in nodes}
    rows = layers(list(by_id), edges)
    parents: dict[str, list[str]] = {}
    for s, t in edges:
        parents.setdefault(t, []).append(s)
    width = {nid: _box_width(by_id[nid], show_shapes) for nid in by_id}
    # "along" runs from inputs to outputs (y in TB, x in LR); "across" is the other axis.
    size_across = {nid: (width[nid] if not lr else BOX_H) for nid in by_id}
    gap_across = GAP_X if not lr else GAP_X / 2
    row_along = [max((BOX_H if not lr else width[i]) for i in row) for row in rows]
    row_span = [sum(size_across[i] for i in row) + gap_across * (len(row) - 1) for row in rows]
    span = max(row_span, default=200) + 2 * MARGIN + 2 * BOW_ROOM
    pos: dict[str, tuple[float, float]] = {}  # centre across, start along
    along = MARGIN
    starts = []
    for depth, row in enumerate(rows):
        # One barycenter pass: keep each node near its inputs to limit crossings.
        row.sort(
            key=lambda i: (
                sum(pos[p][0] for p in parents.get(i, [])) / len(parents[i])
                if parents.get(i)
                else 0.0
            )
        )
        c = (span - row_span[depth]) / 2
        starts.append(along)
        for nid in row:
            pos[nid] = (c + size_across[nid] / 2, along)
            c += size_across[nid] + gap_across
        along += row_along[depth] + GAP_Y
    length = along - GAP_Y + MARGIN if rows else 2 * MARGIN
    total_w, total_h = (length, span) if lr else (span, length)
    title = f"Layer graph of {data.get('model', {}).get('name', 'model')}"
    if total > MAX_STATIC_NODES:
        title += f" (first {MAX_STATIC_NODES:,} of {total:,} layers)"
    # Compact: attributes shared by every edge or box sit once on their group (inherited
    # presentation attributes, no CSS, so the picture is the same wherever styles are
    # stripped), coordinates are whole pixels and a straight edge is a line ("V" or "H").
    # Every edge keeps its own marker-end (keras_widgets._diff finds edges by it).
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="{FONT}" font-size="12">',
        f"<title>{esc(title)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        '<defs><marker id="kw-arrow-static" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#7a7a7a"/></marker></defs>',
    ]
    if total > MAX_STATIC_NODES:
        out.append(
            f'<text x="{MARGIN}" y="{MARGIN + 10}" font-size="12" fill="#b71c1c">'
            f"first {MAX_STATIC_NODES:,} of {total:,} layers shown</text>"
        )

    def xy(across: float, al: float) -> str:
        return f"{al:.0f},{across:.0f}" if lr else f"{across:.0f},{al:.0f}"

    depth = {nid: d for d, row in enumerate(rows) for nid in row}
    low_side = [min(pos[n][0] - size_across[n] / 2 for n in row) for row in rows]
    out.append('<g fill="none" stroke="#9a9a9a" stroke-width="1.3">')
    for s, t in edges:
        (c1, a1), (c2, a2) = pos[s], pos[t]
        a1 += BOX_H if not lr else width[s]
        if depth[t] - depth[s] < 2:
            if round(c1) == round(c2):
                d = f"M{xy(c1, a1)}{'H' if lr else 'V'}{a2:.0f}"
            else:
                mid = (a1 + a2) / 2
                d = f"M{xy(c1, a1)}C{xy(c1, mid)} {xy(c2, mid)} {xy(c2, a2)}"
        else:
            # An edge skipping layers would cross the boxes between: route it along their side.
            b = min(low_side[depth[s] + 1 : depth[t]]) - 14
            d = (
                f"M{xy(c1, a1)}C{xy(c1, a1 + 20)} {xy(b, a1 + 8)} {xy(b, a1 + 30)}"
                f"L{xy(b, a2 - 30)}C{xy(b, a2 - 8)} {xy(c2, a2 - 20)} {xy(c2, a2)}"
            )
        out.append(f'<path d="{d}" marker-end="url(#kw-arrow-static)"/>')
    out.append('</g><g font-size="11" fill="#444" stroke-width="1.3">')
    for nid, n in by_id.items():
        c, top = pos[nid]
        w = width[nid]
        x, y = (top, c - BOX_H / 2) if lr else (c - w / 2, top)
        fill, stroke = KIND_COLORS.get(n.get("kind"), KIND_COLORS["other"])
        dash = ' stroke-dasharray="4 2"' if not n.get("trainable", True) else ""
        is_output = n.get("is_output", False)
        out_attrs = ' stroke="#263238" stroke-width="2.4"' if is_output else f' stroke="{stroke}"'
        out.append(
            f'<g class="kw-graph-node" transform="translate({x:.0f},{y:.0f})">'
            f"<title>{esc(n['name'])} ({esc(n.get('class_name', ''))})</title>"
            f'<rect width="{w:.0f}" height="{BOX_H}" rx="6" fill="{fill}"{out_attrs}{dash}/>'
            f'<text x="10" y="16" font-weight="600" font-size="12.5" fill="#1a1a1a">'
            f"{esc(n['name'])}</text>"
            f'<text x="10" y="30">{esc(_subtitle(n))}</text>'
        )
        if show_shapes:
            out.append(f'<text x="10" y="43">{esc(format_shape(n.get("output_shape")))}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return "".join(out)


def _subtitle(n: dict) -> str:
    params = n.get("params")
    text = "? params" if params is None else (f"{params:,} params" if params else "")
    return str(n.get("class_name", "")) + (f" · {text}" if text else "")


def _box_width(n: dict, show_shapes: bool) -> float:
    # Rough text widths (no font metrics here): bold 12.5px name, 11px details.
    widths = [len(n["name"]) * 8.0, len(_subtitle(n)) * 6.3]
    if show_shapes:
        widths.append(len(format_shape(n.get("output_shape"))) * 6.3)
    return min(max(max(widths) + 22, 110), 340)


# -- checking the SVG sent by the front-end ---------------------------------------------------
# A strict allow-list: the elements and attributes our view draws, each value matched whole
# against what the view writes. No url() but our own arrow marker, no style, no href, no
# backslash (CSS escapes such as "\75 rl(...)" spell url( without the letters), no entities.
_NUM = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
_NUMS = rf"(?:{_NUM}(?:[ ,]+{_NUM})*)"
_COLOR = r"(?:#[0-9a-fA-F]{3,8}|none|rgba?\(\s*[\d.]+%?\s*(?:,\s*[\d.]+%?\s*){2,3}\))"
_VALUES = {
    "class": r"[\w -]*",
    "id": r"kw-arrow-[\w-]+",
    "data-id": r"[\w-]*",
    "data-source": r"[\w-]*",
    "data-target": r"[\w-]*",
    "data-status": r"added|removed|changed|same",
    "x": _NUM + "%?",
    "y": _NUM + "%?",
    "width": _NUM + "%?",
    "height": _NUM + "%?",
    "rx": _NUM,
    "ry": _NUM,
    "x1": _NUM,
    "y1": _NUM,
    "x2": _NUM,
    "y2": _NUM,
    "refX": _NUM,
    "refY": _NUM,
    "markerWidth": _NUM,
    "markerHeight": _NUM,
    "viewBox": _NUMS,
    "orient": r"auto|auto-start-reverse|" + _NUM,
    "d": r"[MmLlHhVvCcSsQqTtAaZz0-9eE.,\s-]*",
    "transform": rf"(?:\s*(?:translate|scale)\(\s*{_NUMS}\s*\))+",
    "fill": _COLOR,
    "stroke": _COLOR,
    "stroke-width": _NUM,
    "stroke-dasharray": _NUMS + "|none",
    "opacity": _NUM,
    "fill-opacity": _NUM,
    "font-size": _NUM,
    "font-weight": r"\d{3}|bold|normal",
    "font-family": r"[\w ,'-]+",
    "text-anchor": r"start|middle|end",
    "marker-end": r"url\(#kw-arrow-[\w-]+\)",
}
_ALLOWED = {k: re.compile(v) for k, v in _VALUES.items()}
_TAGS = {"svg", "g", "rect", "path", "text", "tspan", "title", "defs", "marker", "line"}
_SVG_NS = "{http://www.w3.org/2000/svg}"


def safe_svg(text: str) -> str | None:
    """``text`` if it is an SVG made only of the elements our view draws, else None.

    The view builds its SVG from text nodes, so names are escaped already; this check keeps
    a tampered message from putting scripts, event handlers, links or any external reference
    (``url(...)`` even CSS-escaped, ``href``, ``style``) into the saved notebook.
    """
    if not isinstance(text, str) or not text.startswith("<svg") or "<!" in text or "<?" in text:
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith(_SVG_NS):
            return None  # another namespace (xhtml, xlink elements) or no namespace
        if el.tag.removeprefix(_SVG_NS) not in _TAGS:
            return None
        for name, value in el.attrib.items():
            if "}" in name or "\\" in value:  # a namespaced attribute (xlink:href, xml:base)
                return None
            pattern = _ALLOWED.get(name)
            if pattern is None or not pattern.fullmatch(value):
                return None
    return text
