"""The block-level match sets and ranking agree with Whoosh's own matchers on real indexes."""

import json
import os
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh import sorting

from gdexplorer.explorer import Explorer
from gdexplorer.search.engine import docsets, ranking
from gdexplorer.search.engine.expansion import bound_expansions
from gdexplorer.search.facets import count_facets
from gdexplorer.search.query import MAX_EXPANSIONS, run_search

QUERIES = [
    "government", "blair", "oil prices", "china economy growth", "football OR rugby", "music OR film",
    "china NOT taiwan", "election NOT labour", '"prime minister"', '"interest rates"', '"chief executive officer"',
    'title:"world cup"', "tele*", "econom*", "goverment~", "econmy~", "title:china", "category:business",
    "category:sport england", "date:[2004 TO 2005] oil", "(oil OR gas) prices NOT opec", "blair brown election",
    'title:blair "general election"', "NOT football", "zzzzunknownword", '"prime zzzzunknownword"',
    '"the bank of england"', "bank AND NOT profit", '"mobile phone" OR "mobile phones"',
    # Phrases of the commonest words, a word twice, and phrases that open articles: the rarest word
    # is looked up among the others' positions at its own place.
    '"it will be"', '"of the of"', '"the the"', '"the government said"', '"in the"',
]
RANKED = ["government", "blair", "oil prices", "football OR rugby", "bank AND profit", "title:china",
          "blair brown election", "category:business"]


@pytest.fixture(scope="module")
def bbc(bbc: tuple[Explorer, dict[str, tuple[str, str]]]) -> Explorer:
    """The session's BBC index (tests/core/conftest.py), read only here."""
    return bbc[0]


def whoosh_docs(ex: Explorer, text: str) -> tuple[wq.Query, set[int]]:
    searcher = ex._index.searcher()
    query, _ = bound_expansions(ex._parser.parse(text), searcher.reader(), MAX_EXPANSIONS)
    return query, set(searcher.docs_for_query(query))


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_equal_whooshs_on_the_bbc_corpus(bbc, text):
    query, expected = whoosh_docs(bbc, text)
    searcher = bbc._index.searcher()
    assert docsets.matching_docs(searcher, query) == expected
    assert docsets.count_matches(searcher, query) == len(expected)


@pytest.mark.parametrize("text", RANKED)
def test_scores_equal_whooshs_bm25f(bbc, text):
    query, expected = whoosh_docs(bbc, text)
    searcher = bbc._index.searcher()
    ours = ranking.rank(searcher, query, 20)
    assert ours is not None and ours.total == len(expected)
    theirs = searcher.search(query, limit=20)
    their_scores = sorted((h.score for h in theirs), reverse=True)
    assert [s for _, s in ours.hits] == pytest.approx(their_scores, rel=1e-5)
    # Whatever the order of ties, every hit scored above the 20th score is in both lists.
    cut = their_scores[-1]
    assert {d for d, s in ours.hits if s > cut + 1e-9} == {h.docnum for h in theirs if h.score > cut + 1e-9}


def test_a_phrase_needs_its_words_next_to_each_other(bbc):
    searcher = bbc._index.searcher()
    together, _ = bound_expansions(bbc._parser.parse('"world record"'), searcher.reader(), MAX_EXPANSIONS)
    apart, _ = bound_expansions(bbc._parser.parse("world record"), searcher.reader(), MAX_EXPANSIONS)
    n_together = docsets.count_matches(searcher, together)
    n_apart = docsets.count_matches(searcher, apart)
    assert 0 < n_together < n_apart


def write_article(root: Path, name: str, title: str, body: str) -> None:
    path = root / "articles" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_deleted_and_new_segments_are_counted_like_whoosh(tmp_path):
    root = tmp_path / "mini"
    for i in range(12):
        write_article(root, f"{i:04}.txt", f"Report {i}", f"The harbour crane number {i} lifted steel and copper.")
    ex = Explorer(root)
    ex.update_index()
    assert ex.search("crane", limit=50).total == 12
    # An edit deletes the old document and adds the new one in a second segment.
    write_article(root, "0003.txt", "Report 3", "The harbour was quiet: no cranes today, only copper wire.")
    (root / "articles" / "0005.txt").unlink()
    write_article(root, "0100.txt", "Report 100", "A new steel crane arrived.")
    os.utime(root / "articles" / "0003.txt", (1, 1))
    ex.update_index()
    for text in ["crane", '"harbour crane"', "copper NOT steel", "steel", "NOT copper", '"copper wire"']:
        query, expected = whoosh_docs(ex, text)
        assert docsets.matching_docs(ex._index.searcher(), query) == expected, text
    result = ex.search('"harbour crane"', limit=50)
    assert result.total == 10
    assert {h.path for h in result.hits}.isdisjoint({"articles/0003.txt", "articles/0005.txt"})
    assert ex.search("steel", limit=50).hits[0].score > 0


@pytest.mark.parametrize("packed", [True, False])
def test_phrases_match_like_whooshs_with_packed_and_with_whooshs_positions(tmp_path, packed):
    from whoosh import fields, index

    from gdexplorer.search.engine.positions import FastPositions

    schema = fields.Schema(body=fields.TEXT(phrase=True))
    if packed:
        schema["body"].format = FastPositions()  # else Whoosh's pickled positions, read by its matcher
    ix = index.create_in(tmp_path, schema)
    texts = ["red fox " * 200 + "the quick brown fox", "brown fox quick", "quick brown " + "word " * 70_000 + "fox",
             "fox brown quick brown fox", "quick quick brown brown fox fox"]
    for n, text in enumerate(texts * 3):
        with ix.writer() as w:  # one segment per document, some with deletions
            w.add_document(body=text + f" tag{n % 4}")
            if n % 5 == 4:
                w.delete_by_term("body", "tag1")
    searcher = ix.searcher()
    assert isinstance(searcher.schema["body"].format, FastPositions) == packed
    for words in (["quick", "brown", "fox"], ["brown", "fox"], ["fox", "brown"], ["red", "fox", "red"],
                  ["quick", "brown", "word"], ["word", "fox"], ["fox", "fox"]):
        q = wq.Phrase("body", words)
        expected = set(searcher.docs_for_query(q))
        assert docsets.matching_docs(searcher, q) == expected, words
    assert docsets.matching_docs(searcher, wq.Phrase("body", ["quick", "brown", "fox"]))


def test_a_keystroke_counts_a_one_or_two_letter_prefix_at_once(bbc):
    # Short prefixes are one posting list each (the prefix field): no need to wait for the pause.
    first = bbc.search("oil p", limit=10, keystroke=True)
    full = bbc.search("oil p", limit=10, keystroke=True, time_limited=False)
    explicit = bbc.search("oil p*", limit=10)
    assert not first.partial
    assert 0 < first.total == full.total == explicit.total <= bbc.search("oil", limit=10).total
    assert [h.path for h in first.hits] == [h.path for h in full.hits]
    assert full.terms == ("oil", "p", "p*")
    lone = bbc.search("t", limit=10, keystroke=True)
    assert not lone.partial and lone.total == bbc.search("t*", limit=10).total > 0


def whoosh_facets(searcher, query) -> dict[str, dict[str, int]]:
    groups = sorting.Facets()
    groups.add_field("category")
    groups.add_field("month")
    groups.add_field("entity", allow_overlap=True)
    results = searcher.search(query, limit=1, groupedby=groups, maptype=sorting.Count)
    out = {}
    for name in ("category", "month", "entity"):
        out[name] = {(k.decode() if isinstance(k, bytes) else str(k)): n
                     for k, n in results.groups(name).items() if k not in (None, "", b"")}
    return out


@pytest.mark.parametrize("text", ["government", "oil prices", '"prime minister"', "category:sport england", "zzzz"])
def test_facet_counts_equal_whooshs_grouping(bbc, text):
    query, _ = whoosh_docs(bbc, text)
    searcher = bbc._index.searcher()
    ours = count_facets(searcher, query, None)
    theirs = whoosh_facets(searcher, query)
    assert {k.lower(): n for k, n in ours.categories} == theirs["category"]
    assert dict(ours.months) == theirs["month"]
    assert dict(ours.entities) == theirs["entity"]


def test_facets_count_entities_and_keep_the_categorys_spelling(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    result = ex.search("hydrogen", facets=True)
    assert result.facets is not None
    searcher = ex._index.searcher()
    theirs = whoosh_facets(searcher, ex._parser.parse("hydrogen"))
    assert dict(result.facets.entities) == theirs["entity"] and theirs["entity"]
    assert sum(n for _, n in result.facets.categories) == sum(theirs["category"].values())


def dated_explorer(root: Path) -> Explorer:
    """60 dated articles (every seventh without a date), then one more in a second segment."""
    lines = []
    for i in range(60):
        write_article(root, f"{i:04}.txt", f"Report {i}", f"Harbour news number {i}: cranes and copper.")
        date = None if i % 7 == 0 else f"20{10 + (i * 37) % 12:02}-{1 + (i * 5) % 12:02}-{1 + i % 27:02}"
        lines.append(json.dumps({"file": f"articles/{i:04}.txt", "date": date}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ex = Explorer(root)
    ex.update_index()
    write_article(root, "0100.txt", "Report 100", "Late harbour news.")  # a second segment
    ex.update_index()
    return ex


@pytest.mark.parametrize("reverse", [True, False])
def test_sorting_by_date_equals_whooshs(tmp_path, reverse):
    ex = dated_explorer(tmp_path / "dated")
    query, _ = whoosh_docs(ex, "harbour")
    searcher = ex._index.searcher()
    ours = ranking.rank(searcher, query, 70, sortedby="date", reverse=reverse)
    # Whoosh's searcher with the order the fallback gives it: undated articles last either way.
    theirs = searcher.search(query, limit=70, sortedby=ranking.column_order(searcher, "date", reverse))
    dates = [searcher.stored_fields(d).get("date") for d, _ in ours.hits]
    assert dates == [h.fields().get("date") for h in theirs]
    assert len(set(dates)) > 20
    assert None not in dates[: dates.index(None)] and set(dates[dates.index(None) :]) == {None}


@pytest.mark.parametrize("text", [
    "date:[2012 TO 2015]", "date:[2015 TO]", "date:[TO 2012-06]", "date:{2012-03-01 TO 2015-07-09}",
    "date:2013", "date:[2012 TO 2015] harbour", "date:[1990 TO 1995]", "harbour NOT date:[2011 TO 2016]",
])
def test_date_ranges_read_from_the_column_match_like_whooshs_terms(tmp_path, text):
    from gdexplorer.search.engine.expansion import DateSpan

    ex = dated_explorer(tmp_path / "dated")
    (tmp_path / "dated" / "articles" / "0008.txt").unlink()  # a deleted document with a date
    ex.update_index()
    searcher = ex._index.searcher()
    parsed = ex._parser.parse(text)
    expected = set(searcher.docs_for_query(parsed))  # Whoosh's own trie-term range
    query, _ = bound_expansions(parsed, searcher.reader(), MAX_EXPANSIONS)
    assert any(isinstance(leaf, DateSpan) for leaf in query.leaves())
    assert docsets.matching_docs(searcher, query) == expected
    assert set(searcher.docs_for_query(query)) == expected  # the words, listed for Whoosh's matcher
    assert ex.search(text, limit=100).total == len(expected)


def test_query_shapes_ranking_does_not_know_go_through_whoosh(bbc):
    from whoosh.query import spans

    searcher = bbc._index.searcher()
    near = spans.SpanNear2([wq.Term("body_exact", "oil"), wq.Term("body_exact", "prices")], slop=3)
    assert ranking.rank(searcher, near, 10) is None
    expected = set(searcher.docs_for_query(near))
    result = run_search(searcher, near, "oil near price", bbc._body, bbc._analyzer, limit=10, collapse=False)
    assert result.total == len(expected) > 0
    # Collapsed by text, Whoosh's ranking counts as ours does: one per text (3 are BBC copies).
    collapsed = run_search(searcher, near, "oil near price", bbc._body, bbc._analyzer, limit=100)
    assert collapsed.total + collapsed.collapsed == len(expected) and collapsed.collapsed > 0
    assert len({h.path for h in collapsed.hits} | {c for h in collapsed.hits for c in h.copies}) == len(expected)
    assert len(result.hits) == 10 and result.hits[0].score >= result.hits[-1].score
    assert docsets.count_matches(searcher, near) == len(expected)


@pytest.mark.parametrize("text,maxdist,prefix", [("govern", 1, 2), ("goverment", 2, 2), ("econmi", 1, 0),
                                                 ("blar", 1, 1), ("zzzz", 2, 2)])
def test_fuzzy_words_are_whooshs_read_segment_by_segment(tmp_path, bbc, text, maxdist, prefix):
    from gdexplorer.search.engine.expansion import _fuzzy_words

    mini = tmp_path / "mini"
    for i, body in enumerate(["The government governs.", "Governments and blair", "Blur and econmy"]):
        write_article(mini, f"{i}.txt", "T", body)
        Explorer(mini).update_index()  # one segment per article
    for ex in (bbc, Explorer(mini)):
        reader = ex._index.searcher().reader()
        node = wq.FuzzyTerm("body", text, maxdist=maxdist, prefixlength=prefix)
        assert _fuzzy_words(node, reader) == sorted(reader.terms_within("body", text, maxdist, prefix))
    assert len(Explorer(mini)._index.searcher().reader().leaf_readers()) == 3


def test_the_engine_adapter_finds_the_internals_it_reads_in_this_whoosh(bbc):
    from gdexplorer.search.engine import adapter
    from gdexplorer.search.engine.codec import GdxCodec

    # If a release moves them, the fallbacks keep answers right but searches slow: this says so.
    assert adapter.BLOCK_WALK and adapter.LENGTH_COLUMN
    reader = max((r for r, _ in bbc._index.searcher().reader().leaf_readers()), key=lambda r: r.doc_count_all())
    assert type(reader.codec()) is GdxCodec  # the parallel build writes our posting format too
    (frequency, word), = reader.most_frequent_terms("body", 1)
    assert frequency > 128  # more than one posting block's worth
    blocks = list(adapter.posting_blocks(reader, "body", word, values=False))
    assert len(blocks) == 1, "our format hands over a whole posting list at once"
    assert len(blocks[0][0]) == len(blocks[0][1]) == reader.doc_frequency("body", word)


@pytest.mark.parametrize("text", [*RANKED, '"prime minister"', "tele*", "econom* growth"])
def test_without_whooshs_internals_the_public_fallbacks_give_the_same_answers(bbc, monkeypatch, text):
    from gdexplorer.search.engine import adapter

    def answer() -> tuple[int, list[tuple[str, float]]]:
        docsets.forget_postings(bbc._index.searcher())
        for sub, _ in bbc._index.searcher().leaf_searchers():
            sub.reader().__dict__.pop("_gdx_lengths", None)
        result = bbc.search(text, limit=30, snippets=False)
        return result.total, [(h.path, round(h.score, 4)) for h in result.hits]

    fast = answer()
    monkeypatch.setattr(adapter, "BLOCK_WALK", False)
    monkeypatch.setattr(adapter, "LENGTH_COLUMN", False)
    slow = answer()
    docsets.forget_postings(bbc._index.searcher())
    assert slow == fast
    assert fast[0] > 0
