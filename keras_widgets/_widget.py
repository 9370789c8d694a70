"""Base class for our anywidget front-ends."""

from __future__ import annotations

import functools
import hashlib
import json
import pathlib
import re
import threading
import uuid
import weakref
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


# Data libraries: large constant trait values (the builder's catalog, a graph's layers) sent
# like a library, so they are not in saved widget state. Each name counts the widgets using
# it (BaseWidget._kw_data_traits); the text is dropped when the last of them is closed or
# garbage-collected, so a long session does not keep every graph it ever drew.
_DATA: dict[str, str] = {}
_DATA_USERS: dict[str, int] = {}
_DATA_LOCK = threading.Lock()  # closes may come from a finalizer or a subshell thread


def data_library(prefix: str, value: Any) -> str:
    """Register ``value`` as a data library for one more user; returns its name (``prefix``-
    content hash, so a page never mixes two versions). The view reads it as the trait value
    (js/shared/host.js). Pair every call with :func:`release_data`."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    name = f"{prefix}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"
    with _DATA_LOCK:
        _DATA.setdefault(name, f"export default {text};")
        _DATA_USERS[name] = _DATA_USERS.get(name, 0) + 1
    return name


def release_data(names: Any) -> None:
    """One user fewer for each data library in ``names``; drops those nobody uses."""
    with _DATA_LOCK:
        for name in names:
            left = _DATA_USERS.get(name, 0) - 1
            if left > 0:
                _DATA_USERS[name] = left
            else:
                _DATA_USERS.pop(name, None)
                _DATA.pop(name, None)


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
    # Traits sent as data libraries (trait -> library prefix): not synced themselves, named
    # in _kw_data from the widget's first state on, and sent again when they change.
    _kw_data_traits: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Our front-end files as text, not anywidget's FileContents: every widget of a class
        # with a FileContents subscribes to its "changed" signal through a closure over the
        # widget, which keeps each widget (and its data) alive for the whole session.
        for key in ("_esm", "_css"):
            value = cls.__dict__.get(key)
            if isinstance(value, pathlib.Path):
                setattr(cls, key, value.read_text(encoding="utf-8"))
        super().__init_subclass__(**kwargs)

    def __init__(self, **kwargs: Any) -> None:
        private = {"_kw_static", "_kw_data", "_kw_cell_shows"}
        allowed = set(self.trait_names()) - private | {"layout"}
        unknown = sorted(k for k in kwargs if k not in allowed)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(unknown)}"
            )
        # Data libraries this widget uses; released once, on close() or garbage collection
        # (a finalizer holds the list, never the widget).
        self._kw_data_names: list[str] = []
        self._kw_release = weakref.finalize(self, release_data, self._kw_data_names)
        data = {
            trait: self._use_data(trait, kwargs.get(trait, self.trait_defaults(trait)))
            for trait in self._kw_data_traits
        }
        super().__init__(_kw_static=uuid.uuid4().hex, _kw_data=data, **kwargs)
        if self._kw_data_traits:
            self.observe(self._resend_data, names=list(self._kw_data_traits))
        self.on_msg(self._serve_library)

    def _data_text(self, trait: str, value: Any) -> Any:
        """What the view gets for ``trait`` (a subclass may send JSON text, say)."""
        return value

    def _use_data(self, trait: str, value: Any) -> str:
        name = data_library(self._kw_data_traits[trait], self._data_text(trait, value))
        self._kw_data_names.append(name)
        return name

    def _resend_data(self, change: Any) -> None:  # (a name like _data_changed is traitlets magic)
        trait = change["name"]
        old = self._kw_data.get(trait)
        self._kw_data = {**self._kw_data, trait: self._use_data(trait, change["new"])}
        if old is not None:
            self._kw_data_names.remove(old)
            release_data([old])

    def close(self) -> None:
        super().close()
        if getattr(self, "_kw_release", None) is not None:
            self._kw_release()  # runs once; later calls and the finalizer do nothing

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
