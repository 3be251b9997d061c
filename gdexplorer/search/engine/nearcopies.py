"""Which articles are near copies of which: found when the index is updated, kept beside it.

Two articles are near copies when they share a key of the ``near`` field (the rule is in
:mod:`gdexplorer.search.copies`). The pairs are found at update time, so a search pays nothing for
them but reading this small file once per searcher:

- after a rebuild (or when the file is missing or unreadable), by one pass over the field's terms,
  keeping those two or more documents share (about 30 terms an article: a few seconds at 100,000);
- after an update, by dropping the pairs of the changed and deleted articles and looking up the
  written articles' own keys, a few posting lists each.

The file holds article ids, not document numbers (a merge renumbers documents); it describes the
index as of the last complete update.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh.reading import IndexReader

from gdexplorer.files import atomic_write
from gdexplorer.search.copies import DIGEST_FIELD, NEAR_FIELD

log = logging.getLogger(__name__)

NEAR_COPIES = "nearcopies.json"
NEAR_FORMAT = 2  # 1: article id pairs only
# A key more documents than this share is left out: every pair of them would be stored. Exact
# copies still collapse by their digest; this many near copies of one text is not news any more.
MAX_SHARING = 50

Pair = tuple[str, str]
# Two near copies: their article ids, then their text digests (what a searcher joins, by column,
# without looking a single id up).
Record = tuple[str, str, int, int]


def load_records(folder: Path) -> frozenset[Record] | None:
    """The pairs saved by the last complete update; None when there is no readable file."""
    try:
        raw = json.loads((folder / NEAR_COPIES).read_text(encoding="utf-8"))
        if raw.get("format") != NEAR_FORMAT:
            return None
        return frozenset((str(a), str(b), int(x), int(y)) for a, b, x, y in raw["pairs"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def load_pairs(folder: Path) -> frozenset[Pair] | None:
    """The article ids of the saved pairs."""
    records = load_records(folder)
    return None if records is None else frozenset((a, b) for a, b, _, _ in records)


def load_text_pairs(folder: Path) -> frozenset[tuple[int, int]] | None:
    """The text digests of the saved pairs (what :func:`collapsing.attach_near_pairs` takes)."""
    records = load_records(folder)
    return None if records is None else frozenset((x, y) for _, _, x, y in records)


def update_pairs(folder: Path, reader: IndexReader, written: dict[str, str], gone: Iterable[str],
                 full: bool) -> frozenset[Record]:
    """Bring the saved pairs up to date with ``reader`` (the index just committed) and save them.

    ``written``: the articles (re)indexed, with their ``near`` keys as indexed (space-separated);
    ``gone``: the articles deleted or dropped. ``full``: find every pair again (after a rebuild).
    """
    old = None if full else load_records(folder)
    docs = _Documents(reader)
    if old is None:
        pairs = _all_pairs(reader, docs)
    else:
        changed = set(written) | set(gone)
        pairs = {p for p in old if p[0] not in changed and p[1] not in changed}
        for article_id, keys in written.items():
            for key in keys.split():
                sharing = docs.sharing(key)
                mine = [d for d in sharing if docs.path(d) == article_id]
                for docnum in mine[:1]:
                    pairs.update(docs.record(docnum, other) for other in sharing if other != docnum)
    found = frozenset(pairs)
    data = {"format": NEAR_FORMAT, "pairs": sorted(found)}
    with contextlib.suppress(OSError):  # only a loss of near-copy collapsing until the next update
        atomic_write(folder / NEAR_COPIES, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=False)
    return found


def forget(folder: Path) -> None:
    """Remove the file (an update is under way: the next complete one finds every pair again)."""
    with contextlib.suppress(OSError):
        (folder / NEAR_COPIES).unlink()


class _Documents:
    """Index-wide document numbers: who holds a key, their ids and digests (segment by segment:
    Whoosh's multi-segment reader costs about 100 microseconds a term)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.leaves = list(reader.leaf_readers())
        self._paths: dict[int, str] = {}
        self._digests: dict[int, int] = {}

    def sharing(self, key: str | bytes) -> list[int]:
        """The documents indexed under ``key`` (none when more than ``MAX_SHARING`` are)."""
        docs: list[int] = []
        for leaf, offset in self.leaves:
            if (NEAR_FIELD, key) in leaf:
                docs.extend(offset + d for d in leaf.postings(NEAR_FIELD, key).all_ids())
        if len(docs) > MAX_SHARING:
            log.info("near copies: %d articles share key %r; left out", len(docs), key)
            return []
        return docs

    def path(self, docnum: int) -> str:
        if docnum not in self._paths:
            self._paths[docnum] = str(self.reader.stored_fields(docnum)["path"])
        return self._paths[docnum]

    def digest(self, docnum: int) -> int:
        if docnum not in self._digests:
            for leaf, offset in reversed(self.leaves):
                if docnum >= offset:
                    self._digests[docnum] = int(leaf.column_reader(DIGEST_FIELD)[docnum - offset])
                    break
        return self._digests[docnum]

    def record(self, a: int, b: int) -> Record:
        if self.path(b) < self.path(a):
            a, b = b, a
        return (self.path(a), self.path(b), self.digest(a), self.digest(b))


def _all_pairs(reader: IndexReader, docs: _Documents) -> set[Record]:
    if NEAR_FIELD not in reader.schema:
        return set()

    def terms(leaf: IndexReader) -> Iterator[tuple[bytes, int]]:
        for term, info in leaf.iter_field(NEAR_FIELD):
            yield term, info.doc_frequency()

    pairs: set[Record] = set()
    previous, count = None, 0
    # Each segment's terms in order, merged: a key counts the documents of every segment holding it
    # (deleted ones too: a superset; their postings leave them out).
    for term, df in itertools.chain(heapq.merge(*(terms(leaf) for leaf, _ in docs.leaves)), [(None, 0)]):
        if term == previous:
            count += df
            continue
        if previous is not None and count >= 2:
            sharing = docs.sharing(previous)
            pairs.update(docs.record(a, b) for a, b in itertools.combinations(sharing, 2))
        previous, count = term, df
    return pairs
