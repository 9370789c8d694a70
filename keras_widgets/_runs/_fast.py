"""Fast path for scalar events, measured in benchmarks/tb_read.py.

Parsing one protobuf per record in Python costs microseconds per point, and TensorBoard's
EventAccumulator tens of microseconds. Scalar events from one writer share a layout: the
same bytes except the wall time, the step and the values. So records are split with numpy
(candidate headers, checked by their length CRC and by chaining exactly), grouped by length,
and each group is decoded as a matrix from one template record whose layout a tiny walker
reads (only for the template). Rows that differ from the template anywhere else go to the
ordinary protobuf path, so the result is the same as parsing every record.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows

from keras_widgets._runs._records import masked_crc

_MAX_TEMPLATES = 16  # layouts tried per length group before the rest goes the slow way


def split(buf: bytes, check_crc: bool, crc) -> tuple | None:
    """(data starts, data lengths, end of the last complete record, data-CRC ok flags or
    None), or None when the vectorized guess does not chain exactly (then the caller splits
    record by record)."""
    n = len(buf)
    if n < 16:
        return None
    b = np.frombuffer(buf, np.uint8)
    # An Event begins with its wall_time field (tag byte 0x09); lengths fit in 32 bits.
    p = np.flatnonzero(b[12:] == 0x09)
    if not len(p):
        return None
    p = p[(b[p + 4] == 0) & (b[p + 5] == 0) & (b[p + 6] == 0) & (b[p + 7] == 0)]
    if not len(p) or p[0] != 0:
        return None
    length = _u32(b, p)
    p, length = p[length <= n], length[length <= n]
    stored = _u32(b, p + 8)
    # the length's CRC, computed once per distinct length (lengths repeat a lot)
    present = np.flatnonzero(np.bincount(length))
    lut = np.zeros(int(present[-1]) + 1, np.int64)
    lut[present] = [masked_crc(int(u).to_bytes(8, "little"), crc) for u in present.tolist()]
    good = lut[length] == stored
    p, length = p[good], length[good]
    end = p + 16 + length.astype(np.int64)
    complete = end <= n
    p, length, end = p[complete], length[complete], end[complete]
    if not len(p) or p[0] != 0 or np.any(p[1:] != end[:-1]):
        return None
    starts = p + 12
    last = int(end[-1])
    ok = _check_crcs(buf, b, starts, length.astype(np.int64), crc) if check_crc else None
    return starts, length.astype(np.int64), last, ok


def _u32(b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Little-endian uint32 at each offset ``p`` of the byte array ``b``."""
    return (
        b[p].astype(np.int64)
        | (b[p + 1].astype(np.int64) << 8)
        | (b[p + 2].astype(np.int64) << 16)
        | (b[p + 3].astype(np.int64) << 24)
    )


def groups(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices of ``lengths`` grouped by value, each group in file order."""
    present = np.flatnonzero(np.bincount(lengths))
    if len(present) <= 32:  # the usual case: a few layouts; no sort needed
        return [np.flatnonzero(lengths == v) for v in present.tolist()]
    order = np.argsort(lengths, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1)


def _unmask(m: np.ndarray) -> np.ndarray:
    x = (m.astype(np.int64) - 0xA282EAD8) & 0xFFFFFFFF
    return ((x << 15) | (x >> 17)) & 0xFFFFFFFF


def _check_crcs(buf, b, starts, lengths, crc) -> np.ndarray:
    """Data-CRC flags of every record. CRC-32C is affine over GF(2): for k records of one
    length L, XOR of their CRCs == crc(XOR of their bytes) (XOR crc(L zero bytes) when k is
    even). One C call per length group then checks them all; a group that fails is checked
    record by record to find the bad ones."""
    ok = np.ones(len(starts), bool)
    stored_all = _u32(b, starts + lengths)
    raw = _unmask(stored_all)
    mv = memoryview(buf)
    for group in groups(lengths):
        ln = int(lengths[group[0]])
        if ln == 0:
            ok[group] = raw[group] == crc(b"")
            continue
        x = np.bitwise_xor.reduce(windows(b, ln)[starts[group]], axis=0).tobytes()
        want = crc(x)
        if len(group) % 2 == 0:
            want ^= crc(bytes(ln))
        if int(np.bitwise_xor.reduce(raw[group])) == want:
            continue
        for i in group.tolist():
            s = int(starts[i])
            ok[i] = masked_crc(mv[s : s + ln], crc) == int(stored_all[i])
    return ok


def _varint(t: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        c = t[i]
        v |= (c & 0x7F) << shift
        i += 1
        if c < 0x80:
            return v, i
        shift += 7


def _fields(t: bytes, start: int, stop: int):
    """(field number, wire type, value start, value end) of a protobuf message's bytes."""
    i = start
    while i < stop:
        key, i = _varint(t, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            _, j = _varint(t, i)
        elif wire == 1:
            j = i + 8
        elif wire == 5:
            j = i + 4
        elif wire == 2:
            ln, i = _varint(t, i)
            j = i + ln
        else:
            raise ValueError("group wire types are not used by events")
        if j > stop:
            raise ValueError("field past its message")
        yield num, wire, i, j
        i = j


_FLOAT, _DOUBLE = 1, 2


def _layout(t: bytes):
    """Varying spans of a scalar event: (step span or None, [(tag, offset, dtype)]) or None."""
    step = None
    values = []
    saw_wall = saw_summary = False
    for num, wire, i, j in _fields(t, 0, len(t)):
        if num == 1 and wire == 1 and i == 1:
            saw_wall = True
        elif num == 2 and wire == 0:
            step = (i, j)
        elif num == 5 and wire == 2:
            saw_summary = True
            for vnum, vwire, vi, vj in _fields(t, i, j):
                if vnum != 1 or vwire != 2:
                    return None
                v = _value(t, vi, vj)
                if v is None:
                    return None
                values.append(v)
        else:
            return None
    if not (saw_wall and saw_summary and values):
        return None
    return step, values


def _value(t: bytes, i: int, j: int):
    tag = None
    found = None
    for num, wire, a, b in _fields(t, i, j):
        if num == 1 and wire == 2:
            tag = bytes(t[a:b]).decode("utf-8")
        elif num == 2 and wire == 5:  # simple_value
            found = (a, _FLOAT)
        elif num == 9 and wire == 2:  # metadata: only the scalars plugin (or none)
            if not _scalars_metadata(t, a, b):
                return None
        elif num == 8 and wire == 2:  # tensor
            found = _tensor(t, a, b)
            if found is None:
                return None
        else:
            return None
    if tag is None or found is None:
        return None
    return tag, found[0], found[1]


def _scalars_metadata(t: bytes, i: int, j: int) -> bool:
    for num, wire, a, b in _fields(t, i, j):
        if num == 1 and wire == 2:  # plugin_data
            for pnum, pwire, pa, pb in _fields(t, a, b):
                if pnum == 1 and pwire == 2 and bytes(t[pa:pb]) != b"scalars":
                    return False
    return True


def _tensor(t: bytes, i: int, j: int):
    dtype = None
    found = None
    for num, wire, a, b in _fields(t, i, j):
        if num == 1 and wire == 0:
            dtype = _varint(t, a)[0]
        elif num == 2 and wire == 2:
            if b != a:  # a shape with dimensions: not a scalar (size-1 shapes go the slow way)
                return None
        elif num == 4 and wire == 2:  # tensor_content
            found = (a, b - a)
        elif (num == 5 and wire == 2 and b - a == 4) or (
            num == 5 and wire == 5
        ):  # packed float_val, one value
            found = (a, 4)
        elif (num == 6 and wire == 2 and b - a == 8) or (
            num == 6 and wire == 1
        ):  # packed double_val
            found = (a, 8)
        else:
            return None
    if found is None:
        return None
    if dtype == _FLOAT and found[1] == 4:
        return found[0], _FLOAT
    if dtype == _DOUBLE and found[1] == 8:
        return found[0], _DOUBLE
    return None


def decode(buf: bytes, starts: np.ndarray, lengths: np.ndarray, add) -> np.ndarray:
    """Decode the scalar records among ``starts``/``lengths`` of ``buf`` with numpy, calling
    ``add(tag, steps, walls, values, record indices)`` per tag; returns the indices left for
    the slow path."""
    b = np.frombuffer(buf, np.uint8)
    slow = []
    out: dict[str, list] = {}
    for group in groups(lengths):
        ln = int(lengths[group[0]])
        rows = windows(b, ln)[starts[group]]  # a copy of the group's bytes only
        left = np.arange(len(group))
        for _ in range(_MAX_TEMPLATES):
            if not len(left):
                break
            tmpl = rows[left[0]].tobytes()
            try:
                lay = _layout(tmpl)
            except (ValueError, IndexError, UnicodeDecodeError):
                lay = None
            if lay is None:
                slow.append(group[left[:1]])
                left = left[1:]
                continue
            step_span, values = lay
            vary = np.zeros(ln, bool)
            vary[1:9] = True
            if step_span is not None:
                vary[step_span[0] : step_span[1]] = True
            for _, off, dt in values:
                vary[off : off + (4 if dt == _FLOAT else 8)] = True
            sub = rows[left]
            same = (sub[:, ~vary] == np.frombuffer(tmpl, np.uint8)[~vary]).all(1)
            if step_span is not None:  # the same varint length: continuation bits agree
                a, z = step_span
                same &= (sub[:, z - 1] < 0x80) & (sub[:, a : z - 1] >= 0x80).all(1)
            hit, left = left[same], left[~same]
            m = rows[hit]
            wall = m[:, 1:9].copy().view("<f8").reshape(-1)
            if step_span is None:
                step = np.zeros(len(hit), np.int64)
            else:
                a, z = step_span
                step = np.zeros(len(hit), np.int64)
                for k in range(z - a):
                    step |= (m[:, a + k].astype(np.int64) & 0x7F) << (7 * k)
            for tag, off, dt in values:
                if dt == _FLOAT:
                    v = m[:, off : off + 4].copy().view("<f4").reshape(-1).astype(np.float64)
                else:
                    v = m[:, off : off + 8].copy().view("<f8").reshape(-1)
                out.setdefault(tag, []).append((group[hit], step, wall, v))
        if len(left):
            slow.append(group[left])
    for tag, parts in out.items():
        pos = np.concatenate([p[0] for p in parts])
        o = np.argsort(pos, kind="stable")  # back to file order
        add(
            tag,
            np.concatenate([p[1] for p in parts])[o],
            np.concatenate([p[2] for p in parts])[o],
            np.concatenate([p[3] for p in parts])[o],
            pos[o],
        )
    return np.sort(np.concatenate(slow)) if slow else np.zeros(0, np.int64)
