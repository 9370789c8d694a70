// Editors for one constructor argument, generated from the catalog's arg spec
// ({name, kind, default, choices, advanced, optional, doc}). Each editor parses what it can
// into JSON values and sends anything it cannot parse as the raw text, so the Python core
// (the source of truth) decides what is valid and reports it back as a field error.
import { h, debounce } from "../shared/dom.js";
import { tuneControl } from "./tune.js";

const ACTIVATIONS = [
  "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish",
  "sigmoid", "hard_sigmoid", "softmax", "log_softmax", "softplus", "softsign", "tanh", "exponential",
];
const INITIALIZERS = [
  "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
  "orthogonal", "random_uniform", "random_normal", "truncated_normal", "zeros", "ones",
];
const REGULARIZERS = [["", "none"], ["L1", "L1"], ["L2", "L2"], ["L1L2", "L1L2"]];

/** Text shown in a field for a JSON value: tuples as "3, 3", None as "". */
export function showValue(value, kind) {
  if (value === null || value === undefined) return "";
  if (kind === "axis" || kind === "literal" || kind === "object") return JSON.stringify(value);
  if (Array.isArray(value)) return value.map((v) => (v === null ? "None" : String(v))).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text, isInt) {
  const t = text.trim();
  if (isInt ? INT_RE.test(t) : FLOAT_RE.test(t)) return Number(t);
  return text; // the core reports it as invalid
}

/** "3, 3" / "(3, 3)" / "3" -> [3, 3] / [3, 3] / 3 (or [3] when a tuple is required). */
export function parseTuple(text, { scalarOk = false, noneOk = false } = {}) {
  const t = text.trim().replace(/^[([]\s*/, "").replace(/\s*[)\]]$/, "");
  if (!t) return text;
  const parts = t.split(/[\s,x×]+/).filter((p) => p !== "");
  const out = [];
  for (const p of parts) {
    if (noneOk && /^(none|null|\?)$/i.test(p)) out.push(null);
    else if (INT_RE.test(p)) out.push(Number(p));
    else return text;
  }
  if (scalarOk && out.length === 1 && !/[,(\[]/.test(text)) return out[0];
  return out;
}

function emptyValue(spec, text) {
  // An empty field means "None" for optional args; otherwise let the core flag it.
  return spec.optional ? null : text;
}

/**
 * Build a field editor. `onEdit(value, {immediate})` is called on user edits.
 * Returns {el, set(value), setError(msg), focusables()}.
 */
export function makeField(spec, value, onEdit, uid) {
  // Arguments left at their Keras default are absent from the config: show the default.
  const shown = (v) => (v === undefined ? spec.default : v);
  const label = h("label", { class: "kw-f-label", text: spec.name, title: spec.doc || spec.name });
  const msg = h("div", { class: "kw-f-msg" });
  const wrap = h("div", { class: "kw-field", "data-arg": spec.name, "data-kind": spec.kind });
  let editor;
  const kind = spec.kind;

  const v0 = shown(value);
  if (kind === "bool") editor = boolEditor(spec, v0, onEdit);
  else if (kind === "choice" || kind === "activation" || kind === "initializer" || kind === "dtype")
    editor = selectEditor(spec, v0, onEdit);
  else if (kind === "layer") editor = layerEditor(spec, v0, onEdit);
  else if (kind === "regularizer") editor = regularizerEditor(spec, v0, onEdit);
  else editor = textEditor(spec, v0, onEdit);
  wrap.classList.toggle("kw-default", value === undefined);
  // Numeric and choice fields can hold a search space instead (see tune.js); the catalog
  // marks them (`tunable`), from the same list Python checks.
  const tune = spec.tunable ? tuneControl(kind, v0, onEdit, editor.el, optionsFor(spec)) : null;

  const id = `${uid}-${spec.name}`;
  if (editor.input) {
    editor.input.id = id;
    label.htmlFor = id;
  }
  const head = tune ? h("div", { class: "kw-f-head" }, label, tune.toggle) : label;
  wrap.append(head, editor.el, ...(tune ? [tune.box] : []), msg);
  return {
    el: wrap,
    spec,
    set(v) {
      wrap.classList.toggle("kw-default", v === undefined);
      if (tune && tune.set(shown(v))) return;
      editor.set(shown(v));
    },
    setError(text) {
      wrap.classList.toggle("kw-invalid", !!text);
      msg.textContent = text || "";
      if (editor.input) editor.input.setAttribute("aria-invalid", text ? "true" : "false");
    },
    flush: () => {
      if (editor.flush) editor.flush();
      if (tune) tune.flush();
    },
    busy: () =>
      wrap.contains(document.activeElement) || (editor.pending && editor.pending()) || (tune && tune.pending()),
  };
}

function textEditor(spec, value, onEdit) {
  const kind = spec.kind;
  const numeric = kind === "int" || kind === "float";
  const placeholder =
    spec.default !== null && spec.default !== undefined
      ? showValue(spec.default)
      : spec.optional
        ? "None"
        : "required";
  const input = h("input", {
    class: "kw-input" + (numeric ? " kw-num" : ""),
    type: "text",
    spellcheck: "false",
    autocomplete: "off",
    placeholder,
    inputmode: kind === "float" ? "decimal" : numeric ? "numeric" : undefined,
  });
  input.value = showValue(value, kind);
  const parse = (text) => {
    if (text.trim() === "") return emptyValue(spec, text);
    if (kind === "int") return parseNumber(text, true);
    if (kind === "float") return parseNumber(text, false);
    if (kind === "int_or_tuple") return parseTuple(text, { scalarOk: true });
    if (kind === "tuple") return parseTuple(text);
    if (kind === "shape") return parseTuple(text, { noneOk: true });
    if (kind === "axis") {
      const t = text.trim();
      if (t.startsWith("[")) {
        try {
          return JSON.parse(t);
        } catch {
          return text;
        }
      }
      return parseNumber(t, true);
    }
    if (kind === "literal" || kind === "object") {
      // JSON when it parses; otherwise the text goes to Python, which reads Python literals
      // (tuples, True/None) and keeps anything else as text.
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
    return text; // str, text
  };
  // Debounced: shapes update while typing, not per key.
  const edit = debounce(() => onEdit(parse(input.value)), 150);
  input.addEventListener("input", () => edit.later());
  input.addEventListener("change", edit.flush);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") edit.flush();
  });
  return {
    el: input,
    input,
    flush: edit.flush,
    pending: edit.pending,
    set(v) {
      const text = showValue(v, kind);
      // Keep what the user typed when it parses to the same value ("3,3" vs "3, 3").
      if (JSON.stringify(parse(input.value)) !== JSON.stringify(v) || input.value === "")
        input.value = text;
    },
  };
}

function boolEditor(spec, value, onEdit) {
  const input = h("input", { type: "checkbox", class: "kw-check" });
  input.checked = !!value;
  input.addEventListener("change", () => onEdit(input.checked));
  return { el: input, input, set: (v) => (input.checked = !!v) };
}

function optionsFor(spec) {
  if (Array.isArray(spec.choices) && spec.choices.length)
    return spec.choices.filter((c) => c !== null).map(String);
  if (spec.kind === "activation") return ACTIVATIONS;
  if (spec.kind === "initializer") return INITIALIZERS;
  return [];
}

function selectEditor(spec, value, onEdit) {
  const select = h("select", { class: "kw-select" });
  const base = optionsFor(spec);
  // Values that are not plain strings (e.g. an initializer config from a model) keep their
  // JSON so that re-selecting them sends them back unchanged.
  const fill = (v) => {
    select.textContent = "";
    const names = [...base];
    const noneOk = spec.optional || (Array.isArray(spec.choices) && spec.choices.includes(null));
    if (noneOk || v === null || v === undefined)
      select.append(h("option", { value: "\u0000none", text: "None" }));
    const cur = v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);
    if (cur !== null && !names.includes(cur)) names.unshift(cur);
    for (const n of names) select.append(h("option", { value: n, text: labelOf(n) }));
    select.value = cur === null ? "\u0000none" : cur;
  };
  const labelOf = (n) => {
    if (n.startsWith("{")) {
      try {
        const o = JSON.parse(n);
        return o.class_name || o.type || n;
      } catch {
        return n;
      }
    }
    return n;
  };
  fill(value);
  select.addEventListener("change", () => {
    const v = select.value;
    if (v === "\u0000none") onEdit(null);
    else if (v.startsWith("{")) onEdit(JSON.parse(v));
    else onEdit(v);
  });
  return { el: select, input: select, set: fill };
}

/** Regularizer value: null or {"type": "L1"|"L2"|"L1L2", "l1": f, "l2": f} (core format). */
export function regularizerEditor(spec, value, onEdit) {
  const select = h("select", { class: "kw-select kw-reg-type" });
  for (const [v, t] of REGULARIZERS) select.append(h("option", { value: v, text: t }));
  const l1 = h("input", { class: "kw-input kw-num kw-reg-l1", type: "text", placeholder: "0.01", title: "l1 factor", spellcheck: "false" });
  const l2 = h("input", { class: "kw-input kw-num kw-reg-l2", type: "text", placeholder: "0.01", title: "l2 factor", spellcheck: "false" });
  const l1w = h("span", { class: "kw-reg-f" }, h("span", { class: "kw-reg-k", text: "l1" }), l1);
  const l2w = h("span", { class: "kw-reg-f" }, h("span", { class: "kw-reg-k", text: "l2" }), l2);
  const el = h("span", { class: "kw-reg" }, select, l1w, l2w);
  const shown = () => {
    const t = select.value;
    l1w.hidden = !(t === "L1" || t === "L1L2");
    l2w.hidden = !(t === "L2" || t === "L1L2");
  };
  const current = () => {
    const t = select.value;
    if (!t) return null;
    const out = { type: t };
    const num = (inp) => (inp.value.trim() === "" ? 0.01 : parseNumber(inp.value, false));
    if (t === "L1" || t === "L1L2") out.l1 = num(l1);
    if (t === "L2" || t === "L1L2") out.l2 = num(l2);
    return out;
  };
  const edit = debounce(() => onEdit(current()), 150);
  select.addEventListener("change", () => {
    shown();
    onEdit(current());
  });
  for (const inp of [l1, l2]) {
    inp.addEventListener("input", () => edit.later());
    inp.addEventListener("change", edit.flush);
  }
  const set = (v) => {
    const obj = v && typeof v === "object" ? v : typeof v === "string" ? { type: v } : {};
    const name = String(obj.type || obj.class_name || "").toUpperCase();
    const cfg = obj.config || obj;
    select.value = ["L1", "L2", "L1L2"].includes(name) ? name : "";
    if (document.activeElement !== l1) l1.value = cfg.l1 !== undefined ? String(cfg.l1) : "";
    if (document.activeElement !== l2) l2.value = cfg.l2 !== undefined ? String(cfg.l2) : "";
    shown();
  };
  set(value);
  return { el, input: select, set, flush: edit.flush, pending: edit.pending };
}

/** Wrapped layer (Bidirectional): {"type": "LSTM", "config": {"units": 32, ...}}. */
function layerEditor(spec, value, onEdit) {
  const select = h("select", { class: "kw-select kw-inner-type" });
  for (const c of optionsFor(spec)) select.append(h("option", { value: c, text: c }));
  const units = h("input", { class: "kw-input kw-num kw-inner-units", type: "text", title: "units", spellcheck: "false", placeholder: "units" });
  const seq = h("input", { type: "checkbox", class: "kw-check kw-inner-seq", title: "return_sequences" });
  const el = h(
    "span",
    { class: "kw-reg" },
    select,
    h("span", { class: "kw-reg-f" }, h("span", { class: "kw-reg-k", text: "units" }), units),
    h("label", { class: "kw-reg-f", title: "return_sequences" }, seq, h("span", { class: "kw-reg-k", text: "seq" })),
  );
  let last = value && typeof value === "object" ? value : { type: "LSTM", config: {} };
  // units / return_sequences exist on the recurrent layers (cells: units only); any other
  // wrapped layer (TimeDistributed) keeps its config as it is.
  const recurrent = () => /^(LSTM|GRU|SimpleRNN)(Cell)?$/.test(select.value);
  const current = () => {
    const config = { ...(last.config || {}) };
    if (recurrent()) {
      const u = units.value.trim();
      config.units = u === "" ? null : parseNumber(u, true);
      if (!select.value.endsWith("Cell")) config.return_sequences = seq.checked;
    }
    return { type: select.value, config: select.value === (last.type || last.class_name) ? config : recurrent() ? { units: config.units ?? 32 } : {} };
  };
  const showParts = () => {
    units.parentElement.hidden = !recurrent();
    seq.parentElement.hidden = !recurrent() || select.value.endsWith("Cell");
  };
  select.addEventListener("change", showParts);
  const edit = debounce(() => onEdit(current()), 150);
  select.addEventListener("change", () => onEdit(current()));
  seq.addEventListener("change", () => onEdit(current()));
  units.addEventListener("input", () => edit.later());
  units.addEventListener("change", edit.flush);
  const set = (v) => {
    last = v && typeof v === "object" ? v : { type: String(v || "LSTM"), config: {} };
    const t = String(last.type || last.class_name || "LSTM");
    if (![...select.options].some((o) => o.value === t)) select.append(h("option", { value: t, text: t }));
    select.value = t;
    const cfg = last.config || {};
    if (document.activeElement !== units) units.value = showValue(cfg.units);
    seq.checked = !!cfg.return_sequences;
    showParts();
  };
  set(value);
  return { el, input: select, set, flush: edit.flush, pending: edit.pending };
}
