"""The window in two passes: what its first paint shows, then the rest; nothing is missing or lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QMenu

import gdexplorer
from gdexplorer.gui.history import SearchLocation
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.widgets.filterchips import FilterChips
from gdexplorer.gui.widgets.timeline import Timeline

MENUS = """\
&File
  &Open Corpus… Ctrl+O
  Open &Recent
  Use &Annotations From…
  ---
  &Print Article… Ctrl+P
  Save Article as P&DF… Ctrl+Shift+P
  &Export
    Results as &CSV…
    Results as &JSON…
    ---
    Entity &Dossier as Markdown…
  ---
  &Update Index F5
  ---
  &Quit
&Edit
  &Undo Ctrl+Z
  ---
  &Search Ctrl+L
  &Next Match F3
  &Previous Match Shift+F3
  ---
  Add &Fact from the Selection… Ctrl+E
  &Annotate the Selected Name as a New Entity…
  Copy &Citation of the Article Ctrl+Shift+C
&Go
  &Back Alt+Left
  &Forward Alt+Right
  ---
  Saved Searc&hes
    &Save Search… Ctrl+Shift+S
    ---
    No saved searches yet
&View
  &Refine Panel Ctrl+Shift+R
  &Timeline
  ---
  &Problems
  ---
  Zoom &In Ctrl++
  Zoom &Out Ctrl+-
  &Actual Size Ctrl+0
&Help
  &Keyboard Shortcuts F1
  &Query Syntax
  ---
  &About gdexplorer
  About &Qt"""


def menu_lines(menu: QMenu, depth: int = 0) -> list[str]:
    lines = []
    for action in menu.actions():
        text = "---" if action.isSeparator() else action.text()
        if action.shortcut().toString():
            text += " " + action.shortcut().toString()
        lines.append("  " * depth + text)
        submenu = action.menu()
        if isinstance(submenu, QMenu) and submenu is not menu:
            lines += menu_lines(submenu, depth + 1)
    return lines


def test_once_shown_the_window_has_every_menu_action_shortcut_and_pane(qtbot, window: MainWindow):
    qtbot.waitUntil(lambda: window.built, timeout=5000)
    assert "\n".join(menu_lines(window.menuBar())) == MENUS
    shortcuts = {action.text(): action.shortcut().toString() for action in window.actions()}
    assert shortcuts == {"&Back": "Alt+Left", "&Forward": "Alt+Right", "&Search": "Ctrl+L", "&Next Match": "F3",
                         "&Previous Match": "Shift+F3", "&Undo": "Ctrl+Z",
                         "Add &Fact from the Selection…": "Ctrl+E", "Copy &Citation of the Article": "Ctrl+Shift+C",
                         "&Save Search…": "Ctrl+Shift+S", "Zoom &In": "Ctrl++", "Zoom &Out": "Ctrl+-",
                         "&Actual Size": "Ctrl+0", "&Keyboard Shortcuts": "F1", "&Print Article…": "Ctrl+P",
                         "Save Article as P&DF…": "Ctrl+Shift+P"}
    assert not window.menus.open_action.icon().isNull()
    assert [window.detail_tabs.tabText(i) for i in range(window.detail_tabs.count())] == ["Details", "Network", "Suggested"]
    assert window.detail_tabs.widget(1) is window.network
    assert window.detail_tabs.currentWidget() is window.detail
    assert isinstance(window.toolbar.widgetForAction(window.chips_action), FilterChips)
    assert not window.chips_action.isVisible()
    assert isinstance(window.results_column.layout().itemAt(0).widget(), Timeline)
    assert window.results_column.layout().itemAt(1).widget() is window.results


def test_a_query_submitted_before_the_second_pass_is_searched(qtbot, settings: QSettings):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert not window.built  # no event has been processed: the first paint has not happened
    qtbot.keyClicks(window.search, "china")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    # Searched at once: the search controller, and what it needs, were built for it.
    assert window.explore.query == "china"
    assert window.search.history()[0] == "china"
    current = window.navigation.history.current
    assert isinstance(current, SearchLocation) and current.query == "china"
    qtbot.waitUntil(lambda: window.built, timeout=5000)  # the rest of the second pass still comes
    assert window.explore.query == "china"
    window.close()


def test_a_query_typed_before_the_second_pass_is_searched_once_typing_pauses(qtbot, settings: QSettings):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert not window.built
    qtbot.keyClicks(window.search, "hydrogen")
    qtbot.waitUntil(lambda: window.built and window.explore.query == "hydrogen", timeout=5000)
    assert window.search.text() == "hydrogen"
    window.close()


def test_finishing_the_second_pass_builds_every_part_at_once_in_its_order(qtbot, settings: QSettings):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert not window.built
    assert not hasattr(window, "session") and not hasattr(window, "changes")  # reading a part builds nothing
    opened = []
    window.after_building(lambda: opened.append(window.built))
    assert opened == []  # after_building waits for every part
    window.finish_building()
    assert opened == [True]
    assert window.session.explorer is None
    changes = window.changes  # built after the session, the watcher, the curation and the explore controller
    assert changes.session is window.session
    explore = window.explore
    assert explore.session is window.session
    assert explore.network is window.network
    assert window.detail_tabs.widget(1) is window.network  # the network took its placeholder's tab
    assert window.results_column.layout().itemAt(0).widget() is window.timeline
    window.finish_building()
    assert window.changes is changes and window.explore is explore  # built once
    assert "\n".join(menu_lines(window.menuBar())) == MENUS


def test_opening_a_corpus_before_the_second_pass_is_done_finishes_it(qtbot, settings: QSettings, seeds_corpus):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert not window.built
    window.open_corpus(seeds_corpus)
    assert window.built
    qtbot.waitUntil(lambda: window.session.explorer is not None, timeout=10_000)
    window.close()


def test_a_menu_opened_during_the_second_pass_shows_its_actions(qtbot, settings: QSettings):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.menus.edit_menu.aboutToShow.emit()
    window.menus.export_menu.aboutToShow.emit()
    window.menus.view_menu.aboutToShow.emit()
    assert not window.built
    window.finish_building()
    assert "\n".join(menu_lines(window.menuBar())) == MENUS


def test_the_second_pass_yields_to_the_event_loop_between_its_steps(qtbot, settings: QSettings, monkeypatch):
    # A zero-timer posted while one part is built runs before the second pass ends: it is not one long pass.
    seen: list[bool] = []
    build_session = MainWindow._build_session

    def build_session_and_post(window: MainWindow) -> None:
        build_session(window)
        QTimer.singleShot(0, lambda: seen.append(window.built))

    monkeypatch.setattr(MainWindow, "_build_session", build_session_and_post)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    opened: list[bool] = []
    window.after_building(lambda: opened.append(True))
    window.show()
    qtbot.waitUntil(lambda: window.built, timeout=5000)
    assert seen == [False]
    assert opened == [True]
    assert "\n".join(menu_lines(window.menuBar())) == MENUS
    window.close()


def test_the_first_pass_imports_no_controller_nor_model_and_the_first_paint_brings_them(tmp_path: Path):
    later = ("gdexplorer.gui.session", "gdexplorer.gui.overviewcontroller", "gdexplorer.gui.curationcontroller",
             "gdexplorer.gui.changescontroller", "gdexplorer.gui.explorecontroller",
             "gdexplorer.gui.exportcontroller", "gdexplorer.gui.searchcontroller", "gdexplorer.gui.watcher",
             "gdexplorer.gui.widgets.network", "gdexplorer.gui.widgets.timeline", "gdexplorer.model",
             "gdexplorer.gui.pages")
    code = (
        "import sys\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from gdexplorer.gui.mainwindow import MainWindow\n"
        "window = MainWindow(QSettings(sys.argv[1], QSettings.Format.IniFormat))\n"
        "window.show()\n"
        f"print(sorted(m for m in sys.modules if m in {later!r}))\n"
        "while not window.built:\n"
        "    app.processEvents()\n"
        f"print(sorted(m for m in sys.modules if m in {later!r}))\n"
        "window.close()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(Path(gdexplorer.__file__).parent.parent)}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "settings.ini")], env=env, capture_output=True,
                         text=True, check=True, timeout=60)
    before, after = out.stdout.splitlines()
    assert before == "[]"
    assert after == str(sorted(later))
