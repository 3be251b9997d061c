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
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
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
from gdexplorer.search.engine.expansion import within_edits
from gdexplorer.search.index import SCHEMA_VERSION, detect_language, document_fields, info_from_stored, make_schema
from gdexplorer.search.query import QueryParser, highlight_terms, hit_snippet
from gdexplorer.search.server.connection import ServerError, connect, describe, reason
from gdexplorer.search.server.translate import RANKED, TEXT_COLUMNS, WordLookup, condition, lexeme, ranked_terms
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
-- The words of the ranked fields, for fuzzy words (word~): as Whoosh does, the words sharing the
-- typed prefix are read in order ("C": byte order, so a prefix is a range) and measured here.
-- Words of deleted documents stay: they only widen an OR by words that match nothing.
CREATE TABLE IF NOT EXISTS gdx_word (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    field text NOT NULL,
    word text COLLATE "C" NOT NULL,
    PRIMARY KEY (corpus, field, word)
);
"""
# The fields whose words fuzzy terms expand over.
WORD_FIELDS = ("title", "body")

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
        return row[0] if row is not None and row[1] == SCHEMA_VERSION else None

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
        if row[1] != SCHEMA_VERSION:
            return (f"the index of {self.name} on {self.where} was filled by another version of gdexplorer "
                    f"(schema {row[1]}; this one reads {SCHEMA_VERSION})")
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
                    conn.execute("DELETE FROM gdx_document WHERE corpus = %s AND path = ANY(%s)", [corpus_id, deleted])
                report(Progress(0, len(todo), "Indexing"))
                rows: list[list[object]] = []
                words: dict[str, set[str]] = {name: set() for name in WORD_FIELDS}
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
                    rows.append(self._row(corpus_id, doc, analyzers, words))
                    if len(rows) >= BATCH:
                        self._write(conn, rows, problems)
                        self._write_words(conn, corpus_id, words)
                        rows = []
                    if done % 50 == 0 or done == len(todo):
                        report(Progress(done, len(todo), "Indexing"))
                self._write(conn, rows, problems)
                self._write_words(conn, corpus_id, words)
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
        if conn.execute("SELECT to_regclass('gdx_word') IS NOT NULL").fetchone()[0]:
            return
        conn.execute("SELECT pg_advisory_xact_lock(726178)")
        conn.execute(_TABLES)

    def _corpus_row(self, conn: Any, corpus: Corpus, files: dict[str, Any]) -> tuple[int, bool, str]:
        row = conn.execute("SELECT id, schema_version FROM gdx_corpus WHERE name = %s FOR UPDATE",
                           [self.name]).fetchone()
        if row is not None and row[1] == SCHEMA_VERSION and not self._rebuild:
            return int(row[0]), False, ""
        reason = ("no index yet" if row is None else "asked to rebuild" if self._rebuild
                  else "the index was built by another version")
        conn.execute("DELETE FROM gdx_corpus WHERE name = %s", [self.name])
        new = conn.execute("INSERT INTO gdx_corpus (name, language, schema_version) VALUES (%s, %s, %s) RETURNING id",
                           [self.name, detect_language(corpus, files), SCHEMA_VERSION]).fetchone()
        return int(new[0]), True, reason

    @staticmethod
    def _language(conn: Any, corpus_id: int) -> str:
        return str(conn.execute("SELECT language FROM gdx_corpus WHERE id = %s", [corpus_id]).fetchone()[0])

    @staticmethod
    def _row(corpus_id: int, doc: dict[str, object], analyzers: dict[str, Analyzer],
             words: dict[str, set[str]]) -> list[object]:
        entity = str(doc.get("entity") or "")
        return [corpus_id, doc["path"], doc["sig"], doc["title"], json.dumps(doc["info"]), doc.get("category"),
                doc.get("date"), doc.get("month"), doc.get("format"), doc.get("site"),
                [e.strip().lower() for e in entity.split(",") if e.strip()], doc.get("digest"),
                *(tsvector(analyzers[name], str(doc.get(name) or ""), words.get(name)) for name in TEXT_COLUMNS)]

    @staticmethod
    def _write_words(conn: Any, corpus_id: int, words: dict[str, set[str]]) -> None:
        fields = [name for name, found in words.items() for _ in found]
        values = [word for found in words.values() for word in found]
        if values:
            conn.execute("INSERT INTO gdx_word (corpus, field, word) SELECT %s, f, w"
                         " FROM unnest(%s::text[], %s::text[]) AS t(f, w) ON CONFLICT DO NOTHING",
                         [corpus_id, fields, values])
        for found in words.values():
            found.clear()

    def _similar_words(self, conn: Any, corpus_id: int, fieldname: str, text: str, maxdist: int,
                       prefix: int) -> list[str]:
        """The field's words within ``maxdist`` edits of ``text`` sharing its first ``prefix``
        characters: what Whoosh's ``terms_within`` gives (the same distance function)."""
        start = text[:prefix]
        rows = conn.execute("SELECT word FROM gdx_word WHERE corpus = %s AND field = %s AND word >= %s"
                            " AND word < %s ORDER BY word", [corpus_id, fieldname, start, start + "\U0010ffff"])
        return [word for (word,) in rows if within_edits(word, text, maxdist)]

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
        # A text's copies (the same digest) are one hit: the best of them, naming the others.
        group = sql.SQL("coalesce(digest::text, 'p:' || path)" if collapse else "path")
        order = {"newest": "date DESC NULLS LAST, score DESC, path", "oldest": "date ASC NULLS LAST, score DESC, path"}
        statement = sql.SQL(
            "WITH m AS (SELECT path, title, info, entity, date, {group} AS grp, {score} AS score"
            "  FROM gdx_document WHERE corpus = %s AND ({where})),"
            " g AS (SELECT *, row_number() OVER (PARTITION BY grp ORDER BY score DESC, path) AS r,"
            "  array_agg(path) OVER (PARTITION BY grp) AS paths FROM m)"
            " SELECT path, title, info, entity, score, paths, count(*) OVER (), (SELECT count(*) FROM m)"
            " FROM g WHERE r = 1 ORDER BY {order} LIMIT %s OFFSET %s").format(
                group=group, score=score, where=where.text,
                order=sql.SQL(order.get(sort, "score DESC, path")))
        rows = self._run(conn, statement, [*score_params, *params, max(limit, 1), offset]).fetchall()
        total = int(rows[0][6]) if rows else self._total(conn, group, where, params)
        matched = int(rows[0][7]) if rows else total
        hits = []
        for position, (path, title, info, entity, value, paths, _, _) in enumerate(rows[:limit], start=offset + 1):
            article = info_from_stored({"path": path, "title": title, "info": info})
            snippet, on_page = (hit_snippet(article, terms, analyzer, read_body, read_pages) if with_snippets
                                else ((), None))
            others = tuple(sorted(p for p in paths if p != path))
            hits.append(Hit(article, float(value), position, snippet, tuple(entity), others, page=on_page))
        counted = self._facets(conn, where, params) if facets else None
        took = (time.perf_counter() - started) * 1000
        return SearchResult(text, total, took, tuple(hits), terms, False, counted, collapsed=matched - total)

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

    def _total(self, conn: Any, group: sql.Composable, where: Any, params: list[object]) -> int:
        statement = sql.SQL("SELECT count(DISTINCT {}) FROM gdx_document WHERE corpus = %s AND ({})").format(
            group, where.text)
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


class _Cancelled(Exception):
    """Raised inside the update's transaction to roll it back."""
