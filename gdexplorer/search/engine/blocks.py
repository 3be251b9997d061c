"""The bytes of one posting block of :class:`~gdexplorer.search.engine.codec.GdxCodec`:

    header  struct ``<iHIIfBBBBB``: size of the rest of the block (negative for the last one),
            posting count, first and last document number, highest weight, shortest and longest
            field length (Whoosh's length bytes), how ids, weights and values are stored
    ids     count-1 gaps between document numbers, u1, u2 or u4
    weights nothing (all 1.0), one float32 (all equal), u1/u2 (small integers) or float32 each
    values  nothing, 4-byte big-endian integers narrowed to u1/u2, fixed-size raw bytes, or
            per-posting lengths (u1/u2/u4) then the values' bytes one after the other

All little-endian, read with ``numpy.frombuffer``: no pickle, no zlib.
"""

from __future__ import annotations

import struct
import sys
from array import array
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
from whoosh.util.numeric import length_to_byte

MAGIC = b"GdxB"
HEADER = struct.Struct("<iHIIfBBBBB")
_WIDTH_CODES = {1: 1, 2: 2, 4: 3}  # byte width -> code
_DTYPES: dict[int, np.dtype[Any]] = {1: np.dtype("u1"), 2: np.dtype("<u2"), 3: np.dtype("<u4")}  # code -> dtype
_SIZES = {0: 0, 1: 1, 2: 2, 3: 4}

# How weights are stored.
W_ONES, W_SAME, W_U1, W_U2, W_F4 = range(5)
# How values are stored.
V_NONE, V_U1, V_U2, V_U4BE, V_FIXED, V_VAR1, V_VAR2, V_VAR4 = range(8)
_VAR_CODES = {1: V_VAR1, 2: V_VAR2, 4: V_VAR4}
VAR_DTYPES: dict[int, np.dtype[Any]] = {V_VAR1: np.dtype("u1"), V_VAR2: np.dtype("<u2"), V_VAR4: np.dtype("<u4")}
_F4 = np.dtype("<f4")
_WEIGHT_DTYPES: dict[int, np.dtype[Any]] = {W_U1: np.dtype("u1"), W_U2: np.dtype("<u2"), W_F4: _F4}
_BE4 = np.dtype(">u4")


def byte_width(largest: int) -> int:
    return 1 if largest < 0x100 else 2 if largest < 0x10000 else 4


# Up to this many postings, a block is encoded with the array module rather than numpy, whose
# per-call cost dwarfs the work on a few numbers: most words of a segment have a handful of
# postings (BBC: 108,000 blocks, 14 postings each on average). Both give the same bytes.
SMALL = 32
_ARRAY_CODES = {1: "B", 2: "H", 4: "I"}
_LITTLE = sys.byteorder == "little"  # array's bytes are the machine's order; the format's is little


def pack_ints(values: Any, width: int) -> bytes:
    if _LITTLE and len(values) <= SMALL:
        return array(_ARRAY_CODES[width], values).tobytes()
    return np.asarray(values, dtype=_DTYPES[_WIDTH_CODES[width]]).tobytes()


class PackedValues(NamedTuple):
    """Variable-size posting values (word positions) laid end to end: each one's length, then all
    their bytes. What ``read_rest`` gives for them: no bytes object per posting."""

    lengths: np.ndarray
    blob: bytes

    def split(self) -> tuple[bytes, ...]:
        ends = np.cumsum(self.lengths, dtype=np.int64).tolist()
        return tuple(self.blob[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True))


def encode_block(ids: Any, weights: array[float], values: list[bytes],
                  packed: tuple[array[int], bytes | bytearray] | None, fixed: int | None, last: bool,
                  maxweight: float, minlength: int | None, maxlength: int) -> tuple[bytes, bytes]:
    """A block's header and body (see the module's docstring)."""
    count = len(ids)
    parts: list[bytes] = []
    idcode = 1
    if count > 1:
        if count <= SMALL:
            gaps: Any = [b - a for a, b in pairwise(ids)]
            width = byte_width(max(gaps))
        else:
            gaps = np.diff(np.frombuffer(ids, dtype=np.uint32) if isinstance(ids, array) else np.asarray(ids))
            width = byte_width(int(gaps.max()))
        idcode = _WIDTH_CODES[width]
        parts.append(pack_ints(gaps, width))
    wcode, wbytes = encode_weights(weights)
    parts.append(wbytes)
    if packed is None:
        vcode, vbytes = encode_values(values, fixed, count)
    else:
        vcode, vbytes = encode_packed_values(*packed, fixed, count)
    parts.append(vbytes)
    body = b"".join(parts)
    size = HEADER.size - 4 + len(body)
    header = HEADER.pack(-size if last else size, count, ids[0], ids[-1], maxweight,
                         length_to_byte(minlength), length_to_byte(maxlength), idcode, wcode, vcode)
    return header, body


def encode_weights(weights: array[float]) -> tuple[int, bytes]:
    if _LITTLE and len(weights) <= SMALL:
        return _encode_few_weights(weights)
    w = np.frombuffer(weights, dtype=np.float32)
    first = w[0]
    if (w == first).all():
        return (W_ONES, b"") if first == 1.0 else (W_SAME, first.astype(_F4).tobytes())
    if (w >= 0).all() and (w == np.floor(w)).all():
        top = float(w.max())
        if top < 0x100:
            return W_U1, w.astype(np.uint8).tobytes()
        if top < 0x10000:
            return W_U2, w.astype("<u2").tobytes()
    return W_F4, w.astype(_F4).tobytes()


def _encode_few_weights(weights: array[float]) -> tuple[int, bytes]:
    """:func:`encode_weights` for a few float32 weights, with the same answers."""
    first = weights[0]
    if all(w == first for w in weights):
        return (W_ONES, b"") if first == 1.0 else (W_SAME, weights[:1].tobytes())
    # is_integer() is False for inf and nan, which numpy's path also stores as float32.
    if all(w >= 0 and w.is_integer() for w in weights):
        top = max(weights)
        if top < 0x100:
            return W_U1, bytes(map(int, weights))
        if top < 0x10000:
            return W_U2, array("H", map(int, weights)).tobytes()
    return W_F4, weights.tobytes()


def encode_values(values: list[bytes], fixed: int | None, count: int) -> tuple[int, bytes]:
    if not values or fixed == 0:
        return V_NONE, b""
    if len(values) != count:
        raise ValueError("a posting block mixes empty and non-empty values")
    if fixed is not None and fixed > 0:
        return _encode_fixed(b"".join(values), fixed, count)
    lengths = list(map(len, values))
    width = byte_width(max(lengths))
    return _VAR_CODES[width], pack_ints(lengths, width) + b"".join(values)


def _encode_fixed(blob: bytes, fixed: int, count: int) -> tuple[int, bytes]:
    if fixed != 4:
        return V_FIXED, blob
    # Whoosh's frequencies: a big-endian uint32 each, mostly tiny
    if _LITTLE and count <= SMALL:
        few = struct.unpack(f">{count}I", blob)
        top = max(few)
        if top < 0x100:
            return V_U1, bytes(few)
        if top < 0x10000:
            return V_U2, array("H", few).tobytes()
        return V_U4BE, blob
    numbers = np.frombuffer(blob, dtype=_BE4)
    top = int(numbers.max())
    if top < 0x100:
        return V_U1, numbers.astype(np.uint8).tobytes()
    if top < 0x10000:
        return V_U2, numbers.astype("<u2").tobytes()
    return V_U4BE, blob


def encode_packed_values(sizes: array[int], data: bytes | bytearray, fixed: int | None,
                          count: int) -> tuple[int, bytes]:
    """:func:`encode_values` for values laid end to end, with the same answers."""
    if fixed == 0:
        return V_NONE, b""
    if min(sizes) == 0:
        raise ValueError("a posting block mixes empty and non-empty values")
    if fixed is not None and fixed > 0:
        return _encode_fixed(bytes(data), fixed, count)
    width = byte_width(max(sizes))
    return _VAR_CODES[width], pack_ints(sizes, width) + bytes(data)


def values_offset(count: int, idcode: int, wcode: int) -> int:
    """Where a block's values start, after its document-number gaps and weights."""
    at = (count - 1) * _SIZES[idcode] if count > 1 else 0
    if wcode == W_SAME:
        return at + 4
    if wcode == W_ONES:
        return at
    return at + count * _WEIGHT_DTYPES[wcode].itemsize


def decode_block(data: bytes, count: int, minid: int, idcode: int, wcode: int, vcode: int, fixed: int | None,
                  values: bool = True, weights: bool = True) -> tuple[np.ndarray, np.ndarray, Any]:
    """(document numbers as uint32, weights as float32, values as a tuple of bytes) of one block."""
    at = 0
    if count > 1:
        width = _SIZES[idcode]
        gaps = np.frombuffer(data, dtype=_DTYPES[idcode], count=count - 1, offset=0)
        ids = np.empty(count, dtype=np.uint32)
        ids[0] = minid
        np.cumsum(gaps, out=ids[1:])
        ids[1:] += minid
        at = (count - 1) * width
    else:
        ids = np.array([minid], dtype=np.uint32)
    if wcode == W_ONES:
        w = np.ones(count, dtype=np.float32) if weights else None
    elif wcode == W_SAME:
        w = np.full(count, np.frombuffer(data, dtype=_F4, count=1, offset=at)[0], dtype=np.float32) if weights else None
        at += 4
    else:
        dtype = _WEIGHT_DTYPES[wcode]
        w = np.frombuffer(data, dtype=dtype, count=count, offset=at).astype(np.float32) if weights else None
        at += count * dtype.itemsize
    vals: Any = None
    if values:
        vals = decode_values(data, at, count, vcode, fixed)
    return ids, w, vals  # type: ignore[return-value]


def decode_values(data: bytes, at: int, count: int, vcode: int, fixed: int | None) -> tuple[Any, ...]:
    if vcode == V_NONE:
        return (None,) * count if fixed == 0 else ()
    if vcode in (V_U1, V_U2):
        dtype = np.dtype("u1") if vcode == V_U1 else np.dtype("<u2")
        blob = np.frombuffer(data, dtype=dtype, count=count, offset=at).astype(_BE4).tobytes()
        return tuple(blob[i : i + 4] for i in range(0, 4 * count, 4))
    if vcode in (V_U4BE, V_FIXED):
        size = 4 if vcode == V_U4BE else (fixed or 1)
        blob = data[at : at + size * count]
        return tuple(blob[i : i + size] for i in range(0, size * count, size))
    dtype = VAR_DTYPES[vcode]
    lengths = np.frombuffer(data, dtype=dtype, count=count, offset=at)
    start = at + count * dtype.itemsize
    ends = (np.cumsum(lengths, dtype=np.int64) + start).tolist()
    starts = [start, *ends[:-1]]
    return tuple(data[a:b] for a, b in zip(starts, ends, strict=True))
