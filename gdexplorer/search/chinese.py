"""Chinese text analysis for the index: jieba word segmentation behind a Whoosh analyzer.

jieba's own ``ChineseAnalyzer`` gives each token its *character* offset as its position, which
breaks phrase queries; this tokenizer numbers positions word by word and fills in the character
ranges that highlighting needs. Latin words in Chinese text are lower-cased and stemmed as in
English (Porter2), and words longer than 255 characters are cut into pieces as in English. jieba
builds its dictionary on first use (about a second, then cached).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import Analyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import Tokenizer

from gdexplorer.search.analysis import LongWordFilter, english_stem

_initialized = False


def _jieba():
    global _initialized
    import jieba

    if not _initialized:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _initialized = True
    return jieba


class ChineseTokenizer(Tokenizer):
    """Segments text with jieba in "search" mode (words and the shorter words inside them)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

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
        pos = start_pos
        for word, start, end in _jieba().tokenize(value, mode="search"):
            if not word.strip() or not any(ch.isalnum() for ch in word):
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def chinese_analyzer() -> Analyzer:
    # Load the dictionary now, in the parent: the parallel index writers fork and then share it.
    _jieba()
    return ChineseTokenizer() | LongWordFilter() | LowercaseFilter() | StemFilter(stemfn=english_stem)
