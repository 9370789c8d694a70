// One shape of layout for every drawing path: typed arrays of box centres and sizes, edges as
// point runs. Made from dagre's result (small graphs) or from the worker's (big graphs).
import { GROUP_HEAD, nodeSize } from "./layout.js";

/** Scene from computeLayout()'s result (dagre). */
export function sceneFromDagre(L) {
  const nodes = L.vis.nodes;
  const n = nodes.length;
  const scene = base(L.vis, n);
  nodes.forEach((node, i) => {
    const b = L.nodes.get(node.id);
    scene.x[i] = b.x;
    scene.y[i] = b.y;
    scene.w[i] = b.width;
    scene.h[i] = b.height;
  });
  const E = L.edges.length;
  scene.esrc = new Int32Array(E);
  scene.edst = new Int32Array(E);
  scene.off = new Int32Array(E + 1);
  const pts = [];
  L.edges.forEach((e, i) => {
    scene.esrc[i] = scene.index.get(e.source);
    scene.edst[i] = scene.index.get(e.target);
    for (const p of e.points) pts.push(p.x, p.y);
    scene.off[i + 1] = pts.length / 2;
  });
  scene.pts = Float64Array.from(pts);
  scene.edges = L.edges;
  scene.clusters = L.vis.clusters.map((c) => ({ node: c, ...L.clusters.get(c.id) }));
  scene.width = L.width;
  scene.height = L.height;
  return scene;
}

function base(vis, n) {
  return {
    vis,
    nodes: vis.nodes,
    ids: vis.nodes.map((v) => v.id),
    index: new Map(vis.nodes.map((v, i) => [v.id, i])),
    x: new Float64Array(n),
    y: new Float64Array(n),
    w: new Float64Array(n),
    h: new Float64Array(n),
  };
}

/** What the worker needs: sizes, parents and edges as typed arrays (transferable). */
export async function workerInput(vis, showShapes, tb, slices) {
  const n = vis.nodes.length;
  const scene = base(vis, n);
  const parent = new Int32Array(n).fill(-1);
  const groupIndex = new Map();
  for (let i = 0; i < n; i++) {
    // Sizing measures three texts a box: in slices, so the page never blocks for long.
    if ((i & 255) === 255 && slices.due) await slices.pause();
    const node = vis.nodes[i];
    const s = nodeSize(node, showShapes);
    scene.w[i] = s.width;
    scene.h[i] = s.height;
    if (node.parent) {
      if (!groupIndex.has(node.parent)) groupIndex.set(node.parent, groupIndex.size);
      parent[i] = groupIndex.get(node.parent);
    }
  }
  const E = vis.edges.length;
  const src = new Int32Array(E);
  const dst = new Int32Array(E);
  vis.edges.forEach((e, i) => {
    src[i] = scene.index.get(e.source);
    dst[i] = scene.index.get(e.target);
  });
  scene.esrc = src;
  scene.edst = dst;
  return { scene, input: { n, w: scene.w.slice(), h: scene.h.slice(), parent, src: src.slice(), dst: dst.slice(), tb } };
}

/** Complete a scene with the worker's result; open groups become boxes around their members. */
export function finishScene(scene, result) {
  scene.x = result.x;
  scene.y = result.y;
  scene.off = result.off;
  scene.pts = result.pts;
  scene.width = result.width;
  scene.height = result.height;
  const byId = scene.vis.byId;
  const boxes = new Map();
  scene.nodes.forEach((node, i) => {
    for (let p = node.parent, depth = 1; p; p = byId.get(p).parent, depth++) {
      const pad = 10;
      const b = boxes.get(p) || { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, depth: 0 };
      b.x0 = Math.min(b.x0, scene.x[i] - scene.w[i] / 2 - pad * depth);
      b.x1 = Math.max(b.x1, scene.x[i] + scene.w[i] / 2 + pad * depth);
      b.y0 = Math.min(b.y0, scene.y[i] - scene.h[i] / 2 - (pad + GROUP_HEAD) * depth);
      b.y1 = Math.max(b.y1, scene.y[i] + scene.h[i] / 2 + pad * depth);
      boxes.set(p, b);
    }
  });
  scene.clusters = scene.vis.clusters
    .filter((c) => boxes.has(c.id))
    .map((c) => {
      const b = boxes.get(c.id);
      return { node: c, x: (b.x0 + b.x1) / 2, y: (b.y0 + b.y1) / 2, width: b.x1 - b.x0, height: b.y1 - b.y0 };
    });
  return scene;
}

/** The {nodes: Map, clusters: Map, edges, width, height, vis} shape that drawGraph (SVG) wants. */
export function svgLayout(scene) {
  if (scene.edges) return { nodes: boxesOf(scene), clusters: clusterMap(scene), edges: scene.edges, width: scene.width, height: scene.height, vis: scene.vis };
  const edges = scene.vis.edges.map((e, i) => {
    const points = [];
    for (let p = scene.off[i]; p < scene.off[i + 1]; p++) points.push({ x: scene.pts[2 * p], y: scene.pts[2 * p + 1] });
    return { ...e, points };
  });
  return { nodes: boxesOf(scene), clusters: clusterMap(scene), edges, width: scene.width, height: scene.height, vis: scene.vis };
}

function boxesOf(scene) {
  const m = new Map();
  scene.ids.forEach((id, i) => m.set(id, { x: scene.x[i], y: scene.y[i], width: scene.w[i], height: scene.h[i] }));
  return m;
}

function clusterMap(scene) {
  return new Map(scene.clusters.map((c) => [c.node.id, { x: c.x, y: c.y, width: c.width, height: c.height }]));
}
