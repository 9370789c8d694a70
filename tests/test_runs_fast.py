"""The reader's numpy fast path gives what its protobuf path gives, point for point and count
for count, on logs written by keras.callbacks.TensorBoard, tf.summary, tensorboardX and our
writer, and on damaged copies of them: truncated, corrupt data, corrupt lengths, flipped CRCs."""

from __future__ import annotations

import os
import random
import shutil
import struct

import numpy as np
import pytest

pytest.importorskip("crc32c")
pytest.importorskip("tensorboard")

from keras_widgets._runs import _fast, _reader
from keras_widgets._runs._reader import LogdirReader
from keras_widgets._runs._records import _crc32c, frame, masked_crc, split
from keras_widgets._runs._writer import EventWriter, hparams_end_summary, hparams_summary


def _state(r: LogdirReader) -> dict:
    """Everything a reader found, in a form that compares exactly (repr keeps -0.0 and nan)."""
    out = {}
    for run in r.runs.values():
        series = {}
        for tag, s in run.series.items():
            step, wall, value = s.arrays()
            series[tag] = (step.tolist(), wall.tolist(), [repr(v) for v in value.tolist()])
        out[run.name] = (list(series), series, dict(+run.skipped), run.hparams, run.status)
    return out


def _same(path, **options) -> LogdirReader:
    """Read ``path`` the fast way (small files batched, and file by file) and the protobuf
    way; assert they all agree; return the first."""
    fast = LogdirReader(str(path), max_points=None, **options)
    slow = LogdirReader(str(path), max_points=None, fast=False, **options)
    fast.read()
    slow.read()
    assert _state(fast) == _state(slow)
    assert fast.skipped == slow.skipped
    small, _reader.SMALL = _reader.SMALL, 0
    try:
        alone = LogdirReader(str(path), max_points=None, **options)
        alone.read()
    finally:
        _reader.SMALL = small
    assert _state(alone) == _state(slow)
    assert alone.skipped == slow.skipped
    return fast


def _event_files(root) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if "tfevents" in f)


def _records(path) -> list[tuple[int, int]]:
    """(offset, length) of each record's data in an event file."""
    with open(path, "rb") as f:
        buf = f.read()
    assert split(buf).end == len(buf)
    out, pos = [], 0
    while pos < len(buf):
        (n,) = struct.unpack_from("<Q", buf, pos)
        out.append((pos + 12, n))
        pos += 16 + n
    return out


def _damaged_copies(src, dst, seed=0):
    """Yield folders holding ``src`` with one kind of damage applied to every event file."""
    rng = random.Random(seed)
    kinds = ("truncated", "data", "data_twice", "length", "data_crc", "garbage")
    for kind in kinds:
        target = os.path.join(dst, kind)
        shutil.copytree(src, target)
        for path in _event_files(target):
            recs = _records(path)
            with open(path, "rb") as f:
                data = bytearray(f.read())
            if kind == "truncated":  # a writer in the middle of a record
                data = data[: rng.randrange(len(data) // 2, len(data))]
            elif kind in ("data", "data_twice"):
                picks = rng.sample(range(len(recs)), min(5, len(recs)))
                for i in picks:
                    off, n = recs[i]
                    at = off + rng.randrange(max(n, 1))
                    data[at] ^= 0x10
                    if kind == "data_twice" and i + 1 < len(recs):
                        # the same damage in the next record of the same length: XOR-combined
                        # CRC checks must not let the two cancel out
                        nxt_off, nxt_n = recs[i + 1]
                        if nxt_n == n:
                            data[nxt_off + at - off] ^= 0x10
            elif kind == "length":
                off, _ = recs[rng.randrange(len(recs))]
                data[off - 12] ^= 0x01
            elif kind == "data_crc":
                for off, n in rng.sample(recs, min(3, len(recs))):
                    data[off + n] ^= 0xFF
            else:
                data += bytes(rng.randrange(256) for _ in range(37))
            with open(path, "wb") as f:
                f.write(bytes(data))
        yield kind, target


def _check_with_damage(src, tmp_path):
    fast = _same(src)
    _same(src, check_crc=False)
    for kind, folder in _damaged_copies(src, tmp_path / "damaged"):
        got = _same(folder)
        if kind in ("data", "data_twice", "data_crc"):
            assert got.skipped["corrupt"] > 0, kind
    return fast


def test_keras_tensorboard_callback_logs(tmp_path):
    pytest.importorskip("tensorflow")
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    model.compile("adam", "mse", metrics=["mae"])
    x = np.random.default_rng(0).random((64, 4), dtype=np.float32)
    y = x.sum(1, keepdims=True)
    tb = keras.callbacks.TensorBoard(
        str(tmp_path / "logs"), update_freq=1, histogram_freq=1, write_graph=True
    )
    model.fit(x, y, batch_size=8, epochs=3, validation_split=0.25, callbacks=[tb], verbose=0)
    fast = _check_with_damage(tmp_path / "logs", tmp_path)
    train = fast.runs[str(tmp_path / "logs" / "train")]
    assert {"epoch_loss", "epoch_mae", "batch_loss"} <= set(train.series)
    assert train.series["epoch_loss"].arrays()[0].tolist() == [0, 1, 2]
    assert train.skipped["non_scalar"] > 0  # the histograms


def test_tf_summary_logs(tmp_path):
    tf = pytest.importorskip("tensorflow")
    writer = tf.summary.create_file_writer(str(tmp_path / "tf"))
    with writer.as_default():
        for i in [0, 1, 127, 128, 300, 16384, 2**33]:
            tf.summary.scalar("loss", 1.0 / (i + 1), step=i)
            tf.summary.scalar("lr64", tf.constant(0.5 / (i + 1), tf.float64), step=i)
            tf.summary.scalar("odd", float("nan") if i == 128 else -0.0, step=i)
            tf.summary.histogram("h", tf.range(5.0), step=i)
            tf.summary.text("note", "hello", step=i)
    writer.close()
    fast = _check_with_damage(tmp_path / "tf", tmp_path)
    assert fast.runs[str(tmp_path / "tf")].series["lr64"].arrays()[0][-1] == 2**33


def test_tensorboardx_logs(tmp_path):
    tbx = pytest.importorskip("tensorboardX")
    w = tbx.SummaryWriter(str(tmp_path / "x"))
    for i in range(40):
        w.add_scalar("loss", 1.0 / (i + 1), i)
        # a scalar with the scalars plugin's metadata (display name, description)
        w.add_scalar("described", 2.0 * i, i, display_name="Loss", summary_description="d")
        w.add_scalar("float64", np.float64(1.0 / 3 * i), i, walltime=1.7e9 + i / 7)
        w.add_scalars("group", {"a": float(i), "b": -float(i)}, i)
        w.add_histogram("weights", np.arange(10.0), i)
        w.add_text("note", f"step {i}", i)
    w.add_hparams({"lr": 0.1, "opt": "sgd"}, {"hparam/final_loss": 0.05}, name="hp")
    w.close()
    fast = _check_with_damage(tmp_path / "x", tmp_path)
    x = fast.runs[str(tmp_path / "x")]
    assert x.series["described"].arrays()[0].tolist() == list(range(40))
    assert x.series["float64"].arrays()[1].tolist() == [1.7e9 + i / 7 for i in range(40)]


def test_our_writer_logs(tmp_path):
    w = EventWriter(str(tmp_path / "ours"))
    w.summary(hparams_summary({"lr": 0.01, "optimizer": "Adam", "batch_size": 32}))
    for i in range(3000):  # long enough for several length groups and CRC classes
        w.scalars(i, {"batch/loss": 1.0 / (i + 1), "batch/accuracy": i / 3000})
        if i % 100 == 0:
            w.scalars(i, {"epoch/loss": 1.0 / (i + 1), "learning_rate": 1e-3}, prefix="")
    w.summary(hparams_end_summary("success"))
    w.close()
    fast = _check_with_damage(tmp_path / "ours", tmp_path)
    run = fast.runs[str(tmp_path / "ours")]
    assert run.hparams["optimizer"] == "Adam"
    assert run.status == "success"
    assert len(run.series["batch/loss"]) == 3000


def test_many_small_runs_read_together_equal_one_by_one(tmp_path, monkeypatch):
    for r in range(30):
        w = EventWriter(str(tmp_path / f"run_{r:02d}"))
        for s in range(50 + r):
            w.scalars(s, {"loss": 1.0 / (s + 1 + r), f"only_{r % 3}": float(s)})
        w.close()
    together = _same(tmp_path)
    monkeypatch.setattr(_reader, "SMALL", 0)  # every file on its own
    alone = LogdirReader(str(tmp_path), max_points=None)
    alone.read()
    assert _state(together) == _state(alone)
    assert len(together.runs) == 30


def test_a_record_longer_than_the_read_chunk(tmp_path, monkeypatch):
    w = EventWriter(str(tmp_path))
    w.scalars(0, {f"tag_{i:04d}": float(i) for i in range(300)})  # one ~10 kB record
    for i in range(1, 50):
        w.scalars(i, {"loss": float(i)})
    w.close()
    monkeypatch.setattr(_reader, "READ_CHUNK", 1000)
    monkeypatch.setattr(_reader, "SMALL", 0)
    r = _same(tmp_path)
    assert len(r.runs[str(tmp_path)].series) == 301
    assert len(r.runs[str(tmp_path)].series["loss"]) == 49


def test_tag_order_and_tag_limit_follow_the_file(tmp_path):
    # tags of different lengths land in different length groups of the fast path; the ones
    # kept under max_tags are still the first ones written, as the protobuf path keeps them
    w = EventWriter(str(tmp_path))
    for i in range(40):
        w.scalars(0, {"t" + "x" * (40 - i): float(i)})
    w.close()
    r = _same(tmp_path, max_tags=10)
    assert list(r.runs[str(tmp_path)].series) == ["t" + "x" * (40 - i) for i in range(10)]


def test_file_version_and_graph_events_are_ignored_like_protobuf_does(tmp_path):
    from tensorboard.compat.proto import event_pb2

    events = [
        event_pb2.Event(wall_time=1.0, file_version="brain.Event:2"),
        event_pb2.Event(wall_time=2.0, step=3, graph_def=b"\x0a\x03abc"),
        event_pb2.Event(wall_time=3.0, step=4),  # nothing: an unknown event
    ]
    bad_utf8 = b"\x09" + struct.pack("<d", 4.0) + b"\x1a\x02\xff\xfe"  # file_version
    data = b"".join(frame(e.SerializeToString()) for e in events) + frame(bad_utf8)
    (tmp_path / "events.out.tfevents.1.x").write_bytes(data)
    r = _same(tmp_path)
    assert r.skipped == {"unknown": 1, "corrupt": 1}
    assert not _fast._ignored(events[2].SerializeToString())
    assert _fast._ignored(events[0].SerializeToString())


def test_vectorized_length_crcs_match_masked_crc():
    crc = _crc32c()
    rng = np.random.default_rng(0)
    lengths = np.concatenate([np.arange(300), rng.integers(0, 2**32, 2000)]).astype(np.int64)
    want = [masked_crc(int(n).to_bytes(8, "little"), crc) for n in lengths.tolist()]
    assert _fast._length_crcs(lengths, crc).tolist() == want


def test_crc_classes_find_every_damaged_record():
    crc = _crc32c()
    rng = np.random.default_rng(1)
    recs = [frame(b"\x09" + rng.bytes(28), crc) for _ in range(500)]
    buf = bytearray(b"".join(recs))
    # the same bit flipped in neighbours: XOR-combined over all records, the damage cancels
    damaged = {3, 4, 250, 251}
    for i in damaged:
        buf[i * len(recs[0]) + 20] ^= 0x01
    starts, lengths, _ = _fast.split(bytes(buf), crc)
    _, bad = _fast.decode(bytes(buf), starts, lengths, crc, lambda *a: None)
    assert set(bad.tolist()) == damaged


def test_a_step_of_another_width_never_borrows_the_template(tmp_path):
    # Same length, same bytes around: one record's 3-byte step (16384), the other's 1-byte
    # step (5) followed by a stray field that protobuf keeps as unknown. Only the varint's
    # continuation bits tell them apart; the protobuf path reads step 5.
    from tensorboard.compat.proto import summary_pb2

    s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.5)])
    body = s.SerializeToString()
    head = b"\x09" + struct.pack("<d", 1.0) + b"\x2a" + bytes([len(body)]) + body
    wide, narrow = head + b"\x10\x80\x80\x01", head + b"\x10\x05\x08\x00"
    assert len(wide) == len(narrow)
    (tmp_path / "events.out.tfevents.1.x").write_bytes(frame(wide) * 3 + frame(narrow))
    r = _same(tmp_path)
    assert r.runs[str(tmp_path)].series["loss"].arrays()[0].tolist() == [5, 16384, 16384, 16384]


def test_many_tags_of_one_name_length(tmp_path):
    # per-class metrics: 100 tags whose records all have the same length, a template each
    w = EventWriter(str(tmp_path))
    for s in range(40):
        for c in range(100):
            w.scalars(s, {f"acc_class_{c:03d}": 1.0 / (s + 1 + c)})
        w.scalars(s, {f"loss_{s % 7}": float(s), f"lr_{s % 3}": 0.5})  # two tags per event
    w.close()
    r = _same(tmp_path)
    series = r.runs[str(tmp_path)].series
    assert len(series) == 110
    assert series["acc_class_042"].arrays()[2].tolist() == [
        pytest.approx(1.0 / (s + 43), rel=1e-6) for s in range(40)
    ]
    # ... and all of them on the fast path, none left to protobuf
    (path,) = _event_files(tmp_path)
    with open(path, "rb") as f:
        buf = f.read()
    starts, lengths, _ = _fast.split(buf, _crc32c())
    slow, bad = _fast.decode(buf, starts, lengths, _crc32c(), lambda *a: None)
    assert len(slow) == 0
    assert len(bad) == 0


def _random_log(draw_events, damage, path):
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

    scalars = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    out = [frame(event_pb2.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString())]
    for step, wall, values in draw_events:
        summary = summary_pb2.Summary()
        for tag, kind, v in values:
            if kind == "simple":
                summary.value.add(tag=tag, simple_value=v)
            elif kind == "vector":  # a non-scalar tensor: counted, not drawn
                t = tensor_pb2.TensorProto(dtype=1, float_val=[v, v])
                t.tensor_shape.dim.add(size=2)
                summary.value.add(tag=tag, tensor=t, metadata=scalars)
            else:
                dtype, field = (1, "float_val") if kind == "float" else (2, "double_val")
                t = tensor_pb2.TensorProto(dtype=dtype, **{field: [v]})
                summary.value.add(tag=tag, tensor=t, metadata=scalars)
        ev = event_pb2.Event(wall_time=wall, step=step, summary=summary)
        out.append(frame(ev.SerializeToString()))
    data = bytearray(b"".join(out))
    for at, bit in damage:
        data[at % len(data)] ^= 1 << bit
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", range(3))
def test_random_logs_and_damage_read_the_same_both_ways(tmp_path, seed):
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    tags = st.sampled_from(["a", "bb", "loss", "val/loss", "ccc", "dd"])
    value = st.tuples(
        tags,
        st.sampled_from(["simple", "float", "double", "vector"]),
        st.floats(width=32) | st.sampled_from([0.0, -0.0, float("nan"), float("inf")]),
    )
    event = st.tuples(
        st.sampled_from([0, 1, 5, 127, 128, 300, 16383, 16384, 2**21, 2**35]),
        st.floats(1e9, 2e9),
        st.lists(value, min_size=1, max_size=3),
    )
    damage = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), max_size=3)

    @hypothesis.settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @hypothesis.given(st.lists(event, min_size=1, max_size=120), damage, st.booleans())
    def check(events, flips, cut):
        folder = tmp_path / f"case{seed}"
        folder.mkdir(exist_ok=True)
        path = folder / "events.out.tfevents.1.h"
        _random_log(events * (seed + 1), flips, path)
        if cut:  # and a writer caught mid-record
            data = path.read_bytes()
            path.write_bytes(data[: len(data) - 1 - (len(events) % 7)])
        _same(folder)

    check()


def test_any_flipped_bit_reads_the_same_both_ways(tmp_path):
    # headers, CRCs, field keys, wall times, steps, values: damage anywhere, same result
    events = [
        (0, 1e9, [("loss", "double", 0.5)]),
        (1, 1e9, [("val/loss", "float", 0.25)]),
        (1, 1e9, [("ccc", "vector", 0.0)]),
        (128, 1e9, [("ccc", "simple", 1.5)]),
        (1, 1e9, [("a", "simple", 0.0), ("bb", "vector", 0.0), ("loss", "double", 2.0)]),
        (2**21, 1e9, [("loss", "double", -0.0)]),
    ]
    path = tmp_path / "events.out.tfevents.1.f"
    _random_log(events, [], path)
    for at in range(len(path.read_bytes())):
        for bit in (0, 3, 7):
            _random_log(events, [(at, bit)], path)
            _same(tmp_path)
