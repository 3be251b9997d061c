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

import bisect
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
DOCS_FILE = f"{KEYS_PREFIX}docs.json"  # the ids and digests of the documents in pairs, by segment
DOCS_FORMAT = 1


def update_pairs(folder: Path, reader: IndexReader) -> frozenset[Record]:
    """Find the pairs of ``reader`` (the index just committed) and save them."""
    docs = _Documents(reader, _load_docs(folder))
    found = frozenset(_all_pairs(reader, folder, docs))
    data = {"format": NEAR_FORMAT, "pairs": sorted(found)}
    with contextlib.suppress(OSError):  # only a loss of near-copy collapsing until the next update
        atomic_write(folder / NEAR_COPIES, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=False)
    _save_docs(folder, docs.used)
    return found


def forget(folder: Path) -> None:
    """Remove the file (an update is under way: the next complete one finds every pair again)."""
    with contextlib.suppress(OSError):
        (folder / NEAR_COPIES).unlink()


def _all_pairs(reader: IndexReader, folder: Path | None = None, docs: _Documents | None = None) -> set[Record]:
    if NEAR_FIELD not in reader.schema:
        return set()
    segments: list[tuple[np.ndarray, np.ndarray, int]] = []  # sorted keys, their documents, offset
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
        segments.append((key, doc, offset))
    if folder is not None:
        _remove_other_keys(folder, kept)
    if not segments:
        return set()
    key, owner = _shared_keys(segments)
    # Runs of equal keys: a run's start is where the key differs from the one before.
    same = key[1:] == key[:-1]
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    lengths = np.diff(np.append(starts, len(key)))
    if docs is None:
        docs = _Documents(reader, {})
    pairs: set[Record] = set()
    for start, length in zip(starts[lengths >= 2].tolist(), lengths[lengths >= 2].tolist(), strict=True):
        if length > MAX_SHARING:
            log.info("near copies: %d articles share a key; left out", length)
            continue
        sharing = sorted(set(owner[start:start + length].tolist()))
        pairs.update(docs.record(a, b) for a, b in itertools.combinations(sharing, 2))
    return pairs


def _shared_keys(segments: list[tuple[np.ndarray, np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The keys found more than once, each with its index-wide document, sorted by key then document.

    Each segment's keys are sorted already. Sorting all of them (26 million at 1M articles) with
    their documents and then gathering both took most of a one-article update; only the keys
    themselves are sorted here (one array, in place), and the few that repeat are looked up in
    each segment by binary search.
    """
    every = np.concatenate([key for key, _, _ in segments])
    every.sort(kind="stable")  # merges the sorted runs
    repeated = np.unique(every[1:][every[1:] == every[:-1]])
    del every
    found_keys: list[np.ndarray] = []
    found_owners: list[np.ndarray] = []
    for key, doc, offset in segments:
        low = np.searchsorted(key, repeated, side="left")
        counts = np.searchsorted(key, repeated, side="right") - low
        if not counts.any():
            continue
        # The positions low[i] .. low[i] + counts[i] - 1 of every repeated key, end to end.
        total = int(counts.sum())
        firsts = np.repeat(low - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        positions = firsts + np.arange(total)
        found_keys.append(np.repeat(repeated, counts))
        found_owners.append(doc[positions].astype(np.int64) + offset)
    if not found_keys:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    key, owner = np.concatenate(found_keys), np.concatenate(found_owners)
    order = np.lexsort((owner, key))
    return key[order], owner[order]


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


DocKey = tuple[str, int]  # a segment's id and a document's number in it: never renumbered


def _load_docs(folder: Path) -> dict[DocKey, tuple[str, int]]:
    """The ids and digests of the documents the last update's pairs named, by segment."""
    try:
        raw = json.loads((folder / DOCS_FILE).read_text(encoding="utf-8"))
        if raw.get("format") != DOCS_FORMAT:
            return {}
        return {(str(segment), int(doc)): (str(path), int(digest))
                for segment, rows in raw["docs"].items() for doc, path, digest in rows}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _save_docs(folder: Path, docs: dict[DocKey, tuple[str, int]]) -> None:
    by_segment: dict[str, list[tuple[int, str, int]]] = {}
    for (segment, doc), (path, digest) in sorted(docs.items()):
        by_segment.setdefault(segment, []).append((doc, path, digest))
    data = {"format": DOCS_FORMAT, "docs": by_segment}
    with contextlib.suppress(OSError):  # only a slower next update
        atomic_write(folder / DOCS_FILE, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=False)


class _Documents:
    """Index-wide document numbers: their ids and digests, read once each.

    Those of the documents in the last update's pairs come from ``known``: a segment never
    changes, and reading an id from the stored fields took most of a one-article update at 1M
    (17,800 documents in pairs, 2.7 s). ``used`` holds those this update named.
    """

    def __init__(self, reader: IndexReader, known: dict[DocKey, tuple[str, int]]) -> None:
        self.reader = reader
        self.leaves = list(reader.leaf_readers())
        self._offsets = [offset for _, offset in self.leaves]
        self._segments = [leaf.segment().segment_id() for leaf, _ in self.leaves]
        self._known = known
        self.used: dict[DocKey, tuple[str, int]] = {}
        self._by_docnum: dict[int, tuple[str, int]] = {}

    def _doc(self, docnum: int) -> tuple[str, int]:
        found = self._by_docnum.get(docnum)
        if found is None:
            index = bisect.bisect_right(self._offsets, docnum) - 1
            leaf, offset = self.leaves[index]
            key = (self._segments[index], docnum - offset)
            found = self._known.get(key)
            if found is None:
                found = (str(self.reader.stored_fields(docnum)["path"]),
                         int(leaf.column_reader(DIGEST_FIELD)[docnum - offset]))
            self._by_docnum[docnum] = self.used[key] = found
        return found

    def path(self, docnum: int) -> str:
        return self._doc(docnum)[0]

    def digest(self, docnum: int) -> int:
        return self._doc(docnum)[1]

    def record(self, a: int, b: int) -> Record:
        (path_a, digest_a), (path_b, digest_b) = self._doc(a), self._doc(b)
        if path_b < path_a:
            return (path_b, path_a, digest_b, digest_a)
        return (path_a, path_b, digest_a, digest_b)
