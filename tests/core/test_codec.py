"""Our posting block format (gdexplorer.search.engine.codec) gives exactly Whoosh's postings, matches and scores.

The same real articles are indexed twice by the product's own update, once with our codec and
once with Whoosh's W3 codec; every posting of every word, Whoosh's own searches and ours must agree.
"""

import json
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PerDocReader

from gdexplorer.explorer import Explorer
from gdexplorer.search import index as search_index
from gdexplorer.search.engine import adapter, docsets
from gdexplorer.search.engine.codec import GdxCodec, GdxLeafMatcher, GdxPerDocReader, PackedValues
from gdexplorer.search.index import META, SCHEMA_VERSION
from tests.core.test_fastpath import QUERIES, RANKED, whoosh_docs
from tests.corpora import slice_of

SLICE = 380  # under PARALLEL_MIN: one writer, the same document numbers in both indexes; over FIRST_COMMIT: 2 segments


def build(root: Path, cache: Path, codec: type) -> Explorer:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_index, "GdxCodec", codec)
        ex = Explorer(root, cache_dir=cache)
        ex.update_index()
    return ex


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Explorer, Explorer]:
    root = slice_of("en-bbc-news-2004-2005", SLICE, tmp_path_factory.mktemp("bbc-slice"))
    ours = build(root, tmp_path_factory.mktemp("ours"), GdxCodec)
    theirs = build(root, tmp_path_factory.mktemp("w3"), W3Codec)
    return ours, theirs


def leaves(ex: Explorer) -> list:
    return [r for r, _ in ex._index.searcher().reader().leaf_readers()]


def walk(m) -> list[tuple[int, float, bytes | None]]:
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value()))
        m.next()
    return out


def stats(info) -> tuple:
    """What Whoosh's scorers and skipping read of a word's term info (the file offsets differ)."""
    return (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight(),
            info.min_id(), info.max_id(), info.is_inlined())


@pytest.mark.corpora
def test_both_indexes_hold_the_same_segments_in_their_own_formats(pair):
    ours, theirs = pair
    assert len(leaves(ours)) == len(leaves(theirs)) > 1
    for a, b in zip(leaves(ours), leaves(theirs), strict=True):
        assert type(a.codec()) is GdxCodec and type(b.codec()) is W3Codec
        assert a.doc_count_all() == b.doc_count_all()
        (_, word), = a.most_frequent_terms("body", 1)
        assert type(a.postings("body", word)) is GdxLeafMatcher
        assert type(b.postings("body", word)) is W3LeafMatcher


@pytest.mark.corpora
def test_every_posting_of_every_word_equals_w3s(pair):
    ours, theirs = pair
    fields = [name for name, field in ours._index.searcher().schema.items() if field.indexed]
    checked = 0
    for a, b in zip(leaves(ours), leaves(theirs), strict=True):
        for field in fields:
            words = list(a.lexicon(field)) if field in a.indexed_field_names() else []
            assert words == (list(b.lexicon(field)) if field in b.indexed_field_names() else [])
            for word in words:
                assert stats(a.term_info(field, word)) == stats(b.term_info(field, word))
                mine, w3 = walk(a.postings(field, word)), walk(b.postings(field, word))
                assert mine == w3, (field, word)
                # The fast path's whole-list read gives the same postings.
                (ids, values), = adapter.posting_blocks(a, field, word, values=True)
                assert ids.tolist() == [p[0] for p in mine]
                if isinstance(values, PackedValues):
                    values = values.split()
                assert list(values) == [p[2] for p in mine] or all(p[2] is None for p in mine)
                checked += len(mine)
    assert checked > 100_000


@pytest.mark.corpora
def test_every_documents_field_lengths_are_w3s(pair):
    """Our per-document reader reads each field's length bytes once; W3's reads one byte a call."""
    ours, _ = pair
    schema = ours._index.searcher().schema
    fields = [name for name, field in schema.items() if field.indexed] + ["no such field"]
    compared = 0
    for leaf in leaves(ours):
        mine, w3 = (cls(leaf._storage, leaf.segment()) for cls in (GdxPerDocReader, W3PerDocReader))
        assert isinstance(leaf._perdoc, GdxPerDocReader)
        for field in fields:
            for docnum in range(leaf.doc_count_all()):
                assert mine.doc_field_length(docnum, field) == w3.doc_field_length(docnum, field), (field, docnum)
                compared += 1
        with pytest.raises(IndexError):
            mine.doc_field_length(leaf.doc_count_all() + 1, "body")
    assert compared == len(fields) * SLICE  # every document of every segment


@pytest.mark.corpora
def test_a_matcher_skipped_half_way_reads_the_rest_like_whooshs(pair):
    ours, _ = pair
    reader = max(leaves(ours), key=lambda r: r.doc_count_all())
    (_, word), = reader.most_frequent_terms("body_exact", 1)
    everything = walk(reader.postings("body_exact", word))
    assert len(everything) > 128  # more than one block
    target = everything[len(everything) // 2][0] + 1
    m = reader.postings("body_exact", word)
    m.skip_to(target)
    assert m.value() == next(p for p in everything if p[0] >= target)[2]  # the block decoded, read from its middle
    ids, values = m.read_rest(values=True)
    rest = [p for p in everything if p[0] >= target]
    assert ids.tolist() == [p[0] for p in rest] and values.split() == tuple(p[2] for p in rest)
    m = reader.postings("body_exact", word)
    m.skip_to(target)
    ids, weights = m.read_rest(values=False)
    assert ids.tolist() == [p[0] for p in rest] and weights.tolist() == [p[1] for p in rest]
    assert not m.is_active()


@pytest.mark.corpora
@pytest.mark.parametrize("text", QUERIES)
def test_whooshs_own_searches_match_and_score_alike_in_both_formats(pair, text):
    ours, theirs = pair
    query, expected = whoosh_docs(theirs, text)
    mine = ours._index.searcher().search(query, limit=None)
    w3 = theirs._index.searcher().search(query, limit=None)
    assert [(h.docnum, h.score) for h in mine] == [(h.docnum, h.score) for h in w3]
    assert docsets.matching_docs(ours._index.searcher(), query) == expected


@pytest.mark.corpora
@pytest.mark.parametrize("text", [*RANKED, '"prime minister"', "econom* growth", "oil p"])
def test_the_product_answers_alike_in_both_formats(pair, text):
    ours, theirs = pair
    a, b = (ex.search(text, limit=30, snippets=False) for ex in (ours, theirs))
    assert a.total == b.total > 0
    assert [(h.path, h.score) for h in a.hits] == [(h.path, h.score) for h in b.hits]


def test_an_index_in_whooshs_format_is_rebuilt_once_in_ours(seeds):
    old = build(seeds, seeds.parent / "cache", W3Codec)
    meta = old.index_folder / META
    data = json.loads(meta.read_text())
    data["schema_version"] = SCHEMA_VERSION - 1  # what the last release wrote, in W3's format
    meta.write_text(json.dumps(data))
    ex = Explorer(seeds, cache_dir=seeds.parent / "cache")
    stats = ex.update_index()
    assert stats.rebuilt and stats.reason == f"index schema {SCHEMA_VERSION - 1} is older than {SCHEMA_VERSION}"
    assert {type(r.codec()) for r in leaves(ex)} == {GdxCodec}
    assert ex.search("hydrogen").total == 2
    again = Explorer(seeds, cache_dir=seeds.parent / "cache").update_index()
    assert not again.rebuilt and again.added == again.updated == 0


def test_whooshs_own_w3_indexes_are_still_read_a_block_at_a_time(tmp_path):
    from whoosh import fields, index

    ix = index.create_in(tmp_path, fields.Schema(body=fields.TEXT()))
    with ix.writer() as w:
        for n in range(300):
            w.add_document(body=f"common word{n % 7}")
    reader = ix.searcher().reader()
    blocks = list(adapter.posting_blocks(reader, "body", "common", values=False))
    assert len(blocks) == 3 and [i for ids, _ in blocks for i in ids] == list(range(300))
    assert docsets.matching_docs(ix.searcher(), wq.Term("body", "word3")) == set(range(3, 300, 7))


@pytest.mark.parametrize("weights", [
    [1.0] * 5, [2.5] * 3, [1.0], [0.0, 0.0], [1, 2, 3, 255], [1, 256, 3], [0, 65535], [1, 65536], [1.5, 2.0],
    [-1.0, 1.0], [float("inf"), 1.0], [float("nan"), 1.0], [3.0] * 31 + [4.0], list(range(32)),
])
def test_a_few_postings_encode_to_the_same_bytes_as_numpys(weights, monkeypatch: pytest.MonkeyPatch):
    """Small blocks skip numpy; their bytes must be the ones numpy's path writes (and reads back)."""
    import struct as _struct
    from array import array

    from gdexplorer.search.engine import blocks

    ws = array("f", weights)
    freqs = [_struct.pack(">I", int(abs(w)) if w == w and abs(w) != float("inf") else 7) for w in weights]
    freqs_big = [_struct.pack(">I", 70_000 + i) for i in range(len(weights))]
    gaps_of = [list(range(len(weights))), [0, 300][: len(weights)], [0, 70_000][: len(weights)]]
    few = (blocks.encode_weights(ws), blocks.encode_values(freqs, 4, len(freqs)),
           blocks.encode_values(freqs_big, 4, len(freqs)), [blocks.pack_ints(g, blocks.byte_width(max(g))) for g in gaps_of])
    assert len(weights) <= blocks.SMALL
    monkeypatch.setattr(blocks, "SMALL", 0)
    assert few == (blocks.encode_weights(ws), blocks.encode_values(freqs, 4, len(freqs)),
                   blocks.encode_values(freqs_big, 4, len(freqs)),
                   [blocks.pack_ints(g, blocks.byte_width(max(g))) for g in gaps_of])
