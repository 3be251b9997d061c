"""The chunked posting pool writes the same indexes as Whoosh's own pool, spilled runs and all.

Real Whoosh indexes on disk from real BBC articles, with a 1 MB pool so that every build spills
its postings to run files and merges them back (the path a large build takes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import fields, index
from whoosh.multiproc import MpWriter
from whoosh.writing import PostingPool, SegmentWriter

from gdexplorer.search.engine import writers
from gdexplorer.search.engine.codec import GdxCodec
from gdexplorer.search.engine.writers import ChunkedPostingPool, GdxMpWriter, segment_writer
from tests.corpora import article_texts, slice_of

ARTICLES = 160
SCHEMA = fields.Schema(path=fields.ID(stored=True, unique=True), title=fields.TEXT(),
                       body=fields.TEXT(phrase=True), words=fields.KEYWORD(lowercase=True))


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    root = slice_of("en-bbc-news-2004-2005", ARTICLES, tmp_path_factory.mktemp("bbc"))
    return [{"path": path, "title": title, "body": body, "words": " ".join(sorted(set(body.split()))[:200])}
            for path, (title, body) in article_texts(root).items()]


def postings(folder: Path) -> dict[tuple[str, bytes], list[tuple[str, float, bytes | None]]]:
    """Every word's postings by article path (document numbers depend on which process wrote it)."""
    ix = index.open_dir(str(folder))
    out: dict[tuple[str, bytes], list[tuple[str, float, bytes | None]]] = {}
    with ix.searcher() as s:
        reader = s.reader()
        for field, word in reader.all_terms():
            m = reader.postings(field, word)
            found = []
            while m.is_active():
                found.append((reader.stored_fields(m.id())["path"], m.weight(), m.value()))
                m.next()
            out[(field, word)] = sorted(found)
    return out


def build(folder: Path, documents: list[dict[str, str]], make) -> Path:
    folder.mkdir()
    ix = index.create_in(str(folder), SCHEMA)
    writer = make(ix)
    for doc in documents:
        writer.add_document(**doc)
    pool = writer.pool
    if not isinstance(writer, MpWriter):
        pool.save()  # what the commit does first; then the runs are there to be seen
        assert len(pool.runs) > 1, "the 1 MB pool should have spilled to several runs"
    writer.commit()
    return folder


@pytest.mark.corpora
def test_the_chunked_pool_writes_whooshs_index_from_spilled_runs(documents, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(writers, "CHUNK", 1000)  # several chunks in each ~7,000-posting run, and a short last one
    options = {"limitmb": 1, "compound": False, "codec": GdxCodec()}
    ours = build(tmp_path / "ours", documents, lambda ix: segment_writer(ix, **options))
    theirs = build(tmp_path / "theirs", documents, lambda ix: SegmentWriter(ix, **options))
    mine = postings(ours)
    assert mine == postings(theirs)
    assert sum(len(p) for p in mine.values()) > 50_000


@pytest.mark.corpora
def test_the_sub_processes_use_the_chunked_pool_and_write_the_same_postings(documents, tmp_path: Path):
    def parallel(cls):
        sub = {"limitmb": 1, "compound": False, "codec": GdxCodec()}
        return lambda ix: cls(ix, procs=2, multisegment=True, batchsize=20, subargs=sub, **sub)

    ours = build(tmp_path / "ours", documents, parallel(GdxMpWriter))
    theirs = build(tmp_path / "theirs", documents, parallel(MpWriter))
    assert postings(ours) == postings(theirs)
    assert len(index.open_dir(str(ours)).reader().leaf_readers()) == 2  # both processes wrote a segment


def test_a_pool_in_use_is_not_swapped(tmp_path: Path):
    ix = index.create_in(str(tmp_path), SCHEMA)
    writer = SegmentWriter(ix)
    writer.add_document(path="a", body="one two")
    with pytest.raises(RuntimeError):
        writers.use_chunked_pool(writer)
    assert type(writer.pool) is PostingPool
    writer.cancel()
    fresh = segment_writer(ix)
    assert type(fresh.pool) is ChunkedPostingPool
    fresh.cancel()


def test_the_chunked_pool_spills_where_whooshs_does(tmp_path: Path):
    """Its memory estimate is Whoosh's: the runs are cut at the same postings."""
    from whoosh.filedb.filestore import FileStorage

    pools = [cls(FileStorage(str(tmp_path)), None, limitmb=1) for cls in (PostingPool, ChunkedPostingPool)]
    for pool in pools:
        for i in range(20_000):
            pool.add(("body", f"word{i}".encode(), i, 1.0, b"\x00\x01" if i % 2 else None))
    assert [len(p.runs) for p in pools] == [3, 3]
    assert pools[0].currentsize == pools[1].currentsize > 0
    assert list(pools[0].items()) == list(pools[1].items())

