"""Filling the server's copy of a corpus: only what changed, in one transaction.

An update runs in one transaction: readers see the index before it or after it, never half of it.
A transaction-scoped advisory lock per corpus makes a second indexer fail at once with the embedded
index's "busy" message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from psycopg import errors as pg_errors
from psycopg import sql
from whoosh.analysis.analyzers import Analyzer

from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.reading import Corpus
from gdexplorer.errors import IndexBusyError, Problem, Severity
from gdexplorer.model import IndexStats, Progress
from gdexplorer.search.copies import NEAR_FIELD, near_groups
from gdexplorer.search.engine.nearcopies import MAX_SHARING
from gdexplorer.search.index import detect_language, document_fields, make_schema
from gdexplorer.search.server.base import SERVER_SCHEMA_VERSION, ServerBase
from gdexplorer.search.server.connection import ServerError, connect
from gdexplorer.search.server.translate import TEXT_COLUMNS, lexeme
from gdexplorer.search.signatures import doc_signatures

log = logging.getLogger(__name__)

# PostgreSQL keeps positions 1..16383 and at most 256 of them per lexeme in a tsvector.
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 256
BATCH = 200
ADDED_WORDS = 200_000  # word frequencies counted here before they are sent (a few tens of MB)

_TABLES = """
CREATE TABLE IF NOT EXISTS gdx_corpus (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text UNIQUE NOT NULL,
    language text NOT NULL,
    schema_version integer NOT NULL,
    mentions text NOT NULL DEFAULT '',
    updated timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS gdx_document (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    path text NOT NULL,
    sig text NOT NULL,
    title text NOT NULL,
    info jsonb NOT NULL,
    category text,
    date timestamp,
    month text,
    format text,
    site text,
    entity text[] NOT NULL DEFAULT '{}',
    digest bigint,
    title_t tsvector NOT NULL,
    body_t tsvector NOT NULL,
    title_x tsvector NOT NULL,
    body_x tsvector NOT NULL,
    prefix_t tsvector NOT NULL,
    PRIMARY KEY (corpus, path)
);
-- Added by 1001: the keys two near copies share one of (gdexplorer.search.copies.near_keys).
ALTER TABLE gdx_document ADD COLUMN IF NOT EXISTS near bigint[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS gdx_document_title_t ON gdx_document USING gin (title_t);
CREATE INDEX IF NOT EXISTS gdx_document_body_t ON gdx_document USING gin (body_t);
CREATE INDEX IF NOT EXISTS gdx_document_title_x ON gdx_document USING gin (title_x);
CREATE INDEX IF NOT EXISTS gdx_document_body_x ON gdx_document USING gin (body_x);
CREATE INDEX IF NOT EXISTS gdx_document_prefix_t ON gdx_document USING gin (prefix_t);
CREATE INDEX IF NOT EXISTS gdx_document_entity ON gdx_document USING gin (entity);
CREATE INDEX IF NOT EXISTS gdx_document_date ON gdx_document (corpus, date);
-- The words of the text fields and how many documents hold each: for fuzzy words (word~), as
-- Whoosh does, the words sharing the typed prefix are read in order ("C": byte order, so a prefix
-- is a range) and measured here; for "Did you mean", the most frequent word near a misspelt one.
-- A word whose documents are all gone stays with df 0: it only widens an OR by a word that matches nothing.
CREATE TABLE IF NOT EXISTS gdx_word (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    field text NOT NULL,
    word text COLLATE "C" NOT NULL,
    PRIMARY KEY (corpus, field, word)
);
ALTER TABLE gdx_word ADD COLUMN IF NOT EXISTS df integer NOT NULL DEFAULT 0;
-- Texts joined by near copies (those sharing a near key, transitively): each text's digest and its
-- group's (the smallest digest in it). A search groups hits by coalesce(grp, digest), as the
-- embedded index groups them by its near-copy pairs. Found again by each update that changes anything.
CREATE TABLE IF NOT EXISTS gdx_near (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    digest bigint NOT NULL,
    grp bigint NOT NULL,
    PRIMARY KEY (corpus, digest)
);
"""
# The fields whose words are kept with their frequencies: fuzzy terms expand over the ranked ones,
# "Did you mean" looks in the exact ones (and, for Chinese, in the segmented body).
WORD_FIELDS = {"title": "title_t", "body": "body_t", "title_exact": "title_x", "body_exact": "body_x"}

ProgressCallback = Callable[[Progress], None]


def tsvector(analyzer: Analyzer, value: str, words: set[str] | None = None) -> str:
    """The tokens ``analyzer`` makes of ``value`` as a tsvector literal, with 1-based positions;
    ``words`` gets the distinct tokens."""
    positions: dict[str, list[int]] = defaultdict(list)
    for token in analyzer(value, positions=True):
        seen = positions[token.text]
        if len(seen) < MAX_POSITIONS_PER_WORD:
            seen.append(min(token.pos + 1, MAX_POSITION))
    if words is not None:
        words.update(positions)
    return " ".join(f"{lexeme(word)}:{','.join(map(str, dict.fromkeys(at)))}" for word, at in positions.items())


class ServerFilling(ServerBase):
    """Bringing the corpus on the server up to date (``ServerIndex`` is this and the searching)."""

    def update(self, corpus: Corpus, matcher: MentionMatcher, fact_articles: dict[str, tuple[str, ...]] | None = None,
               progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> IndexStats:
        """Bring the server's copy up to date with ``corpus``: only what changed is sent, in one transaction."""
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
                known = dict(conn.execute("SELECT path, sig FROM gdx_document WHERE corpus = %s",
                                          [corpus_id]).fetchall())
                expected = doc_signatures(files, matcher.signature[:12], dict(corpus.manifest_digests()), facts)
                todo = [files[i] for i in files if known.get(i) != expected[i]]
                deleted = sorted(known.keys() - files.keys())
                problems: list[Problem] = []
                counts = {"added": 0, "updated": 0, "dropped": 0}
                schema = make_schema(self._language(conn, corpus_id))
                analyzers = {name: schema[name].analyzer for name in TEXT_COLUMNS}
                if deleted:
                    self._count_words(conn, corpus_id, deleted, -1)
                    conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = ANY(%s)", [corpus_id, deleted])
                report(Progress(0, len(todo), "Indexing"))
                rows: list[tuple[list[object], dict[str, set[str]]]] = []
                added = Counter[tuple[str, str]]()
                for done, stat in enumerate(todo, start=1):
                    if cancel is not None and cancel.is_set():
                        raise _Cancelled
                    doc = document_fields(corpus, stat, matcher, facts, expected[stat.id], problems)
                    if doc is None:
                        if stat.id in known:
                            self._count_words(conn, corpus_id, [stat.id], -1)
                            conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = %s",
                                         [corpus_id, stat.id])
                            counts["dropped"] += 1
                        continue
                    counts["updated" if stat.id in known else "added"] += 1
                    rows.append(self._row(corpus_id, doc, analyzers))
                    if len(rows) >= BATCH:
                        self._write(conn, corpus_id, rows, known, problems, added)
                        rows = []
                    if done % 50 == 0 or done == len(todo):
                        report(Progress(done, len(todo), "Indexing"))
                self._write(conn, corpus_id, rows, known, problems, added)
                self._add_words(conn, corpus_id, added, at_most=0)
                if todo or deleted or rebuilt:
                    self._write_near_groups(conn, corpus_id)
                conn.execute("UPDATE gdx_corpus SET updated = now(), mentions = %s WHERE id = %s",
                             [matcher.signature, corpus_id])
            self._rebuild = False
            if todo or deleted or rebuilt:
                self._tidy(conn)
        except _Cancelled:
            return IndexStats(seconds=time.perf_counter() - started, cancelled=True)
        except pg_errors.Error as e:
            why = e.diag.message_primary or e
            raise ServerError(f"updating the index of {self.name} on {self.where} failed: {why}") from None
        finally:
            conn.close()
        return IndexStats(added=counts["added"], updated=counts["updated"], deleted=len(deleted) + counts["dropped"],
                          unchanged=len(files) - len(todo), seconds=time.perf_counter() - started, rebuilt=rebuilt,
                          reason=reason, problems=(*corpus.scan_problems, *problems))

    @staticmethod
    def _tidy(conn: Any) -> None:
        """Statistics for the planner and the GIN indexes' pending entries merged, once the update
        is committed: without them the searches right after a fill scan every row of the corpus
        (20k articles, one run: warm p50 287 -> 42 ms, p95 583 -> 254 ms), until autovacuum gets
        there a minute or more later. A user who does not own the tables gets PostgreSQL's warning."""
        started = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) gdx_document, gdx_near, gdx_word")
        log.info("vacuumed and analysed the server's tables in %.1f s", time.perf_counter() - started)

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
        if conn.execute("SELECT to_regclass('gdx_near') IS NOT NULL").fetchone()[0]:
            return  # the newest table: what an older version made is brought up to date below
        conn.execute("SELECT pg_advisory_xact_lock(726178)")
        conn.execute(_TABLES)

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
    def _row(corpus_id: int, doc: dict[str, object],
             analyzers: dict[str, Analyzer]) -> tuple[list[object], dict[str, set[str]]]:
        """A document's row, and the distinct words of its fields whose frequencies are kept."""
        entity = str(doc.get("entity") or "")
        packed = doc.get(NEAR_FIELD)
        near = list(struct.unpack(f"<{len(packed) // 8}q", packed)) if isinstance(packed, bytes) else []
        words: dict[str, set[str]] = {name: set() for name in WORD_FIELDS}
        row = [corpus_id, doc["path"], doc["sig"], doc["title"], json.dumps(doc["info"]), doc.get("category"),
               doc.get("date"), doc.get("month"), doc.get("format"), doc.get("site"),
               [e.strip().lower() for e in entity.split(",") if e.strip()], doc.get("digest"), near,
               *(tsvector(analyzers[name], str(doc.get(name) or ""), words.get(name)) for name in TEXT_COLUMNS)]
        return row, words

    @staticmethod
    def _add_words(conn: Any, corpus_id: int, added: Counter[tuple[str, str]], at_most: int = ADDED_WORDS) -> None:
        """Send the word frequencies counted so far once there are more than ``at_most`` words:
        one statement for many batches (per batch, the same words went again and again)."""
        if len(added) <= at_most or not added:
            return
        keys = list(added)
        conn.execute("INSERT INTO gdx_word AS w (corpus, field, word, df)"
                     " SELECT %s, f, t, n FROM unnest(%s::text[], %s::text[], %s::integer[]) AS u(f, t, n)"
                     " ON CONFLICT (corpus, field, word) DO UPDATE SET df = w.df + EXCLUDED.df",
                     [corpus_id, [f for f, _ in keys], [t for _, t in keys], [added[k] for k in keys]])
        added.clear()

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
    def _write(cls, conn: Any, corpus_id: int, batch: list[tuple[list[object], dict[str, set[str]]]],
               known: dict[str, str], problems: list[Problem], added: Counter[tuple[str, str]]) -> None:
        """Write a batch of documents, keeping the word frequencies: the replaced documents' words
        out, the new ones' into ``added`` (a document too large to write keeps its old version,
        and its words)."""
        if not batch:
            return
        replaced = [str(row[1]) for row, _ in batch if row[1] in known]
        cls._count_words(conn, corpus_id, replaced, -1)
        failed = cls._insert(conn, [row for row, _ in batch], problems)
        cls._count_words(conn, corpus_id, [p for p in replaced if p in failed], 1)
        for row, words in batch:
            if row[1] not in failed:
                added.update((name, word) for name, found in words.items() for word in found)
        cls._add_words(conn, corpus_id, added)

    @staticmethod
    def _insert(conn: Any, rows: list[list[object]], problems: list[Problem]) -> set[str]:
        """Write the rows; the paths of those too large to write (a problem each)."""
        statement = (
            "INSERT INTO gdx_document (corpus, path, sig, title, info, category, date, month, format, site, entity,"
            " digest, near, title_t, body_t, title_x, body_x, prefix_t)"
            " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector)"
            " ON CONFLICT (corpus, path) DO UPDATE SET sig = EXCLUDED.sig, title = EXCLUDED.title,"
            " info = EXCLUDED.info, category = EXCLUDED.category, date = EXCLUDED.date, month = EXCLUDED.month,"
            " format = EXCLUDED.format, site = EXCLUDED.site, entity = EXCLUDED.entity, digest = EXCLUDED.digest,"
            " near = EXCLUDED.near, title_t = EXCLUDED.title_t, body_t = EXCLUDED.body_t, title_x = EXCLUDED.title_x,"
            " body_x = EXCLUDED.body_x, prefix_t = EXCLUDED.prefix_t")
        failed: set[str] = set()
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(statement, rows)
        except pg_errors.ProgramLimitExceeded:
            # One document too large for a tsvector (over 1 MB of distinct words): the batch is
            # written one by one so that only that document is left out, with a problem line.
            for row in rows:
                try:
                    with conn.transaction():
                        conn.execute(statement, row)
                except pg_errors.ProgramLimitExceeded as e:
                    why = f"too large for the server's index: {e.diag.message_primary}"
                    problems.append(Problem(str(row[1]), 0, 0, why, Severity.WARNING))
                    failed.add(str(row[1]))
        return failed

    def drop(self) -> None:
        """Make the next update build this corpus from scratch: in its own transaction, so that
        searches see the old documents until the new ones are all there (never an empty corpus)."""
        self._rebuild = True


class _Cancelled(Exception):
    """Raised inside the update's transaction to roll it back."""
