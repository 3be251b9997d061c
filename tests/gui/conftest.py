"""GUI test fixtures: offscreen Qt, private settings and cache, real windows on a copy of the seeds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

# Before Qt is imported anywhere: no display in CI.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QSettings, Qt, QThreadPool
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QTextBrowser

from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.workers import WorkerPool
from gdexplorer.paths import seeds_dir

INDEX_TIMEOUT = 30_000


def pytest_configure(config: pytest.Config) -> None:
    # The offscreen platform warns whenever a window's size hints change; it means nothing here.
    config.addinivalue_line("qt_log_ignore", "This plugin does not support propagateSizeHints")


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_ui_thread(qapp) -> Iterator[None]:
    """As the application does: no cyclic collection in worker threads (it can destroy Qt objects there)."""
    from gdexplorer.gui.collector import UiThreadCollector

    collector = UiThreadCollector(qapp)
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Anything that uses a default QSettings() writes under a temp folder, never the user's."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder / "system"))
    yield folder


@pytest.fixture(autouse=True)
def _gui_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.mktemp("gui-cache")
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(autouse=True)
def _no_background_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Named-entity recognition costs seconds per corpus opened: only tests/gui/test_suggested.py runs it."""
    monkeypatch.setenv("GDEXPLORER_SUGGEST", "0")


@pytest.fixture(autouse=True)
def _no_workers_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves background work running (like napari's thread fixtures)."""
    pools: dict[int, WorkerPool] = {}
    submit = WorkerPool.submit

    def tracking_submit(self: WorkerPool, task) -> None:
        pools[id(self)] = self
        submit(self, task)

    monkeypatch.setattr(WorkerPool, "submit", tracking_submit)
    yield
    running = [p.objectName() for p in pools.values() if shiboken6.isValid(p) and p.activeThreadCount()]
    global_pool = QThreadPool.globalInstance().activeThreadCount()
    if running or global_pool:
        for pool in pools.values():
            if shiboken6.isValid(pool):
                pool.waitForDone(10_000)  # do not let the next test (or exit) crash into them
        QThreadPool.globalInstance().waitForDone(10_000)
        pytest.fail(f"background work still running at the end of the test: pools {running}, global {global_pool}")


@pytest.fixture
def seeds_corpus(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(seeds_dir(), target)
    return target


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    # As gui.app.run does, a corpus opens once the window is finished (after its first paint).
    qtbot.waitUntil(lambda: win.built, timeout=5000)
    yield win
    win.close()
    assert not win.session.busy(), "workers still running after the window closed"


@pytest.fixture
def opened(qtbot, window: MainWindow, seeds_corpus: Path) -> MainWindow:
    """A window with the seeds copy open, its index built and counted."""
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    return window


def search(qtbot, window: MainWindow, text: str) -> None:
    """Type a query as a user would and wait for its results."""
    field = window.search
    field.setFocus()
    field.selectAll()
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000):
        qtbot.keyClicks(field, text)


def anchor_positions(browser: QTextBrowser, wanted: Callable[[str], bool]) -> list[int]:
    """Document positions of the links whose href satisfies ``wanted``."""
    found = []
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isAnchor() and wanted(fmt.anchorHref()):
                found.append(fragment.position())
            it += 1
        block = block.next()
    return found


def click_anchor(qtbot, browser: QTextBrowser, wanted: Callable[[str], bool]) -> None:
    """Click (with the mouse) the first link whose href satisfies ``wanted``."""
    positions = anchor_positions(browser, wanted)
    assert positions, "no such link in the view"
    click_position(qtbot, browser, positions[0] + 1)


def click_text(qtbot, browser: QTextBrowser, text: str) -> None:
    """Click (with the mouse) on the first occurrence of ``text`` in the view."""
    found = browser.document().find(text)
    assert not found.isNull(), f"{text!r} is not in the view"
    click_position(qtbot, browser, found.selectionStart() + 2)


def click_position(qtbot, browser: QTextBrowser, position: int) -> None:
    cursor = QTextCursor(browser.document())
    cursor.setPosition(position)
    rect = browser.cursorRect(cursor)
    if not browser.viewport().rect().contains(rect.center()):
        bar = browser.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - 40)
        rect = browser.cursorRect(cursor)
    point = QPoint(rect.left() + 1, rect.center().y())
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def detail_title(window: MainWindow) -> str:
    """The name at the top of the detail pane (its type icon is an object character)."""
    detail = window.findChild(QTextBrowser, "detailPane")
    lines = [line.replace("\ufffc", "").strip() for line in detail.toPlainText().splitlines()]
    return next(line for line in lines if line)
