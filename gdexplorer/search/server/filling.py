"""Filling the server's copy of a corpus: only what changed, in one transaction.

An update runs in one transaction: readers see the index before it or after it, never half of it.
A transaction-scoped advisory lock per corpus makes a second indexer fail at once with the embedded
index's "busy" message.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from psycopg import errors as pg_errors
from psycopg import sql

from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.reading import Corpus
from gdexplorer.corpus.scanning import FileStat
from gdexplorer.errors import IndexBusyError, Problem, Severity
from gdexplorer.model import IndexStats, Progress, ProgressCallback
from gdexplorer.search.copies import near_groups
from gdexplorer.search.engine.nearcopies import MAX_SHARING
from gdexplorer.search.index import detect_language, document_fields
from gdexplorer.search.server.base import SERVER_SCHEMA_VERSION, ServerBase
from gdexplorer.search.server.connection import ServerError, connect
from gdexplorer.search.server.rows import Analysis, Document, Row, processes_for
from gdexplorer.search.server.tables import COLUMNS, GIN_INDEXES, TABLES, UPSERT, WORD_FIELDS
from gdexplorer.search.signatures import doc_signatures

log = logging.getLogger(__name__)

BATCH = 200
ADDED_WORDS = 200_000  # word frequencies counted here before they are sent (a few tens of MB)


def file_hash(file: str) -> bytes | None:
    """A hash of the file's bytes (None when it cannot be read: the reading says why)."""
    try:
        with open(file, "rb") as f:
            return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=16)).digest()
    except OSError:
        return None


class ServerFilling(ServerBase):
    """Bringing the corpus on the server up to date (``ServerIndex`` is this and the searching)."""

    def update(self, corpus: Corpus, matcher: MentionMatcher, fact_articles: dict[str, tuple[str, ...]] | None = None,
               progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
               processes: int | None = None) -> IndexStats:
        """Bring the server's copy up to date with ``corpus``: only what changed is sent, in one transaction.

        ``processes``: how many processes analyse the documents (by default one per core, up to
        four, for a large fill; see ``gdexplorer.search.server.rows``)."""
        started = time.perf_counter()
        report = progress or (lambda p: None)
        facts = fact_articles or {}
        report(Progress(0, 0, "Scanning articles"))
        files = corpus.scan()
        # Its own connection, to a server that takes writes: of several hosts listed, the primary.
        conn = connect(self.url, target_session_attrs="read-write")
        try:
            with conn.transaction():
                self._create_tables(conn)
            with conn.transaction():
                if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", [self._lock_key()]).fetchone()[0]:
                    raise IndexBusyError(f"the index of {self.name} on {self.where} is already being updated")
                corpus_id, rebuilt, reason = self._corpus_row(conn, corpus, files)
                known: dict[str, str] = {}
                contents: dict[str, bytes] = {}
                for path, sig, content in conn.execute("SELECT path, sig, content FROM gdx_document"
                                                       " WHERE corpus = %s", [corpus_id]):
                    known[path] = sig
                    if content is not None:
                        contents[path] = bytes(content)
                expected = doc_signatures(files, matcher.signature[:12], corpus.manifest_digests(), facts)
                hashes: dict[str, bytes | None] = {}
                todo, resigned = self._changed(files, known, contents, expected, hashes)
                if resigned:
                    conn.execute("UPDATE gdx_document AS d SET sig = u.sig FROM unnest(%s::text[], %s::text[])"
                                 " AS u(path, sig) WHERE d.corpus = %s AND d.path = u.path",
                                 [resigned, [expected[i] for i in resigned], corpus_id])
                deleted = sorted(known.keys() - files.keys())
                problems: list[Problem] = []
                counts = {"added": 0, "updated": 0, "dropped": 0}
                if deleted:
                    self._count_words(conn, corpus_id, deleted, -1)
                    conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = ANY(%s)", [corpus_id, deleted])
                report(Progress(0, len(todo), "Indexing"))
                batch: list[Document] = []
                added: dict[str, Counter[str]] = {name: Counter() for name in WORD_FIELDS}

                def write(rows: list[Row]) -> None:
                    writer.submit(functools.partial(self._write, conn, corpus_id, rows, known, problems, added))

                # Reading, analysis and sending overlap: this thread reads the articles (files and
                # mentions), the analysis makes rows of them (in worker processes for a large fill:
                # most of the time is there), the writer's thread sends them while the next are made.
                with Analysis(self._language(conn, corpus_id), corpus_id, processes or processes_for(len(todo)),
                              private=(conn.fileno(),)) as analysis:
                    writer = _Writer()
                    try:
                        for done, stat in enumerate(todo, start=1):
                            if cancel is not None and cancel.is_set():
                                raise _Cancelled
                            # Hashed before it is read: a file written in between is sent again next time.
                            content = hashes[stat.id] if stat.id in hashes else file_hash(stat.file)
                            doc = document_fields(corpus, stat, matcher, facts, expected[stat.id], problems)
                            if doc is None:
                                if stat.id in known:
                                    writer.submit(functools.partial(self._drop, conn, corpus_id, stat.id))
                                    counts["dropped"] += 1
                                continue
                            counts["updated" if stat.id in known else "added"] += 1
                            batch.append((doc, content))
                            if len(batch) >= BATCH:
                                for rows in analysis.add(batch):
                                    write(rows)
                                batch = []
                            if done % 50 == 0 or done == len(todo):
                                report(Progress(done, len(todo), "Indexing"))
                        for rows in [*(analysis.add(batch) if batch else ()), *analysis.finish()]:
                            write(rows)
                    finally:
                        writer.finish()  # every write done (or the first error raised) before the connection is used
                self._add_words(conn, corpus_id, added, at_most=0)
                if todo or deleted or rebuilt:
                    self._write_near_groups(conn, corpus_id)
                conn.execute("UPDATE gdx_corpus SET updated = now(), mentions = %s WHERE id = %s",
                             [matcher.signature, corpus_id])
                if rebuilt or len(todo) + len(deleted) > len(known) // 10:
                    self._tidy(conn)
            self._rebuild = False
        except _Cancelled:
            return IndexStats(seconds=time.perf_counter() - started, cancelled=True)
        except pg_errors.Error as e:
            why = e.diag.message_primary or e
            raise ServerError(f"updating the index of {self.name} on {self.where} failed: {why}") from None
        except BrokenProcessPool:
            # Killed (out of memory, by a user): its batch is lost, so the whole update is rolled back.
            raise ServerError(f"updating the index of {self.name} on {self.where} failed: a process analysing the "
                              "articles stopped; nothing was written") from None
        finally:
            conn.close()
        return IndexStats(added=counts["added"], updated=counts["updated"], deleted=len(deleted) + counts["dropped"],
                          unchanged=len(files) - len(todo), seconds=time.perf_counter() - started, rebuilt=rebuilt,
                          reason=reason, problems=(*corpus.scan_problems, *problems))

    @classmethod
    def _drop(cls, conn: Any, corpus_id: int, path: str) -> None:
        """Take out a document that can no longer be read, and its words."""
        cls._count_words(conn, corpus_id, [path], -1)
        conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = %s", [corpus_id, path])

    @staticmethod
    def _changed(files: dict[str, FileStat], known: dict[str, str], contents: dict[str, bytes],
                 expected: dict[str, str], hashes: dict[str, bytes | None]) -> tuple[list[FileStat], list[str]]:
        """The articles to send, and those whose file's stat changed but not its bytes (a copied
        or restored folder): only their new signature is written. The stat says "the same" at no
        cost; only where it says "maybe changed" is the file read and hashed (into ``hashes``)."""
        todo: list[FileStat] = []
        resigned: list[str] = []
        for article_id, stat in files.items():
            old = known.get(article_id)
            new = expected[article_id]
            if old == new:
                continue
            stored = contents.get(article_id)
            # Only the stat may differ: the rest (entity names, manifest line, citing facts) is
            # what the document was built from besides the file.
            if old is not None and stored is not None and old.partition("|")[2] == new.partition("|")[2]:
                hashes[article_id] = found = file_hash(stat.file)
                if found == stored:
                    resigned.append(article_id)
                    continue
            todo.append(stat)
        return todo, resigned

    @staticmethod
    def _tidy(conn: Any) -> None:
        """Statistics for the planner and the GIN indexes' pending entries merged, committed with
        the update: without them the searches right after a fill scan every row of the corpus
        (20k articles, one run: warm p50 287 -> 42 ms, p95 583 -> 254 ms), until autovacuum gets
        there a minute or more later. Not VACUUM: it cannot run in the update's transaction, and
        its removal of the replaced rows can wait for autovacuum. A user who does not own the
        tables is only warned by PostgreSQL (ANALYZE) or skips the merge."""
        started = time.perf_counter()
        conn.execute("ANALYZE gdx_document, gdx_near, gdx_word")
        for index in GIN_INDEXES:
            try:
                with conn.transaction():
                    conn.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            except pg_errors.InsufficientPrivilege:
                log.info("not the owner of %s: its pending entries are left to autovacuum", index)
                break
        log.info("analysed the server's tables in %.1f s", time.perf_counter() - started)

    def _lock_key(self) -> int:
        """The advisory lock held by this corpus's indexer: a 64-bit number from its name."""
        digest = hashlib.blake2b(f"gdx:{self.name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    @staticmethod
    def _create_tables(conn: Any) -> None:
        # Two first indexers at once would race on CREATE TABLE IF NOT EXISTS: one lock for that,
        # in a transaction of its own so that it does not wait for another corpus's update.
        # Only when missing: CREATE INDEX IF NOT EXISTS still locks the table against the rows
        # another corpus's update is writing, and would wait for that update to end.
        if conn.execute("SELECT to_regclass('gdx_near') IS NOT NULL AND EXISTS (SELECT FROM pg_attribute"
                        " WHERE attrelid = to_regclass('gdx_document') AND attname = 'content' AND NOT attisdropped)"
                        ).fetchone()[0]:
            return  # the newest column: what an older version made is brought up to date below
        conn.execute("SELECT pg_advisory_xact_lock(726178)")
        conn.execute(TABLES)

    def _corpus_row(self, conn: Any, corpus: Corpus, files: dict[str, Any]) -> tuple[int, bool, str]:
        row = conn.execute("SELECT id, schema_version FROM gdx_corpus WHERE name = %s FOR UPDATE",
                           [self.name]).fetchone()
        if row is not None and row[1] == SERVER_SCHEMA_VERSION and not self._rebuild:
            return int(row[0]), False, ""
        reason = ("no index yet" if row is None else "asked to rebuild" if self._rebuild
                  else "the index was built by another version")
        conn.execute("DELETE FROM gdx_corpus WHERE name = %s", [self.name])
        new = conn.execute("INSERT INTO gdx_corpus (name, language, schema_version) VALUES (%s, %s, %s) RETURNING id",
                           [self.name, detect_language(corpus, files), SERVER_SCHEMA_VERSION]).fetchone()
        return int(new[0]), True, reason

    @staticmethod
    def _language(conn: Any, corpus_id: int) -> str:
        return str(conn.execute("SELECT language FROM gdx_corpus WHERE id = %s", [corpus_id]).fetchone()[0])

    @staticmethod
    def _add_words(conn: Any, corpus_id: int, added: dict[str, Counter[str]], at_most: int = ADDED_WORDS) -> None:
        """Send the word frequencies counted so far once there are more than ``at_most`` words:
        one statement for many batches (per batch, the same words went again and again)."""
        count = sum(len(c) for c in added.values())
        if count <= at_most or not count:
            return
        keys = [(name, word) for name, counted in added.items() for word in counted]
        conn.execute("INSERT INTO gdx_word AS w (corpus, field, word, df)"
                     " SELECT %s, f, t, n FROM unnest(%s::text[], %s::text[], %s::integer[]) AS u(f, t, n)"
                     " ON CONFLICT (corpus, field, word) DO UPDATE SET df = w.df + EXCLUDED.df",
                     [corpus_id, [f for f, _ in keys], [t for _, t in keys], [added[f][t] for f, t in keys]])
        for counted in added.values():
            counted.clear()

    @staticmethod
    def _count_words(conn: Any, corpus_id: int, paths: list[str], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) the words of these documents, as they are on the
        server now, to or from the corpus's word frequencies: done by the server, from the very
        tokens it holds (the old version of a document is not at hand here)."""
        if not paths:
            return
        fields = sql.SQL(", ").join(sql.SQL("({}, d.{})").format(sql.Literal(name), sql.Identifier(column))
                                    for name, column in WORD_FIELDS.items())
        conn.execute(sql.SQL(
            "INSERT INTO gdx_word AS w (corpus, field, word, df)"
            " SELECT %s, f, t, %s * count(*) FROM gdx_document AS d,"
            " LATERAL (VALUES {fields}) AS v(f, vec), unnest(tsvector_to_array(vec)) AS t"
            " WHERE d.corpus = %s AND d.path = ANY(%s) GROUP BY f, t"
            " ON CONFLICT (corpus, field, word) DO UPDATE SET df = w.df + EXCLUDED.df").format(fields=fields),
            [corpus_id, sign, corpus_id, paths])

    @staticmethod
    def _write_near_groups(conn: Any, corpus_id: int) -> None:
        """Join the texts that share a near key into groups, as the embedded index's near-copy pairs
        join them (:mod:`gdexplorer.search.engine.nearcopies`): a key shared by more than
        ``MAX_SHARING`` documents is left out there, and here."""
        shared = conn.execute("SELECT array_agg(digest) FROM gdx_document, unnest(near) AS k"
                              " WHERE corpus = %s AND digest IS NOT NULL GROUP BY k HAVING count(*) BETWEEN 2 AND %s",
                              [corpus_id, MAX_SHARING]).fetchall()
        groups: dict[int, list[int]] = defaultdict(list)
        for digest, group in near_groups(digests for (digests,) in shared).items():
            groups[group].append(digest)
        # A group of one text is exact copies only: its digest groups them already.
        members = [(d, g) for g, found in groups.items() if len(found) > 1 for d in found]
        conn.execute("DELETE FROM gdx_near WHERE corpus = %s", [corpus_id])
        if members:
            conn.execute("INSERT INTO gdx_near (corpus, digest, grp) SELECT %s, d, g"
                         " FROM unnest(%s::bigint[], %s::bigint[]) AS t(d, g)",
                         [corpus_id, [d for d, _ in members], [g for _, g in members]])

    @classmethod
    def _write(cls, conn: Any, corpus_id: int, batch: list[Row],
               known: dict[str, str], problems: list[Problem], added: dict[str, Counter[str]]) -> None:
        """Write a batch of documents, keeping the word frequencies: the replaced documents' words
        out, the new ones' into ``added`` (a document too large to write keeps its old version,
        and its words)."""
        if not batch:
            return
        replaced = [str(row[1]) for row, _ in batch if row[1] in known]
        cls._count_words(conn, corpus_id, replaced, -1)
        failed = cls._insert(conn, [row for row, _ in batch], known, problems)
        cls._count_words(conn, corpus_id, [p for p in replaced if p in failed], 1)
        for row, words in batch:
            if row[1] not in failed:
                for name, found in words.items():
                    added[name].update(found)
        cls._add_words(conn, corpus_id, added)

    @staticmethod
    def _insert(conn: Any, rows: list[list[object]], known: dict[str, str], problems: list[Problem]) -> set[str]:
        """Write the rows; the paths of those too large to write (a problem each)."""
        failed: set[str] = set()
        try:
            with conn.transaction():
                # New documents are copied in (COPY: no statement per row; the indexer holds the
                # corpus's lock, so no other writer adds the same path); the others replace theirs.
                fresh = [row for row in rows if row[1] not in known]
                if fresh:
                    with conn.cursor() as cur, cur.copy(f"COPY gdx_document ({COLUMNS}) FROM STDIN") as copy:
                        for row in fresh:
                            copy.write_row(row)
                replaced = [row for row in rows if row[1] in known]
                if replaced:
                    with conn.cursor() as cur:
                        cur.executemany(UPSERT, replaced)
        except pg_errors.ProgramLimitExceeded:
            # One document too large for a tsvector (over 1 MB of distinct words): the batch is
            # written one by one so that only that document is left out, with a problem line.
            for row in rows:
                try:
                    with conn.transaction():
                        conn.execute(UPSERT, row)
                except pg_errors.ProgramLimitExceeded as e:
                    why = f"too large for the server's index: {e.diag.message_primary}"
                    problems.append(Problem(str(row[1]), 0, 0, why, Severity.WARNING))
                    failed.add(str(row[1]))
        return failed

    def drop(self) -> None:
        """Make the next update build this corpus from scratch: in its own transaction, so that
        searches see the old documents until the new ones are all there (never an empty corpus)."""
        self._rebuild = True


class _Writer:
    """The update's writes, in order, on a thread of their own: the server (another process, on
    another core) takes one batch in while this one analyses the next documents; the first error
    is raised in the updating thread."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(target=self._run, name="gdx-server-writer",
                                                                 daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None:  # after an error, the rest is dropped: the transaction rolls back
                try:
                    job()
                except BaseException as e:  # raised again in the updating thread
                    self._error = e

    def submit(self, job: Callable[[], object]) -> None:
        self._raise()
        self._jobs.put(job)

    def finish(self) -> None:
        """Wait for the writes submitted; raise the first error."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


class _Cancelled(Exception):
    """Raised inside the update's transaction to roll it back."""
