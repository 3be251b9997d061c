"""Suggested entities beside the curated ones in the mention facets, the network's co-mentions and an
article's entities, through the Explorer, on a copy of the seeds (whose curated set leaves names over)."""

from __future__ import annotations

import pytest

from gdexplorer.annotations.recognizers import spacy_available
from gdexplorer.explorer import Explorer

pytestmark = pytest.mark.skipif(not spacy_available(), reason="spaCy and its model are not installed "
                                                              "(pip install gdexplorer[ner])")


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    import shutil

    from tests.conftest import SEEDS

    root = tmp_path_factory.mktemp("everywhere")
    shutil.copytree(SEEDS, root / "seeds")
    explorer = Explorer(root / "seeds", cache_dir=root / "cache")
    explorer.update_index()
    explorer.update_suggested()
    return explorer


def test_an_article_lists_its_suggested_entities(opened: Explorer) -> None:
    found = opened.suggested_entities()
    assert found
    first = found[0]
    article = first.mentions[0].article
    in_article = opened.suggested_in(article)
    assert first in in_article
    # Each is really mentioned there, and none is a curated name.
    curated = {n.casefold() for e in opened.entities() for n in e.names}
    for s in in_article:
        assert any(m.article == article for m in s.mentions)
        assert s.name.casefold() not in curated
    assert opened.suggested_in("articles/no-such.txt") == []


def test_facets_count_suggested_entities_over_the_matches(opened: Explorer) -> None:
    everything = dict((s.name, n) for s, n in opened.suggested_facets(""))
    found = opened.suggested_entities()
    assert everything == {s.name: s.articles for s in found if s.articles}
    # A query matching one article counts only what that article mentions.
    s = found[0]
    article = s.mentions[0].article
    word = s.name.split()[0]
    narrowed = opened.suggested_facets(word)
    matched = {h.path for h in opened.search(word, limit=100, collapse=False).hits}
    assert article in matched
    expected = {x.name: sum(1 for a in matched if x in opened.suggested_in(a)) for x in found}
    assert dict((x.name, n) for x, n in narrowed) == {k: v for k, v in expected.items() if v}
    assert opened.suggested_facets("zzzznotaword") == []


def test_network_co_mentions_include_suggested_entities(opened: Explorer) -> None:
    counts = opened.mention_counts()
    center = max(counts, key=lambda i: counts[i])
    co = opened.suggested_co_mentions(center, top=50)
    assert co
    mentioning = {info.id for info in opened.mentions_of(center)}
    for s, articles in co:
        assert set(articles) <= mentioning
        assert set(articles) == {m.article for m in s.mentions} & mentioning
    assert [len(a) for _, a in co] == sorted((len(a) for _, a in co), reverse=True)
