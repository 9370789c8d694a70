"""Fast path for scalar events, measured in benchmarks/tb_read.py.

Parsing one protobuf per record in Python costs microseconds per point, and TensorBoard's
EventAccumulator tens of microseconds. Scalar events from one writer share a layout: the
same bytes except the wall time, the step and the values. So records are split with numpy
(candidate headers, checked by their length CRC and by chaining exactly), grouped by length,
and each group is copied once into a matrix of 64-bit words that serves both its data-CRC
check and its decoding from one template record, whose layout a tiny walker reads (only for
the template). Rows that differ from the template elsewhere than in the wall time, the step
(of the same varint width) and the values try the next template; many templates of one
layout (tags of one name length) are found at once by hashing the rows' fixed bytes. Rows no
template matches go to the ordinary protobuf path, so the result is the same as parsing
every record (tests/test_runs_fast.py compares both on real and damaged logs).
"""

from __future__ import annotations

import numpy as np

from keras_widgets._runs._records import MASK_DELTA

_MAX_TEMPLATES = 16  # layouts tried per length group before the rest goes the slow way


def split(buf: bytes, crc) -> tuple | None:
    """(data starts, data lengths, end of the last complete record) with every length CRC
    checked, or None when the vectorized guess does not chain exactly (then the caller
    splits record by record). Data CRCs are checked by :func:`decode`."""
    n = len(buf)
    if n < 16:
        return None
    b = np.frombuffer(buf, np.uint8)
    # An Event begins with its wall_time field (tag byte 0x09).
    p = np.flatnonzero(b[12:] == 0x09)
    if not len(p) or p[0] != 0:
        return None
    head = _items(buf, 12)[p].view("<u4").reshape(-1, 3)  # length (low, high), its CRC
    length = head[:, 0].astype(np.int64)
    keep = (head[:, 1] == 0) & (length <= n - 16 - p)  # complete records only
    p, length, stored = p[keep], length[keep], head[keep, 2]
    good = _length_crcs(length, crc) == stored
    p, length = p[good], length[good]
    end = p + 16 + length
    if not len(p) or p[0] != 0 or np.any(p[1:] != end[:-1]):
        return None
    return p + 12, length, int(end[-1])


_TABLES: dict = {}


def _length_crcs(length: np.ndarray, crc) -> np.ndarray:
    """Masked CRC-32C of each 8-byte little-endian length below 2**32, vectorized: CRC-32C is
    affine over GF(2), so crc(bytes) = XOR of one table entry per byte XOR crc(8 zero bytes)
    (four terms: their constants cancel but one)."""
    tables = _TABLES.get(crc)
    if tables is None:
        tables = np.zeros((4, 256), np.int64)
        for j in range(4):
            for v in range(256):
                tables[j, v] = crc(bytes(j) + bytes([v]) + bytes(7 - j))
        _TABLES[crc] = tables = (tables, crc(bytes(8)))
    if len(length) > 4096 and length.max() < 1 << 16:  # lengths repeat: one lookup each
        present = np.flatnonzero(np.bincount(length))
        lut = np.zeros(int(present[-1]) + 1, np.uint32)
        lut[present] = _length_crcs(present, crc)
        return lut[length]
    t, zero = tables
    c = (
        t[0][length & 0xFF]
        ^ t[1][(length >> 8) & 0xFF]
        ^ t[2][(length >> 16) & 0xFF]
        ^ t[3][(length >> 24) & 0xFF]
        ^ zero
    )
    return ((((c >> 15) | (c << 17)) + MASK_DELTA) & 0xFFFFFFFF).astype(np.uint32)


def groups(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices of ``lengths`` grouped by value, each group in file order."""
    if not len(lengths):
        return []
    if lengths.max() < 1 << 22:
        present = np.flatnonzero(np.bincount(lengths))
        if len(present) <= 32:  # the usual case: a few layouts; no sort needed
            return [np.flatnonzero(lengths == v) for v in present.tolist()]
    order = np.argsort(lengths, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1)


def _unmask(m: np.ndarray) -> np.ndarray:
    x = (m.astype(np.int64) - MASK_DELTA) & 0xFFFFFFFF
    return ((x << 15) | (x >> 17)) & 0xFFFFFFFF


def _items(buf, width: int) -> np.ndarray:
    """Item i = the ``width`` bytes at offset i of ``buf`` (an overlapping view: indexing it
    with offsets copies a row per offset, twice as fast as a sliding window of uint8)."""
    return np.ndarray((len(buf) - width + 1,), f"V{width}", buffer=buf, strides=(1,))


def _rows(buf, s: np.ndarray, width: int) -> np.ndarray:
    """Copy of ``width`` bytes at each start ``s``, zero-filled past the buffer's end."""
    n = len(buf)
    fit = s + width <= n
    if fit.all():
        return _items(buf, width)[s].view(np.uint8).reshape(-1, width)
    rows = np.zeros((len(s), width), np.uint8)
    if fit.any():
        rows[fit] = _items(buf, width)[s[fit]].view(np.uint8).reshape(-1, width)
    b = np.frombuffer(buf, np.uint8)
    for i in np.flatnonzero(~fit).tolist():
        rows[i, : n - s[i]] = b[s[i] :]
    return rows


_CLASSES = 61  # records checked together: those whose indices agree modulo this prime


def _crc_ok(rows: np.ndarray, ln: int, crc) -> np.ndarray:
    """Data-CRC flags of records of one length ``ln`` (``rows``: their data, then their
    stored CRC, zero-padded to whole words).

    CRC-32C is affine over GF(2): for k records of one length, XOR of their CRCs ==
    crc(XOR of their data) (XOR crc(ln zero bytes) when k is even). So records are checked
    in 61 classes (index modulo 61) with one numpy pass and 61 C calls; the records of a
    class that fails are checked one by one. Damage goes unseen only where the damages of
    records of one class (a multiple of 61 apart in the group) cancel out bit for bit, such
    as the same bit flipped in two of them.
    """
    k = len(rows)
    words = rows.view("<u8")
    raw = _unmask(_field(words, ln, 4))
    c = min(_CLASSES, k)
    full = k - k % c
    data = np.bitwise_xor.reduce(words[:full].reshape(-1, c, words.shape[1]), axis=0)
    stored = np.bitwise_xor.reduce(raw[:full].reshape(-1, c), axis=0)
    if full < k:  # the last, shorter round
        data[: k - full] ^= words[full:]
        stored[: k - full] ^= raw[full:]
    zero = crc(bytes(ln))
    ok = np.ones(k, bool)
    for i, (x, want) in enumerate(zip(data, stored.tolist(), strict=True)):
        got = crc(x.tobytes()[:ln])
        if (full // c + (i < k - full)) % 2 == 0:
            got ^= zero
        if got != want:
            ok[i::c] = [
                crc(r[:ln].tobytes()) == v
                for r, v in zip(rows[i::c], raw[i::c].tolist(), strict=True)
            ]
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
        elif num == 2 and wire == 0 and j - i <= 10:
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


def _ignored(t: bytes) -> bool:
    """An event the protobuf path reads and ignores without counting: a wall time, maybe a
    step, and one file_version (valid UTF-8, as protobuf checks) or graph_def."""
    seen = set()
    for num, wire, i, j in _fields(t, 0, len(t)):
        if num in seen:
            return False
        seen.add(num)
        if num == 1 and wire == 1:
            continue
        if num == 2 and wire == 0 and j - i <= 10:
            continue
        if num == 3 and wire == 2:
            bytes(t[i:j]).decode("utf-8")
        elif not (num == 4 and wire == 2):
            return False
    return bool(seen & {3, 4}) and 1 in seen


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
    sources = 0  # protobuf would read the first of several values: leave those to it
    for num, wire, a, b in _fields(t, i, j):
        sources += num in (4, 5, 6)
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
    if found is None or sources > 1:
        return None
    if dtype == _FLOAT and found[1] == 4:
        return found[0], _FLOAT
    if dtype == _DOUBLE and found[1] == 8:
        return found[0], _DOUBLE
    return None


def _template(tmpl: bytes, width: int):
    """(layout, words the rows must equal, mask of the words' fixed bits) or None."""
    try:
        lay = _layout(tmpl)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    if lay is None:
        return None
    step_span, values = lay
    fixed = np.zeros(width, np.uint8)
    fixed[: len(tmpl)] = 0xFF
    fixed[1:9] = 0  # wall time
    if step_span is not None:  # only the continuation bits: the same varint length
        fixed[step_span[0] : step_span[1]] = 0x80
    for _, off, dt in values:
        fixed[off : off + (4 if dt == _FLOAT else 8)] = 0
    want = np.zeros(width, np.uint8)
    want[: len(tmpl)] = np.frombuffer(tmpl, np.uint8)
    mask = fixed.view("<u8")
    return lay, want.view("<u8") & mask, mask


def decode(
    buf: bytes, starts: np.ndarray, lengths: np.ndarray, crc, add
) -> tuple[np.ndarray, np.ndarray]:
    """Check the data CRCs (when ``crc`` is given) and decode the scalar records among
    ``starts``/``lengths`` of ``buf`` with numpy, calling ``add(tag, steps, walls, values,
    record indices, places in their records)`` per tag in file order, tags in order of first
    appearance; returns (indices left for the slow path, indices whose data CRC failed)."""
    slow, bad = [], []
    out: dict[str, list] = {}
    for group in groups(lengths):
        ln = int(lengths[group[0]])
        width = -(-(ln + 4) // 8) * 8
        rows = _rows(buf, starts[group], width)  # the group's data and CRCs, copied once
        if crc is not None:
            ok = _crc_ok(rows, ln, crc)
            if not ok.all():
                bad.append(group[~ok])
                group, rows = group[ok], rows[ok]
        words = rows.view("<u8")
        left = None  # all rows of the group
        keyed, found = False, 0
        for _ in range(_MAX_TEMPLATES):
            count = len(group) if left is None else len(left)
            if not count:
                break
            first = 0 if left is None else int(left[0])
            tmpl = rows[first, :ln].tobytes()
            got = _template(tmpl, width)
            if got is None:
                try:
                    ignored = _ignored(tmpl)
                except (ValueError, IndexError, UnicodeDecodeError):
                    ignored = False
                if not ignored:
                    slow.append(group[first : first + 1])
                left = np.arange(1, len(group)) if left is None else left[1:]
                continue
            lay, want, mask = got
            sub = words if left is None else words[left]
            differ = np.zeros(len(sub), bool)
            for w in np.flatnonzero(mask).tolist():
                differ |= ((sub[:, w] ^ want[w]) & mask[w]) != 0
            if left is None:
                hit = np.flatnonzero(~differ) if differ.any() else None
                left = np.flatnonzero(differ)
            else:
                hit, left = left[~differ], left[differ]
            _emit(words, group, hit, lay, out)
            found += 1
            if not keyed and found >= 2 and len(left) >= _KEYED_MIN:
                # Still rows of the same length but other bytes after two templates: usually
                # more tags of one name length (acc_class_001, acc_class_002, ...).
                keyed = True
                left = _keyed(rows, words, group, left, ln, width, lay, mask, out)
        rest = group if left is None else group[left]
        if len(rest):
            slow.append(rest)
    # tags in order of first appearance (record, then place in it), as protobuf meets them
    first = {tag: min((int(p[0][0]), p[4]) for p in parts) for tag, parts in out.items()}
    for tag in sorted(out, key=first.__getitem__):
        parts = out[tag]
        if len(parts) == 1:
            idx, step, wall, value, j = parts[0]
            add(tag, step, wall, value, idx, np.full(len(idx), j, np.int16))
            continue
        pos = np.concatenate([p[0] for p in parts])
        o = np.argsort(pos, kind="stable")  # back to file order (parts of one record: by place)
        add(
            tag,
            np.concatenate([p[1] for p in parts])[o],
            np.concatenate([p[2] for p in parts])[o],
            np.concatenate([p[3] for p in parts])[o],
            pos[o],
            np.concatenate([np.full(len(p[0]), p[4], np.int16) for p in parts])[o],
        )
    return _sorted(slow), _sorted(bad)


_KEYED_MIN = 8  # rows left after two templates that are worth grouping by key
_MAX_KEYS = 4096  # distinct keys beyond which a group is not template-like
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _keyed(rows, words, group, left, ln, width, lay, mask, out) -> np.ndarray:
    """Decode the rows ``left`` that share ``lay``'s layout (the same varying spans) but not
    its fixed bytes: rows are grouped by a hash of their fixed bytes, one template parsed
    per key and every row checked against its key's template. Returns the rows still left."""
    sub = words[left] & mask
    h = np.zeros(len(left), np.uint64)
    for w in np.flatnonzero(mask).tolist():
        h = (h ^ sub[:, w]) * _MIX
        h ^= h >> np.uint64(29)
    keys, inverse = np.unique(h, return_inverse=True)
    if len(keys) > _MAX_KEYS:
        return left
    order = np.argsort(inverse.reshape(-1), kind="stable")
    cuts = np.cumsum(np.bincount(inverse.reshape(-1), minlength=len(keys)))[:-1]
    shape = _shape(lay)
    rest = []
    misses = 0
    for members in np.split(left[order], cuts):
        got = (
            None
            if misses > _MAX_TEMPLATES
            else _template(rows[int(members[0]), :ln].tobytes(), width)
        )
        if got is None or not np.array_equal(got[2], mask) or _shape(got[0]) != shape:
            misses += 1  # other layouts: after a few, stop parsing templates for them
            rest.append(members)
            continue
        same = (((words[members] ^ got[1]) & mask) == 0).all(1)
        _emit(words, group, members[same], got[0], out)
        rest.append(members[~same])
    return np.sort(np.concatenate(rest)) if rest else left[:0]


def _shape(lay) -> tuple:
    """A layout without its tags: where the step and the values are."""
    step_span, values = lay
    return step_span, tuple((off, dt) for _, off, dt in values)


def _emit(words, group, hit, lay, out) -> None:
    """Decode rows ``hit`` of the group (None: all) that match layout ``lay``."""
    if hit is not None and not len(hit):
        return
    step_span, values = lay
    m = words if hit is None else words[hit]
    idx = group if hit is None else group[hit]
    wall = _field(m, 1, 8).view("<f8")
    step = np.zeros(len(idx), np.int64)
    if step_span is not None:
        a, z = step_span
        for k0 in range(0, z - a, 8):  # a varint of up to 10 bytes, 8 at a time
            x = _field(m, a + k0, min(8, z - a - k0))
            for k in range(min(8, z - a - k0)):
                part = ((x >> np.uint64(8 * k)) & np.uint64(0x7F)).view(np.int64)
                step |= part << (7 * (k0 + k))
    for j, (tag, off, dt) in enumerate(values):
        if dt == _FLOAT:
            v = _field(m, off, 4).astype(np.uint32).view("<f4").astype(np.float64)
        else:
            v = _field(m, off, 8).view("<f8")
        out.setdefault(tag, []).append((idx, step, wall, v, j))


def _field(words: np.ndarray, off: int, size: int) -> np.ndarray:
    """The little-endian unsigned integer of ``size`` (at most 8) bytes at byte ``off`` of
    each row of ``words`` (rows as 64-bit words): shifts of one or two word columns, no copy
    of the bytes."""
    w, sh = divmod(off, 8)
    x = words[:, w] >> np.uint64(8 * sh)
    if sh + size > 8:
        x |= words[:, w + 1] << np.uint64(64 - 8 * sh)
    if size < 8:
        x &= np.uint64((1 << (8 * size)) - 1)
    return x


def _sorted(parts: list) -> np.ndarray:
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
