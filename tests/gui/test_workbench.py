"""The workbench on the real window: star, tag and note the open article, Undo, save a search,
and open a saved search that shows its new matches."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gdexplorer.explorer import Explorer
from gdexplorer.gui.mainwindow import MainWindow
from tests.gui.test_curation import open_article

SAVE_TIMEOUT = 10_000
A1 = "articles/0001.txt"
A2 = "articles/0002.txt"

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")


def saved(qtbot, window: MainWindow) -> None:
    """Wait for the change being saved (and the counts that follow it)."""
    qtbot.waitUntil(lambda: not window.curation.busy, timeout=SAVE_TIMEOUT)


def test_star_tag_note_and_undo(qtbot, opened: MainWindow) -> None:
    window = opened
    open_article(qtbot, window, "hydrogen", "Tech innovation")
    bar = window.workbench_bar
    assert bar.isEnabled() and bar.isVisible() and not bar.star.isChecked()
    path = window.workbench.curation._explorer.workbench_file  # type: ignore[union-attr]

    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.mouseClick(bar.star, Qt.MouseButton.LeftButton)
    assert bar.star.isChecked() and bar.star.text() == "★"

    bar.tags.setFocus()
    qtbot.keyClicks(bar.tags, "ev, big money")
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.keyClick(bar.tags, Qt.Key.Key_Return)
    assert bar.tags.text() == "ev, big money"

    qtbot.mouseClick(bar.note_button, Qt.MouseButton.LeftButton)
    assert bar.note.isVisible()
    qtbot.keyClicks(bar.note, "Check the figures")
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.mouseClick(bar.save_note, Qt.MouseButton.LeftButton)
    assert bar.note_button.text() == "Note ✎"
    assert path.read_text(encoding="utf-8").endswith(
        f"articles:\n  {A1}:\n    starred: true\n    tags: [ev, big money]\n    note: Check the figures\n")

    # The query fields see it at once, with no re-indexing.
    explorer = Explorer(window.corpus)
    assert [explorer.search(q).total for q in ("starred:yes", 'tag:"big money"', "note:figures")] == [1, 1, 1]

    # Undo takes back the note (the last change), through Edit ▸ Undo like a fact.
    assert window.curation.undo_action.text() == f"&Undo Note on {A1}"
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        window.curation.undo_action.trigger()
    assert bar.note_button.text() == "Note" and bar.star.isChecked()
    assert "note:" not in path.read_text(encoding="utf-8")

    # Removing a tag in the field removes it from the file.
    bar.tags.selectAll()
    qtbot.keyClicks(bar.tags, "ev")
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.keyClick(bar.tags, Qt.Key.Key_Return)
    assert "tags: [ev]\n" in path.read_text(encoding="utf-8")


def test_save_search_then_open_it_with_new_matches(qtbot, opened: MainWindow) -> None:
    window = opened
    explorer = Explorer(window.corpus)
    explorer.tag(A1, "ev")
    window.session.refresh()
    qtbot.waitUntil(lambda: window.workbench.saved_menu.isEnabled(), timeout=SAVE_TIMEOUT)

    from tests.gui.conftest import search

    search(qtbot, window, "tag:ev")
    assert window.results.model.rowCount() == 1
    dialog = window.workbench.ask_search_name()
    assert dialog is not None and dialog.isVisible() and dialog.textValue() == "tag:ev"
    dialog.setTextValue("EV watch")
    with qtbot.waitSignal(window.workbench.counts_changed, timeout=SAVE_TIMEOUT):
        dialog.accept()
    qtbot.waitUntil(lambda: window.workbench.counts != (), timeout=SAVE_TIMEOUT)
    (search_count,) = window.workbench.counts
    assert search_count[0].name == "EV watch" and search_count[1] == 0
    assert window.workbench.saved_action("EV watch").text() == "EV watch"

    # Another process tags a second article: the menu counts it as new.
    explorer.tag(A2, "ev")
    window.session.refresh()  # as the file watcher does when the file changes
    qtbot.waitUntil(lambda: window.workbench.saved_action("EV watch").text() == "EV watch  (1 new)",
                    timeout=SAVE_TIMEOUT)
    action = window.workbench.saved_action("EV watch")

    # Opening it runs it in the window and says what is new; afterwards nothing is new.
    search(qtbot, window, "hydrogen")
    with qtbot.waitSignal(window.session.search_finished, timeout=SAVE_TIMEOUT):
        action.trigger()
    assert window.search.text() == "tag:ev"
    assert window.results.model.rowCount() == 2
    saved(qtbot, window)
    assert "“EV watch”: 1 new match since last opened" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.workbench.saved_action("EV watch").text() == "EV watch", timeout=SAVE_TIMEOUT)
    qtbot.waitUntil(lambda: not window.workbench._pending, timeout=SAVE_TIMEOUT)
    assert Explorer(window.corpus).new_matches("EV watch") == ()


def test_tags_and_stars_are_refine_facets(qtbot, opened: MainWindow) -> None:
    from tests.gui.test_explore import click_index

    window = opened
    open_article(qtbot, window, "hydrogen", "Tech innovation")
    bar = window.workbench_bar
    bar.tags.setFocus()
    qtbot.keyClicks(bar.tags, "ev, funding")
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.keyClick(bar.tags, Qt.Key.Key_Return)
    # The results and their counts are asked again after a saved mark.
    qtbot.waitUntil(lambda: [(v.filter.label, v.count) for v in window.facets.values("tag")] ==
                    [("ev", 1), ("funding", 1)], timeout=SAVE_TIMEOUT)
    assert window.facets.values("starred") == []
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.mouseClick(bar.star, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [v.count for v in window.facets.values("starred")] == [1], timeout=SAVE_TIMEOUT)
    # A click on a tag filters the results to the articles carrying it.
    search_count = window.results.model.rowCount()
    assert search_count == 2
    ev = next(v for v in window.facets.values("tag") if v.filter.label == "ev")
    with qtbot.waitSignal(window.session.search_finished, timeout=SAVE_TIMEOUT):
        click_index(qtbot, window.facets.view, window.facets.index_of(ev.filter))
    assert window.results.model.rowCount() == 1
    assert [c.filter.clause for c in window.chips.chips()] == ['tag:"ev"']
    qtbot.waitUntil(lambda: not window.workbench._pending and not window.session.busy(), timeout=SAVE_TIMEOUT)


def test_a_count_of_the_saved_searches_stops_when_the_window_closes(tmp_path, seeds) -> None:
    """The count runs every saved search off the UI thread; a window closing sets its stop, and the
    searches not yet run are left out, so the close does not wait for all of them."""
    import threading

    from gdexplorer.gui.workbenchcontroller import count_new

    ex = Explorer(seeds, cache_dir=tmp_path / "cache")
    ex.update_index()
    for name, query in (("fuel", "hydrogen"), ("cars", "vehicle"), ("sky", "evtol")):
        ex.save_search(name, query)
    stop = threading.Event()
    assert sorted(search.name for search, _ in count_new(ex, stop)) == ["cars", "fuel", "sky"]
    stop.set()
    assert count_new(ex, stop) == ()


def test_closing_the_window_sets_the_counts_stop(qtbot, window: MainWindow) -> None:
    window.finish_building()
    assert not window.workbench._stop.is_set()
    window.close()
    assert window.workbench._stop.is_set()
