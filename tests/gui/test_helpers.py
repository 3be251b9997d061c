"""Qt-free helpers of the window: links, paragraph breaks, example queries, query suggestions."""

import pytest

from gdexplorer.gui.links import (
    ArticleLink,
    EntityLink,
    ExternalLink,
    SearchLink,
    article_href,
    entity_href,
    parse_href,
    search_href,
)
from gdexplorer.gui.pages import example_queries, newest_first, paragraph_breaks
from gdexplorer.gui.widgets.resultspane import suggestion
from gdexplorer.model import ArticleInfo, Entity, EntityKind


@pytest.mark.parametrize("entity_id", ["gac-group", "a b/c?d#e", "广东", "100%"])
def test_entity_links_round_trip_any_id(entity_id):
    assert parse_href(entity_href(entity_id)) == EntityLink(entity_id)


def test_article_links_carry_the_focus_range():
    assert parse_href(article_href("articles/x y.txt", (10, 42))) == ArticleLink("articles/x y.txt", (10, 42))
    assert parse_href(article_href("articles/0001.txt")) == ArticleLink("articles/0001.txt", None)


def test_search_links_and_web_links():
    assert parse_href(search_href('entity:"GAC Group" & x')) == SearchLink('entity:"GAC Group" & x')
    assert parse_href("https://example.org/a?b=1") == ExternalLink("https://example.org/a?b=1")
    assert parse_href("gdx:nonsense") is None


def test_paragraph_breaks_split_a_flattened_body_at_runs_of_spaces():
    body = ("First paragraph ends here.  " + "x" * 400 + ".    Third one.")
    assert paragraph_breaks(body) == [26, 429]
    assert paragraph_breaks("Short.  Text.") == []
    assert paragraph_breaks("Kept\n\nas is.  " + "y" * 500) == []


def test_newest_first_puts_undated_articles_last():
    infos = [ArticleInfo("b", "B"), ArticleInfo("x", "X", date="2020-01-01"), ArticleInfo("a", "A"),
             ArticleInfo("y", "Y", date="2024-05-14")]
    assert [i.id for i in newest_first(infos)] == ["y", "x", "a", "b"]


def test_example_queries_come_from_the_most_mentioned_entities():
    entities = (
        Entity("hydrogen-fuel-cell", EntityKind.TECHNOLOGY, "hydrogen fuel cell"),
        Entity("xi-jinping", EntityKind.PERSON, "Xi Jinping"),
        Entity("li-shujie", EntityKind.PERSON, "Li Shujie"),
        Entity("ehang", EntityKind.ORGANIZATION, "EHang"),
    )
    counts = {"hydrogen-fuel-cell": 2, "xi-jinping": 1, "li-shujie": 3, "ehang": 1}
    assert example_queries(entities, counts) == ["hydro*", '"Li Shujie"', "entity:EHang"]


@pytest.mark.parametrize(("query", "looser"), [
    ("hydorgen", "hydorgen~"),
    ("green hydorgen", "green hydorgen~"),
    ("hydro*", None),
    ("hydorgen~", None),
    ("title:x", None),
    ("hyd", None),
])
def test_an_empty_result_suggests_the_last_word_spelled_loosely(query, looser):
    assert suggestion(query) == looser


def test_opening_a_corpus_keeps_what_it_loaded_out_of_garbage_collections(seeds):
    import gc

    from gdexplorer.gui.pages import open_explorer

    was_enabled = gc.isenabled()  # off here: the GUI tests collect on the UI thread, as the window does
    gc.unfreeze()
    try:
        gc.enable()
        opened = open_explorer(seeds, None)
        assert opened.entities
        assert gc.get_freeze_count() > 0  # the manifest and annotations: never walked by a collection
        assert gc.isenabled()  # collecting again afterwards
        gc.disable()
        open_explorer(seeds, None)
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.unfreeze()
        (gc.enable if was_enabled else gc.disable)()


def test_refreshes_leave_no_whoosh_readers_behind(seeds, tmp_path, monkeypatch):
    import gc
    import shutil
    import weakref

    import whoosh.reading

    from gdexplorer.gui.pages import open_explorer, refresh_corpus

    alive: weakref.WeakSet = weakref.WeakSet()
    made = whoosh.reading.SegmentReader.__init__

    def counted(self, *args, **kwargs):
        made(self, *args, **kwargs)
        alive.add(self)

    monkeypatch.setattr(whoosh.reading.SegmentReader, "__init__", counted)
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds, corpus)
    try:
        explorer = open_explorer(corpus, None).explorer
        explorer.update_index()
        article = sorted((corpus / "articles").glob("*.txt"))[0]
        counts = []
        for i in range(6):
            explorer.search("hydrogen")
            article.write_text(article.read_text(encoding="utf-8") + f"\nEdit {i}.\n", encoding="utf-8")
            refresh_corpus(explorer)
            gc.collect()
            counts.append(len(alive))
        # Each update leaves closed readers in reference cycles: collected, unless they were frozen.
        assert counts[-1] <= counts[1], counts
    finally:
        gc.unfreeze()


def test_cyclic_garbage_is_collected_by_the_ui_threads_timer_not_by_workers(qtbot):
    import gc
    import threading
    import weakref

    from gdexplorer.gui.collector import UiThreadCollector

    class Node:
        pass

    collector = UiThreadCollector(interval_ms=20)
    collector.start()
    try:
        assert not gc.isenabled()
        refs = []

        def make_garbage() -> None:  # a worker allocating far past the thresholds
            for _ in range(20_000):
                node = Node()
                node.me = node
                refs.append(weakref.ref(node))

        worker = threading.Thread(target=make_garbage)
        worker.start()
        worker.join()
        assert all(r() is not None for r in refs[:100])  # nothing collected on the worker
        qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=3000)  # the timer did
    finally:
        collector.stop()
        gc.disable()  # as the session-wide collector of these tests keeps it


def test_the_collector_waits_while_a_corpus_is_being_loaded():
    import gc

    from gdexplorer.gui.collector import UiThreadCollector, paused

    collector = UiThreadCollector()
    junk = [[] for _ in range(5_000)]  # past the young generation's threshold
    assert gc.get_count()[0] > gc.get_threshold()[0]
    with paused():
        assert collector.collect() == 0 and gc.get_count()[0] > gc.get_threshold()[0]
    collector.collect()
    assert gc.get_count()[0] < gc.get_threshold()[0]
    del junk
