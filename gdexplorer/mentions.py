"""Finding which curated entities an article mentions, by name or alias.

Matching is on word boundaries; short all-caps acronyms (GAC, TCL, NEV) match case-sensitively so
that "gac" or "Tcl" in running text do not count, other names case-insensitively. Where names
overlap, the longest wins, so "GAC Hino" is not also "GAC". Names written in CJK characters have
no word boundaries to respect and match anywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from gdexplorer.model import Entity

_ACRONYM_MAX = 5


def is_acronym(name: str) -> bool:
    letters = name.rstrip("s")
    return len(letters) <= _ACRONYM_MAX and letters.isupper() and letters.isalpha()


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _pattern(names: Iterable[str]) -> str:
    parts = []
    # Longest first: an alternation takes the first alternative that matches at a position.
    for name in sorted(set(names), key=lambda n: (-len(n), n)):
        body = r"\s+".join(re.escape(word) for word in name.split())
        if _has_cjk(name):
            parts.append(body)
        else:
            parts.append(rf"(?<![\w-]){body}(?![\w-])")
    return "|".join(parts)


class MentionMatcher:
    """Compiled once per annotation set; ``find(text)`` gives the entity ids mentioned in it."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        exact: dict[str, str] = {}
        folded: dict[str, str] = {}
        for entity in entities:
            for name in entity.names:
                name = " ".join(name.split())
                if len(name) < 2:
                    continue
                if is_acronym(name):
                    exact.setdefault(name, entity.id)
                else:
                    folded.setdefault(name.casefold(), entity.id)
        self._exact = exact
        self._folded = folded
        self._exact_re = re.compile(_pattern(exact)) if exact else None
        self._folded_re = re.compile(_pattern(folded), re.IGNORECASE) if folded else None
        digest = hashlib.sha1()
        for name, entity_id in sorted(exact.items()) + sorted(folded.items()):
            digest.update(f"{name}\t{entity_id}\n".encode())
        self.signature = digest.hexdigest()

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, entity_id)``, longest match first where they overlap."""
        found: list[tuple[int, int, str]] = []
        if self._exact_re is not None:
            for m in self._exact_re.finditer(text):
                found.append((m.start(), m.end(), self._exact[" ".join(m.group().split())]))
        if self._folded_re is not None:
            for m in self._folded_re.finditer(text):
                found.append((m.start(), m.end(), self._folded[" ".join(m.group().split()).casefold()]))
        found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        kept: list[tuple[int, int, str]] = []
        end = -1
        for span in found:
            if span[0] >= end:
                kept.append(span)
                end = span[1]
            elif span[1] - span[0] > kept[-1][1] - kept[-1][0]:
                # A longer name that starts inside the previous one: it wins.
                kept[-1] = span
                end = span[1]
        return kept

    def find(self, text: str) -> tuple[str, ...]:
        """Entity ids mentioned in ``text``, in order of first mention."""
        return tuple(dict.fromkeys(entity_id for _, _, entity_id in self.spans(text)))
