"""Traffic of kw.LivePlot: 100,000 logged steps through a live (counting) comm.

Drives the real callback hooks (100 epochs x 1000 steps, loss + accuracy per batch,
val_loss + val_accuracy + learning rate per epoch) on a simulated clock of 5 ms per step
(200 steps/s), so the throttle behaves as in a real run. Prints the bytes sent, the largest
message and the points the browser holds. Last line: ``bytes <total>``.

Goals: total <= 10 MB, no message > 64 KB.

    python benchmarks/liveplot_traffic.py
"""

from __future__ import annotations

import os
import sys
import time
import types

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import keras_widgets as kw
from keras_widgets._liveplot import _callback
from keras_widgets._liveplot._testing import comm_of, counting_comms

EPOCHS, STEPS, DT = 100, 1000, 0.005


class Clock:
    t = 1000.0

    def __call__(self) -> float:
        return self.t


def main() -> None:
    clock = Clock()
    _callback.time = types.SimpleNamespace(monotonic=clock)  # simulated time for the callback
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    with counting_comms() as comms:
        live = kw.LivePlot()
        widget = live.widget
    live._streamer.clock = clock
    c = comm_of(widget, comms)
    code_bytes = c.bytes  # comm_open: the front-end bundle (Plotly.js), sent once per widget
    opened = len(c.messages)
    live.set_model(model)
    live.set_params({"epochs": EPOCHS, "steps": STEPS, "verbose": 0})
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    live.on_train_begin()
    loss = 2.3
    for epoch in range(EPOCHS):
        live.on_epoch_begin(epoch)
        for batch in range(STEPS):
            clock.t += DT
            loss = max(0.01, loss * 0.99995 + rng.normal(0, 0.01))
            live.on_train_batch_end(batch, {"loss": loss, "accuracy": 1 - loss / 2.5})
        live.on_epoch_end(
            epoch,
            {
                "loss": loss,
                "accuracy": 1 - loss / 2.5,
                "val_loss": loss * 1.1,
                "val_accuracy": 1 - loss / 2.2,
            },
        )
    live.on_train_end()
    elapsed = time.perf_counter() - t0
    stream = c.messages[opened:]
    sizes = []
    for _, data, bufs in stream:
        import json

        sizes.append(len(json.dumps(data)) + sum(len(b) for b in bufs))
    total = sum(sizes)
    customs = c.custom()
    updates = c.updates()
    shown = live._streamer.shown
    state = widget.state
    state_points = sum(len(t["x"]) for t in state["traces"])
    logged = len(live.history)
    print(f"logged rows            {logged:,} ({EPOCHS} epochs x {STEPS} steps + epoch rows)")
    print(
        f"points in the store    {sum(len(t) for t in live._store.traces):,} in {len(live._store.traces)} traces"
    )
    print(
        f"messages               {len(stream):,} ({len(customs):,} deltas, {len(updates)} state updates)"
    )
    print(f"total bytes            {total:,} ({total / 1e6:.2f} MB; goal <= 10 MB)")
    print(f"largest message        {max(sizes):,} bytes (goal <= 65,536)")
    print(
        f"front-end code         {code_bytes:,} bytes, once, in the comm_open (not counted above)"
    )
    print(f"browser points         {sum(shown.values()):,} (max {max(shown.values()):,} per trace)")
    print(
        f"state points           {state_points:,} ({len(__import__('json').dumps(state)):,} bytes)"
    )
    print(
        f"python time            {elapsed:.2f} s ({elapsed / logged * 1e6:.1f} us per logged step)"
    )
    print(f"bytes {total}")
    if total > 10e6 or max(sizes) > 65_536:
        sys.exit(1)


if __name__ == "__main__":
    main()
