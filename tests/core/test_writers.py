"""The term-grouped writer writes, byte for byte, the segments Whoosh's own writer writes.

Real Whoosh indexes on disk from real BBC articles, built twice: by Whoosh's ``SegmentWriter``
(its per-posting pool, one codec ``add`` per posting) and by ours. Small memory limits make both
spill to run files and merge them back, the path a large build takes.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import fields, index
from whoosh.filedb.filestore import FileStorage
from whoosh.multiproc import MpWriter
from whoosh.writing import SegmentWriter

from gdexplorer.search.engine.codec import GdxCodec
from gdexplorer.search.engine.writers import GdxMpWriter, GdxSegmentWriter, TermPool
from gdexplorer.search.schema import make_schema
from tests.corpora import article_texts, slice_of

ARTICLES = 80
PLAIN = fields.Schema(path=fields.ID(stored=True, unique=True), title=fields.TEXT(),
                      body=fields.TEXT(phrase=True), words=fields.KEYWORD(lowercase=True))


def ours(language: str) -> fields.Schema:
    return make_schema(language)


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    root = slice_of("en-bbc-news-2004-2005", ARTICLES, tmp_path_factory.mktemp("bbc"))
    return [(path, title, body) for path, (title, body) in article_texts(root).items()]


def plain_doc(path: str, title: str, body: str) -> dict[str, str]:
    return {"path": path, "title": title, "body": body, "words": " ".join(sorted(set(body.split()))[:200])}


def our_doc(path: str, title: str, body: str) -> dict[str, str]:
    # The fields our index fills from an article's text (the rest come from its metadata).
    return {"path": path, "title": title, "body": body, "title_exact": title, "body_exact": body,
            "prefix": f"{title} {body}", "category": path.split("/")[1]}


SCHEMAS = {"plain": (PLAIN, plain_doc), "ours": (make_schema("en"), our_doc)}


def build(folder: Path, schema: fields.Schema, docs: list[dict[str, str]], make, commits: int = 1) -> Path:
    folder.mkdir()
    ix = index.create_in(str(folder), schema)
    per = -(-len(docs) // commits)
    for start in range(0, len(docs), per):
        writer = make(ix)
        for doc in docs[start : start + per]:
            writer.add_document(**doc)
        writer.commit()
    return folder


def segment_files(folder: Path) -> dict[str, bytes]:
    """The one segment's files by extension (their names hold the segment's random id)."""
    ix = index.open_dir(str(folder))
    (segment,) = ix._segments()
    prefix = segment.segment_id()
    found = {p.name[len(prefix):]: p.read_bytes() for p in folder.iterdir() if p.name.startswith(prefix)}
    assert found
    return found


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


@pytest.mark.corpora
@pytest.mark.parametrize("kind", ["ours", "plain"])
def test_a_segment_is_byte_for_byte_whooshs_with_spilled_runs(articles, kind: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    schema, make_doc = SCHEMAS[kind]
    docs = [make_doc(*a) for a in articles]
    spilled: list[int] = []
    save = TermPool.save

    def counting_save(pool: TermPool) -> None:
        save(pool)
        spilled.append(len(pool.runs))

    monkeypatch.setattr(TermPool, "save", counting_save)
    # Blocks of 16: long lists are cut into many blocks (a real block holds 1,024 postings).
    options = {"limitmb": 1, "compound": False, "codec": GdxCodec(blocklimit=16)}
    mine = build(tmp_path / "ours", schema, docs, lambda ix: GdxSegmentWriter(ix, **options))
    theirs = build(tmp_path / "theirs", schema, docs, lambda ix: SegmentWriter(ix, **options))
    assert max(spilled) > 2, "the 1 MB pool should have spilled to several runs"
    assert segment_files(mine) == segment_files(theirs)
    words = postings(mine)
    assert sum(len(p) for p in words.values()) > 20_000
    assert words == postings(theirs)


@pytest.mark.corpora
def test_merged_segments_and_deletions_give_whooshs_postings(articles, tmp_path: Path):
    """Later commits merge the earlier segments (``add_reader``: postings one by one, documents
    renumbered around the deleted ones) into the new one."""
    docs = [our_doc(*a) for a in articles]
    schema = make_schema("en")
    built = {}
    for name, cls in (("ours", GdxSegmentWriter), ("theirs", SegmentWriter)):
        folder = build(tmp_path / name, schema, docs, lambda ix, cls=cls: cls(ix, compound=False, codec=GdxCodec()),
                       commits=3)
        ix = index.open_dir(str(folder))
        writer = cls(ix, compound=False, codec=GdxCodec())
        for path, _, _ in articles[::7]:
            writer.delete_by_term("path", path)
        writer.commit(optimize=True)
        built[name] = folder
    assert len(index.open_dir(str(built["ours"]))._segments()) == 1
    assert segment_files(built["ours"]) == segment_files(built["theirs"])
    assert postings(built["ours"]) == postings(built["theirs"])


@pytest.mark.corpora
def test_the_sub_processes_write_whooshs_postings(articles, tmp_path: Path):
    def parallel(cls):
        sub = {"limitmb": 1, "compound": False, "codec": GdxCodec()}
        return lambda ix: cls(ix, procs=2, multisegment=True, batchsize=20, subargs=sub, **sub)

    docs = [our_doc(*a) for a in articles]
    schema = make_schema("en")
    mine = build(tmp_path / "ours", schema, docs, parallel(GdxMpWriter))
    theirs = build(tmp_path / "theirs", schema, docs, parallel(MpWriter))
    assert postings(mine) == postings(theirs)
    assert len(index.open_dir(str(mine)).reader().leaf_readers()) == 2  # both processes wrote a segment


def test_the_pool_gives_whooshs_order_whatever_order_postings_came_in(tmp_path: Path):
    """Postings added one by one (a merge's path), out of document order, with and without values,
    spilled to runs: the same stream as Whoosh's sort of the same postings."""
    rng = random.Random(7)
    items = []
    for docnum in rng.sample(range(5_000), 3_000):
        for _ in range(rng.randint(1, 6)):
            word = f"w{rng.randint(0, 400)}".encode()
            value = None if word[-1] % 3 == 0 else bytes(rng.randint(1, 4) for _ in range(rng.randint(1, 3)))
            items.append((rng.choice(["body", "title"]), word, docnum, float(rng.randint(1, 5)), value))
    items = list({(f, w, d): (f, w, d, wt, v) for f, w, d, wt, v in items}.values())  # a word once a document
    pool = TermPool(FileStorage(str(tmp_path)), None, limitmb=1)
    pool.limit = 20_000  # bytes: several runs
    for item in items:
        pool.add(item)
    assert len(pool.runs) > 3
    expected = sorted((f, w, d, wt, v or b"") for f, w, d, wt, v in items)
    assert list(pool.iter_postings()) == expected
    assert not list(tmp_path.iterdir()), "the runs are removed once read"


def test_a_document_field_hands_its_words_at_once(tmp_path: Path):
    pool = TermPool(FileStorage(str(tmp_path)), None)
    assert pool.add_field("body", 0, [(b"oil", 2, 2.0, b"\x02"), (b"price", 1, 1.0, b"\x01")], 1.0) == 3
    assert pool.add_field("body", 1, [(b"oil", 1, 1.0, b"")], 2.0) == 1
    assert list(pool.iter_postings()) == [("body", b"oil", 0, 2.0, b"\x02"), ("body", b"oil", 1, 2.0, b""),
                                          ("body", b"price", 0, 1.0, b"\x01")]


def test_the_parallel_writer_is_multisegment_only(tmp_path: Path):
    ix = index.create_in(str(tmp_path), PLAIN)
    with pytest.raises(ValueError, match="multisegment"):
        GdxMpWriter(ix, procs=2)


def test_odd_text_is_written_as_whoosh_writes_it(tmp_path: Path):
    """A 5 MB word, CJK, emoji and combining marks, an empty body, a word only in one document's
    title, a lone surrogate: the same segment bytes as Whoosh's writer."""
    docs = [our_doc("a/1.txt", "Zebra", "x" * 5_000_000),
            our_doc("a/2.txt", "经济 发展 🦓", "e\u0301te\u0301 naïve Ελλάδα 经济发展 🦓🦓"),
            our_doc("a/3.txt", "", ""),
            our_doc("a/4.txt", "Only here", "zebra " * 300),
            our_doc("a/5.txt", "lone \ud800 surrogate", "not a word: \udcff")]  # never cut into a word
    schema = make_schema("en")
    options = {"compound": False, "codec": GdxCodec(blocklimit=2)}
    mine = build(tmp_path / "ours", schema, docs, lambda ix: GdxSegmentWriter(ix, **options))
    theirs = build(tmp_path / "theirs", schema, docs, lambda ix: SegmentWriter(ix, **options))
    assert segment_files(mine) == segment_files(theirs)
    assert postings(mine) == postings(theirs)
