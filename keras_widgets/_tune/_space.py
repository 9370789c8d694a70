"""Search spaces for one field: ``Int``, ``Float`` and ``Choice``, with KerasTuner's names.

Pure Python (no Keras, no KerasTuner import): a space validates itself, round-trips through
JSON and declares itself on a ``keras_tuner.HyperParameters`` object under a field's name.
"""

from __future__ import annotations

import math
from typing import Any

SAMPLINGS = ("linear", "log", "reverse_log")


def _number(value: Any, what: str, integer: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    if integer:
        if int(value) != value:
            raise ValueError(f"{what} must be a whole number for Int, got {value!r}")
        return int(value)
    return float(value)


class _Range:
    kind = ""
    _integer = False

    def __init__(
        self,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str = "linear",
    ) -> None:
        name = type(self).__name__
        lo = _number(min_value, f"{name} min", self._integer)
        hi = _number(max_value, f"{name} max", self._integer)
        if lo > hi:
            raise ValueError(f"{name}: min ({lo}) is larger than max ({hi})")
        if sampling not in SAMPLINGS:
            raise ValueError(f"{name}: sampling must be one of {SAMPLINGS}, got {sampling!r}")
        if step is not None:
            step = _number(step, f"{name} step", self._integer)
            if sampling == "linear":
                if step <= 0:
                    raise ValueError(f"{name}: step must be positive, got {step}")
                if step > hi - lo and hi > lo:
                    raise ValueError(
                        f"{name}: step ({step}) is larger than the range {lo}..{hi} "
                        f"(width {hi - lo})"
                    )
            # KerasTuner: with log sampling, step is a factor (min, min*step, ...).
            elif step <= 1:
                raise ValueError(f"{name}: with {sampling} sampling step is a factor > 1")
            elif lo * step > hi:
                raise ValueError(
                    f"{name}: step factor ({step}) is larger than the range {lo}..{hi}"
                )
        if sampling != "linear" and lo <= 0:
            raise ValueError(f"{name}: {sampling} sampling needs min > 0, got min {lo}")
        self.min_value, self.max_value, self.step, self.sampling = lo, hi, step, sampling

    # KerasTuner's short names for the same values
    @property
    def min(self) -> float:
        return self.min_value

    @property
    def max(self) -> float:
        return self.max_value

    def bounds(self) -> tuple[Any, Any]:
        """Smallest and largest value the search can pick."""
        return self.min_value, self.max_value

    @property
    def default(self) -> Any:
        return self.min_value

    def to_json(self) -> dict:
        return {
            "tune": self.kind,
            "min": self.min_value,
            "max": self.max_value,
            "step": self.step,
            "sampling": self.sampling,
        }

    def declare(self, hp: Any, name: str) -> Any:
        """``hp.Int(name, ...)`` / ``hp.Float(name, ...)`` on a keras_tuner HyperParameters."""
        method = getattr(hp, type(self).__name__)
        return method(
            name, min_value=self.min_value, max_value=self.max_value, step=self.step,
            sampling=self.sampling,
        )  # fmt: skip

    def code(self, name: str, hp: str = "hp") -> str:
        """The Python call that declares this space, for generated scripts."""
        args = [repr(name), f"min_value={self.min_value!r}", f"max_value={self.max_value!r}"]
        if self.step is not None:
            args.append(f"step={self.step!r}")
        if self.sampling != "linear":
            args.append(f"sampling={self.sampling!r}")
        return f"{hp}.{type(self).__name__}({', '.join(args)})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_json() == self.to_json()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        extra = "" if self.step is None else f", step={self.step!r}"
        if self.sampling != "linear":
            extra += f", sampling={self.sampling!r}"
        return f"{type(self).__name__}({self.min_value!r}, {self.max_value!r}{extra})"

    def describe(self) -> str:
        """Short text for cards and tables: ``32..256 step 32``, ``0.0001..0.01 log``."""
        text = f"{self.min_value:g}..{self.max_value:g}"
        if self.step is not None:
            text += f" step {self.step:g}"
        if self.sampling != "linear":
            text += f" {self.sampling}"
        return text


class Int(_Range):
    """An integer range: ``kw.tune.Int(32, 256, step=32)`` (KerasTuner's ``hp.Int``)."""

    kind = "int"
    _integer = True


class Float(_Range):
    """A float range: ``kw.tune.Float(1e-4, 1e-2, sampling="log")`` (KerasTuner's ``hp.Float``)."""

    kind = "float"


_CHOICE_TYPES = (bool, int, float, str)


class Choice:
    """One of a list of values: ``kw.tune.Choice(["adam", "sgd"])`` (KerasTuner's ``hp.Choice``).

    Values must share one type (str, int, float or bool), as KerasTuner requires.
    """

    kind = "choice"

    def __init__(self, values: Any) -> None:
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ValueError(f"Choice needs a list of values, got {values!r}")
        values = list(values)
        if not values:
            raise ValueError("Choice needs at least one value, got an empty list")
        types = {type(v) for v in values}
        if not all(t in _CHOICE_TYPES for t in types):
            bad = next(v for v in values if type(v) not in _CHOICE_TYPES)
            raise ValueError(f"Choice values must be str, int, float or bool, got {bad!r}")
        if types == {int, float}:  # a mix of numbers is a list of floats
            values = [float(v) for v in values]
        elif len(types) > 1:
            raise ValueError(
                "Choice values must share one type, got "
                + ", ".join(sorted(t.__name__ for t in types))
            )
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"Choice values must be finite, got {v!r}")
        if len(set(values)) != len(values):
            raise ValueError(f"Choice values must be distinct, got {values!r}")
        self.values = values

    def bounds(self) -> tuple[Any, Any]:
        """Smallest and largest value (numbers), else the first and last."""
        v = self.values
        if isinstance(v[0], (int, float)) and not isinstance(v[0], bool):
            return min(v), max(v)
        return v[0], v[-1]

    @property
    def default(self) -> Any:
        return self.values[0]

    def to_json(self) -> dict:
        return {"tune": self.kind, "values": list(self.values)}

    def declare(self, hp: Any, name: str) -> Any:
        return hp.Choice(name, self.values)

    def code(self, name: str, hp: str = "hp") -> str:
        return f"{hp}.Choice({name!r}, {self.values!r})"

    def describe(self) -> str:
        return " | ".join(str(v) for v in self.values)

    def __eq__(self, other: object) -> bool:
        return type(other) is Choice and other.values == self.values

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"Choice({self.values!r})"


Space = Int | Float | Choice
_KINDS = {"int": Int, "float": Float}


def is_space(value: Any) -> bool:
    return isinstance(value, (Int, Float, Choice))


def from_json(data: Any) -> Space:
    """Inverse of ``to_json()``; raises ValueError on anything that is not a valid space."""
    if not isinstance(data, dict) or "tune" not in data:
        raise ValueError(f"not a search space: {data!r}")
    kind = data["tune"]
    if kind == "choice":
        return Choice(data.get("values", []))
    if kind not in _KINDS:
        raise ValueError(f"unknown search space kind {kind!r} (int, float or choice)")
    return _KINDS[kind](
        data.get("min"), data.get("max"), data.get("step"), data.get("sampling", "linear")
    )


def is_space_json(data: Any) -> bool:
    return isinstance(data, dict) and "tune" in data
