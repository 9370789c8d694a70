"""The anywidget shell of LivePlot: bounded state in traitlets, deltas as custom messages."""

from __future__ import annotations

import traitlets

from keras_widgets._widget import STATIC, BaseWidget, bundle


class LivePlotWidget(BaseWidget):
    """Front-end of :class:`keras_widgets.LivePlot` (create it through ``LivePlot``)."""

    _esm = bundle("liveplot")
    _css = STATIC / "liveplot.css"

    # Bounded snapshot (decimated traces, layout, status) a new view or reloaded page draws from.
    state = traitlets.Dict().tag(sync=True)
    log_y = traitlets.Bool(False).tag(sync=True)
    smoothing = traitlets.Float(0.0).tag(sync=True)
    # The Stop button is shown only where a click can reach Python while fit() runs.
    stop_available = traitlets.Bool(False).tag(sync=True)
    stop_requested = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
