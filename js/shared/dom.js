// Tiny DOM helpers shared by every front-end. Data is always set as text, never as markup,
// so layer, model and metric names can never become HTML.

/** Create an element: h("div", {class: "kw-x", onclick: fn, title: "t"}, child, "text", ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Format a parameter count with thousands separators. */
export function fmtInt(n) {
  return Number(n).toLocaleString("en-US");
}

/** Format a shape (array or nested arrays, null for the batch dim) like Keras: (None, 28, 28, 1). */
/** A count as people read it: 7.84 K, 3.86 G (the same steps as keras_widgets._cost). */
export function fmtCount(n) {
  if (n === null || n === undefined) return "?";
  const units = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "K"]];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${(n / size).toPrecision(3)} ${unit}`;
  return String(n);
}

export function fmtShape(shape) {
  if (shape === null || shape === undefined) return "?";
  if (typeof shape === "string") return shape;
  if (Array.isArray(shape) && shape.length && Array.isArray(shape[0])) return shape.map(fmtShape).join(", ");
  return "(" + shape.map((d) => (d === null ? "None" : d)).join(", ") + (shape.length === 1 ? ",)" : ")");
}

/**
 * Debounce fn by ms. later(...args) (re-)arms the timer; when it fires, or on flush(), fn runs
 * once with the last args. flush() does nothing unless a call is pending, so it is safe to call
 * on change/blur/Enter. cancel() drops the pending call; pending() tells whether one waits.
 */
export function debounce(fn, ms) {
  let timer = null;
  let args = [];
  const flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    fn(...args);
  };
  return {
    later(...a) {
      args = a;
      clearTimeout(timer);
      timer = setTimeout(flush, ms);
    },
    flush,
    cancel() {
      clearTimeout(timer);
      timer = null;
    },
    pending: () => timer !== null,
  };
}

/**
 * Subscribe to model events: listen(model, {"msg:custom": fn, "change:x": fn}) calls
 * model.on(name, fn) for each entry (anywidget 0.9+ API) and returns off(), which removes them all.
 */
export function listen(model, handlers) {
  const entries = Object.entries(handlers);
  for (const [name, fn] of entries) model.on(name, fn);
  return () => {
    for (const [name, fn] of entries) model.off(name, fn);
  };
}
