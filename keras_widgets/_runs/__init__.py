"""TensorBoard log directories without TensorFlow or a server: ``kw.runs(logdir)`` and the
writer behind ``LivePlot(logdir=...)``."""

from keras_widgets._runs._widget import Runs, runs

__all__ = ["Runs", "runs"]
