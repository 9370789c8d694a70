// One home for "live widget + static picture": Python (keras_widgets/_display.py) shows a
// widget followed by a static copy marked <div class="kw-static" data-kw-static="ID">, which
// saved notebooks, nbconvert HTML and GitHub show. Where the widget's view renders, the copy
// is hidden, also when it is re-displayed later (update_display replaces its node): one
// stylesheet for the page holds one rule per live id, removed when the id's last view goes.

const KEY = Symbol.for("keras_widgets.static");
const shared = (globalThis[KEY] ||= { counts: new Map(), style: null });

function refresh() {
  if (typeof document === "undefined") return;
  if (!shared.style || !shared.style.isConnected) {
    shared.style = document.createElement("style");
    shared.style.dataset.kwStatic = "";
    document.head.append(shared.style);
  }
  shared.style.textContent = [...shared.counts.keys()]
    .map((id) => `.kw-static[data-kw-static="${id}"]{display:none !important}`)
    .join("\n");
}

/**
 * Hide the static copy of `model`'s widget (trait `_kw_static`) while this view lives.
 * Call it once the view really drew (not before a library it needs has loaded, so a view
 * that fails keeps the picture). Returns release(), for the view's cleanup.
 */
export function hideStatic(model) {
  const id = String(model.get("_kw_static") || "");
  if (!/^[0-9a-f]{8,64}$/.test(id)) return () => {};
  shared.counts.set(id, (shared.counts.get(id) || 0) + 1);
  refresh();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (shared.counts.get(id) || 1) - 1;
    if (n > 0) shared.counts.set(id, n);
    else shared.counts.delete(id);
    refresh();
  };
}
