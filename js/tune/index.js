// Search view: LivePlot's chart (every trial a run), a sortable trials table, a progress line
// and a Stop button (first click: after this trial; second click: at once).
// Every name and value is set with textContent.
import liveplot from "../liveplot/index.js";
import { h, fmtInt, listen } from "../shared/dom.js";
import "./style.css";

function fmtValue(key, v) {
  if (v === null || v === undefined || v === "") return "";
  if (key === "time") return `${Number(v).toFixed(1)} s`;
  if (key === "params" || key === "best_epoch") return fmtInt(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Number(v).toPrecision(4).replace(/\.?0+(e|$)/, "$1");
  return String(v);
}

function fmtSeconds(s) {
  s = Math.max(0, Math.round(s));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function compare(a, b) {
  const na = a === null || a === undefined || a === "";
  const nb = b === null || b === undefined || b === "";
  if (na || nb) return na === nb ? 0 : na ? 1 : -1; // empty cells last
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export default {
  render({ model, el }) {
    const state = h("span", { class: "kw-tune-state" });
    const progress = h("span", { class: "kw-tune-progress" });
    const stop = h("button", { class: "kw-tune-stop", type: "button", title: "End the search after the current trial" }, "Stop");
    const bar = h("div", { class: "kw-tune-bar" }, state, progress, stop);
    const chart = h("div", { class: "kw-tune-chart" });
    const thead = h("thead");
    const tbody = h("tbody");
    const table = h("table", { class: "kw-tune-table" }, thead, tbody);
    const root = h("div", { class: "kw-tune" }, bar, chart, h("div", { class: "kw-tune-scroll" }, table));
    el.append(root);

    // The chart is LivePlot's own front-end on this model; the search has its own Stop button.
    const chartModel = {
      get: (k) => (k === "stop_available" ? false : model.get(k)),
      set: (k, v) => model.set(k, v),
      save_changes: () => model.save_changes(),
      send: (...a) => model.send(...a),
      on: (n, f) => model.on(n, f),
      off: (n, f) => model.off(n, f),
    };
    const chartCleanup = liveplot.render({ model: chartModel, el: chart });

    let sortKey = null;
    let sortDir = 1;
    let clicks = 0;
    let received = performance.now();

    function drawTable() {
      const t = model.get("table") || {};
      const cols = t.columns || [];
      const rows = (t.rows || []).slice();
      if (sortKey !== null) rows.sort((a, b) => sortDir * compare(a[sortKey], b[sortKey]));
      const tr = h("tr");
      for (const c of cols) {
        const arrow = c.key === sortKey ? (sortDir > 0 ? " ▲" : " ▼") : "";
        const th = h("th", { class: c.hp ? "kw-tune-hp" : "", title: `sort by ${c.label}` }, c.label + arrow);
        th.dataset.key = c.key;
        th.addEventListener("click", () => {
          if (sortKey === c.key) sortDir = -sortDir;
          else {
            sortKey = c.key;
            sortDir = 1;
          }
          drawTable();
        });
        tr.append(th);
      }
      thead.replaceChildren(tr);
      tbody.replaceChildren(
        ...rows.map((r) => {
          const row = h("tr", { class: r.trial === t.best ? "kw-tune-row kw-tune-best" : "kw-tune-row" });
          row.dataset.trial = r.trial;
          row.dataset.status = r.status || "";
          if (r.error) row.title = r.error;
          for (const c of cols) {
            const td = h("td", {}, fmtValue(c.key, r[c.key]));
            if (c.key === "status") td.dataset.status = r.status || "";
            if (c.key === "trial" && r.trial === t.best) td.append(h("span", { class: "kw-tune-badge" }, "best"));
            row.append(td);
          }
          return row;
        }),
      );
    }

    function drawProgress() {
      const p = model.get("progress") || {};
      const dt = (performance.now() - received) / 1000;
      const live = p.state === "running" || p.state === "stopping";
      state.textContent = p.state || "";
      state.dataset.state = p.state || "";
      const parts = [`trial ${p.trial || 0}${p.total ? " of " + p.total : ""}`];
      parts.push(`elapsed ${fmtSeconds((p.elapsed || 0) + (live ? dt : 0))}`);
      if (p.eta !== null && p.eta !== undefined && live) parts.push(`ETA ${fmtSeconds(p.eta - dt)}`);
      progress.textContent = parts.join(" · ");
      stop.style.display = model.get("stop_available") && live ? "" : "none";
      if (!live) clicks = 0;
      if (p.state === "stopping" && clicks === 0) clicks = 1;
      stop.textContent = clicks ? "Stop now" : "Stop";
      stop.title = clicks ? "End the search now (the current trial is recorded as stopped)" : "End the search after the current trial";
      stop.disabled = clicks > 1;
    }

    stop.addEventListener("click", () => {
      clicks += 1;
      model.send({ type: "tune_stop", now: clicks > 1 });
      drawProgress();
    });

    const off = listen(model, {
      "change:table": drawTable,
      "change:progress": () => {
        received = performance.now();
        drawProgress();
      },
      "change:stop_available": drawProgress,
    });
    const timer = setInterval(drawProgress, 1000);
    drawTable();
    drawProgress();

    return () => {
      clearInterval(timer);
      off();
      if (typeof chartCleanup === "function") chartCleanup();
    };
  },
};
