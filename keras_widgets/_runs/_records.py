"""TFRecord framing of TensorBoard event files: writing records and reading them back
incrementally (from a remembered offset), with masked CRC-32C checks by the crc32c library."""

from __future__ import annotations

import struct

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
MASK_DELTA = 0xA282EAD8  # record_io's mask: rotate right by 15, add this


def _crc32c():
    try:
        import crc32c
    except ImportError as e:  # pragma: no cover - the extra installs it
        raise ImportError(
            "TensorBoard log files need crc32c: pip install keras-widgets[runs]"
        ) from e
    return crc32c.crc32c


def masked_crc(data: bytes, crc=None) -> int:
    """TensorFlow's masked CRC-32C (record_io: rotate right by 15, add a constant)."""
    c = (crc or _crc32c())(data)
    return (((c >> 15) | (c << 17)) + MASK_DELTA) & 0xFFFFFFFF


def frame(data: bytes, crc=None) -> bytes:
    """One record: length, masked CRC of the length, data, masked CRC of the data."""
    crc = crc or _crc32c()
    header = _U64.pack(len(data))
    return b"".join(
        (header, _U32.pack(masked_crc(header, crc)), data, _U32.pack(masked_crc(data, crc)))
    )


class Scan:
    """What one pass over new bytes found: complete records, where the next pass starts,
    and what was wrong."""

    __slots__ = ("corrupt", "end", "records", "stopped", "truncated")

    def __init__(self) -> None:
        self.records: list[memoryview] = []
        self.end = 0  # offset (in the buffer) just past the last complete record
        self.corrupt = 0  # records skipped for a bad data CRC
        self.truncated = False  # the buffer ends inside a record (its writer is writing)
        self.stopped = False  # a bad length CRC: nothing after it can be trusted


def split(buf: bytes, check_crc: bool = True, crc=None) -> Scan:
    """Split ``buf`` (bytes read from a record boundary) into records."""
    out = Scan()
    view = memoryview(buf)
    n = len(buf)
    pos = 0
    crc = crc or (_crc32c() if check_crc else None)
    unpack64, unpack32 = _U64.unpack_from, _U32.unpack_from
    records = out.records
    while pos + 12 <= n:
        (length,) = unpack64(buf, pos)
        if check_crc and unpack32(buf, pos + 8)[0] != masked_crc(view[pos : pos + 8], crc):
            out.stopped = True
            break
        end = pos + 12 + length + 4
        if end > n:
            break
        data = view[pos + 12 : end - 4]
        if check_crc and unpack32(buf, end - 4)[0] != masked_crc(data, crc):
            out.corrupt += 1
        else:
            records.append(data)
        pos = end
    out.end = pos
    out.truncated = not out.stopped and pos < n
    return out
