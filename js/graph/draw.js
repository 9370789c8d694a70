// SVG drawing of a computed layout. Every name goes in as textContent; colours are attributes
// (not CSS) so an exported or saved SVG looks the same outside the notebook.
import { GROUP_HEAD, shapeText, subtitle, thousands } from "./layout.js";

export const SVGNS = "http://www.w3.org/2000/svg";
export const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

import { COLORS, STATUS } from "./colors.js";

export { COLORS };

/** Create an SVG element; attributes as strings, children appended (strings become text). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function pathOf(points) {
  if (!points.length) return "";
  let d = `M${points[0].x},${points[0].y}`;
  if (points.length === 2) return d + `L${points[1].x},${points[1].y}`;
  // Smooth through dagre's bend points: quadratic curves to the midpoints.
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const q = points[i + 1];
    const mx = i === points.length - 2 ? q.x : (p.x + q.x) / 2;
    const my = i === points.length - 2 ? q.y : (p.y + q.y) / 2;
    d += `Q${p.x},${p.y} ${mx},${my}`;
  }
  return d;
}

export function tooltip(n) {
  const lines = [n.name, `${n.class_name} (${n.kind})`, "output: " + shapeText(n.output_shape)];
  lines.push("params: " + (n.params === null || n.params === undefined ? "unknown (not built)" : thousands(n.params)));
  if (n.trainable === false) lines.push("frozen (trainable=False)");
  if (n.calls > 1) lines.push(`shared: called ${n.calls} times`);
  if (n.group) lines.push("nested model: double-click to expand or collapse");
  if (n.status && n.status !== "same") lines.push(`diff: ${n.status}`);
  if (n.measures && typeof n.measures === "object") {
    for (const [k, v] of Object.entries(n.measures)) if (typeof v === "number") lines.push(`${k}: ${thousands(v)}`);
  }
  return lines.join("\n");
}

/**
 * Draw `L` (from computeLayout) into a fresh <svg>. Returns {svg, root, nodeEls: Map, edgeEls: []}.
 * `expanded` tells which groups are open (for the +/− toggles); `uid` keeps marker ids unique.
 */
export function drawGraph(L, { expanded, showShapes, uid, colorOf = (n) => COLORS[n.kind] || COLORS.other }) {
  const arrow = `kw-arrow-${uid}`;
  const svg = s("svg", {
    class: "kw-graph-svg",
    xmlns: SVGNS,
    "font-family": FONT,
    "font-size": 12,
  });
  svg.append(
    s("defs", {},
      s("marker", { id: arrow, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        s("path", { d: "M0,0L10,5L0,10z", fill: "#7a7a7a" })))
  );
  const root = s("g", { class: "kw-graph-root" });
  svg.append(root);
  const clusterLayer = s("g", { class: "kw-graph-clusters" });
  const edgeLayer = s("g", { class: "kw-graph-edges" });
  const headLayer = s("g", { class: "kw-graph-cluster-heads" }); // above edges: stays clickable
  const nodeLayer = s("g", { class: "kw-graph-nodes" });
  root.append(clusterLayer, edgeLayer, headLayer, nodeLayer);

  const nodeEls = new Map();
  const clusterEls = new Map();
  for (const c of L.vis.clusters) {
    const b = L.clusters.get(c.id);
    if (!b) continue; // an open group with nothing drawn inside
    const x = b.x - b.width / 2;
    const y = b.y - b.height / 2;
    const [, stroke] = COLORS.model;
    clusterLayer.append(s("rect", { class: "kw-graph-cluster-box", "data-id": c.id, x, y, width: b.width, height: b.height, rx: 8, fill: "rgba(0,137,123,0.06)", stroke, "stroke-dasharray": "5 3", "stroke-width": 1.2 }));
    const g = s("g", { class: "kw-graph-cluster", "data-id": c.id },
      s("title", {}, `${c.name} (${c.class_name}) — click the header to collapse`),
      s("rect", { class: "kw-graph-cluster-head", x, y, width: b.width, height: GROUP_HEAD, rx: 8, fill: "#d7ecea" }),
      s("text", { x: x + 22, y: y + 14, "font-weight": 600, fill: "#00695c" }, `${c.name} (${c.class_name})`),
      toggle(x + 4, y + 3, true));
    headLayer.append(g);
    clusterEls.set(c.id, g);
  }

  const edgeEls = [];
  for (const e of L.edges) {
    const path = s("path", {
      class: "kw-graph-edge",
      d: pathOf(e.points),
      fill: "none",
      stroke: "#9a9a9a",
      "stroke-width": 1.3,
      "marker-end": `url(#${arrow})`,
    }, s("title", {}, `${L.vis.byId.get(e.source).name} → ${L.vis.byId.get(e.target).name}: ${shapeText(e.shape)}${e.count > 1 ? ` (×${e.count})` : ""}`));
    path.dataset.source = e.source;
    path.dataset.target = e.target;
    edgeLayer.append(path);
    edgeEls.push(path);
  }

  for (const n of L.vis.nodes) {
    const b = L.nodes.get(n.id);
    const [fill, stroke] = colorOf(n);
    const x = b.x - b.width / 2;
    const y = b.y - b.height / 2;
    const st = STATUS[n.status];
    const g = s("g", { class: "kw-graph-node", "data-id": n.id, "data-status": st ? n.status : null, transform: `translate(${x},${y})`, opacity: n.status === "same" ? 0.55 : null });
    g.append(s("title", {}, tooltip(n)));
    g.append(s("rect", {
      class: "kw-graph-box",
      width: b.width,
      height: b.height,
      rx: 6,
      fill,
      stroke: n.is_output ? "#263238" : stroke,
      "stroke-width": n.is_output ? 2.4 : 1.3,
      "stroke-dasharray": n.trainable === false ? "4 2" : null,
    }));
    if (n.group) g.append(s("rect", { x: 3, y: 3, width: b.width - 6, height: b.height - 6, rx: 4, fill: "none", stroke, "stroke-width": 0.8 }));
    const left = n.group ? 24 : 10;
    g.append(s("text", { class: "kw-graph-name", x: left, y: 16, "font-weight": 600, "font-size": 12.5, fill: "#1a1a1a" }, n.name));
    g.append(s("text", { x: left, y: 31, "font-size": 11, fill: "#444" }, subtitle(n)));
    if (showShapes) g.append(s("text", { x: left, y: 45, "font-size": 11, fill: "#555", "font-family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" }, shapeText(n.output_shape)));
    if (n.group) g.append(toggle(4, 4, expanded.has(n.id)));
    if (st && st.mark) {
      // A diff mark: a coloured outline and a badge (+ added, − removed, ~ changed).
      g.append(s("rect", { x: -3, y: -3, width: b.width + 6, height: b.height + 6, rx: 8, fill: "none", stroke: st.color, "stroke-width": 2.5, "stroke-dasharray": n.status === "removed" ? "6 3" : null }));
      g.append(s("rect", { x: b.width - 16, y: -8, width: 20, height: 16, rx: 8, fill: st.color }));
      g.append(s("text", { x: b.width - 6, y: 4, "text-anchor": "middle", "font-weight": 700, "font-size": 12, fill: "#ffffff" }, st.mark));
    }
    nodeLayer.append(g);
    nodeEls.set(n.id, g);
  }
  const w = Math.ceil(L.width);
  const h = Math.ceil(L.height);
  // No viewBox on the live SVG: pan and zoom are our own transform (the export adds one).
  return { svg, root, nodeEls, clusterEls, edgeEls, width: w, height: h };
}

function toggle(x, y, open) {
  return s("g", { class: "kw-graph-toggle", transform: `translate(${x},${y})` },
    s("rect", { width: 14, height: 14, rx: 3, fill: "#ffffff", stroke: "#00897b" }),
    s("path", { d: open ? "M3,7H11" : "M3,7H11M7,3V11", stroke: "#00695c", "stroke-width": 1.6 }));
}

/** A standalone SVG document (for export and for the saved-notebook picture). */
export function standaloneSvg(drawn, title) {
  const clone = drawn.svg.cloneNode(true);
  clone.removeAttribute("class");
  clone.removeAttribute("style");
  clone.setAttribute("width", drawn.width);
  clone.setAttribute("height", drawn.height);
  clone.setAttribute("viewBox", `0 0 ${drawn.width} ${drawn.height}`);
  const root = clone.querySelector(".kw-graph-root");
  if (root) root.removeAttribute("transform");
  // Drop interaction state (hover dimming, search marks) from the copy.
  for (const el of clone.querySelectorAll("[class]")) {
    el.setAttribute("class", el.getAttribute("class").split(" ").filter((c) => !/^kw-(in|out|focus|match|current|selected)$/.test(c)).join(" "));
  }
  if (title) clone.insertBefore(s("title", {}, title), clone.firstChild);
  clone.insertBefore(s("rect", { width: "100%", height: "100%", fill: "#ffffff" }), clone.querySelector(".kw-graph-root"));
  return new XMLSerializer().serializeToString(clone);
}
