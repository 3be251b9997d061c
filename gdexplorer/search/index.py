"""The Whoosh index of a corpus: schema, building, incremental updates, and readers.

One index per (corpus, annotation set), in the per-user cache dir, so a read-only corpus works.
``meta.json`` beside the Whoosh files stamps the schema version, the language, the signature of the
entity names used for mentions, and whether the last build completed: a mismatch or a broken index
means a rebuild, an incomplete build is continued, never served as complete. The signature files
beside them, which spare an update reading every stored document, are ``gdexplorer.search.signatures``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import shutil
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from whoosh import fields, index
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.reading import Corpus
from gdexplorer.errors import IndexBusyError, IndexMissingError, Problem, SearchIndexError
from gdexplorer.files import atomic_write, leftover_temporaries
from gdexplorer.model import IndexStats, Progress, ProgressCallback
from gdexplorer.search.engine import collapsing, nearcopies
from gdexplorer.search.engine.codec import GdxCodec
from gdexplorer.search.engine.merging import merge_small_only
from gdexplorer.search.engine.writers import GdxMpWriter, segment_writer
from gdexplorer.search.locking import update_lock
from gdexplorer.search.schema import SCHEMA_VERSION, detect_language, document_fields, make_schema
from gdexplorer.search.schema import info_from_stored as info_from_stored  # re-exported for query, server
from gdexplorer.search.signatures import SignatureStore, UpdateMemo, doc_signatures

log = logging.getLogger(__name__)

META = "meta.json"
# A long build commits after FIRST_COMMIT documents, then after four times as many each time: the
# user can search early, and the number of segments (each one slows searches) stays logarithmic.
FIRST_COMMIT = 250
# From this many documents to (re)index, sub-processes analyze them in parallel (Whoosh's MpWriter,
# one segment per process). Below it, forking costs more than it saves.
PARALLEL_MIN = 400


# How Whoosh fails on a truncated or corrupted index file. Other exceptions are bugs, not damage.
INDEX_DAMAGE = (struct.error, EOFError, OSError, zlib.error, pickle.UnpicklingError, UnicodeDecodeError,
                index.EmptyIndexError)


@dataclass(frozen=True, slots=True)
class IndexMeta:
    schema_version: int
    language: str
    mentions: str  # MentionMatcher.signature of the last complete build
    complete: bool
    damaged: str = ""  # why a reader found the files broken; the next update rebuilds

    def dump(self) -> str:
        return json.dumps(
            {"schema_version": self.schema_version, "language": self.language,
             "mentions": self.mentions, "complete": self.complete, "damaged": self.damaged},
            indent=1,
        )


class _ThreadSearcher(threading.local):
    """One thread's long-lived searcher, with the opened index it reads (a reopened index needs a
    new searcher). Declared rather than read with ``getattr(..., None)``: an identity test against
    that would leave mypy thinking the index itself may be None."""

    held: tuple[index.Index, Searcher] | None = None


class SearchIndex:
    """A corpus's index folder. Thread-safe for readers; one writer at a time (Whoosh's lock)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ix: index.Index | None = None
        self._meta: IndexMeta | None = None
        self._local = _ThreadSearcher()
        self._write_lock = threading.Lock()
        self._memo: UpdateMemo | None = None
        self._signatures = SignatureStore(folder, skip=(META, nearcopies.NEAR_COPIES, nearcopies.KEYS_PREFIX))

    # -- state -------------------------------------------------------------------------------

    def meta(self) -> IndexMeta | None:
        try:
            raw = json.loads((self.folder / META).read_text(encoding="utf-8"))
            return IndexMeta(int(raw["schema_version"]), str(raw["language"]), str(raw["mentions"]),
                             bool(raw["complete"]), str(raw.get("damaged") or ""))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_meta(self, meta: IndexMeta) -> None:
        try:
            atomic_write(self.folder / META, meta.dump().encode("utf-8"))
        except OSError as e:
            raise SearchIndexError(f"cannot write the index in {self.folder}: {e.strerror or e}") from e
        self._meta = meta

    def mark_damaged(self, why: str) -> None:
        """Remember that reading failed, so that the next update rebuilds instead of trusting it."""
        meta = self.meta()
        log.warning("the index at %s is damaged: %s", self.folder, why)
        self._memo = None
        self.close()
        self._ix = None
        if meta is not None:
            with contextlib.suppress(SearchIndexError):
                self._write_meta(IndexMeta(meta.schema_version, meta.language, meta.mentions, False, why))

    @property
    def language(self) -> str:
        meta = self._meta or self.meta()
        return meta.language if meta else "en"

    def is_usable(self) -> bool:
        """An index exists that can answer queries (perhaps while it is still being completed)."""
        return self._open() is not None

    def is_complete(self) -> bool:
        meta = self.meta()
        return bool(meta and meta.complete and not meta.damaged and meta.schema_version == SCHEMA_VERSION
                    and self._open() is not None)

    def _open(self) -> index.Index | None:
        if self._ix is not None:
            return self._ix
        meta = self.meta()
        if meta is None or meta.schema_version != SCHEMA_VERSION:
            return None
        try:
            if not index.exists_in(str(self.folder)):
                return None
            self._ix = index.open_dir(str(self.folder))
            self._meta = meta
        except Exception as e:  # a truncated or corrupted file: Whoosh raises many kinds
            log.info("index at %s cannot be opened (%s); it will be rebuilt", self.folder, e)
            return None
        return self._ix

    def generation(self) -> int | None:
        """The latest commit's generation, None without a usable index."""
        ix = self._open()
        if ix is None:
            return None
        try:
            return int(ix.latest_generation())
        except INDEX_DAMAGE:
            return None

    def schema(self) -> fields.Schema:
        ix = self._open()
        if ix is None:
            raise IndexMissingError("the index is not built yet")
        try:
            return ix.schema
        except index.EmptyIndexError as e:
            raise self._gone() from e

    def _gone(self) -> SearchIndexError:
        """The error for an opened index whose files are no longer there; the next open looks again."""
        self._ix = None
        if not (self.folder / META).exists():
            return IndexMissingError(f"the index in {self.folder} was deleted; update it to build it again")
        # Another process is rebuilding this index right now: its files are being replaced.
        return SearchIndexError("the index is being rebuilt; search again in a moment")

    # -- reading -----------------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """This thread's long-lived searcher, refreshed to the latest commit (cheap if unchanged)."""
        ix = self._open()
        if ix is None:
            raise IndexMissingError("the index is not built yet")
        held = self._local.held
        if held is not None and held[0] is ix:
            current = held[1]
            try:
                if ix.latest_generation() == current.reader().generation():
                    # The near copies are saved just after the commit: a searcher opened between
                    # the two takes them when they come.
                    stamp = self._near_stamp()
                    if stamp != collapsing.near_pairs_stamp(current):
                        collapsing.attach_near_pairs(current, nearcopies.load_text_pairs(self.folder), stamp)
                    return current
            except Exception as e:
                log.info("checking the searcher failed (%s); reopening", e)
            # Not Searcher.refresh(): it reuses segment readers by segment id, so documents deleted
            # by an update in an existing segment stay visible.
            with contextlib.suppress(Exception):
                current.close()
        try:
            current = ix.searcher()
        except index.EmptyIndexError as e:
            raise self._gone() from e
        stamp = self._near_stamp()
        collapsing.attach_near_pairs(current, nearcopies.load_text_pairs(self.folder), stamp)
        self._local.held = (ix, current)
        return current

    def _near_stamp(self) -> tuple[int, int, int] | None:
        try:
            found = (self.folder / nearcopies.NEAR_COPIES).stat()
        except OSError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def close(self) -> None:
        held = self._local.held
        if held is not None:
            with contextlib.suppress(Exception):
                held[1].close()
            self._local.held = None

    def stored_signatures(self) -> dict[str, str]:
        ix = self._open()
        if ix is None:
            return {}
        with ix.reader() as reader:
            return {str(f["path"]): str(f.get("sig", "")) for f in reader.all_stored_fields()}

    def drop(self) -> None:
        """Throw the index away (the next update rebuilds it)."""
        self._memo = None
        self.close()
        self._ix = None
        self._meta = None
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- writing -----------------------------------------------------------------------------

    def update(
        self,
        corpus: Corpus,
        matcher: MentionMatcher,
        fact_articles: dict[str, tuple[str, ...]] | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexStats:
        """Bring the index up to date with the corpus: only what changed is (re)indexed.

        ``fact_articles`` maps article ids to entities whose facts cite them, so those count as
        mentions even when the article words the name differently.
        """
        if not self._write_lock.acquire(blocking=False):
            raise IndexBusyError("this index is already being updated")
        try:
            # One lock from the rebuild decision to the last commit: two processes starting a first
            # build at once must not both delete and recreate the folder.
            with update_lock(self.folder.with_name(self.folder.name + ".lock")):
                return self._update(corpus, matcher, fact_articles or {}, progress, cancel)
        except OSError as e:
            verb = "update" if (self.folder / META).exists() else "create"
            raise SearchIndexError(f"cannot {verb} the index in {self.folder}: {e.strerror or e}") from e
        finally:
            self._write_lock.release()

    def _update(self, corpus: Corpus, matcher: MentionMatcher, fact_articles: dict[str, tuple[str, ...]],
                progress: ProgressCallback | None, cancel: threading.Event | None) -> IndexStats:
        started = time.perf_counter()
        report = progress or (lambda p: None)
        memo, self._memo = self._memo, None  # set again only by an update that completes
        stale_files = [*leftover_temporaries(self.folder / META), *self._signatures.temporary_files()]
        for stale in stale_files:  # left by a killed update; we hold the lock now
            with contextlib.suppress(OSError):
                stale.unlink()
        report(Progress(0, 0, "Scanning articles"))
        files = corpus.scan(memo.files if memo is not None else None)
        meta = self.meta()
        ix = self._open()
        reason = self._rebuild_reason(meta, ix)
        rebuilt = bool(reason)
        if rebuilt:
            if meta is not None or self.folder.exists():
                log.info("rebuilding the index at %s: %s", self.folder, reason)
            language = detect_language(corpus, files)
            ix = self._create(language)
            meta = IndexMeta(SCHEMA_VERSION, language, matcher.signature, complete=False)
            self._write_meta(meta)
            known: dict[str, str] = {}
            saved = None
        # A document's signature covers its file, the entity names it was matched against and
        # the facts citing it, so a changed alias or an interrupted re-matching resumes per document.
        # Copies: the memo must not change with a dict the caller or the corpus changes later.
        # The manifest by its reading's serial: comparing a million digests would cost what the memo saves.
        manifest = corpus.manifest()
        key = (str(corpus.root), matcher.signature[:12], manifest.serial, dict(fact_articles))
        compared = files
        # No rebuild reason means both were read and found sound; a rebuild has just made both.
        assert meta is not None and ix is not None
        if not rebuilt:
            if memo is not None and (memo.generation, memo.sizes, memo.key) == (
                    ix.latest_generation(), self._signatures.file_sizes(), key):
                known, saved = memo.signatures, memo.saved
                # Only the files whose stat changed since (the scan kept the memo's own entry for
                # the others), and those the index lacks (unreadable last time: tried and reported
                # again), can differ from what the index holds. A deleted one is in known, not files.
                before = memo.files.get
                maybe = {i for i, f in files.items() if before(i) is not f}
                maybe.update(files.keys() - known.keys())
                compared = {i: files[i] for i in maybe}
            else:
                saved = self._signatures.load(ix.latest_generation)
                try:
                    known = saved.signatures if saved is not None else self.stored_signatures()
                except INDEX_DAMAGE as e:
                    return self._rebuild_damaged(corpus, matcher, fact_articles, progress, cancel, e)
        expected = doc_signatures(compared, key[1], manifest.digests, fact_articles)
        if compared is files:
            todo = [f for i, f in files.items() if known.get(i) != expected[i]]
        else:  # a few ids, not a pass over 100,000: by id rather than in scan order
            todo = [files[i] for i in sorted(expected) if known.get(i) != expected[i]]
        deleted = sorted(known.keys() - files.keys())
        counts = {"added": 0, "updated": 0, "dropped": 0}  # documents written, not just attempted
        problems: list[Problem] = []
        done = 0
        total = len(todo)
        cancelled = False
        written: set[str] = set()
        if todo or deleted or not meta.complete:
            # No delta while the index changes, and no base unless it is the one just read: a file
            # left from before a crash or a rebuild could name a generation the new commits reach
            # again. The base read is kept: the delta written after the commit names its token.
            with contextlib.suppress(OSError):
                self._signatures.forget(base=saved is None)
            self._write_meta(IndexMeta(SCHEMA_VERSION, meta.language, matcher.signature, complete=False))
            report(Progress(0, total, "Indexing"))
            next_commit = FIRST_COMMIT
            committed = dict(counts)
            writer = self._writer(ix, parallel=total >= PARALLEL_MIN)
            try:
                for article_id in deleted:
                    writer.delete_by_term("path", article_id)
                for stat in todo:
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                        break
                    doc = document_fields(corpus, stat, matcher, fact_articles, expected[stat.id], problems)
                    if doc is not None:
                        written.add(stat.id)
                        if stat.id in known:
                            writer.update_document(**doc)
                            counts["updated"] += 1
                        else:
                            writer.add_document(**doc)
                            counts["added"] += 1
                    elif stat.id in known:
                        writer.delete_by_term("path", stat.id)
                        counts["dropped"] += 1
                    done += 1
                    if done == next_commit and total - done >= FIRST_COMMIT // 2:
                        report(Progress(done, total, "Indexing"))
                        writer.commit(merge=False)
                        committed = dict(counts)
                        next_commit = done * 4
                        writer = self._writer(ix, parallel=total - done >= PARALLEL_MIN)
                    if done % 50 == 0 or done == total:
                        report(Progress(done, total, "Indexing"))
                if cancelled:
                    # Drop the batch since the last commit rather than wait for it to be written:
                    # closing the window must be quick, and the next update redoes those documents.
                    writer.cancel()
                    counts = committed
                else:
                    report(Progress(done, total, "Saving the index"))
                    # A small update merges only the small segments: Whoosh's default policy can
                    # decide to merge everything, which took 11 minutes after one edit at 100k.
                    writer.commit(mergetype=merge_small_only)
            except BaseException:
                writer.cancel()
                raise
            if not cancelled:
                with ix.reader() as reader:
                    # Before the index says complete: an update that dies here finds them again.
                    nearcopies.update_pairs(self.folder, reader)
                self._write_meta(IndexMeta(SCHEMA_VERSION, meta.language, matcher.signature, complete=True))
                # What the index now holds: the written documents, less the deleted ones and those
                # that could not be read any more (dropped from the index above).
                changes: dict[str, str | None] = {i: expected[i] for i in written}
                changes.update((i, None) for i in deleted)
                changes.update((stat.id, None) for stat in todo if stat.id not in written and stat.id in known)
                for article_id, sig in changes.items():
                    if sig is None:
                        known.pop(article_id, None)
                    else:
                        known[article_id] = sig
                generation, sizes = ix.latest_generation(), self._signatures.file_sizes()
                saved = self._signatures.save(generation, sizes, known, saved, changes)
                self._memo = UpdateMemo(generation, sizes, key, files, known, saved)
        else:
            if not (self.folder / nearcopies.NEAR_COPIES).exists():  # deleted by hand, or a full disk
                with ix.reader() as reader:
                    nearcopies.update_pairs(self.folder, reader)
            generation, sizes = ix.latest_generation(), self._signatures.file_sizes()
            if saved is None and known:
                saved = self._signatures.save(generation, sizes, known, None, {})
            self._memo = UpdateMemo(generation, sizes, key, files, known, saved)
        seconds = time.perf_counter() - started
        return IndexStats(
            added=counts["added"], updated=counts["updated"], deleted=len(deleted) + counts["dropped"],
            unchanged=len(files) - len(todo), seconds=seconds, rebuilt=rebuilt, cancelled=cancelled,
            reason=reason, problems=(*corpus.scan_problems, *problems),
        )

    def _rebuild_reason(self, meta: IndexMeta | None, ix: index.Index | None) -> str:
        """Why the index must be built from scratch, or "" when it can be updated in place."""
        if meta is None:
            return "no index yet" if not (self.folder / META).exists() else "index metadata unreadable"
        if meta.schema_version != SCHEMA_VERSION:
            return f"index schema {meta.schema_version} is older than {SCHEMA_VERSION}"
        if ix is None:
            return "index files are damaged"
        if meta.damaged:
            return f"index files are damaged ({meta.damaged})"
        return ""

    def _rebuild_damaged(self, corpus: Corpus, matcher: MentionMatcher, fact_articles: dict[str, tuple[str, ...]],
                         progress: ProgressCallback | None, cancel: threading.Event | None,
                         error: BaseException) -> IndexStats:
        meta = self.meta()
        self.close()
        self._ix = None
        if meta is not None:
            self._write_meta(IndexMeta(meta.schema_version, meta.language, meta.mentions, False,
                                       f"{type(error).__name__}: {error}"))
        return self._update(corpus, matcher, fact_articles, progress, cancel)

    def _writer(self, ix: index.Index, parallel: bool = False) -> SegmentWriter:
        procs = min(os.cpu_count() or 1, 4) if parallel else 1
        try:
            # _lk=False: update_lock() already guards the whole update. Whoosh's own lock would be
            # left held if creating the writer failed half-way (a full disk), until garbage collection.
            if procs > 1:
                # multisegment: each sub-process's segment is kept as it is rather than merged into
                # one in the parent, which would serialize the work the processes just shared.
                return GdxMpWriter(ix, procs=procs, multisegment=True, batchsize=200, limitmb=96, _lk=False,
                                compound=False, codec=GdxCodec(),
                                subargs={"limitmb": 96, "compound": False, "codec": GdxCodec()})
            # compound=False: a compound segment file is copied whole into memory when a searcher
            # opens it (hundreds of MB at 100k articles); separate files are read where needed.
            # GdxCodec: posting blocks numpy reads as they lie in the file (no pickle, no zlib).
            return segment_writer(ix, limitmb=128, _lk=False, compound=False, codec=GdxCodec())
        except OSError as e:
            raise SearchIndexError(f"cannot write the index in {self.folder}: {e.strerror or e}") from e

    def _create(self, language: str) -> index.Index:
        self._memo = None
        self.close()
        self._ix = None
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._ix = index.create_in(str(self.folder), make_schema(language))
        except OSError as e:
            raise SearchIndexError(f"cannot create the index in {self.folder}: {e.strerror or e}") from e
        return self._ix
