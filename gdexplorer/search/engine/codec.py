"""A posting block format of our own, plugged into Whoosh through its codec API.

Whoosh's W3 codec pickles each block of up to 128 postings (a tuple of document-number gaps,
weights and values) and zlib-compresses the pickle. Reading a posting list for the first time is
then mostly ``pickle.loads`` and ``zlib.decompress``, a Python object per posting. :class:`GdxCodec`
keeps everything of W3 (term index, per-document columns, stored fields, term infos, block
statistics for Whoosh's skipping and block-max scoring) and replaces only the bytes of a block
(their layout is in :mod:`gdexplorer.search.engine.blocks`): document-number gaps, weights and
values as narrow little-endian integers.

Blocks are read with ``numpy.frombuffer`` from a memory map of the postings file: no pickle,
no zlib. Whoosh's matchers (``GdxLeafMatcher`` is a ``W3LeafMatcher``), scorers and
merges work unchanged; :meth:`GdxLeafMatcher.read_rest` gives the fast paths a whole posting list
as arrays. Vector postings (no field of ours has them) stay in W3's format. Segments are written
a word's whole posting list at a time (:meth:`GdxFieldWriter.add_term`).
"""

from __future__ import annotations

import contextlib
import mmap
import struct
from array import array
from typing import Any

import numpy as np
from whoosh.codec import whoosh3
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import byte_to_length, length_to_byte

from gdexplorer.search.engine import blocks
from gdexplorer.search.engine.blocks import HEADER, MAGIC, PackedValues

# Postings per block. W3 has 128, for its matchers' skipping; our fast paths read whole lists,
# where each block costs a header and a few numpy calls whatever its size: a first-time query
# at 20k spent most of its time on them. A reader takes blocks of any size (the count is in each
# header), so segments written before keep working.
BLOCK_LIMIT = 1024


class GdxCodec(whoosh3.W3Codec):
    """W3 with our posting blocks (see the module's docstring). Pickled by path into each
    segment's entry of the table of contents, so readers find it without being told."""

    def __init__(self, blocklimit: int = BLOCK_LIMIT, compression: int = 3, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors: W3's own format
            return super().postings_writer(dbfile, byteids=byteids)
        return GdxPostingsWriter(dbfile, blocklimit=self._blocklimit, inlinelimit=self._inlinelimit)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return GdxFieldWriter(self, storage, segment)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return GdxLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return GdxPerDocReader(storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> Any:
        # W3's, with the term index and the postings read through memory maps: looking a word up
        # or walking the words of a prefix is many small reads, each a seek and a read otherwise.
        tiname = segment.make_filename(self.TERMS_EXT)
        tilen = storage.file_length(tiname)
        tifile = _mapped(storage.open_file(tiname))
        postfile = _mapped(segment.open_file(storage, self.POSTS_EXT))
        return whoosh3.W3TermsReader(self, tifile, tilen, postfile)


# Whoosh's length byte -> the length it stands for (byte 0 is "no length": W3 answers None for it).
_LENGTHS = tuple(byte_to_length(b) for b in range(256))


class GdxPerDocReader(whoosh3.W3PerDocReader):
    """W3's per-document reader with each field's length bytes read once, as one ``bytes``.

    Writing a segment asks for the document's field length once per posting. W3 answers each call
    by asking the file system whether the field has a length column (one ``stat`` per posting of a
    field without one: 615,000 on the BBC corpus) and reading one byte: a third of a build's time.
    The answers are W3's own, including its quirks (``None`` for a zero length byte).
    """

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._length_bytes: dict[str, bytes | None] = {}

    def length_bytes(self, fieldname: str) -> bytes | None:
        """The field's length byte of each document from the first (documents past the end have
        none, byte 0); None where the field has no lengths."""
        try:
            return self._length_bytes[fieldname]
        except KeyError:
            lengths = self._length_bytes[fieldname] = self._read_lengths(fieldname)
            return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: Any = 0) -> Any:
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lengths = self.length_bytes(fieldname)
        if lengths is None:
            return default
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return _LENGTHS[lbyte] if lbyte else None

    def _read_lengths(self, fieldname: str) -> bytes | None:
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if reader is None:
            return None
        # One byte a document from the column's start; documents past its end have none (W3's
        # column reader gives them the default, 0).
        return bytes(reader._dbfile.get(reader._basepos, reader._count))


def _mapped(structfile: Any) -> Any:
    """A file of a segment on disk as a :class:`MappedFile`; a part of a compound file (already a
    buffer in memory) as it is."""
    if type(structfile) is StructFile and structfile.is_real:
        return MappedFile(structfile)
    return structfile


class MappedFile(StructFile):
    """A segment file whose ``get`` reads a read-only memory map: a slice, not a seek and a read.
    Sequential reads (``seek``, ``read``) still go through the file, as Whoosh's readers expect."""

    def __init__(self, structfile: StructFile) -> None:
        super().__init__(structfile.file, name=getattr(structfile, "_name", None), onclose=structfile.onclose)
        self._map: mmap.mmap | None = None
        # An empty file cannot be mapped: it is read the plain way (it holds no postings anyway).
        with contextlib.suppress(OSError, ValueError):
            self._map = mmap.mmap(structfile.file.fileno(), 0, access=mmap.ACCESS_READ)

    def get(self, position: int, length: int) -> bytes:
        if self._map is None:
            return super().get(position, length)
        return self._map[position : position + length]

    def close(self) -> None:
        if self._map is not None:
            self._map.close()  # get() hands out copies: nothing still views the map
            self._map = None
        super().close()


class GdxPostingsWriter(whoosh3.W3PostingsWriter):
    """W3's block buffering and term statistics, our block bytes."""

    _ids: Any
    _maxweight: float
    _minlength: int | None
    _maxlength: int
    _packed_values: tuple[array[int], bytes | bytearray] | None

    def __init__(self, postfile: Any, blocklimit: int, inlinelimit: int = 1) -> None:
        super().__init__(postfile, blocklimit, byteids=False, compression=0, inlinelimit=inlinelimit)

    def start_postings(self, format_: Any, terminfo: Any) -> None:
        super().start_postings(format_, terminfo)
        self._fixed = format_.fixed_value_size()

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        # W3's, without its per-posting type assertions (a build adds millions of postings).
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def add_all(self, ids: array[int], weights: array[float], sizes: array[int], data: bytes | bytearray,
                lengths: bytes | None) -> None:
        """A whole posting list at once, right after ``start_postings``: the same blocks and
        statistics as one ``add_posting`` per posting, without a Python call per posting.

        ``ids`` ascend; ``sizes`` are the values' byte counts, their bytes laid end to end in
        ``data``; ``lengths`` are the field's length bytes by document (None: no lengths).
        """
        if self._ids:
            raise RuntimeError("add_all starts a posting list")
        limit = self._blocklimit
        taken = 0
        for start in range(0, len(ids), limit):
            if self._ids:
                self._write_block()
            end = start + limit
            block = ids[start:end]
            self._ids = block
            self._weights = weights[start:end]
            self._maxweight = max(0, max(self._weights))
            if lengths is not None:
                known = len(lengths)
                found = [b for b in (lengths[d] if d < known else 0 for d in block) if b]
                if found:
                    self._minlength = _LENGTHS[min(found)]
                    self._maxlength = _LENGTHS[max(found)]
            size = sum(sizes[start:end])
            if size:
                self._packed_values = (sizes[start:end], data[taken : taken + size])
                taken += size

    def _new_block(self) -> None:
        super()._new_block()
        self._packed_values = None

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        header, body = blocks.encode_block(ids, self._weights, self._values, self._packed_values, self._fixed, last,
                                     self._maxweight, self._minlength, self._maxlength)
        self._postfile.write(header)
        self._postfile.write(body)
        self._blockcount += 1
        self._new_block()


# W3's term info: flags, total weight, document frequency, shortest and longest length (bytes),
# highest weight, first and last document; then the posting list's offset and length.
_TERMINFO = struct.Struct("!BfIBBfII")
_EXTENT = struct.Struct("!qi")


class GdxFieldWriter(whoosh3.W3FieldWriter):
    """W3's field writer with :meth:`add_term`: a word's whole posting list in one call."""

    _postwriter: GdxPostingsWriter

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self._fixed = fieldobj.format.fixed_value_size()
        self._prefix = struct.pack("!H", self._fieldid)
        # Where the next posting list starts, kept here: the file's tell() is a system call.
        self._at = self._postfile.tell()

    def add_term(self, tbytes: bytes, ids: array[int], weights: array[float], sizes: array[int],
                 data: bytes | bytearray, lengths: bytes | None) -> None:
        """``start_term``, ``GdxPostingsWriter.add_all`` and ``finish_term``: the same bytes. A list
        that fits in one block (most of them) is written here without the per-block objects."""
        count = len(ids)
        if not count or count > self._postwriter._blocklimit:
            self.start_term(tbytes)
            self._postwriter.add_all(ids, weights, sizes, data, lengths)
            self.finish_term()
            self._at = self._postfile.tell()
            return
        maxweight = max(0, max(weights))
        minlength: int | None = None
        maxlength = 0
        if lengths is not None:
            known = len(lengths)
            found = [b for b in (lengths[d] if d < known else 0 for d in ids) if b]
            if found:
                minlength = _LENGTHS[min(found)]
                maxlength = _LENGTHS[max(found)]
        packed = (sizes, data) if data else None
        header, body = blocks.encode_block(ids, weights, [], packed, self._fixed, True, maxweight, minlength, maxlength)
        block = MAGIC + header + body
        self._postfile.write(block)
        start = self._at
        self._at += len(block)
        info = _TERMINFO.pack(False, sum(weights), count, length_to_byte(minlength), length_to_byte(maxlength),
                              maxweight, ids[0], ids[-1])
        self._tindex.add(self._prefix + tbytes, info + _EXTENT.pack(start, len(block)))


class GdxLeafMatcher(whoosh3.W3LeafMatcher):
    """W3's matcher (skipping, block quality, scoring) over our blocks."""

    _data: Any
    _ids: Any
    _weights: Any
    _values: Any
    _atend: bool

    def _read_header(self) -> None:
        magic = self._postfile.get(self._startoffset, 4)
        if magic != MAGIC:
            raise ValueError(f"not a gdexplorer posting list: {magic!r}")
        self._baseoffset = self._startoffset + 4

    def _goto(self, position: int) -> None:
        self._data = None
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        (size, count, minid, maxid, maxweight, mnlen, mxlen,
         self._idcode, self._wcode, self._vcode) = HEADER.unpack(self._postfile.get(position, HEADER.size))
        if size < 0:
            self._lastblock = True
            size = -size
        self._nextoffset = position + 4 + size
        self._dataoffset = position + HEADER.size
        self._blocklength = count
        self._minid = minid
        self._maxid = maxid
        self._maxweight = maxweight
        self._compression = 0
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def _read_data(self) -> None:
        self._data = blocks.decode_block(self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset),
                                   self._blocklength, self._minid, self._idcode, self._wcode, self._vcode,
                                   self._fixedsize)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = self._data[0].tolist()

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        # array("f"), as W3 gives: Whoosh's scorers then compute with exactly the same floats.
        self._weights = array("f", self._data[1].tobytes())

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        self._values = self._data[2]

    def block_min_id(self) -> int:
        return self._minid

    def read_rest(self, values: bool) -> tuple[np.ndarray, Any]:
        """The postings from the current one to the end: document numbers (int32) and weights
        (float32), or with ``values`` the values: :class:`PackedValues` where they vary in size,
        else a tuple of bytes. Leaves the matcher at the end."""
        ids: list[np.ndarray] = []
        other: list[Any] = []
        packed = values and self._vcode in blocks.VAR_DTYPES
        while not self._atend and self._i < self._blocklength:
            block = self._data
            start = self._i
            if block is None:
                data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
                if packed:
                    block = blocks.decode_block(data, self._blocklength, self._minid, self._idcode, self._wcode,
                                          self._vcode, self._fixedsize, values=False, weights=False)
                    dtype = blocks.VAR_DTYPES[self._vcode]
                    at = blocks.values_offset(self._blocklength, self._idcode, self._wcode)
                    lengths = np.frombuffer(data, dtype=dtype, count=self._blocklength, offset=at)
                    block = (block[0], None, PackedValues(lengths, data[at + self._blocklength * dtype.itemsize:]))
                else:
                    block = blocks.decode_block(data, self._blocklength, self._minid, self._idcode, self._wcode,
                                          self._vcode, self._fixedsize, values=values, weights=not values)
            elif packed:  # a block the matcher has already decoded, read from its middle
                rest = block[2][start:]
                block = (block[0], None, PackedValues(np.fromiter(map(len, rest), dtype=np.int64, count=len(rest)),
                                                      b"".join(rest)))
                ids.append(block[0][start:])
                other.append(block[2])
                start = -1
            if start >= 0:
                ids.append(block[0][start:])
                other.append(block[2] if packed else block[2][start:] if values else block[1][start:])
            if self._lastblock:
                self._atend = True
                break
            self._goto(self._nextoffset)
        if not ids:
            empty = PackedValues(np.zeros(0, dtype=np.int64), b"") if packed else ()
            return np.zeros(0, dtype=np.int32), (empty if values else np.zeros(0, dtype=np.float32))
        all_ids = np.concatenate(ids).astype(np.int32, copy=False)
        if packed:
            return all_ids, PackedValues(np.concatenate([v.lengths.astype(np.int64) for v in other]),
                                         b"".join(v.blob for v in other))
        if values:
            return all_ids, tuple(v for block in other for v in block)
        return all_ids, np.concatenate(other).astype(np.float32, copy=False)
