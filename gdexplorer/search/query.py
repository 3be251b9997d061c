"""Parsing queries and running them: Whoosh in, ``SearchResult``/``Hit`` dataclasses out.

The language is Whoosh's: words are ANDed, ``OR``/``NOT``, "phrases", ``prefix*``, ``fuzzy~``, and
field filters (``title:``, ``category:``, ``date:[2010 TO 2012]``, ``entity:ehang``). Anything
Whoosh-owned (searchers, results, matchers) stays inside this module.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np
from whoosh import collectors, fields, matching, qparser
from whoosh import query as wq
from whoosh.analysis.analyzers import Analyzer
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.searching import Searcher, TimeLimit
from whoosh.support import levenshtein

from gdexplorer.errors import QueryError
from gdexplorer.model import Facets, Hit, SearchResult, Snippet
from gdexplorer.search.engine.docsets import DocSet, count_matches, posting_arrays, segment_docs
from gdexplorer.search.engine.ranking import rank
from gdexplorer.search.index import info_from_stored
from gdexplorer.search.snippets import make_snippet

FIELDS = ("title", "body", "category", "date", "entity")
MAX_QUERY_CHARS = 2000
MAX_HIGHLIGHT_TERMS = 300
# A prefix or fuzzy word matching more indexed words than this is cut to its most frequent ones:
# "t*" over 100,000 articles names tens of thousands of words, and ORing them all takes seconds.
MAX_EXPANSIONS = 512
KEYSTROKE_EXPANSIONS = 48
PREFIX_SCAN_BUDGET = 20_000
KEYSTROKE_SECONDS = 0.03
# The fast first answer to a keystroke does not expand a last word shorter than this: "t" or "te"
# begins tens of thousands of words at 100,000 articles. The full search that follows does.
KEYSTROKE_MIN_PREFIX = 3
_LAST_WORD = re.compile(r"(?:^|[\s(])([^\s\"():*~^\[\]{}]+)$")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
_DATE_RANGE = re.compile(r"\bdate:\[\s*(\S+)\s+to\s+(\S+?)\s*\]", re.IGNORECASE)
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

    def parse(self, text: str, check_length: bool = True) -> wq.Query:
        text = _clean(text)
        if not text:
            raise QueryError("type something to search for")
        if check_length and len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})")
        for name in _FIELD_PREFIX.findall(_QUOTED.sub(" ", text)):
            if name not in FIELDS:
                raise QueryError(f"unknown field '{name}:'; the fields are {', '.join(f + ':' for f in FIELDS)}")
        if text == "*":
            return wq.Every()  # every article; the parser would OR an Every per field, far slower
        # Whoosh's range parser reads "2010-01" at the start of a range but not at the end, so
        # "date:[2010-01 TO 2010-03]" covered all of 2010. Its compact forms work at both ends.
        text = _DATE_RANGE.sub(lambda m: f"date:[{_compact(m.group(1))} TO {_compact(m.group(2))}]", text)
        try:
            parsed = self._parser.parse(text)
        except Exception as e:  # Whoosh raises ValueError, TypeError... for e.g. unparseable dates
            raise QueryError(f"cannot understand the query: {_why(e)}") from e
        errors = [q for q in parsed.leaves() if isinstance(q, wq.qcore._NullQuery)] if parsed else []
        if parsed is wq.NullQuery or (errors and parsed.is_leaf()):
            raise QueryError("the query has no words to search for (only operators or very common words?)")
        return parsed.accept(_tighten_fuzzy)


def keystroke_text(text: str, min_prefix: int = 1) -> str:
    """While the user is still typing the last word, also look for words it begins.

    ``hydro`` becomes ``hydro (hydro OR hydro*)``-like: ``(hydro OR hydro*)``, keeping the exact word
    because stemmed index words are often shorter than what was typed ("government" is indexed
    as "govern", which "government*" would miss). A last word shorter than ``min_prefix`` is
    left as typed.
    """
    if not text or text != text.rstrip() or text.count('"') % 2:
        return text
    m = _LAST_WORD.search(text)
    if m is None:
        return text
    word = m.group(1)
    if word.upper() in _OPERATORS or ":" in word or any("\u3400" <= ch <= "\u9fff" for ch in word):
        return text
    if len(word) < min_prefix:
        return text
    return f"{text[: m.start(1)]}({word} OR {word}*)"


class ChosenTerms(wq.MultiTerm):
    """A fixed set of words in one field, matched with constant score like Whoosh's ``Prefix``.

    Constant score lets Whoosh union the words' postings into one list (``ListMatcher``) instead of
    scoring an ``Or`` of hundreds of terms, which is what makes a bounded prefix fast.
    """

    def __init__(self, fieldname: str, words: list[bytes] | list[str], boost: float = 1.0,
                 lazy: bool = False) -> None:
        self.lazy = lazy
        self.fieldname = fieldname
        self.words = [w if isinstance(w, bytes) else w.encode("utf-8") for w in words]
        self.text = " ".join(w.decode("utf-8", "replace") for w in self.words[:3])
        self.boost = boost
        self.constantscore = True

    def __repr__(self) -> str:
        return f"ChosenTerms({self.fieldname!r}, {len(self.words)} words)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChosenTerms) and (other.fieldname, other.words) == (self.fieldname, self.words)

    def __hash__(self) -> int:
        return hash((self.fieldname, tuple(self.words)))

    def _btexts(self, ixreader: object) -> list[bytes]:
        return self.words

    def matcher(self, searcher: Searcher, context: object = None) -> matching.Matcher:
        # Called per segment. Whoosh's own MultiTerm ORs one matcher per word and walks them in a
        # heap; collecting the union of the posting lists once is many times faster overall. A
        # keystroke search wants the first hits at once instead, which the lazy OR gives.
        if self.lazy:
            return super().matcher(searcher, context)
        reader = searcher.reader()
        ids: set[int] = set()
        for word in self.words:
            if (self.fieldname, word) in reader:
                ids.update(reader.postings(self.fieldname, word).all_ids())
        if not ids:
            return matching.NullMatcher()
        return matching.ListMatcher(sorted(ids), all_weights=self.boost)


class DateSpan(ChosenTerms):
    """A date range on a sortable date field: :mod:`gdexplorer.search.engine.docsets` reads it from the date
    column (``column_range``); the trie terms Whoosh would OR are listed only if Whoosh's own
    matcher is asked for them (query shapes our ranking leaves to Whoosh)."""

    def __init__(self, node: wq.NumericRange, reader: object) -> None:
        self.lazy = False
        self.fieldname = node.fieldname
        self.boost = node.boost
        self.constantscore = True
        self.text = ""
        self._range = node
        self._reader = reader
        self._words: list[bytes] | None = None
        low = None if node.start is None else node.start + (1 if node.startexcl else 0)
        high = None if node.end is None else node.end - (1 if node.endexcl else 0)
        self.column_range = (low, high)

    @property  # type: ignore[override]
    def words(self) -> list[bytes]:
        if self._words is None:
            self._words = _range_words(self._range, self._reader)
        return self._words

    def __repr__(self) -> str:
        return f"DateSpan({self.fieldname!r}, {self.column_range})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateSpan) and (other.fieldname, other.column_range) == (
            self.fieldname, self.column_range)

    def __hash__(self) -> int:
        return hash((self.fieldname, self.column_range))


def _range_words(node: wq.NumericRange, reader: object) -> list[bytes]:
    words = []
    for leaf in node.simplify(reader).leaves():
        if isinstance(leaf, wq.MultiTerm):
            words.extend(leaf._btexts(reader))
        elif isinstance(leaf, wq.Term):
            words.append(leaf.text)
    return words


def bound_expansions(q: wq.Query, reader: object, cap: int, lazy: bool = False) -> tuple[wq.Query, bool]:
    """Replace prefix, wildcard and fuzzy words that expand past ``cap`` words by their ``cap``
    most frequent expansions. Returns the query and whether anything was cut."""
    capped = False

    def visit(node: wq.Query) -> wq.Query:
        nonlocal capped
        if isinstance(node, wq.NumericRange):
            # A date range is a union of numeric trie terms, which Whoosh walks as a deep OR tree:
            # ANDed with a common word that is seconds at 100k articles. One posting union is not,
            # and the date column (one comparison per document) is cheaper still.
            field = dict(reader.schema.items()).get(node.fieldname)  # type: ignore[attr-defined]
            if isinstance(field, fields.DATETIME) and field.column_type is not None:
                return DateSpan(node, reader)
            return ChosenTerms(node.fieldname, _range_words(node, reader), boost=node.boost)
        if not isinstance(node, wq.MultiTerm):
            return node
        field = node.field()
        words: list[bytes] = []
        if isinstance(node, wq.Prefix):
            # Walk each segment's sorted term list (sequential and cheap), largest segment first,
            # rather than the merged view, which looks every word up in every segment. Past the
            # scan budget the frequencies seen so far are a good sample for choosing the top words.
            counts: Counter[bytes] = Counter()
            scanned = 0
            subs = sorted(reader.leaf_readers(), key=lambda r: r[0].doc_count_all(), reverse=True)  # type: ignore[attr-defined]
            complete = True
            for i, (sub, _) in enumerate(subs):
                for text, info in sub.iter_prefix(field, node.text):
                    counts[text] += info.doc_frequency()
                    scanned += 1
                if scanned >= PREFIX_SCAN_BUDGET and i + 1 < len(subs):
                    complete = False
                    break
            if complete and len(counts) <= cap:
                return ChosenTerms(field, list(counts), boost=node.boost, lazy=lazy)
            words = [text for text, _ in counts.most_common(cap)]
        else:
            if isinstance(node, wq.FuzzyTerm):
                expanded = _fuzzy_words(node, reader)
            else:
                expanded = list(itertools.islice(node._btexts(reader), cap * 8))
            if len(expanded) <= cap:
                return ChosenTerms(field, expanded, boost=node.boost, lazy=lazy)
            expanded.sort(key=lambda t: reader.doc_frequency(field, t), reverse=True)  # type: ignore[attr-defined]
            words = expanded[:cap]
        capped = True
        return ChosenTerms(field, words, boost=node.boost, lazy=lazy)

    return q.accept(visit), capped


def _fuzzy_words(node: wq.FuzzyTerm, reader: object) -> list[str]:
    """What ``node._btexts(reader)`` lists, reading each segment's word list on its own.

    Whoosh's merged view looks every word up in every segment as it goes (a heap of cursors);
    walking each segment's sorted list and measuring each distinct word once is several times
    faster with ten segments.
    """
    field = node.fieldname
    seen: set[bytes] = set()
    for sub, _ in reader.leaf_readers():  # type: ignore[attr-defined]
        if field in sub.schema:
            seen.update(sub.expand_prefix(field, node.text[: node.prefixlength]))
    fieldobj = reader.schema[field]  # type: ignore[attr-defined]
    words = (fieldobj.from_bytes(b) for b in sorted(seen))
    return [w for w in words if levenshtein.distance(w, node.text, limit=node.maxdist) <= node.maxdist]


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
) -> SearchResult:
    """Run a parsed query; snippets are cut from the article files for the returned hits only.

    ``keystroke``: the user is typing; expand prefixes less and stop collecting after a few tens
    of milliseconds (``partial`` in the result says so; the caller follows with a full search).
    ``filter_query`` restricts the hits without scoring; ``facets`` adds counts by category,
    month and entity over every matching article, from the index's sortable columns.
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
    query, capped = bound_expansions(
        query, searcher.reader(), KEYSTROKE_EXPANSIONS if keystroke else MAX_EXPANSIONS, lazy=keystroke
    )
    partial = capped
    timed_out = False
    ranked = rank(searcher, query, max(page_end, 1), sortedby=sortedby, reverse=reverse)
    page: list[tuple[int, float]]
    if ranked is not None:
        total = ranked.total
        page = ranked.hits[offset:page_end]
    elif keystroke and time_limited:
        inner = searcher.collector(limit=max(page_end, 1), sortedby=sortedby, reverse=reverse, terms=True,
                                   filter=filter_query)
        collector = collectors.TimeLimitCollector(inner, KEYSTROKE_SECONDS, use_alarm=False)
        try:
            searcher.search_with_collector(query, collector)
        except TimeLimit:
            partial = timed_out = True
        results = collector.results()
        total = results.scored_length() if timed_out else count_matches(searcher, query)
        page = [(hit.docnum, float(hit.score or 0.0)) for hit in results[offset:page_end]]
    else:
        results = searcher.search(query, limit=max(page_end, 1), terms=True, sortedby=sortedby, reverse=reverse,
                                  filter=filter_query)
        # Not len(results): Whoosh decides whether its collector counted every match from the last
        # segment's matcher, and with matchers that have no block quality (ours) it undercounts.
        total = count_matches(searcher, query)
        page = [(hit.docnum, float(hit.score or 0.0)) for hit in results[offset:page_end]]
    facet_counts = None
    if facets and not timed_out:
        facet_counts = count_facets(searcher, query, filter_query, ranked.matches if ranked is not None else None)
    terms = highlight_terms(searcher, query)
    hits = []
    for position, (docnum, score) in enumerate(page, start=offset + 1):
        stored = searcher.stored_fields(docnum)
        info = info_from_stored(stored)
        snippet: Snippet = ()
        if with_snippets:
            snippet = make_snippet(read_body(info.id) or "", terms, analyzer)
        entities = tuple(e for e in str(stored.get("entity") or "").split(",") if e)
        hits.append(Hit(info, score, position, snippet, entities))
    took = (time.perf_counter() - started) * 1000
    return SearchResult(text, total, took, tuple(hits), terms, partial, facet_counts)


def count_facets(searcher: Searcher, query: wq.Query, filter_query: wq.Query | None,
                 matches: list[DocSet] | None = None) -> Facets:
    """Category, month and entity counts for every document the query matches.

    Each value of the three fields is a term; its count is the size of its posting list's
    intersection with the matching documents, a set operation per value rather than Whoosh's
    grouping, which reads a column value per matching document in Python (0.4 s for a common
    word at 20,000 articles). ``matches``: the query's documents per leaf searcher, when a ranking
    has just computed them.
    """
    started = time.perf_counter()
    if filter_query is not None:
        query = wq.And([query, filter_query])
    totals: dict[str, Counter[str]] = {name: Counter() for name in ("category", "month", "entity")}
    labels: dict[str, str] = {}
    subs = searcher.leaf_searchers()
    if matches is not None and len(matches) != len(subs):
        matches = None
    for position, (sub, _) in enumerate(subs):
        match = matches[position] if matches is not None else segment_docs(sub, query)
        if not match.any():
            continue
        reader = sub.reader()
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        for name, counts in totals.items():
            if name not in searcher.schema:
                continue
            for term in reader.lexicon(name):
                ids = posting_arrays(reader, name, term)[0]
                n = int(np.count_nonzero(match[np.frombuffer(ids, dtype=np.intc)])) if len(ids) else 0
                if n:
                    key = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                    counts[key] += n
                    if name == "category" and key not in labels:
                        labels[key] = _category_label(reader, ids, deleted) or key

    def counted(name: str) -> list[tuple[str, int]]:
        return [(labels.get(k, k) if name == "category" else k, n) for k, n in totals[name].items() if k]

    categories = sorted(counted("category"), key=lambda kv: (-kv[1], kv[0]))
    months = sorted(counted("month"))
    entities = sorted(counted("entity"), key=lambda kv: (-kv[1], kv[0]))
    return Facets(tuple(categories), tuple(months), tuple(entities), time.perf_counter() - started)


def _category_label(reader: object, ids: Iterable[int], deleted: frozenset[int] | set[int]) -> str | None:
    """The category as written in the corpus (the term is lowercased), from a stored document."""
    for d in ids:
        if d not in deleted:
            value = reader.stored_fields(d).get("category")  # type: ignore[attr-defined]
            return str(value) if value else None
    return None
