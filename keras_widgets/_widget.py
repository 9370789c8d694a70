"""Base class for our anywidget front-ends."""

from __future__ import annotations

import functools
import hashlib
import json
import pathlib
import re
import uuid
from typing import Any

import anywidget
import traitlets

STATIC = pathlib.Path(__file__).parent / "static"

# Libraries the front-ends load once per page from the kernel: js/build.mjs LIBRARIES
# (plotly, dagre) and every widget's view ("<widget>-view"; its _esm is a small loader).
_LIBRARY_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
CHUNK = 512 * 1024  # characters per message: well under any front-end's message limit


def bundle(name: str) -> pathlib.Path:
    """Path of a built front-end bundle (``keras_widgets/static/<name>.js``)."""
    return STATIC / f"{name}.js"


# Data libraries: large constant trait values (the builder's catalog) sent like a library.
_DATA: dict[str, str] = {}


def data_library(prefix: str, value: Any) -> str:
    """Register ``value`` as a data library; returns its name (``prefix``-content hash, so a
    page never mixes two versions). The view reads it as the trait value (js/shared/host.js)."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    name = f"{prefix}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"
    _DATA.setdefault(name, f"export default {text};")
    return name


@functools.cache
def _static_library(name: str) -> str:
    return (STATIC / f"{name}.js").read_text(encoding="utf-8")


def library_source(name: str) -> str:
    """The ES module text of a shared library: a built one (``static/<name>.js``) or data."""
    if name in _DATA:
        return _DATA[name]
    if not _LIBRARY_NAME.fullmatch(name) or not (STATIC / f"{name}.js").is_file():
        raise KeyError(name)
    return _static_library(name)


class BaseWidget(anywidget.AnyWidget):
    """An AnyWidget that rejects unknown keyword arguments with a helpful TypeError.

    ipywidgets silently accepts any keyword (it becomes an untracked attribute), so a
    typo such as ``LivePlot(log_scal=True)`` would otherwise do nothing.

    Every view also asks its widget for the large libraries it needs (Plotly.js, dagre):
    they are sent once per page over the comm instead of living in each widget's ``_esm``,
    which a saved notebook keeps per widget (see js/shared/library.js).
    """

    # Ties the widget to its static copy in the notebook (keras_widgets._display).
    _kw_static = traitlets.Unicode().tag(sync=True)
    # trait name -> data library holding its value (see data_library); not in saved state.
    _kw_data = traitlets.Dict().tag(sync=True)
    # Times a running cell showed it under Voila (keras_widgets._display.mark_early).
    _kw_cell_shows = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        private = {"_kw_static", "_kw_data", "_kw_cell_shows"}
        allowed = set(self.trait_names()) - private | {"layout"}
        unknown = sorted(k for k in kwargs if k not in allowed)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(unknown)}"
            )
        super().__init__(_kw_static=uuid.uuid4().hex, **kwargs)
        self.on_msg(self._serve_library)

    def _serve_library(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        # May run in a kernel subshell thread while a cell is busy (see _busy_comm).
        if not isinstance(content, dict) or content.get("type") != "kw-library":
            return
        name, req = str(content.get("name")), str(content.get("req"))
        try:
            text = library_source(name)
        except (KeyError, OSError) as e:
            self.send({"type": "kw-library", "name": name, "req": req, "error": repr(e)})
            return
        parts = max(1, -(-len(text) // CHUNK))
        for i in range(parts):
            part = text[i * CHUNK : (i + 1) * CHUNK]
            msg = {"type": "kw-library", "name": name, "req": req, "part": i, "parts": parts}
            self.send({**msg, "text": part})

    def __repr__(self) -> str:
        # ipywidgets' default repr serializes every trait; keep it cheap.
        return f"<{type(self).__name__}>"
