// kw.runs front-end: every run of a TensorBoard log directory. Curves per tag (Plotly, as
// LivePlot), a run list with a regex filter and show/hide, a sortable hparams table and an
// hparam-vs-metric scatter. Names are data: set with textContent only.
import Plotly from "plotly.js-basic-dist-min";
import { h, listen, debounce } from "../shared/dom.js";
import { smooth, f64, fmt } from "../shared/smooth.js";
import "./style.css";

const XLABEL = { step: "step", epoch: "epoch", wall: "wall time (s)" };
const MAX_PANELS = 30;

function matcher(pattern) {
  try {
    const rx = new RegExp(pattern || "");
    return (s) => rx.test(s);
  } catch (e) {
    return (s) => s.includes(pattern); // an unfinished regex filters as plain text
  }
}

export default {
  render({ model, el }) {
    const status = h("span", { class: "kw-runs-status" });
    const xSel = h(
      "select",
      { class: "kw-runs-x" },
      ...Object.entries(XLABEL).map(([v, t]) => h("option", { value: v }, "x: " + t)),
    );
    const logBox = h("input", { type: "checkbox", class: "kw-runs-log" });
    const smoothRange = h("input", { type: "range", min: "0", max: "0.99", step: "0.01", class: "kw-runs-smooth" });
    const smoothValue = h("span", { class: "kw-runs-smooth-value" });
    const runFilter = h("input", { type: "search", class: "kw-runs-filter", placeholder: "filter runs (regex)" });
    const tagFilter = h("input", { type: "search", class: "kw-runs-tagfilter", placeholder: "filter tags (regex)" });
    const skipped = h("div", { class: "kw-runs-skipped" });
    const error = h("div", { class: "kw-runs-error" });
    const runList = h("div", { class: "kw-runs-list" });
    const note = h("div", { class: "kw-runs-note" });
    const plot = h("div", { class: "kw-runs-plot" });
    const table = h("table", { class: "kw-runs-table" });
    const hpX = h("select", { class: "kw-runs-hpx" });
    const hpY = h("select", { class: "kw-runs-hpy" });
    const scatter = h("div", { class: "kw-runs-scatter" });
    const hpBox = h(
      "div",
      { class: "kw-runs-hp" },
      h("div", { class: "kw-runs-hp-title" }, "Hyperparameters"),
      h("div", { class: "kw-runs-table-wrap" }, table),
      h("div", { class: "kw-runs-hp-controls" }, "scatter: ", hpX, " vs ", hpY),
      scatter,
    );
    const root = h(
      "div",
      { class: "kw-runs" },
      h(
        "div",
        { class: "kw-runs-bar" },
        status,
        xSel,
        h("label", { class: "kw-runs-control" }, logBox, "log y"),
        h("label", { class: "kw-runs-control" }, "smoothing", smoothRange, smoothValue),
        tagFilter,
      ),
      skipped,
      error,
      h("div", { class: "kw-runs-body" }, h("div", { class: "kw-runs-side" }, runFilter, runList), h("div", { class: "kw-runs-main" }, note, plot)),
      hpBox,
    );
    el.append(root);

    let data = {};
    let series = []; // decoded
    let drawn = false;
    let scatterDrawn = false;

    const hidden = () => new Set(model.get("hidden") || []);
    const visibleRuns = () => {
      const m = matcher(model.get("filter"));
      const hide = hidden();
      const out = new Set();
      (data.runs || []).forEach((r, i) => {
        if (m(r.name) && !hide.has(r.name)) out.add(i);
      });
      return out;
    };

    function decode() {
      series = (data.series || []).map((s) => ({
        run: s.run,
        tag: s.tag,
        step: f64(s.step),
        wall: f64(s.wall),
        epoch: s.epoch ? f64(s.epoch) : null,
        value: f64(s.value),
      }));
    }

    function drawCurves() {
      const runs = data.runs || [];
      const tags = data.tags || [];
      const tm = matcher(tagFilter.value);
      const shownTags = tags.map((t, i) => [t, i]).filter(([t]) => tm(t));
      const panels = shownTags.slice(0, MAX_PANELS);
      const slot = new Map(panels.map(([, i], k) => [i, k]));
      const vis = visibleRuns();
      const xkey = model.get("xaxis") || "step";
      const alpha = Number(model.get("smoothing")) || 0;
      const cols = panels.length > 1 ? 2 : 1;
      const rows = Math.max(1, Math.ceil(panels.length / cols));
      const gapX = 0.08;
      const gapY = Math.min(0.12, 0.3 / rows);
      const layout = {
        height: Math.max(260, 230 * rows),
        margin: { l: 50, r: 10, t: 30, b: 36 },
        showlegend: false,
        uirevision: "keep",
        annotations: [],
        hovermode: "closest",
      };
      let noEpoch = 0;
      panels.forEach(([tag], k) => {
        const r = Math.floor(k / cols);
        const c = k % cols;
        const w = (1 - gapX * (cols - 1)) / cols;
        const hgt = (1 - gapY * (rows - 1)) / rows;
        const x0 = c * (w + gapX);
        const y1 = 1 - r * (hgt + gapY);
        const n = k + 1;
        const ax = n === 1 ? "" : String(n);
        layout["xaxis" + ax] = { domain: [x0, x0 + w], anchor: "y" + ax, title: { text: k >= panels.length - cols ? XLABEL[xkey] : "" } };
        layout["yaxis" + ax] = { domain: [y1 - hgt, y1], anchor: "x" + ax, type: model.get("log_y") ? "log" : "linear" };
        layout.annotations.push({
          text: tag, // Plotly renders annotation text as its own markup subset: escape it
          xref: "x" + ax + " domain",
          yref: "y" + ax + " domain",
          x: 0.5,
          y: 1.0,
          yanchor: "bottom",
          showarrow: false,
          font: { size: 12 },
        });
      });
      for (const a of layout.annotations) a.text = escapePlotly(a.text);
      const traces = [];
      for (const s of series) {
        if (!slot.has(s.tag) || !vis.has(s.run)) continue;
        const run = runs[s.run];
        let x = xkey === "wall" ? s.wall : xkey === "epoch" ? s.epoch : s.step;
        if (!x) {
          noEpoch++;
          x = s.step;
        }
        const n = slot.get(s.tag) + 1;
        const ax = n === 1 ? "" : String(n);
        const y = Array.from(s.value);
        traces.push({
          type: "scattergl" in {} ? "scattergl" : "scatter",
          mode: s.value.length === 1 ? "markers" : "lines",
          x: Array.from(x),
          y: alpha > 0 ? smooth(y, alpha) : y,
          name: escapePlotly(run.name),
          line: { color: run.color, width: 1.5 },
          marker: { color: run.color, size: 5 },
          xaxis: "x" + ax,
          yaxis: "y" + ax,
          hovertemplate: escapePlotly(run.name) + "<br>%{x}, %{y}<extra></extra>",
        });
      }
      const notes = [];
      if (shownTags.length > panels.length) notes.push(`${shownTags.length - panels.length} more tags: filter tags to see them`);
      if (noEpoch) notes.push(`${noEpoch} curves have no epoch information: drawn by step`);
      if (!tags.length) notes.push("no scalar curves yet");
      note.textContent = notes.join(" · ");
      // The div carries the height: Plotly's resize (autosize) measures the container.
      plot.style.height = layout.height + "px";
      Plotly.react(plot, traces, layout, { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] });
      drawn = true;
    }

    function drawRunList() {
      const runs = data.runs || [];
      const m = matcher(model.get("filter"));
      const hide = hidden();
      runList.replaceChildren(
        ...runs
          .filter((r) => m(r.name))
          .map((r) => {
            const box = h("input", { type: "checkbox", checked: !hide.has(r.name) });
            box.addEventListener("change", () => {
              const next = new Set(model.get("hidden") || []);
              if (box.checked) next.delete(r.name);
              else next.add(r.name);
              model.set("hidden", Array.from(next));
              model.save_changes();
            });
            return h(
              "label",
              { class: "kw-runs-run", title: r.status ? `${r.name} (${r.status})` : r.name },
              box,
              h("span", { class: "kw-runs-swatch", style: { background: r.color } }),
              h("span", { class: "kw-runs-name" }, r.name),
            );
          }),
      );
      const total = runs.length;
      const shown = runs.filter((r) => m(r.name)).length;
      runFilter.title = `${shown} of ${total} runs match`;
    }

    function hpColumns() {
      const hp = data.hparams || { hparams: [], metrics: [], rows: [] };
      return ["run", ...hp.hparams, ...hp.metrics];
    }

    function drawTable() {
      const hp = data.hparams || { hparams: [], metrics: [], rows: [] };
      hpBox.style.display = hp.rows.length && hp.hparams.length ? "" : "none";
      if (hpBox.style.display === "none") return;
      const cols = hpColumns();
      const [sortCol, desc] = model.get("sort") || [];
      const vis = visibleRuns();
      const index = new Map((data.runs || []).map((r, i) => [r.name, i]));
      let rows = hp.rows.filter((r) => vis.has(index.get(r.run)));
      if (sortCol && cols.includes(sortCol)) {
        rows = rows.slice().sort((a, b) => compare(a[sortCol], b[sortCol]) * (desc ? -1 : 1));
      }
      const head = h(
        "tr",
        {},
        ...cols.map((c) => {
          const arrow = c === sortCol ? (desc ? " ▼" : " ▲") : "";
          const th = h("th", { class: hp.metrics.includes(c) ? "kw-runs-metric" : "", title: "sort by " + c }, c + arrow);
          th.dataset.col = c;
          th.addEventListener("click", () => {
            const [cur, d] = model.get("sort") || [];
            model.set("sort", [c, cur === c ? !d : false]);
            model.save_changes();
          });
          return th;
        }),
      );
      const body = rows.map((r) => {
        const run = (data.runs || [])[index.get(r.run)];
        return h(
          "tr",
          {},
          ...cols.map((c, k) =>
            h("td", {}, k === 0 ? h("span", { class: "kw-runs-swatch", style: { background: run ? run.color : "#888" } }) : null, fmt(r[c])),
          ),
        );
      });
      table.replaceChildren(h("thead", {}, head), h("tbody", {}, ...body));
      fillSelect(hpX, hp.hparams);
      fillSelect(hpY, hp.metrics);
      drawScatter(rows);
    }

    function fillSelect(sel, options) {
      const cur = sel.value;
      const same = sel.options.length === options.length && options.every((o, i) => sel.options[i].value === o);
      if (!same) sel.replaceChildren(...options.map((o) => h("option", { value: o }, o)));
      if (options.includes(cur)) sel.value = cur;
    }

    function drawScatter(rows) {
      const xc = hpX.value;
      const yc = hpY.value;
      if (!xc || !yc) return;
      const index = new Map((data.runs || []).map((r, i) => [r.name, r]));
      const pts = rows.filter((r) => r[xc] !== null && r[xc] !== undefined && r[yc] !== null && r[yc] !== undefined);
      const trace = {
        type: "scatter",
        mode: "markers",
        x: pts.map((r) => (typeof r[xc] === "number" ? r[xc] : String(r[xc]))),
        y: pts.map((r) => r[yc]),
        text: pts.map((r) => escapePlotly(r.run)),
        marker: { size: 10, color: pts.map((r) => (index.get(r.run) || {}).color || "#888") },
        hovertemplate: "%{text}<br>%{x} → %{y}<extra></extra>",
      };
      scatter.style.height = "260px";
      Plotly.react(
        scatter,
        [trace],
        {
          height: 260,
          margin: { l: 50, r: 10, t: 10, b: 40 },
          xaxis: { title: { text: escapePlotly(xc) }, type: pts.every((r) => typeof r[xc] === "number") && model.get("log_y") && false ? "log" : undefined },
          yaxis: { title: { text: escapePlotly(yc) } },
          uirevision: xc + "|" + yc,
        },
        { responsive: true, displaylogo: false },
      );
      scatterDrawn = true;
    }

    function drawSkipped() {
      const items = data.skipped || [];
      skipped.style.display = items.length ? "" : "none";
      skipped.textContent = items.length ? "skipped: " + items.map((s) => `${s.count} ${s.label}`).join(" · ") : "";
      status.textContent = data.status || "";
      const err = model.get("error");
      error.style.display = err ? "" : "none";
      error.textContent = err || "";
    }

    function syncControls() {
      xSel.value = model.get("xaxis") || "step";
      logBox.checked = Boolean(model.get("log_y"));
      const a = Number(model.get("smoothing")) || 0;
      smoothRange.value = String(a);
      smoothValue.textContent = a.toFixed(2);
      if (document.activeElement !== runFilter) runFilter.value = model.get("filter") || "";
    }

    function all() {
      data = model.get("data") || {};
      decode();
      syncControls();
      drawSkipped();
      drawRunList();
      drawCurves();
      drawTable();
    }

    const save = (key, value) => {
      model.set(key, value);
      model.save_changes();
    };
    xSel.addEventListener("change", () => save("xaxis", xSel.value));
    logBox.addEventListener("change", () => save("log_y", logBox.checked));
    smoothRange.addEventListener("input", () => save("smoothing", Number(smoothRange.value)));
    const typed = debounce(() => save("filter", runFilter.value), 150);
    runFilter.addEventListener("input", () => typed.later());
    runFilter.addEventListener("change", () => typed.flush());
    const tagTyped = debounce(() => drawCurves(), 150);
    tagFilter.addEventListener("input", () => tagTyped.later());
    hpX.addEventListener("change", () => drawTable());
    hpY.addEventListener("change", () => drawTable());

    const off = listen(model, {
      "change:data": all,
      "change:filter": () => {
        syncControls();
        drawRunList();
        drawCurves();
        drawTable();
      },
      "change:hidden": () => {
        drawRunList();
        drawCurves();
        drawTable();
      },
      "change:xaxis": () => {
        syncControls();
        drawCurves();
      },
      "change:log_y": () => {
        syncControls();
        drawCurves();
      },
      "change:smoothing": () => {
        syncControls();
        drawCurves();
      },
      "change:sort": drawTable,
      "change:error": drawSkipped,
    });
    all();
    const resize = new ResizeObserver(() => {
      if (drawn && plot.offsetWidth) Plotly.Plots.resize(plot);
      if (scatterDrawn && scatter.offsetWidth) Plotly.Plots.resize(scatter);
    });
    resize.observe(root);
    return () => {
      resize.disconnect();
      off();
      typed.cancel();
      tagTyped.cancel();
      Plotly.purge(plot);
      Plotly.purge(scatter);
    };
  },
};

/** Plotly parses a small HTML subset in names and titles: make names plain text. */
function escapePlotly(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function compare(a, b) {
  const na = a === null || a === undefined;
  const nb = b === null || b === undefined;
  if (na || nb) return na === nb ? 0 : na ? 1 : -1; // empty cells last
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
