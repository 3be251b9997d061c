"""The documents of one corpus on the server: filled from the corpus, searched with parsed queries.

Tables are shared by every corpus on the server (``gdx_corpus``, ``gdx_document``); a corpus is
known by a name (its folder's name unless given), so two analysts opening copies of one folder at
different places search the same documents. An update runs in one transaction: readers see the
index before it or after it, never half of it. A transaction-scoped advisory lock per corpus makes
a second indexer fail at once with the embedded index's "busy" message.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from whoosh import query as wq
from whoosh.analysis.analyzers import Analyzer

from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.reading import Corpus
from gdexplorer.errors import IndexBusyError, Problem, Severity
from gdexplorer.model import ArticleInfo, Facets, Hit, IndexStats, Progress, SearchResult
from gdexplorer.search.copies import NEAR_FIELD
from gdexplorer.search.engine.expansion import within_edits
from gdexplorer.search.engine.nearcopies import MAX_SHARING
from gdexplorer.search.engine.spelling import correct
from gdexplorer.search.index import detect_language, document_fields, info_from_stored, make_schema
from gdexplorer.search.query import QueryParser, highlight_terms, hit_snippet
from gdexplorer.search.server.connection import ServerError, connect, describe, reason
from gdexplorer.search.server.translate import RANKED, TEXT_COLUMNS, WordLookup, condition, lexeme, ranked_terms
from gdexplorer.search.signatures import doc_signatures

log = logging.getLogger(__name__)

# PostgreSQL keeps positions 1..16383 and at most 256 of them per lexeme in a tsvector.
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 256
BATCH = 200
ADDED_WORDS = 200_000  # word frequencies counted here before they are sent (a few tens of MB)
# The version of what the server holds: its tables and the tokens in them. Its own number, not the
# embedded index's (a change there, in a codec or a column, need not refill every shared index), but
# bumped whenever the analyzers' tokens change (tests/core/test_server_index.py pins them). From
# 1001 up: older versions of gdexplorer wrote the embedded number (up to 11) here, and must never
# take a newer index for theirs.
# 1001: near keys (one sentence apart) and the near-copy groups; word frequencies ("Did you mean").
SERVER_SCHEMA_VERSION = 1001

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
_EXACT = ("title_exact", "body_exact")  # where "Did you mean" looks for English words
WORD_FIELDS = {"title": "title_t", "body": "body_t", "title_exact": "title_x", "body_exact": "body_x"}

ProgressCallback = Callable[[Progress], None]
P = ParamSpec("P")
T = TypeVar("T")


def _reconnecting(method: Callable[Concatenate[ServerIndex, P], T]) -> Callable[Concatenate[ServerIndex, P], T]:
    """Run a read again, once, on a new connection when the old one was lost (a server restart,
    a failover to a standby, the network); after that, one ``ServerError`` saying so."""

    @functools.wraps(method)
    def wrapper(self: ServerIndex, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except psycopg.OperationalError:
            self.close()
        try:
            return method(self, *args, **kwargs)
        except psycopg.OperationalError as e:
            self.close()
            raise ServerError(f"lost the connection to {self.where}: {reason(str(e))}") from None

    return wrapper


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


@dataclass(frozen=True, slots=True)
class ServerHit:
    path: str
    title: str
    info: dict[str, object]
    score: float


class ServerIndex:
    """One corpus's documents on the server at ``url``."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.where = describe(url)
        self._local = threading.local()  # a connection per thread: psycopg's are not shared safely
        self._parser: tuple[str, QueryParser] | None = None
        self._rebuild = False

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = connect(self.url, autocommit=True)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _corpus_id(self, conn: Any) -> int | None:
        """The corpus's id, if it is on the server as this version writes it (another version's
        tokens and columns would give wrong answers without a word: it is not there for us)."""
        row = self._corpus_version(conn)
        return row[0] if row is not None and row[1] == SERVER_SCHEMA_VERSION else None

    def _corpus_version(self, conn: Any) -> tuple[int, int] | None:
        """The corpus's id and the schema version it was filled with; None when it is not there."""
        try:
            row = conn.execute("SELECT id, schema_version FROM gdx_corpus WHERE name = %s", [self.name]).fetchone()
        except pg_errors.UndefinedTable:
            return None
        return (int(row[0]), int(row[1])) if row else None

    @_reconnecting
    def missing_reason(self) -> str:
        """Why the corpus cannot be searched here ("" when it can), as the end of a sentence."""
        row = self._corpus_version(self._connection())
        if row is None:
            return f"{self.name} is not on {self.where} yet"
        if row[1] != SERVER_SCHEMA_VERSION:
            return (f"the index of {self.name} on {self.where} was filled by another version of gdexplorer "
                    f"(schema {row[1]}; this one reads {SERVER_SCHEMA_VERSION})")
        return ""

    # -- filling ----------------------------------------------------------------------------

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
        parent: dict[int, int] = {}

        def root(d: int) -> int:
            while parent[d] != d:
                parent[d] = parent[parent[d]]
                d = parent[d]
            return d

        for (digests,) in shared:
            first = root(parent.setdefault(digests[0], digests[0]))
            for other in digests[1:]:
                a, b = first, root(parent.setdefault(other, other))
                if a != b:
                    parent[max(a, b)] = first = min(a, b)
        groups: dict[int, list[int]] = defaultdict(list)
        for digest in parent:
            groups[root(digest)].append(digest)
        # A group of one text is exact copies only: its digest groups them already.
        members = [(d, g) for g, found in groups.items() if len(found) > 1 for d in found]
        conn.execute("DELETE FROM gdx_near WHERE corpus = %s", [corpus_id])
        if members:
            conn.execute("INSERT INTO gdx_near (corpus, digest, grp) SELECT %s, d, g"
                         " FROM unnest(%s::bigint[], %s::bigint[]) AS t(d, g)",
                         [corpus_id, [d for d, _ in members], [g for _, g in members]])

    def _similar_words(self, conn: Any, corpus_id: int, fieldname: str, text: str, maxdist: int,
                       prefix: int) -> list[str]:
        """The field's words within ``maxdist`` edits of ``text`` sharing its first ``prefix``
        characters: what Whoosh's ``terms_within`` gives (the same distance function)."""
        start = text[:prefix]
        rows = conn.execute("SELECT word FROM gdx_word WHERE corpus = %s AND field = %s AND word >= %s"
                            " AND word < %s ORDER BY word", [corpus_id, fieldname, start, start + "\U0010ffff"])
        return [word for (word,) in rows if within_edits(word, text, maxdist)]

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

    # -- searching --------------------------------------------------------------------------

    @_reconnecting
    def language(self) -> str:
        """The corpus's language as its indexer detected it ("en" while it is not on the server)."""
        try:
            row = self._connection().execute("SELECT language FROM gdx_corpus WHERE name = %s", [self.name]).fetchone()
        except pg_errors.UndefinedTable:
            return "en"
        return str(row[0]) if row else "en"

    def _parsed(self, conn: Any, query: str | wq.Query) -> wq.Query:
        """A query as text is parsed as the embedded index parses it, with the corpus's analyzers."""
        if not isinstance(query, str):
            return query
        language = self.language()
        if self._parser is None or self._parser[0] != language:
            self._parser = (language, QueryParser(make_schema(language)))
        return self._parser[1].parse(query)

    @_reconnecting
    def count(self, query: str | wq.Query) -> int:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0
        where = condition(self._parsed(conn, query), self._lookup(conn, corpus_id))
        statement = sql.SQL("SELECT count(*) FROM gdx_document WHERE corpus = %s AND ({})").format(where.text)
        return int(self._run(conn, statement, [corpus_id, *where.params]).fetchone()[0])

    @_reconnecting
    def search(self, query: str | wq.Query, limit: int = 10) -> tuple[int, list[ServerHit]]:
        """The total and the best ``limit`` hits: title words count twice, as in the embedded index."""
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0, []
        query = self._parsed(conn, query)
        where = condition(query, self._lookup(conn, corpus_id))
        score, score_params = self._score(query)
        statement = sql.SQL(
            "SELECT path, title, info, {score} AS score, count(*) OVER () FROM gdx_document"
            " WHERE corpus = %s AND ({where}) ORDER BY score DESC, path LIMIT %s").format(score=score, where=where.text)
        rows = self._run(conn, statement, [*score_params, corpus_id, *where.params, limit]).fetchall()
        if not rows:
            return 0, []
        total = int(rows[0][4]) if limit else self.count(query)
        return total, [ServerHit(r[0], r[1], r[2], float(r[3])) for r in rows]

    @_reconnecting
    def run(self, query: wq.Query, text: str, read_body: Callable[[str], str | None], analyzer: Analyzer,
            limit: int = 20, offset: int = 0, with_snippets: bool = True, sort: str = "relevance",
            filter_query: wq.Query | None = None, facets: bool = False, collapse: bool = True,
            read_pages: Callable[[str], tuple[int, ...]] | None = None) -> SearchResult:
        """What ``gdexplorer.search.query.run_search`` gives for the embedded index, from the server.

        The same totals (texts, with ``collapse``), hits with their copies, facet counts over every
        match, and snippets cut from the article files for the returned hits only (with the page of
        a PDF's snippet, through ``read_pages``).
        """
        started = time.perf_counter()
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        terms = highlight_terms(None, query, analyzer)
        if corpus_id is None:
            return SearchResult(text, 0, 0.0, terms=terms)
        lookup = self._lookup(conn, corpus_id)
        where = condition(query, lookup)
        params: list[object] = [corpus_id, *where.params]
        if filter_query is not None:
            extra = condition(filter_query, lookup)
            where = type(where)(sql.SQL("({}) AND ({})").format(where.text, extra.text), [])
            params += extra.params
        score, score_params = self._score(query)
        # A text's copies (the same digest) are one hit: the best of them, naming the others; so are
        # near copies, whose texts gdx_near joins into one group.
        group = sql.SQL("coalesce(grp, digest)::text" if collapse else "path")
        source = sql.SQL("gdx_document LEFT JOIN gdx_near USING (corpus, digest)" if collapse else "gdx_document")
        order = {"newest": "date DESC NULLS LAST, score DESC, path", "oldest": "date ASC NULLS LAST, score DESC, path"}
        statement = sql.SQL(
            "WITH m AS (SELECT path, title, info, entity, date, digest, coalesce({group}, 'p:' || path) AS grp,"
            "  {score} AS score FROM {source} WHERE corpus = %s AND ({where})),"
            " g AS (SELECT *, row_number() OVER (PARTITION BY grp ORDER BY score DESC, path) AS r,"
            "  array_agg(path) OVER (PARTITION BY grp) AS paths, array_agg(digest) OVER (PARTITION BY grp) AS digests"
            "  FROM m)"
            " SELECT path, title, info, entity, score, digest, paths, digests, count(*) OVER (),"
            "  (SELECT count(*) FROM m)"
            " FROM g WHERE r = 1 ORDER BY {order} LIMIT %s OFFSET %s").format(
                group=group, source=source, score=score, where=where.text,
                order=sql.SQL(order.get(sort, "score DESC, path")))
        rows = self._run(conn, statement, [*score_params, *params, max(limit, 1), offset]).fetchall()
        total = int(rows[0][8]) if rows else self._total(conn, group, source, where, params)
        matched = int(rows[0][9]) if rows else total
        hits = []
        for position, row in enumerate(rows[:limit], start=offset + 1):
            path, title, info, entity, value, digest, paths, digests = row[:8]
            article = info_from_stored({"path": path, "title": title, "info": info})
            snippet, on_page = (hit_snippet(article, terms, analyzer, read_body, read_pages) if with_snippets
                                else ((), None))
            # Copies have the hit's own text; the rest of its group are near copies.
            others = sorted((p, d) for p, d in zip(paths, digests, strict=True) if p != path)
            exact = tuple(p for p, d in others if d == digest)
            near = tuple(p for p, d in others if d != digest)
            hits.append(Hit(article, float(value), position, snippet, tuple(entity), exact, page=on_page,
                            near_copies=near))
        counted = self._facets(conn, where, params) if facets else None
        took = (time.perf_counter() - started) * 1000
        return SearchResult(text, total, took, tuple(hits), terms, False, counted, collapsed=matched - total)

    @_reconnecting
    def did_you_mean(self, text: str, total: int, prefix_last: bool = False) -> str | None:
        """``text`` with its misspelt words corrected from the server's words, as the embedded index
        corrects them (:func:`gdexplorer.search.engine.spelling.did_you_mean`); None when nothing is."""
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return None
        return correct(_ServerLexicon(self, conn, corpus_id), text, total, prefix_last)

    def _lookup(self, conn: Any, corpus_id: int) -> WordLookup:
        return functools.partial(self._similar_words, conn, corpus_id)

    @staticmethod
    def _score(query: wq.Query) -> tuple[sql.Composable, list[object]]:
        terms = ranked_terms(query)
        parts: list[sql.Composable] = []
        params: list[object] = []
        for name, weight in RANKED.items():
            if terms[name]:
                parts.append(sql.SQL("{} * ts_rank({}, %s::tsquery)").format(
                    sql.Literal(weight), sql.Identifier(TEXT_COLUMNS[name])))
                params.append(" | ".join(lexeme(t) for t in dict.fromkeys(terms[name])))
        return (sql.SQL(" + ").join(parts) if parts else sql.SQL("0.0")), params

    def _total(self, conn: Any, group: sql.Composable, source: sql.Composable, where: Any,
               params: list[object]) -> int:
        statement = sql.SQL("SELECT count(DISTINCT coalesce({}, 'p:' || path)) FROM {} WHERE corpus = %s AND ({})"
                            ).format(group, source, where.text)
        return int(self._run(conn, statement, params).fetchone()[0])

    def _facets(self, conn: Any, where: Any, params: list[object]) -> Facets:
        started = time.perf_counter()
        base = sql.SQL("FROM gdx_document WHERE corpus = %s AND ({})").format(where.text)

        def counts(column: str, by_value: bool = False) -> tuple[tuple[str, int], ...]:
            statement = sql.SQL("SELECT {c}, count(*) {base} AND {c} IS NOT NULL GROUP BY {c}").format(
                c=sql.Identifier(column), base=base)
            rows = [(str(v), int(n)) for v, n in self._run(conn, statement, params).fetchall()]
            return tuple(sorted(rows, key=(lambda r: r[0]) if by_value else (lambda r: (-r[1], r[0]))))

        statement = sql.SQL(
            "SELECT e, count(*) FROM gdx_document, unnest(entity) AS e WHERE corpus = %s AND ({}) GROUP BY e"
        ).format(where.text)
        entities = sorted(((str(e), int(n)) for e, n in self._run(conn, statement, params).fetchall()),
                          key=lambda r: (-r[1], r[0]))
        return Facets(categories=counts("category"), months=counts("month", by_value=True),
                      entities=tuple(entities), seconds=time.perf_counter() - started,
                      formats=counts("format"), sites=counts("site"))

    def drop(self) -> None:
        """Make the next update build this corpus from scratch: in its own transaction, so that
        searches see the old documents until the new ones are all there (never an empty corpus)."""
        self._rebuild = True

    @_reconnecting
    def article_count(self) -> int:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0
        return int(conn.execute("SELECT count(*) FROM gdx_document WHERE corpus = %s", [corpus_id]).fetchone()[0])

    # -- entities (what the embedded index answers in gdexplorer.search.query) ------------------
    # Entity ids are stored lowercased, as the embedded index's entity terms are.

    def _entity_rows(self, statement: str, params: list[object]) -> list[tuple[Any, ...]]:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return []
        return list(self._run(conn, sql.SQL(statement), [corpus_id, *params]).fetchall())

    @_reconnecting
    def entity_ids(self, article_id: str) -> list[str]:
        """The entities found in an article when it was indexed (lowercased ids)."""
        rows = self._entity_rows("SELECT entity FROM gdx_document WHERE corpus = %s AND path = %s", [article_id])
        return list(rows[0][0]) if rows else []

    @_reconnecting
    def articles_mentioning(self, entity_id: str) -> list[ArticleInfo]:
        """Every article that mentions the entity, in path order."""
        rows = self._entity_rows("SELECT path, title, info FROM gdx_document WHERE corpus = %s"
                                 " AND entity @> ARRAY[%s]::text[] ORDER BY path", [entity_id.lower()])
        return [info_from_stored({"path": path, "title": title, "info": info}) for path, title, info in rows]

    @_reconnecting
    def mention_counts(self) -> dict[str, int]:
        """How many articles mention each entity that any article mentions."""
        rows = self._entity_rows("SELECT e, count(*) FROM gdx_document, unnest(entity) AS e WHERE corpus = %s"
                                 " GROUP BY e", [])
        return {str(e): int(n) for e, n in rows}

    @_reconnecting
    def co_mentions(self, entity_id: str) -> list[tuple[str, int]]:
        """Entities mentioned in the same articles, most shared articles first: (id, count)."""
        key = entity_id.lower()
        rows = self._entity_rows("SELECT e, count(*) FROM gdx_document, unnest(entity) AS e WHERE corpus = %s"
                                 " AND entity @> ARRAY[%s]::text[] AND e <> %s GROUP BY e ORDER BY 2 DESC, 1",
                                 [key, key])
        return [(str(e), int(n)) for e, n in rows]

    @_reconnecting
    def shared_articles(self, entity_id: str, other_id: str, limit: int) -> tuple[str, ...]:
        """The first ``limit`` articles (by path) that mention both entities."""
        rows = self._entity_rows("SELECT path FROM gdx_document WHERE corpus = %s AND entity @> ARRAY[%s, %s]::text[]"
                                 " ORDER BY path LIMIT %s", [entity_id.lower(), other_id.lower(), limit])
        return tuple(str(r[0]) for r in rows)

    @_reconnecting
    def role(self) -> str:
        """"standby" when searches are answered by a read-only replica, else "primary"."""
        return "standby" if self._connection().execute("SELECT pg_is_in_recovery()").fetchone()[0] else "primary"

    @_reconnecting
    def is_ready(self) -> bool:
        return self._corpus_id(self._connection()) is not None

    def _run(self, conn: Any, statement: sql.Composable, params: list[object]) -> Any:
        try:
            return conn.execute(statement, params)
        except psycopg.OperationalError:
            raise  # the connection, not the query: _reconnecting tries again
        except pg_errors.Error as e:
            raise ServerError(f"the search on {self.where} failed: {e.diag.message_primary or e}") from None


class _ServerLexicon:
    """The answers "Did you mean" needs (:class:`gdexplorer.search.engine.spelling.Lexicon`), from
    the word frequencies of ``gdx_word`` and the documents' exact tokens."""

    def __init__(self, index: ServerIndex, conn: Any, corpus_id: int) -> None:
        self.index = index
        self.conn = conn
        self.corpus_id = corpus_id
        self._known: dict[str, int] = {}

    def frequency(self, word: str) -> int:
        if word not in self._known:
            row = self.conn.execute("SELECT coalesce(sum(df), 0) FROM gdx_word WHERE corpus = %s AND field = ANY(%s)"
                                    " AND word = %s", [self.corpus_id, list(_EXACT), word]).fetchone()
            self._known[word] = int(row[0])
        return self._known[word]

    def begins_a_word(self, prefix: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM gdx_word WHERE corpus = %s AND field = ANY(%s) AND word >= %s"
                                " AND word < %s AND df > 0 LIMIT 1",
                                [self.corpus_id, list(_EXACT), prefix, prefix + "\U0010ffff"]).fetchone()
        return row is not None

    def words_sharing_first_letter(self, word: str, maxdist: int) -> list[str]:
        # Their frequencies come along: the caller asks for each one it keeps.
        rows = self.conn.execute(
            "SELECT word, sum(df) FROM gdx_word WHERE corpus = %s AND field = ANY(%s) AND word >= %s AND word < %s"
            " AND length(word) BETWEEN %s AND %s AND df > 0 GROUP BY word",
            [self.corpus_id, list(_EXACT), word[0], word[0] + "\U0010ffff", len(word) - maxdist,
             len(word) + maxdist]).fetchall()
        self._known.update((str(w), int(n)) for w, n in rows)
        return [str(w) for w, _ in rows]

    def segmented_words(self, sizes: set[int]) -> list[str]:
        rows = self.conn.execute("SELECT word FROM gdx_word WHERE corpus = %s AND field = 'body'"
                                 " AND octet_length(word) = ANY(%s) AND df > 0", [self.corpus_id, sorted(sizes)])
        return [str(w) for (w,) in rows]

    def holds(self, run: str) -> int:
        chars = list(run)
        query = wq.Or([wq.Phrase(f, chars) if len(chars) > 1 else wq.Term(f, run) for f in _EXACT])
        where = condition(query)
        statement = sql.SQL("SELECT count(*) FROM gdx_document WHERE corpus = %s AND ({})").format(where.text)
        return int(self.index._run(self.conn, statement, [self.corpus_id, *where.params]).fetchone()[0])


class _Cancelled(Exception):
    """Raised inside the update's transaction to roll it back."""
