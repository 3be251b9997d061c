"""Counts that are true: every word, phrases with common words, and CJK text below the word level.

Each total is checked against a count over the article files themselves (a regular expression per
headline and body, the two texts the index holds), on real corpora: the BBC corpus whole, the
SogouCA sample whole and the first 400 THUCNews articles.
"""

import re

import pytest

from gdexplorer.errors import QueryError
from gdexplorer.explorer import Explorer
from gdexplorer.search.analysis import english_analyzer
from gdexplorer.search.chinese import chinese_analyzer
from gdexplorer.search.parsing import WHOLE_WORD_SCORE

pytestmark = pytest.mark.corpora


def containing(texts: dict[str, tuple[str, str]], pattern: re.Pattern[str]) -> set[str]:
    return {i for i, (head, body) in texts.items() if pattern.search(head) or pattern.search(body)}


def words_pattern(*phrases: str) -> re.Pattern[str]:
    """Any of the phrases, word by word with anything but a word character between, case-insensitive."""
    alternatives = (r"\W+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def found(ex: Explorer, query: str, expected: set[str]) -> set[str]:
    # Articles, not texts: the regular expressions count files, and BBC holds byte-identical copies.
    result = ex.search(query, limit=len(expected) + 10, snippets=False, collapse=False)
    paths = {h.path for h in result.hits}
    assert result.total == len(paths)
    return paths


# -- English: no stop words ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["US", "May", "who", "the", "a"])
def test_former_stop_words_find_every_article_holding_them(bbc, word):
    ex, texts = bbc
    expected = containing(texts, words_pattern(word))
    assert expected
    assert found(ex, word, expected) == expected


@pytest.mark.parametrize(("word", "forms"), [("IT", ("it", "its")), ("will", ("will", "wills", "willing"))])
def test_a_word_finds_its_stemmed_forms_and_quotes_find_it_as_written(bbc, word, forms):
    ex, texts = bbc
    stemmed = containing(texts, words_pattern(*forms))
    assert found(ex, word, stemmed) == stemmed
    exact = containing(texts, words_pattern(word))
    assert exact < stemmed
    assert found(ex, f'"{word}"', exact) == exact


def test_us_is_not_used():
    # Whoosh's Porter stemmer made "used", "uses", "useful" all "us": US would find them.
    analyzer = english_analyzer()
    assert [t.text for t in analyzer("US used uses useful using")] == ["us", "use", "use", "use", "use"]


@pytest.mark.parametrize("phrase", ["US economy", "the who", "it will be", "of the", "the US"])
def test_phrases_with_common_words_match_exactly(bbc, phrase):
    ex, texts = bbc
    expected = containing(texts, words_pattern(phrase))
    assert expected
    assert found(ex, f'"{phrase}"', expected) == expected


def test_a_phrase_is_not_its_stemmed_words(bbc):
    ex, texts = bbc
    exact = containing(texts, words_pattern("US economy"))
    stemmed = containing(texts, words_pattern("US economy", "US economies"))
    assert exact < stemmed
    assert found(ex, '"US economy"', stemmed) == exact


def test_common_words_do_not_dominate_the_ranking(bbc):
    ex, _ = bbc
    # Articles, not texts: collapsing bus/0356 (a copy of bus/0258) brings the 11th and 12th hits,
    # 0.004 apart in score, to the tenth place, where "the" may swap them.
    with_the = [h.path for h in ex.search("the economy", limit=10, snippets=False, collapse=False).hits]
    assert set(with_the) == {h.path for h in ex.search("economy", limit=10, snippets=False, collapse=False).hits}


def test_phrase_snippets_mark_the_phrase_words(bbc):
    ex, _ = bbc
    result = ex.search('"the who"', limit=3)
    for hit in result.hits:
        # The phrase, not "the" wherever it is: the passage shown is where the phrase matched.
        assert "the who" in {re.sub(r"\s+", " ", s.text.lower()) for s in hit.snippet if s.match}, hit.path


# -- CJK text below the word level ----------------------------------------------------------------


@pytest.mark.parametrize("run", ["济", "的", "经济", "中美", "中美经济", "美国", "记者", "国际"])
def test_a_cjk_run_finds_every_article_holding_it_and_no_other(chinese, run):
    ex, texts = chinese
    expected = {i for i, (head, body) in texts.items() if run in head or run in body}
    assert found(ex, run, expected) == expected
    assert found(ex, f'"{run}"', expected) == expected


def test_cjk_characters_broken_by_punctuation_are_not_a_run(chinese):
    ex, texts = chinese
    for run, broken in (("经济", "经\uff0c济"), ("中国", "中\u3002国")):  # full-width comma, full stop
        apart = {i for i, (head, body) in texts.items() if broken in head or broken in body}
        joined = {i for i, (head, body) in texts.items() if run in head or run in body}
        assert found(ex, run, joined) == joined
        # The articles with only the broken form are not found by the run.
        assert not (apart - joined) & found(ex, run, joined)


def test_whole_word_matches_rank_first(chinese):
    ex, texts = chinese
    analyzer = chinese_analyzer()
    checked = 0
    for run in ("济", "国", "经济", "美国"):
        result = ex.search(run, limit=1000, snippets=False)
        whole = [run in {t.text for t in analyzer(head)} | {t.text for t in analyzer(body)}
                 for head, body in (texts[h.path] for h in result.hits)]
        # Every article where jieba made a word of the run comes before every other one.
        assert whole == sorted(whole, reverse=True), run
        assert all((h.score >= WHOLE_WORD_SCORE) == w for h, w in zip(result.hits, whole, strict=True))
        checked += any(whole) and not all(whole)
    assert checked  # some run has both kinds of match


def test_cjk_snippets_mark_the_run(chinese):
    ex, _ = chinese
    for run in ("济", "经济"):
        hit = ex.search(run, limit=1).hits[0]
        assert [s.text for s in hit.snippet if s.match][:1] == [run]
        text = ex.article(hit.path).text
        assert {text[a:b] for a, b in ex.highlight(text, ex.search(run, limit=1).terms)} == {run}


def test_an_operator_with_nothing_to_join_is_no_word(bbc):
    ex, texts = bbc
    expected = containing(texts, words_pattern("govern", "governs", "governed", "governing", "government",
                                                "governments", "governance"))
    assert found(ex, "government", expected) == expected
    # While "government NOT labour" is typed: NOT is not the word "not" (in most articles).
    for typed in ("government NOT", "government AND"):
        assert found(ex, typed, expected) == expected
    # A group never closed is a mistake once typing stops (the query syntax check says so).
    with pytest.raises(QueryError, match="never closed"):
        ex.search("(government OR", snippets=False)


@pytest.mark.parametrize("phrase", ["of the", "the who", "it will be", "US economy", "the the"])
def test_phrases_of_common_words_match_like_whooshs_own_matcher(bbc, phrase):
    from whoosh import query as wq

    from gdexplorer.search.engine import docsets

    ex, _ = bbc
    searcher = ex._index.searcher()
    q = wq.Phrase("body_exact", phrase.lower().split())
    assert docsets.matching_docs(searcher, q) == set(searcher.docs_for_query(q))
