"""Each query feature on a real index built from a small corpus written for the test."""

import re
from pathlib import Path

import pytest

from gdexplorer.errors import QueryError
from gdexplorer.explorer import Explorer

ARTICLES = {
    "business/0001.txt": ("Telecoms giant posts profit", "The telecom firm made a profit on mobile phones.",
                          "2010-03-01"),
    "business/0002.txt": ("Bank profits fall", "Government bonds hurt the bank and its profit.", "2012-06-15"),
    "politics/0001.txt": ("Prime minister speaks", "The prime minister spoke to the government.", "2014-01-20"),
    "politics/0002.txt": ("Minister of state resigns", "A minister and a prime number walked into a bar.",
                          "2016-11-02"),
    "tech/0001.txt": ("Television makers merge", "Television and telescope makers join forces.", None),
}


@pytest.fixture
def explorer(tmp_path: Path) -> Explorer:
    root = tmp_path / "mini"
    lines = []
    for name, (title, body, date) in ARTICLES.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        lines.append(f'{{"file": "articles/{name}", "title": "{title}", "date": {f"{chr(34)}{date}{chr(34)}" if date else "null"}}}')
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ex = Explorer(root)
    ex.update_index()
    return ex


def paths(ex: Explorer, query: str) -> set[str]:
    return {h.path.removeprefix("articles/") for h in ex.search(query, limit=50).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("profit", {"business/0001.txt", "business/0002.txt"}),  # stemming: profits
        ("bank profit", {"business/0002.txt"}),  # AND by default
        ("bank OR telecom", {"business/0001.txt", "business/0002.txt"}),
        ("government NOT bank", {"politics/0001.txt"}),
        ('"prime minister"', {"politics/0001.txt"}),
        ("tele*", {"business/0001.txt", "tech/0001.txt"}),
        ("goverment~", {"business/0002.txt", "politics/0001.txt"}),
        ("title:minister", {"politics/0001.txt", "politics/0002.txt"}),
        ("category:politics", {"politics/0001.txt", "politics/0002.txt"}),
        ("category:Politics minister", {"politics/0001.txt", "politics/0002.txt"}),
        ("date:[2011 TO 2015]", {"business/0002.txt", "politics/0001.txt"}),
        ("date:2016", {"politics/0002.txt"}),
        ("minister date:[2015 to 2020]", {"politics/0002.txt"}),
    ],
)
def test_query_features(explorer, query, expected):
    assert paths(explorer, query) == expected


def test_title_matches_rank_first(explorer):
    hits = explorer.search("minister").hits
    assert hits[0].path == "articles/politics/0002.txt" or hits[0].info.title.startswith("Prime")
    assert all(h.score > 0 for h in hits)


def test_hits_carry_metadata_snippets_and_totals(explorer):
    result = explorer.search("profit", limit=1)
    assert result.total == 2 and len(result.hits) == 1
    hit = result.hits[0]
    assert hit.info.category == "business"
    assert hit.info.date in ("2010-03-01", "2012-06-15")
    marked = "".join(f"[{s.text}]" if s.match else s.text for s in hit.snippet)
    assert "[profit]" in marked


def test_sort_by_date(explorer):
    newest = [h.path for h in explorer.search("minister OR profit", sort="newest").hits]
    assert newest[0] == "articles/politics/0002.txt"
    oldest = [h.path for h in explorer.search("minister OR profit", sort="oldest").hits]
    assert oldest[0] == "articles/business/0001.txt"


def test_highlight_spans_in_an_opened_article(explorer):
    result = explorer.search("prime")
    article = explorer.article("articles/politics/0001.txt")
    spans = explorer.highlight(article.text, result.terms)
    assert [article.text[s:e] for s, e in spans] == ["Prime", "prime"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "type something to search for"),
        ("   ", "type something to search for"),
        ("foo:bar", "unknown field 'foo:'; the fields are title:, body:, category:, date:, entity:"),
        ("date:[garbage TO x]", "cannot understand the query"),
        ("(((", "3 groups are never closed: add 3 closing ')'"),
        ("()", "the query has no words to search for"),
        ("AND", "the query has no words to search for"),
        ("x" * 3000, "the query is too long (3,000 characters; the limit is 2,000)"),
        ("entity:nobody", "no entity called 'nobody'; entity: takes an entity's id, name or alias"),
    ],
)
def test_bad_queries_give_one_clear_sentence(explorer, query, message):
    with pytest.raises(QueryError) as info:
        explorer.search(query)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


@pytest.fixture(scope="module")
def bbc(bbc: tuple[Explorer, dict[str, tuple[str, str]]]) -> Explorer:
    """The session's BBC index (tests/core/conftest.py), read only here."""
    return bbc[0]


@pytest.mark.corpora
@pytest.mark.parametrize("words", [("greenspan",), ("yukos",), ("mourinho",), ("blair", "brown")])
def test_bbc_totals_match_the_articles_that_contain_the_words(bbc, words):
    root = bbc.corpus_root
    explorer = bbc
    expected = set()
    for path in (root / "articles").rglob("*.txt"):
        text = path.read_text(encoding="utf-8")
        if all(re.search(rf"\b{w}\b", text, re.IGNORECASE) for w in words):
            expected.add(path.relative_to(root).as_posix())
    # Every article: the BBC corpus holds copies, which a search shows as one hit by default.
    result = explorer.search(" ".join(words), limit=len(expected) + 10, snippets=False, collapse=False)
    assert result.total == len(expected) > 0
    assert {h.path for h in result.hits} == expected
    texts = {" ".join((root / path).read_text(encoding="utf-8").split()) for path in expected}
    collapsed = explorer.search(" ".join(words), limit=len(expected) + 10, snippets=False)
    assert collapsed.total == len(texts) and collapsed.total + collapsed.collapsed == len(expected)
    assert {h.path for h in collapsed.hits} | {c for h in collapsed.hits for c in h.copies} == expected


def test_keystroke_search_matches_the_word_being_typed(explorer):
    assert paths_of(explorer.search("televi", keystroke=True)) == {"tech/0001.txt"}
    # The finished word still matches its stemmed form: "government" is indexed as "govern".
    assert paths_of(explorer.search("government", keystroke=True)) == {"business/0002.txt", "politics/0001.txt"}
    # A trailing space means the word is finished: no prefix.
    assert explorer.search("televi ", keystroke=True).total == 0


def test_a_prefix_finds_every_word_it_begins_however_many(explorer, monkeypatch):
    from gdexplorer.search import query

    # The cap on expansions is for fuzzy words: a prefix is never cut to its most frequent words.
    monkeypatch.setattr(query, "MAX_EXPANSIONS", 1)
    for text in ("tele*", "te*", "t*", "title:tele*", "body:te*"):
        result = explorer.search(text)
        assert not result.partial, text
    assert paths_of(explorer.search("tele*")) == {"business/0001.txt", "tech/0001.txt"}


def paths_of(result) -> set[str]:
    return {h.path.removeprefix("articles/") for h in result.hits}


def test_facets_count_every_match_not_just_the_page(explorer):
    result = explorer.search("minister OR profit OR television", limit=1, facets=True)
    assert result.total == 5 and len(result.hits) == 1
    facets = result.facets
    assert dict(facets.categories) == {"business": 2, "politics": 2, "tech": 1}
    assert facets.months == (("2010-03", 1), ("2012-06", 1), ("2014-01", 1), ("2016-11", 1))
    assert facets.years == (("2010", 1), ("2012", 1), ("2014", 1), ("2016", 1))


def test_filters_restrict_hits_totals_and_facets_without_reranking(explorer):
    plain = explorer.search("minister OR profit")
    filtered = explorer.search("minister OR profit", filters=("category:politics",), facets=True)
    assert filtered.total == 2
    assert dict(filtered.facets.categories) == {"politics": 2}
    order = [h.path for h in plain.hits if "politics" in h.path]
    assert [h.path for h in filtered.hits] == order
    both = explorer.search("", filters=("category:business", "date:[2011 TO 2013]"))
    assert [h.path for h in both.hits] == ["articles/business/0002.txt"]


def test_empty_query_with_facets_covers_the_whole_corpus(explorer):
    result = explorer.search("", facets=True, limit=0)
    assert result.total == 5
    assert sum(n for _, n in result.facets.categories) == 5


def test_entity_facets_on_the_seeds(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    counts = dict(ex.search("hydrogen", facets=True).facets.entities)
    assert counts["hydrogen-fuel-cell"] == 2
    assert counts["ehang"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date:[2010-01 TO 2010-03]", {"business/0001.txt"}),
        ("date:[2012-06-01 TO 2014-01-31]", {"business/0002.txt", "politics/0001.txt"}),
        ("date:[2012-07 to 2014-01]", {"politics/0001.txt"}),
    ],
)
def test_dashed_date_ranges_mean_what_they_say(explorer, query, expected):
    assert paths(explorer, query) == expected


def test_a_keystroke_search_without_time_limit_keeps_the_prefix_meaning(explorer):
    result = explorer.search("televi", keystroke=True, time_limited=False, facets=True)
    assert paths_of(result) == {"tech/0001.txt"} and not result.partial
    assert result.facets is not None
