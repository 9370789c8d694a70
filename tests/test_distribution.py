"""Distributed models: summary, graph data and LivePlot on a model whose variables live on two
devices -- ``tf.distribute.MirroredStrategy`` over two logical CPUs under TensorFlow,
``keras.distribution.DataParallel`` over two host devices under JAX -- and the rule that only
process 0 of a multi-process ``keras.distribution`` run displays widgets.

(tests/test_liveplot_fit.py already checks LivePlot's history under MirroredStrategy; here the
distributed model is compared with a plain one, and the widget stream and Stop are checked.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types

import keras
import pytest

from keras_widgets._env import is_primary_process

BACKEND = keras.config.backend()

# Runs in a fresh interpreter: devices must be configured before TensorFlow / JAX initialize.
SCRIPT = r"""
import json, os, sys
backend = os.environ["KERAS_BACKEND"]
if backend == "tensorflow":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np, keras
import keras_widgets as kw
from keras_widgets._env import is_primary_process
from keras_widgets._graph import graph_data
from keras_widgets._liveplot._testing import comm_of, counting_comms
from keras_widgets._summary import summary_data


def build():
    keras.utils.set_random_seed(0)
    inp = keras.Input((8,), name="x")
    block = keras.Sequential(
        [keras.Input((8,), name="block_in"), keras.layers.Dense(16, activation="relu", name="d1"),
         keras.layers.Dense(16, name="d2")], name="block")
    side = keras.layers.Dense(16, activation="relu", name="side")(inp)
    cat = keras.layers.Concatenate(name="cat")([block(inp), side])
    norm = keras.layers.BatchNormalization(name="bn")(cat)  # non-trainable, synced on read
    out = keras.layers.Dense(3, activation="softmax", name="out")(norm)
    m = keras.Model(inp, out, name="net")
    m.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


x = np.random.default_rng(0).random((256, 8)).astype("float32")
y = (x.sum(1) * 3 / 8).astype("int32") % 3
plain = build()
plain.fit(x, y, epochs=1, batch_size=32, verbose=0)  # builds the optimizer's variables too

if backend == "tensorflow":
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    replicas = strategy.num_replicas_in_sync
    with strategy.scope():
        dist = build()
    placement = type(dist.get_layer("out").kernel.value).__name__
else:
    devices = keras.distribution.list_devices()
    replicas = len(devices)
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    dist = build()
    placement = len(dist.get_layer("out").kernel.value.sharding.device_set)

with counting_comms() as comms:
    live = kw.LivePlot(update_every=0)  # a delta message after every batch
    c = comm_of(live.widget, comms)
    g = kw.graph(dist, expand_nested=True)
    g_comm = comm_of(g, comms)


class ClickStop(keras.callbacks.Callback):
    # the browser's Stop button, pressed during the second epoch
    def on_train_batch_end(self, batch, logs=None):
        if live.history.epoch.max() >= 1 and batch == 2:
            c.from_frontend({"type": "stop"})


hist = dist.fit(x, y, validation_split=0.25, epochs=4, batch_size=32, verbose=0,
                callbacks=[ClickStop(), live])
h = live.history
epochs = h[h.kind == "epoch"]
shown = {}  # replay the deltas as the front-end does: points each trace ends with
for m, _ in c.custom():
    for op in m["ops"]:
        if op["op"] == "reset":
            shown[op["id"]] = op["n"]
        elif op["op"] == "extend":
            shown[op["id"]] = shown.get(op["id"], 0) + op["n"]
# (the state-carrying open: ipykernel < 6.18's Comm sends an extra, empty one)
state = [d for t, d, _ in g_comm.messages if t == "comm_open" and "state" in d][0]["state"]
# kw.graph's layers: a data library named in the state, served to the view as one JSON text
# of columns (keras_widgets._graph._columns)
from keras_widgets._widget import library_source
from keras_widgets._graph._columns import decode
source = library_source(state["_kw_data"]["data"])
opened = decode(json.loads(source[len("export default "):-1]))
result = {
    "replicas": replicas,
    "placement": placement,
    "epochs_run": len(hist.history["loss"]),
    "live_epochs": epochs.epoch.tolist(),
    "val_loss_on_epochs": bool(epochs.val_loss.notna().all()),
    "learning_rate_logged": bool(epochs.learning_rate.notna().all()),
    "stop_requested": live.stop_requested,
    "last_status": c.custom()[-1][0]["status"]["state"],
    "view_points": sum(shown.values()),
    "delta_messages": len(c.custom()),
    "stored_points": sum(len(t) for t in live._store.traces),
    "errors": live.errors,
    "summary_equal": summary_data(dist, True).to_dict() == summary_data(plain, True).to_dict(),
    "totals": summary_data(dist).to_dict()["totals"],
    "summary_text": str(kw.summary(dist, expand_nested=True)),
    "graph_equal": graph_data(dist, True) == graph_data(plain, True),
    "widget_nodes": sorted(n["name"] for n in opened["nodes"]),
    "primary": is_primary_process(),
}
if backend == "jax":
    import jax
    result["jax_processes"] = [jax.process_index(), jax.process_count()]
print("RESULT " + json.dumps(result))
"""


def _run_distributed() -> dict:
    env = {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if BACKEND == "jax":
        env["XLA_FLAGS"] = (
            env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
        ).strip()
    env.pop("KERAS_DISTRIBUTION_PROCESS_ID", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, out.stdout[-2000:]
    return json.loads(lines[0][len("RESULT ") :])


@pytest.mark.skipif(
    BACKEND not in ("tensorflow", "jax"),
    reason="two-device training needs tf.distribute (TensorFlow) or keras.distribution (JAX); "
    f"keras.distribution has no {BACKEND} backend",
)
def test_model_trained_on_two_devices_summarizes_graphs_and_streams_like_a_plain_one():
    r = _run_distributed()
    assert r["replicas"] == 2
    # the variables really are distributed (else this test would prove nothing)
    assert r["placement"] == ("MirroredVariable" if BACKEND == "tensorflow" else 2)
    # summary and graph data: identical to the same model built without distribution
    assert r["summary_equal"]
    assert r["graph_equal"]
    totals = r["totals"]
    assert (totals["trainable_params"], totals["non_trainable_params"]) == (723, 64)
    assert totals["optimizer_params"] == 2 * 723 + 2  # Adam's m and v, iterations, lr
    for name in ("block", "d1", "d2", "side", "bn", "out"):
        assert name in r["summary_text"]
    assert "Trainable params: 723" in r["summary_text"]
    assert "Non-trainable params: 64" in r["summary_text"]
    assert {"d1", "d2", "side", "cat", "bn", "out"} <= set(r["widget_nodes"])
    # LivePlot: every epoch logged with validation, the deltas leave the view with every point,
    # and the Stop message ended the distributed fit during its second epoch
    assert r["errors"] == []
    assert r["epochs_run"] == 2
    assert r["live_epochs"] == [0, 1]
    assert r["val_loss_on_epochs"]
    assert r["learning_rate_logged"]
    assert r["stop_requested"]
    assert r["last_status"] == "stopped"
    assert r["view_points"] == r["stored_points"] > 0
    assert (
        r["delta_messages"] > r["live_epochs"][-1] + 1
    )  # streamed during epochs, not only at ends
    # single-process keras.distribution: this process is process 0 and displays
    assert r["primary"] is True
    if BACKEND == "jax":
        assert r["jax_processes"] == [0, 1]


def test_single_process_is_primary(monkeypatch):
    monkeypatch.delenv("KERAS_DISTRIBUTION_PROCESS_ID", raising=False)
    assert is_primary_process() is True


@pytest.mark.parametrize(
    ("value", "primary"), [("0", True), ("1", False), (" 3 ", False), ("", True), ("x", True)]
)
def test_keras_distribution_process_id_variable_decides(monkeypatch, value, primary):
    # keras.distribution.initialize() reads the process id from this variable
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", value)
    assert is_primary_process() is primary


def test_jax_process_index_is_consulted_only_on_the_jax_backend(monkeypatch):
    monkeypatch.delenv("KERAS_DISTRIBUTION_PROCESS_ID", raising=False)
    if BACKEND == "jax":
        import jax

        monkeypatch.setattr(jax, "process_index", lambda: 1)
        assert is_primary_process() is False
        monkeypatch.setattr(jax, "process_index", lambda: 0)
        assert is_primary_process() is True
    else:
        # a JAX that says "process 1" must not matter when Keras runs on another backend
        fake = types.SimpleNamespace(process_index=lambda: 1)
        monkeypatch.setitem(sys.modules, "jax", fake)
        assert is_primary_process() is True
