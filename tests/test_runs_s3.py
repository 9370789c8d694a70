"""kw.runs on an ``s3://`` log directory, served by a real S3 API on 127.0.0.1 (moto's
server) and read through s3fs: the route a cluster job logging to shared storage takes.

A sync tool (``aws s3 sync``, ``gsutil rsync``) replaces each object with a longer copy as
the job goes on; the reader must see the new files and the longer objects, although s3fs
caches listings and sizes.
"""

from __future__ import annotations

import socket

import pytest

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

from keras_widgets._runs._reader import LogdirReader  # noqa: E402
from keras_widgets._runs._writer import EventWriter  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3(monkeypatch):
    import s3fs

    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",  # read by botocore, so by s3fs
    }.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(anon=False)
    # moto's server keeps its buckets for the whole process: start each test empty.
    import urllib.request

    urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST")
    ).close()
    fs.mkdir("kw-logs")
    try:
        yield fs
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def _write(path, start: int, stop: int) -> None:
    w = EventWriter(str(path))
    for step in range(start, stop):
        w.scalars(step, {"loss": 1.0 / (step + 1)})
    w.close()


def _steps(reader: LogdirReader, run: str, tag: str) -> list[int]:
    (data,) = [r for r in reader.runs.values() if r.name == run]
    return [int(s) for s in data.series[tag].arrays()[0]]


def test_s3_logdir_is_read_and_followed(tmp_path, s3):
    local = tmp_path / "logs"
    _write(local / "a", 0, 5)
    s3.put(str(local) + "/", "kw-logs/job/", recursive=True)

    r = LogdirReader("s3://kw-logs/job")
    r.read()
    assert r.exists
    assert _steps(r, "a", "loss") == [0, 1, 2, 3, 4]

    # The job goes on: run a's file grows (a second file, as a restarted writer makes),
    # and a new run b appears. The reader re-lists despite s3fs' listing cache.
    _write(local / "a", 5, 8)
    _write(local / "b", 0, 3)
    s3.put(str(local) + "/", "kw-logs/job/", recursive=True)
    assert r.read() is True
    assert _steps(r, "a", "loss") == list(range(8))
    assert _steps(r, "b", "loss") == [0, 1, 2]
    assert not r.errors


def test_s3_object_replaced_by_a_longer_copy(tmp_path, s3):
    """A synced object grows in place: only its new records are read (offsets remembered)."""
    local = tmp_path / "events.out.tfevents.1.host"
    from tensorboard.compat.proto import event_pb2

    from keras_widgets._runs._records import frame

    def record(step: int) -> bytes:
        ev = event_pb2.Event(step=step, wall_time=1.0 + step)
        ev.summary.value.add(tag="acc", simple_value=step / 10)
        return frame(ev.SerializeToString())

    local.write_bytes(b"".join(record(s) for s in range(3)))
    s3.put(str(local), "kw-logs/grow/run/" + local.name)
    r = LogdirReader("s3://kw-logs/grow")
    r.read()
    assert _steps(r, "run", "acc") == [0, 1, 2]

    local.write_bytes(local.read_bytes() + b"".join(record(s) for s in range(3, 6)))
    s3.put(str(local), "kw-logs/grow/run/" + local.name)
    r.read()
    assert _steps(r, "run", "acc") == [0, 1, 2, 3, 4, 5]  # no step read twice


def test_missing_s3_logdir_waits(s3):
    r = LogdirReader("s3://kw-logs/not-yet")
    assert r.read() is False
    assert not r.exists
    s3.pipe("kw-logs/not-yet/run/events.out.tfevents.2.host", b"")
    r.read()
    assert r.exists
