"""One hit per text: documents sharing a text digest collapse into the best ranked of them.

Near copies too (:mod:`gdexplorer.search.engine.nearcopies`): the pairs of texts the index found, attached
to a searcher by text digest, join their documents (and their exact copies) under one key.

The digests are a column (:mod:`gdexplorer.search.copies`), read whole per segment and turned once
per searcher into one array over the index-wide document numbers: a document's text key, or 0 when
no other document in the index has its text (nearly all of them). A query then needs only its
matching documents with a non-zero key: how many of them collapse away (``hidden``), which tells
how many more hits to rank so that a page still holds ``limit`` distinct texts, and, for each hit
kept, its copies among the matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from gdexplorer.search.copies import near_groups
from gdexplorer.search.engine import adapter, docsets


@dataclass(frozen=True)
class Copies:
    """The matching documents whose text another document in the index shares."""

    docs: np.ndarray  # index-wide numbers, ascending
    keys: np.ndarray  # their text keys, in the same order
    hidden: int  # how many of them a collapse drops: all but one per key


_NEAR_PAIRS = "_gdx_near_pairs"
_TEXT_KEYS = "_gdx_text_keys"


def attach_near_pairs(searcher: Searcher, pairs: frozenset[tuple[int, int]] | None, stamp: object) -> None:
    """Give the searcher the near-copy pairs (text digests) its text keys join; ``stamp`` says which."""
    searcher.__dict__[_NEAR_PAIRS] = (stamp, pairs)
    searcher.__dict__.pop(_TEXT_KEYS, None)


def near_pairs_stamp(searcher: Searcher) -> object:
    """The ``stamp`` of the pairs attached last (None if none were)."""
    attached = searcher.__dict__.get(_NEAR_PAIRS)
    return attached[0] if attached else None


def text_digests(searcher: Searcher, field: str) -> np.ndarray | None:
    """Each document's own text digest by index-wide number (tells exact copies from near ones)."""
    if text_keys(searcher, field) is None:
        return None
    found: np.ndarray = searcher.__dict__[_TEXT_KEYS][field + "#digests"]
    return found


def text_keys(searcher: Searcher, field: str) -> np.ndarray | None:
    """Each document's text key by index-wide number, 0 for a text no other document has.

    None when the index has no such column (built before it existed). Kept on the searcher, which
    sees the index as it was opened. Near copies get one negative key per group (digests are
    positive).
    """
    cache = searcher.__dict__.setdefault(_TEXT_KEYS, {})
    if field not in cache:
        if field not in searcher.schema:
            cache[field] = None
        else:
            parts = []
            for sub, _ in searcher.leaf_searchers():
                reader = sub.reader()
                column = adapter.numeric_column(reader, field)
                if column is None:
                    column = docsets.column_array(reader, field)
                size = reader.doc_count_all()
                parts.append(np.zeros(size, dtype=np.int64) if column is None else column.astype(np.int64))
            keys = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            cache[field + "#digests"] = keys.copy()
            # Deleted documents count too: at worst a text looks shared and takes the longer path.
            _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
            keys[(counts[inverse] < 2) | (keys == 0)] = 0
            attached = searcher.__dict__.get(_NEAR_PAIRS)
            if attached and attached[1]:
                _join_near_copies(attached[1], cache[field + "#digests"], keys)
            cache[field] = keys
    found: np.ndarray | None = cache[field]
    return found


def _join_near_copies(pairs: frozenset[tuple[int, int]], digests: np.ndarray, keys: np.ndarray) -> None:
    """Give each group of near copies (pairs of texts joined transitively) one key, in place."""
    groups = near_groups(pairs)
    members = np.array(sorted(groups), dtype=np.int64)
    labels = np.array([-groups[int(d)] - 1 for d in members], dtype=np.int64)  # digests are positive
    # One vectorised look-up of every document's digest: no article id is resolved.
    at = np.minimum(np.searchsorted(members, digests), len(members) - 1)
    joined = members[at] == digests
    keys[joined] = labels[at[joined]]


def copies_among(matches: list[docsets.DocSet], offsets: list[int], keys: np.ndarray) -> Copies:
    """The shared-text documents among a query's matches (one mask per segment, at its offset)."""
    found = []
    for match, offset in zip(matches, offsets, strict=True):
        local = keys[offset : offset + len(match)]
        found.append(np.flatnonzero(match & (local != 0)) + offset)
    docs = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    shared = keys[docs]
    # Distinct keys counted on a sorted copy, not with np.unique: its first call imports numpy.ma,
    # 15 ms of every fresh `gdexplorer search`.
    ordered = np.sort(shared)
    distinct = int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1 if len(ordered) else 0
    return Copies(docs, shared, len(docs) - distinct)


def collapse(hits: list[tuple[int, float]], limit: int, keys: np.ndarray,
             copies: Copies | None) -> tuple[list[tuple[int, float]], dict[int, tuple[int, ...]]]:
    """The first ``limit`` hits with one per text, and each kept hit's copies among the matches.

    ``hits`` in rank order, at least ``limit`` + ``copies.hidden`` of them when there are that
    many. Without ``copies`` (a search cut short) the page is collapsed but names no copies.
    """
    seen: set[int] = set()
    kept: list[tuple[int, float]] = []
    named: dict[int, tuple[int, ...]] = {}
    for docnum, score in hits:
        if len(kept) >= limit:
            break
        key = int(keys[docnum])
        if key:
            if key in seen:
                continue
            seen.add(key)
            if copies is not None:
                others = copies.docs[(copies.keys == key) & (copies.docs != docnum)]
                named[docnum] = tuple(others.tolist())
        kept.append((docnum, score))
    return kept, named
