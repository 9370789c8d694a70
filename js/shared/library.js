// Large libraries (Plotly.js, ...) are not bundled into a widget's _esm, because a saved
// notebook keeps the _esm of every widget. The kernel sends a library over a widget's comm
// once per page (custom messages, in parts); it is evaluated as a module from a Blob URL and
// shared, through globalThis, by every widget of the page. No CDN, no server extension.
// Python side: keras_widgets/_widget.py (BaseWidget serves "kw-library" requests).
//
// Any keras_widgets view on the page can carry the request (addCourier): a widget restored
// from a saved notebook has no kernel behind it, but a live one next to it can fetch for it.

const KEY = Symbol.for("keras_widgets.libraries");
const shared = (globalThis[KEY] ||= { libraries: new Map(), couriers: new Set() });
const RETRY_MS = 4000;

/** Libraries this bundle imports (filled by the shims js/build.mjs puts in their place). */
export const needs = new Set();

/** A loaded library's default export (the shims call this; throws before it is loaded). */
export function library(name) {
  const e = shared.libraries.get(name);
  if (!e || !e.value) throw new Error(`keras_widgets: library ${name} is not loaded yet`);
  return e.value;
} // no part for that long: ask again, through the next courier

function entry(name) {
  let e = shared.libraries.get(name);
  if (!e) {
    e = { name, parts: new Map(), asked: 0, lastPart: 0, tries: 0, done: false };
    e.promise = new Promise((resolve, reject) => {
      e.resolve = resolve;
      e.reject = reject;
    });
    e.promise.catch(() => {});
    shared.libraries.set(name, e);
  }
  return e;
}

async function evaluate(text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
  try {
    return (await import(/* webpackIgnore: true */ url)).default;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function onMessage(msg) {
  if (!msg || msg.type !== "kw-library" || typeof msg.name !== "string") return;
  const e = shared.libraries.get(msg.name);
  if (!e || e.done || msg.error || typeof msg.text !== "string") return;
  let parts = e.parts.get(msg.req);
  if (!parts) e.parts.set(msg.req, (parts = []));
  parts[msg.part] = msg.text;
  e.lastPart = Date.now();
  if (parts.filter((t) => typeof t === "string").length !== msg.parts) return;
  e.done = true;
  e.parts.clear();
  evaluate(parts.join("")).then((value) => {
    e.value = value;
    e.resolve(value);
  }, e.reject);
}

/** Let `model` carry library requests for the page; returns remove(). */
export function addCourier(model) {
  if (!shared.couriers.has(model)) {
    shared.couriers.add(model);
    model.on("msg:custom", onMessage);
  }
  return () => {
    shared.couriers.delete(model);
    model.off("msg:custom", onMessage);
  };
}

function ask(e, model) {
  if (e.done) return;
  const now = Date.now();
  if (e.asked && now - Math.max(e.asked, e.lastPart) < RETRY_MS) return; // under way
  const couriers = [model, ...[...shared.couriers].filter((m) => m !== model)];
  const via = couriers[e.tries++ % couriers.length];
  e.asked = now;
  try {
    via.send({ type: "kw-library", name: e.name, req: `${now}-${e.tries}` });
  } catch (err) {
    // no live comm behind this model (restored from saved state): the next try uses another
  }
}

/**
 * The default export of library `name`, loaded once per page. Rejects after `timeout` ms
 * without it (no kernel answered), so the caller can keep its static picture.
 */
export function loadLibrary(model, name, { timeout = 30000 } = {}) {
  const e = entry(name);
  if (e.done) return e.promise;
  const remove = shared.couriers.has(model) ? () => {} : addCourier(model);
  ask(e, model);
  const retry = setInterval(() => ask(e, model), RETRY_MS / 2);
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${name} could not be loaded: no kernel answered (run the cell again)`));
    }, timeout);
  });
  return Promise.race([e.promise, late]).finally(() => {
    clearInterval(retry);
    clearTimeout(timer);
    remove();
  });
}
