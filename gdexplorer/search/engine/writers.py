"""Whoosh's segment writers, with postings gathered word by word and written a word at a time.

While a segment is written, Whoosh gathers every posting (one tuple per word of a document) in a
``PostingPool``, sorts them all, spills sorted runs to temporary files past its memory limit and
merges them back, then hands them to the codec one ``add`` call per posting. On a build that was
two thirds of the time: a tuple, a size estimate, a sort comparison, a pickle and a heap step for
every posting, then a Python call to put it in a block.

:class:`TermPool` gathers a segment's postings by field and word as they come: the document
numbers, weights and value sizes in typed arrays, the values' bytes end to end. Documents come in
ascending order, so each word's postings are already in order; sorting is of the words only. Past
its memory limit it writes a run of whole posting lists, in word order; the runs are merged word by
word, each word's lists joined in the order they were written. :func:`write_terms` gives each
word's list to the codec at once (``GdxFieldWriter.add_term``), which writes the same blocks, term
infos and term index as the per-posting path: the segment's files are byte for byte the same.

:class:`GdxSegmentWriter` is Whoosh's ``SegmentWriter`` with that pool; its ``add_document`` hands
each field's analysed words to the pool in one call. Merges of older segments (``add_reader``)
still add posting by posting, through :meth:`TermPool.add`. :class:`GdxMpWriter` is Whoosh's
``MpWriter`` whose sub-processes build their segments with :class:`GdxSegmentWriter`.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator
from itertools import groupby, islice
from operator import itemgetter
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from gdexplorer.search.engine.codec import GdxFieldWriter, GdxPerDocReader
from gdexplorer.search.engine.positions import index_items

# Posting lists per pickled chunk of a run.
CHUNK = 2_000
# The pool's estimate of what a word and a posting take in memory (bytes).
TERM_COST = 400
POSTING_COST = 12


class Postings:
    """One word's postings in a segment: document numbers (ascending), weights, the byte size of
    each value, and the values end to end."""

    __slots__ = ("data", "ids", "ordered", "sizes", "weights")

    def __init__(self) -> None:
        self.ids = array("I")
        self.weights = array("f")
        self.sizes = array("I")
        self.data = bytearray()
        self.ordered = True

    def add(self, docnum: int, weight: float, value: bytes | None) -> None:
        ids = self.ids
        if ids and docnum <= ids[-1]:
            self.ordered = False
        ids.append(docnum)
        self.weights.append(weight)
        if value:
            self.sizes.append(len(value))
            self.data += value
        else:
            self.sizes.append(0)

    def extend(self, other: Postings) -> None:
        if self.ids and other.ids and other.ids[0] <= self.ids[-1]:
            self.ordered = False
        self.ordered = self.ordered and other.ordered
        self.ids.extend(other.ids)
        self.weights.extend(other.weights)
        self.sizes.extend(other.sizes)
        self.data += other.data

    def in_order(self) -> Postings:
        """These postings by document number (Whoosh's order), for the rare list that was not
        added in order (a merge that renumbered documents out of order)."""
        if self.ordered:
            return self
        values, at = [], 0
        for size in self.sizes:
            values.append(bytes(self.data[at : at + size]))
            at += size
        ordered = Postings()
        for docnum, weight, value in sorted(zip(self.ids, self.weights, values, strict=True), key=itemgetter(0)):
            ordered.add(docnum, weight, value)
        return ordered

    def to_run(self) -> tuple[bytes, bytes, bytes, bytes, bool]:
        return self.ids.tobytes(), self.weights.tobytes(), self.sizes.tobytes(), bytes(self.data), self.ordered

    @classmethod
    def from_run(cls, ids: bytes, weights: bytes, sizes: bytes, data: bytes, ordered: bool) -> Postings:
        postings = cls()
        postings.ids.frombytes(ids)
        postings.weights.frombytes(weights)
        postings.sizes.frombytes(sizes)
        postings.data += data
        postings.ordered = ordered
        return postings


Entry = tuple[str, bytes, Postings]


class TermPool:
    """A segment's postings by field and word (see the module's docstring). Stands in for
    Whoosh's ``PostingPool``: ``add``, ``iter_postings``, ``save``, ``cleanup``, ``fieldnames``."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128) -> None:
        self.tempstore = tempstore
        self.segment = segment
        self.limit = limitmb * 1024 * 1024
        self.currentsize = 0
        self.fieldnames: set[str] = set()
        self.runs: list[str] = []
        self._fields: dict[str, dict[bytes, Postings]] = {}

    def _terms(self, fieldname: str) -> dict[bytes, Postings]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting, as Whoosh's pool takes it: (field, word, document, weight, value)."""
        fieldname, tbytes, docnum, weight, value = item
        terms = self._terms(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = Postings()
            self.currentsize += TERM_COST + len(tbytes)
        postings.add(docnum, weight, value)
        self.currentsize += POSTING_COST + (len(value) if value else 0)
        if self.currentsize > self.limit:
            self.save()

    def add_field(self, fieldname: str, docnum: int, items: Iterable[tuple[bytes, int, float, bytes | None]],
                  boost: float) -> int:
        """A document's analysed words of one field, ``(word, frequency, weight, value)`` each;
        returns the field's length (the frequencies' sum), as Whoosh's ``add_document`` counts it."""
        terms = self._terms(fieldname)
        length = added = 0
        for tbytes, freq, weight, value in items:
            length += freq
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = Postings()
                added += TERM_COST + len(tbytes)
            # A document's words reach a list after every earlier document's: in order.
            postings.ids.append(docnum)
            postings.weights.append(weight * boost)
            if value:
                postings.sizes.append(len(value))
                postings.data += value
                added += POSTING_COST + len(value)
            else:
                postings.sizes.append(0)
                added += POSTING_COST
        self.currentsize += added
        if self.currentsize > self.limit:
            self.save()
        return length

    def _current(self) -> Iterator[Entry]:
        fields, self._fields = self._fields, {}
        self.currentsize = 0
        for fieldname in sorted(fields):
            terms = fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes]

    def save(self) -> None:
        """Writes what the pool holds as a run (whole posting lists in word order)."""
        if not self._fields:
            return
        name = f"{self.segment.segment_id() if self.segment is not None else 'pool'}-{len(self.runs)}.terms"
        with self.tempstore.create_file(name).raw_file() as f:
            entries = ((fieldname, tbytes, postings.to_run()) for fieldname, tbytes, postings in self._current())
            while chunk := list(islice(entries, CHUNK)):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        self.runs.append(name)

    def _read_run(self, name: str) -> Iterator[Entry]:
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    break
                for fieldname, tbytes, run in chunk:
                    yield fieldname, tbytes, Postings.from_run(*run)
        self.tempstore.delete_file(name)

    def iter_terms(self) -> Iterator[Entry]:
        """Every word's whole posting list, in Whoosh's order (field, word), each list by document."""
        if not self.runs:
            for entry in self._current():
                yield entry[0], entry[1], entry[2].in_order()
            return
        # heapq.merge keeps the sources' order among equal words: the runs were written in
        # document order, and what is still in memory came last.
        sources = [self._read_run(name) for name in self.runs] + [self._current()]
        self.runs = []
        merged = heapq.merge(*sources, key=itemgetter(0, 1))
        for (fieldname, tbytes), group in groupby(merged, key=itemgetter(0, 1)):
            postings, *more = (entry[2] for entry in group)
            for later in more:
                postings.extend(later)
            yield fieldname, tbytes, postings.in_order()

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Whoosh's pool's answer: one (field, word, document, weight, value) tuple per posting."""
        for fieldname, tbytes, postings in self.iter_terms():
            at = 0
            for docnum, weight, size in zip(postings.ids, postings.weights, postings.sizes, strict=True):
                yield fieldname, tbytes, docnum, weight, bytes(postings.data[at : at + size])
                at += size

    def cleanup(self) -> None:
        for name in self.runs:
            if self.tempstore.file_exists(name):
                self.tempstore.delete_file(name)
        self.runs = []
        self._fields = {}


def write_terms(fieldwriter: Any, schema: Any, lengths: Any, terms: Iterable[Entry]) -> None:
    """What Whoosh's ``FieldWriter.add_postings`` does with a sorted stream of postings, a word's
    list at a time: one ``add_term`` each where the codec is ours (another codec's writer gets
    ``start_term``, one ``add`` per posting and ``finish_term``)."""
    lastfield = None
    length_bytes = None
    bulk = False
    for fieldname, tbytes, postings in terms:
        if fieldname != lastfield:
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            bulk = isinstance(fieldwriter, GdxFieldWriter) and (
                lengths is None or isinstance(lengths, GdxPerDocReader))
            length_bytes = lengths.length_bytes(fieldname) if bulk and lengths is not None else None
            lastfield = fieldname
        if bulk:
            fieldwriter.add_term(tbytes, postings.ids, postings.weights, postings.sizes, postings.data, length_bytes)
            continue
        fieldwriter.start_term(tbytes)
        at = 0
        for docnum, weight, size in zip(postings.ids, postings.weights, postings.sizes, strict=True):
            length = lengths.doc_field_length(docnum, fieldname) if lengths is not None else 0
            fieldwriter.add(docnum, weight, bytes(postings.data[at : at + size]), length)
            at += size
        fieldwriter.finish_term()
    if lastfield is not None:
        fieldwriter.finish_field()


class _TermPoolFlush:
    """The segment flush of a writer whose pool is a :class:`TermPool`."""

    pool: TermPool

    def _flush_segment(self: Any) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        write_terms(self.fieldwriter, self.schema, lengths, self.pool.iter_terms())
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


class GdxSegmentWriter(_TermPoolFlush, SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a :class:`TermPool`. ``GdxCodec``'s field writer takes
    whole posting lists; another codec's gets them a posting at a time."""

    def __init__(self, ix: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def add_document(self, **fields: Any) -> None:
        # SegmentWriter.add_document, each field's words handed to the pool at once. Whoosh's
        # spelling words and term vectors are not supported (no field of ours has them).
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {fieldname!r}: spelling words and vectors are not supported")
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    length = self.pool.add_field(fieldname, docnum, index_items(field, value), boost)
                    if not field.scorable:
                        length = 0
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


def segment_writer(ix: Any, **kwargs: Any) -> GdxSegmentWriter:
    """The writer of a one-process build or update."""
    return GdxSegmentWriter(ix, **kwargs)


class _SubWriterTask(SubWriterTask):
    def run(self) -> None:
        # SubWriterTask.run with our writer (Whoosh builds its own inside the child) and with
        # each sub-process's segment finished where it stands (GdxMpWriter is always
        # multisegment: the segments are kept as they are rather than merged into one).
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = GdxSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


class GdxMpWriter(_TermPoolFlush, MpWriter):
    """Whoosh's ``MpWriter`` (``multisegment=True`` only) with :class:`GdxSegmentWriter` in every
    sub-process and a :class:`TermPool` in the parent (which merges older segments)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        if not kwargs.get("multisegment"):
            raise ValueError("GdxMpWriter writes one segment per process: multisegment=True")
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128))

    def _new_task(self) -> SubWriterTask:
        # MpWriter._new_task, with our task class.
        task = _SubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                              self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


__all__ = ["GdxMpWriter", "GdxSegmentWriter", "Postings", "TermPool", "segment_writer"]
