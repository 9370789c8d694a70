// Canvas drawing for big graphs, with level of detail: only what is in view is drawn; names,
// arrows and round corners only when they are big enough on screen to read. Text goes through
// fillText, so names are never markup. Also the minimap (any mode).
import { h } from "../shared/dom.js";
import { FONT } from "./draw.js";
import { STATUS } from "./colors.js";
import { GROUP_HEAD, shapeText, subtitle } from "./layout.js";

const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

/** Edge bounding boxes (minx, miny, maxx, maxy per edge) for culling. */
function edgeBoxes(scene) {
  const E = scene.esrc.length;
  const box = new Float64Array(4 * E);
  for (let e = 0; e < E; e++) {
    let a = Infinity;
    let b = Infinity;
    let c = -Infinity;
    let d = -Infinity;
    for (let p = scene.off[e]; p < scene.off[e + 1]; p++) {
      const x = scene.pts[2 * p];
      const y = scene.pts[2 * p + 1];
      if (x < a) a = x;
      if (y < b) b = y;
      if (x > c) c = x;
      if (y > d) d = y;
    }
    box.set([a, b, c, d], 4 * e);
  }
  return box;
}

export class CanvasView {
  constructor(viewport, scene, { showShapes, expanded, colorOf }) {
    this.viewport = viewport;
    this.scene = scene;
    this.showShapes = showShapes;
    this.expanded = expanded;
    this.canvas = h("canvas", { class: "kw-graph-canvas" });
    this.ctx = this.canvas.getContext("2d");
    this.view = { k: 1, x: 0, y: 0 };
    this.hover = null; // {focus, ins: Set, outs: Set, edges: Set of edge indices}
    this.selected = null;
    this.matches = new Set();
    this.current = null;
    this.frames = 0;
    this.ebox = edgeBoxes(scene);
    this.recolor(colorOf);
    viewport.replaceChildren(this.canvas);
    this.resize();
  }

  recolor(colorOf) {
    const { nodes } = this.scene;
    this.fill = new Array(nodes.length);
    this.stroke = new Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) [this.fill[i], this.stroke[i]] = colorOf(nodes[i]);
    this.request();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    this.W = this.viewport.clientWidth || 800;
    this.H = this.viewport.clientHeight || 500;
    this.canvas.width = Math.round(this.W * dpr);
    this.canvas.height = Math.round(this.H * dpr);
    this.canvas.style.width = this.W + "px";
    this.canvas.style.height = this.H + "px";
    this.dpr = dpr;
    this.request();
  }

  setView(view) {
    this.view = { ...view };
    this.request();
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const t = performance.now();
      this.draw();
      // Our share of each frame, for benchmarks/graph.py (the rest is the browser's).
      this.drawMs = 0.9 * (this.drawMs ?? 0) + 0.1 * (performance.now() - t);
      this.viewport.dataset.kwDrawMs = this.drawMs.toFixed(2);
    });
  }

  /** Draw into `ctx` (default: the on-screen canvas) for `view` over a W x H pixel area. */
  draw(ctx = this.ctx, view = this.view, W = this.W, H = this.H, dpr = this.dpr, background = null) {
    const S = this.scene;
    const { k } = view;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    if (background) {
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, W, H);
    }
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * view.x, dpr * view.y);
    const x0 = -view.x / k;
    const y0 = -view.y / k;
    const x1 = (W - view.x) / k;
    const y1 = (H - view.y) / k;
    const n = S.ids.length;
    const visible = [];
    for (let i = 0; i < n; i++) {
      const hw = S.w[i] / 2;
      const hh = S.h[i] / 2;
      if (S.x[i] + hw >= x0 && S.x[i] - hw <= x1 && S.y[i] + hh >= y0 && S.y[i] - hh <= y1) visible.push(i);
    }
    const boxPx = 40 * k; // a box's height on screen
    const cheap = boxPx < 6 || visible.length > 4000;
    const hov = this.hover;

    // clusters (open nested models) under everything
    for (const c of S.clusters) {
      if (c.x + c.width / 2 < x0 || c.x - c.width / 2 > x1 || c.y + c.height / 2 < y0 || c.y - c.height / 2 > y1) continue;
      const left = c.x - c.width / 2;
      const top = c.y - c.height / 2;
      ctx.fillStyle = "rgba(0,137,123,0.06)";
      ctx.strokeStyle = "#00897b";
      ctx.lineWidth = 1.2;
      ctx.setLineDash(cheap ? [] : [5, 3]);
      ctx.beginPath();
      ctx.rect(left, top, c.width, c.height);
      ctx.fill();
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#d7ecea";
      ctx.fillRect(left, top, c.width, GROUP_HEAD);
      if (!cheap && k >= 0.45) {
        ctx.fillStyle = "#00695c";
        ctx.font = `600 12px ${FONT}`;
        ctx.fillText(`${c.node.name} (${c.node.class_name})`, left + 22, top + 14);
        toggleBox(ctx, left + 4, top + 3, true);
      }
    }

    // edges
    const E = S.esrc.length;
    const eb = this.ebox;
    ctx.lineWidth = cheap ? 1 / k : 1.3;
    const arrows = !cheap && k >= 0.3;
    const drawEdges = (filter, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      const heads = [];
      for (let e = 0; e < E; e++) {
        if (eb[4 * e + 2] < x0 || eb[4 * e] > x1 || eb[4 * e + 3] < y0 || eb[4 * e + 1] > y1) continue;
        if (!filter(e)) continue;
        const a = S.off[e];
        const b = S.off[e + 1];
        if (b - a < 2) continue;
        ctx.moveTo(S.pts[2 * a], S.pts[2 * a + 1]);
        if (cheap || b - a === 2) for (let p = a + 1; p < b; p++) ctx.lineTo(S.pts[2 * p], S.pts[2 * p + 1]);
        else {
          // quadratic curves through the bend points, as in the SVG drawing
          for (let p = a + 1; p < b - 1; p++) {
            const last = p === b - 2;
            const mx = last ? S.pts[2 * (p + 1)] : (S.pts[2 * p] + S.pts[2 * (p + 1)]) / 2;
            const my = last ? S.pts[2 * (p + 1) + 1] : (S.pts[2 * p + 1] + S.pts[2 * (p + 1) + 1]) / 2;
            ctx.quadraticCurveTo(S.pts[2 * p], S.pts[2 * p + 1], mx, my);
          }
        }
        if (arrows) heads.push(e);
      }
      ctx.stroke();
      if (heads.length) {
        ctx.fillStyle = color;
        ctx.beginPath();
        for (const e of heads) {
          const b = S.off[e + 1] - 1;
          const tx = S.pts[2 * b];
          const ty = S.pts[2 * b + 1];
          let dx = tx - S.pts[2 * (b - 1)];
          let dy = ty - S.pts[2 * (b - 1) + 1];
          const len = Math.hypot(dx, dy) || 1;
          dx /= len;
          dy /= len;
          ctx.moveTo(tx, ty);
          ctx.lineTo(tx - 7 * dx - 3.5 * dy, ty - 7 * dy + 3.5 * dx);
          ctx.lineTo(tx - 7 * dx + 3.5 * dy, ty - 7 * dy - 3.5 * dx);
          ctx.closePath();
        }
        ctx.fill();
      }
    };
    // Very far away (thousands of boxes a few pixels each) edges are a blur: boxes only.
    const crowd = cheap && visible.length > 8000;
    if (crowd) {
      /* no edges */
    } else if (hov) {
      ctx.globalAlpha = 0.15;
      drawEdges((e) => !hov.edgesIn.has(e) && !hov.edgesOut.has(e), "#9a9a9a", ctx.lineWidth);
      ctx.globalAlpha = 1;
      drawEdges((e) => hov.edgesIn.has(e), "#1565c0", 2.5);
      drawEdges((e) => hov.edgesOut.has(e), "#c62828", 2.5);
    } else drawEdges(() => true, "#9a9a9a", ctx.lineWidth);

    // nodes
    if (cheap) {
      // Far away: plain rectangles, one path per colour.
      const byFill = new Map();
      const colour = crowd ? this.stroke : this.fill; // pastel fills vanish at a pixel a box
      for (const i of visible) {
        const f = colour[i];
        (byFill.get(f) || byFill.set(f, []).get(f)).push(i);
      }
      for (const [f, list] of byFill) {
        ctx.fillStyle = f === "#ffffff" || f === "#fafafa" || f === "#f5f5f5" ? "#bdbdbd" : f;
        ctx.beginPath();
        for (const i of list) ctx.rect(S.x[i] - S.w[i] / 2, S.y[i] - S.h[i] / 2, S.w[i], S.h[i]);
        ctx.fill();
      }
      // Far away the pastel fills vanish: outline with the kind's stroke colour.
      ctx.lineWidth = 1 / k;
      if (crowd) {
        this.marks(ctx, visible, k);
        this.frames++;
        return visible.length;
      }
      const byStroke = new Map();
      for (const i of visible) (byStroke.get(this.stroke[i]) || byStroke.set(this.stroke[i], []).get(this.stroke[i])).push(i);
      for (const [c, list] of byStroke) {
        ctx.strokeStyle = c;
        ctx.beginPath();
        for (const i of list) ctx.rect(S.x[i] - S.w[i] / 2, S.y[i] - S.h[i] / 2, S.w[i], S.h[i]);
        ctx.stroke();
      }
      this.marks(ctx, visible, k);
      this.frames++;
      return visible.length;
    }
    const text = k >= 0.45;
    for (const i of visible) {
      const node = S.nodes[i];
      const id = S.ids[i];
      const left = S.x[i] - S.w[i] / 2;
      const top = S.y[i] - S.h[i] / 2;
      const related = !hov || id === hov.focus || hov.ins.has(id) || hov.outs.has(id);
      ctx.globalAlpha = (related ? 1 : 0.3) * (node.status === "same" ? 0.55 : 1);
      ctx.beginPath();
      ctx.roundRect(left, top, S.w[i], S.h[i], 6);
      ctx.fillStyle = this.fill[i];
      ctx.fill();
      let stroke = node.is_output ? "#263238" : this.stroke[i];
      let width = node.is_output ? 2.4 : 1.3;
      if (hov && hov.ins.has(id)) [stroke, width] = ["#1565c0", 2.5];
      if (hov && hov.outs.has(id)) [stroke, width] = ["#c62828", 2.5];
      if (hov && id === hov.focus) width = 3;
      if (this.matches.has(id)) [stroke, width] = ["#ff6f00", 3];
      if (this.current === id) [stroke, width] = ["#ff6f00", 4.5];
      if (this.selected === id) [stroke, width] = ["#6a1b9a", 3.5];
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.setLineDash(node.trainable === false ? [4, 2] : []);
      ctx.stroke();
      ctx.setLineDash([]);
      if (node.group) {
        ctx.strokeStyle = this.stroke[i];
        ctx.lineWidth = 0.8;
        ctx.beginPath();
        ctx.roundRect(left + 3, top + 3, S.w[i] - 6, S.h[i] - 6, 4);
        ctx.stroke();
      }
      if (text) {
        const x = left + (node.group ? 24 : 10);
        ctx.fillStyle = "#1a1a1a";
        ctx.font = `600 12.5px ${FONT}`;
        ctx.fillText(node.name, x, top + 16);
        ctx.fillStyle = "#444";
        ctx.font = `11px ${FONT}`;
        ctx.fillText(subtitle(node), x, top + 31);
        if (this.showShapes) {
          ctx.fillStyle = "#555";
          ctx.font = `11px ${MONO}`;
          ctx.fillText(shapeText(node.output_shape), x, top + 45);
        }
        if (node.group) toggleBox(ctx, left + 4, top + 4, this.expanded.has(id));
      }
      const st = STATUS[node.status];
      if (st && st.mark) {
        ctx.strokeStyle = st.color;
        ctx.lineWidth = 2.5;
        ctx.setLineDash(node.status === "removed" ? [6, 3] : []);
        ctx.beginPath();
        ctx.roundRect(left - 3, top - 3, S.w[i] + 6, S.h[i] + 6, 8);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = st.color;
        ctx.beginPath();
        ctx.roundRect(left + S.w[i] - 16, top - 8, 20, 16, 8);
        ctx.fill();
        if (text) {
          ctx.fillStyle = "#ffffff";
          ctx.font = `700 12px ${FONT}`;
          ctx.textAlign = "center";
          ctx.fillText(st.mark, left + S.w[i] - 6, top + 4);
          ctx.textAlign = "start";
        }
      }
    }
    ctx.globalAlpha = 1;
    this.frames++;
    return visible.length;
  }

  /** Search, selection and diff marks stay visible when zoomed far out. */
  marks(ctx, visible, k) {
    const S = this.scene;
    ctx.lineWidth = 3 / k;
    for (const i of visible) {
      const id = S.ids[i];
      const st = STATUS[S.nodes[i].status];
      const color = this.selected === id ? "#6a1b9a" : this.current === id || this.matches.has(id) ? "#ff6f00" : st && st.mark ? st.color : null;
      if (!color) continue;
      ctx.strokeStyle = color;
      ctx.strokeRect(S.x[i] - S.w[i] / 2 - 2 / k, S.y[i] - S.h[i] / 2 - 2 / k, S.w[i] + 4 / k, S.h[i] + 4 / k);
    }
  }

  /** What is under the pointer at viewport pixel (px, py): {type: node|toggle|cluster, id}. */
  hit(px, py) {
    const S = this.scene;
    const wx = (px - this.view.x) / this.view.k;
    const wy = (py - this.view.y) / this.view.k;
    for (let i = S.ids.length - 1; i >= 0; i--) {
      const left = S.x[i] - S.w[i] / 2;
      const top = S.y[i] - S.h[i] / 2;
      if (wx < left || wx > left + S.w[i] || wy < top || wy > top + S.h[i]) continue;
      if (S.nodes[i].group && wx - left <= 20 && wy - top <= 20) return { type: "toggle", id: S.ids[i] };
      return { type: "node", id: S.ids[i] };
    }
    for (const c of S.clusters) {
      const left = c.x - c.width / 2;
      const top = c.y - c.height / 2;
      if (wx >= left && wx <= left + c.width && wy >= top && wy <= top + GROUP_HEAD) return { type: "cluster", id: c.node.id };
    }
    return null;
  }

  /** The whole drawing as a PNG blob (scaled down to fit browsers' canvas limits). */
  toPNG(callback) {
    const S = this.scene;
    const scale = Math.min(2, 16000 / Math.max(S.width, S.height), Math.sqrt(60e6 / (S.width * S.height)));
    const W = Math.max(1, Math.ceil(S.width * scale));
    const H = Math.max(1, Math.ceil(S.height * scale));
    const canvas = h("canvas", { width: W, height: H });
    const saved = [this.hover, this.selected, this.matches, this.current];
    [this.hover, this.selected, this.matches, this.current] = [null, null, new Set(), null];
    this.draw(canvas.getContext("2d"), { k: scale, x: 0, y: 0 }, W, H, 1, "#ffffff");
    [this.hover, this.selected, this.matches, this.current] = saved;
    canvas.toBlob(callback, "image/png");
  }
}

function toggleBox(ctx, x, y, open) {
  ctx.fillStyle = "#ffffff";
  ctx.strokeStyle = "#00897b";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(x, y, 14, 14, 3);
  ctx.fill();
  ctx.stroke();
  ctx.strokeStyle = "#00695c";
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  ctx.moveTo(x + 3, y + 7);
  ctx.lineTo(x + 11, y + 7);
  if (!open) {
    ctx.moveTo(x + 7, y + 3);
    ctx.lineTo(x + 7, y + 11);
  }
  ctx.stroke();
}

/** The whole graph in a corner; the view's rectangle on it; click or drag to move there. */
export class Minimap {
  constructor(parent, onJump) {
    this.canvas = h("canvas", { class: "kw-graph-minimap", title: "Overview: click or drag to move the view" });
    this.ctx = this.canvas.getContext("2d");
    this.onJump = onJump;
    parent.append(this.canvas);
    let dragging = false;
    const jump = (ev) => {
      if (!this.scene) return;
      const r = this.canvas.getBoundingClientRect();
      this.onJump((ev.clientX - r.left - this.ox) / this.s, (ev.clientY - r.top - this.oy) / this.s);
    };
    this.canvas.addEventListener("pointerdown", (ev) => {
      ev.stopPropagation();
      dragging = true;
      this.canvas.setPointerCapture?.(ev.pointerId);
      jump(ev);
    });
    this.canvas.addEventListener("pointermove", (ev) => dragging && jump(ev));
    this.canvas.addEventListener("pointerup", () => (dragging = false));
  }

  /** A new drawing: re-render the overview image (nodes only, each at least a pixel). */
  setScene(scene, fills, visible) {
    this.scene = scene;
    this.canvas.hidden = !visible;
    if (!visible) return;
    const MW = 140;
    const MH = 180;
    this.s = Math.min(MW / scene.width, MH / scene.height);
    this.w = Math.max(8, Math.ceil(scene.width * this.s));
    this.h = Math.max(8, Math.ceil(scene.height * this.s));
    this.ox = (this.w - scene.width * this.s) / 2;
    this.oy = (this.h - scene.height * this.s) / 2;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.w * dpr);
    this.canvas.height = Math.round(this.h * dpr);
    this.canvas.style.width = this.w + "px";
    this.canvas.style.height = this.h + "px";
    this.base = h("canvas", { width: this.canvas.width, height: this.canvas.height });
    const b = this.base.getContext("2d");
    b.setTransform(dpr, 0, 0, dpr, 0, 0);
    const byFill = new Map();
    // At most ~20,000 boxes: on a 140 x 180 picture more would share pixels anyway.
    const stride = Math.max(1, Math.floor(scene.ids.length / 20000));
    for (let i = 0; i < scene.ids.length; i += stride) (byFill.get(fills[i]) || byFill.set(fills[i], []).get(fills[i])).push(i);
    for (const [f, list] of byFill) {
      b.fillStyle = f === "#ffffff" || f === "#fafafa" || f === "#f5f5f5" ? "#9e9e9e" : f;
      b.beginPath();
      for (const i of list) {
        const w = Math.max(1, scene.w[i] * this.s);
        const hh = Math.max(1, scene.h[i] * this.s);
        b.rect(this.ox + scene.x[i] * this.s - w / 2, this.oy + scene.y[i] * this.s - hh / 2, w, hh);
      }
      b.fill();
    }
  }

  /** Show the view's rectangle (view: {k, x, y} over a W x H viewport). */
  show(view, W, H) {
    if (!this.scene || this.canvas.hidden) return;
    const dpr = window.devicePixelRatio || 1;
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, this.canvas.width, this.canvas.height);
    c.drawImage(this.base, 0, 0);
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    const s = this.s;
    let x = this.ox + (-view.x / view.k) * s;
    let y = this.oy + (-view.y / view.k) * s;
    let w = (W / view.k) * s;
    let hh = (H / view.k) * s;
    // Keep the marker findable on a very long graph.
    if (w < 6) [x, w] = [x + w / 2 - 3, 6];
    if (hh < 6) [y, hh] = [y + hh / 2 - 3, 6];
    c.fillStyle = "rgba(25,118,210,0.15)";
    c.strokeStyle = "#1976d2";
    c.lineWidth = 1.5;
    c.fillRect(x, y, w, hh);
    c.strokeRect(x, y, w, hh);
  }
}
