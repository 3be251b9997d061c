"""Snippets and highlights: where a hit's terms occur in an article's text, as ``Segment`` tuples.

Cut from the article file for the visible hits only (bodies are not stored in the index), so this is
on every search's path: only the words that could match are analysed (see ``_quick_snippet``), with
Whoosh's highlighter as the fallback and the reference for what matches.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from whoosh import highlight
from whoosh.analysis.analyzers import Analyzer

from gdexplorer.model import Segment, Snippet
from gdexplorer.search.analysis import MAX_WORD_CHARS, has_cjk, is_cjk

SNIPPET_CHARS = 220
SNIPPET_SURROUND = 60
MAX_SNIPPET_TERMS = 300  # stems in one candidate pattern
MAX_SPANS = 24  # matches looked for in one article: enough to choose the two best passages


class SegmentFormatter(highlight.Formatter):
    """A Whoosh formatter that yields ``Segment`` tuples instead of markup."""

    between = " … "

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> list[Segment]:
        out = self._format_fragment(fragment)
        # A fragment is normally ~200 characters, but one unbroken "word" can be a megabyte.
        budget = SNIPPET_CHARS * 2
        bounded: list[Segment] = []
        for segment in out:
            if budget <= 0:
                bounded.append(Segment("…"))
                break
            if len(segment.text) > budget:
                segment = Segment(segment.text[:budget] + "…", segment.match)
            bounded.append(segment)
            budget -= len(segment.text)
        return bounded

    def _format_fragment(self, fragment: highlight.Fragment) -> list[Segment]:
        text = fragment.text
        out: list[Segment] = []
        at = fragment.startchar
        if at > 0:
            out.append(Segment("…"))
        for token in fragment.matches:
            if token.startchar < at:
                continue
            if token.startchar > at:
                out.append(Segment(_squash(text[at : token.startchar])))
            out.append(Segment(_squash(text[token.startchar : token.endchar]), True))
            at = token.endchar
        out.append(Segment(_squash(text[at : fragment.endchar])))
        if fragment.endchar < len(text):
            out.append(Segment("…"))
        return out

    def format(self, fragments: list[highlight.Fragment], replace: bool = False) -> Snippet:
        segments: list[Segment] = []
        for fragment in fragments:
            part = self.format_fragment(fragment, replace)
            if segments:
                # One ellipsis between two fragments, not "… …".
                if segments[-1].text == "…" and part and part[0].text == "…":
                    part = part[1:]
                segments.append(Segment(" "))
            segments.extend(part)
        return tuple(s for s in segments if s.text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def lead_snippet(body: str, chars: int = SNIPPET_CHARS) -> Snippet:
    """The start of the body, for hits that matched only in the title or a filter."""
    text = _squash(body[: chars * 4]).strip()
    if len(text) <= chars:
        return (Segment(text),) if text else ()
    cut = text.rfind(" ", 0, chars)
    return (Segment(text[: cut if cut > chars // 2 else chars]), Segment("…"))


def make_snippet(body: str, terms: Iterable[str], analyzer: Analyzer) -> Snippet:
    """Up to two passages of ``body`` around the terms, or its start when none occurs."""
    term_set = frozenset(terms)
    written = frozenset(t for t in term_set if _as_written(t))
    if written and body:
        spans = [m.span() for m in itertools.islice(phrase_pattern(written).finditer(body), MAX_SPANS)]
        others = term_set - written
        if others:
            first = _quick_spans(body, others, analyzer)
            spans += first if first is not None else highlight_spans(body, others, analyzer, limit=MAX_SPANS)
        return _passages(body, _disjoint(spans)[:MAX_SPANS]) or lead_snippet(body)
    if term_set and body:
        quick = _quick_snippet(body, term_set, analyzer)
        if quick:
            return quick
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SNIPPET_SURROUND)
        # Analyzing (stemming) a whole long article per hit dominated search time; only the
        # neighbourhoods of words that could be hits need it. Stems are nearly always a prefix of
        # their words, less a letter ("economi" for "economy"), which finds the candidates cheaply.
        text, offset = _candidate_window(body, term_set)
        found = highlight.highlight(text, term_set, analyzer, fragmenter, SegmentFormatter(), top=2,
                                    scorer=highlight.BasicFragmentScorer(), minscore=1)
        if found:
            if offset > 0 and found[0].text != "…":
                found = (Segment("…"), *found)
            return found
    return lead_snippet(body)


_WORD = re.compile(r"\w+(?:\.?\w+)*")  # the English tokenizer's words: "u.s", "economy.th" are one each
_SPACE = re.compile(r"\s+")
_WORD_REST = re.compile(r"\w*")
_LAST_SPACE = re.compile(r"\s+(?=\S*$)")
_stem_cache: dict[tuple[int, str], str | None] = {}
_pattern_cache: dict[frozenset[str], re.Pattern[str] | None] = {}


def _stem(word: str, analyzer: Analyzer) -> str | None:
    key = (id(analyzer), word)
    if key not in _stem_cache:
        if len(_stem_cache) > 100_000:
            _stem_cache.clear()
        tokens = [t.text for t in analyzer(word)]
        _stem_cache[key] = tokens[0] if len(tokens) == 1 else None
    return _stem_cache[key]


def _stem_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    """Word starts that could be one of ``terms`` (stems are nearly always a prefix of the word, less a letter)."""
    if terms not in _pattern_cache:
        if len(_pattern_cache) > 256:
            _pattern_cache.clear()
        pattern = None
        if all(t.isascii() and _WORD.fullmatch(t) for t in terms):
            stems = sorted({t[: max(3, len(t) - 1)] for t in terms}, key=len, reverse=True)[:MAX_SNIPPET_TERMS]
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in stems) + ")", re.IGNORECASE)
        _pattern_cache[terms] = pattern
    return _pattern_cache[terms]


def _quick_snippet(body: str, terms: frozenset[str], analyzer: Analyzer) -> Snippet:
    """Whoosh's highlighter analyzes every word of the text; this analyzes only the words that could match.

    Empty when it cannot tell (non-ASCII terms, or no candidate confirmed): the caller then
    falls back to Whoosh's highlighter, which is the reference for what matches.
    """
    spans = _quick_spans(body, terms, analyzer)
    return _passages(body, spans) if spans else ()


def _quick_spans(body: str, terms: frozenset[str], analyzer: Analyzer) -> list[tuple[int, int]] | None:
    """The first matches of the terms, the candidates found by their stems; None for terms that
    are not plain ASCII words."""
    pattern = _stem_pattern(terms)
    if pattern is None:
        return None
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(body):
        # Bounded: a word of megabytes is indexed as pieces of MAX_WORD_CHARS, and only its first
        # piece starts where a pattern can match; reading it whole would copy and stem it all.
        w = _WORD.match(body, m.start(), m.start() + MAX_WORD_CHARS + 1)
        if w is None:
            continue
        start, end = w.span()
        end = min(end, start + MAX_WORD_CHARS)
        if _stem(body[start:end].lower(), analyzer) in terms:
            spans.append((start, end))
            if len(spans) >= MAX_SPANS:
                break
    return spans


def _passages(body: str, spans: list[tuple[int, int]]) -> Snippet:
    """Up to two passages around the densest groups of ``spans`` (ascending, not overlapping)."""
    if not spans:
        return ()
    groups: list[list[int]] = []  # [start, end, matches]
    for start, end in spans:
        if groups and end - groups[-1][0] <= SNIPPET_CHARS - 2 * SNIPPET_SURROUND:
            groups[-1][1] = end
            groups[-1][2] += 1
        else:
            groups.append([start, end, 1])
    best = sorted(sorted(groups, key=lambda g: -g[2])[:2])
    segments: list[Segment] = []
    windows: list[list[int]] = []  # [begin, stop] of each passage, widened to word boundaries
    for start, end, _ in best:
        begin = max(0, start - SNIPPET_SURROUND)
        if begin:
            space = _SPACE.search(body, begin, start)
            begin = space.end() if space else begin
        stop = min(len(body), end + SNIPPET_SURROUND)
        if stop < len(body):
            space = _LAST_SPACE.search(body, end, stop)
            stop = space.start() if space else stop
        if windows and begin <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], stop)  # the surroundings overlap: one passage, not the text twice
        else:
            windows.append([begin, stop])
    for begin, stop in windows:
        if begin > 0 and not (segments and segments[-1].text == "…"):
            segments.append(Segment("…"))
        elif segments:
            segments.append(Segment(" "))
        at = begin
        budget = SNIPPET_CHARS * 2
        for s, e in spans:
            if s < begin or e > stop:
                continue
            if s > at:
                segments.append(Segment(_squash(body[at:s])))
            segments.append(Segment(_squash(body[s:e]), True))
            at = e
        tail = _squash(body[at:stop])
        segments.append(Segment(tail[:budget] + ("…" if len(tail) > budget else "")))
        if stop < len(body):
            segments.append(Segment("…"))
    return tuple(s for s in segments if s.text)


def _candidate_window(body: str, terms: frozenset[str]) -> tuple[str, int]:
    """The part of ``body`` that holds its first few likely hits (whole text if short or unsure)."""
    if len(body) <= 4000 or any(not t.isascii() for t in terms):
        return body, 0
    stems = sorted({t[: max(3, len(t) - 1)] for t in terms if t.isalnum()}, key=len, reverse=True)
    if not stems:
        return body, 0
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in stems[:50]) + ")", re.IGNORECASE)
    starts = [m.start() for _, m in zip(range(8), pattern.finditer(body), strict=False)]
    if not starts:
        return body, 0
    begin = max(0, starts[0] - 400)
    end = min(len(body), starts[-1] + 600)
    begin = body.rfind(" ", 0, begin) + 1 if begin else 0
    return body[begin:end], begin


def phrase_term(words: Iterable[str]) -> str:
    """A phrase's exact tokens as one highlight term: CJK characters joined, other words spaced."""
    out = ""
    for word in words:
        if out and not (is_cjk(word) and is_cjk(out[-1])):
            out += " "
        out += word
    return out


def _as_written(term: str) -> bool:
    """A phrase, CJK text or a prefix ("gu*"), found as written rather than through the analyzer."""
    return " " in term or has_cjk(term) or term.endswith("*")


def phrase_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """Where the phrase terms occur, as the search matches them: the words in order with anything
    but a word character between (nothing required next to CJK text), case-insensitive."""
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        if term.endswith("*") and len(term) > 1:
            # A prefix: any word beginning with it, whatever follows (as the ``prefix`` field cuts words).
            stem = term[:-1]
            # Bounded as words are indexed: a word of megabytes is highlighted by its first piece.
            rest = max(0, MAX_WORD_CHARS - len(stem))
            alternatives.append((r"(?<!\w)" if not has_cjk(stem[0]) else "") + re.escape(stem) + rf"\w{{0,{rest}}}")
            continue
        pieces = term.split(" ")
        pattern = re.escape(pieces[0])
        for before, piece in itertools.pairwise(pieces):
            cjk = has_cjk(before[-1]) or has_cjk(piece[0])
            pattern += (r"\W*" if cjk else r"\W+") + re.escape(piece)
        if not has_cjk(term[0]):
            pattern = r"(?<!\w)" + pattern
        if not has_cjk(term[-1]):
            pattern += r"(?!\w)"
        alternatives.append(pattern)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def highlight_spans(text: str, terms: Iterable[str], analyzer: Analyzer,
                    limit: int | None = None) -> list[tuple[int, int]]:
    """Character ranges in ``text`` whose analyzed form is one of ``terms``, ascending.

    Phrases and terms holding CJK characters are found as written, as the search matches them
    (see ``gdexplorer.search.parsing``); where two ranges overlap the first, longest one wins.
    """
    wanted = set(terms)
    if not wanted or not text:
        return []
    written = [t for t in wanted if _as_written(t)]
    spans: list[tuple[int, int]] = []
    if written:
        prefixes = [t[:-1].lower() for t in written if t.endswith("*") and len(t) > 1]
        for m in phrase_pattern(written).finditer(text):
            start, end = m.span()
            if end - start == MAX_WORD_CHARS and prefixes:
                end = _pieces_end(text, start, end, prefixes)
            spans.append((start, end))
        wanted.difference_update(written)
    if wanted:
        joins = False  # the last span ended with a whole piece of a long word: the next piece continues it
        for token in analyzer(text, chars=True, mode="index", removestops=False):
            if token.text in wanted:
                if joins and spans[-1][1] == token.startchar:
                    # One span per long word, not one per piece: 20,000 for a word of 5 MB.
                    spans[-1] = (spans[-1][0], token.endchar)
                else:
                    spans.append((token.startchar, token.endchar))
                joins = token.endchar - token.startchar == MAX_WORD_CHARS
            else:
                joins = False
    if written and wanted:
        spans = _disjoint(spans)
    return spans[:limit] if limit is not None else spans


def _pieces_end(text: str, start: int, end: int, prefixes: list[str]) -> int:
    """Where the run of a huge word's pieces that a prefix matches ends: each piece of
    ``MAX_WORD_CHARS`` is a word of the index, highlighted when it begins with the prefix too."""
    stem = next((p for p in prefixes if text[start : start + len(p)].lower() == p), None)
    if stem is None:
        return end
    while True:
        piece = _WORD_REST.match(text, end, end + MAX_WORD_CHARS)
        if piece is None or piece.end() == end or text[end : end + len(stem)].lower() != stem:
            return end
        end = piece.end()


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ascending, without overlaps: of two that overlap, the one starting first (the longer at a tie)."""
    kept: list[tuple[int, int]] = []
    for span in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def snippet_offset(body: str, snippet: Snippet) -> int | None:
    """Where in ``body`` the snippet's first match is; None when it shows no match or it is not found.

    Snippets squash white space and may cut a long segment short, so the match is looked for with
    the words shown before it in its passage (a common word occurs many times) and white space
    of any kind between them; failing that, the match alone.
    """
    first = next((i for i, segment in enumerate(snippet) if segment.match), None)
    if first is None:
        return None
    before = ""
    for segment in reversed(snippet[:first]):
        if segment.text == "…":
            break
        before = segment.text + before
    match = snippet[first].text.removesuffix("…").split()
    if not match:
        return None
    shown = r"\s+".join(re.escape(w) for w in match)
    context = before[-80:].split()[1:] if len(before) > 80 else before.split()  # the first word may be cut
    if context:
        glue = r"\s+" if before[-1:].isspace() else r"\s*"
        m = re.search(r"\s+".join(re.escape(w) for w in context) + glue + f"({shown})", body)
        if m is not None:
            return m.start(1)
    m = re.search(shown, body)
    return m.start() if m is not None else None
