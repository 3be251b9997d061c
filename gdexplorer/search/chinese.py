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

from whoosh.analysis.analyzers import Analyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.analysis.morph import StemFilter

from gdexplorer.search.analysis import LongWordFilter, SpanTokenizer, english_stem

_initialized = False


def _jieba():
    global _initialized
    import jieba

    if not _initialized:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _initialized = True
    return jieba


class ChineseTokenizer(SpanTokenizer):
    """Segments text with jieba in "search" mode (words and the shorter words inside them)."""

    def spans(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        pos = 0
        for word, start, end in _jieba().tokenize(value, mode="search"):
            if not word.strip() or not any(ch.isalnum() for ch in word):
                continue
            yield word, pos, start, end
            pos += 1


def chinese_analyzer() -> Analyzer:
    # Load the dictionary now, in the parent: the parallel index writers fork and then share it.
    _jieba()
    return ChineseTokenizer() | LongWordFilter() | LowercaseFilter() | StemFilter(stemfn=english_stem)
