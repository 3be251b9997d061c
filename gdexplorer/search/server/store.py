"""The documents of one corpus on the server: filled from the corpus, searched with parsed queries.

Tables are shared by every corpus on the server (``gdx_corpus``, ``gdx_document``); a corpus is
known by a name (its folder's name unless given), so two analysts opening copies of one folder at
different places search the same documents. An update runs in one transaction: readers see the
index before it or after it, never half of it. A transaction-scoped advisory lock per corpus makes
a second indexer fail at once with the embedded index's "busy" message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from psycopg import errors as pg_errors
from psycopg import sql
from whoosh import query as wq
from whoosh.analysis.analyzers import Analyzer

from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.reading import Corpus
from gdexplorer.errors import IndexBusyError, Problem, Severity
from gdexplorer.model import IndexStats, Progress
from gdexplorer.search.index import SCHEMA_VERSION, detect_language, document_fields, make_schema
from gdexplorer.search.query import QueryParser
from gdexplorer.search.server.connection import ServerError, connect, describe
from gdexplorer.search.server.translate import RANKED, TEXT_COLUMNS, condition, lexeme, ranked_terms
from gdexplorer.search.signatures import doc_signatures

log = logging.getLogger(__name__)

# PostgreSQL keeps positions 1..16383 and at most 256 of them per lexeme in a tsvector.
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 256
BATCH = 200

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
CREATE INDEX IF NOT EXISTS gdx_document_title_t ON gdx_document USING gin (title_t);
CREATE INDEX IF NOT EXISTS gdx_document_body_t ON gdx_document USING gin (body_t);
CREATE INDEX IF NOT EXISTS gdx_document_title_x ON gdx_document USING gin (title_x);
CREATE INDEX IF NOT EXISTS gdx_document_body_x ON gdx_document USING gin (body_x);
CREATE INDEX IF NOT EXISTS gdx_document_prefix_t ON gdx_document USING gin (prefix_t);
CREATE INDEX IF NOT EXISTS gdx_document_entity ON gdx_document USING gin (entity);
CREATE INDEX IF NOT EXISTS gdx_document_date ON gdx_document (corpus, date);
"""

ProgressCallback = Callable[[Progress], None]


def tsvector(analyzer: Analyzer, value: str) -> str:
    """The tokens ``analyzer`` makes of ``value`` as a tsvector literal, with 1-based positions."""
    positions: dict[str, list[int]] = defaultdict(list)
    for token in analyzer(value, positions=True):
        seen = positions[token.text]
        if len(seen) < MAX_POSITIONS_PER_WORD:
            seen.append(min(token.pos + 1, MAX_POSITION))
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

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = connect(self.url, autocommit=True)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _corpus_id(self, conn: Any) -> int | None:
        try:
            row = conn.execute("SELECT id FROM gdx_corpus WHERE name = %s", [self.name]).fetchone()
        except pg_errors.UndefinedTable:
            return None
        return int(row[0]) if row else None

    # -- filling ----------------------------------------------------------------------------

    def update(self, corpus: Corpus, matcher: MentionMatcher, fact_articles: dict[str, tuple[str, ...]] | None = None,
               progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> IndexStats:
        """Bring the server's copy up to date with ``corpus``: only what changed is sent, in one transaction."""
        started = time.perf_counter()
        report = progress or (lambda p: None)
        facts = fact_articles or {}
        report(Progress(0, 0, "Scanning articles"))
        files = corpus.scan()
        conn = connect(self.url)  # its own transaction, apart from the searching connection
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
                    conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = ANY(%s)", [corpus_id, deleted])
                report(Progress(0, len(todo), "Indexing"))
                rows: list[list[object]] = []
                for done, stat in enumerate(todo, start=1):
                    if cancel is not None and cancel.is_set():
                        raise _Cancelled
                    doc = document_fields(corpus, stat, matcher, facts, expected[stat.id], problems)
                    if doc is None:
                        if stat.id in known:
                            conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = %s",
                                         [corpus_id, stat.id])
                            counts["dropped"] += 1
                        continue
                    counts["updated" if stat.id in known else "added"] += 1
                    rows.append(self._row(corpus_id, doc, analyzers))
                    if len(rows) >= BATCH:
                        self._write(conn, rows, problems)
                        rows = []
                    if done % 50 == 0 or done == len(todo):
                        report(Progress(done, len(todo), "Indexing"))
                self._write(conn, rows, problems)
                conn.execute("UPDATE gdx_corpus SET updated = now(), mentions = %s WHERE id = %s",
                             [matcher.signature, corpus_id])
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
        if conn.execute("SELECT to_regclass('gdx_document') IS NOT NULL").fetchone()[0]:
            return
        conn.execute("SELECT pg_advisory_xact_lock(726178)")
        conn.execute(_TABLES)

    def _corpus_row(self, conn: Any, corpus: Corpus, files: dict[str, Any]) -> tuple[int, bool, str]:
        row = conn.execute("SELECT id, schema_version FROM gdx_corpus WHERE name = %s FOR UPDATE",
                           [self.name]).fetchone()
        if row is not None and row[1] == SCHEMA_VERSION:
            return int(row[0]), False, ""
        reason = "no index on the server yet" if row is None else "the index was built by another version"
        conn.execute("DELETE FROM gdx_corpus WHERE name = %s", [self.name])
        new = conn.execute("INSERT INTO gdx_corpus (name, language, schema_version) VALUES (%s, %s, %s) RETURNING id",
                           [self.name, detect_language(corpus, files), SCHEMA_VERSION]).fetchone()
        return int(new[0]), True, reason

    @staticmethod
    def _language(conn: Any, corpus_id: int) -> str:
        return str(conn.execute("SELECT language FROM gdx_corpus WHERE id = %s", [corpus_id]).fetchone()[0])

    @staticmethod
    def _row(corpus_id: int, doc: dict[str, object], analyzers: dict[str, Analyzer]) -> list[object]:
        entity = str(doc.get("entity") or "")
        return [corpus_id, doc["path"], doc["sig"], doc["title"], json.dumps(doc["info"]), doc.get("category"),
                doc.get("date"), doc.get("month"), doc.get("format"), doc.get("site"),
                [e.strip().lower() for e in entity.split(",") if e.strip()], doc.get("digest"),
                *(tsvector(analyzers[name], str(doc.get(name) or "")) for name in TEXT_COLUMNS)]

    @staticmethod
    def _write(conn: Any, rows: Iterable[list[object]], problems: list[Problem]) -> None:
        rows = list(rows)
        if not rows:
            return
        statement = (
            "INSERT INTO gdx_document (corpus, path, sig, title, info, category, date, month, format, site, entity,"
            " digest, title_t, body_t, title_x, body_x, prefix_t)"
            " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s,"
            " %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector)"
            " ON CONFLICT (corpus, path) DO UPDATE SET sig = EXCLUDED.sig, title = EXCLUDED.title,"
            " info = EXCLUDED.info, category = EXCLUDED.category, date = EXCLUDED.date, month = EXCLUDED.month,"
            " format = EXCLUDED.format, site = EXCLUDED.site, entity = EXCLUDED.entity, digest = EXCLUDED.digest,"
            " title_t = EXCLUDED.title_t, body_t = EXCLUDED.body_t, title_x = EXCLUDED.title_x,"
            " body_x = EXCLUDED.body_x, prefix_t = EXCLUDED.prefix_t")
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

    # -- searching --------------------------------------------------------------------------

    def _parsed(self, conn: Any, query: str | wq.Query) -> wq.Query:
        """A query as text is parsed as the embedded index parses it, with the corpus's analyzers."""
        if not isinstance(query, str):
            return query
        row = conn.execute("SELECT language FROM gdx_corpus WHERE name = %s", [self.name]).fetchone()
        language = str(row[0]) if row else "en"
        if self._parser is None or self._parser[0] != language:
            self._parser = (language, QueryParser(make_schema(language)))
        return self._parser[1].parse(query)

    def count(self, query: str | wq.Query) -> int:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0
        where = condition(self._parsed(conn, query))
        statement = sql.SQL("SELECT count(*) FROM gdx_document WHERE corpus = %s AND ({})").format(where.text)
        return int(self._run(conn, statement, [corpus_id, *where.params]).fetchone()[0])

    def search(self, query: str | wq.Query, limit: int = 10) -> tuple[int, list[ServerHit]]:
        """The total and the best ``limit`` hits: title words count twice, as in the embedded index."""
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0, []
        query = self._parsed(conn, query)
        where = condition(query)
        terms = ranked_terms(query)
        score_parts: list[sql.Composable] = []
        score_params: list[object] = []
        for name, weight in RANKED.items():
            if terms[name]:
                score_parts.append(sql.SQL("{} * ts_rank({}, %s::tsquery)").format(
                    sql.Literal(weight), sql.Identifier(TEXT_COLUMNS[name])))
                score_params.append(" | ".join(lexeme(t) for t in dict.fromkeys(terms[name])))
        score = sql.SQL(" + ").join(score_parts) if score_parts else sql.SQL("0")
        statement = sql.SQL(
            "SELECT path, title, info, {score} AS score, count(*) OVER () FROM gdx_document"
            " WHERE corpus = %s AND ({where}) ORDER BY score DESC, path LIMIT %s").format(score=score, where=where.text)
        rows = self._run(conn, statement, [*score_params, corpus_id, *where.params, limit]).fetchall()
        if not rows:
            return 0, []
        total = int(rows[0][4]) if limit else self.count(query)
        return total, [ServerHit(r[0], r[1], r[2], float(r[3])) for r in rows]

    def _run(self, conn: Any, statement: sql.Composable, params: list[object]) -> Any:
        try:
            return conn.execute(statement, params)
        except pg_errors.Error as e:
            raise ServerError(f"the search on {self.where} failed: {e.diag.message_primary or e}") from None


class _Cancelled(Exception):
    """Raised inside the update's transaction to roll it back."""
