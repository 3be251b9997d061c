"""Exploring from the window: facets and filter chips, the timeline, the entity network, search as you type."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from gdexplorer.explorer import Explorer
from gdexplorer.gui.explorepages import (
    FilterGroup,
    by_month,
    category_filter,
    date_range_filter,
    entity_filter,
    month_filter,
    span_filter,
    with_filter,
    year_filter,
)
from gdexplorer.gui.itemmodels import item_at
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.sessionrequests import SearchOutcome
from gdexplorer.gui.widgets.facetsmodel import FacetGroup, FacetValue, MoreRow
from gdexplorer.gui.widgets.network import ego_layout
from gdexplorer.gui.widgets.timeline import make_bins
from gdexplorer.model import Facets
from gdexplorer.paths import seeds_dir
from tests.conftest import corpus_path
from tests.gui.conftest import INDEX_TIMEOUT, search

GUARDIAN = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "en-guardian-china-2007-2016"
TOUR = "High-quality development-themed media tour kicks off in Guangdong"
TECH = "Tech innovation set to upgrade Guangdong development"

# Hovering and dragging on the timeline show tooltips, which the offscreen platform cannot raise.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


def rows(window: MainWindow) -> list[str]:
    model = window.results.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def wait_facets(qtbot, window: MainWindow) -> None:
    """Until the Refine panel counts exactly what the window shows."""
    qtbot.waitUntil(lambda: window.facets.page is not None and window.facets.page.query == window.explore.query
                    and window.facets.page.filters == tuple(f.clause for f in window.filters), timeout=10_000)


def settled(outcome) -> bool:
    """A complete answer (not a keystroke search cut short, which a full one follows)."""
    return not outcome.result.partial


def labels(window: MainWindow, group: str) -> list[tuple[str, int]]:
    return [(value.filter.label, value.count) for value in window.facets.values(group)]


def click_index(qtbot, view, index) -> None:
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


# -- Qt-free pieces ------------------------------------------------------------------------------


def test_filters_write_clauses_the_core_accepts(tmp_path):
    assert category_filter("world").clause == "category:world"
    assert category_filter("uk news").clause == "category:'uk news'"
    assert entity_filter("gac-group", "GAC Group").clause == "entity:gac-group"
    assert year_filter("2010").clause == "date:2010"
    assert month_filter("2013-05").clause == "date:201305"
    assert month_filter("2013-05").label == "May 2013"
    # Whoosh reads a dashed month in a range as its whole year, so ranges are written without dashes.
    ranged = date_range_filter("2012-06", "2010-01")
    assert (ranged.clause, ranged.label) == ("date:[201001 TO 201206]", "Jan 2010 \u2013 Jun 2012")
    assert span_filter("2011-01", "2011-12") == year_filter("2011")
    assert span_filter("2011-03", "2011-03") == month_filter("2011-03")


def test_a_section_or_date_replaces_its_group_and_entities_add_up():
    world, business = category_filter("world"), category_filter("business")
    a, b = entity_filter("a"), entity_filter("b")
    chosen = with_filter(with_filter(with_filter((), world), a), b)
    assert chosen == (world, a, b)
    assert with_filter(chosen, business) == (a, b, business)
    assert with_filter(chosen, a) == (world, b)  # picking an active value removes it
    dated = with_filter(chosen, year_filter("2010"))
    assert with_filter(dated, month_filter("2010-05"))[-1] == month_filter("2010-05")
    assert sum(1 for f in with_filter(dated, month_filter("2010-05")) if f.group is FilterGroup.DATE) == 1


def test_dates_read_by_month_over_a_short_span_and_by_year_over_a_long_one():
    assert by_month(Facets(months=(("2024-04", 1), ("2024-05", 1))))
    assert not by_month(Facets(months=(("2007-01", 9), ("2016-12", 12))))


def test_timeline_bins_widen_to_quarters_and_years():
    counts = {"2010-02": 2, "2010-03": 1, "2011-12": 4}
    months = make_bins(counts, "2010-01", "2011-12", 1)
    assert len(months) == 24 and months[1].count == 2
    quarters = make_bins(counts, "2010-01", "2011-12", 3)
    assert [(b.first, b.last, b.count) for b in quarters[:2]] == [("2010-01", "2010-03", 3), ("2010-04", "2010-06", 0)]
    years = make_bins(counts, "2010-01", "2011-12", 12)
    assert [(b.label, b.count) for b in years] == [("2010", 3), ("2011", 4)]


def test_ego_layout_puts_labels_outwards_without_collisions():
    names = [f"n{i}" for i in range(15)]
    center, placed = ego_layout(names, 320, 400)
    assert {p.node for p in placed} == set(names)
    for side in (True, False):
        ys = sorted(p.y for p in placed if p.right is side)
        assert all(b - a >= 20 for a, b in itertools.pairwise(ys))  # a label's height apart
        assert all((p.x > center.x()) is side for p in placed if p.right is side)


# -- facets and chips ----------------------------------------------------------------------------


def test_the_whole_corpus_is_counted_before_the_first_search(qtbot, opened, qtmodeltester):
    wait_facets(qtbot, opened)
    page = opened.facets.page
    assert page.query == "" and page.total == 2
    titles = [g.title for g in opened.facets.model.groups()]
    assert titles[:2] == ["Month", "People"]  # the seeds have no sections; two months read by month
    assert labels(opened, "date") == [("May 2024", 1), ("Apr 2024", 1)]
    assert labels(opened, "place")[:3] == [("China", 2), ("Guangdong", 2), ("Guangzhou", 2)]
    assert opened.facets.summary.text() == "2 articles"
    assert "counted in " in opened.facets.summary.toolTip()
    qtmodeltester.check(opened.facets.model)


def test_clicking_a_facet_filters_the_results_and_shows_a_chip(qtbot, opened):
    search(qtbot, opened, "guangdong")
    wait_facets(qtbot, opened)
    assert sorted(rows(opened)) == [TOUR, TECH]
    index = opened.facets.index_of(entity_filter("ehang", "EHang"))
    assert index.isValid()
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000) as finished:
        click_index(qtbot, opened.facets.view, index)
    assert finished.args[0].filters == ("entity:ehang",)
    assert rows(opened) == [TOUR]
    assert [chip.filter.label for chip in opened.chips.chips()] == ["EHang"]
    assert opened.chips.isVisible()
    wait_facets(qtbot, opened)
    assert opened.facets.page.total == 1
    ehang = next(v for v in opened.facets.values("organization") if v.filter.value == "ehang")
    assert ehang.active and ehang.count == 1
    assert opened.navigation.history.current.filters == (entity_filter("ehang", "EHang"),)


def test_filters_combine_and_chips_go_with_a_click_or_backspace(qtbot, opened):
    wait_facets(qtbot, opened)
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.set_filters((entity_filter("china", "China"),))
    assert sorted(rows(opened)) == [TOUR, TECH]
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.set_filters((*opened.filters, entity_filter("tcl", "TCL")))
    assert rows(opened) == [TECH]
    assert opened.results.summary.text().startswith("1 result in ")
    # A click on a chip removes its filter.
    china = opened.chips.chips()[0]
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000) as finished:
        qtbot.mouseClick(china, Qt.MouseButton.LeftButton)
    assert finished.args[0].filters == ("entity:tcl",)
    assert [chip.filter.value for chip in opened.chips.chips()] == ["tcl"]
    # Backspace in the empty search field removes the last one: back to the start.
    opened.search.setFocus()
    with qtbot.waitSignal(opened.session.newest_loaded, timeout=5000):
        qtbot.keyClick(opened.search, Qt.Key.Key_Backspace)
    assert opened.filters == ()
    assert not opened.chips.chips()
    assert opened.results.summary.text() == "Newest of 2 articles"


def test_a_chip_is_removed_from_the_keyboard(qtbot, opened):
    wait_facets(qtbot, opened)
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.set_filters((entity_filter("tcl", "TCL"),))
    chip = opened.chips.chips()[0]
    chip.setFocus()
    assert chip.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert chip.accessibleName() == "Remove filter Mentions: TCL"
    with qtbot.waitSignal(opened.session.newest_loaded, timeout=5000):
        qtbot.keyClick(chip, Qt.Key.Key_Delete)
    assert opened.filters == ()
    qtbot.waitUntil(lambda: opened.search.hasFocus(), timeout=2000)  # the focus is not lost with the chip


def test_facet_values_are_reachable_and_toggled_with_the_keyboard(qtbot, opened):
    wait_facets(qtbot, opened)
    view = opened.facets.view
    view.setFocus()
    view.setCurrentIndex(opened.facets.model.index(0, 0))  # the "Month" heading
    qtbot.keyClick(view, Qt.Key.Key_Down)
    current = item_at(view.currentIndex())
    assert isinstance(current, FacetValue) and current.filter.label == "May 2024"
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Space)
    assert rows(opened) == [TOUR]
    assert [f.clause for f in opened.filters] == ["date:202405"]
    wait_facets(qtbot, opened)
    # The same value is still current and marked; Enter removes the filter again.
    current = item_at(view.currentIndex())
    assert isinstance(current, FacetValue) and current.active
    with qtbot.waitSignal(opened.session.newest_loaded, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.filters == ()


def test_long_groups_show_more_on_demand(qtbot, opened):
    wait_facets(qtbot, opened)
    model = opened.facets.model
    people = model.group_index("person")
    before = model.rowCount(people)
    more = item_at(model.index(before - 1, 0, people))
    assert isinstance(more, MoreRow) and more.hidden == 5
    assert model.data(model.index(before - 1, 0, people)) == "Show 5 more"
    click_index(qtbot, opened.facets.view, model.index(before - 1, 0, people))
    assert model.rowCount(people) == 12  # eleven people and "Show fewer"
    assert isinstance(item_at(people), FacetGroup)


def test_sorting_and_going_back_keep_the_filters(qtbot, opened):
    search(qtbot, opened, "guangdong")
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.set_filters((entity_filter("china", "China"),))
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000) as finished:
        opened.results.sort.setCurrentIndex(opened.results.sort.findData("oldest"))
    assert finished.args[0].filters == ("entity:china",)
    assert rows(opened) == [TECH, TOUR]
    with qtbot.waitSignal(opened.session.article_loaded, timeout=5000):
        opened.results.view.activated.emit(opened.results.model.index(0, 0))
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.set_filters(())
    opened.navigation.go_back()  # to the article
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.navigation.go_back()  # to the filtered search
    assert [f.value for f in opened.filters] == ["china"]
    assert [chip.filter.value for chip in opened.chips.chips()] == ["china"]


# -- search as you type ----------------------------------------------------------------------------


def test_typing_matches_the_word_being_typed_as_a_prefix(qtbot, opened):
    outcomes = []
    opened.session.search_finished.connect(outcomes.append)
    search(qtbot, opened, "hydr")
    assert outcomes[-1].keystroke
    assert sorted(rows(opened)) == [TOUR, TECH]


def test_a_partial_answer_is_followed_by_the_full_search(qtbot, opened, monkeypatch):
    real = Explorer.search

    def cut_short(self, text, *args, **kwargs):
        result = real(self, text, *args, **kwargs)
        fast = kwargs.get("keystroke") and kwargs.get("time_limited", True)
        return replace(result, partial=True) if fast else result

    monkeypatch.setattr(Explorer, "search", cut_short)
    outcomes = []
    opened.session.search_finished.connect(outcomes.append)
    search(qtbot, opened, "guangdong")
    assert outcomes[-1].keystroke and outcomes[-1].result.partial
    assert opened.results.summary.text().startswith("≈ 2 results in ")
    with qtbot.waitSignal(opened.session.search_finished, timeout=3000) as full:
        pass
    assert not full.args[0].keystroke and not full.args[0].result.partial
    assert opened.results.summary.text().startswith("2 results in ")
    wait_facets(qtbot, opened)
    assert opened.facets.page.total == 2 and not opened.facets.page.keystroke


def typed_then_paused(qtbot, window, text: str) -> SearchOutcome:
    """Type ``text`` as a user would, then wait for the answer that stays: the keystroke's own when it
    was complete, else the full one that follows the pause."""
    outcomes: list[SearchOutcome] = []
    window.session.search_finished.connect(outcomes.append)
    search(qtbot, window, text)
    qtbot.waitUntil(lambda: bool(outcomes) and not outcomes[-1].result.partial, timeout=10_000)
    window.session.search_finished.disconnect(outcomes.append)
    return outcomes[-1]


@pytest.mark.parametrize("typed", ["gu", "g", "hydro"])
def test_after_a_pause_the_word_being_typed_is_still_a_prefix(qtbot, opened, typed):
    explicit = opened.session.explorer.search(f"{typed}*", limit=100)
    assert explicit.total > 0
    full = typed_then_paused(qtbot, opened, typed)
    assert not full.result.partial
    assert full.result.total == explicit.total
    assert sorted(rows(opened)) == sorted(hit.info.title for hit in explicit.hits)
    assert opened.results.summary.text().startswith(f"{explicit.total} result")
    # Enter keeps what the pause showed: the answer does not shrink to the exact word.
    with qtbot.waitSignal(opened.session.search_finished, timeout=10_000) as entered:
        qtbot.keyClick(opened.search, Qt.Key.Key_Return)
    assert entered.args[0].result.total == explicit.total


@pytest.fixture
def bbc_slice(tmp_path: Path) -> Path:
    """The first 300 BBC business and politics articles, with their manifest lines."""
    source = corpus_path("en-bbc-news-2004-2005")
    target = tmp_path / "bbc"
    lines = []
    for line in (source / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["file"].startswith(("articles/business/", "articles/politics/")) and len(lines) < 300:
            (target / entry["file"]).parent.mkdir(parents=True, exist_ok=True)
            (target / entry["file"]).write_bytes((source / entry["file"]).read_bytes())
            lines.append(line)
    (target / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("typed", ["chi", "oil pri", "e"])
def test_after_a_pause_a_prefix_counts_every_match_on_a_real_corpus(qtbot, window, bbc_slice, typed):
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(bbc_slice)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    explicit = window.session.explorer.search(f"{typed}*", limit=1, snippets=False)
    assert explicit.total > 0 and not explicit.partial
    full = typed_then_paused(qtbot, window, typed)
    assert (full.result.total, full.result.partial) == (explicit.total, False)


# -- timeline -------------------------------------------------------------------------------------


def test_the_timeline_shows_months_and_dragging_filters_to_a_range(qtbot, opened):
    wait_facets(qtbot, opened)
    timeline = opened.timeline
    qtbot.waitUntil(timeline.isVisible, timeout=5000)
    bins = timeline.bins()
    assert [b.first for b in bins] == [f"2024-{m:02}" for m in range(1, 13)]  # the corpus's year, by month
    april, may = bins[3], bins[4]
    assert (april.count, may.count) == (1, 1)
    april_x = int(timeline.bar_rect(3).center().x())
    may_x = int(timeline.bar_rect(4).center().x())
    y = int(timeline.bar_rect(3).center().y())
    assert timeline.tooltip_at(april_x) == "Apr 2024: 1 article"
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000) as finished:
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(april_x, y))
        qtbot.mouseMove(timeline, QPoint(may_x, y))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(may_x, y))
    assert finished.args[0].filters == ("date:[202404 TO 202405]",)
    assert [chip.filter.label for chip in opened.chips.chips()] == ["Apr 2024 \u2013 May 2024"]
    assert sorted(rows(opened)) == [TOUR, TECH]
    # A click on one bar narrows to its month (replacing the range).
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(april_x, y))
    assert [f.clause for f in opened.filters] == ["date:202404"]
    assert rows(opened) == [TECH]
    # The timeline still shows every month of the query, with the chosen one marked.
    wait_facets(qtbot, opened)
    assert [b.count for b in timeline.bins()][3:5] == [1, 1]


def test_the_timeline_works_from_the_keyboard(qtbot, opened):
    wait_facets(qtbot, opened)
    timeline = opened.timeline
    qtbot.waitUntil(timeline.isVisible, timeout=5000)
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    for _ in range(3):
        qtbot.keyClick(timeline, Qt.Key.Key_Right)
    qtbot.keyClick(timeline, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        qtbot.keyClick(timeline, Qt.Key.Key_Return)
    assert [f.clause for f in opened.filters] == ["date:[202404 TO 202405]"]
    wait_facets(qtbot, opened)
    timeline.setFocus()
    with qtbot.waitSignal(opened.session.newest_loaded, timeout=5000):
        qtbot.keyClick(timeline, Qt.Key.Key_Escape)
    assert opened.filters == ()


def test_a_corpus_without_dates_hides_the_timeline(qtbot, window, seeds_corpus):
    manifest = seeds_corpus / "manifest.jsonl"
    lines = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    manifest.write_text("".join(json.dumps({**item, "date": None}) + "\n" for item in lines), encoding="utf-8")
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    search(qtbot, window, "guangdong")
    wait_facets(qtbot, window)
    assert not window.timeline.isVisible()
    assert not window.timeline.has_dates()
    assert "date" not in [g.key for g in window.facets.model.groups()]
    assert window.facets.values("place")  # the other facets are still there


# -- network --------------------------------------------------------------------------------------


def test_the_network_tab_draws_relations_and_co_mentions(qtbot, opened):
    opened.detail_tabs.setCurrentWidget(opened.network)
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000):
        opened.open_entity("gac-group")
    view = opened.network
    names = view.node_names()
    assert "Feng Xingya" in names and "Guangzhou" in names and len(names) == 15
    # A relation edge (Feng Xingya is president of GAC) says so, with its quote.
    edge = view.edges["feng-xingya"]
    assert {e.kind for e in edge.edges} == {"relation", "co-mention"}
    tooltip = edge.toolTip()
    assert "president of" in tooltip and "“" in tooltip
    assert "1 shared article" in tooltip and TECH in tooltip
    # Labels fit the view and no two nodes overlap.
    width = view.viewport().width()
    rects = [item.sceneBoundingRect() for item in view.nodes.values()]
    assert all(r.left() >= -1 and r.right() <= width + 1 for r in rects)
    circles = [(item.pos(), item.radius) for item in view.nodes.values()]
    for i, (a, ra) in enumerate(circles):
        for b, rb in circles[i + 1 :]:
            assert (a - b).manhattanLength() > ra + rb


def test_clicking_a_node_opens_that_entity(qtbot, opened):
    opened.detail_tabs.setCurrentWidget(opened.network)
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000):
        opened.open_entity("gac-group")
    view = opened.network
    node = view.nodes["feng-xingya"]
    point = view.mapFromScene(node.scenePos())
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000) as loaded:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert loaded.args[0].network.center == "feng-xingya"
    assert opened.navigation.history.current.entity_id == "feng-xingya"
    # Keyboard: Tab reaches a node, Enter opens it.
    view.setFocus(Qt.FocusReason.TabFocusReason)
    focused = view.scene().focusItem()
    assert focused is not None
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000) as loaded:
        qtbot.keyClick(view.viewport(), Qt.Key.Key_Return)
    assert loaded.args[0].network.center == focused.node


def test_the_network_loads_when_its_tab_is_chosen(qtbot, opened):
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        opened.open_entity("ehang")
    assert opened.network.page is None
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000):
        opened.detail_tabs.setCurrentWidget(opened.network)
    assert opened.network.page.network.center == "ehang"


def test_clicking_a_co_mention_edge_lists_the_shared_articles(qtbot, opened):
    opened.detail_tabs.setCurrentWidget(opened.network)
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000):
        opened.open_entity("gac-group")
    edge = opened.network.edges["beijing"]
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        edge.activated.emit(edge.edges)
    assert opened.search.text() == "entity:gac-group entity:beijing"
    assert rows(opened) == [TECH]


# -- the Guardian China corpus ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def guardian_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Guardian corpus indexed once for this module (with the seeds' entities), in a temp cache."""
    if not GUARDIAN.is_dir():
        pytest.skip("the Guardian China corpus is not in ../shared/corpora")
    cache = tmp_path_factory.mktemp("guardian-cache")
    explorer = Explorer(GUARDIAN, seeds_dir() / "annotations", cache_dir=cache)
    explorer.update_index()
    return cache


@pytest.mark.corpora
def test_guardian_facets_timeline_and_network(qtbot, window, guardian_cache, monkeypatch):
    # The corpus and the seeds' annotations are only read; the index is the module's.
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(guardian_cache))
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(GUARDIAN, seeds_dir() / "annotations")
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    wait_facets(qtbot, window)
    timeline = window.timeline
    assert timeline.isVisible()
    assert timeline.bins()[0].first == "2007-01" and timeline.bins()[-1].last == "2016-12"
    assert sum(b.count for b in timeline.bins()) == 1371

    search(qtbot, window, "pollution")
    wait_facets(qtbot, window)
    page = window.facets.page
    sections = dict(labels(window, "category"))
    assert sections["world"] > 10 and sections["environment"] > 10
    assert window.facets.model.groups()[1].title == "Year"
    assert sum(n for _, n in page.timeline) == page.total
    assert page.facets.seconds < 1.0, "facet counting is far slower than expected"

    # Two filters at once: a section, then a range dragged on the timeline.
    with qtbot.waitSignal(window.session.search_finished, timeout=5000, check_params_cb=settled):
        window.set_filters((category_filter("environment"),))
    total_environment = window.results.model.total
    assert total_environment == sections["environment"]
    wait_facets(qtbot, window)
    bins = timeline.bins()
    first = next(i for i, b in enumerate(bins) if b.first.startswith("2013"))
    last = next(i for i, b in enumerate(bins) if b.last.startswith("2015-12"))
    y = int(timeline.bar_rect(first).center().y())
    with qtbot.waitSignal(window.session.search_finished, timeout=5000, check_params_cb=settled) as finished:
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.bar_rect(first).center().x()), y))
        qtbot.mouseMove(timeline, QPoint(int(timeline.bar_rect(last).center().x()), y))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.bar_rect(last).center().x()), y))
    assert finished.args[0].filters[0] == "category:environment"
    assert finished.args[0].filters[1].startswith("date:[2013")
    in_range = window.results.model.total
    assert 0 < in_range < total_environment
    wait_facets(qtbot, window)
    assert sum(n for _, n in window.facets.page.facets.years) == in_range
    assert {y for y, _ in window.facets.page.facets.years} <= {"2013", "2014", "2015"}

    # The network of Shenzhen: its curated relation to Guangdong and its co-mentions.
    window.detail_tabs.setCurrentWidget(window.network)
    with qtbot.waitSignal(window.session.network_loaded, timeout=10_000):
        window.open_entity("shenzhen")
    names = window.network.node_names()
    assert {"Guangdong", "China", "Beijing"} <= set(names)
    assert any(e.kind == "relation" for e in window.network.edges["guangdong"].edges)
    QApplication.processEvents()
