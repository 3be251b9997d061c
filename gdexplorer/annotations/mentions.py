"""Finding which curated entities an article mentions, by name or alias.

Names are matched as whole words: the text is split into word tokens once, and each position is
looked up in a table of names keyed by their first word, trying the longest name first. What
separates a name's words in the text must be what separates them in the name (up to spaces and
hyphens): "in China. Daily life" is not *China Daily*. So the
longest name wins ("GAC Hino" is not also "GAC"), and matching costs about one dictionary look-up
per word however many entities there are. Short all-caps acronyms (GAC, TCL, NEV) match
case-sensitively so that "gac" or "Tcl" in running text do not count; other names ignore case.
Names written in CJK characters have no word boundaries to respect and are found anywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable

from gdexplorer.model import Entity, Suggestion

_ACRONYM_MAX = 5
_WORD = re.compile(r"\w+")


def is_acronym(name: str) -> bool:
    letters = name.rstrip("s")
    return len(letters) <= _ACRONYM_MAX and letters.isupper() and letters.isalpha()


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _gap(between: str) -> str:
    """What separates two words of a name, as compared: "AT&T" is not "at T-junction", nor "China
    Daily" "in China. Daily life". Spaces, line breaks and hyphens are one space ("Mercedes Benz" is
    "Mercedes-Benz"), spaces around punctuation do not count, a blank line is never crossed."""
    if between.count("\n") >= 2:
        return "\n\n"  # a paragraph break: no name's words are separated by one
    gap = _SPACE_RUN.sub(" ", between.replace("\u2019", "'"))
    return gap.strip() or gap


_SPACE_RUN = re.compile(r"[\s\-\u2010\u2011]+")


def _gaps(text: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    return tuple(_gap(text[a[1] : b[0]]) for a, b in itertools.pairwise(spans))


class _Table:
    """Names as word tuples with what separates them, grouped by first word, each group longest first."""

    def __init__(self) -> None:
        self.names: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        self.words: set[tuple[str, ...]] = set()  # the names' words alone: most look-ups stop here
        self.lengths: dict[str, list[int]] = {}

    def add(self, words: tuple[str, ...], gaps: tuple[str, ...], entity_id: str) -> None:
        if (words, gaps) in self.names:
            return
        self.names[(words, gaps)] = entity_id
        self.words.add(words)
        lengths = self.lengths.setdefault(words[0], [])
        if len(words) not in lengths:
            lengths.append(len(words))
            lengths.sort(reverse=True)


class MentionMatcher:
    """Compiled once per annotation set; ``find(text)`` gives the entity ids mentioned in it."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self._exact = _Table()
        self._folded = _Table()
        cjk: dict[str, str] = {}
        for entity in entities:
            for name in entity.names:
                if _has_cjk(name):
                    cjk.setdefault(name.strip(), entity.id)
                    continue
                found = list(_WORD.finditer(name))
                words = tuple(m.group() for m in found)
                if not words or len("".join(words)) < 2:
                    continue
                gaps = _gaps(name, [m.span() for m in found])
                if is_acronym(name.strip()):
                    self._exact.add(words, gaps, entity.id)
                else:
                    self._folded.add(tuple(w.casefold() for w in words), gaps, entity.id)
        self._cjk = cjk
        self._cjk_re = (
            re.compile("|".join(re.escape(n) for n in sorted(cjk, key=lambda n: (-len(n), n)))) if cjk else None
        )
        digest = hashlib.sha1()
        for table in (self._exact, self._folded):
            for (words, gaps), entity_id in sorted(table.names.items()):
                digest.update(f"{' '.join(words)}\t{entity_id}\t{gaps!r}\n".encode())
        for name, entity_id in sorted(cjk.items()):
            digest.update(f"{name}\t{entity_id}\n".encode())
        self.signature = digest.hexdigest()

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, entity_id)`` in text order, longest name first."""
        found: list[tuple[int, int, str]] = []
        if self._exact.names or self._folded.names:
            tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
            folded = [t[2].casefold() for t in tokens]
            i = 0
            n = len(tokens)
            while i < n:
                hit = self._match(text, tokens, folded, i)
                if hit is None:
                    i += 1
                    continue
                length, entity_id = hit
                found.append((tokens[i][0], tokens[i + length - 1][1], entity_id))
                i += length
        if self._cjk_re is not None:
            taken = found[:]
            for m in self._cjk_re.finditer(text):
                if not any(s < m.end() and m.start() < e for s, e, _ in taken):
                    found.append((m.start(), m.end(), self._cjk[m.group()]))
            found.sort()
        return found

    def _match(self, text: str, tokens: list[tuple[int, int, str]], folded: list[str],
               i: int) -> tuple[int, str] | None:
        best: tuple[int, str] | None = None
        exact_lengths = self._exact.lengths.get(tokens[i][2])
        if exact_lengths:
            for length in exact_lengths:
                words = tuple(t[2] for t in tokens[i : i + length])
                if len(words) == length and words in self._exact.words:
                    key = (words, _gaps(text, [t[:2] for t in tokens[i : i + length]]))
                    if key in self._exact.names:
                        best = (length, self._exact.names[key])
                        break
        folded_lengths = self._folded.lengths.get(folded[i])
        if folded_lengths:
            for length in folded_lengths:
                if best is not None and length <= best[0]:
                    break
                words = tuple(folded[i : i + length])
                if len(words) == length and words in self._folded.words:
                    key = (words, _gaps(text, [t[:2] for t in tokens[i : i + length]]))
                    if key in self._folded.names:
                        best = (length, self._folded.names[key])
                        break
        return best

    def find(self, text: str) -> tuple[str, ...]:
        """Entity ids mentioned in ``text``, in order of first mention."""
        return tuple(dict.fromkeys(entity_id for _, _, entity_id in self.spans(text)))


_CANDIDATE = re.compile(
    r"\b(?:[A-Z][\w&'.-]*[\w&]|[A-Z])(?:\s+(?:(?:of|and|for|the|de|&)\s+)?(?:[A-Z][\w&'.-]*[\w&]|[A-Z0-9]+))*"
)
_COMMON = frozenset((
    "A", "An", "And", "As", "At", "But", "By", "For", "From", "He", "Her", "His", "However", "I", "If", "In", "It",
    "Its", "Meanwhile", "Moreover", "Mr", "Mrs", "Ms", "New", "No", "Not", "On", "Of", "Or", "She", "So", "That",
    "The", "Their", "There", "These", "They", "This", "Those", "Through", "To", "Under", "We", "What", "When",
    "Where", "While", "With", "Yet", "You", "According", "During", "Ever", "Efforts", "Focusing", "Government",
    "Officials", "Over", "Photo", "Related", "Reporter", "Editor", "January", "February", "March", "April", "May",
    "June", "July", "August", "September", "October", "November", "December", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday",
))


def suggest_entities(text: str, matcher: MentionMatcher, limit: int = 30) -> list[Suggestion]:
    """Capitalized spans and acronyms that no curated name covers, most frequent first."""
    taken = [(s, e) for s, e, _ in matcher.spans(text)]
    found: dict[str, list[int]] = {}
    for m in _CANDIDATE.finditer(text):
        words = m.group().split()
        while words and words[0] in _COMMON:  # "The National Institute" -> "National Institute"
            words.pop(0)
        while words and words[-1] in {"of", "and", "for", "the", "de", "&"}:
            words.pop()
        if not words:
            continue
        if not words or not words[0][:1].isupper():
            continue
        name = " ".join(words).rstrip(".,'")
        for suffix in ("'s", "\u2019s"):
            name = name.removesuffix(suffix)
        start = m.start() + m.group().find(words[0])
        end = start + len(name)
        if len(name) < 2 or any(s < end and start < e for s, e in taken):
            continue
        single = len(words) == 1
        if single and not (name.isupper() and len(name) >= 2) and _at_sentence_start(text, start):
            continue
        found.setdefault(name, []).append(start)
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    return [Suggestion(name, len(starts), starts[0]) for name, starts in ranked[:limit]]


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(\u201c\u2018")
    return not before or before[-1] in ".!?\n:;•|"
