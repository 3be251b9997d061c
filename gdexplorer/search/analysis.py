"""What the index makes of text: stemmed words for ranking, exact words and CJK characters for matching.

Every field is analysed without stop words: "US", "IT", "May", "who" and "the" are words like any
other (BM25's idf keeps them from dominating a ranking). Each text field has two forms:

- ``title``/``body``: words, lower-cased and stemmed (jieba words for Chinese corpora), counted but
  without positions. Plain words are searched here, so "economy" finds "economies".
- ``title_exact``/``body_exact``: every word as written (lower-cased, not stemmed) and every CJK
  character (Han, kana) on its own, with positions. Phrases are searched here, so ``"US economy"``
  matches those words in that order and nothing else, and a run of CJK characters is a phrase of
  characters: it finds exactly the articles holding that substring, whatever jieba made of it.

Positions leave a gap where CJK text is broken by anything (a space, punctuation, a Latin word
written apart), so consecutive positions of CJK characters mean adjacent characters in the text.
Between two Latin words punctuation is no gap: ``"US economy"`` matches "US. Economy", as in
Lucene, which is what a word-boundary regular expression counts too.

``prefix`` holds the first one, two and three letters of every word of the title and body
(``PREFIX_CHARS``), once per article and without counts: what a prefix of that length matches.
A one-letter prefix stands for tens of thousands of words at 100,000 articles; reading their posting
lists to find the articles took seconds, where the prefix's own list is one read (SQLite FTS5's
``prefix=`` option does the same).

A text can hold one "word" of megabytes (a base64 image pasted into an article, a minified data
blob). Indexed whole, it made a prefix query that reached it take minutes and hundreds of MB, and
every snippet and highlight that touched it copy and stem it. Like Lucene's tokenizers
(``maxTokenLength``, 255), every analyzer cuts a word longer than :data:`MAX_WORD_CHARS` into
pieces of that length, each a word at its own position: every character stays searchable (a
prefix finds the word by its first piece), and no term, expansion or highlight is ever longer
than the cap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import Analyzer, CompositeAnalyzer
from whoosh.analysis.filters import Filter, LowercaseFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer, Tokenizer
from whoosh.lang.snowball.english import EnglishStemmer

MAX_WORD_CHARS = 255  # Lucene's default maxTokenLength


class LongWordFilter(Filter):
    """Cuts words longer than ``size`` characters into consecutive pieces of ``size``.

    Put right after the tokenizer, where a token's characters are still those of the text, so each
    piece's character range is exact. Later tokens move up by the positions the pieces took.
    """

    def __init__(self, size: int = MAX_WORD_CHARS) -> None:
        self.size = size

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        size = self.size
        shift = 0  # positions taken by the extra pieces so far
        for token in tokens:
            if shift and token.positions:
                token.pos += shift
            text = token.text
            if len(text) <= size:
                yield token
                continue
            pos = token.pos if token.positions else 0
            start = token.startchar if token.chars else 0
            keep = hasattr(token, "original")
            for n, at in enumerate(range(0, len(text), size)):
                piece = text[at : at + size]
                token.text = piece
                if keep:
                    token.original = piece
                if token.positions:
                    token.pos = pos + n
                if token.chars:
                    token.startchar = start + at
                    token.endchar = start + at + len(piece)
                yield token
            shift += (len(text) - 1) // size


# Han ideographs (with extensions and compatibility forms), the iteration marks, and Japanese kana.
# Hangul is left to word tokenization: Korean separates its words with spaces.
CJK_RANGES = (
    "\u3005-\u3007"  # the iteration and closing marks, ideographic zero
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff"  # Katakana (with ー)
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # Extension A
    "\u4e00-\u9fff"  # Unified ideographs
    "\uf900-\ufaff"  # Compatibility ideographs
    "\uff66-\uff9f"  # Half-width katakana
    "\U00020000-\U0003134f"  # Extensions B-G and the compatibility supplement
)
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
# The English tokenizer's words (Whoosh's default, r"\w+(\.?\w+)*"), with each CJK character a token
# of its own. The same boundaries, so a Latin word is the same token in both forms of a field.
_NOT_CJK_WORD = rf"[^\W{CJK_RANGES}]"
EXACT_TOKEN = re.compile(f"[{CJK_RANGES}]|{_NOT_CJK_WORD}+(?:\\.?{_NOT_CJK_WORD}+)*")

# The field that holds each text field's exact words and characters.
EXACT_FIELDS = {"title": "title_exact", "body": "body_exact"}


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def is_cjk(ch: str) -> bool:
    return CJK_CHAR.match(ch) is not None


def exact_spans(value: str, size: int = MAX_WORD_CHARS) -> Iterator[tuple[str, int, int, int]]:
    """(token, position, start, end) for the exact form of a field, lower-casing left to the caller.

    A position is one more than the last, or two more where CJK text is interrupted: a CJK
    character that does not touch the token before it, or a token after a CJK character it does
    not touch. A word longer than ``size`` comes as its pieces, numbered as ``LongWordFilter``
    numbers them (the same pieces, whichever of the two cuts).
    """
    pos = -1
    end = -1
    cjk_before = False
    for m in EXACT_TOKEN.finditer(value):
        start = m.start()
        text = m.group()
        cjk = len(text) == 1 and is_cjk(text)
        pos += 2 if (cjk or cjk_before) and start != end and pos >= 0 else 1
        end = m.end()
        cjk_before = cjk
        if len(text) <= size:
            yield text, pos, start, end
            continue
        for at in range(0, len(text), size):
            piece = text[at : at + size]
            yield piece, pos, start + at, start + at + len(piece)
            pos += 1
        pos -= 1


class SpanTokenizer(Tokenizer):
    """A tokenizer defined by its ``spans``: Whoosh's ``Token`` plumbing (positions, characters,
    the untokenized mode) written once for the exact and the Chinese tokenizers."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def spans(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        """(token, position, start, end) of each token of ``value``, positions from 0."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        for text, pos, start, end in self.spans(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class ExactTokenizer(SpanTokenizer):
    """Words as the English tokenizer finds them, and each CJK character apart (see the module)."""

    def spans(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        return exact_spans(value)


PREFIX_CHARS = 3


class PrefixTokenizer(Tokenizer):
    """Each distinct first one, two and three letters of the exact fields' words, in no order.

    Set operations over the text's distinct words, not a token stream: per token, Whoosh's
    filter chain cost as much as analysing the body again. CJK characters have no prefixes: each
    is a word of its own in the exact fields.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text in prefix_words(value) if tokenize else prefix_words(value, whole=True):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            yield token


def prefix_words(value: str, whole: bool = False) -> set[str]:
    """The distinct first one, two and three letters of the text's exact words (of the whole
    text as one word with ``whole``)."""
    words = {value.lower()} if whole else set(EXACT_TOKEN.findall(value.lower()))
    return {w[:size] for w in words if not is_cjk(w[:1]) for size in range(1, PREFIX_CHARS + 1)}


def is_prefix_analyzer(analyzer: object) -> bool:
    items = getattr(analyzer, "items", None)
    return isinstance(analyzer, CompositeAnalyzer) and items is not None and len(items) == 1 \
        and type(items[0]) is PrefixTokenizer


def prefix_analyzer() -> Analyzer:
    """The analyzer of the ``prefix`` field: the exact words' short prefixes (see the module)."""
    return CompositeAnalyzer(PrefixTokenizer())


def exact_analyzer() -> Analyzer:
    """The analyzer of the ``*_exact`` fields, the same for every corpus language. The tokenizer
    already yields long words as pieces; the filter keeps the chain the same as the others'."""
    return ExactTokenizer() | LongWordFilter() | LowercaseFilter()


_porter2 = EnglishStemmer()


def english_stem(word: str) -> str:
    """Porter2 (Snowball English), not Whoosh's default Porter: Porter stems "used", "uses",
    "using" and "useful" to "us", so a search for US (a stop word until schema 5) found them all."""
    return _porter2.stem(word)


def english_analyzer() -> Analyzer:
    """Whoosh's stemming analyzer without its stop list (every word is indexed), with Porter2, and
    long words cut into pieces (see the module docstring)."""
    return RegexTokenizer() | LongWordFilter() | LowercaseFilter() | StemFilter(stemfn=english_stem)
