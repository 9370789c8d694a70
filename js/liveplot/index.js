// LivePlot front-end: draws from the bounded `state` traitlet, then applies delta messages
// (new points only) with Plotly.extendTraces. Names are escaped by Python for Plotly and set
// with textContent everywhere else.
import Plotly from "plotly.js-basic-dist-min";
import { h, listen } from "../shared/dom.js";
import { smooth } from "../shared/smooth.js";
import "./style.css";

const SMOOTHED = new Set(["train", "val"]);

function floats(buffers) {
  if (!buffers || !buffers.length) return new Float32Array(0);
  const b = buffers[0];
  const view = b instanceof DataView ? b : new DataView(b.buffer || b);
  // copy: the view's offset is not necessarily 4-byte aligned
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  return new Float32Array(bytes.buffer);
}

const nan = (v) => (v === null || v === undefined ? NaN : v);


function fmt(v, digits = 4) {
  return Number(v).toPrecision(digits).replace(/\.?0+(e|$)/, "$1");
}

function statusText(s) {
  if (!s) return "";
  const parts = [];
  if (s.run) parts.push(s.run);
  if (s.epoch != null) parts.push(`epoch ${s.epoch}${s.epochs ? "/" + s.epochs : ""}`);
  if (s.step != null) parts.push(`step ${s.step}${s.steps ? "/" + s.steps : ""}`);
  if (s.sec_per_epoch) parts.push(`${s.sec_per_epoch.toFixed(2)} s/epoch`);
  if (s.eta != null && s.state === "training") parts.push(`ETA ${Math.round(s.eta)} s`);
  if (s.best != null) {
    // custom loops (log) count steps, fit counts epochs
    const at = s.best_step != null ? `step ${s.best_step}` : `epoch ${s.best_epoch}`;
    parts.push(`best ${s.monitor} ${fmt(s.best)} (${at})`);
  }
  return parts.join(" · ");
}

/** Parse a computed CSS colour ("rgb(r, g, b)" / "rgba(...)") to [r, g, b, a]. */
function rgba(color) {
  const m = /rgba?\(([^)]+)\)/.exec(color || "");
  if (!m) return null;
  const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}

/**
 * Plotly colours from the theme the view is shown in: the widget's own computed colours
 * (set from JupyterLab's --jp-* variables or prefers-color-scheme by style.css), so the chart
 * follows JupyterLab Light/Dark, Notebook 7 and the OS setting alike.
 */
function themeColors(root) {
  const cs = getComputedStyle(root);
  const bg = rgba(cs.backgroundColor);
  const fg = cs.color || "#222";
  const dark = bg && bg[3] > 0 ? 0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2] < 128 : false;
  return {
    dark,
    font: fg,
    grid: dark ? "rgba(255,255,255,0.12)" : "#eee",
    line: dark ? "rgba(255,255,255,0.45)" : "#888",
    outline: bg && bg[3] > 0 ? cs.backgroundColor : "white",
  };
}

export default {
  render({ model, el }) {
    const plot = h("div", { class: "kw-lp-plot" });
    const state = h("span", { class: "kw-lp-title" });
    const status = h("span", { class: "kw-lp-status" });
    const error = h("div", { class: "kw-lp-error", style: { display: "none" } });
    const logBox = h("input", { type: "checkbox", class: "kw-lp-log" });
    const smoothRange = h("input", { type: "range", min: "0", max: "0.99", step: "0.01", class: "kw-lp-smooth" });
    const smoothValue = h("span", { class: "kw-lp-smooth-value" });
    const stop = h("button", { class: "kw-lp-stop", type: "button", title: "End training after the current batch" }, "Stop");
    const bar = h(
      "div",
      { class: "kw-lp-bar" },
      state,
      status,
      h("label", { class: "kw-lp-control" }, logBox, "log y"),
      h("label", { class: "kw-lp-control" }, "smoothing", smoothRange, smoothValue),
      stop,
    );
    const root = h("div", { class: "kw-liveplot" }, bar, error, plot);
    el.append(root);

    let traces = new Map(); // id -> {spec, x: number[], y: number[]} (raw values)
    let order = []; // trace ids in Plotly's order
    let layout = {};
    let seq = -1;
    let gap = false;
    let drawn = false;
    let current = "";

    const alpha = () => Number(model.get("smoothing")) || 0;
    const logY = () => Boolean(model.get("log_y"));

    let theme = themeColors(root);

    function fullLayout() {
      const out = { ...layout, uirevision: "keep-" + logY(), autosize: true };
      delete out.width;
      // transparent: the widget's themed background shows through
      out.paper_bgcolor = "rgba(0,0,0,0)";
      out.plot_bgcolor = "rgba(0,0,0,0)";
      out.font = { ...(layout.font || {}), color: theme.font };
      out.modebar = { bgcolor: "rgba(0,0,0,0)", color: theme.line, activecolor: theme.font };
      for (const key of Object.keys(out)) {
        const axis = key.startsWith("xaxis") || key.startsWith("yaxis");
        if (axis) out[key] = { ...out[key], gridcolor: theme.grid, linecolor: theme.line };
        if (key.startsWith("yaxis")) out[key].type = logY() ? "log" : "linear";
      }
      return out;
    }

    function data() {
      const a = alpha();
      return order.map((id) => {
        const t = traces.get(id);
        const y = SMOOTHED.has(t.spec.meta && t.spec.meta.kind) ? smooth(t.y, a) : t.y;
        const spec = { ...t.spec, x: t.x.slice(), y: y === t.y ? t.y.slice() : y };
        if (spec.marker && spec.marker.line) {
          // the ring around epoch markers is the background colour
          spec.marker = { ...spec.marker, line: { ...spec.marker.line, color: theme.outline } };
        }
        return spec;
      });
    }

    function draw() {
      Plotly.react(plot, data(), fullLayout(), {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["lasso2d", "select2d"],
      });
      drawn = true;
    }

    function setStatus(s) {
      if (!s) return;
      state.textContent = s.state || "";
      state.dataset.state = s.state || "";
      status.dataset.state = s.state || "";
      status.textContent = statusText(s);
      current = s.state || "";
      stop.disabled = current !== "training";
      if (current === "stopping") stop.textContent = "Stopping…";
      if (current === "training" && !model.get("stop_requested")) stop.textContent = "Stop";
      syncControls();
    }

    function syncControls() {
      logBox.checked = logY();
      smoothRange.value = String(alpha());
      smoothValue.textContent = alpha().toFixed(2);
      // only while training, and only where a click can reach Python during fit()
      const live = current === "training" || current === "stopping";
      stop.style.display = model.get("stop_available") && live ? "" : "none";
      const err = model.get("error");
      error.style.display = err ? "" : "none";
      error.textContent = err || "";
    }

    function fromState() {
      const st = model.get("state") || {};
      traces = new Map();
      order = [];
      for (const t of st.traces || []) {
        traces.set(t.id, { spec: t.trace, x: t.x.map(nan), y: t.y.map(nan) });
        order.push(t.id);
      }
      if (st.layout) layout = st.layout;
      seq = st.seq == null ? -1 : st.seq;
      gap = false;
      setStatus(st.status);
      draw();
    }

    function onMessage(msg, buffers) {
      if (!msg || msg.type !== "delta") return;
      if (msg.seq <= seq) return; // already part of the state we drew from
      // Missed some (a view that started after the first deltas: Voila's early view, a page
      // opened mid-run): ask for a snapshot now and redraw from it.
      if (msg.seq !== (seq >= 0 ? seq + 1 : 1) && !gap) {
        gap = true;
        model.send({ type: "resync" });
      }
      seq = msg.seq;
      const f = floats(buffers);
      let redraw = false;
      const ext = { x: [], y: [], idx: [] };
      for (const op of msg.ops || []) {
        if (op.op === "add") {
          traces.set(op.id, { spec: op.trace, x: [], y: [] });
          order.push(op.id);
          redraw = true;
          continue;
        }
        const t = traces.get(op.id);
        if (!t) continue;
        if (op.op === "restyle") {
          t.spec = op.trace;
          redraw = true;
        } else if (op.op === "reset" || op.op === "extend") {
          const start = op.off / 4;
          const xs = Array.from(f.subarray(start, start + op.n));
          const ys = Array.from(f.subarray(start + op.n, start + 2 * op.n));
          if (op.op === "reset") {
            t.x = xs;
            t.y = ys;
            redraw = true;
          } else {
            for (let i = 0; i < xs.length; i++) {
              t.x.push(xs[i]);
              t.y.push(ys[i]);
            }
            ext.x.push(xs);
            ext.y.push(ys);
            ext.idx.push(order.indexOf(op.id));
          }
        }
      }
      if (msg.layout) {
        layout = msg.layout;
        redraw = true;
      }
      if (redraw || !drawn || (alpha() > 0 && ext.idx.length)) draw();
      else if (ext.idx.length) Plotly.extendTraces(plot, { x: ext.x, y: ext.y }, ext.idx);
      if (msg.status) setStatus(msg.status);
    }

    function onState() {
      const st = model.get("state") || {};
      if (gap || !drawn || (st.seq != null && st.seq > seq)) fromState();
      else setStatus(st.status);
    }

    logBox.addEventListener("change", () => {
      model.set("log_y", logBox.checked);
      model.save_changes();
    });
    smoothRange.addEventListener("input", () => {
      model.set("smoothing", Number(smoothRange.value));
      model.save_changes();
    });
    stop.addEventListener("click", () => {
      stop.disabled = true;
      stop.textContent = "Stopping…";
      model.send({ type: "stop" });
      model.set("stop_requested", true);
      model.save_changes();
    });

    const onControls = () => {
      syncControls();
      if (drawn) draw();
    };
    const off = listen(model, {
      "msg:custom": onMessage,
      "change:state": onState,
      "change:log_y": onControls,
      "change:smoothing": onControls,
      "change:stop_available": syncControls,
      "change:error": syncControls,
    });

    syncControls();
    fromState();
    const resize = new ResizeObserver(() => {
      if (drawn && plot.offsetWidth) Plotly.Plots.resize(plot);
    });
    resize.observe(root);
    // Redraw when the theme changes (JupyterLab sets data-jp-theme-* on <body>; elsewhere
    // the OS colour scheme).
    const retheme = () => {
      const next = themeColors(root);
      if (JSON.stringify(next) === JSON.stringify(theme)) return;
      theme = next;
      if (drawn) draw();
    };
    // JupyterLab loads the new theme's CSS just after setting the attributes: look again later.
    const themeObserver = new MutationObserver(() => {
      retheme();
      setTimeout(retheme, 400);
    });
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
    const scheme = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    if (scheme && scheme.addEventListener) scheme.addEventListener("change", retheme);
    // The first draw can run before the view is in the page (no computed colours yet).
    requestAnimationFrame(retheme);

    return () => {
      resize.disconnect();
      themeObserver.disconnect();
      if (scheme && scheme.removeEventListener) scheme.removeEventListener("change", retheme);
      off();
      Plotly.purge(plot);
    };
  },
};
