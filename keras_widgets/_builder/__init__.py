"""Interactive builder for ``keras.Sequential`` models (``kw.SequentialBuilder``).

``_core`` (with ``_catalog`` and ``_codegen``) is the pure-Python source of truth; ``_widget``
holds the user-facing object and its anywidget view. The widget is imported lazily so that
the core can be imported (and unit-tested) without anywidget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["SequentialBuilder"]

if TYPE_CHECKING:  # pragma: no cover
    from keras_widgets._builder._widget import SequentialBuilder


def __getattr__(name: str) -> Any:
    if name == "SequentialBuilder":
        from keras_widgets._builder._widget import SequentialBuilder

        return SequentialBuilder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
