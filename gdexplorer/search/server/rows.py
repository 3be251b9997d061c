"""A document's row on the server: its fields analysed into tsvector literals, here or in worker
processes beside the one that reads the files and writes the rows.

The analysis is the embedded index's own, in Python, and most of a fill's time (a single process
filled 100,000 articles at 163 documents a second). A large fill hands batches of documents to
one worker process per core (up to four) and takes their rows back in the order it sent them, so
that the server receives exactly what one process would have sent, in the same order.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import signal
import struct
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor

from whoosh.analysis.analyzers import Analyzer

from gdexplorer.search.copies import NEAR_FIELD
from gdexplorer.search.schema import make_schema
from gdexplorer.search.server.tables import WORD_FIELDS
from gdexplorer.search.server.translate import TEXT_COLUMNS, lexeme

# PostgreSQL keeps positions 1..16383 and at most 256 of them per lexeme in a tsvector.
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 256
# The fields whose positions are kept: phrases are searched there. The prefix field only ever
# matches a word (as the embedded index keeps only its documents): its tsvector is a third the size.
POSITIONS = frozenset({"title", "body", "title_exact", "body_exact"})
QUOTED_WORDS = 500_000  # words kept quoted for tsvector literals (a few tens of MB at most)
_QUOTED: dict[str, str] = {}
# Below this many documents to send, starting the worker processes (each imports the analysis,
# and for Chinese loads jieba's dictionary) costs more than it saves.
PARALLEL_AT = 2_000
MAX_PROCESSES = 4

Row = tuple[list[object], dict[str, set[str]]]
Document = tuple[dict[str, object], bytes | None]  # the fields, and the hash of the file's bytes


def tsvector(analyzer: Analyzer, value: str, words: set[str] | None = None, positions: bool = True) -> str:
    """The tokens ``analyzer`` makes of ``value`` as a tsvector literal, with 1-based positions
    (none without ``positions``: what only matches a word, never a phrase); ``words`` gets the
    distinct tokens."""
    found: dict[str, list[int]] = {}
    for token in analyzer(value, positions=True):
        at = token.pos + 1 if token.pos < MAX_POSITION else MAX_POSITION
        seen = found.get(token.text)
        if seen is None:
            found[token.text] = [at]
        elif len(seen) < MAX_POSITIONS_PER_WORD and seen[-1] != at:  # the last positions are all 16383
            seen.append(at)
    if words is not None:
        words.update(found)
    # Most words of a text occur once, and the same words come back in every text: this loop was
    # a quarter of a fill's time in Python before the quoted words were kept and one position
    # was written without a join.
    quoted = _QUOTED
    parts = []
    for word, at in found.items():
        literal = quoted.get(word)
        if literal is None:
            literal = lexeme(word)
            if len(quoted) < QUOTED_WORDS:
                quoted[word] = literal
        if not positions:
            parts.append(literal)
        elif len(at) == 1:
            parts.append(f"{literal}:{at[0]}")
        else:
            parts.append(f"{literal}:{','.join(map(str, at))}")
    return " ".join(parts)


def document_row(corpus_id: int, doc: dict[str, object], analyzers: dict[str, Analyzer],
                 content: bytes | None) -> Row:
    """A document's row, and the distinct words of its fields whose frequencies are kept."""
    entity = str(doc.get("entity") or "")
    packed = doc.get(NEAR_FIELD)
    near = list(struct.unpack(f"<{len(packed) // 8}q", packed)) if isinstance(packed, bytes) else []
    words: dict[str, set[str]] = {name: set() for name in WORD_FIELDS}
    row = [corpus_id, doc["path"], doc["sig"], doc["title"], json.dumps(doc["info"]), doc.get("category"),
           doc.get("date"), doc.get("month"), doc.get("format"), doc.get("site"),
           [e.strip().lower() for e in entity.split(",") if e.strip()], doc.get("digest"), near,
           *(tsvector(analyzers[name], str(doc.get(name) or ""), words.get(name), name in POSITIONS)
             for name in TEXT_COLUMNS), content]
    return row, words


def analyzers_for(language: str) -> dict[str, Analyzer]:
    schema = make_schema(language)
    return {name: schema[name].analyzer for name in TEXT_COLUMNS}


def processes_for(documents: int) -> int:
    """How many worker processes analyse ``documents`` (1: none, the analysis stays here).

    Only a fill run on the process's main thread (the command line's) has workers: one run on
    another thread (the window refreshing a shared index after an outside change) shares its
    process with threads a fork would copy half-way through what they were doing (a lock held
    in jieba, in Qt), and a worker would wait on it for ever.
    """
    if documents < PARALLEL_AT or threading.current_thread() is not threading.main_thread():
        return 1
    return min(os.cpu_count() or 1, MAX_PROCESSES)


class Analysis:
    """Batches of documents made into rows, given back in the order they came.

    With ``processes`` 1 each batch is analysed when it is added. Otherwise worker processes
    analyse them while this process reads the next documents, and a batch's rows come back from
    a later ``add`` (at most two batches per worker are on their way: memory stays bounded when
    the writing falls behind) or from ``finish``.

    The workers are forked where the system allows it (Linux): "spawn" and "forkserver" run the
    caller's main module again in each worker, which re-runs a script that fills the server
    without an ``if __name__ == "__main__"`` guard. They are started here, before the update's
    writer thread exists. They close the descriptors named in ``private`` (the update's
    connection to the server: a copy of its socket held by a worker would keep the update's
    transaction, and its lock, open on the server after this process died) and die with this
    process. A worker that dies breaks the pool (``BrokenProcessPool`` from ``add``) rather than
    being replaced again and again.
    """

    def __init__(self, language: str, corpus_id: int, processes: int, private: tuple[int, ...] = ()) -> None:
        self._corpus_id = corpus_id
        self._language = language
        self._analyzers: dict[str, Analyzer] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future[list[Row]]] = deque()
        self._window = 2 * processes
        if processes > 1:
            method = "fork" if sys.platform.startswith("linux") else "spawn"
            self._pool = ProcessPoolExecutor(processes, multiprocessing.get_context(method), _start_worker,
                                             (language, os.getpid(), private))
            self._pool.submit(int).result()  # the workers exist from here on (a fork pool starts them all at once)

    def add(self, batch: list[Document]) -> list[list[Row]]:
        """Hand a batch over; the batches whose rows are ready to be written now, in order."""
        if self._pool is None:
            if self._analyzers is None:
                self._analyzers = analyzers_for(self._language)
            return [[document_row(self._corpus_id, doc, self._analyzers, content) for doc, content in batch]]
        self._pending.append(self._pool.submit(_rows, self._corpus_id, batch))
        ready = []
        while self._pending and (len(self._pending) > self._window or self._pending[0].done()):
            ready.append(self._pending.popleft().result())  # a worker's error is raised here
        return ready

    def finish(self) -> list[list[Row]]:
        """The rows of every batch still on its way, in order."""
        ready = [pending.result() for pending in self._pending]
        self._pending.clear()
        return ready

    def close(self) -> None:
        """Stop the workers: the batches not started are dropped (after an error or a cancel,
        their rows are not wanted); those started are waited for, then the workers exit."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._pending.clear()

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_worker_analyzers: dict[str, Analyzer] = {}


def _start_worker(language: str, parent: int, private: tuple[int, ...]) -> None:
    for fd in private:
        with contextlib.suppress(OSError):
            os.close(fd)
    if sys.platform.startswith("linux"):
        # A worker waits on its task pipe, whose other end it holds itself: it would never see
        # the parent go. Asked to die with it instead, and gone at once if it went already.
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(1)
    # What the worker was forked with is never collected here: a collection would touch every
    # object it inherited, and copy the parent's memory page by page.
    gc.freeze()
    _worker_analyzers.update(analyzers_for(language))


def _rows(corpus_id: int, batch: list[Document]) -> list[Row]:
    return [document_row(corpus_id, doc, _worker_analyzers, content) for doc, content in batch]
