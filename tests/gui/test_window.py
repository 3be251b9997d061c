"""The window an analyst keeps open (issue 19): no stale state, keyboard, help, zoom, PDF, screen sizes."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QTextBrowser

from gdexplorer.gui.mainwindow import MainWindow
from tests.gui.conftest import INDEX_TIMEOUT, search


def rows(window: MainWindow) -> list[str]:
    model = window.results.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def open_first(qtbot, window: MainWindow, query: str) -> None:
    window.search.setText(query)
    with qtbot.waitSignal(window.session.article_loaded, timeout=10_000):
        qtbot.keyClick(window.search, Qt.Key.Key_Return)


# -- wrong information on screen -------------------------------------------------------------


def test_enter_in_the_search_field_opens_the_first_result(qtbot, opened):
    open_first(qtbot, opened, "tcl")
    page = opened.article.view.page
    assert page is not None
    assert page.article.info.title == rows(opened)[0]
    assert opened.results.view.currentIndex().row() == 0


def test_typing_alone_does_not_open_an_article(qtbot, opened):
    search(qtbot, opened, "tcl")
    qtbot.wait(50)
    assert opened.article.view.page is None


def test_a_bad_query_clears_the_last_results_and_stops_counting(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    assert rows(opened)
    opened.search.selectAll()
    with qtbot.waitSignal(opened.session.search_failed, timeout=5000):
        qtbot.keyClicks(opened.search, "author:smith")
    assert opened.results.error.isVisible()
    assert rows(opened) == []  # not hydrogen's two articles under author:smith's error
    assert opened.facets.summary.text() != "Counting…"


def test_opening_another_corpus_forgets_the_last_ones_count(qtbot, opened, tmp_path: Path):
    other = tmp_path / "other"
    shutil.copytree(opened.corpus, other)
    for article in sorted((other / "articles").rglob("*"))[1:] if (other / "articles").is_dir() else []:
        if article.is_file():
            article.unlink()
    assert "2 articles" in opened.search.placeholderText()
    opened.open_corpus(other)
    # Until the new corpus is counted, nothing says the old corpus's "2 articles" or its months.
    assert "2 articles" not in opened.search.placeholderText()
    assert opened.facets.model.rowCount() == 0
    assert opened.facets.summary.text() == ""
    qtbot.waitUntil(lambda: not opened.session.indexing, timeout=INDEX_TIMEOUT)


def test_a_query_typed_before_the_corpus_opens_is_kept_and_searched(qtbot, window, seeds_corpus):
    window.search.setText("tcl")
    with qtbot.waitSignal(window.session.search_finished, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    assert window.search.text() == "tcl"
    qtbot.waitUntil(lambda: rows(window) == ["Tech innovation set to upgrade Guangdong development"], timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)


def test_recent_searches_belong_to_their_corpus(qtbot, opened, tmp_path: Path):
    open_first(qtbot, opened, "tcl")
    assert opened.search.history() == ["tcl"]
    other = tmp_path / "other"
    shutil.copytree(opened.corpus, other)
    seeds = opened.corpus
    opened.open_corpus(other)
    assert opened.search.history() == []
    qtbot.waitUntil(lambda: not opened.session.indexing, timeout=INDEX_TIMEOUT)
    with qtbot.waitSignal(opened.session.corpus_opened, timeout=INDEX_TIMEOUT):
        opened.open_corpus(seeds)
    assert opened.search.history() == ["tcl"]
    qtbot.waitUntil(lambda: not opened.session.indexing, timeout=INDEX_TIMEOUT)


# -- help, zoom, PDF -------------------------------------------------------------------------


def test_f1_shows_the_keyboard_shortcuts_and_the_query_syntax(qtbot, opened):
    opened.activateWindow()
    opened.menus.shortcuts_action.trigger()
    dialog = opened.menus.help_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QTextBrowser, "shortcutsPage").toPlainText()
    assert "Back" in text and "Zoom In" in text and "Keyboard Shortcuts" in text
    assert "F1" in text
    syntax = dialog.findChild(QTextBrowser, "syntaxPage").toPlainText()
    for example in ("title:", "category:", "entity:", "date:[2010 TO 2012]", '"media tour"', "develop*", "~", "OR"):
        assert example in syntax
    assert QKeySequence("F1") in opened.menus.shortcuts_action.shortcuts()
    dialog.close()


def test_the_syntax_guide_examples_are_queries_that_work(qtbot, opened):
    for query in ("hydrogen OR battery", "hydrogen NOT battery", '"media tour"', "develop*", "guangzhuo~",
                  "title:hydrogen", "date:[2010 TO 2030]", "date:2024", "(tcl OR huawei) AND shenzhen"):
        opened.search.selectAll()
        with qtbot.waitSignal(opened.session.search_finished, timeout=10_000):
            opened.search_for(query)
        assert not opened.results.error.isVisible(), query


def test_zoom_changes_the_reader_text_and_is_remembered(qtbot, opened, settings: QSettings):
    open_first(qtbot, opened, "tcl")
    view = opened.article.view
    size = view.font().pointSizeF()
    opened.reader_actions.zoom_in_action.trigger()
    opened.reader_actions.zoom_in_action.trigger()
    assert view.font().pointSizeF() > size
    assert view.page is not None  # still showing the article
    assert int(settings.value("reader/zoom")) == 2
    opened.reader_actions.zoom_out_action.trigger()
    assert int(settings.value("reader/zoom")) == 1
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.built, timeout=5000)
    assert again.reader_actions.zoom == 1
    assert again.article.view.font().pointSizeF() > size
    again.reader_actions.zoom_reset_action.trigger()
    assert again.article.view.font().pointSizeF() == size
    again.close()


def test_an_article_saves_as_a_pdf_with_its_citation(qtbot, opened, tmp_path: Path):
    assert not opened.reader_actions.pdf_action.isEnabled()
    open_first(qtbot, opened, "tcl")
    assert opened.reader_actions.pdf_action.isEnabled()
    doc = opened.reader_actions.printable()
    assert doc is not None
    title = opened.article.view.page.article.info.title
    assert title in doc.toPlainText()
    assert "Source:" in doc.toPlainText()
    target = tmp_path / "article.pdf"
    opened.reader_actions.save_pdf(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000


# -- Back and Forward ------------------------------------------------------------------------


def what_the_user_sees(window: MainWindow) -> tuple[object, ...]:
    article = window.article.view.page
    entity = window.detail.page
    return (window.explore.query, article.article.info.id if article else None, entity.entity.id if entity else None)


def test_every_back_and_forward_press_changes_what_is_shown(qtbot, opened):
    open_first(qtbot, opened, "tcl")
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        opened.open_entity("gac-group")
    open_first(qtbot, opened, "hydrogen")
    seen = [what_the_user_sees(opened)]
    # The menu says what each step shows: the results of a search, an article, an entity.
    back_items = [location.shows for location in opened.navigation.history.back_items()]
    assert back_items[0] == "Results: Search “hydrogen”"
    assert back_items[1] == "Entity: GAC Group"
    assert back_items[2].startswith("Article: ") and back_items[2].endswith("(search “tcl”)")
    assert "Back to Results" in opened.navigation.back_action.toolTip()
    while opened.navigation.back_action.isEnabled():
        with qtbot.waitSignal(opened.session.article_loaded, timeout=5000, raising=False):
            opened.navigation.back_action.trigger()
        qtbot.waitUntil(lambda: what_the_user_sees(opened) != seen[-1], timeout=5000)
        seen.append(what_the_user_sees(opened))
    assert seen[-1][1] is not None  # back at the tcl article, which the first press reached
    assert seen[1][0] == "tcl"


def test_a_filter_that_leaves_out_the_open_article_closes_it(qtbot, opened):
    from tests.gui.test_explore import click_index, wait_facets

    open_first(qtbot, opened, "guangdong")
    page = opened.article.view.page
    assert page is not None
    wait_facets(qtbot, opened)
    others = [v for v in opened.facets.values("date") if v.filter.value.replace("-", "") not in
              (page.article.info.date or "").replace("-", "")]
    assert len(others) == 1, [v.filter.value for v in opened.facets.values("date")]
    opened.status.showMessage("stale hover text")
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        click_index(qtbot, opened.facets.view, opened.facets.index_of(others[0].filter))
    assert page.article.info.title not in rows(opened)
    qtbot.waitUntil(lambda: opened.article.view.page is None, timeout=5000)
    assert "does not match these filters" in opened.article.view.toPlainText()


def test_a_hovered_link_text_goes_with_its_page(qtbot, opened):
    open_first(qtbot, opened, "tcl")
    opened._on_link_hovered("entity:gac-group")
    assert opened.status.currentMessage()
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        opened.open_entity("gac-group")
    assert opened.status.currentMessage() == ""


def test_an_article_from_the_borrowed_annotations_says_where_it_comes_from(qtbot, window, seeds_corpus, tmp_path):
    other = tmp_path / "other"
    (other / "articles").mkdir(parents=True)
    (other / "articles" / "one.txt").write_text("Another story\n\nNothing about Guangdong here.\n", encoding="utf-8")
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(other, seeds_corpus / "annotations")
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    cited = next(a.relative_to(seeds_corpus).as_posix() for a in sorted((seeds_corpus / "articles").rglob("*.txt")))
    from gdexplorer.gui.history import ArticleLocation

    with qtbot.waitSignal(window.session.article_loaded, timeout=5000):
        window.open_article(ArticleLocation(cited))
    assert window.article.origin.isVisible()
    assert "From another corpus" in window.article.origin.text() and "seeds" in window.article.origin.text()
    with qtbot.waitSignal(window.session.article_loaded, timeout=5000):
        window.open_article(ArticleLocation("articles/one.txt"))
    assert not window.article.origin.isVisible()


# -- readable at any size --------------------------------------------------------------------


def contrast(a, b) -> float:
    def luminance(color) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_timeline_caption_is_readable_and_clear_of_the_peak(qtbot):
    from PySide6.QtGui import QColor, QPalette

    from gdexplorer.gui.widgets.timeline import TOP, Timeline

    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(300, 70)
    # Ten years, as the Guardian's: yearly labels, some skipped for room (their tick pen is faint).
    months = tuple((f"{year}-{month:02d}", 5 + (year + month) % 7) for year in range(2007, 2017) for month in range(1, 13))
    timeline.set_axis([m for m, _ in months])
    timeline.set_months(months, caption="12,345 dated matches over time in the corpus")
    image = timeline.grab().toImage()
    base = timeline.palette().color(QPalette.ColorRole.Base)
    darkest = max((QColor(image.pixel(x, y)) for x in range(image.width() // 3) for y in range(TOP)),
                  key=lambda c: contrast(c, base))
    assert contrast(darkest, base) >= 4.5
    timeline.resize(150, 70)
    narrow = timeline.grab().toImage()
    assert narrow.width() == 150  # painted without raising; the peak gives way to the caption


def test_at_1024_by_640_the_reader_keeps_a_readable_width(qtbot, opened):
    open_first(qtbot, opened, "hydrogen")
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        opened.open_entity("gac-group")
    opened.resize(1024, 640)
    qtbot.waitUntil(lambda: opened.width() == 1024)
    qtbot.wait(10)
    assert opened.article.view.width() >= 320
    assert not opened.facets_dock.isVisible()  # stepped aside for the reader
    opened.resize(1600, 900)
    qtbot.waitUntil(lambda: opened.facets_dock.isVisible(), timeout=2000)


def test_a_wide_reader_keeps_a_comfortable_line_length(qtbot, opened):
    open_first(qtbot, opened, "hydrogen")
    opened.resize(1920, 1080)
    qtbot.waitUntil(lambda: opened.width() == 1920)
    view = opened.article.view
    qtbot.waitUntil(lambda: view.viewport().width() < view.width() - 100, timeout=2000)
    chars = view.viewport().width() / view.fontMetrics().averageCharWidth()
    assert 60 <= chars <= 110, chars


def test_the_problems_panel_goes_once_the_problem_is_fixed(qtbot, window, seeds_corpus):
    from tests.gui.test_problems import BROKEN

    broken = seeds_corpus / "annotations" / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    assert window.problems_dock.isVisible()
    assert not window.problems.empty.isVisible()
    broken.unlink()  # fixed outside the app, as an editor would
    qtbot.waitUntil(lambda: not window.problems_dock.isVisible(), timeout=15_000)
    assert window.problems.model.rowCount() == 0
    window.problems_dock.show()  # opened by hand, it says so rather than showing an empty table
    assert window.problems.empty.isVisible()
    assert "No problems" in window.problems.empty.text()


def test_the_results_summary_is_not_cut_by_the_sort_box(qtbot, opened):
    search(qtbot, opened, "guangdong")
    summary = opened.results.summary
    assert summary.text().startswith("2 results in ")
    sizes = opened.main_splitter.sizes()
    opened.main_splitter.setSizes([200, sizes[0] + sizes[1] - 200, sizes[2]])
    qtbot.waitUntil(lambda: opened.results.width() <= 210, timeout=2000)
    qtbot.waitUntil(lambda: summary.fontMetrics().horizontalAdvance(summary.text()) <= summary.width(), timeout=2000)
    assert summary.text().startswith("2 results")


def test_long_entity_names_keep_their_distinct_end_and_a_tooltip(qtbot, opened):
    from gdexplorer.gui.itemmodels import item_at

    assert opened.entities.tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert opened.facets.view.textElideMode() == Qt.TextElideMode.ElideMiddle
    proxy = opened.entities.tree.model()
    found = []
    for group in range(proxy.rowCount()):
        parent = proxy.index(group, 0)
        for row in range(proxy.rowCount(parent)):
            index = proxy.index(row, 0, parent)
            entity = item_at(index)
            if entity is not None and entity.name.startswith("Guangdong Provincial"):
                found.append((entity.name, proxy.data(index, Qt.ItemDataRole.ToolTipRole)))
    assert len(found) >= 2
    assert all(name in tip for name, tip in found)


def test_the_network_opens_wide_and_names_each_relation_on_its_edge(qtbot, opened):
    opened.resize(1366, 768)
    qtbot.waitUntil(lambda: opened.width() == 1366)
    before = opened.detail_tabs.width()
    with qtbot.waitSignal(opened.session.network_loaded, timeout=5000):
        opened.detail_tabs.setCurrentWidget(opened.network)
        opened.open_entity("gac-group")
    assert opened.detail_tabs.width() > before + 150
    assert opened.article.width() >= 320
    view = opened.network
    edge = view.edges["feng-xingya"]
    # On the line where it overlaps nothing; where every spot is taken, in the edge's tooltip.
    if edge.predicate:
        assert "president of" in edge.predicate and edge.predicate_rect().isValid()
    else:
        assert "president of" in edge.toolTip()
    assert any(e.predicate and e.predicate_rect().isValid() for e in view.edges.values())
    labels = {item.name: item.label for item in view.nodes.values()}
    assert labels["Guangzhou"] == "Guangzhou"
    assert sum(1 for name, label in labels.items() if label != name) <= 2  # room for (nearly) every name
    opened.detail_tabs.setCurrentIndex(0)
    assert abs(opened.detail_tabs.width() - before) <= 2


def test_no_key_is_bound_to_two_actions(opened):
    """Qt ignores an ambiguous shortcut: Ctrl++ bound twice (ours and the platform's ZoomIn) did nothing."""
    from PySide6.QtGui import QAction

    seen: dict[str, str] = {}
    for action in opened.findChildren(QAction):
        for key in action.shortcuts():
            name = key.toString()
            assert seen.setdefault(name, action.text()) == action.text() and \
                action.shortcuts().count(key) == 1, f"{name}: {seen[name]} and {action.text()}"


def test_a_refine_panel_put_aside_by_a_narrow_window_returns_in_a_wide_one(qtbot, settings: QSettings):
    narrow = MainWindow(settings)
    qtbot.addWidget(narrow)
    narrow.show()
    narrow.resize(760, 560)
    qtbot.waitUntil(lambda: narrow.built, timeout=5000)
    assert not narrow.facets_dock.isVisible()
    assert narrow.width() == 760
    narrow.close()
    wide = MainWindow(settings)
    qtbot.addWidget(wide)
    wide.show()
    assert wide.width() == 760  # restored, not widened by the panel it has put aside
    wide.resize(1400, 800)
    qtbot.waitUntil(lambda: wide.facets_dock.isVisible(), timeout=2000)
    wide.close()


def test_a_large_manifests_problems_come_after_the_corpus_shows(qtbot, window, seeds_corpus, monkeypatch):
    """At 1M, parsing the manifest for its problems held the corpus back 11.7 s: they come with the stats."""
    from gdexplorer.corpus import reading

    monkeypatch.setattr(reading, "LARGE_MANIFEST_BYTES", 0)  # the seeds' manifest counts as a large one
    manifest = seeds_corpus / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT) as opened:
        window.open_corpus(seeds_corpus)
    assert not opened.args[0].problems_complete
    assert not any(p.path == "manifest.jsonl" for p in opened.args[0].problems)
    qtbot.waitUntil(lambda: any(p.path == "manifest.jsonl" and "not JSON" in p.message
                                for p in window.problems.model.problems()), timeout=INDEX_TIMEOUT)
    assert window.problems_dock.isVisible()


def test_closing_while_a_large_manifest_is_read_does_not_wait_for_the_read(qtbot, window, seeds_corpus, monkeypatch):
    """At 1M a window closed in its first seconds hid at once, but its process lived on 10-14 s,
    parsing the manifest for the corpus's problems: the parse now stops when the corpus closes."""
    import json

    from gdexplorer.corpus import reading

    monkeypatch.setattr(reading, "LARGE_MANIFEST_BYTES", 0)
    manifest = seeds_corpus / "manifest.jsonl"
    extra = "".join(json.dumps({"file": f"articles/gone/{i:06}.txt", "title": f"Gone {i}"}) + "\n"
                    for i in range(300_000))  # several seconds of parsing
    manifest.write_text(manifest.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(window.session.busy, timeout=INDEX_TIMEOUT)  # counting the corpus: the parse
    assert window.session.shutdown(500)  # every worker stopped within half a second
    assert not window.session.busy()
