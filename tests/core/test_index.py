"""The index on disk: first build, incremental updates, rebuilds, cancel, mentions."""

import json
import threading
from pathlib import Path

import pytest

from gdexplorer.explorer import Explorer
from gdexplorer.model import Progress
from gdexplorer.search.engine.positions import FastFrequency, FastPositions
from gdexplorer.search.index import META, SCHEMA_VERSION


def add_article(corpus: Path, name: str, title: str, body: str) -> None:
    (corpus / "articles" / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_first_build_then_nothing_to_do(seeds):
    explorer = Explorer(seeds)
    stats = explorer.update_index()
    assert (stats.added, stats.rebuilt, stats.reason) == (2, True, "no index yet")
    again = Explorer(seeds).update_index()
    assert (again.added, again.updated, again.deleted, again.unchanged, again.rebuilt) == (0, 0, 0, 2, False)


def test_the_index_lives_in_the_cache_not_in_the_corpus(seeds, _private_cache):
    before = sorted(p.relative_to(seeds) for p in seeds.rglob("*"))
    explorer = Explorer(seeds)
    explorer.update_index()
    assert sorted(p.relative_to(seeds) for p in seeds.rglob("*")) == before
    assert explorer.index_folder.is_relative_to(_private_cache)


def test_only_changed_articles_are_reindexed(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    add_article(seeds, "0003.txt", "Shenzhen drones", "Drone makers in Shenzhen grow fast.")
    stats = explorer.update_index()
    assert (stats.added, stats.updated, stats.deleted, stats.unchanged) == (1, 0, 0, 2)
    assert explorer.search("drone").total == 1

    path = seeds / "articles" / "0003.txt"
    path.write_text("Shenzhen robots\n\nRobot makers in Shenzhen grow fast.\n", encoding="utf-8")
    stats = explorer.update_index()
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, 2)
    assert explorer.search("drone").total == 0
    assert explorer.search("robot").total == 1

    path.unlink()
    stats = explorer.update_index()
    assert (stats.deleted, stats.unchanged) == (1, 2)
    assert explorer.search("robot").total == 0
    assert explorer.article_count() == 2


def test_progress_is_reported(seeds):
    seen: list[Progress] = []
    Explorer(seeds).update_index(progress=seen.append)
    assert seen[0].stage == "Scanning articles"
    assert Progress(2, 2, "Indexing") in seen


def test_an_old_schema_is_rebuilt(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    meta = explorer.index_folder / META
    data = json.loads(meta.read_text())
    data["schema_version"] = SCHEMA_VERSION - 1
    meta.write_text(json.dumps(data))
    stats = Explorer(seeds).update_index()
    assert stats.rebuilt
    assert stats.reason == f"index schema {SCHEMA_VERSION - 1} is older than {SCHEMA_VERSION}"
    # Schema 3: rebuilt indexes store positions packed, which phrases read as arrays; schema 5:
    # phrases are matched in the exact fields, the stemmed ones only count their words.
    searcher = Explorer(seeds)._index.searcher()
    assert all(isinstance(searcher.schema[f].format, FastPositions) for f in ("body_exact", "title_exact"))
    assert all(isinstance(searcher.schema[f].format, FastFrequency) for f in ("body", "title"))
    assert Explorer(seeds).search('"fuel cell"').total > 0


def test_damaged_index_files_are_rebuilt(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    for toc in explorer.index_folder.glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    fresh = Explorer(seeds)
    stats = fresh.update_index()
    assert stats.rebuilt and stats.reason == "index files are damaged"
    assert fresh.search("hydrogen").total == 2


def test_a_cancelled_build_is_not_complete_and_is_finished_later(seeds):
    for i in range(30):
        add_article(seeds, f"x{i:03}.txt", f"Filler {i}", "Some words about ports and shipping.")
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.stage == "Indexing" and p.total:
            cancel.set()

    explorer = Explorer(seeds)
    stats = explorer.update_index(progress=progress, cancel=cancel)
    assert stats.cancelled
    assert not explorer._index.is_complete()
    stats = Explorer(seeds).update_index()
    assert not stats.cancelled and stats.added == 32
    assert Explorer(seeds)._index.is_complete()


def test_mentions_are_indexed_and_follow_annotation_changes(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    assert [a.id for a in explorer.mentions_of("ehang")] == ["articles/0002.txt"]
    assert {e.id for e in explorer.entities_in("articles/0001.txt")} >= {"tcl", "gac-group", "li-dongsheng"}
    # GAC Hino is in article 2 only; "GAC" alone (GAC Group) is not, so the longest match must win there.
    assert "gac-hino" in {e.id for e in explorer.entities_in("articles/0002.txt")}
    assert explorer.mention_counts()["ehang"] == 1

    # A new alias changes which articles mention the entity, without touching the articles.
    people = seeds / "annotations" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    people.write_text(text.replace("name: Hu Huazhi", "name: Hu Huazhi\n    aliases: [Canton Tower]", 1),
                      encoding="utf-8")
    explorer.reload_annotations()
    stats = explorer.update_index()
    assert stats.updated == 2
    assert [a.id for a in explorer.mentions_of("hu-huazhi")] == ["articles/0002.txt", "articles/0001.txt"]  # newest first


@pytest.mark.parametrize("query", ["entity:ehang", "entity:EHang", 'entity:"EHang Holdings Limited"'])
def test_entity_filters_accept_ids_names_and_aliases(seeds, query):
    explorer = Explorer(seeds)
    explorer.update_index()
    assert [h.path for h in explorer.search(query).hits] == ["articles/0002.txt"]


def test_entity_network_has_curated_relations_both_ways_and_co_mentions(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    network = explorer.network("ehang")
    relations = {(e.source, e.label, e.target) for e in network.edges if e.kind == "relation"}
    assert ("ehang", "located in", "huangpu-district") in relations
    assert ("hu-huazhi", "founder, chairman and CEO of", "ehang") in relations
    co = {e.target: e for e in network.edges if e.kind == "co-mention"}
    assert co, "EHang shares its article with other entities"
    some = next(iter(co.values()))
    assert some.articles == ("articles/0002.txt",) and some.weight == 1
    assert network.nodes[0] == "ehang" and len(set(network.nodes)) == len(network.nodes)


def test_one_article_edits_merge_tiny_segments_without_rewriting_bigger_ones(seeds):
    from gdexplorer.search.engine.merging import MERGE_AT

    for n in range(20):
        add_article(seeds, f"extra{n:02}.txt", f"Extra {n}", f"Okapi number {n} was seen near the river.")
    explorer = Explorer(seeds)
    explorer.update_index()

    def segments() -> dict[str, int]:
        ix = explorer._index._open()
        return {seg.segment_id(): seg.doc_count_all() for seg in ix._segments()}

    first = segments()
    assert list(first.values()) == [22]
    counts = []
    for i in range(3 * MERGE_AT):
        path = seeds / "articles" / f"extra{i % 20:02}.txt"
        path.write_text(path.read_text(encoding="utf-8") + f"\nA zeppelin{i} landed.\n", encoding="utf-8")
        assert explorer.update_index().updated == 1
        now = segments()
        assert set(first) <= set(now)  # the 22-document segment is never rewritten with tiny ones
        assert sum(count < MERGE_AT for count in now.values()) <= MERGE_AT
        counts.append(len(now))
        assert explorer.search(f"zeppelin{i}").total == 1
    # Each commit adds a one-document segment; MERGE_AT of them go into the next commit's, which
    # then holds MERGE_AT + 1 (distinct) articles and waits for MERGE_AT - 1 more of its size.
    assert counts == [*range(2, MERGE_AT + 2), *range(2, MERGE_AT + 3), *range(3, MERGE_AT + 2)]
    assert sorted(segments().values()) == [1] * (MERGE_AT - 2) + [MERGE_AT + 1] * 2 + [22]
    assert explorer.search("okapi").total == 20
