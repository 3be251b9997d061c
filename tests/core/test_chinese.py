"""Chinese corpora are searchable by words: recall against a plain substring count."""

import pytest

from gdexplorer.explorer import Explorer
from tests.conftest import corpus_path


@pytest.fixture(scope="module")
def sogou(tmp_path_factory):
    explorer = Explorer(corpus_path("zh-sogouca-sample-2012"), cache_dir=tmp_path_factory.mktemp("zh"))
    explorer.update_index()
    return explorer


def test_language_is_detected_and_stored(sogou):
    assert sogou._index.language == "zh"


@pytest.mark.corpora
@pytest.mark.parametrize("word", ["房价", "股票", "公安", "美国"])
def test_two_character_words_are_found_in_every_article_containing_them(sogou, word):
    root = sogou.corpus_root
    expected = {
        p.relative_to(root).as_posix() for p in (root / "articles").rglob("*.txt") if word in p.read_text("utf-8")
    }
    result = sogou.search(word, limit=500, snippets=False)
    found = {h.path for h in result.hits}
    assert expected, f"{word} should occur in the corpus"
    # Segmentation can split a word differently inside a longer compound, so allow a little loss.
    recall = len(found & expected) / len(expected)
    assert recall >= 0.9, f"recall {recall:.2f} for {word}"
    assert found <= expected


def test_chinese_snippets_mark_the_word(sogou):
    hit = sogou.search("房价").hits[0]
    assert any(s.match and s.text == "房价" for s in hit.snippet)


def test_english_corpora_keep_the_english_analyzer(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    assert explorer._index.language == "en"
