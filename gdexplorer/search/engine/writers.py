"""Whoosh's segment writers with a posting pool whose runs are written a chunk at a time.

While a segment is written, Whoosh gathers every posting (one tuple per word of a document) in a
``PostingPool``. Past a million postings or its memory limit, the pool sorts what it holds and
writes it to a temporary "run" file, then merges the runs back in order. W3's pool pickles and
unpickles each posting with its own ``pickle.dump``/``pickle.load`` call: on the BBC corpus that
was 884,000 calls each way, a third of a one-process build. :class:`ChunkedPostingPool` writes the
same sorted postings as lists of :data:`CHUNK` (one call per chunk) and reads them back the same
way, so a run holds the same items in the same order and the memory limit is unchanged.

:class:`GdxMpWriter` is Whoosh's ``MpWriter`` whose sub-processes' writers use that pool too:
the only way in is the task class, which builds its ``SegmentWriter`` inside the child.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import PostingPool, SegmentWriter

# Postings per pickled chunk: a chunk is a few MB, small beside the pool's limit (96-128 MB).
CHUNK = 10_000


class ChunkedPostingPool(PostingPool):
    """A ``PostingPool`` that pickles its runs a chunk of postings at a time."""

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        # PostingPool.add without its per-posting type assertions (a build adds millions), with
        # the same size estimate, so that runs are spilled at the same points.
        fieldname, tbytes, _, _, vbytes = item
        self.fieldnames.add(fieldname)
        self.currentsize += 150 + len(fieldname) + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        it = iter(items)
        try:
            while chunk := list(islice(it, CHUNK)):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def use_chunked_pool(writer: SegmentWriter) -> None:
    """Gives a writer that has not pooled any posting yet a :class:`ChunkedPostingPool`."""
    pool = writer.pool
    if type(pool) is PostingPool:
        if pool.current or pool.runs:
            raise RuntimeError("the posting pool is already in use")
        writer.pool = ChunkedPostingPool(pool.tempstore, pool.segment, limitmb=pool.limit // (1024 * 1024))


def segment_writer(ix: Any, **kwargs: Any) -> SegmentWriter:
    """``SegmentWriter(ix, **kwargs)`` with the chunked pool."""
    writer = SegmentWriter(ix, **kwargs)
    use_chunked_pool(writer)
    return writer


class _SubWriterTask(SubWriterTask):
    # run() makes the child's writer, then takes document files off the queue: the pool is
    # swapped before the first file's documents reach it.
    def _process_file(self, filename: str, doc_count: int) -> None:
        use_chunked_pool(self.writer)
        super()._process_file(filename, doc_count)


class GdxMpWriter(MpWriter):
    """Whoosh's ``MpWriter`` with the chunked pool in the parent and in every sub-process."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        use_chunked_pool(self)

    def _new_task(self) -> SubWriterTask:
        # MpWriter._new_task, with our task class.
        task = _SubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                              self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
