"""Live training curves: ``kw.LivePlot`` (a Keras callback streaming to a Plotly view)."""

__all__ = ["LivePlot"]


def __getattr__(name: str):
    # Lazy (PEP 562): kw.runs reuses _decimate without importing Keras through _callback.
    if name == "LivePlot":
        from keras_widgets._liveplot._callback import LivePlot

        return LivePlot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
