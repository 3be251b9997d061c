""""Did you mean …?": a misspelt query word replaced by the index's own near word.

English words are checked in the exact fields (words as written, lower-cased): a word no article
holds is replaced by the most frequent of its nearest words (one edit away; two for words of eight
letters or more), or by a word one more edit away ``FURTHER`` times as frequent; so is a word twenty times
rarer than such a neighbour, when it is in at most ``RARE`` articles or the query found fewer than
``FEW`` (a corpus has its own typos; looking up neighbours costs too much to do for every word).
A run of CJK characters that no article holds is corrected one character at a time: where a word of
the segmented field (jieba's words) differs from part of the run in one character, that character
is replaced, and the corrected run that the most articles hold wins (经挤 → 经济, 政俯工作 → 政府工作).
Nothing is corrected inside a field other than title or body (``entity:``, ``category:``), and
operators are kept as typed.

The rules need five answers from an index (:class:`Lexicon`): the embedded index gives them from
Whoosh's word lists (:func:`did_you_mean`), the shared index on a server from its tables
(``gdexplorer.search.server``), so both offer the same corrections.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from gdexplorer.search.analysis import CJK_RANGES, is_cjk
from gdexplorer.search.engine.docsets import segment_doc_sets

# A word of letters (as the exact fields cut words: "don't" is "don" and "t"), or a run of CJK characters.
_WORD = re.compile(rf"[{CJK_RANGES}]+|[^\W\d_{CJK_RANGES}]+")
_FIELD = re.compile(r"([A-Za-z_]\w*):(?:\(|\"|')?$")
_TEXT_FIELDS = {"title", "body"}
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
FEW = 10  # with fewer hits than this, every known word is checked too
RARE = 3  # a known word in at most this many articles is checked
MIN_LETTERS = 4  # shorter words have too many neighbours one letter away to guess from
RARER = 20  # a known word is corrected only when its neighbour is this many times more frequent
FURTHER = 5  # a word one more edit away is offered when it is this many times as frequent as the nearer
_EXACT = ("body_exact", "title_exact")
MAX_CJK_CANDIDATES = 200  # corrected runs counted, each a phrase search
MEMO_SIZE = 10_000  # words' answers kept per searcher


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int
    prefix: bool  # followed by "*": any word beginning with it counts as known


class Lexicon(Protocol):
    """What the corrections are made from: an index's words and how many articles hold them."""

    def frequency(self, word: str) -> int:
        """Articles holding the word in the exact title and body, counted per field and summed."""

    def begins_a_word(self, prefix: str) -> bool:
        """Whether a word of the exact fields begins with ``prefix``."""

    def highest_frequency(self) -> int:
        """No word's :meth:`frequency` is higher than this (the articles, times the exact fields)."""

    def words_sharing_first_letter(self, word: str, maxdist: int) -> Iterable[str]:
        """Words of the exact fields with the first letter of ``word``, whose length differs from
        its length by ``maxdist`` at most (others may come too: the caller measures each one)."""

    def segmented_words(self, sizes: set[int]) -> Iterable[str]:
        """Words of the segmented body field (jieba's) of these lengths in UTF-8 bytes."""

    def holds(self, run: str) -> int:
        """Articles that hold the CJK run as characters in a row in the exact title or body."""


def did_you_mean(searcher: Searcher, text: str, total: int, prefix_last: bool = False) -> str | None:
    """``text`` with its misspelt words corrected, or None when nothing needs correcting.

    ``total``: how many articles the query found; a CJK run is only checked when it found none,
    a known English word only when it found fewer than ``FEW``.
    ``prefix_last``: the last word is being typed and matches as a prefix (search as you type).
    """
    lexicon = _lexicons.get(searcher)
    if lexicon is None:
        lexicon = _lexicons[searcher] = _WhooshLexicon(searcher)
    return correct(lexicon, text, total, prefix_last)


def correct(lexicon: Lexicon, text: str, total: int, prefix_last: bool = False) -> str | None:
    """As :func:`did_you_mean`, from any index's words. A lexicon with a ``memo`` dict keeps each
    word's answer there: typing goes on after a misspelt word, and each keystroke's search asks
    about it again (walking the words that share its first letter: 60 ms on the BBC corpus)."""
    memo: dict[tuple[str, bool, bool], str | None] | None = getattr(lexicon, "memo", None)
    out: list[str] = []
    last = 0
    changed = False
    for word in _query_words(text, prefix_last):
        cjk = is_cjk(word.text[0])
        key = (word.text if cjk else word.text.lower(), word.prefix, total == 0 if cjk else total < FEW)
        if memo is not None and key in memo:
            fix = memo[key]
        else:
            if cjk:
                fix = _cjk_fix(lexicon, word.text) if total == 0 else None
            else:
                fix = _english_fix(lexicon, word, check_known=total < FEW)
            if memo is not None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = fix
        if fix is None:
            continue
        out.append(text[last : word.start])
        out.append(_same_case(word.text, fix))
        last = word.end
        changed = True
    if not changed:
        return None
    out.append(text[last:])
    return "".join(out)


def _query_words(text: str, prefix_last: bool) -> Iterator[_Word]:
    ends = [m.end() for m in _WORD.finditer(text)]
    for m in _WORD.finditer(text):
        before = text[: m.start()]
        field = _FIELD.search(before.rsplit(None, 1)[-1] if before.strip() else "")
        if field and field.group(1).lower() not in _TEXT_FIELDS:
            continue
        if m.group() in _OPERATORS or text[m.end() : m.end() + 1] in ("~", ":"):
            continue  # an operator, a fuzzy word already, or a field name
        after = text[m.end() : m.end() + 1]
        if after.isalnum() or after in ("?", "-", "."):
            continue  # part of a longer token (a wildcard, a number, a dotted or hyphenated word)
        prefix = after == "*" or (prefix_last and m.end() == ends[-1] and not text[m.end() :].strip())
        yield _Word(m.group(), m.start(), m.end(), prefix)


def _english_fix(lexicon: Lexicon, word: _Word, check_known: bool) -> str | None:
    lowered = word.text.lower()
    if len(lowered) < MIN_LETTERS:
        return None
    if word.prefix:
        if lexicon.begins_a_word(lowered):
            return None
        known = 0
    else:
        known = lexicon.frequency(lowered)
        if known and ((known > RARE and not check_known) or len(lowered) < 5):
            return None
        if known and known * RARER > lexicon.highest_frequency():
            # No word can be RARER times more frequent: walking the words that share its first
            # letter (all the "c" words of 100,000 articles for "china", after a search with few
            # hits) would find nothing.
            return None
    # The nearest word wins unless one a further edit away is FURTHER times as frequent: "electricty"
    # is "electricity" (one letter left out), not the commoner "electric" two letters away; and a
    # corpus's own rare typo one letter away ("goverment" for "govermet") does not hide the word meant.
    floor = max(1, known * RARER)
    best, best_df = None, 0
    for _, near in sorted(_neighbours(lexicon, lowered, 1 if len(lowered) < 8 else 2).items()):
        counted = [(-df, c) for c in near if (df := lexicon.frequency(c)) >= floor]
        if not counted:
            continue
        fewer, candidate = min(counted)  # the most frequent; ties: the first alphabetically
        if best is None or -fewer >= best_df * FURTHER:
            best, best_df = candidate, -fewer
    return best


def _first(words: Iterator[object]) -> Iterator[object]:
    for w in words:
        yield w
        return


def _neighbours(lexicon: Lexicon, word: str, maxdist: int) -> dict[int, set[str]]:
    """Index words within ``maxdist`` edits of ``word`` sharing its first letter, by their distance.

    The distance is Whoosh's (``whoosh.support.levenshtein.distance``: optimal string alignment, a
    swap of two letters one edit), measured by RapidFuzz's C++: the walk over a letter's words of
    100,000 articles spent 190 ms in Whoosh's Python measure, most of a misspelt query's time."""
    from rapidfuzz.distance import OSA  # here: 11 ms of a fresh `gdexplorer search` that corrects nothing

    found: dict[int, set[str]] = {}
    seen: set[str] = {word}
    for candidate in lexicon.words_sharing_first_letter(word, maxdist):
        if candidate in seen or abs(len(candidate) - len(word)) > maxdist:
            continue
        seen.add(candidate)
        distance = OSA.distance(candidate, word, score_cutoff=maxdist)
        if distance <= maxdist:
            found.setdefault(distance, set()).add(candidate)
    return found


def _cjk_fix(lexicon: Lexicon, run: str) -> str | None:
    """The run with one character replaced so that it is found, in the most articles (see the module)."""
    if len(run) < 2 or lexicon.holds(run):
        return None
    sizes = {len(run[i:j].encode("utf-8")) for i in range(len(run)) for j in range(i + 2, len(run) + 1)}
    candidates: set[str] = set()
    for word in lexicon.segmented_words(sizes):
        for at in range(len(run) - len(word) + 1):
            part = run[at : at + len(word)]
            diff = [i for i, (a, b) in enumerate(zip(part, word, strict=True)) if a != b]
            if len(diff) == 1 and is_cjk(word[diff[0]]):
                candidates.add(run[: at + diff[0]] + word[diff[0]] + run[at + diff[0] + 1 :])
    best, best_n = None, 0
    for candidate in sorted(candidates)[:MAX_CJK_CANDIDATES]:
        n = lexicon.holds(candidate)
        if n > best_n:
            best, best_n = candidate, n
    return best


class _WhooshLexicon:
    """The embedded index's answers, from its segments' word lists and posting lists; one per
    searcher, which sees one state of the index (its answers hold as long as it lives)."""

    def __init__(self, searcher: Searcher) -> None:
        # Weakly: the lexicon is kept in a WeakKeyDictionary keyed by this searcher.
        self._searcher = weakref.ref(searcher)
        self.reader = searcher.reader()
        self.memo: dict[tuple[str, bool, bool], str | None] = {}

    def frequency(self, word: str) -> int:
        key = word.encode("utf-8")
        return sum(self.reader.doc_frequency(f, key) for f in _EXACT if f in self.reader.schema)

    def highest_frequency(self) -> int:
        return self.reader.doc_count_all() * sum(1 for f in _EXACT if f in self.reader.schema)

    def begins_a_word(self, prefix: str) -> bool:
        return any(True for f in _EXACT if f in self.reader.schema
                   for _ in _first(self.reader.expand_prefix(f, prefix)))

    def words_sharing_first_letter(self, word: str, maxdist: int) -> Iterator[str]:
        # Segment by segment: each segment's sorted word list walked once, as
        # ``expansion._fuzzy_words`` does (the merged view is a heap of cursors).
        for sub, _ in self.reader.leaf_readers():
            for field in _EXACT:
                if field in sub.schema:
                    for raw in sub.expand_prefix(field, word[0]):
                        yield raw.decode("utf-8") if isinstance(raw, bytes) else raw

    def segmented_words(self, sizes: set[int]) -> Iterator[str]:
        if "body" not in self.reader.schema:
            return
        for sub, _ in self.reader.leaf_readers():
            for raw in sub.lexicon("body"):
                if len(raw) in sizes:
                    yield raw.decode("utf-8")

    def holds(self, run: str) -> int:
        chars = list(run)
        query = wq.Or([wq.Phrase(f, chars) if len(chars) > 1 else wq.Term(f, run) for f in _EXACT])
        searcher = self._searcher()
        if searcher is None:  # closed and dropped since: nothing to count in
            return 0
        return sum(int(np.count_nonzero(docs)) for docs, _ in segment_doc_sets(searcher, query))


_lexicons: weakref.WeakKeyDictionary[Searcher, _WhooshLexicon] = weakref.WeakKeyDictionary()


def _same_case(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
