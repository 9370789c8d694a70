"""Base class for our anywidget front-ends."""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget

STATIC = pathlib.Path(__file__).parent / "static"


def bundle(name: str) -> pathlib.Path:
    """Path of a built front-end bundle (``keras_widgets/static/<name>.js``)."""
    return STATIC / f"{name}.js"


class BaseWidget(anywidget.AnyWidget):
    """An AnyWidget that rejects unknown keyword arguments with a helpful TypeError.

    ipywidgets silently accepts any keyword (it becomes an untracked attribute), so a
    typo such as ``LivePlot(log_scal=True)`` would otherwise do nothing.
    """

    def __init__(self, **kwargs: Any) -> None:
        allowed = set(self.trait_names()) | {"layout"}
        unknown = sorted(k for k in kwargs if k not in allowed)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(unknown)}"
            )
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        # ipywidgets' default repr serializes every trait; keep it cheap.
        return f"<{type(self).__name__}>"
