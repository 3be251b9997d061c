"""Articles that are copies of one another: the same text, byte for byte or up to whitespace.

A corpus gathered from feeds holds the same article several times (the BBC corpus: 98 byte-identical
files). Each document carries a digest of its text in a column; a search shows one hit per text and
names the other copies (:mod:`gdexplorer.search.engine.collapsing`).

Up to whitespace only: runs of spaces, tabs and line breaks are one space, and leading and trailing
space is dropped. Anything else (a changed word, a fixed typo) is another text. Cheap (one hash per
article at index time, one column read per segment) and exact: no false merges beyond a 62-bit
hash collision.
"""

from __future__ import annotations

import hashlib

from whoosh import columns, fields

DIGEST_FIELD = "digest"
NO_DIGEST = 0  # the column's value for a document without one


def digest_field() -> fields.FieldType:
    """A column only (no terms, not stored): read whole per segment, never searched."""
    return fields.COLUMN(columns.NumericColumn("q", default=NO_DIGEST))


def text_digest(text: str) -> int:
    """A positive 63-bit number for the text with its whitespace normalised; never ``NO_DIGEST``."""
    normalised = " ".join(text.split())
    value = int.from_bytes(hashlib.blake2b(normalised.encode("utf-8", "surrogatepass"), digest_size=8).digest())
    return (value >> 1) | 1  # below 2**63 (a signed column) and odd, so never 0
