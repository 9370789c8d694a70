// Voila (0.5, --progressive_rendering=True) sends a cell's outputs to the page only when the
// cell ends (voila/tornado/execution_request_handler.py awaits execute_cell, then writes the
// outputs), while widget models and their messages arrive at once over the kernel
// connection. So a LivePlot shown by the cell that runs fit() would appear only at its end.
//
// Python (keras_widgets/_display.py mark_early) counts such shows in the trait
// `_kw_cell_shows`. For a show of a widget that has no view on the page yet, this draws one
// at once in the running cell, where Voila will put the cell's outputs. When the outputs
// arrive, the real view adopts it (moves its element in) instead of drawing a second one.
// Anything unexpected (another page, no running cell, a view that fails) leaves the page as
// Voila makes it.
//
// What this reads of Voila's page (packages/voila/src/plugins/outputs/tools.ts): <body
// data-voila="voila">, page config `progressiveRendering`, one element [cell-index] per cell
// holding the cell (.jp-Cell) and, until its outputs arrive, a .voila-skeleton-container.
// Voila then appends the outputs to the [cell-index] element's last element, the .jp-Cell.

const KEY = Symbol.for("keras_widgets.voila");
const shared = (globalThis[KEY] ||= { early: new Map(), views: new Map(), seen: new Map() });
const SKELETON = "voila-skeleton-container";

function progressivePage() {
  if (typeof document === "undefined" || !document.body) return false;
  if (document.body.dataset.voila !== "voila") return false;
  try {
    const config = document.getElementById("jupyter-config-data");
    const value = JSON.parse((config && config.textContent) || "{}").progressiveRendering;
    return value === true || value === "true";
  } catch {
    return false;
  }
}

/** The .jp-Cell of the cell Voila runs now: the first whose skeleton is still there. */
function runningCell() {
  for (const cell of document.querySelectorAll("[cell-index]")) {
    const skeleton = [...cell.children].find((c) => c.classList.contains(SKELETON));
    if (!skeleton) continue;
    const box = skeleton.previousElementSibling;
    return box && box.classList.contains("jp-Cell") ? box : null;
  }
  return null;
}

const uidOf = (model) => String(model.get("_kw_static") || "");

/**
 * In a model's initialize: draw a view early for each show by a running cell (see top).
 * `draw(el)` renders the view into `el` and resolves to its cleanup, or null if it failed.
 * Returns the watcher's cleanup.
 */
export function watchEarlyShows(model, draw) {
  const uid = uidOf(model);
  if (!uid || !progressivePage()) return () => {};
  const check = () => {
    const shows = Number(model.get("_kw_cell_shows")) || 0;
    if (shows <= (shared.seen.get(uid) || 0)) return;
    shared.seen.set(uid, shows);
    // A view is already there, or one is waiting for its output: the shows that follow
    // appear when their cells end, as Voila does it.
    if (shared.views.get(uid) || (shared.early.get(uid) || []).length) return;
    try {
      place(uid, draw);
    } catch (err) {
      console.warn("keras_widgets: no early view in Voila", err);
    }
  };
  model.on("change:_kw_cell_shows", check);
  check();
  return () => model.off("change:_kw_cell_shows", check);
}

function place(uid, draw) {
  const cell = runningCell();
  if (!cell) return;
  // The markup of an output, so the view sits where (and as) the real one will.
  const box = document.createElement("div");
  box.className = "jp-Cell-outputWrapper kw-early";
  const output = document.createElement("div");
  output.className = "jp-OutputArea-output";
  const el = document.createElement("div");
  output.append(el);
  box.append(output);
  // Voila hides a cell without input or outputs (.jp-mod-noOutputs.jp-mod-noInput); it
  // drops the class itself when the outputs arrive.
  const hidden = cell.classList.contains("jp-mod-noOutputs");
  cell.classList.remove("jp-mod-noOutputs");
  cell.append(box);
  const entry = { el, box, adopted: false, cell, hidden };
  const queue = shared.early.get(uid) || [];
  queue.push(entry);
  shared.early.set(uid, queue);
  const discard = () => {
    const q = shared.early.get(uid) || [];
    if (q.includes(entry)) q.splice(q.indexOf(entry), 1);
    if (!q.length) shared.early.delete(uid);
    box.remove();
    if (hidden && !cell.querySelector(".jp-OutputArea-output")) cell.classList.add("jp-mod-noOutputs");
  };
  entry.ready = Promise.resolve()
    .then(() => draw(el))
    .catch(() => null)
    .then((cleanup) => {
      if (!cleanup && !entry.adopted) discard();
      return cleanup;
    });
}

/** Count a real view of `model` while it lives; returns release(). */
export function countView(model) {
  const uid = uidOf(model);
  shared.views.set(uid, (shared.views.get(uid) || 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (shared.views.get(uid) || 1) - 1;
    if (n > 0) shared.views.set(uid, n);
    else shared.views.delete(uid);
  };
}

/**
 * The real view of `model` (element `el`) takes over the oldest early view, if any: resolves
 * to its cleanup, or null (no early view, or it failed: draw as usual).
 */
export async function adoptEarly(model, el) {
  const uid = uidOf(model);
  const queue = shared.early.get(uid);
  const entry = queue && queue.shift();
  if (!entry) return null;
  if (!queue.length) shared.early.delete(uid);
  entry.adopted = true;
  el.append(entry.el);
  entry.box.remove();
  // Adopted by an output of another cell (its outputs came before the show was heard): this
  // cell is as Voila left it again, until its own outputs arrive.
  if (entry.hidden && !entry.cell.contains(el)) entry.cell.classList.add("jp-mod-noOutputs");
  const cleanup = await entry.ready;
  if (!cleanup) entry.el.remove();
  return cleanup || null;
}
