"""The index folder deleted under an open window: the next search notices, builds it again and
says so, instead of answering "the index is not built yet" until the app is restarted (issue 14)."""

from __future__ import annotations

import shutil

from gdexplorer.gui.mainwindow import MainWindow
from tests.gui.conftest import INDEX_TIMEOUT


def type_query(qtbot, window: MainWindow, text: str) -> None:
    field = window.search
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def test_a_search_after_the_index_folder_is_deleted_builds_it_again(qtbot, opened: MainWindow):
    session = opened.session
    folder = session.explorer.index_folder
    messages: list[str] = []
    opened.status.messageChanged.connect(messages.append)
    shutil.rmtree(folder)
    with qtbot.waitSignal(session.index_finished, timeout=INDEX_TIMEOUT) as finished:
        type_query(qtbot, opened, "hydrogen")
    assert finished.args[0].rebuilt
    assert "The search index was missing or damaged; building it again" in messages
    assert opened.index_status.label.text().startswith("Index built:")
    # The search made meanwhile is run again and answered.
    qtbot.waitUntil(lambda: opened.results.model.rowCount() > 0, timeout=10_000)
    assert (folder / "meta.json").is_file()
    assert session.explorer.search("hydrogen").total > 0


def test_a_refresh_after_the_index_folder_is_deleted_builds_it_again(qtbot, opened: MainWindow):
    """What the file watcher (or View ▸ Refresh) does: the status bar tells of the rebuild."""
    session = opened.session
    shutil.rmtree(session.explorer.index_folder)
    with qtbot.waitSignal(session.index_finished, timeout=INDEX_TIMEOUT) as finished:
        session.refresh()
    assert finished.args[0].rebuilt
    assert opened.index_status.label.text().startswith("Index built:")
    assert session.explorer.search("hydrogen").total > 0
