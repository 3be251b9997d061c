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


JAPANESE = {
    "a.txt": ("東京タワーの夜景", "東京タワーは東京の港区にある。夜はとてもきれいです。"),
    "b.txt": ("大阪の話", "大阪城へ行きました。タワーではありません。"),
    "c.txt": ("ひらがなの記事", "とうきょうへ いきました。東 京は遠い。"),
    "d.txt": ("English only", "Nothing in CJK here, just Tokyo."),
}


@pytest.fixture
def japanese(tmp_path):
    root = tmp_path / "ja"
    for name, (title, body) in JAPANESE.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    explorer = Explorer(root)
    explorer.update_index()
    return explorer


@pytest.mark.parametrize("run", ["タワー", "東京", "ワ", "とうきょう", "きょう", "いきました", "の", "夜景", "京は"])
def test_kana_and_kanji_runs_find_exactly_the_articles_holding_them(japanese, run):
    expected = {f"articles/{n}" for n, (title, body) in JAPANESE.items() if run in title or run in body}
    result = japanese.search(run, limit=10, snippets=False)
    assert result.total == len(expected) > 0
    assert {h.path for h in result.hits} == expected


def test_kana_runs_are_highlighted_as_written(japanese):
    hit = japanese.search("タワー", limit=5).hits[0]
    assert "タワー" in [s.text for s in hit.snippet if s.match]
    # "東 京" (a space between) is not the run "東京".
    assert "articles/c.txt" not in {h.path for h in japanese.search("東京", limit=5).hits}
