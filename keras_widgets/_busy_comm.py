"""Let widget messages from the browser reach Python while a cell is busy (e.g. ``model.fit``).

While a cell runs, the kernel's main shell thread executes it, so messages from the
front-end (a Stop button's ``model.send(...)``) normally wait until the cell ends
(ipywidgets#3468). Two routes around that, both for ipykernel:

- :func:`poll_widget_messages` (works with any front-end): called from inside the busy code
  (e.g. a Keras callback's ``on_train_batch_end``), it takes the messages waiting for the
  main shell, runs the ``comm_msg`` ones at once (so ``widget.on_msg`` handlers and trait
  changes run in the main thread) and hands every other message, in order, to the kernel's
  own dispatcher, exactly as the event loop would have done.
- :func:`use_frontend_subshell` (JupyterLab >= 4.4 with ``commsOverSubshells``, ipykernel 7):
  JupyterLab sends widget messages on a per-comm-target kernel subshell, but ipykernel 7.4
  re-routes a comm's messages to the shell that last published on that comm (the main
  shell, for a widget created in a cell). This keeps the front-end's choice for the widget's
  custom messages, so its ``on_msg`` handler runs in the subshell thread right away, with no
  polling. Handlers then run in another thread: keep them to setting a flag.

Wiring in a Keras callback that is also the widget (``stop`` set by the JS button)::

    use_frontend_subshell(self)                 # once, after the widget exists
    self.on_msg(lambda _w, content, _b: self._stop.set())   # threading.Event

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self._last_poll > 0.1:         # bounded rate
            self._last_poll = time.monotonic()
            poll_widget_messages(widgets=self)
        if self._stop.is_set():
            self.model.stop_training = True

Both need private ipykernel/pyzmq attributes; each checks what it needs and quietly does
nothing (returning False) outside a kernel or on a kernel it does not recognise.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

_POLLIN = 1  # zmq.POLLIN and zmq.EVENTS (libzmq constants), without importing zmq
_EVENTS = 15

# (kernel, main-thread stream, thread ident) once found: the lookup costs more than the poll.
_cached: tuple[Any, Any, int] | None = None
_draining = False


def _kernel() -> Any | None:
    """The running ipykernel Kernel, or None (never imports ipykernel itself)."""
    kernelbase = sys.modules.get("ipykernel.kernelbase")
    if kernelbase is None:
        return None
    try:
        if not kernelbase.Kernel.initialized():
            return None
        return kernelbase.Kernel.instance()
    except Exception:
        return None


def _main_stream(kernel: Any) -> Any | None:
    """The ZMQStream that feeds shell messages to the main thread's event loop.

    ipykernel 7 reads the shell socket in a "shell channel" thread, which forwards
    main-shell messages to the main thread over an inproc socket pair; without that thread
    (ipykernel 6) the main thread reads the shell socket itself.
    """
    channel_thread = getattr(kernel, "shell_channel_thread", None)
    if channel_thread is not None:
        if threading.current_thread() is not getattr(channel_thread, "parent_thread", None):
            return None  # a subshell thread: its messages are not ours to take
        manager = getattr(channel_thread, "_manager", None)
        pair = getattr(manager, "_shell_channel_to_main", None)
        stream = getattr(pair, "to_stream", None)
    else:
        if threading.current_thread() is not threading.main_thread():
            return None
        stream = getattr(kernel, "shell_stream", None)
    if stream is None or getattr(stream, "_recv_callback", None) is None:
        return None
    if not hasattr(stream, "_run_callback") or not hasattr(stream, "flush"):
        return None
    if getattr(stream, "socket", None) is None:
        return None
    return stream


def _target() -> tuple[Any, Any, int] | None:
    """The kernel and the stream of main-shell messages, if this thread may poll them."""
    global _cached  # a cache of one
    cached = _cached
    ident = threading.get_ident()
    if cached is not None and cached[2] == ident and cached[1].socket is not None:
        return cached
    kernel = _kernel()
    if kernel is None or kernel.session is None:
        return None
    if "comm_msg" not in getattr(kernel, "shell_handlers", {}):
        return None
    stream = _main_stream(kernel)
    if stream is None:
        return None
    _cached = (kernel, stream, ident)
    return _cached


def supported() -> bool:
    """Whether :func:`poll_widget_messages` can work here (a recognised ipykernel, main thread).

    Use it to hide a Stop button that could never be heard.
    """
    return _target() is not None


def _comm_ids(widgets: Any) -> set[str] | None:
    if widgets is None:
        return None
    if not isinstance(widgets, Iterable):
        widgets = [widgets]
    ids = set()
    for w in widgets:
        comm = getattr(w, "comm", None)
        comm_id = getattr(comm, "comm_id", None)
        if comm_id:
            ids.add(comm_id)
    return ids


def _frame_bytes(frame: Any) -> bytes:
    return frame.bytes if hasattr(frame, "bytes") else frame


def poll_widget_messages(max_seconds: float = 0.0, widgets: Any = None) -> bool:
    """Run the handlers of widget messages that arrived while this cell is busy.

    Call it from long-running code in the main thread, e.g. every ~0.1 s in a Keras
    callback. Pending ``comm_msg`` messages (for ``widgets`` -- a widget or an iterable of
    widgets -- or for every comm when None) are handled now, in arrival order; all other
    messages (the next cell's ``execute_request``...) go to the kernel's dispatcher in their
    original order and run when the cell ends, as usual.

    ``max_seconds > 0`` waits up to that long for a message to arrive. Returns True if at
    least one widget message was handled. A no-op returning False outside a kernel, outside
    the main thread or on an unrecognised kernel. Costs a few microseconds when nothing is
    pending.
    """
    target = _target()
    if target is None:
        return False
    kernel, stream, _ = target
    socket = stream.socket
    if max_seconds <= 0:  # the hot path: one getsockopt when nothing is pending
        try:
            if not socket.getsockopt(_EVENTS) & _POLLIN:
                return False
        except Exception:  # socket closed (kernel shutting down)
            return False
        return _drain(kernel, stream, _comm_ids(widgets))
    deadline = time.monotonic() + max_seconds
    wanted = _comm_ids(widgets)
    while True:
        wait_ms = max(0, int((deadline - time.monotonic()) * 1000))
        try:
            pending = socket.poll(wait_ms, _POLLIN)
        except Exception:
            return False
        if pending and _drain(kernel, stream, wanted):
            return True
        if time.monotonic() >= deadline:
            return False


def _drain(kernel: Any, stream: Any, wanted: set[str] | None) -> bool:
    """Flush the stream through a filter: comm_msg handled now, the rest forwarded in order."""
    session = kernel.session
    forward = stream._recv_callback
    copy = getattr(stream, "_recv_copy", False)
    comm_msg = kernel.shell_handlers["comm_msg"]
    handled = False

    def on_message(msg: list[Any]) -> None:
        nonlocal handled
        try:
            idents, frames = session.feed_identities(msg, copy=copy)
            # Peek without checking the signature: checking records it, and the kernel would
            # then reject the same message as a duplicate when it handles it later.
            header = session.unpack(_frame_bytes(frames[1]))
            is_comm = header.get("msg_type") == "comm_msg"
            if is_comm and wanted is not None:
                content = session.unpack(_frame_bytes(frames[4]))
                is_comm = content.get("comm_id") in wanted
        except Exception:
            is_comm = False  # not ours to judge: the kernel handles (or rejects) it as usual
        if not is_comm:
            stream._run_callback(forward, msg)  # as the stream does: schedules async ones
            return
        try:
            parsed = session.deserialize(frames, content=True, copy=copy)
        except Exception:
            return  # bad signature: the kernel would log and drop it too
        comm_msg(kernel.shell_stream, idents, parsed)  # logs its handler's exceptions itself
        handled = True

    global _draining  # a handler that polls again must not swap the callback twice
    if _draining:
        return False
    _draining = True
    stream.on_recv(on_message, copy=copy)
    try:
        # flush() is the stream's own way to take pending messages outside the event loop;
        # it re-arms the loop's edge-triggered poll state afterwards.
        stream.flush(_POLLIN)
    finally:
        stream.on_recv(forward, copy=copy)
        _draining = False
    return handled


def use_frontend_subshell(widget: Any) -> bool:
    """Let ``widget``'s custom messages run on the subshell the front-end chose.

    JupyterLab >= 4.4 (setting ``commsOverSubshells``, default ``perCommTarget``) sends widget
    messages on a kernel subshell, whose thread is free while the main shell runs a cell.
    ipykernel 7.4 overrides that choice with the shell that last published on the comm (the
    main shell, for a widget created or updated by a cell); this keeps the front-end's
    choice for ``custom`` messages (``model.send`` in JS) that are not replies to a kernel
    request. The widget's ``on_msg`` handlers may then run in a subshell thread: keep them
    to setting a flag. Returns True if the routing was changed; False where not needed or
    not possible (other kernels route by the front-end's choice or have no subshells).
    """
    comm = getattr(widget, "comm", None)
    original = getattr(comm, "_reply_subshell_for", None)
    if original is None or getattr(original, "_kw_frontend_subshell", False):
        return bool(original)

    def route(data: Any, default: str | None) -> str | None:
        content = data.get("content") if isinstance(data, dict) else None
        is_reply = isinstance(content, dict) and isinstance(content.get("id"), str)
        if isinstance(data, dict) and data.get("method") == "custom" and not is_reply:
            return default
        return original(data, default)

    route._kw_frontend_subshell = True  # type: ignore[attr-defined]
    comm._reply_subshell_for = route
    return True
