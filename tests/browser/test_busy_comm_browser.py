"""A button click reaches Python while a cell is busy (the LivePlot Stop button's mechanism).

Each notebook shows a tiny anywidget whose button sends a custom message, then runs a busy
loop of up to 20 s. The test clicks during the loop and checks that the loop ended early
because of that click, and that the cells queued behind the loop still run, in order.

Note: ``Notebook.run_all()`` waits for the run to finish (``page.evaluate`` awaits the
promise ``commands.execute`` returns), so a click after it lands only once the cell is done.
These tests start the run without awaiting it.
"""

from __future__ import annotations

import json

import pytest

DEFINE = r'''
import json, threading, time
import anywidget
from keras_widgets._busy_comm import poll_widget_messages, supported, use_frontend_subshell

class StopButton(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      const b = document.createElement('button');
      b.className = 'kw-busy-stop';
      b.textContent = 'Stop';
      b.addEventListener('click', () => model.send({ type: 'stop' }));
      el.appendChild(b);
    } }
    """

hits = []            # (thread name, time, content) per message received
stop = threading.Event()
order = []

def on_msg(_widget, content, _buffers):
    hits.append((threading.current_thread().name, time.time(), content))
    if content.get('type') == 'stop':
        stop.set()
'''

# {setup} and {poll} are filled per test.
LOOP = r"""
button = StopButton()
button.on_msg(on_msg)
{setup}
display(button)
t0 = time.time(); polls = 0; last = 0.0
while time.time() - t0 < {seconds} and not stop.is_set():
    now = time.time()
    if {poll} and now - last >= 0.1:
        poll_widget_messages(); polls += 1; last = now
    time.sleep(0.01)
t1 = time.time()
order.append('loop')
print('loop', 'stopped early' if stop.is_set() else 'ran full', round(t1 - t0, 1), 's')
"""

AFTER = ["order.append('A'); print('cell A ran')", "order.append('B'); print('cell B ran')"]

STATE = (
    "print(json.dumps(dict(t0=t0, t1=t1, polls=polls, order=order, supported=supported(),"
    " hits=[(n, t, c) for n, t, c in hits])))"
)


def _start_and_click(nb, comms_over_subshells: str | None = None) -> float:
    page = nb.page
    if comms_over_subshells is not None:
        page.evaluate(
            """(mode) => {
                const app = window.jupyterapp;
                app.serviceManager.kernels.commsOverSubshells = mode;
                app.shell.currentWidget.sessionContext.session.kernel.commsOverSubshells = mode;
            }""",
            comms_over_subshells,
        )
    # Do not await the returned promise: it resolves only when every cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(".kw-busy-stop", timeout=60_000)
    page.wait_for_timeout(1000)  # the loop is certainly running by now
    clicked = page.evaluate("Date.now() / 1000")
    page.click(".kw-busy-stop")
    nb.wait_idle(60)
    return clicked


def _outputs(nb) -> str:
    return "\n".join(nb.page.locator(".jp-OutputArea-output").all_inner_texts())


@pytest.mark.parametrize("mode", ["perCommTarget", "disabled"])
def test_poll_widget_messages_stops_busy_loop(notebook, mode):
    nb = notebook([DEFINE, LOOP.format(setup="", poll=True, seconds=20), *AFTER])
    clicked = _start_and_click(nb, mode)
    text = _outputs(nb)
    assert "loop stopped early" in text, text
    assert "cell A ran" in text
    assert "cell B ran" in text
    state = json.loads(nb.kernel(STATE))
    assert state["supported"] is True
    (thread, when, content), *_ = state["hits"]
    assert content == {"type": "stop"}
    # Handled in the main thread by poll_widget_messages, during the loop, soon after the click.
    assert thread == "MainThread"
    assert state["t0"] < when < state["t1"]
    assert when - clicked < 1.0
    assert state["t1"] - state["t0"] < 10
    assert state["polls"] > 5
    # Messages queued behind the busy cell (the next cells) ran afterwards, in order.
    assert state["order"] == ["loop", "A", "B"]
    nb.screenshot(f"busy_comm_poll_{mode}")
    assert nb.errors == []


def test_without_polling_the_click_waits_for_the_cell(notebook):
    # The control: the same click is only handled once the busy cell has ended.
    nb = notebook([DEFINE, LOOP.format(setup="", poll=False, seconds=5), *AFTER])
    _start_and_click(nb)
    assert "loop ran full" in _outputs(nb)
    state = json.loads(nb.kernel(STATE))
    (thread, when, content), *_ = state["hits"]
    assert content == {"type": "stop"}
    assert thread == "MainThread"
    assert when > state["t1"]
    assert state["order"] == ["loop", "A", "B"]


def test_frontend_subshell_runs_handler_without_polling(notebook):
    nb = notebook(
        [
            DEFINE,
            LOOP.format(setup="assert use_frontend_subshell(button)", poll=False, seconds=20),
            *AFTER,
        ]
    )
    clicked = _start_and_click(nb)
    text = _outputs(nb)
    assert "loop stopped early" in text, text
    state = json.loads(nb.kernel(STATE))
    (thread, when, content), *_ = state["hits"]
    assert content == {"type": "stop"}
    # JupyterLab's per-comm-target subshell thread ran the handler while the main one was busy.
    assert thread.startswith("subshell-")
    assert state["t0"] < when < state["t1"]
    assert when - clicked < 1.0
    assert state["polls"] == 0
    assert state["order"] == ["loop", "A", "B"]
    nb.screenshot("busy_comm_subshell")
