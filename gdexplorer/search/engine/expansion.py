"""Expanding prefix, wildcard, fuzzy and date-range words into bounded lists of index words.

Whoosh expands such a word into every matching word and ORs one matcher per word: at 100,000
articles "t*" is tens of thousands of posting lists. Here each is replaced by a ``ChosenTerms``
of its most frequent words (or a ``DateSpan`` read from the date column), a ``MultiTerm``
subclass that Whoosh's own searcher still understands, so any query shape keeps working.
"""

from __future__ import annotations

import itertools
from collections import Counter

from whoosh import fields, matching
from whoosh import query as wq
from whoosh.searching import Searcher

from gdexplorer.search.analysis import EXACT_FIELDS, PREFIX_CHARS, has_cjk
from gdexplorer.search.engine import adapter

# Words read from the segments' word lists for one prefix before the top ones are chosen.
PREFIX_SCAN_BUDGET = 20_000


class ChosenTerms(wq.MultiTerm):
    """A fixed set of words in one field, matched with constant score like Whoosh's ``Prefix``.

    Constant score lets Whoosh union the words' postings into one list (``ListMatcher``) instead of
    scoring an ``Or`` of hundreds of terms, which is what makes a bounded prefix fast.
    """

    def __init__(self, fieldname: str, words: list[bytes] | list[str], boost: float = 1.0,
                 lazy: bool = False, highlight: str = "") -> None:
        self.lazy = lazy
        self.highlight = highlight  # for a prefix: "gu*", which snippets match as written
        self.fieldname = fieldname
        self._chosen = [w if isinstance(w, bytes) else w.encode("utf-8") for w in words]
        self.text = " ".join(w.decode("utf-8", "replace") for w in self._chosen[:3])
        self.boost = boost
        self.constantscore = True

    @property
    def words(self) -> list[bytes]:
        # Read-only, so that DateSpan can list its words only when asked.
        return self._chosen

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

    @property
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
    words: list[bytes] = []
    for leaf in node.simplify(reader).leaves():
        if isinstance(leaf, wq.MultiTerm):
            words.extend(adapter.expanded_words(leaf, reader))
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
        words: list[bytes] | list[str]
        if isinstance(node, TextPrefix):
            return _prefix_of_words(node, reader, lazy)
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
            expanded: list[bytes] | list[str]  # a fuzzy word's expansions come decoded
            if isinstance(node, wq.FuzzyTerm):
                expanded = _fuzzy_words(node, reader)
            else:
                expanded = list(itertools.islice(adapter.expanded_words(node, reader), cap * 8))
            if len(expanded) <= cap:
                return ChosenTerms(field, expanded, boost=node.boost, lazy=lazy)
            expanded.sort(key=lambda t: reader.doc_frequency(field, t), reverse=True)  # type: ignore[attr-defined]
            words = expanded[:cap]
        capped = True
        return ChosenTerms(field, words, boost=node.boost, lazy=lazy)

    return _text_prefixes(q).accept(visit), capped


class TextPrefix(wq.Prefix):
    """A prefix typed in the title and body together (``gu*``, which the parser makes an OR of the
    two fields' prefixes), or in one of them (``title:gu*``): matched on the words as written."""

    def __init__(self, fieldnames: tuple[str, ...], text: str, boost: float = 1.0) -> None:
        super().__init__(fieldnames[0], text, boost=boost)
        self.fieldnames = fieldnames

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextPrefix) and (other.fieldnames, other.text) == (self.fieldnames, self.text)

    def __hash__(self) -> int:
        return hash((self.fieldnames, self.text))


def _text_prefixes(q: wq.Query) -> wq.Query:
    """Title/body prefixes as ``TextPrefix``, the OR of both fields' prefix of one text as one."""
    if isinstance(q, wq.Prefix) and q.fieldname in EXACT_FIELDS:
        return TextPrefix((q.fieldname,), q.text, q.boost)
    if isinstance(q, wq.Or):
        subs = [_text_prefixes(s) for s in q.subqueries]
        by_text: dict[tuple[str, float], list[int]] = {}
        for i, s in enumerate(subs):
            if type(s) is TextPrefix:
                by_text.setdefault((s.text, s.boost), []).append(i)
        for (text, boost), where in by_text.items():
            fields_ = tuple(sorted({f for i in where for f in subs[i].fieldnames}))
            if len(where) > 1 and fields_ == ("body", "title"):
                subs[where[0]] = TextPrefix(fields_, text, boost)
                for i in where[1:]:
                    subs[i] = wq.NullQuery
        kept = [s for s in subs if s is not wq.NullQuery]
        return kept[0] if len(kept) == 1 and q.boost == 1.0 else q.__class__(kept, boost=q.boost)
    if q.is_leaf():
        return q
    return q.apply(_text_prefixes)


def _prefix_of_words(node: TextPrefix, reader: object, lazy: bool) -> wq.Query:
    """The words as written that begin with a title/body prefix, every one of them.

    As written, not stemmed ("happy*" finds "happy", whose stem is "happi"). In title and body
    together, up to ``PREFIX_CHARS`` letters, it is one posting list of the ``prefix`` field;
    otherwise the words are listed from each segment's sorted word list (a few hundred at most
    for four letters at 100,000 articles).
    """
    text = node.text.lower()
    mark = node.text + "*"
    if (len(node.fieldnames) == 2 and len(text) <= PREFIX_CHARS and not has_cjk(text)
            and "prefix" in reader.schema):  # type: ignore[attr-defined]
        return ChosenTerms("prefix", [text], boost=node.boost, lazy=lazy, highlight=mark)
    parts: list[wq.Query] = []
    for name in node.fieldnames:
        field = EXACT_FIELDS[name]
        found: set[bytes] = set()
        for sub, _ in reader.leaf_readers():  # type: ignore[attr-defined]
            if field in sub.schema:
                found.update(sub.expand_prefix(field, text))
        parts.append(ChosenTerms(field, sorted(found), boost=node.boost, lazy=lazy, highlight=mark))
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _fuzzy_words(node: wq.FuzzyTerm, reader: object) -> list[str]:
    """The words within the fuzzy word's distance that share its prefix, reading each segment's word
    list on its own; the distance is Whoosh's ``damerau_levenshtein`` (optimal string alignment), as
    its multi-segment reader measures (a single segment's automaton counts a swap as two edits).

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
    from rapidfuzz.distance import OSA  # here: 11 ms of a fresh `gdexplorer search` that asks no fuzzy word

    return [w for w in words if OSA.distance(w, node.text, score_cutoff=node.maxdist) <= node.maxdist]


def within_edits(word: str, text: str, maxdist: int) -> bool:
    """Whether ``word`` is within ``maxdist`` edits of ``text`` by Whoosh's ``damerau_levenshtein``
    (optimal string alignment: a swap of two letters is one edit), measured by RapidFuzz's C++
    rather than Whoosh's Python. The server backend expands fuzzy words the same way;
    ``tests/core/test_spelling.py`` checks the two measures agree."""
    from rapidfuzz.distance import OSA

    return bool(OSA.distance(word, text, score_cutoff=maxdist) <= maxdist)
