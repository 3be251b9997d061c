"""The explorer's searches: a query as typed, its filters and facets, on the embedded index or the
server; snippets and highlights for what a search found.

``SearchMethods`` is mixed into ``gdexplorer.explorer.Explorer``, whose public methods these stay.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from gdexplorer.errors import CorpusError, IndexMissingError, QueryError
from gdexplorer.model import SearchResult, Snippet
from gdexplorer.search.engine.spelling import did_you_mean
from gdexplorer.search.index import INDEX_DAMAGE
from gdexplorer.search.mentionindex import all_of, every_article
from gdexplorer.search.query import (
    KEYSTROKE_MIN_PREFIX,
    MAX_QUERY_CHARS,
    QueryParser,
    clean_query,
    keystroke_text,
    run_search,
)
from gdexplorer.search.schema import analyzer_for, make_schema
from gdexplorer.search.snippets import highlight_spans, make_snippet
from gdexplorer.search.syntax import unfinished

if TYPE_CHECKING:
    from gdexplorer.corpus.reading import Corpus
    from gdexplorer.model import Entity
    from gdexplorer.search.index import SearchIndex

_ENTITY_FILTER = re.compile(r'\bentity:("([^"]*)"|(\S+))')
# What may follow a term in the query language without being part of it: a group's end, a boost.
_QUERY_SUFFIX = re.compile(r"(?:\)|\^\d*(?:\.\d*)?)$")


class SearchMethods:
    """``Explorer``'s methods that search its index and mark what they found."""

    if TYPE_CHECKING:
        _server: Any
        _corpus: Corpus
        _index: SearchIndex
        _analyzers: dict[str, Any]

        def entity(self, key: str) -> Entity | None: ...
        def _resolve_set(self, name: str, value: str) -> tuple[frozenset[str], bool]: ...

    @cached_property
    def _parser(self) -> QueryParser:
        if self._server is not None:
            return QueryParser(make_schema(self._language))
        return QueryParser(self._index.schema())

    @property
    def _language(self) -> str:
        return str(self._server.language()) if self._server is not None else self._index.language

    @property
    def _analyzer(self) -> Any:
        # One per language, kept: the stemmer's cache lives in the analyzer, and a new one per
        # search (every keystroke) started snippet highlighting with a cold cache each time.
        language = self._language
        cached = self._analyzers.get(language)
        if cached is None:
            cached = self._analyzers[language] = analyzer_for(language)
        return cached

    def search(self, text: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               snippets: bool = True, keystroke: bool = False, filters: tuple[str, ...] = (),
               facets: bool = False, time_limited: bool = True, collapse: bool = True) -> SearchResult:
        """Run a query; raises ``QueryError`` (one sentence) for a bad one.

        ``keystroke=True`` is for search as you type: the last word also matches words it begins,
        and the search is cut short to answer fast (``result.partial``); follow it with the same
        search and ``time_limited=False``, which keeps the prefix meaning but collects everything.
        ``filters`` are query clauses every hit must match without changing the ranking
        (``category:world``, ``date:[2010 TO 2012]``, ``entity:ehang``): facet choices. An empty
        ``text`` with filters or facets means every article. ``collapse``: articles with the same
        text are one hit naming the others (``Hit.copies``), and the total counts texts.
        """
        if self._server is None and not self._index.is_usable():
            raise IndexMissingError("the index is not built yet")
        typed = clean_query(text)
        if len(typed) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(typed):,} characters; the limit is {MAX_QUERY_CHARS:,})")
        deferred = False
        if typed:
            # A trailing space (before cleaning) means the last word is finished: no prefix.
            parsed_text = typed
            if keystroke and not text[-1:].isspace():
                parsed_text = keystroke_text(typed, KEYSTROKE_MIN_PREFIX if time_limited else 1)
                # The last word too short to be a prefix yet is left out of the fast answer.
                deferred = parsed_text != keystroke_text(typed)
            # An open phrase or group while typing is not a mistake yet: the answer after the pause
            # (not time-limited) says what is wrong if it is still open then.
            deferred = deferred or (keystroke and time_limited and unfinished(typed))
            try:
                query = self._parser.parse(self._resolve_entity_names(parsed_text), check_length=False,
                                           resolve=self._resolve_set)
            except QueryError:
                if not deferred:
                    raise
                # "t" alone is no word yet; the full search that follows expands it (or says what is wrong).
                return SearchResult(text, 0, 0.0, partial=True, filters=tuple(filters))
        elif filters or facets:
            query = every_article()
        else:
            query = self._parser.parse(text)  # raises the "type something" sentence
        filter_query = None
        if filters:
            filter_query = all_of(self._parser.parse(self._resolve_entity_names(f), resolve=self._resolve_set)
                                  for f in filters)
        if self._server is not None:
            if missing := self._server.missing_reason():
                raise IndexMissingError(f"{missing}: fill it with `gdexplorer index --server URL`")
            result = self._server.run(query, text, self._body, self._analyzer, limit=limit, offset=offset,
                                      with_snippets=snippets, sort=sort, filter_query=filter_query, facets=facets,
                                      collapse=collapse, read_pages=self._pages)
            if typed and not (keystroke and time_limited):  # as below: the answer after the pause offers it
                fix = self._server.did_you_mean(typed, result.total, prefix_last=keystroke and not text[-1:].isspace())
                if fix is not None and fix != typed:
                    result = replace(result, did_you_mean=fix)
            return replace(result, filters=tuple(filters)) if filters else result
        try:
            searcher = self._index.searcher()
            result = run_search(searcher, query, text, self._body, self._analyzer, limit=limit, offset=offset,
                                with_snippets=snippets, sort=sort, keystroke=keystroke,
                                filter_query=filter_query, facets=facets, time_limited=time_limited,
                                collapse=collapse, read_pages=self._pages)
            if typed and not (keystroke and time_limited):
                # Not in the fast answer to a keystroke: the one after the pause offers it.
                fix = did_you_mean(searcher, typed, result.total, prefix_last=keystroke and not text[-1:].isspace())
                if fix is not None and fix != typed:
                    result = replace(result, did_you_mean=fix)
        except INDEX_DAMAGE as e:
            # Whoosh reading a truncated or corrupted segment fails in these ways; the index is
            # not trustworthy, so the next update rebuilds it. Other exceptions are bugs: raised.
            self._index.mark_damaged(f"{type(e).__name__}: {e}")
            raise IndexMissingError("the index is damaged and will be rebuilt; search again in a moment") from e
        if deferred:
            result = replace(result, partial=True)  # the prefix is left to the full search that follows
        return replace(result, filters=tuple(filters)) if filters else result

    def _resolve_entity_names(self, text: str) -> str:
        """Let ``entity:EHang`` or ``entity:"GAC Group"`` stand for the entity's id."""

        def swap(m: re.Match[str]) -> str:
            quoted = m.group(2) is not None
            key = m.group(2) if quoted else m.group(3)
            entity = self.entity(key)
            closing = ""
            while entity is None and not quoted and (tail := _QUERY_SUFFIX.search(key)) and tail.start() > 0:
                # "(entity:a OR entity:b)" or "entity:a^2": the group's ")" or the boost is not part
                # of the id (one at a time, from the end: an id may end in one).
                key, closing = key[: tail.start()], tail.group() + closing
                entity = self.entity(key)
            if entity is None:
                key = m.group(2) if quoted else m.group(3)
                raise QueryError(f"no entity called '{key}'; entity: takes an entity's id, name or alias")
            # Single quotes make the id one literal term: ids may hold * ? ~ ^ ( which the parser
            # would read as a wildcard, a fuzzy term, a boost or a group (ids never hold a quote).
            # In a group of its own: Whoosh ends a quoted term only before a space or a bracket, so
            # a boost right after it ('ehang'^2) would run on to the next quote.
            return f"(entity:'{entity.id}'){closing}"

        return _ENTITY_FILTER.sub(swap, text)

    def _body(self, article_id: str) -> str | None:
        try:
            return self._corpus.read_body(article_id)
        except CorpusError:
            return None

    def _pages(self, article_id: str) -> tuple[int, ...]:
        try:
            return self._corpus.pages(article_id)
        except CorpusError:
            return ()

    def snippet(self, article_id: str, terms: tuple[str, ...]) -> Snippet:
        """The best passage of an article for ``terms`` (from a ``SearchResult``), for lazy rendering."""
        body = self._body(article_id) or ""
        return make_snippet(body, terms, self._analyzer)

    def highlight(self, text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
        """Where ``terms`` (from a ``SearchResult``) occur in an article's text."""
        return highlight_spans(text, terms, self._analyzer)
