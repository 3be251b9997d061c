"""Searching from the window: results as you type, counts, inline errors, empty states, Esc."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListView

from gdexplorer.gui.itemmodels import item_at
from gdexplorer.model import Hit
from tests.gui.conftest import search


def rows(window) -> list[str]:
    model = window.results.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def test_typing_a_query_lists_the_matching_articles(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    assert sorted(rows(opened)) == ["High-quality development-themed media tour kicks off in Guangdong",
                                    "Tech innovation set to upgrade Guangdong development"]
    assert opened.results.summary.text().startswith("2 results in ")
    assert opened.results.summary.text().endswith(" ms")
    view = opened.findChild(QListView, "resultsView")
    assert view.model().rowCount() == 2
    hit = item_at(view.model().index(0, 0))
    assert isinstance(hit, Hit)
    assert any(segment.match and segment.text.lower() == "hydrogen" for segment in hit.snippet)


def test_a_narrower_query_finds_only_the_gdtoday_article(qtbot, opened):
    search(qtbot, opened, "hydrogen consortium")
    assert rows(opened) == ["High-quality development-themed media tour kicks off in Guangdong"]
    assert opened.results.summary.text().startswith("1 result in ")


def test_typing_is_debounced_into_one_search(qtbot, opened):
    numbers = []
    opened.session.search_finished.connect(lambda outcome: numbers.append(outcome.number))
    search(qtbot, opened, "guangdong")
    qtbot.wait(300)  # a second search would have finished by now
    assert len(numbers) == 1


def test_enter_searches_at_once_and_remembers_the_query(qtbot, opened):
    field = opened.findChild(QLineEdit, "searchField")
    field.setText("tcl")
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert rows(opened) == ["Tech innovation set to upgrade Guangdong development"]
    assert opened.search.history()[0] == "tcl"


def test_a_bad_query_shows_its_message_inline(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    field = opened.search
    field.selectAll()
    with qtbot.waitSignal(opened.session.search_failed, timeout=5000):
        qtbot.keyClicks(field, "colour:red")
    error = opened.results.error
    assert error.objectName() == "searchError"
    assert error.isVisible()
    assert error.text().startswith("Unknown field 'colour:'")
    # The last query's results are not left under this one's error, as if they were its answer (issue 19).
    assert rows(opened) == []
    field.selectAll()
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        qtbot.keyClicks(field, "tcl")
    assert not error.isVisible()


def test_no_results_show_a_helpful_empty_state(qtbot, opened):
    search(qtbot, opened, "zeppelin")
    assert opened.results.showing_empty_state()
    text = opened.results.empty_text()
    assert "No articles match “zeppelin”" in text
    assert "zeppelin~" in text  # the suggested looser query, as a link


def test_a_misspelling_offers_the_index_word_and_one_click_searches_for_it(qtbot, opened):
    # Typed and left to pause: the answer after the pause (the last word still a prefix) finds
    # nothing and offers the corrected word, from the index's own words.
    search(qtbot, opened, "hydorgen")
    qtbot.waitUntil(lambda: 'href="hydrogen"' in opened.results.empty.text(), timeout=5000)
    assert opened.results.showing_empty_state()
    assert "Did you mean" in opened.results.empty.text()
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.results.empty.linkActivated.emit("hydrogen")
    assert opened.search.text() == "hydrogen"
    assert len(rows(opened)) == 2


def test_a_misspelt_word_among_found_ones_is_offered_above_the_hits(qtbot, opened):
    opened.search.setText("tcl OR hydorgen")
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        qtbot.keyClick(opened.search, Qt.Key.Key_Return)
    assert rows(opened) == ["Tech innovation set to upgrade Guangdong development"]
    assert 'href="tcl OR hydrogen"' in opened.results.correction_text()
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.results.correction.linkActivated.emit("tcl OR hydrogen")
    assert len(rows(opened)) == 2
    assert opened.results.correction_text() == ""


def test_escape_clears_the_field_and_the_results(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    field = opened.search
    with qtbot.waitSignal(opened.session.newest_loaded, timeout=5000):
        qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == ""
    # Back to the start: the newest articles, newest first.
    assert opened.results.summary.text() == "Newest of 2 articles"
    assert not opened.results.error.isVisible()
    assert rows(opened)[0] == "High-quality development-themed media tour kicks off in Guangdong"


def test_the_newest_articles_show_before_the_first_search(opened, qtbot):
    qtbot.waitUntil(lambda: len(rows(opened)) == 2, timeout=5000)
    assert rows(opened) == ["High-quality development-themed media tour kicks off in Guangdong",
                            "Tech innovation set to upgrade Guangdong development"]


def test_sorting_by_date_reorders_the_results(qtbot, opened):
    search(qtbot, opened, "guangdong")
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        opened.results.sort.setCurrentIndex(opened.results.sort.findData("oldest"))
    assert rows(opened)[0] == "Tech innovation set to upgrade Guangdong development"


def test_ctrl_l_focuses_the_search_field(qtbot, opened):
    opened.results.view.setFocus()
    qtbot.keyClick(opened.results.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert opened.search.hasFocus()


def test_stale_results_are_dropped(qtbot, opened):
    seen = []
    opened.session.search_finished.connect(lambda outcome: seen.append(outcome.result.query))
    opened.session.search("hydrogen")
    latest = opened.session.search("tcl")
    with qtbot.waitSignal(opened.session.search_finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: not opened.session.busy(), timeout=5000)
    assert seen == ["tcl"]
    assert opened.session.latest_search == latest
