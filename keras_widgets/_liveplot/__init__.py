"""Live training curves: ``kw.LivePlot`` (a Keras callback streaming to a Plotly view)."""

from keras_widgets._liveplot._callback import LivePlot

__all__ = ["LivePlot"]
