"""The English analyzer of the index, and the cap on how long one indexed word can be.

A text can hold one "word" of megabytes (a base64 image pasted into an article, a minified data
blob). Indexed whole, it made a prefix query that reached it take minutes and hundreds of MB, and
every snippet and highlight that touched it copy and stem it. Like Lucene's tokenizers
(``maxTokenLength``, 255), a word longer than :data:`MAX_WORD_CHARS` is cut into pieces of that
length, each a word at its own position: every character stays searchable (a prefix finds the
word by its first piece), and no term, expansion or highlight is ever longer than the cap.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import Analyzer
from whoosh.analysis.filters import Filter, LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer

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


def english_analyzer() -> Analyzer:
    """Whoosh's ``StemmingAnalyzer`` with long words cut into pieces (see the module docstring)."""
    return RegexTokenizer() | LongWordFilter() | LowercaseFilter() | StopFilter() | StemFilter()
