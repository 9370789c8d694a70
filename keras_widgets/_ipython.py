"""``%load_ext keras_widgets``: a Keras model as the last expression of a cell renders richly.

What is shown is the live widget (tabs "Summary" and "Graph") and, as separate outputs
below it, static copies of the summary and of the graph picture. A saved notebook keeps
those copies: nbconvert renders the widget output with a widget manager from a CDN (blank
offline), so a ``text/html`` fallback inside the widget's own bundle would never be shown.
Wherever the widget loads, its graph view hides the copies (same ``uid``, see js/graph).

The printer is registered *by type name* on IPython's ``ipython_display_formatter`` so that
loading the extension does not import Keras: IPython resolves the name the first time it
displays an object whose class (or a base class, so Sequential, Functional and subclassed
models all match) has that name.
"""

from __future__ import annotations

from typing import Any

# (module, class name) of the base class of every Keras 3 model.
MODEL_TYPES = (("keras.src.models.model", "Model"),)

# id(shell) -> [(formatter, module, name, previous printer or None)], to undo exactly.
_REGISTERED: dict[int, list[tuple[Any, str, str, Any]]] = {}


def model_mimebundle(model: Any) -> dict[str, Any]:
    """The static display bundle of a Keras model: summary and layer graph as HTML, and text.

    No widgets: what a front-end without JavaScript can show. :func:`model_display` shows
    the live widgets and the same content as static outputs.
    """
    from keras_widgets._display import picture_html
    from keras_widgets._graph._data import graph_data
    from keras_widgets._graph._static import fallback_svg
    from keras_widgets._summary import summary

    s = summary(model)
    svg = fallback_svg(graph_data(model))
    html = s._repr_html_() + picture_html(svg, f"Layer graph of {model.name}")
    return {"text/html": html, "text/plain": str(s)}


def model_display(model: Any) -> None:
    """What the extension shows: the tabs widget, then static copies of the summary and the
    graph picture (hidden where the widget renders; see the module docstring)."""
    import ipywidgets

    from keras_widgets import _display
    from keras_widgets._graph import graph
    from keras_widgets._summary import summary

    s = summary(model)
    g = graph(model)
    tabs = ipywidgets.Tab(children=[ipywidgets.HTML(s._repr_html_()), g])
    tabs.set_title(0, "Summary")  # set_title works on ipywidgets 7 and 8
    tabs.set_title(1, "Graph")
    # The tabs hold the graph's view, which hides the static copies it owns: the summary's
    # (a second rendering, not the same string: its toggles get ids of their own) and the
    # picture (kept up to date with the drawing the front-end sends back).
    text = f"Summary and layer graph of {model.name!r}"
    _display.show(tabs, text, _display.static_bundle(g, s._repr_html_(), str(s)))
    g.display_static()


def load(ipython: Any) -> None:
    """Register the model printer on ``ipython`` (idempotent)."""
    if id(ipython) in _REGISTERED:
        return
    formatter = ipython.display_formatter.ipython_display_formatter
    done = []
    for module, name in MODEL_TYPES:
        # pop, not just for_type_by_name: a printer IPython already resolved to the class
        # would otherwise take precedence over a new by-name one.
        previous = formatter.pop(f"{module}.{name}", None)
        formatter.for_type_by_name(module, name, model_display)
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
