"""LivePlot core without Keras fit: decimation, store, delta stream (fake send, fake clock)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_widgets._liveplot._decimate import decimate
from keras_widgets._liveplot._render import figure_dict, layout, svg
from keras_widgets._liveplot._store import Store
from keras_widgets._liveplot._stream import MAX_PAYLOAD, Streamer


# -- decimation ------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5000),
    max_points=st.integers(8, 600),
    seed=st.integers(0, 2**16),
    nan_rate=st.sampled_from([0.0, 0.01]),
    epoch_every=st.sampled_from([0, 50, 7]),
)
def test_decimate_bounds_extremes_and_epoch_points(n, max_points, seed, nan_rate, epoch_every):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n).cumsum()
    y[rng.random(n) < nan_rate] = np.nan
    keep = np.zeros(n, bool)
    if epoch_every:
        keep[epoch_every - 1 :: epoch_every] = True
    idx = decimate(y, max_points, keep)
    assert len(idx) <= max(max_points, 4)
    assert np.all(np.diff(idx) > 0)
    assert idx[0] == 0
    assert idx[-1] == n - 1
    finite = np.isfinite(y)
    if finite.any():
        assert np.nanargmin(y) in idx or y[idx].min() == np.nanmin(y)
        assert np.nanmax(y) in y[idx]
    per_bucket = 3 if (~finite).any() else 2
    if keep.sum() <= max_points // 2 and keep.sum() + 2 + per_bucket <= max_points:
        # Epoch points are kept whenever one bucket still fits beside them and the ends
        # (hypothesis found n=201, max_points=8, 4 epoch points and a NaN: they cannot all fit).
        assert set(np.flatnonzero(keep)) <= set(idx.tolist())
    if n > max_points and (~finite).any():
        assert (~np.isfinite(y[idx])).any(), "a NaN gap must survive decimation"


def test_decimate_keeps_a_single_spike():
    y = np.zeros(100_000)
    y[54_321] = 50.0
    idx = decimate(y, 500)
    assert 54_321 in idx
    assert len(idx) <= 500


# -- store -----------------------------------------------------------------------------------
def _fill(store, run, epochs=2, steps=10, metrics=("loss",)):
    for e in range(epochs):
        for b in range(steps):
            store.log(
                run, e + (b + 1) / steps, dict.fromkeys(metrics, 1.0 / (b + 1)), epoch=e, batch=b
            )
        store.log(
            run,
            e + 1.0,
            {**dict.fromkeys(metrics, 0.5), "val_loss": 0.6},
            epoch=e,
            batch=steps - 1,
            is_epoch=True,
        )


def test_history_full_resolution_epoch_rows_marked_late_metric_backfilled():
    s = Store()
    run = s.new_run()
    _fill(s, run)
    s.log(run, 2.5, {"loss": 0.1, "late": 3.0}, epoch=2, batch=0)
    df = s.dataframe()
    assert len(df) == 2 * 11 + 1
    assert (df.kind == "epoch").sum() == 2
    assert df.loc[df.kind == "epoch", "val_loss"].tolist() == [0.6, 0.6]
    assert df["val_loss"][df.kind == "batch"].isna().all()
    assert df["late"].isna().sum() == len(df) - 1
    assert df["late"].iloc[-1] == 3.0
    assert list(s.subplots) == ["loss", "late"]
    kinds = {(t.metric, t.kind) for t in s.traces}
    assert kinds == {("loss", "train"), ("loss", "epoch"), ("val_loss", "val"), ("late", "train")}


def test_rescale_epoch_fixes_unknown_epoch_size():
    s = Store()
    run = s.new_run()
    for b in range(40):
        s.log(run, 1 - 1 / (1 + (b + 1) / 50), {"loss": 1.0}, epoch=0, batch=b)
    tr = s.traces[0]
    tr.dirty_from = None
    s.rescale_epoch(run, 0, 40)
    assert tr.x.values[-1] == pytest.approx(1.0)
    assert tr.x.values[0] == pytest.approx(1 / 40)
    assert tr.dirty_from == 0
    assert s.dataframe()["x"].iloc[-1] == pytest.approx(1.0)


def test_nonfinite_values_leave_a_gap_and_a_marker():
    s = Store()
    run = s.new_run()
    for b, v in enumerate([1.0, 0.9, math.nan, 0.8, math.inf, 0.7]):
        s.log(run, b, {"loss": v}, batch=b)
    line = run.traces[("loss", "train")]
    assert np.isnan(line.y.values[[2, 4]]).all()
    marks = run.traces[("loss", "nonfinite")]
    assert marks.x.values.tolist() == [2, 4]
    assert marks.y.values.tolist() == [0.9, 0.8]  # drawn at the last finite value
    fig = figure_dict(s)
    loss = next(d for d in fig["data"] if d["uid"] == f"t{line.id}")
    assert loss["y"][2] is None
    json.dumps(fig, allow_nan=False)
    pic = svg(s)
    assert pic.count("<path") == 1
    assert pic.count(" M") + pic.count('"M') == 3  # three finite segments


def test_metric_names_are_escaped_for_plotly_and_svg():
    s = Store()
    run = s.new_run("<img src=x onerror=alert(1)>")
    s.log(run, 1, {"<b>x</b>": 1.0, "val_<b>x</b>": 2.0}, is_epoch=True)
    fig = figure_dict(s)
    text = json.dumps(fig)
    assert "<b>" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert fig["layout"]["yaxis"]["title"]["text"] == "&lt;b&gt;x&lt;/b&gt;"
    pic = svg(s)
    assert "<b>" not in pic
    assert "<img" not in pic
    assert "&lt;b&gt;x&lt;/b&gt;" in pic


def test_layout_grid_loss_first_learning_rate_last():
    s = Store()
    run = s.new_run()
    s.log(run, 1, {"learning_rate": 0.1, "accuracy": 0.5, "loss": 1.0, "mae": 2.0})
    assert s.subplots == ["loss", "accuracy", "mae", "learning_rate"]
    lay = layout(s, columns=2)
    assert {k for k in lay if k.startswith("yaxis")} == {"yaxis", "yaxis2", "yaxis3", "yaxis4"}
    assert lay["uirevision"] == "keep"


def test_metrics_option_filters_the_view_not_the_history():
    s = Store(metrics=["loss"])
    run = s.new_run()
    s.log(run, 1, {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.2}, is_epoch=True)
    assert {t.metric for t in s.traces} == {"loss", "val_loss"}
    assert "accuracy" in s.dataframe().columns


# -- stream ----------------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class Capture:
    """Fake send: decodes messages like the browser does and keeps its per-trace arrays."""

    def __init__(self):
        self.messages = []
        self.points = {}

    def __call__(self, content, buffers):
        text = json.dumps(content, allow_nan=False)
        size = len(text) + sum(len(b) for b in buffers)
        self.messages.append((content, size))
        data = np.frombuffer(buffers[0], dtype=np.float32) if buffers else np.zeros(0, np.float32)
        for op in content["ops"]:
            if op["op"] == "add":
                self.points[op["id"]] = [[], []]
            elif op["op"] in ("extend", "reset"):
                start, n = op["off"] // 4, op["n"]
                xs, ys = data[start : start + n].tolist(), data[start + n : start + 2 * n].tolist()
                if op["op"] == "reset":
                    self.points[op["id"]] = [xs, ys]
                else:
                    self.points[op["id"]][0] += xs
                    self.points[op["id"]][1] += ys


def test_stream_sends_only_new_points_and_is_throttled():
    s = Store()
    run = s.new_run()
    clock, cap = FakeClock(), Capture()
    st_ = Streamer(s, cap, interval=0.25, clock=clock)
    flushed = 0
    for i in range(100):
        s.log(run, i / 10, {"loss": float(i)}, batch=i)
        clock.t += 0.01  # 100 batches per second
        flushed += st_.maybe_flush()
    assert flushed == 4  # at most every 0.25 s: t=0.01 (first), 0.26, 0.51, 0.76
    st_.flush()
    extended = sum(op["n"] for m, _ in cap.messages for op in m["ops"] if op["op"] == "extend")
    assert extended == 100  # every point once, never resent
    assert not any(op["op"] == "reset" for m, _ in cap.messages for op in m["ops"])
    assert cap.points[0][1] == [float(i) for i in range(100)]
    assert st_.flush() == 0  # nothing new: nothing sent


def test_stream_bounds_browser_points_and_message_size():
    s = Store()
    run = s.new_run()
    cap = Capture()
    st_ = Streamer(s, cap, interval=0.0, live_points=400)
    rng = np.random.default_rng(0)
    for i in range(20_000):
        s.log(
            run,
            i,
            {"loss": float(rng.normal()), "acc": float(rng.random())},
            batch=i,
            is_epoch=i % 1000 == 999,
        )
        if i % 37 == 0:
            st_.flush()
        assert all(v <= 400 for v in st_.shown.values())
    st_.flush()
    assert all(len(p[0]) <= 400 for p in cap.points.values())
    # the browser-side copy keeps the extremes and the epoch points
    tr = run.traces[("loss", "train")]
    assert max(cap.points[tr.id][1]) == pytest.approx(tr.y.values.max(), rel=1e-6)
    assert 999.0 in cap.points[tr.id][0]
    assert max(size for _, size in cap.messages) < 64_000


def test_a_burst_larger_than_the_budget_is_sent_decimated_in_bounded_messages():
    s = Store()
    runs = [s.new_run() for _ in range(5)]
    for run in runs:
        for i in range(12_000):
            s.log(run, i, {"loss": math.sin(i / 500), "acc": 0.5, "mae": 1.0}, batch=i)
    cap = Capture()
    Streamer(s, cap, interval=0.0, live_points=4000).flush()  # 15 traces x 2000 points
    assert len(cap.messages) > 1
    assert max(size for _, size in cap.messages) < MAX_PAYLOAD + 16_000
    assert all(len(p[0]) <= 2000 for p in cap.points.values())


def test_new_run_restyles_existing_traces_and_layout_sent_once():
    s = Store()
    cap = Capture()
    st_ = Streamer(s, cap, interval=0.0)
    r1 = s.new_run()
    s.log(r1, 1, {"loss": 1.0})
    st_.flush(layout=lambda: layout(s))
    st_.flush(layout=lambda: layout(s))
    assert sum("layout" in m for m, _ in cap.messages) == 1
    r2 = s.new_run("wide")
    s.log(r2, 1, {"loss": 2.0})
    st_.flush(layout=lambda: layout(s))
    last = cap.messages[-1][0]
    restyled = [op for op in last["ops"] if op["op"] == "restyle"]
    assert restyled
    assert restyled[0]["trace"]["name"] == "run 1 · train"
    assert next(op for op in last["ops"] if op["op"] == "add")["trace"]["name"] == "wide · train"


def test_snapshot_is_bounded_and_json_safe():
    s = Store()
    run = s.new_run()
    for i in range(100_000):
        s.log(run, i, {"loss": math.nan if i == 5 else 1 / (i + 1), "acc": 0.5}, batch=i)
    st_ = Streamer(s, Capture(), interval=0.0)
    snap = st_.snapshot(layout(s), {"state": "done"})
    text = json.dumps(snap, allow_nan=False)
    assert len(text) < 60_000
    assert snap["traces"][0]["y"].count(None) >= 1
