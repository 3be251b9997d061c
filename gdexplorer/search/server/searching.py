"""Searching the server's copy of a corpus with parsed queries, as the embedded index answers them."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import errors as pg_errors
from psycopg import sql
from whoosh import query as wq
from whoosh.analysis.analyzers import Analyzer

from gdexplorer.model import ArticleInfo, Facets, Hit, SearchResult
from gdexplorer.search.engine.expansion import within_edits
from gdexplorer.search.engine.spelling import correct
from gdexplorer.search.index import info_from_stored, make_schema
from gdexplorer.search.query import QueryParser, highlight_terms, hit_snippet
from gdexplorer.search.server.base import ServerBase, reconnecting
from gdexplorer.search.server.translate import RANKED, TEXT_COLUMNS, WordLookup, condition, lexeme, ranked_terms

log = logging.getLogger(__name__)

_EXACT = ("title_exact", "body_exact")  # where "Did you mean" looks for English words


@dataclass(frozen=True, slots=True)
class ServerHit:
    path: str
    title: str
    info: dict[str, object]
    score: float


class ServerSearching(ServerBase):
    """Answering searches from the server (``ServerIndex`` is this and the filling)."""

    @reconnecting
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

    @reconnecting
    def count(self, query: str | wq.Query) -> int:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0
        where = condition(self._parsed(conn, query), self._lookup(conn, corpus_id))
        statement = sql.SQL("SELECT count(*) FROM gdx_document WHERE corpus = %s AND ({})").format(where.text)
        return int(self._run(conn, statement, [corpus_id, *where.params]).fetchone()[0])

    @reconnecting
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

    @reconnecting
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
        # The matches carry only what picks and orders the hits (no title, info or entities: those
        # are read for the page of hits only); a group's paths are gathered for those hits' groups.
        statement = sql.SQL(
            "WITH m AS MATERIALIZED (SELECT path, date, digest, coalesce({group}, 'p:' || path) AS grp,"
            "  {score} AS score FROM {source} WHERE corpus = %s AND ({where})),"
            " best AS (SELECT DISTINCT ON (grp) path, date, digest, grp, score FROM m ORDER BY grp, score DESC, path),"
            " top AS (SELECT *, row_number() OVER (ORDER BY {order}) AS place FROM best ORDER BY {order}"
            "  LIMIT %s OFFSET %s),"
            " copies AS (SELECT grp, array_agg(path) AS paths, array_agg(digest) AS digests FROM m"
            "  WHERE grp IN (SELECT grp FROM top) GROUP BY grp)"
            " SELECT top.path, d.title, d.info, d.entity, top.score, top.digest, copies.paths, copies.digests,"
            "  (SELECT count(*) FROM best), (SELECT count(*) FROM m)"
            " FROM top JOIN copies USING (grp) JOIN gdx_document AS d ON d.corpus = %s AND d.path = top.path"
            " ORDER BY top.place").format(
                group=group, source=source, score=score, where=where.text,
                order=sql.SQL(order.get(sort, "score DESC, path")))
        rows = self._run(conn, statement, [*score_params, *params, max(limit, 1), offset, corpus_id]).fetchall()
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

    @reconnecting
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
        """The facet counts over every match, in one statement: the matches are found once."""
        started = time.perf_counter()
        columns = ("category", "month", "format", "site")
        each = sql.SQL("SELECT {n}, {c}, count(*) FROM m WHERE {c} IS NOT NULL GROUP BY {c}")
        parts: list[sql.Composable] = [each.format(n=sql.Literal(c), c=sql.Identifier(c)) for c in columns]
        parts.append(sql.SQL("SELECT 'entity', e, count(*) FROM m, unnest(entity) AS e GROUP BY e"))
        statement = sql.SQL(
            "WITH m AS MATERIALIZED (SELECT category, month, format, site, entity FROM gdx_document"
            " WHERE corpus = %s AND ({})) {}").format(where.text, sql.SQL(" UNION ALL ").join(parts))
        found: dict[str, list[tuple[str, int]]] = {name: [] for name in (*columns, "entity")}
        for name, value, n in self._run(conn, statement, params).fetchall():
            found[name].append((str(value), int(n)))

        def ordered(name: str, by_value: bool = False) -> tuple[tuple[str, int], ...]:
            return tuple(sorted(found[name], key=(lambda r: r[0]) if by_value else (lambda r: (-r[1], r[0]))))

        return Facets(categories=ordered("category"), months=ordered("month", by_value=True),
                      entities=ordered("entity"), seconds=time.perf_counter() - started,
                      formats=ordered("format"), sites=ordered("site"))

    @reconnecting
    def article_count(self) -> int:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return 0
        return int(conn.execute("SELECT count(*) FROM gdx_document WHERE corpus = %s", [corpus_id]).fetchone()[0])

    # -- entities (what the embedded index answers in gdexplorer.search.mentionindex) ------------
    # Entity ids are stored lowercased, as the embedded index's entity terms are.

    def _entity_rows(self, statement: str, params: list[object]) -> list[tuple[Any, ...]]:
        conn = self._connection()
        corpus_id = self._corpus_id(conn)
        if corpus_id is None:
            return []
        return list(self._run(conn, sql.SQL(statement), [corpus_id, *params]).fetchall())

    @reconnecting
    def entity_ids(self, article_id: str) -> list[str]:
        """The entities found in an article when it was indexed (lowercased ids)."""
        rows = self._entity_rows("SELECT entity FROM gdx_document WHERE corpus = %s AND path = %s", [article_id])
        return list(rows[0][0]) if rows else []

    @reconnecting
    def articles_mentioning(self, entity_id: str) -> list[ArticleInfo]:
        """Every article that mentions the entity, in path order."""
        rows = self._entity_rows("SELECT path, title, info FROM gdx_document WHERE corpus = %s"
                                 " AND entity @> ARRAY[%s]::text[] ORDER BY path", [entity_id.lower()])
        return [info_from_stored({"path": path, "title": title, "info": info}) for path, title, info in rows]

    @reconnecting
    def mention_counts(self) -> dict[str, int]:
        """How many articles mention each entity that any article mentions."""
        rows = self._entity_rows("SELECT e, count(*) FROM gdx_document, unnest(entity) AS e WHERE corpus = %s"
                                 " GROUP BY e", [])
        return {str(e): int(n) for e, n in rows}

    @reconnecting
    def co_mentions(self, entity_id: str) -> list[tuple[str, int]]:
        """Entities mentioned in the same articles, most shared articles first: (id, count)."""
        key = entity_id.lower()
        rows = self._entity_rows("SELECT e, count(*) FROM gdx_document, unnest(entity) AS e WHERE corpus = %s"
                                 " AND entity @> ARRAY[%s]::text[] AND e <> %s GROUP BY e ORDER BY 2 DESC, 1",
                                 [key, key])
        return [(str(e), int(n)) for e, n in rows]

    @reconnecting
    def shared_articles(self, entity_id: str, other_id: str, limit: int) -> tuple[str, ...]:
        """The first ``limit`` articles (by path) that mention both entities."""
        rows = self._entity_rows("SELECT path FROM gdx_document WHERE corpus = %s AND entity @> ARRAY[%s, %s]::text[]"
                                 " ORDER BY path LIMIT %s", [entity_id.lower(), other_id.lower(), limit])
        return tuple(str(r[0]) for r in rows)

    @reconnecting
    def role(self) -> str:
        """"standby" when searches are answered by a read-only replica, else "primary"."""
        return "standby" if self._connection().execute("SELECT pg_is_in_recovery()").fetchone()[0] else "primary"

    @reconnecting
    def is_ready(self) -> bool:
        return self._corpus_id(self._connection()) is not None

    def _similar_words(self, conn: Any, corpus_id: int, fieldname: str, text: str, maxdist: int,
                       prefix: int) -> list[str]:
        """The field's words within ``maxdist`` edits of ``text`` sharing its first ``prefix``
        characters, by the distance the embedded index's fuzzy words use (``expansion.within_edits``)."""
        start = text[:prefix]
        rows = conn.execute("SELECT word FROM gdx_word WHERE corpus = %s AND field = %s AND word >= %s"
                            " AND word < %s ORDER BY word", [corpus_id, fieldname, start, start + "\U0010ffff"])
        return [word for (word,) in rows if within_edits(word, text, maxdist)]


class _ServerLexicon:
    """The answers "Did you mean" needs (:class:`gdexplorer.search.engine.spelling.Lexicon`), from
    the word frequencies of ``gdx_word`` and the documents' exact tokens."""

    def __init__(self, index: ServerSearching, conn: Any, corpus_id: int) -> None:
        self.index = index
        self.conn = conn
        self.corpus_id = corpus_id
        self._known: dict[str, int] = {}
        self._documents: int | None = None

    def frequency(self, word: str) -> int:
        if word not in self._known:
            row = self.conn.execute("SELECT coalesce(sum(df), 0) FROM gdx_word WHERE corpus = %s AND field = ANY(%s)"
                                    " AND word = %s", [self.corpus_id, list(_EXACT), word]).fetchone()
            self._known[word] = int(row[0])
        return self._known[word]

    def highest_frequency(self) -> int:
        if self._documents is None:
            row = self.conn.execute("SELECT count(*) FROM gdx_document WHERE corpus = %s", [self.corpus_id]).fetchone()
            self._documents = int(row[0])
        return self._documents * len(_EXACT)

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
