// Layout of the visible graph with dagre. Pure functions (no DOM) so node can test and time them.
//
// Speed: dagre's crossing reduction and coordinate assignment grow quickly with the number of
// nodes and of "dummy" nodes that long edges need. Deep CNNs are mostly straight chains
// (conv -> bn -> relu -> ...), so each maximal chain is laid out as ONE tall dagre node and its
// members are stacked inside it afterwards: exact for chains, and EfficientNetB7 drops from
// ~800 nodes to a few hundred, while skip connections span one rank instead of fifteen.
import { graphlib, layout as dagreLayout } from "@dagrejs/dagre";

export const NODE_H = 38;
export const NODE_H_SHAPES = 52;
const RANKSEP = 26;
const CHAIN_GAP = 18; // gap between stacked members of a chain (room for the arrow)
export const GROUP_HEAD = 20;

/** Rough text width in px for 12px sans-serif (no DOM needed; good enough for box sizes). */
const WIDE = new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_mw@%");
const NARROW = new Set("il.,:;|' ()");
const CHAR_W = new Float64Array(128).map((_, c) => (WIDE.has(String.fromCharCode(c)) ? 0.68 : NARROW.has(String.fromCharCode(c)) ? 0.3 : 0.56));
export function textWidth(text, px = 12) {
  // A table lookup per character: sizing 50,000 boxes must stay well under 100 ms.
  const t = String(text);
  let w = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    w += c < 128 ? CHAR_W[c] : 0.56;
  }
  return w * px;
}

/** The node that stands for `id` when some groups are collapsed (itself or a collapsed ancestor). */
export function visibleOf(id, byId, expanded) {
  let shown = id;
  let cur = byId.get(id);
  while (cur && cur.parent) {
    if (!expanded.has(cur.parent)) shown = cur.parent;
    cur = byId.get(cur.parent);
  }
  return shown;
}

/**
 * Visible nodes, clusters (expanded groups) and deduplicated edges for the current expansion state.
 * Edges in the data join leaf nodes; an edge into a collapsed group is drawn to the group's node.
 */
export function visibleGraph(data, expanded, byId = new Map(data.nodes.map((n) => [n.id, n]))) {
  const steps = visibleSteps(data, expanded, byId);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}

/** visibleGraph() in slices (js/shared/slices.js): the page gets a turn when one is due. */
export async function visibleGraphSliced(data, expanded, byId, slices) {
  const steps = visibleSteps(data, expanded, byId);
  let r = steps.next();
  while (!r.done) {
    if (slices.due) await slices.pause();
    r = steps.next();
  }
  return r.value;
}

function* visibleSteps(data, expanded, byId) {
  // Yields every 256 nodes or edges: a place where the caller may pause.
  const nodes = [];
  const clusters = [];
  const flat = !data.groups || data.groups.length === 0;
  let count = 0;
  for (const n of data.nodes) {
    if ((++count & 255) === 0) yield;
    if (!flat && visibleOf(n.id, byId, expanded) !== n.id) continue;
    if (n.group && expanded.has(n.id)) clusters.push(n);
    else nodes.push(n);
  }
  // Deduplicate per source over its few targets: Map keys (strings or big numbers) cost
  // ~100 ms on 60,000 edges.
  let index = flat ? positionCache.get(data) : null;
  if (!index) {
    index = new Map();
    const list = flat ? data.nodes : nodes;
    for (let i = 0; i < list.length; i++) {
      if ((++count & 255) === 0) yield;
      index.set(list[i].id, i);
    }
    if (flat) positionCache.set(data, index); // id -> index in data.nodes, made once per graph
  }
  const seen = new Array(nodes.length);
  const edges = [];
  for (const e of data.edges) {
    if ((++count & 255) === 0) yield;
    const source = flat ? e.source : visibleOf(e.source, byId, expanded);
    const target = flat ? e.target : visibleOf(e.target, byId, expanded);
    if (source === target) continue;
    const si = index.get(source);
    const ti = index.get(target);
    const list = seen[si] || (seen[si] = []);
    let edge = null;
    for (let k = 0; k < list.length; k += 2) if (list[k] === ti) edge = list[k + 1];
    if (edge) edge.count += 1;
    else {
      edge = { source, target, shape: e.shape, count: 1 };
      list.push(ti, edge);
      edges.push(edge);
    }
  }
  return { byId, nodes, clusters, edges };
}

const positionCache = new WeakMap();

/** Size of a node box from its texts. */
export function nodeSize(n, showShapes) {
  const lines = [n.name, subtitle(n), showShapes ? shapeText(n.output_shape) : ""];
  const w = Math.max(...lines.map((t, i) => textWidth(t, i === 0 ? 12.5 : 11)));
  const pad = n.group ? 36 : 22; // group boxes have a +/− toggle on the left
  return { width: Math.min(Math.max(Math.ceil(w) + pad, 110), 340), height: showShapes ? NODE_H_SHAPES : NODE_H };
}

/** 1234567 -> "1,234,567" (toLocaleString costs ~50 µs a call: seconds on 50,000 boxes). */
export function thousands(v) {
  const x = Number(v);
  if (!Number.isInteger(x)) return x.toLocaleString("en-US");
  return String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const subtitles = new WeakMap(); // node -> its subtitle (drawn every frame in canvas mode)
export function subtitle(n) {
  let text = subtitles.get(n);
  if (text === undefined) {
    text = makeSubtitle(n);
    subtitles.set(n, text);
  }
  return text;
}

function makeSubtitle(n) {
  const params = n.params === null || n.params === undefined ? "? params" : n.params ? thousands(n.params) + " params" : "";
  const calls = n.calls > 1 ? ` · ×${n.calls}` : "";
  return n.class_name + (params ? " · " + params : "") + calls;
}

export function shapeText(shape) {
  if (shape === null || shape === undefined) return "?";
  if (Array.isArray(shape) && shape.length && Array.isArray(shape[0])) return shape.map(shapeText).join(", ");
  return "(" + shape.map((d) => (d === null ? "None" : d)).join(", ") + (shape.length === 1 ? ",)" : ")");
}

/** Maximal chains a -> b -> c where each link is the only way out of a and the only way into b. */
export function findChains(nodes, edges, parentOf) {
  const outs = new Map();
  const ins = new Map();
  for (const e of edges) {
    (outs.get(e.source) || outs.set(e.source, []).get(e.source)).push(e.target);
    (ins.get(e.target) || ins.set(e.target, []).get(e.target)).push(e.source);
  }
  const next = (v) => {
    const o = outs.get(v);
    if (!o || o.length !== 1) return null;
    const w = o[0];
    return (ins.get(w) || []).length === 1 && parentOf(w) === parentOf(v) ? w : null;
  };
  const prev = (v) => {
    const i = ins.get(v);
    if (!i || i.length !== 1) return null;
    const u = i[0];
    return next(u) === v ? u : null;
  };
  const chains = [];
  for (const n of nodes) {
    if (prev(n.id) !== null) continue; // not a chain head
    const chain = [n.id];
    for (let v = next(n.id); v !== null; v = next(v)) chain.push(v);
    chains.push(chain);
  }
  return chains;
}

/**
 * Lay out the visible graph. Returns {nodes: Map id -> {x, y, width, height}, clusters: Map,
 * edges: [{source, target, shape, count, points}], width, height}. Coordinates are box centres.
 */
export function computeLayout(data, expanded, { direction = "TB", showShapes = true } = {}, vis = visibleGraph(data, expanded)) {
  const tb = direction !== "LR";
  const size = new Map(vis.nodes.map((n) => [n.id, nodeSize(n, showShapes)]));
  const parentOf = (id) => vis.byId.get(id).parent || null;
  const chains = findChains(vis.nodes, vis.edges, parentOf);
  const chainOf = new Map();
  chains.forEach((chain, i) => chain.forEach((id) => chainOf.set(id, i)));

  const g = new graphlib.Graph({ compound: vis.clusters.length > 0, multigraph: false });
  g.setGraph({
    rankdir: tb ? "TB" : "LR",
    nodesep: 18,
    // dagre puts a cluster's border half a rank above its first member: leave room for the
    // group's header there.
    ranksep: vis.clusters.length ? RANKSEP + GROUP_HEAD * 2 : RANKSEP,
    edgesep: 8,
    marginx: 12,
    marginy: 12,
    // network-simplex gives the tidiest ranks but is slow on deep nets; longest-path is fast and,
    // with chains already packed, looks much the same.
    ranker: vis.nodes.length > 300 ? "longest-path" : "network-simplex",
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of vis.clusters) g.setNode("c:" + c.id, {});
  chains.forEach((chain, i) => {
    // Along the rank axis the chain is the sum of its members; across it, the widest one.
    let along = 0;
    let across = 0;
    for (const id of chain) {
      const s = size.get(id);
      along += tb ? s.height : s.width;
      across = Math.max(across, tb ? s.width : s.height);
    }
    along += CHAIN_GAP * (chain.length - 1);
    g.setNode("k" + i, tb ? { width: across, height: along } : { width: along, height: across });
    const parent = parentOf(chain[0]);
    if (parent) g.setParent("k" + i, "c:" + parent);
  });
  for (const c of vis.clusters) if (c.parent) g.setParent("c:" + c.id, "c:" + c.parent);
  for (const e of vis.edges) {
    const a = "k" + chainOf.get(e.source);
    const b = "k" + chainOf.get(e.target);
    if (a !== b) g.setEdge(a, b);
  }
  const big = vis.nodes.length > 300 && vis.clusters.length === 0;
  dagreLayout(g, big ? { customOrder: dfsOrder } : {});

  // Unpack chains: members stacked along the rank axis inside their chain box.
  const boxes = new Map();
  chains.forEach((chain, i) => {
    const k = g.node("k" + i);
    let cursor = tb ? k.y - k.height / 2 : k.x - k.width / 2;
    for (const id of chain) {
      const s = size.get(id);
      if (tb) {
        boxes.set(id, { x: k.x, y: cursor + s.height / 2, ...s });
        cursor += s.height + CHAIN_GAP;
      } else {
        boxes.set(id, { x: cursor + s.width / 2, y: k.y, ...s });
        cursor += s.width + CHAIN_GAP;
      }
    }
  });
  const clusterBoxes = new Map();
  for (const c of vis.clusters) {
    const n = g.node("c:" + c.id);
    clusterBoxes.set(c.id, { x: n.x, y: n.y, width: n.width, height: n.height });
  }
  const edges = vis.edges.map((e) => {
    const a = chainOf.get(e.source);
    const b = chainOf.get(e.target);
    const s = boxes.get(e.source);
    const t = boxes.get(e.target);
    let points;
    if (a === b) {
      // Inside a chain: a short straight arrow between stacked boxes.
      points = tb
        ? [{ x: s.x, y: s.y + s.height / 2 }, { x: t.x, y: t.y - t.height / 2 }]
        : [{ x: s.x + s.width / 2, y: s.y }, { x: t.x - t.width / 2, y: t.y }];
    } else {
      const ge = g.edge("k" + a, "k" + b);
      points = ge && ge.points ? ge.points.map((p) => ({ x: p.x, y: p.y })) : [];
      // dagre ends edges on the chain box border; snap the ends to the member boxes.
      if (points.length >= 2) {
        points[0] = borderPoint(s, points[1], tb, true);
        points[points.length - 1] = borderPoint(t, points[points.length - 2], tb, false);
      } else points = [{ x: s.x, y: s.y }, { x: t.x, y: t.y }];
    }
    return { ...e, points };
  });
  const graph = g.graph();
  return { nodes: boxes, clusters: clusterBoxes, edges, width: graph.width || 0, height: graph.height || 0, vis };
}

function borderPoint(box, toward, tb, leaving) {
  // Leave from the bottom (TB) / right (LR) side; arrive at the top / left side.
  if (tb) {
    const y = leaving ? box.y + box.height / 2 : box.y - box.height / 2;
    const x = Math.max(box.x - box.width / 2 + 6, Math.min(box.x + box.width / 2 - 6, toward.x));
    return { x: Math.abs(toward.y - y) < 1 ? box.x : x, y };
  }
  const x = leaving ? box.x + box.width / 2 : box.x - box.width / 2;
  const y = Math.max(box.y - box.height / 2 + 6, Math.min(box.y + box.height / 2 - 6, toward.y));
  return { x, y };
}

/**
 * Node order within ranks for big flat graphs: a depth-first walk (dagre's own starting order)
 * without its crossing-reduction sweeps, which cost seconds on ~1,000 nodes plus dummies.
 */
export function dfsOrder(g) {
  const layers = [];
  const seen = new Set();
  const nodes = g.nodes().sort((a, b) => g.node(a).rank - g.node(b).rank);
  for (const start of nodes) {
    const stack = [start];
    while (stack.length) {
      const v = stack.pop();
      if (seen.has(v)) continue;
      seen.add(v);
      const n = g.node(v);
      (layers[n.rank] ||= []).push(v);
      n.order = layers[n.rank].length - 1;
      const succ = g.successors(v) || [];
      for (let i = succ.length - 1; i >= 0; i--) if (!seen.has(succ[i])) stack.push(succ[i]);
    }
  }
}
