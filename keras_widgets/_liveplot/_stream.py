"""Throttled delta stream: after the first render only new points travel to the browser.

Every flush turns the points appended to the store since the last flush into operations
(``add`` a trace, ``extend`` it, or ``reset`` it with a decimated copy of its whole history)
packed into custom messages of bounded size, each carrying one float32 buffer. The browser
never holds more than ``live_points`` points per trace: once a trace would exceed it, it is
reset to a decimated copy of half that size (min/max per bucket, epoch points kept).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from keras_widgets._liveplot._decimate import decimate
from keras_widgets._liveplot._render import trace_spec
from keras_widgets._liveplot._store import Store, Trace

MAX_PAYLOAD = 48_000  # bytes of float data per message (JSON adds a little): < 64 KB
STATE_BUDGET = 24_000  # approximate JSON bytes of trace data kept in the widget state

Send = Callable[[dict, list], None]


def _clean(values: np.ndarray) -> list:
    """JSON-safe, compact floats (NaN/inf -> None)."""
    return [float(f"{v:.6g}") if math.isfinite(v) else None for v in values.tolist()]


class Streamer:
    """Sends the store's new points through ``send(content, buffers)``, at most every
    ``interval`` seconds unless forced."""

    def __init__(
        self,
        store: Store,
        send: Send,
        *,
        interval: float = 0.25,
        live_points: int = 2000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.send = send
        self.interval = interval
        self.live_points = max(int(live_points), 16)
        self.clock = clock
        self.sent: dict[int, int] = {}  # trace id -> points of the store already sent
        self.shown: dict[int, int] = {}  # trace id -> points the browser holds
        self.seq = 0  # number of messages sent
        self.messages = 0
        self._last = -math.inf
        self._layout_key: Any = None
        self._layout_obj: Any = None
        self._specs: dict[int, dict] = {}  # last spec sent per trace
        self._gen: Any = None

    def due(self) -> bool:
        return self.clock() - self._last >= self.interval

    def maybe_flush(
        self, status: dict | None = None, layout: Callable[[], dict] | None = None
    ) -> bool:
        """Flush if ``interval`` has passed since the last flush."""
        if not self.due():
            return False
        self.flush(status, layout)
        return True

    def _ops(self, tr: Trace, restyle: bool) -> tuple[list[dict], np.ndarray | None]:
        n = len(tr)
        sent = self.sent.get(tr.id)
        ops: list[dict] = []
        if sent is None:
            spec = self._specs[tr.id] = trace_spec(self.store, tr)
            ops.append({"op": "add", "id": tr.id, "trace": spec})
            sent = 0
            self.shown[tr.id] = 0
        elif restyle:
            # a new run or subplot renames traces / moves them to other axes
            spec = trace_spec(self.store, tr)
            if spec != self._specs.get(tr.id):
                self._specs[tr.id] = spec
                ops.append({"op": "restyle", "id": tr.id, "trace": spec})
        dirty = tr.dirty_from is not None and tr.dirty_from < sent
        new = n - sent
        if not dirty and new == 0:
            self.sent[tr.id] = n
            return ops, None
        shown = self.shown[tr.id]
        half = self.live_points // 2
        if dirty or shown + new > self.live_points or new > half:
            idx = decimate(tr.y.values, half, tr.keep.values)
            x, y = tr.x.values[idx], tr.y.values[idx]
            ops.append({"op": "reset", "id": tr.id, "n": len(idx)})
            self.shown[tr.id] = len(idx)
        else:
            x, y = tr.x.values[sent:n], tr.y.values[sent:n]
            ops.append({"op": "extend", "id": tr.id, "n": new})
            self.shown[tr.id] = shown + new
        tr.dirty_from = None
        self.sent[tr.id] = n
        return ops, np.concatenate([x, y]).astype(np.float32)

    def flush(self, status: dict | None = None, layout: Callable[[], dict] | None = None) -> int:
        """Send every pending point now; returns the number of messages sent."""
        self._last = self.clock()
        gen = (len(self.store.runs), len(self.store.subplots))
        restyle = gen != self._gen
        self._gen = gen
        pending: list[tuple[list[dict], np.ndarray | None]] = [
            self._ops(tr, restyle) for tr in self.store.traces
        ]
        head: dict[str, Any] = {}
        if layout is not None:
            lay = layout()
            if lay is not self._layout_obj:  # a memoised layout: unchanged, nothing to compare
                self._layout_obj = lay
                key = repr(lay)
                if key != self._layout_key:
                    self._layout_key = key
                    head["layout"] = lay
        if status is not None:
            head["status"] = status
        if not head and not any(ops for ops, _ in pending):
            return 0
        count = 0
        ops: list[dict] = []
        chunks: list[np.ndarray] = []
        size = 0
        for trace_ops, data in pending:
            extra = 0 if data is None else data.nbytes
            if ops and size + extra > MAX_PAYLOAD:
                self._emit(ops, chunks, {})
                count += 1
                ops, chunks, size = [], [], 0
            for op in trace_ops:
                if op["op"] in ("extend", "reset"):
                    op["off"] = size
            ops.extend(trace_ops)
            if data is not None:
                chunks.append(data)
                size += extra
        # the head (layout, status) goes with the last message, after every trace exists
        self._emit(ops, chunks, head)
        return count + 1

    def _emit(self, ops: list[dict], chunks: list[np.ndarray], head: dict) -> None:
        self.seq += 1
        self.messages += 1
        content = {"type": "delta", "seq": self.seq, "ops": ops, **head}
        buf = np.concatenate(chunks).tobytes() if chunks else b""
        self.send(content, [buf] if buf else [])

    def snapshot(self, layout: dict | None = None, status: dict | None = None) -> dict:
        """Bounded plain-JSON state from which a new view (or a reloaded page) redraws."""
        trs = [t for t in self.store.traces if len(t)]
        per_trace = max(40, min(self.live_points // 2, STATE_BUDGET // (22 * max(1, len(trs)))))
        traces = []
        for tr in trs:
            x, y = tr.x.values, tr.y.values
            if len(x) > per_trace:
                idx = decimate(y, per_trace, tr.keep.values)
                x, y = x[idx], y[idx]
            traces.append(
                {"id": tr.id, "trace": trace_spec(self.store, tr), "x": _clean(x), "y": _clean(y)}
            )
        out: dict[str, Any] = {"seq": self.seq, "traces": traces}
        if layout is not None:
            out["layout"] = layout
        if status is not None:
            out["status"] = status
        return out
