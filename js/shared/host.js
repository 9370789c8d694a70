// Every widget's default export goes through liveView (js/build.mjs wraps each entry point):
// it loads the large libraries the bundle needs (shared/library.js) before the view renders,
// and hides the widget's static copy once the view has drawn (shared/static.js). A view that
// cannot render says why and leaves the static copy in place.
import { addCourier, loadLibrary, needs } from "./library.js";
import { hideStatic } from "./static.js";

export function liveView(widget) {
  return {
    ...widget,
    async render(ctx) {
      const { model, el } = ctx;
      const courier = addCourier(model);
      try {
        await Promise.all([...needs].map((name) => loadLibrary(model, name)));
      } catch (err) {
        courier();
        const note = document.createElement("div");
        note.className = "kw-load-error";
        note.textContent = `keras_widgets: ${err && err.message ? err.message : err}`;
        el.append(note);
        return () => note.remove();
      }
      const cleanup = await widget.render(ctx);
      const release = hideStatic(model);
      return () => {
        release();
        courier();
        if (typeof cleanup === "function") cleanup();
      };
    },
  };
}
