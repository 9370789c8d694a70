"""Helpers for tests that display objects in a kernel-less IPython shell."""

from __future__ import annotations

import ipywidgets

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_by_id(model_id: str):
    """The live widget behind a widget-view output (ipywidgets 7 and 8 keep them apart)."""
    instances = getattr(ipywidgets.widgets.widget, "_instances", None)  # ipywidgets 8
    if instances is None:  # ipywidgets 7
        instances = ipywidgets.Widget.widgets
    return instances[model_id]
