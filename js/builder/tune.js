// "tune" toggle for numeric and choice fields: the field then holds a search space
// ({tune: "int"|"float", min, max, step, sampling} or {tune: "choice", values}) that the
// Python core validates (errors come back as field errors). Values are set as text only.
import { h, debounce } from "../shared/dom.js";

export const isSpace = (v) => !!v && typeof v === "object" && !Array.isArray(v) && typeof v.tune === "string";

const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const num = (text) => (NUM_RE.test(text.trim()) ? Number(text.trim()) : text);

/** A first search space from the field's current value (`options`: a choice field's list). */
export function defaultSpace(kind, value, options = []) {
  if (kind === "int" || kind === "int_or_tuple") {
    const v = Number.isInteger(value) && value > 0 ? value : 8;
    return { tune: "int", min: v, max: v * 4, step: null, sampling: "linear" };
  }
  if (kind === "float") {
    const v = typeof value === "number" && Number.isFinite(value) ? value : 0;
    // small factors (learning rates, epsilons): log around the value; fractions (rates,
    // momentum, betas): linear around it; zero or unset: 0..0.5
    if (v > 0 && (v < 0.05 || v >= 1)) return { tune: "float", min: v / 10, max: v * 10, step: null, sampling: "log" };
    if (v > 0) return { tune: "float", min: v / 2, max: (1 + v) / 2, step: null, sampling: "linear" };
    return { tune: "float", min: 0, max: 0.5, step: null, sampling: "linear" };
  }
  if (kind === "bool") return { tune: "choice", values: [true, false] };
  const first = value === null || value === undefined ? [] : [value];
  const other = options.find((o) => o !== null && o !== value);
  return { tune: "choice", values: other === undefined ? first : [...first, other] };
}

/** The value a field falls back to when "tune" is switched off. */
export function firstValue(space) {
  if (!isSpace(space)) return space;
  if (space.tune === "choice") return Array.isArray(space.values) && space.values.length ? space.values[0] : null;
  return space.min;
}

/** Text for a card: "32..256 step 32", "0.0001..0.01 log", "relu | tanh". */
export function describeSpace(space) {
  if (!isSpace(space)) return "";
  if (space.tune === "choice") return (space.values || []).map(String).join(" | ");
  let t = `${space.min}..${space.max}`;
  if (space.step !== null && space.step !== undefined) t += ` step ${space.step}`;
  if (space.sampling && space.sampling !== "linear") t += ` ${space.sampling}`;
  return t;
}

/** Editor of one search space; onEdit(space) on every change. Returns {el, set(space), flush}. */
export function spaceEditor(kind, space, onEdit) {
  const el = h("span", { class: "kw-tune-space" });
  const min = h("input", { class: "kw-input kw-num kw-tune-min", type: "text", title: "min", placeholder: "min", spellcheck: "false" });
  const max = h("input", { class: "kw-input kw-num kw-tune-max", type: "text", title: "max", placeholder: "max", spellcheck: "false" });
  const step = h("input", { class: "kw-input kw-num kw-tune-step", type: "text", title: "step (empty: any)", placeholder: "step", spellcheck: "false" });
  const log = h("input", { type: "checkbox", class: "kw-check kw-tune-log", title: "log sampling" });
  const values = h("input", { class: "kw-input kw-tune-values", type: "text", title: "values, comma separated", placeholder: "a, b, c", spellcheck: "false" });
  let current = space;
  const parseValues = (text) =>
    text
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "")
      .map((t) => (kind === "bool" ? /^(true|1|yes)$/i.test(t) : kind === "int" || kind === "float" || kind === "int_or_tuple" ? num(t) : t));
  const read = () => {
    if (current.tune === "choice") return { tune: "choice", values: parseValues(values.value) };
    return {
      tune: current.tune,
      min: num(min.value),
      max: num(max.value),
      step: step.value.trim() === "" ? null : num(step.value),
      sampling: log.checked ? "log" : "linear",
    };
  };
  const edit = debounce(() => {
    current = read();
    onEdit(current);
  }, 200);
  for (const inp of [min, max, step, values]) {
    inp.addEventListener("input", () => edit.later());
    inp.addEventListener("change", edit.flush);
  }
  log.addEventListener("change", () => {
    edit.later();
    edit.flush();
  });
  const set = (s) => {
    current = s;
    el.textContent = "";
    const busy = el.contains(document.activeElement);
    if (s.tune === "choice") {
      if (!busy) values.value = (s.values || []).map(String).join(", ");
      el.append(values);
    } else {
      if (!busy) {
        min.value = s.min === null || s.min === undefined ? "" : String(s.min);
        max.value = s.max === null || s.max === undefined ? "" : String(s.max);
        step.value = s.step === null || s.step === undefined ? "" : String(s.step);
      }
      log.checked = s.sampling === "log";
      el.append(min, h("span", { class: "kw-tune-dots", text: "…" }), max, step, h("label", { class: "kw-tune-logl" }, log, "log"));
    }
  };
  set(space);
  return { el, set, flush: edit.flush, pending: edit.pending };
}

/**
 * Add a "tune" toggle to a field whose plain editor is `plainEl`. `onEdit(value)` sends either
 * a search space or, when switched off, the space's first value. Returns
 * {toggle, box, set(value) -> whether the value is a space, flush, pending}.
 */
export function tuneControl(kind, value, onEdit, plainEl, options = []) {
  const box = h("span", { class: "kw-tune-box" });
  const toggle = h("button", { class: "kw-tune-toggle", type: "button", title: "Search a range of values (KerasTuner)" }, "tune");
  let editor = null;
  let space = isSpace(value) ? value : null;
  toggle.addEventListener("click", () => {
    toggle.blur(); // a focused field is not refreshed by the sync (it may be mid-edit)
    if (space) onEdit(firstValue(space));
    else onEdit(defaultSpace(kind, toggle.dataset.value ? JSON.parse(toggle.dataset.value) : null, options));
  });
  const set = (v) => {
    space = isSpace(v) ? v : null;
    toggle.classList.toggle("kw-tune-on", !!space);
    toggle.setAttribute("aria-pressed", space ? "true" : "false");
    if (!space) toggle.dataset.value = JSON.stringify(v === undefined ? null : v);
    plainEl.hidden = !!space;
    box.hidden = !space;
    if (space) {
      if (!editor) {
        editor = spaceEditor(kind, space, onEdit);
        box.append(editor.el);
      } else editor.set(space);
    }
    return !!space;
  };
  set(value);
  return {
    toggle,
    box,
    set,
    flush: () => editor && editor.flush(),
    pending: () => !!(editor && editor.pending()),
  };
}
