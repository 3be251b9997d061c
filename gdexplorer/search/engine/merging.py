"""Which segments a commit merges: small ones of about one size, a bounded amount of work per commit.

A merge policy is handed Whoosh's writer and its segment objects and opens segment readers
itself: Whoosh's writing internals, hence here.
"""

from __future__ import annotations

from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

# A commit merges its smallest segments, up to this many documents in all (cheap); larger ones are
# left to grow by full builds, so one edit never rewrites the whole index.
SMALL_SEGMENT = 100
# Small segments of one size tier that make a commit merge them. Each merge adds its cost to an
# update: at 100k, ~0.1 s for 4 one-article segments, ~0.35 s for 8.
MERGE_AT = 4


def merge_small_only(writer: SegmentWriter, segments: list) -> list:
    """Merge MERGE_AT small segments of about one size into the new one; keep the others.

    Sizes are tiers (under MERGE_AT documents, under MERGE_AT², ...), the smallest tier first, and
    a merge never takes more than SMALL_SEGMENT documents: a commit's extra work stays bounded.
    """
    # Whoosh merges at roughly 0.1 ms per term and segment. Merging whatever was smallest (up to
    # SMALL_SEGMENT documents) rewrote a 50-document segment of 7,700 terms with the one-article
    # ones each time: 2.5 s at 100k. Merging on every commit cost 0.7 s each; a few tiny segments
    # cost searches next to nothing.
    tiers: dict[int, list] = {}
    for seg in segments:
        count = seg.doc_count_all()
        if count <= SMALL_SEGMENT:
            tiers.setdefault(_tier(count), []).append(seg)
    for tier in sorted(tiers):
        group = sorted(tiers[tier], key=lambda seg: seg.doc_count_all())[:MERGE_AT]
        if len(group) == MERGE_AT and sum(seg.doc_count_all() for seg in group) <= SMALL_SEGMENT:
            for seg in group:
                reader = SegmentReader(writer.storage, writer.schema, seg)
                writer.add_reader(reader)
                reader.close()
            return [seg for seg in segments if seg not in group]
    return segments


def _tier(count: int) -> int:
    tier = 0
    while count >= MERGE_AT ** (tier + 1):
        tier += 1
    return tier
