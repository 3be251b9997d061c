"""Articles holding one unbroken "word" of hundreds of kilobytes to megabytes (a pasted base64 image,
a data blob): indexed as pieces of 255 characters, like Lucene's tokenizers, so no query, prefix
expansion, snippet or highlight ever handles a term of megabytes, and every character stays
searchable. Before, a prefix reaching a 5 MB word took 8 s and 563 MB (issue 14, defect 12)."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest

from gdexplorer.cli import Exit, main
from gdexplorer.explorer import Explorer
from gdexplorer.search.analysis import MAX_WORD_CHARS, english_analyzer
from gdexplorer.search.index import SearchIndex

HUGE = 5_000_000
BLOB = base64.b64encode(random.Random(14).randbytes(300_000)).decode("ascii").replace("+", "x").replace("/", "y")
assert len(BLOB) == 400_000  # one word for the tokenizer: letters and digits only


@pytest.fixture
def corpus(plain: Path) -> Path:
    """The seeds' two articles, one with a 5 MB word of one letter, one with a 400 kB random blob."""
    articles = plain / "articles"
    (articles / "huge.txt").write_text(f"Huge word\n\nokapi before {'a' * HUGE} after the zebra.\n", encoding="utf-8")
    (articles / "blob.txt").write_text(f"Blob\n\nThe gnu pasted {BLOB} and a tapir.\n", encoding="utf-8")
    return plain


@pytest.fixture
def explorer(corpus: Path) -> Explorer:
    explorer = Explorer(corpus)
    stats = explorer.update_index()
    assert stats.added == 4 and not stats.problems
    return explorer


def snippet_chars(explorer: Explorer, query: str) -> dict[str, int]:
    return {h.path: sum(len(s.text) for s in h.snippet) for h in explorer.search(query).hits}


def test_no_indexed_word_is_longer_than_the_cap(explorer):
    searcher = SearchIndex(explorer.index_folder).searcher()
    words = [w for field in ("title", "body") for w in searcher.reader().lexicon(field)]
    assert max(len(w) for w in words) == MAX_WORD_CHARS


def test_a_prefix_reaching_a_huge_word_finds_it_with_a_short_snippet(explorer):
    result = explorer.search("aaa*")
    assert [h.path for h in result.hits] == ["articles/huge.txt"]
    assert all(len(t) <= MAX_WORD_CHARS for t in result.terms)
    assert sum(len(s.text) for s in result.hits[0].snippet) <= 1000
    # Shorter prefixes reach more words; the snippets stay short.
    chars = snippet_chars(explorer, "a*")
    assert "articles/huge.txt" in chars and max(chars.values()) <= 1000


def test_the_words_around_a_huge_word_keep_their_places(explorer):
    assert [h.path for h in explorer.search('"after the zebra"').hits] == ["articles/huge.txt"]
    assert [h.path for h in explorer.search("okapi zebra").hits] == ["articles/huge.txt"]
    assert snippet_chars(explorer, "zebra")["articles/huge.txt"] <= 1000
    assert snippet_chars(explorer, "tapir")["articles/blob.txt"] <= 1000


def test_every_part_of_a_blob_stays_searchable(explorer):
    """By its start as a prefix, and pasted whole or in part, as far as its pieces go."""
    assert [h.path for h in explorer.search(BLOB[:12] + "*").hits] == ["articles/blob.txt"]
    # A piece boundary: the second piece is a word of its own.
    second = BLOB[MAX_WORD_CHARS : 2 * MAX_WORD_CHARS]
    assert [h.path for h in explorer.search(second).hits] == ["articles/blob.txt"]
    # Pasted (up to the query's length limit): its pieces, all of which the article holds; cut
    # anywhere, as a prefix (the last piece is then a prefix of the article's).
    six = 6 * MAX_WORD_CHARS
    assert [h.path for h in explorer.search(BLOB[:six]).hits] == ["articles/blob.txt"]
    assert [h.path for h in explorer.search(BLOB[:1500] + "*").hits] == ["articles/blob.txt"]
    other = "Q" if BLOB[six - 1] != "Q" else "R"
    assert explorer.search(BLOB[: six - 1] + other).total == 0


def test_highlighting_a_huge_word_gives_one_span(explorer):
    """One span covering the word, not one per piece (20,000 for 5 MB), and exact offsets."""
    result = explorer.search("aaa*")
    text = explorer.article("articles/huge.txt").text
    start = text.index("a" * 10)
    assert explorer.highlight(text, result.terms) == [(start, start + HUGE)]
    blob_text = explorer.article("articles/blob.txt").text
    blob_at = blob_text.index(BLOB)
    terms = explorer.search(BLOB[:12] + "*").terms
    assert explorer.highlight(blob_text, terms) == [(blob_at, blob_at + MAX_WORD_CHARS)]


def test_pieces_have_exact_character_ranges_and_positions():
    text = "The " + "Q" * 600 + " after"
    tokens = [(t.text, t.pos, t.startchar, t.endchar)
              for t in english_analyzer()(text, positions=True, chars=True)]
    assert tokens == [  # "the" is a word like any other since every word is indexed
        ("the", 0, 0, 3), ("q" * 255, 1, 4, 259), ("q" * 255, 2, 259, 514), ("q" * 90, 3, 514, 604), ("after", 4, 605, 610),
    ]
    assert all(text[s:e].lower() == w for w, _, s, e in tokens)


def test_the_command_line_finds_a_huge_word_with_a_short_snippet(explorer, corpus, capsys):
    assert main(["search", "--corpus", str(corpus), "--json", "aaa*"]) == Exit.OK
    out = json.loads(capsys.readouterr().out)
    assert [h["path"] for h in out["hits"]] == ["articles/huge.txt"]
    assert len(json.dumps(out)) < 5000


def test_chinese_text_cuts_long_words_too():
    from gdexplorer.search.chinese import chinese_analyzer

    text = "中国经济" + "b" * 600 + "增长"
    tokens = [(t.text, t.startchar, t.endchar) for t in chinese_analyzer()(text, chars=True)]
    assert max(len(w) for w, _, _ in tokens) == MAX_WORD_CHARS
    assert all(text[s:e].lower() == w for w, s, e in tokens if w.startswith("b"))
