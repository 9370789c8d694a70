// kw.SequentialBuilder front-end. Python (BuilderState) is the source of truth: this view
// renders the synced `state`, `report`, `catalog` and `code` traitlets and sends every user
// action as a UI-level edit message {type: "edit", edit: {op, ...}} that Python applies.
import { h, fmtInt, fmtCount, fmtShape, debounce, listen } from "../shared/dom.js";
import { makeField, showValue, parseTuple } from "./fields.js";
import { tuneControl } from "./tune.js";
import "./style.css";

/**
 * A layer name with break opportunities before each capitalized word, so a long name wraps
 * in a narrow column instead of being cut ("GlobalAveragePooling1D" and "...2D" must stay
 * distinguishable) and a suffix stays whole: "Conv1D|Transpose", "Depthwise|Conv1D".
 */
function breakable(type) {
  return String(type).replace(/([A-Za-z0-9])(?=[A-Z][a-z])/g, "$1\u200b");
}

const OPTIMIZERS = [
  ["adam", "Adam"], ["adamw", "AdamW"], ["sgd", "SGD"], ["rmsprop", "RMSprop"],
  ["adagrad", "Adagrad"], ["adamax", "Adamax"], ["nadam", "Nadam"],
];
const LOSSES = [
  "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
  "mean_squared_error", "mean_absolute_error", "huber", "kl_divergence",
];
let counter = 0;

/** A small "duplicate" icon (two squares), drawn as SVG: not every font has a glyph for it. */
function copyIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "13");
  svg.setAttribute("height", "13");
  svg.setAttribute("aria-hidden", "true");
  for (const [x, y] of [[5, 5], [2, 2]]) {
    const r = document.createElementNS(ns, "rect");
    for (const [k, v] of Object.entries({ x, y, width: 9, height: 9, rx: 1.5, fill: "none", stroke: "currentColor", "stroke-width": 1.5 }))
      r.setAttribute(k, String(v));
    svg.append(r);
  }
  return svg;
}

function render({ model, el }) {
  // State and report arrive as JSON text (cheaper to sync than deep dicts); parse once each.
  const parsed = { state: [null, {}], report: [null, {}] };
  const getJSON = (key) => {
    const text = model.get(`${key}_json`) || "{}";
    if (parsed[key][0] !== text) {
      try {
        parsed[key] = [text, JSON.parse(text)];
      } catch {
        parsed[key] = [text, {}];
      }
    }
    return parsed[key][1];
  };
  const uid = `kw-b${++counter}-${Math.random().toString(36).slice(2, 7)}`;
  const send = (edit) => model.send({ type: "edit", edit });
  const cards = new Map(); // layer id -> card object
  let insertAt = null; // index chosen with a "+" gap; the next palette click inserts there
  let dragInfo = null; // {kind: "new", type} | {kind: "move", id, index}

  // ---- skeleton -------------------------------------------------------------------------
  const title = h("span", { class: "kw-b-title" });
  const presetSel = h("select", { class: "kw-select kw-b-presets", title: "Load a preset" });
  const undoBtn = h("button", { class: "kw-btn kw-undo", type: "button", title: "Undo (Ctrl+Z)", text: "↶ Undo" });
  const redoBtn = h("button", { class: "kw-btn kw-redo", type: "button", title: "Redo (Ctrl+Shift+Z)", text: "↷ Redo" });
  // Why the last UI edit was not applied (limits, stale cards): Python sends it as a message.
  const notice = h("div", { class: "kw-b-notice", role: "alert", hidden: true });
  const header = h("div", { class: "kw-b-header" }, title, h("span", { class: "kw-b-spacer" }), presetSel, undoBtn, redoBtn);

  const palette = h("div", { class: "kw-palette", role: "list", "aria-label": "Layer palette" });
  const paletteHint = h("div", { class: "kw-palette-hint", text: "Click to append, or drag onto the stack" });

  const shapeInput = h("input", { class: "kw-input kw-input-shape", type: "text", spellcheck: "false", placeholder: "e.g. 28, 28, 1" });
  const shapeMsg = h("div", { class: "kw-f-msg" });
  const inputCard = h(
    "div",
    { class: "kw-card kw-card-input" },
    h("div", { class: "kw-card-head" },
      h("span", { class: "kw-card-type", text: "Input" }),
      h("label", { class: "kw-shape-label", htmlFor: `${uid}-shape`, text: "shape" }),
      shapeInput,
      h("span", { class: "kw-b-spacer" }),
      h("span", { class: "kw-badge kw-shape kw-input-out" })),
    shapeMsg,
  );
  shapeInput.id = `${uid}-shape`;
  const stackList = h("div", { class: "kw-stack-list" });
  const empty = h("div", { class: "kw-empty", text: "No layers yet: pick one from the palette." });
  const totals = h("div", { class: "kw-totals" });
  const stack = h("div", { class: "kw-stack" }, inputCard, stackList, empty, totals);

  const summaryBody = h("tbody");
  const summaryFoot = h("tfoot");
  const summary = h(
    "table",
    { class: "kw-summary" },
    h("thead", {}, h("tr", {}, h("th", { text: "Layer" }), h("th", { text: "Output shape" }), h("th", { class: "kw-num", text: "Params" }))),
    summaryBody,
    summaryFoot,
  );
  const compilePanel = h("div", { class: "kw-compile" });
  const side = h(
    "div",
    { class: "kw-side" },
    h("div", { class: "kw-panel" }, h("div", { class: "kw-panel-title", text: "Summary" }), summary),
    h("div", { class: "kw-panel" }, h("div", { class: "kw-panel-title", text: "Compile" }), compilePanel),
  );

  const codePre = h("pre", { class: "kw-code" });
  const copyBtn = h("button", { class: "kw-btn kw-copy", type: "button", text: "Copy code" });
  const codeBox = h(
    "details",
    { class: "kw-codebox", open: true },
    h("summary", {}, h("span", { text: "Python code" })),
    h("div", { class: "kw-code-tools" }, copyBtn),
    codePre,
  );

  const root = h(
    "div",
    // Keys typed in the widget must not trigger notebook shortcuts (e.g. "D D" deletes a cell).
    { class: "kw-builder", "data-lm-suppress-shortcuts": "true", "data-p-suppress-shortcuts": "true" },
    header,
    notice,
    h("div", { class: "kw-b-main" }, h("div", { class: "kw-palette-col" }, paletteHint, palette), stack, side),
    codeBox,
  );
  el.append(root);

  // ---- palette --------------------------------------------------------------------------
  function buildPalette() {
    const cat = model.get("catalog") || {};
    palette.textContent = "";
    for (const group of cat.groups || []) {
      const items = group.layers.map((type) => {
        const doc = (cat.layers && cat.layers[type] && cat.layers[type].doc) || type;
        const label = breakable(type);
        const b = h("button", {
          class: "kw-pal-item", type: "button", draggable: "true", title: `${type}: ${doc}`, "data-type": type, text: label,
          onclick: () => {
            flushAll();
            if (insertAt !== null) send({ op: "insert", index: insertAt, type });
            else send({ op: "add", type });
            setInsertAt(null);
          },
          ondragstart: (e) => {
            dragInfo = { kind: "new", type };
            e.dataTransfer.setData("text/plain", type);
            e.dataTransfer.effectAllowed = "copy";
          },
          ondragend: () => endDrag(),
        });
        return b;
      });
      palette.append(
        h("details", { class: "kw-pal-group", open: true, "data-group": group.name },
          h("summary", { text: group.name }),
          h("div", { class: "kw-pal-items" }, items)),
      );
    }
  }

  // ---- stack ----------------------------------------------------------------------------
  function layers() {
    return (getJSON("state") || {}).layers || [];
  }
  // The core reports shapes without the batch axis; show them like Keras: (None, ...).
  const batched = (shape) => (Array.isArray(shape) ? [null, ...shape] : shape);
  // With tuned fields the report adds [smallest, largest] ranges (params_range per row and in
  // total, shape_range per output dimension): shown as "lo–hi" where they differ.
  const span = (rg, fmt = String) => (Array.isArray(rg) && rg[0] !== rg[1] ? `${fmt(rg[0])}–${fmt(rg[1])}` : null);
  const paramsText = (r) => span(r.params_range, fmtInt) ?? fmtInt(r.params);
  const ranged = (r) => span(r.params_range) !== null || shapeRanged(r);
  const shapeRanged = (r) =>
    Array.isArray(r.shape_range) && Array.isArray(r.output_shape) && r.shape_range.length === r.output_shape.length &&
    r.shape_range.some((d) => span(d) !== null);
  function shapeText(r) {
    if (r.output_shape === null || r.output_shape === undefined) return "?";
    if (!shapeRanged(r)) return fmtShape(batched(r.output_shape));
    const dims = r.shape_range.map((d, i) => span(d) ?? (r.output_shape[i] === null ? "None" : String(r.output_shape[i])));
    return `(None, ${dims.join(", ")})`;
  }
  function reportFor(id) {
    const rep = getJSON("report") || {};
    return (rep.layers || []).find((r) => r.id === id) || {};
  }
  function indexOf(id) {
    return layers().findIndex((l) => l.id === id);
  }
  function flushAll() {
    for (const c of cards.values()) for (const f of c.fields.values()) f.flush();
  }

  function makeCard(layer) {
    const cat = model.get("catalog") || {};
    const spec = (cat.layers && cat.layers[layer.type]) || { args: [], doc: "" };
    const id = layer.id;
    const fields = new Map();
    const handle = h("span", { class: "kw-handle", title: "Drag to reorder (or Alt+↑/↓)", text: "⠿", "aria-hidden": "true" });
    const idx = h("span", { class: "kw-idx" });
    const shape = h("span", { class: "kw-badge kw-shape" });
    const params = h("span", { class: "kw-badge kw-params" });
    const macs = h("span", { class: "kw-badge kw-macs", title: "multiply-accumulates per sample (? = cannot be counted)" });
    const btn = (cls, content, t, fn) =>
      h("button", { class: `kw-icon ${cls}`, type: "button", title: t, "aria-label": t, onclick: fn }, content);
    const collapseBtn = btn("kw-collapse", "▾", "Collapse", () => send({ op: "collapse", id, index: indexOf(id), collapsed: !card.collapsed }));
    const head = h(
      "div",
      { class: "kw-card-head" },
      handle, idx,
      h("span", { class: "kw-card-type", text: layer.type, title: spec.doc || layer.type }),
      h("span", { class: "kw-b-spacer" }),
      // Badges and buttons wrap as a block on a narrow card, the three buttons together.
      h("span", { class: "kw-card-meta" }, shape, params, macs,
        h("span", { class: "kw-card-actions" },
          collapseBtn,
          btn("kw-dup", copyIcon(), "Duplicate", () => { flushAll(); send({ op: "duplicate", id, index: indexOf(id) }); }),
          btn("kw-remove", "✕", "Remove", () => { flushAll(); send({ op: "remove", id, index: indexOf(id) }); }))),
    );
    const err = h("div", { class: "kw-card-msg" });
    const basic = h("div", { class: "kw-fields" });
    const adv = h("div", { class: "kw-fields" });
    const advArgs = spec.args.filter((a) => a.advanced);
    const details = h("details", { class: "kw-adv" }, h("summary", { text: `Advanced (${advArgs.length})` }), adv);
    for (const a of spec.args) {
      const f = makeField(a, (layer.config || {})[a.name], (value) => send({ op: "set_arg", id, index: indexOf(id), name: a.name, value }), `${uid}-${id}`);
      fields.set(a.name, f);
      (a.advanced ? adv : basic).append(f.el);
    }
    // Arguments the catalog does not know (e.g. from_model on an exotic config) are kept
    // by the core; they are not editable here.
    const body = h("div", { class: "kw-card-body" }, basic, advArgs.length ? details : null);
    if (spec.kind === "app")
      body.prepend(h("div", { class: "kw-card-note", text: "Pretrained base (keras.applications, include_top=False). weights='imagenet' downloads the weights on first use of the model (never while validating)." }));
    if (spec.kind === "nested")
      body.append(h("div", { class: "kw-card-note", text: "Nested model loaded with from_model: kept exactly, read-only here." }));
    else if (!spec.args.length) body.append(h("div", { class: "kw-noargs", text: "no arguments" }));
    // A base or nested block: its summary and graph one click away (Python builds it with
    // weights=None and sends rows and a picture; see SequentialBuilder._send_inside).
    let inside = null;
    if (spec.kind === "app" || spec.kind === "nested") {
      inside = h("div", { class: "kw-inside" });
      const show = (what) => {
        inside.dataset.show = what;
        inside.textContent = "";
        inside.append(h("div", { class: "kw-inside-wait", text: "building…" }));
        model.send({ type: "inside", id });
      };
      body.append(
        h("div", { class: "kw-inside-bar" },
          h("button", { type: "button", class: "kw-btn kw-inside-summary", text: "Summary", onclick: () => show("summary") }),
          h("button", { type: "button", class: "kw-btn kw-inside-graph", text: "Graph", onclick: () => show("graph") }),
          h("button", { type: "button", class: "kw-btn kw-inside-hide", text: "Hide", onclick: () => { inside.textContent = ""; delete inside.dataset.show; } }),
        ),
        inside,
      );
    }
    // Settings loaded from a model that have no editor: kept exactly and shown.
    const kept = Object.keys(layer.config || {}).filter((k) => !spec.args.some((a) => a.name === k));
    if (kept.length && spec.kind !== "nested")
      body.append(h("div", { class: "kw-card-note kw-kept", text: `kept as loaded: ${kept.map((k) => `${k}=${JSON.stringify(layer.config[k])}`).join(", ")}` }));
    const elCard = h("div", { class: "kw-card kw-layer", tabindex: "0", "data-id": id, "data-type": layer.type, "aria-label": `${layer.type} layer` }, head, err, body);

    handle.addEventListener("mousedown", () => (elCard.draggable = true));
    elCard.addEventListener("mouseup", () => (elCard.draggable = false));
    elCard.addEventListener("dragstart", (e) => {
      if (!elCard.draggable) return;
      dragInfo = { kind: "move", id, index: indexOf(id) };
      e.dataTransfer.setData("text/plain", id);
      e.dataTransfer.effectAllowed = "move";
      elCard.classList.add("kw-dragging");
    });
    elCard.addEventListener("dragend", () => {
      elCard.draggable = false;
      elCard.classList.remove("kw-dragging");
      endDrag();
    });
    elCard.addEventListener("keydown", (e) => {
      if (e.target !== elCard) return; // keys typed in a field belong to the field
      const i = indexOf(id);
      if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
        const to = e.key === "ArrowUp" ? i - 1 : i + 1;
        if (to >= 0 && to < layers().length) {
          refocus = id;
          send({ op: "move", id, index: i, to });
        }
        e.preventDefault();
      } else if (e.key === "Delete" || e.key === "Backspace") {
        send({ op: "remove", id, index: i });
        e.preventDefault();
      } else if (!e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
        const sib = e.key === "ArrowUp" ? elCard.previousElementSibling : elCard.nextElementSibling;
        const next = sib && (sib.classList.contains("kw-layer") ? sib : sib[e.key === "ArrowUp" ? "previousElementSibling" : "nextElementSibling"]);
        if (next && next.classList.contains("kw-layer")) next.focus();
        e.preventDefault();
      }
    });
    const card = {
      el: elCard, type: layer.type, fields, collapsed: false,
      showInside(msg) {
        if (!inside || !inside.dataset.show) return;
        inside.textContent = "";
        if (msg.error) {
          inside.append(h("div", { class: "kw-card-msg", text: msg.error }));
          return;
        }
        inside.append(h("div", { class: "kw-inside-title", text: `${msg.name}: ${fmtInt(msg.total_params)} params (${fmtInt(msg.trainable_params)} trainable), ${fmtCount(msg.macs)} MACs` }));
        if (inside.dataset.show === "graph") {
          if (msg.picture)
            inside.append(h("div", { class: "kw-inside-scroll" }, h("img", { class: "kw-inside-picture", src: msg.picture, alt: `layer graph of ${msg.name}` })));
          return;
        }
        const rows = (msg.rows || []).map(([name, cls, shape, params, macs]) =>
          h("tr", {},
            h("td", { text: name }), h("td", { text: cls }), h("td", { class: "kw-mono", text: shape }),
            h("td", { class: "kw-num", text: params === null ? "?" : fmtInt(params) }),
            h("td", { class: "kw-num", text: fmtCount(macs) })));
        inside.append(h("div", { class: "kw-inside-scroll" }, h("table", { class: "kw-summary kw-inside-table" },
          h("thead", {}, h("tr", {}, ...["Layer", "Type", "Output shape", "Params", "MACs"].map((t) => h("th", { text: t })))),
          h("tbody", {}, ...rows))));
      },
      update(l, r, i) {
        idx.textContent = String(i + 1);
        for (const [name, f] of fields) {
          if (!f.busy()) f.set((l.config || {})[name]);
          f.setError((r.field_errors || {})[name] || "");
        }
        card.collapsed = !!l.collapsed;
        elCard.classList.toggle("kw-collapsed", card.collapsed);
        collapseBtn.textContent = card.collapsed ? "▸" : "▾";
        collapseBtn.title = card.collapsed ? "Expand" : "Collapse";
        // With field errors the core also sets `error` ("invalid kernel_size"): the fields
        // carry the messages then, and the card is marked as a layer error only otherwise.
        const badField = Object.keys(r.field_errors || {}).length > 0;
        const bad = !!r.error && !badField;
        elCard.classList.toggle("kw-card-error", bad);
        elCard.classList.toggle("kw-card-fielderror", badField);
        err.textContent = bad ? r.error : "";
        // Advanced args with an error must be visible.
        if (advArgs.some((a) => (r.field_errors || {})[a.name])) details.open = true;
        const known = r.output_shape !== null && r.output_shape !== undefined;
        shape.textContent = shapeText(r);
        shape.classList.toggle("kw-unknown", !known);
        params.textContent = r.params === null || r.params === undefined ? "" : `${paramsText(r)} params`;
        for (const b of [shape, params]) {
          b.classList.toggle("kw-ranged", ranged(r));
          b.title = ranged(r) ? "smallest – largest over the tuned ranges" : "";
        }
        if (r.params !== null && r.params !== undefined && r.trainable_params !== r.params)
          params.textContent += ` (${fmtInt(r.trainable_params || 0)} trainable)`;
        params.hidden = r.params === null || r.params === undefined;
        // MACs once the shapes are known; "≥" when a base holds a layer that cannot be counted
        macs.hidden = !known;
        macs.textContent = known ? `${r.macs_partial ? "≥ " : ""}${fmtCount(r.macs)} MACs` : "";
      },
    };
    return card;
  }

  function gap(i) {
    return h("div", { class: "kw-gap", "data-index": String(i) },
      h("button", { class: "kw-gap-btn", type: "button", title: "Insert a layer here", "aria-label": "Insert a layer here", text: "+", onclick: () => setInsertAt(insertAt === i ? null : i) }),
      h("span", { class: "kw-gap-hint", text: "pick a layer in the palette to insert it here" }));
  }
  function setInsertAt(i) {
    insertAt = i;
    for (const g of stackList.querySelectorAll(".kw-gap")) g.classList.toggle("kw-gap-active", Number(g.dataset.index) === i);
    root.classList.toggle("kw-inserting", i !== null);
  }

  let refocus = null;
  function renderStack() {
    const ls = layers();
    const active = document.activeElement;
    const seen = new Set();
    const order = [];
    ls.forEach((l, i) => {
      let c = cards.get(l.id);
      if (!c || c.type !== l.type) {
        c = makeCard(l);
        cards.set(l.id, c);
      }
      seen.add(l.id);
      c.update(l, reportFor(l.id), i);
      order.push(c.el);
    });
    for (const [id, c] of cards) if (!seen.has(id)) { c.el.remove(); cards.delete(id); }
    // Rebuild the children only when the order changed, so that a focused field keeps focus.
    const current = [...stackList.children].filter((n) => n.classList.contains("kw-layer"));
    const same = current.length === order.length && current.every((n, i) => n === order[i]);
    if (!same || stackList.children.length !== 2 * order.length + 1) {
      stackList.textContent = "";
      order.forEach((cardEl, i) => stackList.append(gap(i), cardEl));
      stackList.append(gap(order.length));
      if (insertAt !== null && insertAt > order.length) insertAt = null;
      setInsertAt(insertAt);
      if (active && root.contains(active) && active !== document.activeElement) active.focus();
    }
    if (refocus && cards.get(refocus)) cards.get(refocus).el.focus();
    refocus = null;
    empty.hidden = ls.length > 0;
  }

  // ---- drag & drop onto the stack -------------------------------------------------------
  function dropIndex(clientY) {
    const els = [...stackList.querySelectorAll(".kw-layer")];
    for (let i = 0; i < els.length; i++) {
      const r = els[i].getBoundingClientRect();
      if (clientY < r.top + r.height / 2) return i;
    }
    return els.length;
  }
  function markDrop(i) {
    for (const g of stackList.querySelectorAll(".kw-gap")) g.classList.toggle("kw-gap-drop", Number(g.dataset.index) === i);
  }
  function endDrag() {
    dragInfo = null;
    markDrop(-1);
  }
  stack.addEventListener("dragover", (e) => {
    if (!dragInfo) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = dragInfo.kind === "new" ? "copy" : "move";
    markDrop(dropIndex(e.clientY));
  });
  stack.addEventListener("dragleave", (e) => {
    if (!stack.contains(e.relatedTarget)) markDrop(-1);
  });
  stack.addEventListener("drop", (e) => {
    if (!dragInfo) return;
    e.preventDefault();
    e.stopPropagation();
    const p = dropIndex(e.clientY);
    flushAll();
    if (dragInfo.kind === "new") send({ op: "insert", index: p, type: dragInfo.type });
    else {
      const to = p > dragInfo.index ? p - 1 : p;
      if (to !== dragInfo.index) send({ op: "move", id: dragInfo.id, index: dragInfo.index, to });
    }
    endDrag();
  });

  // ---- input shape ----------------------------------------------------------------------
  const shapeEdit = debounce(() => {
    const v = shapeInput.value.trim() === "" ? null : parseTuple(shapeInput.value, { noneOk: true });
    send({ op: "set_input_shape", shape: v });
  }, 150);
  shapeInput.addEventListener("input", () => shapeEdit.later());
  shapeInput.addEventListener("change", shapeEdit.flush);

  function renderInput() {
    const st = getJSON("state") || {};
    const rep = getJSON("report") || {};
    if (document.activeElement !== shapeInput && !shapeEdit.pending()) shapeInput.value = showValue(st.input_shape);
    const bad = rep.input_error || "";
    inputCard.classList.toggle("kw-invalid", !!bad);
    shapeMsg.textContent = bad;
    const out = inputCard.querySelector(".kw-input-out");
    const shp = Array.isArray(st.input_shape) ? [null, ...st.input_shape] : null;
    out.textContent = shp && !bad ? fmtShape(shp) : "?";
  }

  // ---- totals and summary ---------------------------------------------------------------
  function renderTotals() {
    const rep = getJSON("report") || {};
    const ls = layers();
    totals.textContent = "";
    const nErr =
      (rep.layers || []).filter((r) => r.error || Object.keys(r.field_errors || {}).length).length +
      (rep.input_error ? 1 : 0) + Object.keys(rep.compile_errors || {}).length + (rep.model_error ? 1 : 0);
    totals.append(
      h("span", { class: "kw-tot" }, h("b", { class: "kw-total-params", text: fmtInt(rep.total_params || 0) }), " total params"),
      ...(Array.isArray(rep.params_range)
        ? [h("span", { class: "kw-tot kw-params-range", title: "smallest and largest model over the tuned ranges" },
            `tuned: ${fmtInt(rep.params_range[0])} – ${fmtInt(rep.params_range[1])} params`)]
        : []),
      h("span", { class: "kw-tot" }, h("span", { class: "kw-trainable", text: fmtInt(rep.trainable_params || 0) }), " trainable"),
      h("span", { class: "kw-tot" }, h("span", { class: "kw-nontrainable", text: fmtInt(rep.non_trainable_params || 0) }), " non-trainable"),
      h("span", { class: "kw-tot", title: "multiply-accumulates per sample (kw.summary counts the same)" },
        h("span", { class: "kw-total-macs", text: `${rep.macs_lower_bound ? "≥ " : ""}${fmtCount(rep.total_macs || 0)}` }), " MACs"),
      ...(rep.model_error ? [h("span", { class: "kw-model-error", text: rep.model_error })] : []),
      h("span", {
        class: "kw-status " + (rep.ok ? "kw-ok" : "kw-bad"),
        text: rep.ok ? `✓ ${ls.length} layer${ls.length === 1 ? "" : "s"}, valid` : `${nErr} problem${nErr === 1 ? "" : "s"}`,
      }),
    );
    summaryBody.textContent = "";
    ls.forEach((l, i) => {
      const r = reportFor(l.id);
      const bad = r.error || Object.keys(r.field_errors || {}).length;
      const known = r.output_shape !== null && r.output_shape !== undefined;
      summaryBody.append(
        h("tr", { class: bad ? "kw-row-bad" : "", "data-id": l.id, onclick: () => cards.get(l.id) && cards.get(l.id).el.focus() },
          h("td", {}, h("span", { class: "kw-idx", text: String(i + 1) }), breakable(l.type)),
          h("td", { class: "kw-mono" + (shapeRanged(r) ? " kw-ranged" : ""), text: known ? shapeText(r) : "?" }),
          h("td", { class: "kw-num kw-sum-params" + (span(r.params_range) ? " kw-ranged" : ""), text: r.params === null || r.params === undefined ? "–" : paramsText(r) })),
      );
    });
    summaryFoot.textContent = "";
    summaryFoot.append(
      h("tr", {}, h("td", { colSpan: 2, text: "Total params" }),
        h("td", { class: "kw-num kw-sum-total" + (span(rep.params_range) ? " kw-ranged" : ""), text: span(rep.params_range, fmtInt) ?? fmtInt(rep.total_params || 0) })),
      h("tr", { class: "kw-sub" }, h("td", { colSpan: 2, text: "Trainable" }),
        h("td", { class: "kw-num", text: fmtInt(rep.trainable_params || 0) })),
      h("tr", { class: "kw-sub" }, h("td", { colSpan: 2, text: "Non-trainable" }),
        h("td", { class: "kw-num", text: fmtInt(rep.non_trainable_params || 0) })),
      h("tr", { class: "kw-sub" }, h("td", { colSpan: 2, text: "MACs per sample" }),
        h("td", { class: "kw-num kw-sum-macs", text: `${rep.macs_lower_bound ? "≥ " : ""}${fmtCount(rep.total_macs || 0)}` })),
    );
  }

  // ---- compile panel --------------------------------------------------------------------
  // Optimizers, their extra arguments, losses and metrics come from catalog.compile.
  const comp = { extras: new Map() };
  const setCompile = (name, value) => send({ op: "set_compile", values: { [name]: value } });
  const compileCat = () => (model.get("catalog") || {}).compile || {};
  const optimizers = () => {
    const o = compileCat().optimizers;
    if (o && Object.keys(o).length) return Object.entries(o).map(([k, v]) => [k, v.label || k, v.args || []]);
    return OPTIMIZERS.map(([k, label]) => [k, label, []]);
  };
  const compileRows = new Map(); // setting name -> row (for compile_errors)
  function compileRow(label, input, cls = "", key = label) {
    const row = h("div", { class: `kw-field kw-crow ${cls}`, "data-arg": key },
      h("label", { class: "kw-f-label", text: label, title: label, htmlFor: input.id }), input, h("div", { class: "kw-f-msg" }));
    compileRows.set(key, row);
    return row;
  }
  function numInput(name, cls) {
    const inp = h("input", { class: `kw-input kw-num ${cls}`, type: "text", id: `${uid}-c-${name}`, spellcheck: "false" });
    const edit = debounce(() => {
      const v = inp.value.trim();
      setCompile(name, v === "" ? null : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? Number(v) : inp.value);
    }, 300);
    inp.addEventListener("input", () => edit.later());
    inp.addEventListener("change", edit.flush);
    inp.pending = edit.pending;
    return inp;
  }
  const idle = (inp) => document.activeElement !== inp && !(inp.pending && inp.pending());
  comp.optimizer = h("select", { class: "kw-select kw-c-optimizer", id: `${uid}-c-optimizer` });
  comp.optimizer.addEventListener("change", () => setCompile("optimizer", comp.optimizer.value));
  comp.learning_rate = numInput("learning_rate", "kw-c-lr");
  const listId = `${uid}-losses`;
  comp.loss = h("input", { class: "kw-input kw-c-loss", type: "text", list: listId, id: `${uid}-c-loss`, spellcheck: "false" });
  comp.loss.addEventListener("change", () => setCompile("loss", comp.loss.value.trim()));
  comp.losses = h("datalist", { id: listId });
  comp.metrics = h("input", { class: "kw-input kw-c-metrics", type: "text", id: `${uid}-c-metrics`, spellcheck: "false", placeholder: "accuracy" });
  comp.metrics.addEventListener("change", () =>
    setCompile("metrics", comp.metrics.value.split(",").map((v) => v.trim()).filter(Boolean)));
  comp.extraBox = h("div", { class: "kw-compile-extra" });
  // Every compile setting the catalog marks `tunable` can hold a search space, like the
  // optimizer (a Choice) and the learning rate (a Float range).
  // The toggle sits beside the label (as on layer cards); a tuned row spans the panel's
  // width so that min … max, step and log stay on one line.
  const withTune = (row, ctl) => {
    const label = row.querySelector(".kw-f-label");
    const head = h("div", { class: "kw-f-head" });
    label.replaceWith(head);
    head.append(label, ctl.toggle);
    row.insertBefore(ctl.box, row.lastChild);
    const set = ctl.set;
    ctl.set = (v) => {
      const on = set(v);
      row.classList.toggle("kw-tuned", on);
      return on;
    };
    return row;
  };
  comp.tuneOpt = tuneControl("choice", "adam", (v) => setCompile("optimizer", v), comp.optimizer, ["adam", "sgd"]);
  comp.tuneLr = tuneControl("float", 0.001, (v) => setCompile("learning_rate", v), comp.learning_rate);
  const optRow = withTune(compileRow("optimizer", comp.optimizer), comp.tuneOpt);
  const lrRow = withTune(compileRow("learning rate", comp.learning_rate, "", "learning_rate"), comp.tuneLr);
  compilePanel.append(
    optRow,
    lrRow,
    comp.extraBox,
    compileRow("loss", comp.loss, "kw-wide"),
    compileRow("metrics", comp.metrics, "kw-wide"),
    comp.losses,
  );
  /** The arguments of these optimizers (first one's first), each with `for`: who takes it. */
  function extraArgs(keys) {
    const out = new Map();
    for (const key of keys) {
      const entry = optimizers().find(([k]) => k === key);
      for (const a of entry ? entry[2] : []) {
        if (!out.has(a.name)) out.set(a.name, { ...a, for: [] });
        out.get(a.name).for.push(key);
      }
    }
    return [...out.values()];
  }
  let extrasFor = null;
  function buildCompile() {
    comp.optimizer.textContent = "";
    comp.optimizer.append(h("option", { value: "", text: "not compiled" }));
    for (const [k, label] of optimizers()) comp.optimizer.append(h("option", { value: k, text: label }));
    comp.learning_rate.placeholder = showValue(compileCat().learning_rate ?? 0.001);
    comp.losses.textContent = "";
    for (const l of compileCat().losses || LOSSES) comp.losses.append(h("option", { value: l }));
    extrasFor = null;
  }
  function renderCompile() {
    const c = (getJSON("state") || {}).compile || {};
    const optTuned = comp.tuneOpt.set(c.optimizer == null ? "adam" : c.optimizer);
    if (!comp.tuneLr.pending()) comp.tuneLr.set(c.learning_rate == null ? 0.001 : c.learning_rate);
    const opt = optTuned
      ? String((Array.isArray(c.optimizer.values) && c.optimizer.values.length ? c.optimizer.values : ["adam"])[0]).toLowerCase()
      : c.optimizer == null ? "" : String(c.optimizer).toLowerCase();
    if (![...comp.optimizer.options].some((o) => o.value === opt)) comp.optimizer.append(h("option", { value: opt, text: opt }));
    comp.optimizer.value = opt;
    // A tuned optimizer may pick any of its choices: offer the arguments of all of them,
    // each labelled with the optimizers that take it when not all do.
    const keys = optTuned
      ? [...new Set((c.optimizer.values || []).map((v) => String(v).toLowerCase()))]
      : opt ? [opt] : [];
    if (extrasFor !== keys.join(",")) {
      extrasFor = keys.join(",");
      comp.extras.clear();
      comp.extraBox.textContent = "";
      for (const a of extraArgs(keys)) {
        let inp;
        if (a.kind === "bool") {
          inp = h("input", { type: "checkbox", class: `kw-check kw-c-${a.name}`, id: `${uid}-c-${a.name}` });
          inp.addEventListener("change", () => setCompile(a.name, inp.checked));
        } else inp = numInput(a.name, `kw-c-${a.name}`);
        inp.dataset.default = JSON.stringify(a.default ?? null);
        const label = a.for.length < keys.length ? `${a.name} (${a.for.join(", ")})` : a.name;
        const row = compileRow(label, inp, "", a.name);
        const tune = a.tunable ? tuneControl(a.kind, a.default ?? null, (v) => setCompile(a.name, v), inp) : null;
        if (tune) withTune(row, tune);
        comp.extras.set(a.name, { inp, tune });
        comp.extraBox.append(row);
      }
    }
    if (idle(comp.learning_rate) && !comp.tuneLr.set(c.learning_rate == null ? 0.001 : c.learning_rate))
      comp.learning_rate.value = showValue(c.learning_rate);
    for (const [name, { inp, tune }] of comp.extras) {
      const v = c[name] ?? JSON.parse(inp.dataset.default);
      if (tune && (tune.pending() || tune.set(v))) continue;
      if (inp.type === "checkbox") inp.checked = !!v;
      else if (idle(inp)) inp.value = showValue(v);
    }
    if (idle(comp.loss)) comp.loss.value = c.loss == null ? "" : String(c.loss);
    if (idle(comp.metrics)) comp.metrics.value = (Array.isArray(c.metrics) ? c.metrics : c.metrics == null ? [] : [c.metrics]).join(", ");
    const errors = (getJSON("report") || {}).compile_errors || {};
    for (const [key, row] of compileRows) {
      if (!row.isConnected) continue;
      row.classList.toggle("kw-invalid", !!errors[key]);
      row.querySelector(".kw-f-msg").textContent = errors[key] || "";
    }
  }

  // ---- header, presets, undo/redo, code -------------------------------------------------
  function renderHeader() {
    title.textContent = (getJSON("state") || {}).name || "Sequential builder";
    undoBtn.disabled = !model.get("can_undo");
    redoBtn.disabled = !model.get("can_redo");
  }
  function buildPresets() {
    presetSel.textContent = "";
    presetSel.append(h("option", { value: "", text: "Presets…" }));
    for (const name of model.get("presets") || []) presetSel.append(h("option", { value: name, text: name }));
    presetSel.value = "";
  }
  presetSel.addEventListener("change", () => {
    if (presetSel.value) send({ op: "preset", name: presetSel.value });
    presetSel.value = "";
  });
  const undo = () => { flushAll(); send({ op: "undo" }); };
  const redo = () => { flushAll(); send({ op: "redo" }); };
  undoBtn.addEventListener("click", undo);
  redoBtn.addEventListener("click", redo);
  root.addEventListener("keydown", (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey && (e.key === "z" || e.key === "Z")) {
      e.preventDefault();
      e.stopPropagation();
      (e.shiftKey ? redo : undo)();
    } else if (mod && !e.altKey && (e.key === "y" || e.key === "Y")) {
      e.preventDefault();
      e.stopPropagation();
      redo();
    } else if (e.key === "Escape" && insertAt !== null) {
      setInsertAt(null);
    }
  });

  function renderCode() {
    codePre.textContent = model.get("code") || "";
  }
  copyBtn.addEventListener("click", async () => {
    const text = model.get("code") || "";
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      // No clipboard API (insecure context, permissions): classic textarea fallback.
      const ta = h("textarea", { class: "kw-copy-buffer", readonly: true });
      ta.value = text;
      root.append(ta);
      ta.select();
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      ta.remove();
    }
    copyBtn.textContent = ok ? "Copied ✓" : "Select the code and copy it";
    setTimeout(() => (copyBtn.textContent = "Copy code"), 1500);
  });

  // ---- wiring ---------------------------------------------------------------------------
  function renderAll() {
    renderHeader();
    renderInput();
    renderStack();
    renderTotals();
    renderCompile();
    renderCode();
  }
  buildPalette();
  buildCompile();
  buildPresets();
  renderAll();
  // One model update changes several traits at once: render once per batch.
  let scheduled = false;
  const onChange = () => {
    notice.hidden = true;
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      renderAll();
    });
  };
  const onCatalog = () => {
    cards.clear();
    stackList.textContent = "";
    buildPalette();
    buildCompile();
    renderAll();
  };
  const onMsg = (msg) => {
    if (msg && msg.type === "inside") {
      const card = cards.get(msg.id);
      if (card) card.showInside(msg);
      return;
    }
    if (!msg || msg.type !== "rejected") return;
    notice.textContent = `Not applied: ${msg.error || "rejected"}`;
    notice.hidden = false;
  };
  return listen(model, {
    "msg:custom": onMsg,
    "change:state_json": onChange,
    "change:report_json": onChange,
    "change:code": onChange,
    "change:can_undo": onChange,
    "change:can_redo": onChange,
    "change:catalog": onCatalog,
    "change:presets": buildPresets,
  });
}

export default { render };
