"""Finding a fact's quote in its article: whitespace and Unicode normalized, then mapped back to offsets."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable

_WS = re.compile(r"\s+")


class QuoteFinder:
    """Finds a quote in an article's text, whitespace- and NFC-normalized, and maps it back to offsets.

    NFC: "Café" typed with a composed é and the same word stored as "e" and a combining accent are
    the same text to a reader, and must be to the check.
    """

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self._read = read
        self._cache: dict[str, Normalized | None] = {}

    def _normalized(self, article_id: str) -> Normalized | None:
        if article_id not in self._cache:
            text = self._read(article_id)
            self._cache[article_id] = None if text is None else Normalized(text)
        return self._cache[article_id]

    def exists(self, article_id: str) -> bool:
        return self._normalized(article_id) is not None

    def find(self, article_id: str, quote: str) -> tuple[int, int] | None:
        """Where ``quote`` stands in the article as (start, end) offsets into its text as read."""
        found = self._normalized(article_id)
        if found is None:
            return None
        needle = unicodedata.normalize("NFC", _WS.sub(" ", quote).strip())
        if not needle:
            return None
        at = found.text.find(needle)
        if at < 0:
            return None
        return found.offset(at), found.end(at + len(needle) - 1)


class Normalized:
    """A text with each whitespace run collapsed to one space, and the way back to the original offsets.

    Only runs longer than one character move what follows, so only they are kept (where the
    text after each starts, and how far it moved): a few per article, where a list with an
    offset per character took 36 bytes a character for every article cited.

    A text that is not in NFC (rare: "Cafe" + a combining accent) is composed first, and then keeps
    each character's span of the original (see ``normalize_with_spans``).
    """

    __slots__ = ("_shifts", "_spans", "_starts", "text")

    def __init__(self, original: str) -> None:
        self._spans: tuple[list[int], list[int]] | None = None
        if not unicodedata.is_normalized("NFC", original):
            self.text, starts, ends = normalize_with_spans(original)
            self._spans = (starts, ends)
            return
        parts: list[str] = []
        self._starts: list[int] = []  # normalized index of the first character after a long run
        self._shifts: list[int] = []  # original index minus normalized index from there on
        at = 0
        removed = 0
        for m in _WS.finditer(original):
            start, end = m.span()
            parts.append(original[at:start])
            parts.append(" ")
            if end - start > 1:
                removed += end - start - 1
                self._starts.append(end - removed)
                self._shifts.append(removed)
            at = end
        parts.append(original[at:])
        self.text = "".join(parts)

    def offset(self, i: int) -> int:
        """Where character ``i`` of ``text`` came from (a collapsed run's space: the run's start)."""
        if self._spans is not None:
            return self._spans[0][i]
        k = bisect.bisect_right(self._starts, i) - 1
        return i + (self._shifts[k] if k >= 0 else 0)

    def end(self, i: int) -> int:
        """Where the original characters that character ``i`` of ``text`` came from end."""
        if self._spans is not None:
            return self._spans[1][i]
        return self.offset(i) + 1


def normalize_with_spans(text: str) -> tuple[str, list[int], list[int]]:
    """NFC, and whitespace runs collapsed to one space; char i came from ``text[starts[i]:ends[i]]``.

    A character NFC composes from several (e, U+0301) spans all of them, so a quote found in the
    normalized text maps back to whole characters of the text as read.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    in_space = False
    for start, end, chars in _nfc_clusters(text):
        for ch in chars:
            if ch.isspace():
                if in_space:
                    ends[-1] = end
                    continue
                ch = " "
            in_space = ch == " "
            out.append(ch)
            starts.append(start)
            ends.append(end)
    return "".join(out), starts, ends


def _nfc_clusters(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, NFC of text[start:end]) over runs that normalize independently of each other."""
    if unicodedata.is_normalized("NFC", text):  # nearly every article: one character each
        for i, ch in enumerate(text):
            yield i, i + 1, ch
        return
    nfc = unicodedata.normalize
    start = 0
    for i in range(1, len(text) + 1):
        if i < len(text):
            ch = text[i]
            # A new run starts at a character that neither combines (accents: class > 0) nor
            # composes with the one before it (Hangul jamo, some Indic vowel signs are class 0).
            pair = text[i - 1 : i + 1]
            if unicodedata.combining(ch) or nfc("NFC", pair) != nfc("NFC", text[i - 1]) + nfc("NFC", ch):
                continue
        yield start, i, nfc("NFC", text[start:i])
        start = i
