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
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from whoosh.reading import IndexReader, TermNotFound

from gdexplorer.files import atomic_write
from gdexplorer.search.copies import NEAR_FIELD

log = logging.getLogger(__name__)

NEAR_COPIES = "nearcopies.json"
NEAR_FORMAT = 1
# A key more documents than this share is left out: every pair of them would be stored. Exact
# copies still collapse by their digest; this many near copies of one text is not news any more.
MAX_SHARING = 50

Pair = tuple[str, str]


def load_pairs(folder: Path) -> frozenset[Pair] | None:
    """The pairs saved by the last complete update; None when there is no readable file."""
    try:
        raw = json.loads((folder / NEAR_COPIES).read_text(encoding="utf-8"))
        if raw.get("format") != NEAR_FORMAT:
            return None
        return frozenset((str(a), str(b)) for a, b in raw["pairs"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def update_pairs(folder: Path, reader: IndexReader, written: dict[str, str], gone: Iterable[str],
                 full: bool) -> frozenset[Pair]:
    """Bring the saved pairs up to date with ``reader`` (the index just committed) and save them.

    ``written``: the articles (re)indexed, with their ``near`` keys as indexed (space-separated);
    ``gone``: the articles deleted or dropped. ``full``: find every pair again (after a rebuild).
    """
    old = None if full else load_pairs(folder)
    if old is None:
        pairs = _all_pairs(reader)
    else:
        changed = set(written) | set(gone)
        pairs = {p for p in old if p[0] not in changed and p[1] not in changed}
        paths: dict[int, str] = {}
        for article_id, keys in written.items():
            for key in keys.split():
                for other in _sharing(reader, key, paths):
                    if other != article_id:
                        pairs.add(_pair(article_id, other))
    found = frozenset(pairs)
    data = {"format": NEAR_FORMAT, "pairs": sorted(found)}
    with contextlib.suppress(OSError):  # only a loss of near-copy collapsing until the next update
        atomic_write(folder / NEAR_COPIES, json.dumps(data, ensure_ascii=False).encode("utf-8"), durable=False)
    return found


def forget(folder: Path) -> None:
    """Remove the file (an update is under way: the next complete one finds every pair again)."""
    with contextlib.suppress(OSError):
        (folder / NEAR_COPIES).unlink()


def _all_pairs(reader: IndexReader) -> set[Pair]:
    if NEAR_FIELD not in reader.schema:
        return set()
    pairs: set[Pair] = set()
    paths: dict[int, str] = {}
    for term, info in reader.iter_field(NEAR_FIELD):
        # Counts deleted documents too: a superset, the postings below leave them out.
        if info.doc_frequency() < 2:
            continue
        sharing = _sharing(reader, term, paths)
        for i, a in enumerate(sharing):
            pairs.update(_pair(a, b) for b in sharing[i + 1 :])
    return pairs


def _sharing(reader: IndexReader, key: str | bytes, paths: dict[int, str]) -> list[str]:
    """The articles indexed under ``key`` (none when more than ``MAX_SHARING`` are)."""
    try:
        docs = list(reader.postings(NEAR_FIELD, key).all_ids())
    except TermNotFound:
        return []
    if len(docs) > MAX_SHARING:
        log.info("near copies: %d articles share key %r; left out", len(docs), key)
        return []
    found = []
    for docnum in docs:
        if docnum not in paths:
            paths[docnum] = str(reader.stored_fields(docnum)["path"])
        found.append(paths[docnum])
    return found


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)
