"""Articles that are copies of one another: the same text up to whitespace, or but for one sentence.

A corpus gathered from feeds holds the same article several times (the BBC corpus: 98 byte-identical
files). Each document carries a digest of its text in a column; a search shows one hit per text and
names the other copies (:mod:`gdexplorer.search.engine.collapsing`).

Up to whitespace only: runs of spaces, tabs and line breaks are one space, and leading and trailing
space is dropped. Anything else (a changed word, a fixed typo) is another text. Cheap (one hash per
article at index time, one column read per segment) and exact: no false merges beyond a 62-bit
hash collision.

Near copies: two articles are near copies when deleting at most one unit from each leaves the same
sequence of units, and what they share holds at least ``NEAR_SHARE`` of each one's characters (and
``NEAR_MIN_CHARS``). A unit is a sentence (a line is cut after ``.!?`` and the CJK full stop,
exclamation and question marks), so a changed headline, a fixed typo, a sentence added, dropped or
moved is one unit, while a rewritten paragraph is several. The share guard keeps short articles
apart: of a three-sentence article one sentence is a third of the text, so two such articles with
a sentence each of their own are not copies, while a retitled 2,000-character article is. On the
BBC corpus this finds 49 pairs beyond the exact copies, each with a difflib ratio of 0.976 or more;
the six pairs as similar (ratio 0.95 or more) that it leaves apart differ in two units
(tests/core/test_near_copies.py checks the 49 against a comparison of every pair).

Each article carries keys (:func:`near_keys`): its whole unit sequence, and the sequence with
each unit deleted whose deletion the guard allows. Two articles are near copies exactly when they
share a key, so an update sorts the keys and reads the pairs off equal neighbours
(:mod:`gdexplorer.search.engine.nearcopies`), never comparing texts. The keys are 8 bytes each in a
column, not index terms: as terms (one per sentence, nearly all unique) they made the index 50%
larger at 100,000 articles (770 to 1,152 MB).
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Sequence

from whoosh import columns, fields

DIGEST_FIELD = "digest"
NO_DIGEST = 0  # the column's value for a document without one
NEAR_FIELD = "near"
NEAR_SHARE = 0.75  # what two near copies share, at least, of each one's characters
NEAR_MIN_CHARS = 200  # ... and in characters: below this, nothing is a near copy
# Past this many units only the whole-text key: keys grow with the units, and a
# document that long with one sentence changed is rare enough to show twice.
NEAR_MAX_UNITS = 500
# After .!? (and a closing quote or bracket) before a space; after the CJK full stop, ! and ? anywhere.
_SENTENCE_END = re.compile("(?<=[.!?][\"'\u201d\u2019)])\\s+|(?<=[.!?])\\s+|(?<=[\u3002\uff01\uff1f])")
_MODULUS = (1 << 61) - 1  # a Mersenne prime: the sequence hash is a polynomial modulo it
_BASE = 0x5BD1E9955BD1E995 % _MODULUS
_MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it is one-to-one on 64 bits
_MASK64 = (1 << 64) - 1


def digest_field() -> fields.FieldType:
    """A column only (no terms, not stored): read whole per segment, never searched."""
    return fields.COLUMN(columns.NumericColumn("q", default=NO_DIGEST))


def text_digest(text: str) -> int:
    """A positive 63-bit number for the text with its whitespace normalised; never ``NO_DIGEST``."""
    normalised = " ".join(text.split())
    value = int.from_bytes(hashlib.blake2b(normalised.encode("utf-8", "surrogatepass"), digest_size=8).digest())
    return (value >> 1) | 1  # below 2**63 (a signed column) and odd, so never 0


def text_units(text: str) -> list[str]:
    """The sentences of a text, whitespace normalised, in order (empty lines give none)."""
    units: list[str] = []
    for line in text.splitlines():
        normalised = " ".join(line.split())
        if normalised:
            units.extend(u for u in (p.strip() for p in _SENTENCE_END.split(normalised)) if u)
    return units


def near_keys(text: str) -> list[int]:
    """The keys two near copies share at least one of (see the module docstring), sorted.

    Polynomial hashes of the unit sequence, so that all deletions cost O(units) rather than
    hashing the text once per unit; 64 bits each, so a chance collision is out of reach.
    """
    units = text_units(text)
    lengths = [len(u) for u in units]
    total = sum(lengths)
    if total < NEAR_MIN_CHARS:
        return []
    hashes = [int.from_bytes(hashlib.blake2b(u.encode("utf-8", "surrogatepass"), digest_size=8).digest())
              % _MODULUS for u in units]
    n = len(hashes)
    prefix = [0] * (n + 1)  # prefix[i]: the hash of units[:i]
    for i, h in enumerate(hashes):
        prefix[i + 1] = (prefix[i] * _BASE + h + 1) % _MODULUS
    keys = {_key(prefix[n], n)}
    if n <= NEAR_MAX_UNITS:
        power = [1] * (n + 1)
        for i in range(n):
            power[i + 1] = power[i] * _BASE % _MODULUS
        need = max(NEAR_SHARE * total, NEAR_MIN_CHARS)
        for i in range(n):
            if total - lengths[i] >= need:
                # units[:i] + units[i+1:]: the tail's hash is prefix[n] - prefix[i+1] * B^(n-i-1)
                tail = (prefix[n] - prefix[i + 1] * power[n - i - 1]) % _MODULUS
                keys.add(_key((prefix[i] * power[n - i - 1] + tail) % _MODULUS, n - 1))
    return sorted(keys)


def _key(value: int, count: int) -> int:
    # The unit count is part of the key: a hash collision would also need the same count.
    return (value * _MIX + count) & _MASK64


def near_column() -> fields.FieldType:
    """The keys of :func:`near_keys`, packed (:func:`pack_keys`): a column, never searched."""
    return fields.COLUMN(columns.VarBytesColumn())


def pack_keys(keys: list[int]) -> bytes:
    """Keys as the column holds them: 8 bytes each, little-endian."""
    return struct.pack(f"<{len(keys)}Q", *keys)


def near_groups(links: Iterable[Sequence[int]]) -> dict[int, int]:
    """Texts joined as near copies, transitively: each text digest of ``links`` (two or more linked
    texts each) -> the smallest digest of its group, the group's one key."""
    parent: dict[int, int] = {}

    def root(d: int) -> int:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for linked in links:
        first = root(parent.setdefault(linked[0], linked[0]))
        for other in linked[1:]:
            a, b = first, root(parent.setdefault(other, other))
            if a != b:
                parent[max(a, b)] = first = min(a, b)
    return {d: root(d) for d in parent}
