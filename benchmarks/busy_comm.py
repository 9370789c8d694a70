"""busy_comm: microseconds per ``poll_widget_messages()`` call when nothing is pending.

The call only does work inside a kernel, so this starts a real ipykernel (jupyter_client),
and times there: the poll with no widget message pending (the per-batch cost a Stop button
adds to ``fit``), the latency from sending a ``comm_msg`` to its handler running while the
cell is busy, and anchors measured in the same run: an empty Python call, ``time.time()``,
and one ``train_on_batch`` of a tiny Dense model (what a Keras callback runs beside).

    python benchmarks/busy_comm.py
"""

import json
import time

from jupyter_client.manager import start_new_kernel

N = 20_000

SETUP = """
import os, json, statistics, threading, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import ipywidgets
from keras_widgets._busy_comm import poll_widget_messages, supported

def per_call_us(fn, n):
    best = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best.append((time.perf_counter() - t) / n * 1e6)
    return min(best)

def empty():
    pass

w = ipywidgets.Button()
handled = []
w.on_msg(lambda _w, c, _b: handled.append(time.time()))
"""

MEASURE = f"""
import keras, numpy as np
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(1)])
model.compile("adam", "mse")
x, y = np.random.rand(32, 16).astype("float32"), np.random.rand(32, 1).astype("float32")
model.train_on_batch(x, y)
r = dict(
    supported=supported(),
    poll_us=per_call_us(poll_widget_messages, {N}),
    poll_one_widget_us=per_call_us(lambda: poll_widget_messages(widgets=w), {N}),
    empty_us=per_call_us(empty, {N}),
    time_us=per_call_us(time.time, {N}),
    batch_us=per_call_us(lambda: model.train_on_batch(x, y), 50),
)
print(json.dumps(r))
"""

LATENCY = """
t0 = time.time()
while time.time() - t0 < 20 and not handled:
    poll_widget_messages()
    time.sleep(0.01)
"""


def run(kc, code):
    out = []

    def hook(msg):
        if msg["header"]["msg_type"] in ("stream", "error"):
            out.append(msg["content"].get("text") or msg["content"].get("evalue"))

    kc.execute_interactive(code, output_hook=hook, timeout=300)
    return "".join(out)


def main():
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        run(kc, SETUP)
        r = json.loads(run(kc, MEASURE).strip().splitlines()[-1])
        comm_id = run(kc, "print(w.comm.comm_id)").strip()
        loop_id = kc.execute(LATENCY)
        time.sleep(0.5)
        sent = time.time()
        kc.shell_channel.send(
            kc.session.msg(
                "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {}}}
            )
        )
        while kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != loop_id:
            pass
        latency_ms = (float(run(kc, "print(handled[0])")) - sent) * 1000
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    assert r["supported"], "poll_widget_messages is not supported in this kernel"
    print("poll_widget_messages(), nothing pending, inside ipykernel:")
    print(f"  all comms:       {r['poll_us']:8.2f} us/call")
    print(f"  one widget:      {r['poll_one_widget_us']:8.2f} us/call")
    print("anchors (same kernel, same run):")
    print(
        f"  empty call:      {r['empty_us']:8.3f} us   -> poll = {r['poll_us'] / r['empty_us']:.0f}x"
    )
    print(
        f"  time.time():     {r['time_us']:8.3f} us   -> poll = {r['poll_us'] / r['time_us']:.0f}x"
    )
    print(
        f"  train_on_batch:  {r['batch_us']:8.0f} us   -> poll = "
        f"{r['poll_us'] / r['batch_us'] * 100:.3f}% of one tiny batch"
    )
    print(f"click-to-handler latency while busy (poll every ~10 ms): {latency_ms:.1f} ms")


if __name__ == "__main__":
    main()
