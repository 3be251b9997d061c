"""The top hits of a query, ranked with Whoosh's BM25F over whole posting blocks.

Whoosh ranks by driving a tree of matchers one document at a time, each step several Python calls
(``is_active``, ``id``, ``score``, a field-length look-up through a column reader). For a common word
at 100,000 articles that is most of a second. The same BM25F sum can be computed from the posting
blocks directly: one array of document numbers and one of term weights per 128 postings, field
lengths read once per segment as one byte string, the documents that match at all taken from
:mod:`gdexplorer.docsets`. This is Whoosh's own index and scoring model (same idf, average length,
K1 and B, title weights carrying the field boost), just evaluated a block at a time.

Differences from Whoosh, on purpose: a phrase scores as the sum of its words in the documents that
contain the phrase (Whoosh's span scoring costs a position walk per document); a NOT clause adds
nothing (Whoosh adds 1 to every hit of ``a NOT b``, which changes no order); ties keep index order.
Query shapes not listed in :func:`_scoring_leaves` return ``None``, and the caller falls back to
Whoosh's searcher.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from gdexplorer import docsets

K1 = 1.2  # Whoosh's BM25F defaults, which the index has always been searched with
B = 0.75
_LENGTHS = [1.0] + [float(byte_to_length(i)) for i in range(1, 256)]  # byte 0: Whoosh's default of 1


@dataclass(frozen=True)
class Ranked:
    total: int
    hits: list[tuple[int, float]]  # (index-wide document number, score), best first
    matches: list[docsets.DocSet] = field(default_factory=list)  # per leaf searcher: what matched


@dataclass(frozen=True)
class _Leaf:
    kind: str  # "term": BM25F of one word; "const": a constant for every document a sub-query matches
    field: str = ""
    text: str | bytes = ""
    boost: float = 1.0
    query: wq.Query | None = None


def rank(searcher: Searcher, query: wq.Query, limit: int, sortedby: str | None = None,
         reverse: bool = False) -> Ranked | None:
    """The first ``limit`` hits and the exact total, or ``None`` for a query shape this cannot rank."""
    leaves: list[_Leaf] = []
    if not _scoring_leaves(query, 1.0, leaves):
        return None
    schema = searcher.schema
    doc_count = searcher.doc_count_all()
    if not doc_count:
        return Ranked(0, [])
    stats: dict[tuple[str, str | bytes], tuple[float, list[float] | None]] = {}
    for leaf in leaves:
        if leaf.kind != "term" or (leaf.field, leaf.text) in stats:
            continue
        if leaf.field not in schema or not schema[leaf.field].scorable:
            stats[(leaf.field, leaf.text)] = (1.0, None)  # Whoosh scores these by weight alone
            continue
        df = searcher.doc_frequency(leaf.field, leaf.text)
        idf = _idf(doc_count, df)
        avg = searcher.avg_field_length(leaf.field) or 1
        denominators = [K1 * ((1 - B) + B * length / avg) for length in _LENGTHS]
        stats[(leaf.field, leaf.text)] = (idf * (K1 + 1), denominators)

    total = 0
    matches: list[docsets.DocSet] = []
    scored: list[tuple[int, float]] = []
    unscored: list[int] = []  # matching documents no scoring clause touches (NOT-only, filters)
    date_columns: list[tuple[Any, int]] = []
    for sub, offset in searcher.leaf_searchers():
        memo: docsets.Memo = {}
        match = docsets.segment_docs(sub, query, memo)
        matches.append(match)
        if not match:
            continue
        total += len(match)
        reader = sub.reader()
        acc: dict[int, float] = {}
        for leaf in leaves:
            if leaf.kind == "const":
                assert leaf.query is not None
                for d in docsets.segment_docs(sub, leaf.query, memo) & match:
                    acc[d] = acc.get(d, 0.0) + leaf.boost
                continue
            factor, denominators = stats[(leaf.field, leaf.text)]
            ids, weights = docsets.posting_arrays(reader, leaf.field, leaf.text)
            if not ids:
                continue
            get = acc.get
            c = factor * leaf.boost
            if denominators is None:
                for d, w in zip(ids, weights, strict=True):
                    if d in match:
                        acc[d] = get(d, 0.0) + c * w
                continue
            lengths = _field_lengths(reader, leaf.field)
            for d, w in zip(ids, weights, strict=True):
                if d in match:
                    acc[d] = get(d, 0.0) + c * w / (w + denominators[lengths[d]])
        if sortedby:
            date_columns.append((_column_values(reader, sortedby), offset))
        if offset:
            scored.extend((d + offset, s) for d, s in acc.items())
        else:
            scored.extend(acc.items())
        if len(acc) < len(match):
            unscored.extend(d + offset for d in sorted(match - acc.keys()))

    if sortedby:
        return Ranked(total, _sorted_by_column(scored, unscored, date_columns, limit, reverse), matches)
    top = heapq.nlargest(limit, scored, key=itemgetter(1))
    if len(top) < limit:
        top.extend((d, 0.0) for d in unscored[: limit - len(top)])
    return Ranked(total, top, matches)


def _idf(doc_count: int, df: int) -> float:
    return math.log(doc_count / (df + 1)) + 1


def _sorted_by_column(scored: list[tuple[int, float]], unscored: list[int], columns: list[tuple[Any, int]],
                      limit: int, reverse: bool) -> list[tuple[int, float]]:
    scores = dict(scored)
    scores.update((d, 0.0) for d in unscored)
    # Segments are in document-number order, so each document's column is the last one at or below it.
    bounds = sorted(columns, key=itemgetter(1))

    def key(docnum: int) -> Any:
        for column, offset in reversed(bounds):
            if docnum >= offset:
                return column[docnum - offset]
        return 0

    pick = heapq.nlargest if reverse else heapq.nsmallest
    # Ties in date keep index order either way, as Whoosh's sorted search does.
    ordered = pick(limit, scores, key=lambda d: (key(d), -d if reverse else d))
    return [(d, scores[d]) for d in ordered]


def _column_values(reader: Any, name: str) -> list[Any]:
    """Every document's value of a sortable column, read once per segment reader: sorting the hits
    of a common word by date would otherwise read the column once per hit."""
    cache = reader.__dict__.setdefault("_gdx_columns", {})
    found = cache.get(name)
    if found is None:
        found = cache[name] = list(reader.column_reader(name, translate=False))
    return found


def _field_lengths(reader: Any, field: str) -> bytes:
    """One byte per document (Whoosh's length encoding), read once per segment reader."""
    cache = reader.__dict__.setdefault("_gdx_lengths", {})
    found = cache.get(field)
    if found is None:
        found = docsets.length_bytes(reader, field)
        cache[field] = found
    return found


def _scoring_leaves(q: wq.Query, boost: float, out: list[_Leaf]) -> bool:
    """Collect what adds to a document's score; False if the query has a shape not handled here."""
    boost *= getattr(q, "boost", 1.0)
    if isinstance(q, wq.Term):
        out.append(_Leaf("term", q.fieldname, q.text, boost))
    elif isinstance(q, wq.Phrase):
        out.extend(_Leaf("term", q.fieldname, w, boost) for w in q.words)
    elif isinstance(q, wq.MultiTerm):
        # Prefix, fuzzy and date expansions score a constant per document, as Whoosh's do.
        out.append(_Leaf("const", boost=boost, query=q))
    elif isinstance(q, (wq.Or, wq.And, wq.AndMaybe, wq.DisjunctionMax)):
        return all(_scoring_leaves(sub, boost, out) for sub in q.subqueries)
    elif isinstance(q, (wq.AndNot, wq.Require)):
        return _scoring_leaves(q.a, boost, out)
    elif isinstance(q, wq.ConstantScoreQuery):
        if q.score:
            out.append(_Leaf("const", boost=q.score * boost, query=q.child))
    elif isinstance(q, (wq.Not, wq.Every)) or q is wq.NullQuery:
        pass
    else:
        return False
    return True
