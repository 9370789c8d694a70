"""A comm that really serializes widget messages (JSON + binary buffers) and counts bytes.

Used by the unit tests and the benchmarks to run the real ipywidgets send path without a
front-end: ``with counting_comms() as comms: live.widget`` then inspect ``comms``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import comm
from comm.base_comm import BaseComm


def _default(obj: Any) -> Any:
    from jupyter_client.jsonutil import json_default

    return json_default(obj)


class CountingComm(BaseComm):
    """Serializes every message like a kernel would (NaN rejected) and keeps the tally."""

    def __init__(self, **kwargs: Any) -> None:
        self.messages: list[tuple[str, dict, list[bytes]]] = []
        self.bytes = 0
        self.largest = 0
        self.kernel = object()  # ipywidgets only sends when a kernel is attached
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        text = json.dumps(data, default=_default, allow_nan=False, ensure_ascii=False).encode()
        bufs = [bytes(memoryview(b)) for b in (buffers or [])]
        size = len(text) + sum(len(b) for b in bufs)
        self.bytes += size
        self.largest = max(self.largest, size)
        self.messages.append((msg_type, json.loads(text), bufs))

    def custom(self) -> list[tuple[dict, list[bytes]]]:
        """The custom messages sent so far (content, buffers)."""
        return [
            (d["content"], b)
            for t, d, b in self.messages
            if t == "comm_msg" and d.get("method") == "custom"
        ]

    def updates(self) -> list[dict]:
        """The state updates sent so far."""
        return [
            d["state"]
            for t, d, _ in self.messages
            if t == "comm_msg" and d.get("method") == "update"
        ]

    def from_frontend(self, content: dict) -> None:
        """Deliver a custom message as if the browser had sent it."""
        self.handle_msg(
            {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
        )


@contextlib.contextmanager
def counting_comms() -> Iterator[list[CountingComm]]:
    """Widgets created inside this block get a :class:`CountingComm`."""
    made: list[CountingComm] = []
    original = comm.create_comm

    def create(**kwargs: Any) -> CountingComm:
        c = CountingComm(**kwargs)
        made.append(c)
        return c

    # ipywidgets 8 calls comm.create_comm; ipywidgets 7 (Colab) builds ipykernel's Comm itself
    # and type-checks it, so there the counting comm must also be one of those.
    from ipywidgets.widgets import widget as widget_module

    legacy = getattr(widget_module, "Comm", None)
    comm.create_comm = create
    if legacy is not None:
        import traitlets

        class LegacyCountingComm(CountingComm, legacy):
            kernel = traitlets.Any(allow_none=True)  # ipykernel wants a real Kernel here

        def create_legacy(**kwargs: Any) -> CountingComm:
            c = LegacyCountingComm(show_warning=False, **kwargs)
            made.append(c)
            return c

        widget_module.Comm = create_legacy
    try:
        yield made
    finally:
        comm.create_comm = original
        if legacy is not None:
            widget_module.Comm = legacy


def comm_of(widget: Any, comms: list[CountingComm]) -> CountingComm:
    return next(c for c in comms if c.comm_id == widget.model_id)
