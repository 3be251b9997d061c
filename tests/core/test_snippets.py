"""Snippets: passages in body order, each piece of text once, the matched words marked."""

import re

from gdexplorer.explorer import Explorer
from gdexplorer.snippets import make_snippet


def passages(snippet) -> list[str]:
    text = "".join(s.text for s in snippet)
    return [p.strip() for p in text.split("…") if p.strip()]


def test_passages_do_not_overlap_or_repeat(seeds):
    ex = Explorer(seeds)
    body = ex.article("articles/0002.txt").body
    flat = re.sub(r"\s+", " ", body)
    for terms in (("hydrogen", "fuel"), ("hydrogen",), ("consortium",), ("vehicl", "hydrogen", "fuel")):
        snippet = make_snippet(body, terms, ex.analyzer)
        assert any(s.match for s in snippet), terms
        at = 0
        for passage in passages(snippet):
            found = flat.find(passage, at)
            assert found >= at, (terms, passage)  # in order, and never the same text twice
            at = found + len(passage)


def test_search_snippets_mark_the_words(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    hit = ex.search("hydrogen fuel").hits[0]
    marked = {s.text.lower() for s in hit.snippet if s.match}
    assert marked == {"hydrogen", "fuel"}
    assert len(passages(hit.snippet)) == len(set(passages(hit.snippet)))
