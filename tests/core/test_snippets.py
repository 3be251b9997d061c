"""Snippets: passages in body order, each piece of text once, the matched words marked."""

import re

from gdexplorer.explorer import Explorer
from gdexplorer.search.snippets import make_snippet


def passages(snippet) -> list[str]:
    text = "".join(s.text for s in snippet)
    return [p.strip() for p in text.split("…") if p.strip()]


def test_passages_do_not_overlap_or_repeat(seeds):
    ex = Explorer(seeds)
    body = ex.article("articles/0002.txt").body
    flat = re.sub(r"\s+", " ", body)
    for terms in (("hydrogen", "fuel"), ("hydrogen",), ("consortium",), ("vehicl", "hydrogen", "fuel")):
        snippet = make_snippet(body, terms, ex._analyzer)
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


def test_dotted_words_are_marked_like_the_analyzer_reads_them(seeds):
    from gdexplorer.search.snippets import _quick_snippet, highlight_spans

    ex = Explorer(seeds)
    body = "The U.S. economy grew. Analysts at economy.th said the economies of Asia slowed. " * 3
    terms = frozenset({"economi", "economy.th"})
    quick = _quick_snippet(body, terms, ex._analyzer)
    assert quick  # no fallback to Whoosh's highlighter because a term has a dot
    marked = {s.text.lower() for s in quick if s.match}
    reference = {body[a:b].lower() for a, b in highlight_spans(body, terms, ex._analyzer)}
    assert marked == reference == {"economy", "economy.th", "economies"}
