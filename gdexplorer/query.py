"""Parsing queries and running them: Whoosh in, ``SearchResult``/``Hit`` dataclasses out.

The language is Whoosh's: words are ANDed, ``OR``/``NOT``, "phrases", ``prefix*``, ``fuzzy~``, and
field filters (``title:``, ``category:``, ``date:[2010 TO 2012]``, ``entity:ehang``). Anything
Whoosh-owned (searchers, results, matchers) stays inside this module.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterable

from whoosh import highlight, qparser
from whoosh import query as wq
from whoosh.analysis.analyzers import Analyzer
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.searching import Searcher

from gdexplorer.errors import QueryError
from gdexplorer.index import info_from_stored
from gdexplorer.model import Hit, SearchResult, Segment, Snippet

FIELDS = ("title", "body", "category", "date", "entity")
MAX_QUERY_CHARS = 2000
MAX_HIGHLIGHT_TERMS = 300
SNIPPET_CHARS = 220
_FIELD_PREFIX = re.compile(r'(?:^|[\s(])([A-Za-z_][\w]*):(?=\S)')
_QUOTED = re.compile(r'"[^"]*"')

BodyReader = Callable[[str], str | None]


class QueryParser:
    """Turns user text into a Whoosh query, or a ``QueryError`` with one clear sentence."""

    def __init__(self, schema: object) -> None:
        parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.AndGroup)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(DateParserPlugin(free=False))
        self._parser = parser

    def parse(self, text: str) -> wq.Query:
        text = _clean(text)
        if not text:
            raise QueryError("type something to search for")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})")
        for name in _FIELD_PREFIX.findall(_QUOTED.sub(" ", text)):
            if name not in FIELDS:
                raise QueryError(f"unknown field '{name}:'; the fields are {', '.join(f + ':' for f in FIELDS)}")
        try:
            parsed = self._parser.parse(text)
        except Exception as e:  # Whoosh raises ValueError, TypeError... for e.g. unparseable dates
            raise QueryError(f"cannot understand the query: {_why(e)}") from e
        errors = [q for q in parsed.leaves() if isinstance(q, wq.qcore._NullQuery)] if parsed else []
        if parsed is wq.NullQuery or (errors and parsed.is_leaf()):
            raise QueryError("the query has no words to search for (only operators or very common words?)")
        return parsed.accept(_tighten_fuzzy)


def _tighten_fuzzy(q: wq.Query) -> wq.Query:
    # Whoosh fuzzes the stemmed word with no fixed prefix, so "goverment~" (stem "gover") also
    # finds "over" and "cover". Keeping the first two letters fixed is what users mean, and it
    # makes the expansion far smaller.
    if isinstance(q, wq.FuzzyTerm) and q.prefixlength < 2 and len(q.text) >= 4:
        return wq.FuzzyTerm(q.fieldname, q.text, boost=q.boost, maxdist=q.maxdist, prefixlength=2)
    return q


def _clean(text: str) -> str:
    # Control characters mean nothing in a query and confuse the tokenizer: make them spaces.
    return "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in text).strip()


def _why(e: Exception) -> str:
    message = str(e).strip() or type(e).__name__
    return message.splitlines()[0][:200]


class SegmentFormatter(highlight.Formatter):
    """A Whoosh formatter that yields ``Segment`` tuples instead of markup."""

    between = " … "

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> list[Segment]:
        text = fragment.text
        out: list[Segment] = []
        at = fragment.startchar
        if at > 0:
            out.append(Segment("…"))
        for token in fragment.matches:
            if token.startchar < at:
                continue
            if token.startchar > at:
                out.append(Segment(_squash(text[at : token.startchar])))
            out.append(Segment(_squash(text[token.startchar : token.endchar]), True))
            at = token.endchar
        out.append(Segment(_squash(text[at : fragment.endchar])))
        if fragment.endchar < len(text):
            out.append(Segment("…"))
        return out

    def format(self, fragments: list[highlight.Fragment], replace: bool = False) -> Snippet:  # type: ignore[override]
        segments: list[Segment] = []
        for fragment in fragments:
            part = self.format_fragment(fragment, replace)
            if segments:
                # One ellipsis between two fragments, not "… …".
                if segments[-1].text == "…" and part and part[0].text == "…":
                    part = part[1:]
                segments.append(Segment(" "))
            segments.extend(part)
        return tuple(s for s in segments if s.text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def lead_snippet(body: str, chars: int = SNIPPET_CHARS) -> Snippet:
    """The start of the body, for hits that matched only in the title or a filter."""
    text = _squash(body).strip()
    if len(text) <= chars:
        return (Segment(text),) if text else ()
    cut = text.rfind(" ", 0, chars)
    return (Segment(text[: cut if cut > chars // 2 else chars]), Segment("…"))


def highlight_terms(searcher: Searcher, query: wq.Query) -> tuple[str, ...]:
    """The indexed words the query matches in title/body, expanded for prefix and fuzzy terms."""
    terms: dict[str, None] = {}
    reader = searcher.reader()
    for leaf in query.leaves():
        if leaf.field() not in ("title", "body"):
            continue
        try:
            # Bounded: a two-letter prefix can expand to thousands of words.
            found = list(itertools.islice(leaf.expanded_terms(reader), MAX_HIGHLIGHT_TERMS))
        except Exception:
            found = list(leaf.iter_all_terms())
        for _, text in found:
            terms[text.decode("utf-8") if isinstance(text, bytes) else str(text)] = None
        if len(terms) >= MAX_HIGHLIGHT_TERMS:
            break
    return tuple(terms)


def highlight_spans(text: str, terms: Iterable[str], analyzer: Analyzer) -> list[tuple[int, int]]:
    """Character ranges in ``text`` whose analyzed form is one of ``terms``."""
    wanted = set(terms)
    if not wanted or not text:
        return []
    spans = []
    for token in analyzer(text, chars=True, mode="index", removestops=False):
        if token.text in wanted:
            spans.append((token.startchar, token.endchar))
    return spans


def run_search(
    searcher: Searcher,
    query: wq.Query,
    text: str,
    read_body: BodyReader,
    analyzer: Analyzer,
    limit: int = 20,
    offset: int = 0,
    with_snippets: bool = True,
    sort: str = "relevance",
) -> SearchResult:
    """Run a parsed query; snippets are cut from the article files for the returned hits only."""
    started = time.perf_counter()
    sortedby = None
    reverse = False
    if sort in ("newest", "oldest"):
        sortedby = "date"
        reverse = sort == "newest"
    page_end = offset + limit
    results = searcher.search(query, limit=max(page_end, 1), terms=True, sortedby=sortedby, reverse=reverse)
    total = len(results)
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
    formatter = SegmentFormatter()
    scorer = highlight.BasicFragmentScorer()
    terms = highlight_terms(searcher, query)
    term_set = frozenset(terms)
    hits = []
    for rank, hit in enumerate(results[offset:page_end], start=offset + 1):
        stored = hit.fields()
        info = info_from_stored(stored)
        snippet: Snippet = ()
        if with_snippets:
            body = read_body(info.id) or ""
            tokens = highlight.highlight(
                body, term_set, analyzer, fragmenter, formatter, top=2, scorer=scorer, minscore=1
            ) if term_set else ""
            snippet = tokens if tokens else lead_snippet(body)
        entities = tuple(e for e in str(stored.get("entity") or "").split(",") if e)
        hits.append(Hit(info, float(hit.score or 0.0), rank, snippet, entities))
    took = (time.perf_counter() - started) * 1000
    return SearchResult(text, total, took, tuple(hits), terms)
