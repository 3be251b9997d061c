"""Parsing queries and running them: Whoosh in, ``SearchResult``/``Hit`` dataclasses out.

The language is Whoosh's: words are ANDed, ``OR``/``NOT``, "phrases", ``prefix*``, ``fuzzy~``, and
field filters (``title:``, ``category:``, ``date:[2010 TO 2012]``, ``entity:ehang``). Anything
Whoosh-owned (searchers, results, matchers) stays inside this module and its neighbours (``facets``,
``mentionindex``).
"""

from __future__ import annotations

import bisect
import itertools
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import collectors, qparser, sorting
from whoosh import query as wq
from whoosh.analysis.analyzers import Analyzer
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.searching import Searcher, TimeLimit

from gdexplorer.errors import QueryError
from gdexplorer.model import ArticleInfo, Hit, SearchResult, Snippet
from gdexplorer.search.analysis import EXACT_FIELDS, has_cjk
from gdexplorer.search.copies import DIGEST_FIELD
from gdexplorer.search.engine.collapsing import collapse as collapse_hits
from gdexplorer.search.engine.collapsing import copies_among, text_digests, text_keys
from gdexplorer.search.engine.docsets import segment_doc_sets
from gdexplorer.search.engine.expansion import bound_expansions
from gdexplorer.search.engine.ranking import column_order, rank
from gdexplorer.search.facets import count_facets
from gdexplorer.search.index import info_from_stored
from gdexplorer.search.parsing import TextParser
from gdexplorer.search.snippets import make_snippet, phrase_term, snippet_offset
from gdexplorer.search.syntax import syntax_problem

FIELDS = ("title", "body", "category", "date", "entity", "format", "site")
# Fields answered from the workbench (stars, tags, notes), not from the index: a tag changed is
# seen by the next search without re-indexing. Each stands for a set of article ids.
WORKBENCH_FIELDS = ("tag", "starred", "note")
# A phrase is passed over whole ("tag:x" in quotes is words); the value may be quoted itself.
_WORKBENCH_TERM = re.compile(r'"[^"]*"|(?<![\w:])(tag|starred|note):(?:"([^"]*)"|([^\s()"]+))')
_SET_PREFIX = "gdxset"
# Stands for "no article": a path no article has (paths are relative, never empty).
_NO_ARTICLE = wq.Term("path", "\x00")

# Given a workbench field and its value: the article ids, and whether it means the others (starred:no).
SetResolver = Callable[[str, str], tuple[Iterable[str], bool]]
MAX_QUERY_CHARS = 2000
MAX_HIGHLIGHT_TERMS = 300
# A prefix or fuzzy word matching more indexed words than this is cut to its most frequent ones:
# "t*" over 100,000 articles names tens of thousands of words, and ORing them all takes seconds.
MAX_EXPANSIONS = 512
KEYSTROKE_EXPANSIONS = 48
KEYSTROKE_SECONDS = 0.03
# The fast first answer to a keystroke does not expand a last word shorter than this: "t" or "te"
# begins tens of thousands of words at 100,000 articles. The full search that follows does.
KEYSTROKE_MIN_PREFIX = 1
_LAST_WORD = re.compile(r"(?:^|[\s(])([^\s\"():*~^\[\]{}]+)$")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
_DATE_RANGE = re.compile(r"\bdate:\[\s*(\S+)\s+to\s+(\S+?)\s*\]", re.IGNORECASE)
_FIELD_PREFIX = re.compile(r'(?:^|[\s(])([A-Za-z_][\w]*):(?=\S)')
_QUOTED = re.compile(r'"[^"]*"')

BodyReader = Callable[[str], str | None]
PageReader = Callable[[str], tuple[int, ...]]  # where each page starts in a document's body; () for no pages


class QueryParser:
    """Turns user text into a Whoosh query, or a ``QueryError`` with one clear sentence."""

    def __init__(self, schema: object) -> None:
        parser = TextParser(schema)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(DateParserPlugin(free=False))
        self._parser = parser

    def parse(self, text: str, check_length: bool = True, resolve: SetResolver | None = None) -> wq.Query:
        """``resolve`` answers the workbench fields (``tag:``, ``starred:``, ``note:``); without it they are refused."""
        text = _clean(text)
        if not text:
            raise QueryError("type something to search for")
        if check_length and len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})")
        known = FIELDS + WORKBENCH_FIELDS if resolve is not None else FIELDS
        for name in _FIELD_PREFIX.findall(_QUOTED.sub(" ", text)):
            if name not in known:
                raise QueryError(f"unknown field '{name}:'; the fields are {', '.join(f + ':' for f in known)}")
        problem = syntax_problem(text)
        if problem:
            raise QueryError(problem)
        if text == "*":
            return wq.Every()  # every article; the parser would OR an Every per field, far slower
        # Whoosh's range parser reads "2010-01" at the start of a range but not at the end, so
        # "date:[2010-01 TO 2010-03]" covered all of 2010. Its compact forms work at both ends.
        text = _DATE_RANGE.sub(lambda m: f"date:[{_compact(m.group(1))} TO {_compact(m.group(2))}]", text)
        sets: list[wq.Query] = []
        if resolve is not None:
            text = _swap_sets(text, resolve, sets)
        try:
            parsed = self._parser.parse(text)
        except Exception as e:  # Whoosh raises ValueError, TypeError... for e.g. unparseable dates
            raise QueryError(f"cannot understand the query: {_why(e)}") from e
        errors = [q for q in parsed.leaves() if isinstance(q, wq.qcore._NullQuery)] if parsed else []
        if parsed is wq.NullQuery or (errors and parsed.is_leaf()):
            raise QueryError("the query has no words to search for (only operators or punctuation?)")
        parsed = parsed.accept(_tighten_fuzzy)
        if sets:
            parsed = parsed.accept(lambda q: _set_for(q, sets))
        return parsed


def _swap_sets(text: str, resolve: SetResolver, sets: list[wq.Query]) -> str:
    """Put a placeholder term for each workbench field (outside phrases); ``sets`` gets their queries.

    A set is a zero-scored OR of path terms: a filter that does not change the ranking, and that
    the doc-set engine counts and combines (AND, OR, NOT) like any other clause.
    """

    def swap(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group(0)
        value = m.group(2) if m.group(2) is not None else m.group(3)
        ids, negated = resolve(m.group(1), value)
        terms: list[wq.Query] = [wq.Term("path", i) for i in sorted(ids)]
        matched = wq.ConstantScoreQuery(wq.Or(terms) if terms else _NO_ARTICLE, 0.0)
        sets.append(matched)
        placeholder = f"path:{_SET_PREFIX}{len(sets) - 1}"
        return f"(NOT {placeholder})" if negated else placeholder

    return _WORKBENCH_TERM.sub(swap, text)


def _set_for(q: wq.Query, sets: list[wq.Query]) -> wq.Query:
    if isinstance(q, wq.Term) and q.fieldname == "path" and str(q.text).startswith(_SET_PREFIX):
        return sets[int(str(q.text)[len(_SET_PREFIX):])]
    return q


def keystroke_text(text: str, min_prefix: int = 1) -> str:
    """While the user is still typing the last word, also look for words it begins.

    ``hydro`` becomes ``hydro (hydro OR hydro*)``-like: ``(hydro OR hydro*)``, keeping the exact word
    because stemmed index words are often shorter than what was typed ("government" is indexed
    as "govern", which "government*" would miss). A last word shorter than ``min_prefix`` is
    left out: every word is indexed, so "oil p" taken as typed would look for the word "p".
    """
    if not text or text != text.rstrip() or text.count('"') % 2:
        return text
    m = _LAST_WORD.search(text)
    if m is None:
        return text
    word = m.group(1)
    # CJK text is matched as a substring already: it needs no prefix.
    if word.upper() in _OPERATORS or ":" in word or has_cjk(word):
        return text
    if len(word) < min_prefix:
        return text[: m.start(1)].rstrip()
    return f"{text[: m.start(1)]}({word} OR {word}*)"


def _tighten_fuzzy(q: wq.Query) -> wq.Query:
    # Whoosh fuzzes the stemmed word with no fixed prefix, so "goverment~" (stem "gover") also
    # finds "over" and "cover". Keeping the first two letters fixed is what users mean, and it
    # makes the expansion far smaller.
    if isinstance(q, wq.FuzzyTerm):
        # More than two edits matches nearly anything and takes seconds to expand; a prefix longer
        # than the word makes Whoosh fail with IndexError.
        maxdist = max(1, min(q.maxdist, 2))
        prefix = min(q.prefixlength, len(q.text))
        if prefix < 2 and len(q.text) >= 4:
            prefix = 2
        if (maxdist, prefix) != (q.maxdist, q.prefixlength):
            return wq.FuzzyTerm(q.fieldname, q.text, boost=q.boost, maxdist=maxdist, prefixlength=prefix)
    return q


def clean_query(text: str) -> str:
    """Control characters become spaces; lone surrogates (undecodable bytes from a command line)
    become U+FFFD, since nothing downstream can encode them."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogate(text) else text
    return "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in text).strip()


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


_clean = clean_query


def _compact(date: str) -> str:
    return date.replace("-", "") if re.fullmatch(r"\d{4}(-\d{2}){0,2}", date) else date


def _why(e: Exception) -> str:
    message = str(e).strip() or type(e).__name__
    return message.splitlines()[0][:200]


def highlight_terms(searcher: Searcher | None, query: wq.Query, analyzer: Analyzer | None = None) -> tuple[str, ...]:
    """The indexed words the query matches in title/body, expanded for prefix and fuzzy terms.

    Without a ``searcher`` (the server backend) a prefix is highlighted as typed ("gu*"), as the
    window's prefixes are, rather than expanded over the index's words.

    A word matched in an exact field is given as the stemmed fields' term (what ``analyzer`` makes
    of it), which snippets and highlighting look for; a phrase, or a CJK run, as one term that
    they find as written (``snippets.phrase_term``).
    """
    terms: dict[str, None] = {}
    reader = searcher.reader() if searcher is not None else None
    for leaf in query.leaves():
        field = leaf.field()
        mark = getattr(leaf, "highlight", "")
        if not mark and reader is None and isinstance(leaf, wq.Prefix):
            mark = f"{leaf.text}*"
        if mark:  # a prefix, matched in the text as written (snippets.phrase_pattern)
            terms[mark] = None
            continue
        if field in _EXACT:
            words = leaf.words if isinstance(leaf, wq.Phrase) else [leaf.text] if isinstance(leaf, wq.Term) else []
            terms.update(dict.fromkeys(_exact_terms([str(w) for w in words], analyzer)))
            continue
        if field not in ("title", "body"):
            continue
        if reader is None:
            if isinstance(leaf, wq.Term):
                terms[str(leaf.text)] = None
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


_EXACT = frozenset(EXACT_FIELDS.values())


def _exact_terms(words: list[str], analyzer: Analyzer | None) -> list[str]:
    if len(words) > 1:
        # A phrase: highlighted where it occurs, as one passage (see snippets.phrase_pattern).
        return [phrase_term(words)]
    if len(words) == 1 and not has_cjk(words[0]) and analyzer is not None:
        tokens = [t.text for t in analyzer(words[0])]
        return [tokens[0] if len(tokens) == 1 else words[0]]
    return words


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
    keystroke: bool = False,
    filter_query: wq.Query | None = None,
    facets: bool = False,
    time_limited: bool = True,
    collapse: bool = True,
    read_pages: PageReader | None = None,
) -> SearchResult:
    """Run a parsed query; snippets are cut from the article files for the returned hits only.

    ``keystroke``: the user is typing; expand prefixes less and stop collecting after a few tens
    of milliseconds (``partial`` in the result says so; the caller follows with a full search).
    ``filter_query`` restricts the hits without scoring; ``facets`` adds counts by category,
    month and entity over every matching article, from the index's sortable columns.
    ``collapse``: articles with the same text (up to whitespace) are one hit naming the others
    (``Hit.copies``), and so are near copies (``Hit.near_copies``: one sentence more, less or
    changed); the total counts texts, ``collapsed`` the articles left out of it.
    ``read_pages``: a hit in a paged document (PDF) says the page of its snippet's first match.
    """
    started = time.perf_counter()
    sortedby = None
    reverse = False
    if sort in ("newest", "oldest"):
        sortedby = "date"
        reverse = sort == "newest"
    page_end = offset + limit
    if filter_query is not None:
        # Not Whoosh's filter= argument: len(results) ignores it (it recounts the bare query).
        # A zero-scored AND clause filters the same way and leaves the ranking as it was.
        query = wq.And([query, wq.ConstantScoreQuery(filter_query, 0.0)])
        filter_query = None
    # Only the fast first answer expands less: the full one that follows counts every match.
    fast = keystroke and time_limited
    query, capped = bound_expansions(
        query, searcher.reader(), KEYSTROKE_EXPANSIONS if fast else MAX_EXPANSIONS, lazy=fast
    )
    partial = capped
    timed_out = False
    collapse_by = DIGEST_FIELD if collapse else None
    ranked = rank(searcher, query, max(page_end, 1), sortedby=sortedby, reverse=reverse, collapse=collapse_by)
    page: list[tuple[int, float]]
    if ranked is not None:
        total, copies, collapsed = ranked.total, ranked.copies, ranked.collapsed
        page = ranked.hits[offset:page_end]
    else:
        whoosh = _whoosh_ranking(searcher, query, page_end, sortedby, reverse, fast,
                                 collapse_by)
        total, copies, collapsed, timed_out = whoosh.total, whoosh.copies, whoosh.collapsed, whoosh.timed_out
        page = whoosh.hits[offset:page_end]
        partial = partial or timed_out
    facet_counts = None
    if facets and not timed_out:
        facet_counts = count_facets(searcher, query, filter_query, ranked.matches if ranked is not None else None)
    terms = highlight_terms(searcher, query, analyzer)
    hits = []
    for position, (docnum, score) in enumerate(page, start=offset + 1):
        stored = searcher.stored_fields(docnum)
        info = info_from_stored(stored)
        snippet, on_page = hit_snippet(info, terms, analyzer, read_body, read_pages) if with_snippets else ((), None)
        entities = tuple(e for e in str(stored.get("entity") or "").split(",") if e)
        exact, near = _copies_of(searcher, docnum, copies.get(docnum, ()), collapse_by)
        hits.append(Hit(info, score, position, snippet, entities, exact, page=on_page, near_copies=near))
    took = (time.perf_counter() - started) * 1000
    return SearchResult(text, total, took, tuple(hits), terms, partial, facet_counts, collapsed=collapsed)


def hit_snippet(info: ArticleInfo, terms: tuple[str, ...], analyzer: Analyzer, read_body: Callable[[str], str | None],
                read_pages: Callable[[str], tuple[int, ...]] | None) -> tuple[Snippet, int | None]:
    """A shown hit's snippet, cut from its file, and in a paged document (PDF) the page it is on."""
    body = read_body(info.id) or ""
    snippet = make_snippet(body, terms, analyzer)
    if read_pages is None or info.format != "pdf":
        return snippet, None
    return snippet, page_at(read_pages(info.id), snippet_offset(body, snippet))


def page_at(pages: tuple[int, ...], offset: int | None) -> int | None:
    """The 1-based page holding a body offset; None without pages or an offset."""
    if not pages or offset is None:
        return None
    return bisect.bisect_right(pages, offset) or 1


def _copies_of(searcher: Searcher, docnum: int, others: tuple[int, ...],
               collapse_by: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ids of a hit's copies: those with its text (up to whitespace), and its near copies."""
    if not others or collapse_by is None:
        return (), ()
    digests = text_digests(searcher, collapse_by)
    exact: list[str] = []
    near: list[str] = []
    for other in others:
        same = digests is not None and digests[other] == digests[docnum]
        (exact if same else near).append(str(searcher.stored_fields(other)["path"]))
    return tuple(sorted(exact)), tuple(sorted(near))


@dataclass(frozen=True, slots=True)
class _WhooshRanking:
    hits: list[tuple[int, float]]  # (document number, score), from the first up to the page's end
    total: int
    copies: dict[int, tuple[int, ...]]
    collapsed: int
    timed_out: bool = False


def _whoosh_ranking(searcher: Searcher, query: wq.Query, page_end: int, sortedby: str | None, reverse: bool,
                    time_limited: bool, collapse_by: str | None) -> _WhooshRanking:
    """Hits by Whoosh's own searcher, for the query shapes ``rank`` leaves to it; collapsed by text
    as ``rank`` collapses. ``time_limited``: stop collecting after a few tens of milliseconds."""
    order = _whoosh_order(searcher, sortedby, reverse)
    keys = text_keys(searcher, collapse_by) if collapse_by else None
    limit = max(page_end, 1)
    results = None
    if time_limited:
        collector = collectors.TimeLimitCollector(searcher.collector(limit=limit, sortedby=order, terms=True),
                                                  KEYSTROKE_SECONDS, use_alarm=False)
        try:
            searcher.search_with_collector(query, collector)
        except TimeLimit:
            found = [(hit.docnum, float(hit.score or 0.0)) for hit in collector.results()]
            if keys is not None:  # one per text on the page; the copies are named by the full search
                found = collapse_hits(found, limit, keys, None)[0]
            return _WhooshRanking(found, collector.results().scored_length(), {}, 0, timed_out=True)
        results = collector.results()
    # Not len(results): Whoosh decides whether its collector counted every match from the last
    # segment's matcher, and with matchers that have no block quality (ours) it undercounts.
    sets = segment_doc_sets(searcher, query)
    total = sum(int(np.count_nonzero(docs)) for docs, _ in sets)
    copies = copies_among([docs for docs, _ in sets], [offset for _, offset in sets], keys) \
        if keys is not None else None
    hidden = copies.hidden if copies is not None else 0
    if results is None or hidden:  # room for the copies that collapse away
        results = searcher.search(query, limit=limit + hidden, terms=True, sortedby=order)
    found = [(hit.docnum, float(hit.score or 0.0)) for hit in results]
    if keys is None:
        return _WhooshRanking(found, total, {}, 0)
    kept, named = collapse_hits(found, limit, keys, copies)
    return _WhooshRanking(kept, total - hidden, named, hidden)


def _whoosh_order(searcher: Searcher, sortedby: str | None, reverse: bool) -> sorting.FacetType | None:
    """The sort for Whoosh's own searcher: as ``rank`` sorts, undated articles last either way."""
    return column_order(searcher, sortedby, reverse) if sortedby else None
