"""kw.runs' reader and writer without a browser: TensorBoard's own reader agrees with ours,
every writer's layout reads, bad input is skipped and counted, memory stays bounded."""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest

pytest.importorskip("crc32c")
pytest.importorskip("tensorboard")

from keras_widgets._runs._reader import LogdirReader
from keras_widgets._runs._records import frame, masked_crc
from keras_widgets._runs._writer import EventWriter, hparams_end_summary, hparams_summary


def _accumulator(path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    ea = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0})
    ea.Reload()
    return ea


def _series(reader, run, tag):
    step, _wall, value = reader.runs[run].series[tag].arrays()
    return step.tolist(), value.tolist()


def _write(path, n=50, tags=("loss", "acc"), start=0):
    w = EventWriter(str(path))
    for i in range(start, start + n):
        w.scalars(i, {t: 1.0 / (i + 1 + k) for k, t in enumerate(tags)})
    w.close()
    return w.path


def test_masked_crc_matches_tensorboard():
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    for data in (b"", b"x", b"hello world" * 7, bytes(range(256))):
        assert masked_crc(data) == masked_crc32c(data)


def test_writer_is_read_by_event_accumulator_with_hparams(tmp_path):
    w = EventWriter(str(tmp_path / "a"))
    w.summary(hparams_summary({"lr": 0.01, "optimizer": "Adam", "batch_size": 32, "ema": True}))
    for i in range(30):
        w.scalars(i, {"loss": 1.0 / (i + 1)}, prefix="batch/")
    w.summary(hparams_end_summary("success"))
    w.close()
    ea = _accumulator(tmp_path / "a")
    got = [(e.step, e.value) for e in ea.Scalars("batch/loss")]
    assert got == [(i, pytest.approx(1.0 / (i + 1))) for i in range(30)]
    # the hparams plugin's own parser reads our session start info
    from tensorboard.plugins.hparams import metadata

    content = ea.SummaryMetadata("_hparams_/session_start_info").plugin_data.content
    info = metadata.parse_session_start_info_plugin_data(content)
    assert info.hparams["lr"].number_value == pytest.approx(0.01)
    assert info.hparams["optimizer"].string_value == "Adam"
    assert info.hparams["ema"].bool_value is True
    r = LogdirReader(str(tmp_path))
    r.read()
    assert r.runs[str(tmp_path / "a")].hparams == {
        "lr": pytest.approx(0.01),
        "optimizer": "Adam",
        "batch_size": 32.0,
        "ema": True,
    }
    assert r.runs[str(tmp_path / "a")].status == "success"


def test_writer_flushes_in_the_background(tmp_path):
    w = EventWriter(str(tmp_path), flush_every=0.2)
    w.scalars(1, {"loss": 0.5})
    import time

    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        r = LogdirReader(str(tmp_path))
        r.read()
        if r.runs and "loss" in r.runs[str(tmp_path)].series:
            break
        time.sleep(0.05)
    else:
        pytest.fail("nothing written within 2 s without close()")
    w.close()


def test_fast_path_equals_protobuf_path_and_event_accumulator(tmp_path):
    _write(tmp_path / "r", n=300, tags=("train/loss", "val/loss", "epoch/x"))
    # one value per event, steps crossing varint widths (127 -> 128, 16383 -> 16384)
    w = EventWriter(str(tmp_path / "s"))
    for i in [0, 1, 127, 128, 129, 16383, 16384, 2**40]:
        w.scalars(i, {"loss": float(i) * 0.5})
        w.scalars(i, {"lr": 1e-3})
    w.close()
    fast, slow = LogdirReader(str(tmp_path)), LogdirReader(str(tmp_path), fast=False)
    fast.read()
    slow.read()
    for run in fast.runs:
        for tag in fast.runs[run].series:
            assert _series(fast, run, tag) == _series(slow, run, tag)
            ea = _accumulator(run)
            assert _series(fast, run, tag) == (
                [e.step for e in ea.Scalars(tag)],
                [pytest.approx(e.value) for e in ea.Scalars(tag)],
            )
    assert _series(fast, str(tmp_path / "s"), "loss")[0] == [
        0,
        1,
        127,
        128,
        129,
        16383,
        16384,
        2**40,
    ]


def test_tensorboardx_logs_with_hparams(tmp_path):
    tbx = pytest.importorskip("tensorboardX")
    w = tbx.SummaryWriter(str(tmp_path / "x"))
    for i in range(20):
        w.add_scalar("loss", 1.0 / (i + 1), i)
        w.add_histogram("weights", np.arange(10.0), i)  # not a scalar: counted
    w.add_hparams({"lr": 0.1, "opt": "sgd"}, {"hparam/final_loss": 0.05}, name="hp")
    w.close()
    r = LogdirReader(str(tmp_path))
    r.read()
    x = r.runs[str(tmp_path / "x")]
    assert _series(r, x.path, "loss")[0] == list(range(20))
    assert x.skipped["non_scalar"] == 20
    hp = r.runs[str(tmp_path / "x" / "hp")]
    assert hp.hparams == {"lr": pytest.approx(0.1), "opt": "sgd"}
    assert hp.series["hparam/final_loss"].last() == pytest.approx(0.05)


def test_tf_summary_tensor_scalars(tmp_path):
    tf = pytest.importorskip("tensorflow")
    writer = tf.summary.create_file_writer(str(tmp_path / "tf"))
    with writer.as_default():
        for i in range(25):
            tf.summary.scalar("loss", 1.0 / (i + 1), step=i)
            tf.summary.scalar("lr64", tf.constant(0.5, tf.float64), step=i)
            tf.summary.histogram("h", tf.range(5.0), step=i)
            tf.summary.text("note", "hello", step=i)
    writer.close()
    fast, slow = LogdirReader(str(tmp_path)), LogdirReader(str(tmp_path), fast=False)
    fast.read()
    slow.read()
    run = str(tmp_path / "tf")
    assert _series(fast, run, "loss") == (
        [*range(25)],
        [pytest.approx(1 / (i + 1)) for i in range(25)],
    )
    assert _series(fast, run, "lr64")[1] == [0.5] * 25
    assert _series(fast, run, "loss") == _series(slow, run, "loss")
    assert fast.runs[run].skipped["non_scalar"] == 50  # histograms and text


def test_incremental_reads_and_a_truncated_tail(tmp_path):
    path = _write(tmp_path, n=10, tags=("loss",))
    r = LogdirReader(str(tmp_path))
    r.read()
    assert len(r.runs[str(tmp_path)].series["loss"]) == 10
    # a writer in the middle of a record: half of it is on disk
    rec = frame(_event(10, {"loss": 0.1}))
    with open(path, "ab") as f:
        f.write(rec[:9])
    assert not r.read()
    assert r.skipped["truncated"] == 1
    with open(path, "ab") as f:
        f.write(rec[9:])
    assert r.read()
    assert _series(r, str(tmp_path), "loss")[0] == list(range(11))
    assert r.skipped["truncated"] == 0
    assert r._offsets[path] == os.path.getsize(path)


def _event(step, values, **fields):
    from tensorboard.compat.proto import event_pb2, summary_pb2

    s = summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in values.items()]
    )
    return event_pb2.Event(wall_time=1.0, step=step, summary=s, **fields).SerializeToString()


@pytest.mark.parametrize("fast", [True, False])
def test_corrupt_records_and_unknown_events_are_skipped_and_counted(tmp_path, fast):
    good = [frame(_event(i, {"loss": float(i)})) for i in range(6)]
    bad = bytearray(good[2])
    bad[-6] ^= 0xFF  # a flipped byte inside the data: its CRC fails
    unknown = frame(b"\x09" + struct.pack("<d", 1.0) + b"\xb8\x06\x01")  # field 103: unknown
    data = good[0] + good[1] + bytes(bad) + unknown + good[3] + good[4]
    (tmp_path / "events.out.tfevents.1.x").write_bytes(data)
    r = LogdirReader(str(tmp_path), fast=fast)
    r.read()
    assert _series(r, str(tmp_path), "loss")[0] == [0, 1, 3, 4]
    assert r.skipped["corrupt"] == 1
    assert r.skipped["unknown"] == 1
    # a corrupt length: nothing after it can be trusted, counted once, never re-read
    broken = bytearray(good[5])
    broken[0] ^= 0x01
    with open(tmp_path / "events.out.tfevents.1.x", "ab") as f:
        f.write(bytes(broken) + good[5])
    r.read()
    r.read()
    assert r.skipped["corrupt"] == 2
    assert _series(r, str(tmp_path), "loss")[0] == [0, 1, 3, 4]


def test_crc_skipped_on_request_reads_the_same(tmp_path):
    _write(tmp_path, n=100)
    a, b = LogdirReader(str(tmp_path)), LogdirReader(str(tmp_path), check_crc=False)
    a.read()
    b.read()
    assert _series(a, str(tmp_path), "loss") == _series(b, str(tmp_path), "loss")


def test_ten_thousand_tags_are_capped_and_counted(tmp_path):
    w = EventWriter(str(tmp_path))
    w.scalars(0, {f"tag{i:05d}": float(i) for i in range(10_000)})
    w.close()
    r = LogdirReader(str(tmp_path), max_tags=1000)
    r.read()
    assert len(r.runs[str(tmp_path)].series) == 1000
    assert r.skipped["tags_over_limit"] == 9000


def test_memory_stays_bounded_and_keeps_extremes(tmp_path):
    w = EventWriter(str(tmp_path))
    n = 60_000
    for i in range(n):
        w.scalars(i, {"loss": 1.0 + (5.0 if i == 43_457 else 0.0) - (3.0 if i == 77 else 0.0)})
    w.close()
    r = LogdirReader(str(tmp_path), max_points=500)
    r.read()
    s = r.runs[str(tmp_path)].series["loss"]
    step, _, value = s.arrays()
    assert len(step) <= 500
    assert value.max() == 6.0
    assert step[value.argmax()] == 43_457
    assert value.min() == -2.0
    assert step[value.argmin()] == 77
    assert step[0] == 0
    assert step[-1] == n - 1


def test_missing_logdir_is_waited_for(tmp_path):
    target = tmp_path / "later"
    r = LogdirReader(str(target))
    assert r.read() is False
    assert r.exists is False
    assert r.runs == {}
    _write(target / "run1", n=3)
    assert r.read() is True
    assert list(r.runs) == [str(target / "run1")]


def test_memory_url_and_permission_errors():
    fsspec = pytest.importorskip("fsspec")
    from fsspec.implementations.memory import MemoryFileSystem

    fs = fsspec.filesystem("memory")
    for name in ("ok", "locked"):
        with fs.open(f"/kwtest/{name}/events.out.tfevents.1.m", "wb") as f:
            f.write(frame(_event(0, {"loss": 1.0})) + frame(_event(1, {"loss": 0.5})))
    original = MemoryFileSystem.open

    def guarded(self, path, *a, **k):
        if "locked" in path:
            raise PermissionError(path)
        return original(self, path, *a, **k)

    MemoryFileSystem.open = guarded
    try:
        r = LogdirReader("memory://kwtest")
        r.read()
    finally:
        MemoryFileSystem.open = original
        fs.rm("/kwtest", recursive=True)
    assert _series(r, "/kwtest/ok", "loss") == ([0, 1], [1.0, 0.5])
    assert r.skipped["permission"] == 1


def test_lightning_tensorboard_logger_layout(tmp_path):
    pl = pytest.importorskip("lightning.pytorch.loggers")
    logger = pl.TensorBoardLogger(str(tmp_path), name="lightning_logs")
    logger.log_hyperparams({"lr": 0.02, "hidden": 64, "optim": {"name": "adam"}})
    for step in range(10):
        logger.log_metrics({"train_loss": 1.0 / (step + 1), "epoch": step // 5}, step=step)
    logger.save()
    logger.finalize("success")
    r = LogdirReader(str(tmp_path))
    r.read()
    (run,) = r.runs.values()
    assert run.name == "lightning_logs/version_0"
    assert run.hparams["lr"] == pytest.approx(0.02)
    assert run.hparams["hidden"] == 64
    assert run.hparams["optim.name"] == "adam"
    assert _series(r, run.path, "train_loss")[0] == list(range(10))


def test_local_paths_read_like_fsspec_urls(tmp_path, monkeypatch):
    # plain paths skip fsspec (its import and per-folder cost); file:// URLs still use it
    for name in ("a", "b/c"):
        _write(tmp_path / "logs" / name, n=20)
    monkeypatch.chdir(tmp_path)
    plain, url = LogdirReader("logs"), LogdirReader(f"file://{tmp_path}/logs")
    plain.read()
    url.read()
    assert type(plain.fs).__name__ == "_LocalFS"
    plain.fs.invalidate_cache()  # as fsspec's: the reader may drop remote listing caches
    assert type(url.fs).__name__ == "LocalFileSystem"
    assert (
        sorted(plain.runs)
        == sorted(url.runs)
        == [
            str(tmp_path / "logs" / "a"),
            str(tmp_path / "logs" / "b" / "c"),
        ]
    )
    assert sorted(r.name for r in plain.runs.values()) == ["a", "b/c"]
    for key in plain.runs:
        assert _series(plain, key, "loss") == _series(url, key, "loss")
    # a single event file as the log directory, as TensorBoard also accepts
    (one,) = os.listdir(tmp_path / "logs" / "a")
    plain, url = LogdirReader(f"logs/a/{one}"), LogdirReader(f"file://{tmp_path}/logs/a/{one}")
    assert plain.read()
    assert url.read()
    assert list(plain.runs) == list(url.runs) == [str(tmp_path / "logs" / "a")]
