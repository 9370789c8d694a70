"""Reading TensorBoard log directories without TensorFlow: incremental (file offsets are
remembered), CRC-checked with crc32c (or not, on request), bounded (each series is decimated
to min/max buckets while reading), and forgiving (bad input is skipped and counted)."""

from __future__ import annotations

import collections
import importlib.util
import itertools
import os
import posixpath
from typing import Any

import numpy as np

from keras_widgets._liveplot._decimate import decimate
from keras_widgets._runs import _fast
from keras_widgets._runs._records import _crc32c, split

# What was skipped, in the words the view shows.
SKIP_LABELS = {
    "truncated": "files ending inside a record (writer still writing)",
    "corrupt": "corrupt records",
    "unknown": "unknown event types",
    "non_scalar": "non-scalar summaries",
    "tags_over_limit": "values of tags over the per-run limit",
    "permission": "unreadable files or folders",
    "bad_file": "unreadable event files",
}
READ_CHUNK = 8 << 20  # bytes read per file per pass: bounds memory for huge logs
SMALL = 1 << 20  # files with at most this many new bytes are decoded together

_PROTOS_MISSING = (
    "kw.runs reads TensorBoard logs with TensorBoard's protobuf definitions (no "
    "TensorFlow): pip install keras-widgets[runs]"
)


def _protos():
    try:
        from tensorboard.compat.proto import event_pb2
    except ImportError as e:
        raise ImportError(_PROTOS_MISSING) from e
    return event_pb2


def _fs(logdir: str) -> tuple[Any, str]:
    if "://" not in logdir and not logdir.startswith("file:"):
        root = os.path.abspath(os.path.expanduser(logdir)).replace(os.sep, "/")
        return _LocalFS(), root.rstrip("/") or "/"
    try:
        import fsspec
    except ImportError as e:
        raise ImportError("kw.runs needs fsspec: pip install keras-widgets[runs]") from e
    fs, root = fsspec.core.url_to_fs(str(logdir))
    return fs, root.rstrip("/") or "/"


class _LocalFS:
    """The few fsspec calls the reader makes, for plain local paths. fsspec's local
    filesystem costs about 0.4 ms per listed folder and 50 ms to import: a third of reading
    1,000 small runs (benchmarks/tb_read.py). Remote URLs go through fsspec."""

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def invalidate_cache(self, path: str | None = None) -> None:
        """Nothing cached here (fsspec's remote filesystems cache listings and sizes)."""

    def ls(self, path: str, detail: bool = True) -> list[dict]:
        if os.path.isfile(path):  # as fsspec does: a file lists itself
            return [{**self.info(path), "type": "file"}]
        out = []
        with os.scandir(path) as entries:
            for e in entries:
                try:
                    is_dir = e.is_dir()
                    size = 0 if is_dir else e.stat().st_size
                except OSError:  # vanished or unreadable between listing and stat
                    continue
                name = f"{path.rstrip('/')}/{e.name}"
                out.append({"name": name, "type": "directory" if is_dir else "file", "size": size})
        return out

    def open(self, path: str, mode: str = "rb"):
        return open(path, mode)

    def info(self, path: str) -> dict:
        st = os.stat(path)
        return {"name": path, "size": st.st_size, "mtime": st.st_mtime}


class Series:
    """One (run, tag) curve: appended in chunks, decimated to about ``max_points``."""

    __slots__ = ("_chunks", "_n", "max_points", "step", "value", "wall")

    def __init__(self, max_points: int | None) -> None:
        self.max_points = max_points
        self.step = np.zeros(0, np.int64)
        self.wall = np.zeros(0, np.float64)
        self.value = np.zeros(0, np.float64)
        self._chunks: list[tuple] = []
        self._n = 0

    def add(self, step: Any, wall: Any, value: Any) -> None:
        self._chunks.append((step, wall, value))
        self._n += np.size(step)
        if self.max_points and self._n > 2 * self.max_points + len(self.step):
            self._merge()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._chunks:
            self._merge()
        return self.step, self.wall, self.value

    def __len__(self) -> int:
        return len(self.step) + self._n

    def settle(self) -> None:
        """Decimate what is pending if it is over the bound (merges are otherwise deferred
        so that a long read decimates every few chunks, not every chunk)."""
        if self.max_points and self._chunks and len(self) > self.max_points:
            self._merge()

    def last(self) -> float | None:
        if self._chunks:
            v = self._chunks[-1][2]
            return float(np.asarray(v).reshape(-1)[-1])
        return float(self.value[-1]) if len(self.value) else None

    def _merge(self) -> None:
        parts = [(self.step, self.wall, self.value), *self._chunks]
        self._chunks, self._n = [], 0
        step = np.concatenate([np.asarray(p[0], np.int64).reshape(-1) for p in parts])
        wall = np.concatenate([np.asarray(p[1], np.float64).reshape(-1) for p in parts])
        value = np.concatenate([np.asarray(p[2], np.float64).reshape(-1) for p in parts])
        if len(step) > 1 and np.any(np.diff(step) < 0):
            order = np.argsort(step, kind="stable")  # files of one run may interleave
            step, wall, value = step[order], wall[order], value[order]
        if self.max_points and len(step) > self.max_points:
            idx = decimate(value, self.max_points)
            step, wall, value = step[idx], wall[idx], value[idx]
        self.step, self.wall, self.value = step, wall, value


class RunData:
    """Everything read so far of one run (one folder holding event files)."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        self.series: dict[str, Series] = {}
        self.hparams: dict[str, Any] = {}
        self.status: str | None = None
        self.skipped: collections.Counter = collections.Counter()
        self.start: float | None = None
        self.last_wall: float | None = None


class LogdirReader:
    """Incremental reader of every run under ``logdir`` (local path or fsspec URL)."""

    def __init__(
        self,
        logdir: str,
        *,
        max_points: int | None = 2000,
        check_crc: bool = True,
        max_tags: int = 1000,
        fast: bool = True,
    ) -> None:
        self.logdir = str(logdir)
        self.fs, self.root = _fs(self.logdir)
        self.max_points = max_points
        self.check_crc = check_crc
        self.max_tags = max_tags
        self.fast = fast
        self.runs: dict[str, RunData] = {}
        self._offsets: dict[str, int] = {}
        self._stopped: set[str] = set()
        self._yaml_seen: dict[str, Any] = {}
        self.exists = False
        self.errors: list[str] = []
        if importlib.util.find_spec("tensorboard") is None:
            raise ImportError(_PROTOS_MISSING)
        self._event_pb2 = None  # imported when a record needs the protobuf path
        self._crc = _crc32c() if check_crc or fast else None
        self.reads = 0

    # -- public -----------------------------------------------------------------------------
    @property
    def skipped(self) -> collections.Counter:
        total: collections.Counter = collections.Counter()
        for run in self.runs.values():
            total.update(run.skipped)
        total.update(self._dir_skips)
        return +total

    _dir_skips: collections.Counter = collections.Counter()

    def read(self) -> bool:
        """Read what is new; True when anything changed. Never raises for bad input."""
        self.reads += 1
        self._dir_skips = collections.Counter()
        try:
            files = self._list()
        except Exception as e:  # e.g. a remote store refusing: keep the last view
            self._note(e)
            return False
        changed = False
        truncated: set[str] = set()
        small: list[list[tuple[str, int]]] = [[]]  # batches of at most READ_CHUNK new bytes
        batch_bytes = 0
        for path, size in files:
            if path.endswith("hparams.yaml"):
                changed |= self._read_yaml(path)
                continue
            if path in self._stopped or size == self._offsets.get(path, 0):
                continue
            new = size - self._offsets.get(path, 0)
            if self.fast and 0 < new <= SMALL:
                if batch_bytes + new > READ_CHUNK:
                    small.append([])
                    batch_bytes = 0
                small[-1].append((path, new))
                batch_bytes += new
                continue
            try:
                changed |= self._read_file(path, truncated)
            except PermissionError:
                self._run_for(path).skipped["permission"] += 0  # ensure the run is listed
                self._dir_skips["permission"] += 1
            except Exception as e:
                self._dir_skips["bad_file"] += 1
                self._note(e)
        for batch in small:
            if batch:
                changed |= self._read_small(batch, truncated)
        for run in self.runs.values():
            run.skipped["truncated"] = sum(1 for p in truncated if _parent(p) == run.path)
            if changed:
                for s in run.series.values():
                    s.settle()
        return changed

    # -- listing ----------------------------------------------------------------------------
    def _list(self) -> list[tuple[str, int]]:
        fs, root = self.fs, self.root
        # Remote filesystems (s3fs, gcsfs) cache listings and sizes: without this, new files
        # and grown objects would never be seen (tests/test_runs_s3.py). A no-op locally.
        # All of it: s3fs drops only the path and its parents, not the run folders below.
        fs.invalidate_cache()
        if not fs.exists(root):
            self.exists = False
            return []
        self.exists = True
        out = []
        for path, info in self._walk(root):
            base = posixpath.basename(path)
            if "tfevents" in base or base == "hparams.yaml":
                out.append((path, int(info.get("size") or 0)))
        out.sort()
        return out

    def _walk(self, top: str):
        # fs.find would give up on the first unreadable folder; walk and count instead.
        stack = [top]
        while stack:
            d = stack.pop()
            try:
                entries = self.fs.ls(d, detail=True)
            except PermissionError:
                self._dir_skips["permission"] += 1
                continue
            except FileNotFoundError:
                continue
            for info in entries:
                name = info["name"].rstrip("/")
                if info.get("type") == "directory":
                    if name != d:
                        stack.append(name)
                else:
                    yield name, info

    def _run_for(self, path: str) -> RunData:
        parent = _parent(path)
        run = self.runs.get(parent)
        if run is None:
            if parent.startswith(self.root.rstrip("/") + "/"):
                name = parent[len(self.root.rstrip("/")) + 1 :]
            elif parent == self.root:
                name = posixpath.basename(self.root) or "."
            else:
                name = posixpath.relpath(parent, self.root)
            run = self.runs[parent] = RunData(name, parent)
        return run

    # -- one file ---------------------------------------------------------------------------
    def _read_file(self, path: str, truncated: set[str]) -> bool:
        run = self._run_for(path)
        off = self._offsets.get(path, 0)
        changed = False
        chunk = READ_CHUNK
        with self.fs.open(path, "rb") as f:
            while True:
                f.seek(off)
                buf = f.read(chunk)
                if not buf:
                    break
                end, tail, stopped, n = self._consume(run, buf)
                changed |= n > 0
                off += end
                if stopped:  # a bad length: nothing after it can be trusted (TensorBoard stops too)
                    run.skipped["corrupt"] += 1
                    self._stopped.add(path)
                    break
                if len(buf) < chunk:
                    if tail:
                        truncated.add(path)
                    break
                # a record longer than the chunk: read it whole next time round
                chunk = chunk * 2 if end == 0 else READ_CHUNK
        self._offsets[path] = off
        return changed

    def _read_small(self, paths: list[tuple[str, int]], truncated: set[str]) -> bool:
        """Many small files (1,000 runs): their new bytes joined and decoded in one pass, as
        numpy's per-call cost would otherwise dominate. Any doubt: file by file."""
        joined = bytearray(sum(want for _, want in paths))
        view = memoryview(joined)
        sizes, owners = [], []
        pos = 0
        for path, want in paths:
            try:
                with self.fs.open(path, "rb") as f:
                    f.seek(self._offsets.get(path, 0))
                    got = f.readinto(view[pos : pos + want])
            except PermissionError:
                self._run_for(path)
                self._dir_skips["permission"] += 1
                continue
            except Exception as e:
                self._dir_skips["bad_file"] += 1
                self._note(e)
                continue
            if got:
                sizes.append(got)
                owners.append(path)
                pos += got
        if not owners:
            return False
        view.release()
        del joined[pos:]  # files that shrank since they were listed
        bounds = np.cumsum([0, *sizes])
        got = _fast.split(joined, self._crc)
        if got is None or got[2] != len(joined) or not _at_records(bounds[:-1], got[0] - 12):
            changed = False  # a truncated or odd file among them: the careful way
            for path in owners:
                try:
                    changed |= self._read_file(path, truncated)
                except PermissionError:
                    self._dir_skips["permission"] += 1
                except Exception as e:
                    self._dir_skips["bad_file"] += 1
                    self._note(e)
            return changed
        starts, lengths, _ = got
        owner = np.searchsorted(bounds, starts - 12, side="right") - 1
        runs = [self._run_for(p) for p in owners]
        accs: list[dict[str, list]] = [{} for _ in owners]

        def add(tag, step, wall, value, pos, place):
            who = owner[pos]  # in file order, so each file's points are one slice
            cuts = [0, *(np.flatnonzero(np.diff(who)) + 1).tolist(), len(pos)]
            for a, z in itertools.pairwise(cuts):
                accs[int(who[a])].setdefault(tag, []).append(
                    (step[a:z], wall[a:z], value[a:z], pos[a:z], place[a:z])
                )

        slow, bad = _fast.decode(joined, starts, lengths, self._data_crc, add)
        for i in owner[bad].tolist():
            runs[i].skipped["corrupt"] += 1
        rest: list[list] = [[] for _ in owners]
        where: list[list] = [[] for _ in owners]
        for i in slow.tolist():
            rest[int(owner[i])].append(bytes(joined[int(starts[i]) : int(starts[i] + lengths[i])]))
            where[int(owner[i])].append(i)
        for k, path in enumerate(owners):
            self._decode(runs[k], rest[k], accs[k], where[k])
            self._offsets[path] = self._offsets.get(path, 0) + sizes[k]
        return True

    @property
    def _data_crc(self):
        return self._crc if self.check_crc else None

    def _consume(self, run: RunData, buf: bytes) -> tuple[int, bool, bool, int]:
        """Decode the complete records of ``buf``: (end, truncated tail, stopped, records)."""
        if self.fast:
            got = _fast.split(buf, self._crc)
            if got is not None:
                starts, lengths, end = got
                acc: dict[str, list] = {}
                slow, bad = _fast.decode(
                    buf,
                    starts,
                    lengths,
                    self._data_crc,
                    lambda *p: acc.setdefault(p[0], []).append(p[1:]),
                )
                run.skipped["corrupt"] += len(bad)
                mv = memoryview(buf)
                rest = [
                    mv[s : s + n]
                    for s, n in zip(starts[slow].tolist(), lengths[slow].tolist(), strict=True)
                ]
                where = slow.tolist()
                # After the last record that chained: a record being written, or records
                # the candidate scan cannot see (not starting with a wall time, a bad
                # length): the record-by-record way, as the protobuf path reads them.
                tail = split(mv[end:], self.check_crc, self._crc)
                run.skipped["corrupt"] += tail.corrupt
                rest += tail.records
                where += range(len(starts), len(starts) + len(tail.records))
                self._decode(run, rest, acc, where)
                n = len(starts) - len(bad) + len(tail.records)
                return end + tail.end, tail.truncated, tail.stopped, n
        scan = split(buf, self.check_crc, self._crc)
        run.skipped["corrupt"] += scan.corrupt
        self._decode(run, scan.records, {})
        return scan.end, scan.truncated, scan.stopped, len(scan.records)

    def _decode(
        self, run: RunData, records: list, acc: dict[str, list], where: list | None = None
    ) -> None:
        """Parse ``records`` (at record indices ``where``) with protobuf; scalars gather per
        tag in ``acc`` beside those the fast path decoded, as (steps, walls, values, record
        indices, places in the record); then every tag is added in file order, tags in order
        of first appearance, so both paths give the same series and keep the same tags under
        ``max_tags``."""
        if records and self._event_pb2 is None:
            self._event_pb2 = _protos()
        Event = self._event_pb2.Event if records else None
        for i, data in enumerate(records):
            try:
                ev = Event.FromString(bytes(data))
            except Exception:
                run.skipped["corrupt"] += 1
                continue
            kind = ev.WhichOneof("what")
            if kind == "summary":
                self._summary(run, ev, acc, i if where is None else where[i])
            elif kind is None:
                run.skipped["unknown"] += 1
        # parts are in file order: a part's first (record, place) is its smallest
        first = {
            tag: min((int(np.ravel(p[3])[0]), int(np.ravel(p[4])[0])) for p in parts)
            for tag, parts in acc.items()
        }
        for tag in sorted(acc, key=first.__getitem__):
            parts = acc[tag]
            if len(parts) == 1 and not np.isscalar(parts[0][0]):
                self._add(run, tag, *parts[0][:3])
                continue
            step, wall, value, pos, _ = (
                np.concatenate([np.atleast_1d(c) for c in col]) for col in zip(*parts, strict=True)
            )
            if np.any(np.diff(pos) < 0):  # fast and protobuf parts: back to file order
                o = np.argsort(pos, kind="stable")
                step, wall, value = step[o], wall[o], value[o]
            self._add(run, tag, step, wall, value)

    def _summary(self, run: RunData, ev: Any, acc: dict[str, list], pos: int) -> None:
        for place, v in enumerate(ev.summary.value):
            which = v.WhichOneof("value")
            plugin = v.metadata.plugin_data.plugin_name if v.HasField("metadata") else ""
            if plugin == "hparams":
                self._hparams(run, v.metadata.plugin_data.content)
                continue
            if which == "simple_value":
                value = v.simple_value
            elif which == "tensor" and plugin in ("scalars", ""):
                value = _tensor_scalar(v.tensor)
            else:
                value = None
            if value is None:
                run.skipped["non_scalar"] += 1
            else:
                acc.setdefault(v.tag, []).append((ev.step, ev.wall_time, value, pos, place))

    def _add(self, run: RunData, tag: str, step: Any, wall: Any, value: Any) -> None:
        s = run.series.get(tag)
        if s is None:
            if len(run.series) >= self.max_tags:
                run.skipped["tags_over_limit"] += int(np.size(step))
                return
            s = run.series[tag] = Series(self.max_points)
        s.add(step, wall, value)
        w0 = float(np.min(wall))
        w1 = float(np.max(wall))
        run.start = w0 if run.start is None else min(run.start, w0)
        run.last_wall = w1 if run.last_wall is None else max(run.last_wall, w1)

    def _hparams(self, run: RunData, content: bytes) -> None:
        from tensorboard.plugins.hparams import plugin_data_pb2

        try:
            data = plugin_data_pb2.HParamsPluginData.FromString(content)
        except Exception:
            run.skipped["corrupt"] += 1
            return
        if data.HasField("session_start_info"):
            for name, value in data.session_start_info.hparams.items():
                kind = value.WhichOneof("kind")
                if kind is not None:
                    run.hparams[name] = getattr(value, kind)
        if data.HasField("session_end_info"):
            run.status = {1: "success", 2: "failure", 3: "running"}.get(
                data.session_end_info.status, "unknown"
            )

    def _read_yaml(self, path: str) -> bool:
        # PyTorch Lightning's TensorBoardLogger also keeps the run's hparams in hparams.yaml.
        try:
            info = self.fs.info(path)
            key = (info.get("size"), info.get("mtime"))
            if self._yaml_seen.get(path) == key:
                return False
            self._yaml_seen[path] = key
            import yaml

            with self.fs.open(path, "rb") as f:
                data = yaml.safe_load(f) or {}
        except PermissionError:
            self._dir_skips["permission"] += 1
            return False
        except Exception as e:
            self._dir_skips["bad_file"] += 1
            self._note(e)
            return False
        run = self._run_for(path)
        for k, v in _flatten(data).items():
            run.hparams.setdefault(k, v)
        return True

    def _note(self, e: BaseException) -> None:
        if len(self.errors) < 20:
            self.errors.append(f"{type(e).__name__}: {e}")


def _at_records(points: np.ndarray, records: np.ndarray) -> bool:
    """Every point is a record start (``records`` sorted)."""
    i = np.searchsorted(records, points)
    return bool(
        (i < len(records)).all() and (records[np.minimum(i, len(records) - 1)] == points).all()
    )


def _parent(path: str) -> str:
    return posixpath.dirname(path)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(d, dict):
        return out
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (bool, int, float, str)) or v is None:
            out[key] = v
        else:
            out[key] = str(v)
    return out


_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 19: np.float16, 14: None}


def _tensor_scalar(t: Any) -> float | None:
    """The value of a scalar (or one-element) numeric TensorProto, else None."""
    size = 1
    for d in t.tensor_shape.dim:
        size *= d.size
    if size != 1:
        return None
    if t.float_val:
        return float(t.float_val[0])
    if t.double_val:
        return float(t.double_val[0])
    if t.int64_val:
        return float(t.int64_val[0])
    if t.int_val and t.dtype in (3, 4, 5, 6):
        return float(t.int_val[0])
    if t.half_val and t.dtype == 19:
        return float(np.frombuffer(np.uint16(t.half_val[0]).tobytes(), np.float16)[0])
    dtype = _DTYPES.get(t.dtype)
    if t.tensor_content and dtype is not None:
        arr = np.frombuffer(t.tensor_content, dtype)
        return float(arr[0]) if arr.size == 1 else None
    return None
