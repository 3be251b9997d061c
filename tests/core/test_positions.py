"""FastPositions yields what Whoosh's Positions yields (positions packed), on real articles and odd text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import formats

from gdexplorer.corpus.reading import Corpus
from gdexplorer.search.analysis import MAX_WORD_CHARS, LongWordFilter, english_analyzer, exact_analyzer, exact_spans
from gdexplorer.search.chinese import chinese_analyzer
from gdexplorer.search.engine.positions import FastFrequency, FastPositions, _plan, pack_positions, unpack_positions
from tests.conftest import corpus_path

ODD = [
    "", "   ", "The the THE", "a b c d", "U.S. e-mail 3.14 x*y wasn't", "naïve café Ærø straße İstanbul",
    "running runs ran runner's", "one\u00a0two\tthree\nfour", "..." * 50, "\ufb01nance \uff26\uff35\uff2c\uff2c \uff57\uff49\uff44\uff54\uff48",
    "中国经济 growth 增长", "word " * 300, "Mr. Blair, Mr. Brown and Mr. Howard: the 2005 election.",
    # Long words, cut into pieces: exactly 255, one more, a piece of one letter (a stop by size)
    # at the end, dots and stars inside, and the words after them.
    "x" * 255 + " after", "y" * 256 + " after", "The " + "Running" * 100 + " ran", "a.b" * 200 + " e-mail",
    "q*" * 300 + " end the end", "naïve" * 60 + "İ" * 10 + " café",
    "İ" * 200 + " lengthens when lower-cased, and is not cut",
]


def both(text: str, boost: float = 1.0, analyzer=None) -> tuple[list, list]:
    """(word, frequency, weight, positions) from our format and from Whoosh's, values decoded."""
    analyzer = analyzer or english_analyzer()
    fast, whoosh = FastPositions(field_boost=boost), formats.Positions(field_boost=boost)
    ours = [(w, f, wt, fast.decode_positions(v), fast.decode_frequency(v))
            for w, f, wt, v in fast.word_values(text, analyzer, mode="index")]
    theirs = [(w, f, wt, whoosh.decode_positions(v), whoosh.decode_frequency(v))
              for w, f, wt, v in whoosh.word_values(text, analyzer, mode="index")]
    return ours, theirs


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=50, unique=True))
def test_packed_positions_read_back_whatever_their_gaps(positions):
    positions.sort()
    value = pack_positions(positions)
    assert unpack_positions(value) == positions
    assert FastPositions().decode_frequency(value) == len(positions)


def test_gaps_take_the_narrowest_width():
    assert len(pack_positions([3, 200, 400])) == 4 + 3
    assert len(pack_positions([3, 300])) == 4 + 2 * 2
    assert len(pack_positions([3, 70_000])) == 4 + 2 * 4


@pytest.mark.parametrize("text", ODD)
@pytest.mark.parametrize("boost", [1.0, 2.0])
def test_odd_text_gives_the_same_postings(text, boost):
    ours, theirs = both(text, boost)
    assert ours == theirs


def test_the_english_analyzer_takes_the_fast_loop():
    # Else the comparisons above would compare Whoosh's code with itself.
    assert _plan(english_analyzer()) is not None


def test_other_analyzers_go_through_whoosh():
    ours, theirs = both("中国经济增长很快\uff0c深圳的新能源汽车", analyzer=chinese_analyzer())
    assert ours == theirs and ours


@pytest.mark.parametrize("name", ["en-bbc-news-2004-2005", "en-guardian-china-2007-2016"])
def test_real_articles_give_the_same_postings(name):
    corpus = Corpus(corpus_path(name))
    checked = 0
    for stat in list(corpus.scan().values())[:300]:
        article = corpus.read(stat.id)
        for text, boost in ((article.info.title, 2.0), (article.body, 1.0)):
            ours, theirs = both(text, boost)
            assert ours == theirs, stat.id
        checked += 1
    assert checked > 100


# -- schema 5: the stemmed fields count words (FastFrequency), the exact fields keep positions ---

CJK_ODD = [
    "中美经济", "中美\uff0c经济 growth", "经 济", "5G网络和iPhone手机", "東京タワーへ行きました。ｶﾀｶﾅ", "ひらがな カタカナ 漢字",
    "𠀀𠀁 (extension B)", "U.S.中国 e-mail", "中\n\n美", "abc中文def", "한국어 문장 中文",
    # Long words next to CJK characters, touching them or not: the pieces and the gaps both count.
    "中" + "x" * 600 + "美 after", "経済 " + "ab" * 200 + " 中文", "中文" + "z" * 255 + "。美",
]


def frequencies(text: str, analyzer, boost: float = 1.0) -> tuple[list, list]:
    fast, whoosh = FastFrequency(field_boost=boost), formats.Frequency(field_boost=boost)
    ours = [(w, f, wt, fast.decode_frequency(v)) for w, f, wt, v in fast.word_values(text, analyzer, mode="index")]
    theirs = [(w, f, wt, whoosh.decode_frequency(v))
              for w, f, wt, v in whoosh.word_values(text, analyzer, mode="index")]
    return ours, theirs


@pytest.mark.parametrize("text", ODD + CJK_ODD)
@pytest.mark.parametrize("boost", [1.0, 2.0])
def test_every_analyzer_of_the_schema_gives_whooshs_postings(text, boost):
    for analyzer in (english_analyzer(), exact_analyzer()):
        ours, theirs = both(text, boost, analyzer)
        assert ours == theirs
        ours, theirs = frequencies(text, analyzer, boost)
        assert ours == theirs


def test_the_fast_paths_are_taken_for_the_schemas_analyzers():
    from gdexplorer.search.engine.positions import EXACT, _plan

    assert _plan(exact_analyzer()) == EXACT
    assert _plan(english_analyzer()) is not None
    assert _plan(chinese_analyzer()) is None


@pytest.mark.parametrize("text", ODD + CJK_ODD)
def test_the_exact_tokenizer_cuts_long_words_as_the_long_word_filter_does(text):
    # exact_spans cuts at MAX_WORD_CHARS itself (the fast loop relies on it); the pieces must be
    # those LongWordFilter makes of the whole words, positions and character ranges included.
    from whoosh.analysis.acore import Token

    def whole_words():
        for word, pos, start, end in exact_spans(text, size=10**9):
            token = Token(positions=True, chars=True)
            token.text, token.pos, token.startchar, token.endchar = word, pos, start, end
            yield token

    cut = [(t.text, t.pos, t.startchar, t.endchar) for t in LongWordFilter()(whole_words())]
    assert list(exact_spans(text)) == cut
    assert all(len(word) <= MAX_WORD_CHARS for word, *_ in cut)


def test_exact_positions_leave_a_gap_where_cjk_text_is_broken():
    tokens = [(t.text, t.pos) for t in exact_analyzer()("中美\uff0c经济 US economy 5G网络 東京タワー", positions=True)]
    assert tokens == [("中", 0), ("美", 1), ("经", 3), ("济", 4), ("us", 6), ("economy", 7), ("5g", 8), ("网", 9),
                      ("络", 10), ("東", 12), ("京", 13), ("タ", 14), ("ワ", 15), ("ー", 16)]


@pytest.mark.parametrize("name", ["en-bbc-news-2004-2005", "zh-sogouca-sample-2012", "zh-thucnews-cnews-1k"])
def test_real_articles_give_the_same_postings_in_every_field(name):
    corpus = Corpus(corpus_path(name))
    for stat in list(corpus.scan().values())[:150]:
        article = corpus.read(stat.id)
        for text, boost in ((article.info.title, 2.0), (article.body, 1.0)):
            ours, theirs = both(text, boost, exact_analyzer())
            assert ours == theirs, stat.id
            if not name.startswith("zh"):
                ours, theirs = frequencies(text, english_analyzer(), boost)
                assert ours == theirs, stat.id
