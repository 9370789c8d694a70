"""js/graph/big.js, the worker's layered layout, run in node on big and awkward graphs."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import pytest

from tests._graph_synthetic import residual_graph_data

ROOT = pathlib.Path(__file__).resolve().parents[1]

RUN = """
import { bigLayout } from %s;
import { readFileSync } from "node:fs";
const g = JSON.parse(readFileSync(0, "utf8"));
const n = g.n;
const r = bigLayout({ n, w: Float64Array.from(g.w), h: Float64Array.from(g.h),
  parent: Int32Array.from(g.parent), src: Int32Array.from(g.src), dst: Int32Array.from(g.dst), tb: g.tb });
if (g.brief) {
  console.log(JSON.stringify({ count: r.x.length, y0: r.y[0], yn: r.y[n - 1], height: r.height }));
  process.exit(0);
}
const edges = [];
for (let e = 0; e < g.src.length; e++) edges.push(Array.from(r.pts.slice(2 * r.off[e], 2 * r.off[e + 1])));
console.log(JSON.stringify({ x: Array.from(r.x), y: Array.from(r.y), edges, width: r.width, height: r.height }));
"""


def layout(n, edges, w=None, h=None, parent=None, tb=True, brief=False):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (it builds the front-end too)")
    graph = {
        "n": n,
        "w": w or [120.0] * n,
        "h": h or [40.0] * n,
        "parent": parent or [-1] * n,
        "src": [s for s, _ in edges],
        "dst": [t for _, t in edges],
        "tb": tb,
        "brief": brief,
    }
    script = RUN % json.dumps((ROOT / "js" / "graph" / "big.js").as_uri())
    out = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(graph),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout), graph


def residual_edges(n_layers):
    data = residual_graph_data(n_layers)
    index = {node["id"]: i for i, node in enumerate(data["nodes"])}
    return len(data["nodes"]), [(index[e["source"]], index[e["target"]]) for e in data["edges"]]


def boxes_overlap(r, g):
    boxes = sorted(
        (
            r["x"][i] - g["w"][i] / 2,
            r["y"][i] - g["h"][i] / 2,
            r["x"][i] + g["w"][i] / 2,
            r["y"][i] + g["h"][i] / 2,
        )
        for i in range(g["n"])
    )
    for i, a in enumerate(boxes):  # sweep on x: only boxes starting before a ends can overlap
        for b in boxes[i + 1 :]:
            if b[0] >= a[2]:
                break
            if b[1] < a[3] and a[1] < b[3]:
                return a, b
    return None


@pytest.mark.parametrize("tb", [True, False])
def test_residual_stack_is_layered_without_overlaps(tb):
    n, edges = residual_edges(2_001)
    r, g = layout(n, edges, tb=tb)
    assert boxes_overlap(r, g) is None
    along = r["y"] if tb else r["x"]
    for s, t in edges:  # every edge goes forwards, from the source's side to the target's
        assert along[t] > along[s]
    for (s, t), pts in zip(edges, r["edges"], strict=True):
        start, end = pts[:2], pts[-2:]
        if tb:
            assert start[1] == pytest.approx(r["y"][s] + g["h"][s] / 2)
            assert end[1] == pytest.approx(r["y"][t] - g["h"][t] / 2)
        else:
            assert start[0] == pytest.approx(r["x"][s] + g["w"][s] / 2)
            assert end[0] == pytest.approx(r["x"][t] - g["w"][t] / 2)
    extent = (r["width"], r["height"])
    assert all(0 <= x <= extent[0] for x in r["x"])
    assert all(0 <= y <= extent[1] for y in r["y"])


def test_50k_layers_no_stack_overflow():
    # dagre and elkjs throw "Maximum call stack size exceeded" on such graphs; ours is iterative.
    n, edges = 50_001, []  # the input and 12,500 blocks
    for b in range(1, n - 3, 4):  # input 0, then blocks b..b+3: dense, norm, dense, add
        x = b - 1 if b > 1 else 0
        edges += [(x, b), (b, b + 1), (b + 1, b + 2), (b + 2, b + 3), (x, b + 3)]
    r, _ = layout(n, edges, brief=True)
    assert r["count"] == n
    assert r["yn"] > r["y0"]
    assert r["height"] > n * 40  # every box stacked along the one long path


def test_branches_merges_side_inputs_and_cycles():
    # a -> b, a -> c, b -> d, c -> d, a late extra input e -> d, and a 2-cycle f <-> g
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (4, 3), (5, 6), (6, 5)]
    r, g = layout(7, edges)
    assert boxes_overlap(r, g) is None
    y = r["y"]
    assert y[0] < y[1] == y[2] < y[3]
    assert y[4] == y[1]  # the extra input sits just above its user, not at the top
    assert r["x"][1] != r["x"][2]  # siblings side by side
    assert all(len(pts) >= 4 for pts in r["edges"])  # even the cycle gets drawn
