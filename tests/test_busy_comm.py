"""keras_widgets._busy_comm: the no-kernel path, the subshell routing, and a real kernel."""

from __future__ import annotations

import json
import time

import pytest
from _fresh import modules_imported_by

from keras_widgets import _busy_comm
from keras_widgets._busy_comm import poll_widget_messages, supported, use_frontend_subshell


def test_outside_a_kernel_everything_is_a_no_op():
    assert supported() is False
    assert poll_widget_messages() is False
    assert poll_widget_messages(max_seconds=0.01, widgets=[object()]) is False


def test_no_kernel_path_imports_neither_ipykernel_nor_zmq():
    code = (
        "from keras_widgets._busy_comm import poll_widget_messages, supported\n"
        "assert not supported() and not poll_widget_messages(0.01)\n"
    )
    assert modules_imported_by(code, ("ipykernel", "zmq", "keras")) == []


class _Comm:
    def __init__(self):
        self.calls = []

    def _reply_subshell_for(self, data, default):
        self.calls.append(data)
        return None  # noqa: RET501 - ipykernel 7.4: "the shell that last published", here the main shell


class _Widget:
    def __init__(self, comm):
        self.comm = comm


def test_use_frontend_subshell_keeps_the_frontends_choice_for_custom_messages():
    comm = _Comm()
    assert use_frontend_subshell(_Widget(comm)) is True
    route = comm._reply_subshell_for
    custom = {"method": "custom", "content": {"type": "stop"}}
    assert route(custom, "sub-1") == "sub-1"
    assert comm.calls == []
    # State updates and replies to kernel requests keep ipykernel's own routing.
    update = {"method": "update", "state": {"value": 1}}
    reply = {"method": "custom", "content": {"id": "req-7", "response": 1}}
    assert route(update, "sub-1") is None
    assert route(reply, "sub-1") is None
    assert comm.calls == [update, reply]
    # Calling it again does not wrap twice.
    assert use_frontend_subshell(_Widget(comm)) is True
    assert comm._reply_subshell_for is route


def test_use_frontend_subshell_without_routing_hook_is_false():
    assert use_frontend_subshell(_Widget(object())) is False
    assert use_frontend_subshell(object()) is False


def test_comm_ids_accepts_one_widget_or_many():
    a, b = _Widget(_Comm()), _Widget(_Comm())
    a.comm.comm_id, b.comm.comm_id = "a", "b"
    assert _busy_comm._comm_ids(None) is None
    assert _busy_comm._comm_ids(a) == {"a"}
    assert _busy_comm._comm_ids([a, b, object()]) == {"a", "b"}


# A real ipykernel, driven over ZMQ like a front-end without subshells would: the loop's
# poll must handle the comm message early and still run the queued cell afterwards.
DEFINE = """
import json, threading, time
import ipywidgets
from keras_widgets._busy_comm import poll_widget_messages, supported
w = ipywidgets.Button()
hits, order, stop = [], [], threading.Event()
def on_msg(_w, content, _b):
    nested = poll_widget_messages()  # a handler polling again is a no-op, not a re-entry
    hits.append((threading.current_thread().name, time.time(), content, nested)); stop.set()
w.on_msg(on_msg)
print(json.dumps({"comm_id": w.comm.comm_id, "supported": supported()}))
"""
LOOP = """
t0 = time.time()
while time.time() - t0 < 20 and not stop.is_set():
    poll_widget_messages(max_seconds=0.05, widgets=w)
t1 = time.time(); order.append('loop')
"""


def _run(kc, code: str) -> str:
    out = []

    def hook(msg):
        if msg["header"]["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["header"]["msg_type"] == "error":
            out.append("ERROR " + msg["content"]["evalue"])

    kc.execute_interactive(code, output_hook=hook, timeout=60)
    return "".join(out)


@pytest.fixture(scope="module")
def kernel_client():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_poll_in_a_real_kernel_handles_comm_msg_and_keeps_the_queue_order(kernel_client):
    kc = kernel_client
    info = json.loads(_run(kc, DEFINE).strip().splitlines()[-1])
    assert info["supported"] is True
    loop_id = kc.execute(LOOP)
    after_id = kc.execute("order.append('after')")
    time.sleep(1.0)
    sent = time.time()
    msg = kc.session.msg(
        "comm_msg",
        {"comm_id": info["comm_id"], "data": {"method": "custom", "content": {"type": "stop"}}},
    )
    kc.shell_channel.send(msg)
    replies = {}
    while len(replies) < 2:
        reply = kc.get_shell_msg(timeout=30)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
    assert replies == {loop_id: "ok", after_id: "ok"}
    state = json.loads(
        _run(kc, "print(json.dumps(dict(t0=t0, t1=t1, order=order, hits=hits)))").strip()
    )
    (thread, when, content, nested), *_ = state["hits"]
    assert content == {"type": "stop"}
    assert thread == "MainThread"
    assert nested is False
    assert state["t0"] < when < state["t1"]
    assert when - sent < 1.0
    assert state["t1"] - state["t0"] < 10
    assert state["order"] == ["loop", "after"]
