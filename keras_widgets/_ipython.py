"""``%load_ext keras_widgets``: a Keras model as the last expression of a cell renders richly.

The formatter is registered *by type name* so that loading the extension does not import
Keras: IPython resolves the name the first time it displays an object whose class (or a
base class, so Sequential, Functional and subclassed models all match) has that name.
"""

from __future__ import annotations

from typing import Any

# (module, class name) of the base class of every Keras 3 model.
MODEL_TYPES = (("keras.src.models.model", "Model"),)

# id(shell) -> [(formatter, module, name, previous printer or None)], to undo exactly.
_REGISTERED: dict[int, list[tuple[Any, str, str, Any]]] = {}


def model_mimebundle(model: Any) -> dict[str, Any]:
    """The static display bundle of a Keras model: summary and layer graph as HTML, and text.

    This is the extension point: :func:`model_display` adds the live widgets on top and
    keeps this ``text/html`` as the fallback for saved notebooks.
    """
    return _bundles(model, live=False)


def model_display(model: Any) -> dict[str, Any]:
    """What the extension shows: tabs "Summary" and "Graph" (live widgets), plus the static
    bundle of :func:`model_mimebundle` for front-ends without the widget state."""
    return _bundles(model, live=True)


def _bundles(model: Any, live: bool) -> dict[str, Any]:
    from keras_widgets._graph._data import graph_data
    from keras_widgets._graph._static import fallback_svg, static_html
    from keras_widgets._summary import summary

    s = summary(model)
    summary_html = s._repr_html_()
    caption = f"Layer graph of {model.name}"
    if not live:
        svg = fallback_svg(graph_data(model))
        html = summary_html + static_html(svg, "none", caption)
        return {"text/html": html, "text/plain": str(s)}

    import ipywidgets

    from keras_widgets._graph import graph

    g = graph(model)
    tabs = ipywidgets.Tab(children=[ipywidgets.HTML(summary_html), g])
    tabs.set_title(0, "Summary")  # set_title works on ipywidgets 7 and 8
    tabs.set_title(1, "Graph")
    html = summary_html + static_html(g.static_svg(), g.uid, caption)
    return {
        # The same data a widget's own repr gives (protocol 2.x on ipywidgets 7 and 8).
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 0,
            "model_id": tabs.model_id,
        },
        "text/html": html,
        "text/plain": str(s),
    }


def load(ipython: Any) -> None:
    """Register the model formatter on ``ipython`` (idempotent)."""
    if id(ipython) in _REGISTERED:
        return
    formatter = ipython.display_formatter.mimebundle_formatter
    done = []
    for module, name in MODEL_TYPES:
        previous = formatter.for_type_by_name(module, name, model_display)
        done.append((formatter, module, name, previous))
    _REGISTERED[id(ipython)] = done


def unload(ipython: Any) -> None:
    """Remove what :func:`load` added (restoring any printer it replaced)."""
    for formatter, module, name, previous in _REGISTERED.pop(id(ipython), []):
        key = f"{module}.{name}"
        try:
            current = formatter.lookup_by_type(key)
        except KeyError:
            continue
        if current is not model_display:
            continue  # someone registered another printer since: leave theirs alone
        formatter.pop(key)
        if previous is not None:
            formatter.for_type_by_name(module, name, previous)
