"""The one module that reads Whoosh's private codec and matcher attributes.

Whoosh's public API walks postings one document at a time; the speed of ``docsets`` and
``ranking`` comes from reading whole posting lists and the length column directly. Indexes
written by :class:`~gdexplorer.search.engine.codec.GdxCodec` (ours) hand over a whole posting
list as arrays through its matcher's ``read_rest``. Segments in Whoosh's own W3 format (an index
of another schema version, or a test's plain Whoosh index) are read from private attributes of
whoosh-reloaded 2.7's W3 codec (pyproject.toml caps the version). What is used is checked once,
at import (``BLOCK_WALK``, ``LENGTH_COLUMN``): where a release has moved or renamed it, each
function here falls back to Whoosh's public matchers and readers, slower but with the same
answers (the tests run both paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh import columns
from whoosh import query as wq
from whoosh.matching import wrappers
from whoosh.util.numeric import length_to_byte

from gdexplorer.search.engine.codec import GdxLeafMatcher

try:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
except ImportError:  # another codec layout: public paths only
    LENGTHS_COLUMN = W3LeafMatcher = None

# What the block walk reads of a W3 leaf matcher: its current block's arrays and the way to the next.
_BLOCK_ATTRIBUTES = ("_read_data", "_read_values", "_read_weights", "_goto")
_BLOCK_FIELDS = ("_atend", "_i", "_blocklength", "_ids", "_data", "_byteids", "_values", "_weights",
                 "_lastblock", "_nextoffset")
_LEAF_MATCHER: Any = W3LeafMatcher


def _block_walk_available() -> bool:
    return W3LeafMatcher is not None and all(callable(getattr(W3LeafMatcher, a, None)) for a in _BLOCK_ATTRIBUTES)


BLOCK_WALK = _block_walk_available()
LENGTH_COLUMN = LENGTHS_COLUMN is not None


def expanded_words(q: wq.MultiTerm, reader: object) -> Iterable[bytes]:
    """The index words a prefix, wildcard, fuzzy word or range stands for, in one reader."""
    private = getattr(q, "_btexts", None)
    if private is not None:
        return private(reader)
    field = q.field()
    return (text if isinstance(text, bytes) else str(text).encode("utf-8")
            for fieldname, text in q.expanded_terms(reader) if fieldname == field)


def posting_blocks(reader: object, field: str, word: bytes | str,
                    values: bool) -> Iterator[tuple[Sequence[int] | np.ndarray, Sequence[Any] | np.ndarray]]:
    """A term's postings a block at a time: (document numbers, weights or encoded values).

    In our format the whole list is one block: document numbers as an int32 array, weights as a
    float32 array, values as a tuple of bytes."""
    try:
        m = reader.postings(field, word)  # type: ignore[attr-defined]
    except Exception:  # TermNotFound and friends: the word is not in this segment
        return
    if isinstance(m, wrappers.FilterMatcher):
        m = m.child  # deleted documents are left to the callers' sets
    if BLOCK_WALK and type(m) is GdxLeafMatcher:
        yield m.read_rest(values)
        return
    if not (BLOCK_WALK and type(m) is _LEAF_MATCHER and all(hasattr(m, f) for f in _BLOCK_FIELDS)):
        ids: list[int] = []
        other: list[Any] = []
        while m.is_active():
            ids.append(m.id())
            other.append(m.value() if values else m.weight())
            m.next()
        yield ids, other
        return
    # The private block walk of Whoosh's W3 leaf matcher: the public next() moves one posting at
    # a time, which is exactly the per-document cost this module exists to avoid.
    while not m._atend and m._i < m._blocklength:
        if m._ids is None:
            # Whoosh's _read_ids, with the document-number gaps summed in C: its delta_decode
            # is a Python generator step per posting, most of reading a list for the first time.
            if m._data is None:
                m._read_data()
            m._ids = m._data[0] if m._byteids else tuple(accumulate(m._data[0]))
        if values and m._values is None:
            m._read_values()
        if not values and m._weights is None:
            m._read_weights()
        column = m._values if values else m._weights
        start = m._i
        yield (m._ids[start:], column[start:]) if start else (m._ids, column)
        if m._lastblock:
            break
        m._goto(m._nextoffset)


def length_bytes(reader: object, field: str) -> bytes:
    """The field's length byte for every document of a segment (Whoosh's encoding; 0 = none)."""
    count = reader.doc_count_all()  # type: ignore[attr-defined]
    perdoc = getattr(reader, "_perdoc", None)
    if not (LENGTH_COLUMN and perdoc is not None and hasattr(perdoc, "_cached_reader")):
        # Whoosh's public reader, a call per document: the stored byte is length_to_byte(length),
        # and byte_to_length then length_to_byte gives the byte back.
        lengths = (reader.doc_field_length(d, field, 0) for d in range(count))  # type: ignore[attr-defined]
        return bytes(length_to_byte(n) for n in lengths)
    column = None
    if perdoc is not None:
        column = perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    if column is None:
        return bytes(count)
    if hasattr(column, "_dbfile") and getattr(column, "_fixedlen", 0) == 1:
        # The whole column is one byte per document: one read instead of one call per document.
        data = bytes(column._dbfile.get(column._basepos, column._count))
    else:
        data = bytes(column[d] for d in range(count))
    return data + bytes(max(0, count - len(data)))


# Signed and unsigned 64-bit numeric columns, as numpy reads their big-endian bytes.
_NUMERIC_DTYPES = {"q": ">i8", "Q": ">u8"}


def numeric_column(reader: Any, field: str) -> np.ndarray | None:
    """A 64-bit numeric column's values, one per document, read from its bytes in one go.

    Whoosh's reader unpacks one value per document (about 1 µs each: 100 ms at 100,000). None
    when the column is of another kind or laid out otherwise: the caller reads it the public way.
    """
    try:
        column = reader.column_reader(field, translate=False)
    except Exception:  # not a column field
        return None
    if type(column) is not columns.NumericColumn.Reader:
        return None
    try:
        dtype = _NUMERIC_DTYPES[column._typecode]
        raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
        default = column._default
    except (AttributeError, KeyError):
        return None
    values = np.frombuffer(raw, dtype=dtype).astype(dtype[1:])
    size = reader.doc_count_all()
    if len(values) < size:  # Whoosh writes no bytes for trailing documents without a value
        values = np.concatenate((values, np.full(size - len(values), default, dtype=values.dtype)))
    return values[:size]
