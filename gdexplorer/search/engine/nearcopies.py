"""Which articles are near copies of which: found when the index is updated, kept beside it.

Two articles are near copies when they share a key of the ``near`` column (the rule is in
:mod:`gdexplorer.search.copies`). The pairs are found at update time, so a search pays nothing for
them but reading this small file once per searcher. Every update finds them all again from the
column: its keys (about 30 an article) sorted with numpy, a pair wherever equal keys sit side by
side. At 100,000 articles that is one column read per segment and a sort of some 3 million
numbers, about a second; there is no inverted index of the keys to look a changed article's
partners up in, and none is needed at that cost.

The file holds article ids, not document numbers (a merge renumbers documents); it describes the
index as of the last complete update.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from pathlib import Path

import numpy as np
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


def update_pairs(folder: Path, reader: IndexReader) -> frozenset[Record]:
    """Find the pairs of ``reader`` (the index just committed) and save them."""
    found = frozenset(_all_pairs(reader))
    data = {"format": NEAR_FORMAT, "pairs": sorted(found)}
    with contextlib.suppress(OSError):  # only a loss of near-copy collapsing until the next update
        atomic_write(folder / NEAR_COPIES, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=False)
    return found


def forget(folder: Path) -> None:
    """Remove the file (an update is under way: the next complete one finds every pair again)."""
    with contextlib.suppress(OSError):
        (folder / NEAR_COPIES).unlink()


def _all_pairs(reader: IndexReader) -> set[Record]:
    if NEAR_FIELD not in reader.schema:
        return set()
    keys: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        if not leaf.has_column(NEAR_FIELD):
            continue
        column = leaf.column_reader(NEAR_FIELD)
        live = [d for d in range(leaf.doc_count_all()) if not leaf.is_deleted(d)]
        values = [column[d] for d in live]
        if not values:
            continue
        keys.append(np.frombuffer(b"".join(values), dtype="<u8"))
        owners.append(np.repeat(np.asarray(live, dtype=np.int64) + offset,
                                np.fromiter((len(v) // 8 for v in values), dtype=np.int64, count=len(values))))
    if not keys:
        return set()
    key = np.concatenate(keys)
    owner = np.concatenate(owners)
    order = np.argsort(key, kind="stable")
    key, owner = key[order], owner[order]
    # Runs of equal keys: a run's start is where the key differs from the one before.
    same = key[1:] == key[:-1]
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    lengths = np.diff(np.append(starts, len(key)))
    docs = _Documents(reader)
    pairs: set[Record] = set()
    for start, length in zip(starts[lengths >= 2].tolist(), lengths[lengths >= 2].tolist(), strict=True):
        if length > MAX_SHARING:
            log.info("near copies: %d articles share a key; left out", length)
            continue
        sharing = sorted(set(owner[start:start + length].tolist()))
        pairs.update(docs.record(a, b) for a, b in itertools.combinations(sharing, 2))
    return pairs


class _Documents:
    """Index-wide document numbers: their ids and digests, read once each."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.leaves = list(reader.leaf_readers())
        self._paths: dict[int, str] = {}
        self._digests: dict[int, int] = {}

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
