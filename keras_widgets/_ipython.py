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
    """The display bundle of a Keras model: its summary as HTML and as plain text.

    This is the extension point: richer views (e.g. the layer graph) add their own MIME
    types here, keeping ``text/html`` as the static fallback for saved notebooks.
    """
    from keras_widgets._summary import summary

    s = summary(model)
    return {"text/html": s._repr_html_(), "text/plain": str(s)}


def load(ipython: Any) -> None:
    """Register the model formatter on ``ipython`` (idempotent)."""
    if id(ipython) in _REGISTERED:
        return
    formatter = ipython.display_formatter.mimebundle_formatter
    done = []
    for module, name in MODEL_TYPES:
        previous = formatter.for_type_by_name(module, name, model_mimebundle)
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
        if current is not model_mimebundle:
            continue  # someone registered another printer since: leave theirs alone
        formatter.pop(key)
        if previous is not None:
            formatter.for_type_by_name(module, name, previous)
