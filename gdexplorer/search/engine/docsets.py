"""Which documents a query matches, as one boolean per document of a segment, read a posting block at a time.

Whoosh counts matches by walking its matcher tree one document at a time in Python: for a common
word at 100,000 articles that alone costs as much as SQLite's whole query. A posting block holds
up to 1,024 document numbers in one array, so reading blocks into a numpy mask and combining masks
with ``&``, ``|`` and ``~`` gives the same exact total many times faster (a Python set of a
common word's 50,000 documents cost more to build than the whole ranking). Query kinds without a
block-level reading here (spans, phrases with slop) fall back to Whoosh's own matcher for that
sub-query.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from gdexplorer.search.engine import adapter
from gdexplorer.search.engine.codec import PackedValues
from gdexplorer.search.engine.positions import FastPositions

DocSet = np.ndarray  # one bool per document of a segment, deleted ones False; never mutated once made
Memo = dict[int, DocSet]  # id(sub-query) -> its documents in one segment

# Postings (or word positions) kept per document of a segment: at most ~77 MB at 100,000 articles.
# The positions of "the" are about 34 a document; a list may take half the budget, so that the
# commonest words' positions stay decoded between phrase searches (they took 100 ms each time).
POSTING_CACHE_PER_DOC = 96
POSTING_CACHE_MIN = 200_000


def count_matches(searcher: Searcher, query: wq.Query) -> int:
    """How many live documents ``query`` matches (exact)."""
    return sum(int(np.count_nonzero(docs)) for docs, _ in segment_doc_sets(searcher, query))


def matching_docs(searcher: Searcher, query: wq.Query) -> set[int]:
    """Index-wide document numbers that ``query`` matches."""
    found: set[int] = set()
    for docs, offset in segment_doc_sets(searcher, query):
        found.update((np.flatnonzero(docs) + offset).tolist())
    return found


def forget_postings(searcher: Searcher) -> None:
    """Drop the posting lists kept from earlier queries (benchmarks time queries without them too)."""
    for sub, _ in searcher.leaf_searchers():
        sub.reader().__dict__.pop("_gdx_postings", None)


def segment_doc_sets(searcher: Searcher, query: wq.Query) -> list[tuple[DocSet, int]]:
    """Per segment: the matching segment-local document numbers and the segment's offset."""
    out = []
    for sub, offset in searcher.leaf_searchers():
        out.append((segment_docs(sub, query), offset))
    return out


def segment_docs(searcher: Searcher, q: wq.Query, memo: Memo | None = None) -> DocSet:
    """Which documents of one leaf searcher ``q`` matches, as a mask over its documents.

    ``memo`` (one per segment, kept by the caller while the query lives) saves computing a
    sub-query twice, e.g. once for the total and once more for ranking. Do not mutate the result.
    """
    if memo is not None and id(q) in memo:
        return memo[id(q)]
    reader = searcher.reader()
    handler = _HANDLERS.get(type(q))
    span = getattr(q, "column_range", None)  # query.DateSpan: a date range, read from the column
    if span is not None and (docs := _in_column_range(searcher, q.field(), span)) is not None:
        pass
    elif handler is not None:
        docs = handler(q, searcher, memo)
    elif isinstance(q, wq.MultiTerm) and not isinstance(q, wq.NumericRange):
        # ChosenTerms (query.py) is a MultiTerm over a fixed word list; other MultiTerms expand.
        docs = _union_of_words(reader, q.field(), adapter.expanded_words(q, reader))
    else:
        docs = _live(reader, _mask(reader, list(q.docs(searcher))))
    if memo is not None:
        memo[id(q)] = docs
    return docs


def column_array(reader: Any, name: str) -> np.ndarray | None:
    """Every document's value of an integer sortable column as one array, read once per segment
    reader (sorting or filtering by date would otherwise read the column once per document).
    None if the column holds anything but integers."""
    cache = reader.__dict__.setdefault("_gdx_columns", {})
    if name not in cache:
        found = None
        try:
            # A segment where no document has a value has no column file: Whoosh gives defaults.
            values = list(reader.column_reader(name, translate=False))
        except Exception:  # not a sortable field
            values = []
        if values and all(type(v) is int for v in values):
            low, high = min(values), max(values)
            # Whoosh marks a missing date with the largest unsigned 64-bit number.
            if low >= 0 and high < 1 << 64:
                found = np.array(values, dtype=np.uint64)
            elif low >= -(1 << 63) and high < 1 << 63:
                found = np.array(values, dtype=np.int64)
        cache[name] = found
    return cache[name]


def _in_column_range(searcher: Searcher, field: str, span: tuple[int | None, int | None]) -> DocSet | None:
    """Documents whose column value lies in ``span`` (inclusive; None is open), or None without a column.

    What a date range's trie terms match, without listing them: at 100,000 articles a range over
    three years is thousands of terms to look up in every segment, a column is one comparison.
    """
    reader = searcher.reader()
    column = column_array(reader, field)
    if column is None:
        return None
    low, high = span
    info = np.iinfo(column.dtype)
    inside = column != getattr(searcher.schema[field], "default", None)  # no value: no terms either
    if low is not None:
        inside &= column >= max(low, int(info.min))
    if high is not None:
        inside &= column <= min(high, int(info.max))
    if (low is not None and low > info.max) or (high is not None and high < info.min):
        return _none(reader)
    return _live(reader, inside)


def _mask(reader: object, ids: Any) -> DocSet:
    """A mask with ``ids`` (a sequence or an array of segment-local numbers) set."""
    docs = np.zeros(reader.doc_count_all(), dtype=np.bool_)  # type: ignore[attr-defined]
    if len(ids):
        docs[np.frombuffer(ids, dtype=np.intc) if isinstance(ids, array) else ids] = True
    return docs


def _none(reader: object) -> DocSet:
    return np.zeros(reader.doc_count_all(), dtype=bool)  # type: ignore[attr-defined]


def _live_mask(reader: Any) -> DocSet | None:
    """False for the segment's deleted documents (None when there are none), made once per reader."""
    if not reader.has_deletions():
        return None
    cache = reader.__dict__
    if "_gdx_live" not in cache:
        live = np.ones(reader.doc_count_all(), dtype=bool)
        deleted = list(reader.deleted_docs_set)
        if deleted:
            live[deleted] = False
        cache["_gdx_live"] = live
    return cache["_gdx_live"]


def _live(reader: object, docs: DocSet) -> DocSet:
    live = _live_mask(reader)
    return docs & live if live is not None else docs


def _posting_ids(reader: object, field: str, word: bytes | str) -> array[int]:
    """A term's document numbers, deleted ones included."""
    return posting_arrays(reader, field, word)[0]


class _PostingCache:
    """Recently read posting lists of one segment reader, bounded by their total length.

    Typing "china e", "china ec", "china eco" reads the postings of "china" again each time; they
    are kept as compact arrays (8 bytes a posting) so the next keystroke only reads the new word.
    Word positions (for phrases) are kept too: decoded arrays, one posting's worth per occurrence.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.lists: OrderedDict[tuple[str, str, bytes | str], tuple[Any, int]] = OrderedDict()

    def get(self, key: tuple[str, str, bytes | str]) -> Any:
        found = self.lists.get(key)
        if found is None:
            return None
        self.lists.move_to_end(key)
        return found[0]

    def put(self, key: tuple[str, str, bytes | str], value: Any, size: int) -> None:
        if size > self.budget // 2:
            return  # one huge list would flush everything else
        self.lists[key] = (value, size)
        self.size += size
        while self.size > self.budget and self.lists:
            _, (_, dropped) = self.lists.popitem(last=False)
            self.size -= dropped


def _cache_of(reader: object) -> _PostingCache:
    cache = reader.__dict__.get("_gdx_postings")
    if cache is None:
        budget = max(POSTING_CACHE_MIN, POSTING_CACHE_PER_DOC * reader.doc_count_all())  # type: ignore[attr-defined]
        cache = reader.__dict__["_gdx_postings"] = _PostingCache(budget)
    return cache


def posting_arrays(reader: object, field: str, word: bytes | str) -> tuple[array[int], array[float]]:
    """A term's document numbers and weights (deleted documents included), a block at a time."""
    cache = _cache_of(reader)
    key = ("postings", field, word)
    found = cache.get(key)
    if found is None:
        found = _read_postings(reader, field, word)
        cache.put(key, found, len(found[0]))
    return found


def _read_postings(reader: object, field: str, word: bytes | str) -> tuple[array[int], array[float]]:
    ids: array[int] = array("i")
    weights: array[float] = array("f")
    for block_ids, block_weights in adapter.posting_blocks(reader, field, word, values=False):
        if isinstance(block_ids, np.ndarray):  # our codec: the whole list, one copy each
            ids.frombytes(block_ids.astype(np.intc, copy=False).tobytes())
            weights.frombytes(np.asarray(block_weights, dtype=np.float32).tobytes())
        else:
            ids.extend(block_ids)
            weights.extend(block_weights)
    return ids, weights


def _union_of_words(reader: object, field: str, words: Iterable[bytes | str]) -> DocSet:
    docs = _none(reader)
    for word in words:
        ids = _posting_ids(reader, field, word)
        if len(ids):
            docs[np.frombuffer(ids, dtype=np.intc)] = True
    return _live(reader, docs)


def _term(q: wq.Term, searcher: Searcher, memo: Memo) -> DocSet:
    reader = searcher.reader()
    return _live(reader, _mask(reader, _posting_ids(reader, q.fieldname, q.text)))


def _union(q: wq.CompoundQuery, searcher: Searcher, memo: Memo) -> DocSet:
    if getattr(q, "minmatch", 0):
        return _live(searcher.reader(), _mask(searcher.reader(), list(q.docs(searcher))))
    subs = q.subqueries
    if len(subs) > 1 and all(type(sub) is wq.Term for sub in subs) and len({sub.fieldname for sub in subs}) == 1:
        # Many words of one field (a workbench tag's articles: an OR of paths): one mask, not one each.
        return _union_of_words(searcher.reader(), subs[0].fieldname, [sub.text for sub in subs])
    docs = _none(searcher.reader())
    for sub in subs:
        docs = docs | segment_docs(searcher, sub, memo)
    return docs


def _intersection(q: wq.CompoundQuery, searcher: Searcher, memo: Memo) -> DocSet:
    subs = list(q.subqueries)
    if not subs:
        return _none(searcher.reader())
    # Negated clauses inside an And (Whoosh keeps "a NOT b" as And([a, Not(b)])) subtract.
    positive = [s for s in subs if not isinstance(s, wq.Not)]
    negative = [s.query for s in subs if isinstance(s, wq.Not)]
    docs = _every(searcher)
    for sub in positive:
        docs = docs & segment_docs(searcher, sub, memo)
    for neg in negative:
        docs = docs & ~segment_docs(searcher, neg, memo)
    return docs


def _phrase(q: wq.Phrase, searcher: Searcher, memo: Memo) -> DocSet:
    """Documents with the words at consecutive positions, checked from the posting blocks' positions."""
    reader = searcher.reader()
    field = q.fieldname
    words = list(q.words)
    fmt = searcher.schema[field].format if field in searcher.schema else None
    # Only our packed positions are read here; any other format goes through Whoosh's matcher.
    if q.slop != 1 or len(words) < 2 or not isinstance(fmt, FastPositions):
        return _live(reader, _mask(reader, list(q.docs(searcher))))
    candidates = _live_mask(reader)
    for word in set(words):
        found = _mask(reader, _posting_ids(reader, field, word))
        candidates = found if candidates is None else candidates & found
    assert candidates is not None
    if not candidates.any():
        return candidates
    return _packed_phrase(reader, field, words, candidates)


def _packed_phrase(reader: object, field: str, words: list[str | bytes], candidates: DocSet) -> DocSet:
    """The phrase check as array operations over each word's occurrences as sorted keys
    (document << 32 | position).

    The rarest word's occurrences, less its place in the phrase, are where the phrase could start;
    each other word (rarer first) keeps the starts where it sits at its own place: a binary search
    of those few keys in its array. Nothing is done per occurrence of a common word, so "the who"
    at 100,000 articles looks up the 111,000 places of "who" among the 3.4 million of "the" rather
    than filtering and intersecting all of them.
    """
    keys = [position_keys(reader, field, word) for word in words]
    order = sorted(range(len(words)), key=lambda i: len(keys[i]))
    rarest = order[0]
    found = keys[rarest]
    found = found[(found & 0xFFFFFFFF) >= rarest]  # the phrase cannot start before the text does
    starts = found - rarest
    starts = starts[candidates[starts >> 32]]
    for i in order[1:]:
        other = keys[i]
        if not len(starts) or not len(other):
            return _none(reader)
        want = starts + i
        at = np.searchsorted(other, want)
        starts = starts[other[np.minimum(at, len(other) - 1)] == want]
    if not len(starts):
        return _none(reader)
    return _mask(reader, starts >> 32)


def position_keys(reader: object, field: str, word: str | bytes) -> np.ndarray:
    """Every occurrence of ``word`` in a segment as a sorted int64 key, document << 32 | position,
    from packed position values (:mod:`gdexplorer.search.engine.positions`); deleted documents included."""
    cache = _cache_of(reader)
    key = ("positions", field, word)
    found = cache.get(key)
    if found is None:
        ids, values = _read_values(reader, field, word)
        docs, positions = _unpack_packed(ids, values) if isinstance(values, PackedValues) else _unpack_all(ids, values)
        found = (docs.astype(np.int64) << 32) | positions.astype(np.int64)
        cache.put(key, found, len(found))  # 8 bytes an occurrence, as a posting
    return found


def _unpack_all(ids: np.ndarray, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Every occurrence as (document, position), in posting order: documents ascending, then
    positions, which the phrase check relies on."""
    if not len(ids):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint32)
    counts = np.frombuffer(b"".join([v[:4] for v in values]), dtype=">u4").astype(np.int64)
    widths = (np.fromiter(map(len, values), dtype=np.int64, count=len(values)) - 4) // np.maximum(counts, 1)
    all_docs = np.repeat(np.asarray(ids, dtype=np.int32), counts)
    all_positions = np.empty(len(all_docs), dtype=np.uint32)
    starts_all = np.cumsum(counts) - counts  # where each posting's occurrences go
    for width, dtype in ((1, "u1"), (2, "<u2"), (4, "<u4")):
        picked = np.flatnonzero(widths == width)
        if not len(picked):
            continue
        whole = len(picked) == len(values)
        chosen = values if whole else [values[k] for k in picked.tolist()]
        gaps = np.frombuffer(b"".join([v[4:] for v in chosen]), dtype=dtype).astype(np.int64)
        per = counts[picked]
        # Positions are running sums of the gaps, restarting at each posting.
        sums = np.cumsum(gaps)
        starts = np.cumsum(per) - per
        positions = (sums - np.repeat(sums[starts] - gaps[starts], per)).astype(np.uint32)
        if whole:
            return all_docs, positions
        # Back in posting order among the postings of the other widths.
        all_positions[np.repeat(starts_all[picked] - starts, per) + np.arange(len(gaps))] = positions
    return all_docs, all_positions


def _read_values(reader: object, field: str, word: str | bytes) -> tuple[Any, list[bytes] | PackedValues]:
    ids: list[Any] = []
    found: list[bytes] = []
    for block_ids, block_values in adapter.posting_blocks(reader, field, word, values=True):
        if isinstance(block_values, PackedValues):  # our codec: the whole list at once
            return np.asarray(block_ids, dtype=np.int32), block_values
        ids.append(np.asarray(block_ids, dtype=np.int32))
        found.extend(block_values)
    return (np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)), found


def _unpack_packed(ids: np.ndarray, values: PackedValues) -> tuple[np.ndarray, np.ndarray]:
    """As ``_unpack_all``, from the values laid end to end: the counts and gaps are gathered from
    the bytes by index arrays, with no Python step per posting."""
    if not len(ids):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint32)
    data = np.frombuffer(values.blob, dtype=np.uint8)
    lengths = values.lengths.astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    heads = data[starts[:, None] + np.arange(4)].astype(np.int64)  # the count, big-endian
    counts = (heads[:, 0] << 24) | (heads[:, 1] << 16) | (heads[:, 2] << 8) | heads[:, 3]
    widths = (lengths - 4) // np.maximum(counts, 1)
    all_docs = np.repeat(np.asarray(ids, dtype=np.int32), counts)
    all_positions = np.empty(len(all_docs), dtype=np.uint32)
    starts_all = np.cumsum(counts) - counts
    for width, dtype in ((1, "u1"), (2, "<u2"), (4, "<u4")):
        picked = np.flatnonzero((widths == width) & (counts > 0))
        if not len(picked):
            continue
        per = counts[picked]
        size = per * width
        offsets = np.cumsum(size) - size
        gather = np.repeat(starts[picked] + 4 - offsets, size) + np.arange(int(size.sum()))
        gaps = data[gather].view(dtype).astype(np.int64)
        sums = np.cumsum(gaps)
        first = np.cumsum(per) - per
        positions = (sums - np.repeat(sums[first] - gaps[first], per)).astype(np.uint32)
        all_positions[np.repeat(starts_all[picked] - first, per) + np.arange(len(gaps))] = positions
    return all_docs, all_positions


def _every(searcher: Searcher, memo: Memo | None = None) -> DocSet:
    reader = searcher.reader()
    live = _live_mask(reader)
    return live if live is not None else np.ones(reader.doc_count_all(), dtype=bool)


def _not(q: wq.Not, searcher: Searcher, memo: Memo) -> DocSet:
    return _every(searcher) & ~segment_docs(searcher, q.query, memo)


def _and_not(q: wq.AndNot, searcher: Searcher, memo: Memo) -> DocSet:
    return segment_docs(searcher, q.a, memo) & ~segment_docs(searcher, q.b, memo)


def _first(q: wq.BinaryQuery, searcher: Searcher, memo: Memo) -> DocSet:
    return segment_docs(searcher, q.a, memo)


def _both(q: wq.BinaryQuery, searcher: Searcher, memo: Memo) -> DocSet:
    return segment_docs(searcher, q.a, memo) & segment_docs(searcher, q.b, memo)


def _wrapped(q: wq.WrappingQuery, searcher: Searcher, memo: Memo) -> DocSet:
    return segment_docs(searcher, q.child, memo)


def _nothing(q: wq.Query, searcher: Searcher, memo: Memo) -> DocSet:
    return _none(searcher.reader())


_HANDLERS: dict[type, Callable[..., DocSet]] = {
    wq.Term: _term,
    wq.Phrase: _phrase,
    wq.Or: _union,
    wq.DisjunctionMax: _union,
    wq.And: _intersection,
    wq.Not: _not,
    wq.AndNot: _and_not,
    wq.AndMaybe: _first,
    wq.Require: _both,
    wq.ConstantScoreQuery: _wrapped,
    wq.Every: lambda q, s, memo: (_every(s) if q.fieldname in (None, "", "*")
                                  else _live(s.reader(), _mask(s.reader(), list(q.docs(s))))),
    type(wq.NullQuery): _nothing,
}
