"""Which articles are near copies of which: found when the index is updated, kept beside it.

Two articles are near copies when they share a key of the ``near`` column (the rule is in
:mod:`gdexplorer.search.copies`). The pairs are found at update time, so a search pays nothing for
them but reading this small file once per searcher. Every update finds them all again from the
column: its keys (about 30 an article) sorted with numpy, a pair wherever equal keys sit side by
side. Segments never change but for deletions, so each one's keys are sorted once and kept beside
the index (``nearkeys-<segment>.npz``, removed with their segment); an update reads those, drops
the deleted documents and merges the sorted runs. At 100,000 articles reading every column and
sorting some 3 million numbers again took most of a one-article update (1.9 of 2.9 s).

The file holds article ids, not document numbers (a merge renumbers documents); it describes the
index as of the last complete update.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import zipfile
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


KEYS_PREFIX = "nearkeys-"  # files of sorted keys, one per segment


def update_pairs(folder: Path, reader: IndexReader) -> frozenset[Record]:
    """Find the pairs of ``reader`` (the index just committed) and save them."""
    found = frozenset(_all_pairs(reader, folder))
    data = {"format": NEAR_FORMAT, "pairs": sorted(found)}
    with contextlib.suppress(OSError):  # only a loss of near-copy collapsing until the next update
        atomic_write(folder / NEAR_COPIES, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=False)
    return found


def forget(folder: Path) -> None:
    """Remove the file (an update is under way: the next complete one finds every pair again)."""
    with contextlib.suppress(OSError):
        (folder / NEAR_COPIES).unlink()


def _all_pairs(reader: IndexReader, folder: Path | None = None) -> set[Record]:
    if NEAR_FIELD not in reader.schema:
        return set()
    keys: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    kept: set[str] = set()
    for leaf, offset in reader.leaf_readers():
        if not leaf.has_column(NEAR_FIELD):
            continue
        key, doc = _segment_keys(leaf, folder, kept)
        if leaf.has_deletions():
            deleted = np.zeros(leaf.doc_count_all(), dtype=bool)
            deleted[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = True
            live = ~deleted[doc]
            key, doc = key[live], doc[live]
        keys.append(key)
        owners.append(doc.astype(np.int64) + offset)
    if folder is not None:
        _remove_other_keys(folder, kept)
    if not keys:
        return set()
    key = np.concatenate(keys)
    owner = np.concatenate(owners)
    order = np.argsort(key, kind="stable")  # runs already sorted: timsort merges them
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


def _segment_keys(leaf: IndexReader, folder: Path | None, kept: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """A segment's near keys, sorted, and the document of each (deleted ones too), from the file
    kept for the segment when there is a sound one; read from its column and saved otherwise."""
    name = f"{KEYS_PREFIX}{leaf.segment().segment_id()}.npz"
    kept.add(name)
    if folder is not None:
        try:
            with np.load(folder / name, allow_pickle=False) as saved:
                key, doc = saved["key"], saved["doc"]
            if key.dtype == np.uint64 and doc.dtype == np.uint32 and key.shape == doc.shape and key.ndim == 1 \
                    and (not len(doc) or int(doc.max()) < leaf.doc_count_all()):
                return key, doc
            log.warning("%s: not the near keys of this segment; reading them again", folder / name)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            log.warning("%s: unreadable (%s); reading the near keys again", folder / name, e)
    column = leaf.column_reader(NEAR_FIELD)
    values = [column[d] for d in range(leaf.doc_count_all())]
    key = np.frombuffer(b"".join(values), dtype="<u8").astype(np.uint64)
    doc = np.repeat(np.arange(len(values), dtype=np.uint32),
                    np.fromiter((len(v) // 8 for v in values), dtype=np.int64, count=len(values)))
    order = np.argsort(key, kind="stable")
    key, doc = key[order], doc[order]
    if folder is not None:
        buffer = io.BytesIO()
        np.savez(buffer, key=key, doc=doc)
        with contextlib.suppress(OSError):  # only a slower next update
            atomic_write(folder / name, buffer.getvalue(), durable=False)
    return key, doc


def _remove_other_keys(folder: Path, kept: set[str]) -> None:
    """Drops the key files of segments merged away."""
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{KEYS_PREFIX}*.npz"):
            if path.name not in kept:
                path.unlink(missing_ok=True)


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
