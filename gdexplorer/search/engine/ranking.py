"""The top hits of a query, ranked with Whoosh's BM25F over whole posting blocks.

Whoosh ranks by driving a tree of matchers one document at a time, each step several Python calls
(``is_active``, ``id``, ``score``, a field-length look-up through a column reader). For a common word
at 100,000 articles that is most of a second. The same BM25F sum can be computed from the posting
lists directly: the documents and term weights of a word, read a block at a time by
:mod:`gdexplorer.search.engine.docsets`, scored as whole numpy arrays against the segment's field lengths (one
byte per document), and the documents that match at all taken from :mod:`gdexplorer.search.engine.docsets`.
This is Whoosh's own index and scoring model (same idf, average length, K1 and B, title weights
carrying the field boost, the same double-precision operations in the same order), just evaluated
a list at a time: numpy does in one call what a Python loop did 50,000 times for a common word.

Differences from Whoosh, on purpose: a phrase scores as the sum of its words in the documents that
contain the phrase (Whoosh's span scoring costs a position walk per document); a NOT clause adds
nothing (Whoosh adds 1 to every hit of ``a NOT b``, which changes no order); ties keep index order.
Query shapes not listed in :func:`_scoring_leaves` return ``None``, and the caller falls back to
Whoosh's searcher.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import sorting
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from gdexplorer.search.engine import adapter, collapsing, docsets

K1 = 1.2  # Whoosh's BM25F defaults, which the index has always been searched with
B = 0.75
# byte 0: Whoosh's default of 1
_LENGTHS = np.array([1.0] + [float(byte_to_length(i)) for i in range(1, 256)])


@dataclass(frozen=True)
class Ranked:
    total: int
    hits: list[tuple[int, float]]  # (index-wide document number, score), best first
    matches: list[docsets.DocSet] = field(default_factory=list)  # per leaf searcher: what matched
    # Collapsed by text: each hit kept that has copies among the matches -> their numbers.
    copies: dict[int, tuple[int, ...]] = field(default_factory=dict)
    collapsed: int = 0  # matching documents left out as copies of a kept one (not in ``total``)


@dataclass(frozen=True)
class _Leaf:
    kind: str  # "term": BM25F of one word; "const": a constant for every document a sub-query matches
    field: str = ""
    text: str | bytes = ""
    boost: float = 1.0
    query: wq.Query | None = None


def rank(searcher: Searcher, query: wq.Query, limit: int, sortedby: str | None = None,
         reverse: bool = False, collapse: str | None = None) -> Ranked | None:
    """The first ``limit`` hits and the exact total, or ``None`` for a query shape this cannot rank.

    ``collapse``: the column of text digests; documents sharing a text are one hit (the first in
    the order), the total counts texts, and ``copies`` names the others.
    """
    leaves: list[_Leaf] = []
    if not _scoring_leaves(query, 1.0, leaves):
        return None
    schema = searcher.schema
    doc_count = searcher.doc_count_all()
    if not doc_count:
        return Ranked(0, [])
    stats: dict[tuple[str, str | bytes], tuple[float, np.ndarray | None]] = {}
    for leaf in leaves:
        if leaf.kind != "term" or (leaf.field, leaf.text) in stats:
            continue
        if leaf.field not in schema or not schema[leaf.field].scorable:
            stats[(leaf.field, leaf.text)] = (1.0, None)  # Whoosh scores these by weight alone
            continue
        df = searcher.doc_frequency(leaf.field, leaf.text)
        idf = _idf(doc_count, df)
        avg = searcher.avg_field_length(leaf.field) or 1
        stats[(leaf.field, leaf.text)] = (idf * (K1 + 1), K1 * ((1 - B) + B * _LENGTHS / avg))

    total = 0
    subs = searcher.leaf_searchers()
    memos: list[docsets.Memo] = [{} for _ in subs]
    matches = [docsets.segment_docs(sub, query, memo) for (sub, _), memo in zip(subs, memos, strict=True)]
    keys = collapsing.text_keys(searcher, collapse) if collapse else None
    copies = collapsing.copies_among(matches, [offset for _, offset in subs], keys) if keys is not None else None
    page = limit
    if copies is not None:
        limit += copies.hidden  # enough hits that ``page`` distinct texts remain after collapsing
    best: list[tuple[float, int]] = []  # (score, index-wide number): each segment's own top hits
    unscored: list[int] = []  # matching documents no scoring clause touches (NOT-only, filters)
    by_column: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (documents, scores, column values)
    for (sub, offset), memo, match in zip(subs, memos, matches, strict=True):
        count = int(np.count_nonzero(match))
        if not count:
            continue
        total += count
        reader = sub.reader()
        size = reader.doc_count_all()
        acc = np.zeros(size)
        touched = np.zeros(size, dtype=bool)
        for leaf in leaves:
            if leaf.kind == "const":
                assert leaf.query is not None
                where = np.flatnonzero(docsets.segment_docs(sub, leaf.query, memo) & match)
                if len(where):
                    acc[where] += leaf.boost
                    touched[where] = True
                continue
            factor, denominators = stats[(leaf.field, leaf.text)]
            ids, weights = docsets.posting_arrays(reader, leaf.field, leaf.text)
            if not ids:
                continue
            # Whole posting lists at once, documents outside the match included: masking first
            # would cost more than the arithmetic it saves. A term's documents are distinct, so
            # the fancy-indexed += adds each posting once.
            where = np.frombuffer(ids, dtype=np.intc)
            w = np.frombuffer(weights, dtype=np.float32).astype(np.float64)
            c = factor * leaf.boost
            if denominators is None:
                acc[where] += c * w
            else:
                lengths = _field_lengths(reader, leaf.field)
                # The same operations in the same order as Whoosh's BM25F, in doubles.
                acc[where] += c * w / (w + denominators[lengths[where]])
            touched[where] = True
        docs_in = np.flatnonzero(match)  # ascending: ties keep index order, as in Whoosh
        scored = docs_in[touched[docs_in]]
        scores = acc[scored]
        if sortedby:
            column = docsets.column_array(reader, sortedby)
            if column is None:
                return None
            by_column.append((docs_in + offset, acc[docs_in], column[docs_in]))
            continue
        if len(scored) > limit:
            keep = _top_positions(scores, limit)
            scored, scores = scored[keep], scores[keep]
        best.extend(zip(scores.tolist(), (scored + offset).tolist(), strict=True))
        if len(unscored) < limit and len(scored) < len(docs_in):
            unscored.extend((docs_in[~touched[docs_in]][:limit] + offset).tolist())

    if sortedby:
        missing = getattr(schema[sortedby], "default", None) if sortedby in schema else None
        top = _sorted_by_column(by_column, limit, reverse, missing)
    else:
        best.sort(key=lambda hit: (-hit[0], hit[1]))
        top = [(d, s) for s, d in best[:limit]]
        if len(top) < limit:
            top.extend((d, 0.0) for d in unscored[: limit - len(top)])
    if keys is None:
        return Ranked(total, top, matches)
    assert copies is not None
    kept, named = collapsing.collapse(top, page, keys, copies)
    return Ranked(total - copies.hidden, kept, matches, named, copies.hidden)


def _top_positions(scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` best scores, the earliest first among equal ones at the cut."""
    cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
    above = np.flatnonzero(scores > cut)
    at = np.flatnonzero(scores == cut)[: limit - len(above)]
    return np.sort(np.concatenate((above, at)))


def _idf(doc_count: int, df: int) -> float:
    return math.log(doc_count / (df + 1)) + 1


def _sorted_by_column(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], limit: int,
                      reverse: bool, missing: int | None = None) -> list[tuple[int, float]]:
    """Documents by column value, those without one (``missing``, the column's default) last either way."""
    if not parts:
        return []
    docs = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    values = np.concatenate([p[2] for p in parts])
    # An undated article is not the newest: Whoosh marks it with the largest value, which put all
    # of them first for "newest".
    absent = values == missing if missing is not None else np.zeros(len(values), dtype=bool)
    # Ties in date keep index order (ascending) either way; Whoosh reverses them for "newest".
    # lexsort sorts by the last key first; it is stable, and documents arrive in ascending order.
    if reverse:
        values = -np.unique(values, return_inverse=True)[1].astype(np.int64)  # unsigned columns too
    order = np.lexsort((docs, values, absent))[:limit]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


def _field_lengths(reader: Any, field: str) -> np.ndarray:
    """One byte per document (Whoosh's length encoding), read once per segment reader."""
    cache = reader.__dict__.setdefault("_gdx_lengths", {})
    found = cache.get(field)
    if found is None:
        found = np.frombuffer(adapter.length_bytes(reader, field), dtype=np.uint8)
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


def column_order(searcher: Searcher, field: str, reverse: bool) -> sorting.FacetType:
    """Whoosh's sort by a column, as :func:`rank` sorts: documents without a value last either way.

    For the query shapes :func:`rank` leaves to Whoosh's searcher.
    """
    missing = getattr(searcher.schema[field], "default", None)
    found: list[np.ndarray] = []

    def absent(s: Searcher, docnum: int) -> bool:
        if not found:  # the segments' columns as one mask, read once: asked once per matching document
            parts = [np.zeros(sub.reader().doc_count_all(), dtype=bool) if column is None else column == missing
                     for sub, _ in s.leaf_searchers()
                     for column in (docsets.column_array(sub.reader(), field),)]
            found.append(np.concatenate(parts) if parts else np.zeros(0, dtype=bool))
        return bool(found[0][docnum])

    return sorting.MultiFacet([sorting.FunctionFacet(absent), sorting.FieldFacet(field, reverse=reverse)])
