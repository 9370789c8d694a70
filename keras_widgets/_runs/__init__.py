"""TensorBoard log directories without TensorFlow or a server: ``kw.runs(logdir)`` and the
writer behind ``LivePlot(logdir=...)``.

The widget is imported on first use (PEP 562): the reader and the writer are plain cores that
a script or a training job imports without anywidget, ipywidgets or IPython.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Runs", "runs"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from keras_widgets._runs import _widget

        return getattr(_widget, name)
    raise AttributeError(f"module 'keras_widgets._runs' has no attribute {name!r}")
