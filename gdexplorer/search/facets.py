"""Facet counts over every match of a query: categories, months, entities, formats and sites."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from gdexplorer.model import Facets
from gdexplorer.search.engine.docsets import DocSet, posting_arrays, segment_docs


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
    totals: dict[str, Counter[str]] = {name: Counter() for name in ("category", "month", "entity", "format", "site")}
    labels: dict[str, str] = {}
    site_labels: dict[str, str] = {}
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
                    elif name == "site" and key not in site_labels:
                        site_labels[key] = _site_label(reader, ids, deleted) or key

    def counted(name: str) -> list[tuple[str, int]]:
        shown = labels if name == "category" else site_labels if name == "site" else {}
        return [(shown.get(k, k), n) for k, n in totals[name].items() if k]

    categories = sorted(counted("category"), key=lambda kv: (-kv[1], kv[0]))
    months = sorted(counted("month"))
    entities = sorted(counted("entity"), key=lambda kv: (-kv[1], kv[0]))
    formats = sorted(counted("format"), key=lambda kv: (-kv[1], kv[0]))
    sites = sorted(counted("site"), key=lambda kv: (-kv[1], kv[0]))
    return Facets(tuple(categories), tuple(months), tuple(entities), time.perf_counter() - started,
                  tuple(formats), tuple(sites))


def _site_label(reader: object, ids: Iterable[int], deleted: frozenset[int] | set[int]) -> str | None:
    """The site as the document wrote it (the term is lowercased)."""
    for d in ids:
        if d not in deleted:
            info = reader.stored_fields(d).get("info") or {}  # type: ignore[attr-defined]
            return str(info.get("site")) if isinstance(info, dict) and info.get("site") else None
    return None


def _category_label(reader: object, ids: Iterable[int], deleted: frozenset[int] | set[int]) -> str | None:
    """The category as written in the corpus (the term is lowercased), from a stored document."""
    for d in ids:
        if d not in deleted:
            value = reader.stored_fields(d).get("category")  # type: ignore[attr-defined]
            return str(value) if value else None
    return None
