"""The graph data on the wire: nodes and edges as columns, not one object each.

A browser turns JSON into objects on its main thread; 50,000 node objects with their nested
measures and shapes made a ~15 MB text and a 250 ms task (plus the garbage collections after
it). As columns the text is several times smaller, a column whose values repeat (class names,
kinds, shapes, flags) is a table of its distinct values and an index per row, and the view
builds the rows in slices (js/graph/columns.js), sharing the repeated values.

``encode(data)`` gives that JSON text; ``decode(text)`` gives back the data it was made from
(as JSON would: tuples as lists, NaN and infinities as None).
"""

from __future__ import annotations

import json
import math
from operator import itemgetter
from typing import Any

FORMAT = "kw-graph-columns-1"
_ABSENT = object()  # a row without that key (not the same as a None value)
_ABSENT_REPR = repr(_ABSENT)


def encode(data: dict) -> str:
    """``data`` (``graph_data()``'s shape) as one JSON text with ``nodes`` and ``edges`` as
    columns; every other key as it is."""
    out = {k: v for k, v in data.items() if k not in ("nodes", "edges")}
    out["format"] = FORMAT
    out["nodes"] = _table(data.get("nodes") or [])
    out["edges"] = _table(data.get("edges") or [])
    try:
        return json.dumps(out, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN or infinity somewhere (a measure): null, as JSON has no NaN
        return json.dumps(_finite(out), separators=(",", ":"))


def decode(text: str | dict) -> dict:
    """The data an :func:`encode` text was made from (a text of plain JSON passes through)."""
    raw = json.loads(text) if isinstance(text, str) else dict(text)
    if raw.get("format") != FORMAT:
        return raw
    raw.pop("format")
    for key in ("nodes", "edges"):
        block = raw[key]
        columns = {name: _reader(col) for name, col in block["columns"].items()}
        rows = []
        for i in range(block["count"]):
            row = {}
            for name, read in columns.items():
                value = read(i)
                if value is not _ABSENT:
                    row[name] = value
            rows.append(row)
        raw[key] = rows
    return raw


def _table(rows: list[dict]) -> dict:
    return {"count": len(rows), "columns": {k: _column(v) for k, v in _split(rows).items()}}


def _split(rows: list[Any]) -> dict[str, list[Any]]:
    """Dict rows (or _ABSENT) as one list per key; _ABSENT where a row lacks the key."""
    shapes = dict.fromkeys(map(tuple, (r for r in rows if r is not _ABSENT)))
    keys = list(dict.fromkeys(k for shape in shapes for k in shape))
    if len(shapes) == 1 and len(keys) > 1 and not any(r is _ABSENT for r in rows):
        # Every row has the same keys (the usual case): one C-level pass per key.
        return {k: list(map(itemgetter(k), rows)) for k in keys}
    return {k: [_ABSENT if r is _ABSENT else r.get(k, _ABSENT) for r in rows] for k in keys}


def _column(values: list[Any]) -> dict:
    """One column: ``fields`` (dict values, a column per key), ``table`` + ``index`` (few
    distinct values; -1 is absent) or ``values`` (+ ``absent``, the rows without a value)."""
    present = [v for v in values if v is not _ABSENT]
    absent = [i for i, v in enumerate(values) if v is _ABSENT]
    if present and all(type(v) is dict for v in present):
        fields = {k: _column(c) for k, c in _split(values).items()}
        return {"fields": fields, "absent": absent}
    # Values are told apart by repr (1, 1.0 and True stay apart; equal reprs are equal JSON),
    # counted with C-level loops: this runs over every field of 50,000 nodes.
    limit = max(16, len(values) // 4)
    head = values[:2000]
    if len(head) > 64 and len(set(map(repr, head))) > len(head) // 2:  # names, ids: distinct
        return {"values": [None if v is _ABSENT else v for v in values], "absent": absent}
    types = set(map(type, present))
    simple = types <= {str, type(None)} or types <= {int, type(None)}
    keys = values if simple and not absent else list(map(repr, values))
    codes: dict[Any, int] = {_ABSENT_REPR: -1}
    index = [codes.setdefault(k, len(codes) - 1) for k in keys]
    if len(codes) - 1 <= limit:
        last = dict(zip(keys, values, strict=True))
        return {"table": [last[k] for k in codes if k != _ABSENT_REPR], "index": index}
    return {"values": [None if v is _ABSENT else v for v in values], "absent": absent}


def _reader(col: dict):
    if "fields" in col:
        fields = {k: _reader(c) for k, c in col["fields"].items()}
        absent = set(col["absent"])

        def read_fields(i: int) -> Any:
            if i in absent:
                return _ABSENT
            row = {}
            for k, read in fields.items():
                value = read(i)
                if value is not _ABSENT:
                    row[k] = value
            return row

        return read_fields
    if "table" in col:
        table, index = col["table"], col["index"]
        return lambda i: _ABSENT if index[i] < 0 else table[index[i]]
    values, absent = col["values"], set(col["absent"])
    return lambda i: _ABSENT if i in absent else values[i]


def _finite(v: Any) -> Any:
    """``v`` with NaN and infinities as None (JSON has neither)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v
