"""``kw.tune``: hyperparameter search spaces and a live KerasTuner search.

- ``kw.tune.Int(min, max, step=None, sampling="linear")``, ``kw.tune.Float(...)``,
  ``kw.tune.Choice(values)``: KerasTuner's names and meaning, for one field.
- ``kw.tune.search(build_model, x, y, ...)``: a real KerasTuner search, shown live.

Importing this module is cheap: Keras and KerasTuner load when a search starts.
"""

from __future__ import annotations

import sys
from typing import Any

from keras_widgets._tune._space import Choice, Float, Int, from_json, is_space

__all__ = ["Choice", "Float", "Int", "Search", "from_json", "is_space", "search"]


def __getattr__(name: str) -> Any:
    if name in ("search", "Search"):
        from keras_widgets._tune import _search

        return getattr(_search, name)
    raise AttributeError(f"module 'keras_widgets.tune' has no attribute {name!r}")


# ``kw.tune`` is this module itself (a namespace of Int, Float, Choice, search).
tune = sys.modules[__name__]
