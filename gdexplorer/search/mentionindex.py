"""The index as a table of mentions: which articles mention an entity, how many, and with which
other entities; what the explorer asks of the index besides full-text search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from gdexplorer.model import ArticleInfo
from gdexplorer.search.engine.docsets import count_matches, posting_arrays, segment_docs
from gdexplorer.search.facets import count_facets
from gdexplorer.search.index import info_from_stored


def every_article() -> wq.Query:
    return wq.Every()


def all_of(queries: Iterable[wq.Query]) -> wq.Query:
    return wq.And(list(queries))


def _mentions(entity_id: str) -> wq.Query:
    return wq.Term("entity", entity_id.lower())


def stored_entity_ids(searcher: Searcher, article_id: str) -> list[str]:
    """The entities the index found in an article when it indexed it (empty if not indexed)."""
    docnum = searcher.document_number(path=article_id)
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    return [i for i in str(stored.get("entity") or "").split(",") if i]


def articles_mentioning(searcher: Searcher, entity_id: str) -> list[ArticleInfo]:
    """Every article that mentions the entity, in path order."""
    results = searcher.search(_mentions(entity_id), limit=None, sortedby="path")
    return [info_from_stored(hit.fields()) for hit in results]


def mention_count(searcher: Searcher, entity_id: str) -> int:
    """How many live articles mention the entity."""
    # Not reader.doc_frequency(): it still counts documents deleted by an update until a merge.
    return count_matches(searcher, _mentions(entity_id))


def mention_counts(searcher: Searcher) -> dict[str, int]:
    """How many live articles mention each entity that any article mentions, by id as indexed.

    One pass over the entity terms of each segment, where ``mention_count`` per entity cost a
    look-up per segment for each of 100,000 entities (46 s).
    """
    counts: Counter[str] = Counter()
    for sub, _ in searcher.leaf_searchers():
        live = segment_docs(sub, every_article())
        reader = sub.reader()
        if "entity" not in searcher.schema or not live.any():
            continue
        for term in reader.lexicon("entity"):
            ids = posting_arrays(reader, "entity", term)[0]
            n = int(np.count_nonzero(live[np.frombuffer(ids, dtype=np.intc)])) if len(ids) else 0
            if n:
                counts[term.decode("utf-8") if isinstance(term, bytes) else str(term)] += n
    return dict(counts)


def co_mentions(searcher: Searcher, entity_id: str) -> list[tuple[str, int]]:
    """Entities mentioned in the same articles, most shared articles first: (id, count)."""
    return [(i, n) for i, n in count_facets(searcher, _mentions(entity_id), None).entities if i != entity_id]


def shared_articles(searcher: Searcher, entity_id: str, other_id: str, limit: int) -> tuple[str, ...]:
    """The first ``limit`` articles (by path) that mention both entities."""
    both = wq.And([_mentions(entity_id), _mentions(other_id)])
    return tuple(str(hit["path"]) for hit in searcher.search(both, limit=limit, sortedby="path"))
