// kw.graph(model): an interactive layer graph.
// Small graphs (<= DAGRE_MAX visible nodes): dagre on the main thread, SVG (today's look).
// Bigger ones: our layered layout in a Web Worker (big.js), SVG up to SVG_MAX nodes, then a
// canvas with level of detail (canvas.js). A minimap shows where the view is on big drawings.
import { h, fmtInt, fmtShape, listen } from "../shared/dom.js";
import { slicer } from "../shared/slices.js";
import { computeLayout, visibleGraph, visibleGraphSliced, visibleOf } from "./layout.js";
import { drawGraph, standaloneSvg, tooltip } from "./draw.js";
import { COLORS, STATUS, colouring, fmtMeasure, hasStatus, measuresIn } from "./colors.js";
import { bigLayout, layoutWorker } from "./big.js";
import { CanvasView, Minimap } from "./canvas.js";
import { finishScene, sceneFromDagre, svgLayout, workerInput } from "./scene.js";
import { decodeGraph } from "./columns.js";
import "./style.css";

const DAGRE_MAX = 300;
const SVG_MAX = 400; // SVG re-rasterizes every box's text on zoom: past a few hundred, canvas
const WORKER_MIN = 2500; // below this our layout takes < 50 ms: quicker here than a worker's start
const tick = () => new Promise((resolve) => setTimeout(resolve, 0)); // let the page breathe

let viewCounter = 0;
const MAX_STATIC_SVG = 4_000_000; // characters; a saved picture bigger than this is not worth it

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

async function readData(value, slices) {
  // Python sends the graph as one JSON text of columns (js/graph/columns.js).
  const data = await decodeGraph(value, slices);
  data.groups ||= [];
  data.notes ||= [];
  data.model ||= {};
  return data;
}

async function render({ model, el }) {
  const t0 = performance.now();
  const uid = `${Date.now().toString(36)}${viewCounter++}`;
  const slices = slicer(); // big graphs: the page gets a turn every few ms
  const data = await readData(model.get("data"), slices);
  const byId = new Map();
  const outs = new Map();
  const ins = new Map();
  for (let i = 0; i < data.nodes.length; i++) {
    if ((i & 255) === 255 && slices.due) await slices.pause();
    byId.set(data.nodes[i].id, data.nodes[i]);
  }
  for (let i = 0; i < data.edges.length; i++) {
    if ((i & 255) === 255 && slices.due) await slices.pause();
    const e = data.edges[i];
    (outs.get(e.source) || outs.set(e.source, []).get(e.source)).push(e.target);
    (ins.get(e.target) || ins.set(e.target, []).get(e.target)).push(e.source);
  }

  // ---- DOM skeleton ---------------------------------------------------------------------------
  const info = data.model || {};
  const search = h("input", { class: "kw-graph-search", type: "search", placeholder: "Find a layer…", "aria-label": "Find a layer by name" });
  const found = h("span", { class: "kw-graph-found" });
  const dirTB = h("button", { class: "kw-graph-btn kw-graph-dir", "data-dir": "TB", title: "Top to bottom", text: "↓ TB" });
  const dirLR = h("button", { class: "kw-graph-btn kw-graph-dir", "data-dir": "LR", title: "Left to right", text: "→ LR" });
  const shapes = h("input", { type: "checkbox", class: "kw-graph-shapes" });
  const fitBtn = h("button", { class: "kw-graph-btn kw-graph-fit", title: "Fit the whole graph in view", text: "Fit" });
  const zoomIn = h("button", { class: "kw-graph-btn", title: "Zoom in", text: "+" });
  const zoomOut = h("button", { class: "kw-graph-btn", title: "Zoom out", text: "−" });
  const svgBtn = h("button", { class: "kw-graph-btn kw-graph-export-svg", title: "Download the drawing as SVG", text: "SVG" });
  const pngBtn = h("button", { class: "kw-graph-btn kw-graph-export-png", title: "Download the drawing as PNG", text: "PNG" });
  const measures = measuresIn(data.nodes);
  const wanted = model.get("color") || "kind";
  const colorChoices = ["kind", ...measures, ...(wanted === "kind" || measures.includes(wanted) ? [] : [wanted])];
  const colorSelect = h("select", { class: "kw-graph-color", title: "Colour the layers by", "aria-label": "Colour the layers by" },
    colorChoices.map((m) => h("option", { value: m, text: m === "kind" ? "colour: kind" : measures.includes(m) ? `colour: ${m}` : `colour: ${m} (no data)` })));
  const hasGroups = data.groups && data.groups.length > 0;
  const expandAll = hasGroups ? h("button", { class: "kw-graph-btn kw-graph-expand-all", text: "Expand all" }) : null;
  const collapseAll = hasGroups ? h("button", { class: "kw-graph-btn kw-graph-collapse-all", text: "Collapse all" }) : null;
  const title = h("div", { class: "kw-graph-title" },
    h("strong", { text: info.name || "model" }),
    h("span", { class: "kw-graph-sub", text: ` ${info.class_name || ""} · ${data.nodes.length} layers · ${info.params === null || info.params === undefined ? "? params" : fmtInt(info.params) + " params"}` }));
  const toolbar = h("div", { class: "kw-graph-toolbar" },
    title,
    h("div", { class: "kw-graph-tools" },
      search, found,
      h("span", { class: "kw-graph-group" }, dirTB, dirLR),
      h("label", { class: "kw-graph-check", title: "Show output shapes in the boxes" }, shapes, " shapes"),
      colorChoices.length > 1 ? colorSelect : null,
      expandAll, collapseAll,
      h("span", { class: "kw-graph-group" }, zoomOut, zoomIn, fitBtn),
      h("span", { class: "kw-graph-group" }, svgBtn, pngBtn)));
  const notes = h("div", { class: "kw-graph-notes" }, (data.notes || []).map((t) => h("div", { class: "kw-graph-note", text: t })));
  const viewport = h("div", { class: "kw-graph-viewport", tabindex: 0 });
  const panel = h("div", { class: "kw-graph-panel", hidden: true });
  const legend = h("div", { class: "kw-graph-legend" });
  const body = h("div", { class: "kw-graph-body" }, viewport, panel);
  const root = h("div", { class: "kw-graph" }, toolbar, notes, body, legend);
  el.append(root);
  const minimap = new Minimap(body, (wx, wy) => {
    view.x = viewport.clientWidth / 2 - wx * view.k;
    view.y = viewport.clientHeight / 2 - wy * view.k;
    applyView();
  });
  let colors = colouring(data.nodes, "kind");

  function fillLegend() {
    const items = [];
    if (colors.measure) {
      items.push(h("span", { class: "kw-graph-legend-item kw-graph-legend-measure" },
        h("strong", { text: colors.measure }),
        h("span", { text: fmtMeasure(colors.min, colors.measure) }),
        h("span", { class: "kw-graph-ramp", style: { background: `linear-gradient(90deg, ${colors.ramp.join(", ")})` } }),
        h("span", { text: fmtMeasure(colors.max, colors.measure) + " (log scale)" })));
      items.push(h("span", { class: "kw-graph-legend-item" }, h("span", { class: "kw-graph-swatch", style: { background: "#ffffff", borderColor: "#b0b0b0" } }), "no value"));
    } else {
      for (const k of [...new Set(data.nodes.map((n) => n.kind))]) {
        const [fill, stroke] = COLORS[k] || COLORS.other;
        items.push(h("span", { class: "kw-graph-legend-item" }, h("span", { class: "kw-graph-swatch", style: { background: fill, borderColor: stroke } }), k));
      }
    }
    if (hasStatus(data.nodes)) {
      for (const [key, st] of Object.entries(STATUS)) {
        items.push(h("span", { class: "kw-graph-legend-item kw-graph-legend-status", "data-status": key },
          h("span", { class: "kw-graph-badge", style: { background: st.color }, text: st.mark || "=" }), st.label));
      }
    }
    items.push(h("span", { class: "kw-graph-hint", text: "drag to pan · scroll to move · Ctrl+scroll to zoom · click a layer for details" }));
    legend.replaceChildren(...items);
  }

  // ---- state ----------------------------------------------------------------------------------
  let expanded = new Set(model.get("expanded") || []);
  let drawn = null; // SVG mode: drawGraph()'s result
  let cv = null; // canvas mode: the CanvasView
  let scene = null; // the current layout (both modes)
  let view = { k: 1, x: 0, y: 0 };
  let selected = null;
  let matches = [];
  let matchIndex = -1;
  const detailsCache = new Map();
  let sendTimer = null;
  let firstLayout = true;
  let layoutToken = 0;

  function applyView() {
    if (drawn) drawn.root.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    if (cv) cv.setView(view);
    minimap.show(view, viewport.clientWidth || 800, viewport.clientHeight || 500);
  }

  function fit(readable = false) {
    if (!scene) return;
    const W = viewport.clientWidth || 800;
    const H = viewport.clientHeight || 500;
    let k = Math.min(W / (scene.width + 20), H / (scene.height + 20), 1);
    if (readable && k < 0.55) {
      // A huge graph fit to the view is unreadable: start at a readable zoom at its inputs.
      k = Math.min(0.9, W / (scene.width + 20));
      if (model.get("direction") === "LR") {
        k = Math.min(0.9, H / (scene.height + 20));
        view = { k, x: 10, y: (H - scene.height * k) / 2 };
      } else view = { k, x: (W - scene.width * k) / 2, y: 10 };
    } else view = { k, x: (W - scene.width * k) / 2, y: (H - scene.height * k) / 2 };
    applyView();
  }

  let lastKey = null;
  function stateKey() {
    return [model.get("direction"), !!model.get("show_shapes"), [...expanded].sort().join(",")].join("|");
  }

  // ---- layout: dagre here for small graphs, the worker for big ones --------------------------
  let worker = null;
  let workerBroken = false;
  const waiting = new Map(); // request id -> {resolve, input}
  let requestId = 0;

  function startWorker() {
    if (!worker && !workerBroken) {
      try {
        worker = layoutWorker();
        worker.onmessage = (ev) => {
          const job = waiting.get(ev.data.id);
          waiting.delete(ev.data.id);
          if (job) job.resolve(ev.data);
        };
        worker.onerror = (ev) => {
          // A page that forbids blob workers (a strict CSP): lay out here instead.
          ev.preventDefault?.();
          workerBroken = true;
          worker.terminate();
          worker = null;
          for (const [id, job] of waiting) {
            waiting.delete(id);
            job.resolve(bigLayout(job.input));
          }
        };
      } catch {
        workerBroken = true;
      }
    }
  }

  function layoutOffThread(input) {
    if (input.n < WORKER_MIN) return Promise.resolve(bigLayout(input));
    startWorker();
    if (workerBroken) return tick().then(() => bigLayout(input));
    const id = ++requestId;
    return new Promise((resolve) => {
      waiting.set(id, { resolve, input });
      worker.postMessage({ id, input });
    });
  }

  let layoutPromise = Promise.resolve();
  function relayout() {
    layoutPromise = doRelayout();
    return layoutPromise;
  }

  const phases = [];
  const phase = (name) => {
    // Where the time goes (read by benchmarks/graph.py): name@ms since the page started.
    phases.push(`${name}@${performance.now().toFixed(0)}`);
    root.dataset.kwPhases = phases.slice(-12).join(" ");
  };
  phase("render");

  async function doRelayout() {
    const token = ++layoutToken;
    const t = performance.now();
    phase("relayout");
    const direction = model.get("direction") === "LR" ? "LR" : "TB";
    const showShapes = !!model.get("show_shapes");
    lastKey = stateKey();
    highlight(null); // the hovered element is about to be replaced (no pointerleave then)
    dirTB.classList.toggle("kw-active", direction === "TB");
    dirLR.classList.toggle("kw-active", direction === "LR");
    shapes.checked = showShapes;
    const slices = slicer();
    const vis = data.nodes.length > DAGRE_MAX ? await visibleGraphSliced(data, expanded, byId, slices) : visibleGraph(data, expanded, byId);
    if (token !== layoutToken) return;
    let next;
    if (vis.nodes.length <= DAGRE_MAX) next = sceneFromDagre(computeLayout(data, expanded, { direction, showShapes }, vis));
    else {
      root.dataset.kwBusy = "layout";
      if (!scene) viewport.replaceChildren(h("div", { class: "kw-graph-wait", text: `Laying out ${vis.nodes.length.toLocaleString("en-US")} layers…` }));
      // A turn for the page only when this slice is used up (scheduler.yield resumes us
      // before other waiting tasks, such as decoding the static picture below the view).
      if (slices.due) await slices.pause();
      if (token !== layoutToken) return;
      phase("visible");
      const { scene: partial, input } = await workerInput(vis, showShapes, direction !== "LR", slices);
      if (token !== layoutToken) return;
      phase("sized");
      const result = await layoutOffThread(input);
      phase("laid-out");
      if (token !== layoutToken) return;
      if (result.error) {
        viewport.replaceChildren(h("div", { class: "kw-graph-error kw-graph-wait", text: `Layout failed: ${result.error}` }));
        delete root.dataset.kwBusy;
        return;
      }
      if (slices.due) await slices.pause();
      if (token !== layoutToken) return;
      next = finishScene(partial, result);
    }
    phase("scene");
    install(next, showShapes);
    phase("installed");
    const done = () => {
      phase("drawn");
      const ms = performance.now() - (firstLayout ? t0 : t);
      root.dataset.kwLayoutMs = ms.toFixed(1);
      root.dataset.kwNodes = String(scene.ids.length);
      root.dataset.kwMode = cv ? "canvas" : "svg";
      delete root.dataset.kwBusy;
      firstLayout = false;
    };
    // The canvas draws on the next frame: count the first drawing as done after it.
    if (cv) requestAnimationFrame(done);
    else done();
  }

  let minimapWanted = false;
  function install(next, showShapes) {
    scene = next;
    const colorOf = colors.of;
    if (scene.ids.length <= SVG_MAX) {
      cv = null;
      drawn = drawGraph(svgLayout(scene), { expanded, showShapes, uid, colorOf });
      viewport.replaceChildren(drawn.svg);
      wireGraph();
    } else {
      drawn = null;
      cv = new CanvasView(viewport, scene, { showShapes, expanded, colorOf });
    }
    const W = viewport.clientWidth || 800;
    const H = viewport.clientHeight || 500;
    // A minimap only where the whole graph does not fit at a readable zoom.
    const big = scene.width * 0.55 > W || scene.height * 0.55 > H;
    minimapWanted = big;
    const fills = cv ? cv.fill : scene.nodes.map((n) => colorOf(n)[0]);
    // The overview image of a big graph is its own task, after the first drawing.
    if (cv && big) {
      minimap.setScene(null, [], false);
      setTimeout(() => {
        if (scene !== next) return;
        minimap.setScene(scene, cv ? cv.fill : fills, true); // the colours of now
        minimap.show(view, viewport.clientWidth || 800, viewport.clientHeight || 500);
      }, 50);
    } else minimap.setScene(scene, fills, big);
    if (firstLayout) {
      fit(true);
      fittedBlind = !viewport.clientWidth;
    } else applyView();
    markMatches();
    if (selected) markSelected();
    scheduleSnapshot();
  }

  function recolor() {
    colors = colouring(data.nodes, model.get("color") || "kind");
    colorSelect.value = model.get("color") || "kind";
    fillLegend();
    if (!scene) return;
    if (cv) cv.recolor(colors.of);
    else install(scene, !!model.get("show_shapes"));
    minimap.setScene(scene, scene.nodes.map((n) => colors.of(n)[0]), minimapWanted);
    minimap.show(view, viewport.clientWidth || 800, viewport.clientHeight || 500);
  }

  function scheduleSnapshot() {
    // Send the drawing back so Python keeps it as the saved notebook's static picture. Canvas
    // drawings are too big for that: Python draws its own (bounded) picture then.
    clearTimeout(sendTimer);
    if (!drawn) return;
    sendTimer = setTimeout(() => {
      if (!drawn) return;
      const svg = standaloneSvg(drawn, `Layer graph of ${info.name || "model"}`);
      if (svg.length <= MAX_STATIC_SVG) model.send({ type: "svg", svg });
    }, 400);
  }

  // ---- hover, click, groups -------------------------------------------------------------------
  function wireGraph() {
    for (const [id, g] of drawn.nodeEls) {
      g.addEventListener("pointerenter", () => highlight(id));
      g.addEventListener("pointerleave", () => highlight(null));
      const toggleEl = g.querySelector(".kw-graph-toggle");
      if (toggleEl) toggleEl.addEventListener("click", (ev) => { ev.stopPropagation(); setExpanded(id, true); });
      g.addEventListener("dblclick", (ev) => { ev.stopPropagation(); if (byId.get(id).group) setExpanded(id, !expanded.has(id)); });
    }
    for (const [id, g] of drawn.clusterEls) {
      g.querySelector(".kw-graph-toggle").addEventListener("click", (ev) => { ev.stopPropagation(); setExpanded(id, false); });
      g.querySelector(".kw-graph-cluster-head").addEventListener("click", (ev) => { ev.stopPropagation(); setExpanded(id, false); });
    }
  }

  function visibleNeighbours(id, map) {
    // Neighbours in the drawing: members of a collapsed group count as the group.
    const members = byId.get(id).group ? data.nodes.filter((n) => n.id === id || isInside(n.id, id)).map((n) => n.id) : [id];
    const out = new Set();
    for (const m of members) for (const o of map.get(m) || []) {
      const v = visibleOf(o, byId, expanded);
      if (v !== id) out.add(v);
    }
    return out;
  }

  function isInside(nodeId, groupId) {
    for (let p = byId.get(nodeId).parent; p; p = byId.get(p).parent) if (p === groupId) return true;
    return false;
  }

  let hovered = null;
  function highlight(id) {
    if (cv) {
      if (id === hovered) return;
      hovered = id;
      if (id === null) cv.hover = null;
      else {
        const i = scene.index.get(id);
        const edgesIn = new Set();
        const edgesOut = new Set();
        for (let e = 0; e < scene.esrc.length; e++) {
          if (scene.edst[e] === i) edgesIn.add(e);
          else if (scene.esrc[e] === i) edgesOut.add(e);
        }
        cv.hover = { focus: id, ins: visibleNeighbours(id, ins), outs: visibleNeighbours(id, outs), edgesIn, edgesOut };
      }
      viewport.title = id === null ? "" : tooltip(byId.get(id));
      cv.request();
      return;
    }
    hovered = id;
    root.classList.toggle("kw-hovering", id !== null);
    for (const g of root.querySelectorAll(".kw-in, .kw-out, .kw-focus")) g.classList.remove("kw-in", "kw-out", "kw-focus");
    if (id === null || !drawn) return;
    const srcs = visibleNeighbours(id, ins);
    const dsts = visibleNeighbours(id, outs);
    drawn.nodeEls.get(id)?.classList.add("kw-focus");
    for (const s of srcs) drawn.nodeEls.get(s)?.classList.add("kw-in");
    for (const d of dsts) drawn.nodeEls.get(d)?.classList.add("kw-out");
    for (const e of drawn.edgeEls) {
      if (e.dataset.target === id) e.classList.add("kw-in");
      else if (e.dataset.source === id) e.classList.add("kw-out");
    }
  }

  function setExpanded(id, open) {
    if (open) expanded.add(id);
    else {
      expanded.delete(id);
      for (const g of data.groups) if (isInside(g.id, id)) expanded.delete(g.id);
    }
    model.set("expanded", [...expanded]);
    model.save_changes();
    if (stateKey() !== lastKey) relayout();
  }

  function setAll(open) {
    expanded = new Set(open ? data.groups.map((g) => g.id) : []);
    model.set("expanded", [...expanded]);
    model.save_changes();
    if (stateKey() !== lastKey) relayout();
  }

  // ---- details panel --------------------------------------------------------------------------
  function markSelected() {
    for (const g of root.querySelectorAll(".kw-selected")) g.classList.remove("kw-selected");
    if (drawn && selected) drawn.nodeEls.get(selected)?.classList.add("kw-selected");
    if (cv) {
      cv.selected = selected;
      cv.request();
    }
  }

  function select(id, fromModel = false) {
    selected = id;
    if (!fromModel && (model.get("selected") || null) !== id) {
      // Python (and a linked view: kw.diff's side by side) sees the selection.
      model.set("selected", id || "");
      model.save_changes();
    }
    markSelected();
    if (id === null) { panel.hidden = true; return; }
    fillPanel(id);
    panel.hidden = false;
    if (!detailsCache.has(id)) model.send({ type: "details", id });
  }

  function row(label, value) {
    return h("tr", {}, h("th", { text: label }), h("td", { text: value }));
  }

  function nameList(ids) {
    if (!ids.length) return h("span", { class: "kw-graph-muted", text: "—" });
    return h("span", {}, ids.map((nid) => h("button", { class: "kw-graph-link", text: byId.get(nid).name, onclick: () => goTo(nid) })));
  }

  function fillPanel(id) {
    const n = byId.get(id);
    const d = detailsCache.get(id);
    const parts = [
      h("div", { class: "kw-graph-panel-head" },
        h("strong", { class: "kw-graph-panel-name", text: n.name }),
        h("button", { class: "kw-graph-btn kw-graph-close", title: "Close", text: "×", onclick: () => select(null) })),
      h("table", { class: "kw-graph-props" },
        row("type", n.class_name),
        row("kind", n.kind),
        row("output", fmtShape(n.output_shape)),
        row("params", n.params === null || n.params === undefined ? "unknown (not built)" : fmtInt(n.params)),
        row("trainable", n.trainable ? "yes" : "no (frozen)"),
        n.activation ? row("activation", n.activation) : null,
        n.calls > 1 ? row("calls", `${n.calls} (shared layer)`) : null),
      h("div", { class: "kw-graph-panel-sec" }, h("span", { text: "inputs: " }), nameList([...new Set(ins.get(id) || [])])),
      h("div", { class: "kw-graph-panel-sec" }, h("span", { text: "outputs: " }), nameList([...new Set(outs.get(id) || [])])),
    ];
    if (n.group) parts.push(h("button", { class: "kw-graph-btn kw-graph-panel-toggle", text: expanded.has(id) ? "Collapse" : "Expand", onclick: () => { setExpanded(id, !expanded.has(id)); fillPanel(id); } }));
    if (!d) parts.push(h("div", { class: "kw-graph-muted", text: "Loading details…" }));
    else if (d.error) parts.push(h("div", { class: "kw-graph-error", text: d.error }));
    else {
      parts.push(h("h4", { text: `Weights (${d.weights.length})` }));
      if (d.weights.length) parts.push(h("table", { class: "kw-graph-weights" },
        h("tr", {}, ["name", "shape", "dtype", "count", "trainable"].map((t) => h("th", { text: t }))),
        d.weights.map((w) => h("tr", {},
          h("td", { text: w.name }), h("td", { text: fmtShape(w.shape) }), h("td", { text: w.dtype }),
          h("td", { class: "kw-num", text: fmtInt(w.count) }), h("td", { text: w.trainable ? "yes" : "no" })))));
      parts.push(h("h4", { text: "Config" }));
      parts.push(h("table", { class: "kw-graph-config" },
        Object.entries(d.config || {}).map(([k, v]) => row(k, typeof v === "string" ? v : JSON.stringify(v)))));
      if (d.layers) parts.push(h("h4", { text: `Layers (${d.layers.length})` }), h("div", { class: "kw-graph-muted", text: d.layers.join(", ") }));
    }
    panel.replaceChildren(...parts.filter(Boolean));
  }

  async function goTo(id, fromModel = false) {
    // Open the groups hiding `id`, then centre it and select it.
    let opened = false;
    for (let p = byId.get(id).parent; p; p = byId.get(p).parent) if (!expanded.has(p)) { expanded.add(p); opened = true; }
    if (opened) { model.set("expanded", [...expanded]); model.save_changes(); if (stateKey() !== lastKey) relayout(); }
    await layoutPromise;
    const i = scene ? scene.index.get(id) : undefined;
    if (i !== undefined) {
      const W = viewport.clientWidth || 800;
      const H = viewport.clientHeight || 500;
      view.k = Math.max(view.k, 0.8);
      view.x = W / 2 - scene.x[i] * view.k;
      view.y = H / 2 - scene.y[i] * view.k;
      applyView();
    }
    select(id, fromModel);
  }

  function onSelected() {
    // Set from elsewhere (Python, a linked view): a node this graph lacks clears it here only.
    const id = model.get("selected") || null;
    if (id === selected) return;
    if (id !== null && byId.has(id)) goTo(id, true);
    else select(null, true);
  }

  // ---- search ---------------------------------------------------------------------------------
  function markMatches() {
    if (cv) {
      cv.matches = new Set(matches);
      cv.current = matchIndex >= 0 ? matches[matchIndex] : null;
      cv.request();
    }
    if (!drawn) return;
    for (const g of root.querySelectorAll(".kw-match, .kw-current")) g.classList.remove("kw-match", "kw-current");
    for (const id of matches) drawn.nodeEls.get(id)?.classList.add("kw-match");
    if (matchIndex >= 0) drawn.nodeEls.get(matches[matchIndex])?.classList.add("kw-current");
  }

  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    matches = q ? data.nodes.filter((n) => n.name.toLowerCase().includes(q) || n.class_name.toLowerCase() === q).map((n) => n.id) : [];
    matchIndex = -1;
    found.textContent = q ? `${matches.length} found` : "";
    markMatches();
  });
  search.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || !matches.length) return;
    matchIndex = (matchIndex + (ev.shiftKey ? matches.length - 1 : 1)) % matches.length;
    found.textContent = `${matchIndex + 1} / ${matches.length}`;
    goTo(matches[matchIndex]);
    markMatches();
  });

  // ---- pan and zoom ---------------------------------------------------------------------------
  let drag = null;
  viewport.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false, target: ev.target };
  });
  window.addEventListener("pointermove", onMove);
  window.addEventListener("pointerup", onUp);
  let hoverFrame = 0;
  viewport.addEventListener("pointermove", (ev) => {
    // Canvas mode: what is under the pointer, at most once a frame.
    if (!cv || drag) return;
    const { clientX, clientY } = ev;
    cancelAnimationFrame(hoverFrame);
    hoverFrame = requestAnimationFrame(() => {
      if (!cv) return;
      const r = viewport.getBoundingClientRect();
      const hit = cv.hit(clientX - r.left, clientY - r.top);
      highlight(hit && hit.type !== "cluster" ? hit.id : null);
      viewport.style.cursor = hit ? "pointer" : "";
    });
  });
  viewport.addEventListener("pointerleave", () => cv && highlight(null));
  viewport.addEventListener("dblclick", (ev) => {
    if (!cv) return;
    const r = viewport.getBoundingClientRect();
    const hit = cv.hit(ev.clientX - r.left, ev.clientY - r.top);
    if (hit && hit.type === "node" && byId.get(hit.id).group) setExpanded(hit.id, !expanded.has(hit.id));
  });
  function onMove(ev) {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    drag.moved = true;
    viewport.classList.add("kw-dragging");
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    applyView();
  }
  function onUp(ev) {
    if (!drag) return;
    const { moved, target } = drag;
    drag = null;
    viewport.classList.remove("kw-dragging");
    if (moved) return;
    if (cv) {
      const r = viewport.getBoundingClientRect();
      const hit = cv.hit(ev.clientX - r.left, ev.clientY - r.top);
      if (!hit) return;
      if (hit.type === "node") select(hit.id);
      else setExpanded(hit.id, hit.type === "toggle" ? !expanded.has(hit.id) : false);
      return;
    }
    const nodeEl = target.closest && target.closest(".kw-graph-node");
    if (nodeEl && !target.closest(".kw-graph-toggle")) select(nodeEl.dataset.id);
  }
  function zoomAt(factor, cx, cy) {
    const k = Math.min(4, Math.max(0.02, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    applyView();
  }
  viewport.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    if (ev.ctrlKey || ev.metaKey) {
      const r = viewport.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * 0.002), ev.clientX - r.left, ev.clientY - r.top);
    } else {
      view.x -= ev.deltaX;
      view.y -= ev.deltaY;
      applyView();
    }
  }, { passive: false });
  zoomIn.addEventListener("click", () => zoomAt(1.25, viewport.clientWidth / 2, viewport.clientHeight / 2));
  zoomOut.addEventListener("click", () => zoomAt(0.8, viewport.clientWidth / 2, viewport.clientHeight / 2));
  fitBtn.addEventListener("click", () => fit(false));
  viewport.addEventListener("keydown", (ev) => { if (ev.key === "Escape") select(null); });

  // ---- toolbar --------------------------------------------------------------------------------
  for (const b of [dirTB, dirLR]) b.addEventListener("click", () => {
    firstLayout = true; // a new direction: fit the view again
    model.set("direction", b.dataset.dir);
    model.save_changes();
    if (stateKey() !== lastKey) relayout();
  });
  shapes.addEventListener("change", () => { model.set("show_shapes", shapes.checked); model.save_changes(); if (stateKey() !== lastKey) relayout(); });
  if (expandAll) expandAll.addEventListener("click", () => setAll(true));
  if (collapseAll) collapseAll.addEventListener("click", () => setAll(false));
  colorSelect.addEventListener("change", () => {
    model.set("color", colorSelect.value);
    model.save_changes();
    recolor();
  });
  function svgDrawing() {
    // Canvas mode: the SVG is made on request only (it can be large).
    return drawn || drawGraph(svgLayout(scene), { expanded, showShapes: !!model.get("show_shapes"), uid, colorOf: colors.of });
  }
  svgBtn.addEventListener("click", () => {
    if (!scene) return;
    download(`${info.name || "model"}.svg`, new Blob([standaloneSvg(svgDrawing(), info.name)], { type: "image/svg+xml" }));
  });
  pngBtn.addEventListener("click", () => {
    if (!scene) return;
    if (cv) {
      cv.toPNG((blob) => blob && download(`${info.name || "model"}.png`, blob));
      return;
    }
    const text = standaloneSvg(drawn, info.name);
    const img = new Image();
    const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    img.onload = () => {
      // Canvas size is capped by browsers (~16k px a side, ~100M px): scale big graphs down.
      const scale = Math.min(2, 16000 / Math.max(drawn.width, drawn.height), Math.sqrt(60e6 / (drawn.width * drawn.height)));
      const canvas = h("canvas", { width: Math.ceil(drawn.width * scale), height: Math.ceil(drawn.height * scale) });
      const ctx = canvas.getContext("2d");
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => blob && download(`${info.name || "model"}.png`, blob), "image/png");
    };
    img.src = url;
  });

  // ---- Python -> view -------------------------------------------------------------------------
  function onMsg(msg) {
    if (!msg || msg.type !== "details") return;
    detailsCache.set(msg.id, msg.details || { error: "no details" });
    if (selected === msg.id) fillPanel(msg.id);
  }
  function onExternal() {
    // Our own model.set() calls land here too: only lay out again if something changed.
    expanded = new Set(model.get("expanded") || []);
    if (stateKey() !== lastKey) relayout();
  }
  const off = listen(model, {
    "msg:custom": onMsg,
    "change:direction": onExternal,
    "change:show_shapes": onExternal,
    "change:expanded": onExternal,
    "change:color": () => recolor(),
    "change:selected": onSelected,
  });

  // Hidden at first (e.g. in a closed tab): fit again once the view gets a size.
  let fittedBlind = false;
  const resize = new ResizeObserver(() => {
    if (cv) cv.resize();
    if (fittedBlind && viewport.clientWidth) { fittedBlind = false; fit(true); }
    else if (scene) minimap.show(view, viewport.clientWidth || 800, viewport.clientHeight || 500);
  });
  resize.observe(viewport);

  // The output area may not have its final width yet; lay out on the next frame.
  colors = colouring(data.nodes, model.get("color") || "kind");
  colorSelect.value = model.get("color") || "kind";
  fillLegend();
  if (data.nodes.length >= WORKER_MIN) startWorker(); // it boots while the page settles
  requestAnimationFrame(() => relayout().then(() => model.get("selected") && onSelected()));

  return () => {
    clearTimeout(sendTimer);
    layoutToken++;
    if (worker) worker.terminate();
    resize.disconnect();
    window.removeEventListener("pointermove", onMove);
    window.removeEventListener("pointerup", onUp);
    off();
  };
}

export default { render };
