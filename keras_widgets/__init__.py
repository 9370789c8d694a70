"""keras_widgets: build, train and understand Keras models inside a notebook.

Public names (all imported lazily so that ``import keras_widgets`` stays cheap and
never pulls in Keras, TensorFlow, Plotly or JupyterLab):

- :func:`summary` -- a rich, static HTML summary of any Keras model.
- :func:`graph` -- an interactive layer graph widget.
- :func:`profile` -- measured time per layer on the current backend and device.
- :class:`LivePlot` -- a Keras callback streaming training curves into a Plotly chart.
- :class:`SequentialBuilder` -- an interactive builder for ``keras.Sequential`` models.
- :func:`runs` -- every run of a TensorBoard log directory, live, without a server.
- ``tune`` -- search spaces (``kw.tune.Int/Float/Choice``) and a live KerasTuner search.
- ``%load_ext keras_widgets`` -- render any displayed Keras model richly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute); resolved on first access (PEP 562).
_LAZY = {
    "summary": ("keras_widgets._summary", "summary"),
    "ModelSummary": ("keras_widgets._summary", "ModelSummary"),
    "graph": ("keras_widgets._graph", "graph"),
    "profile": ("keras_widgets._profile", "profile"),
    "LivePlot": ("keras_widgets._liveplot", "LivePlot"),
    "SequentialBuilder": ("keras_widgets._builder", "SequentialBuilder"),
    "runs": ("keras_widgets._runs", "runs"),
    "diff": ("keras_widgets._diff", "diff"),
    "ModelDiff": ("keras_widgets._diff", "ModelDiff"),
    "snapshot": ("keras_widgets._diff", "snapshot"),
    "tune": ("keras_widgets._tune", "tune"),
}

__all__ = [
    "LivePlot",
    "ModelDiff",
    "ModelSummary",
    "SequentialBuilder",
    "diff",
    "graph",
    "load_ipython_extension",
    "profile",
    "runs",
    "snapshot",
    "summary",
    "tune",
    "unload_ipython_extension",
]

if TYPE_CHECKING:  # pragma: no cover
    from keras_widgets._builder import SequentialBuilder
    from keras_widgets._graph import graph
    from keras_widgets._liveplot import LivePlot
    from keras_widgets._profile import profile
    from keras_widgets._summary import ModelSummary, summary


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'keras_widgets' has no attribute {name!r}") from None
    try:
        value = getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as e:
        from keras_widgets._env import explain_missing_backend

        explain_missing_backend(e)  # a clear message when Keras has no backend installed
        raise
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext keras_widgets``: display Keras models richly."""
    from keras_widgets._ipython import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext keras_widgets``: restore the default display of Keras models."""
    from keras_widgets._ipython import unload

    unload(ipython)
