// Every widget's default export goes through liveView (js/build.mjs wraps each entry point):
// it loads the large libraries the bundle needs (shared/library.js) before the view renders,
// and hides the widget's static copy once the view has drawn (shared/static.js). A view that
// cannot render says why and leaves the static copy in place.
//
// Data libraries: a trait listed in `_kw_data` ({trait: library name}) is not in the saved
// widget state; its value is loaded like a library and the view reads it with model.get().
import { addCourier, library, loadLibrary, needs } from "./library.js";
import { hideStatic } from "./static.js";
import { adoptEarly, countView, watchEarlyShows } from "./voila.js";

function withData(model, data) {
  const names = Object.keys(data);
  if (!names.length) return model;
  const get = (key) => (names.includes(key) ? library(data[key]) : model.get(key));
  return new Proxy(model, {
    get(target, key) {
      if (key === "get") return get;
      const value = target[key];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function failed(cleanup) {
  cleanup.failed = true;
  return cleanup;
}

function showError(el, err) {
  const note = document.createElement("div");
  note.className = "kw-load-error";
  note.textContent = `keras_widgets: ${err && err.message ? err.message : err}`;
  el.append(note);
  return () => note.remove();
}

/** A widget's _esm: loads the view library `name` (a liveView) from the kernel, then renders. */
export function loader(name) {
  // Resolves to the view's cleanup; a view that could not render marks it `failed`.
  async function draw(ctx) {
    const courier = addCourier(ctx.model);
    let view;
    try {
      view = await loadLibrary(ctx.model, name);
    } catch (err) {
      courier();
      return failed(showError(ctx.el, err));
    }
    const cleanup = await view.render(ctx);
    const done = () => {
      courier();
      if (typeof cleanup === "function") cleanup();
    };
    return cleanup && cleanup.failed ? failed(done) : done;
  }
  return {
    initialize({ model }) {
      // Voila: a view drawn before the cell that shows the widget ends (shared/voila.js).
      return watchEarlyShows(model, async (el) => {
        const cleanup = await draw({ model, el });
        if (!cleanup.failed) return cleanup;
        cleanup();
        return null;
      });
    },
    async render(ctx) {
      const release = countView(ctx.model);
      const cleanup = (await adoptEarly(ctx.model, ctx.el)) || (await draw(ctx));
      return () => {
        release();
        cleanup();
      };
    },
  };
}

export function liveView(widget) {
  return {
    ...widget,
    async render(ctx) {
      const { model, el } = ctx;
      const courier = addCourier(model);
      const data = model.get("_kw_data") || {};
      try {
        const wanted = [...needs, ...Object.values(data)];
        await Promise.all(wanted.map((name) => loadLibrary(model, name)));
      } catch (err) {
        courier();
        return failed(showError(el, err));
      }
      const cleanup = await widget.render({ ...ctx, model: withData(model, data) });
      const release = hideStatic(model);
      return () => {
        release();
        courier();
        if (typeof cleanup === "function") cleanup();
      };
    },
  };
}
