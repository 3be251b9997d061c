"""The window on the shared index of a PostgreSQL server: it searches the server and never fills it."""

from __future__ import annotations

from gdexplorer.explorer import Explorer
from tests.gui.conftest import INDEX_TIMEOUT, search
from tests.pgserver import PASSWORD


def test_the_window_searches_the_shared_index_and_leaves_it_to_the_indexer(qtbot, window, seeds_corpus, pg_url):
    Explorer(seeds_corpus, server=pg_url).update_index()  # `gdexplorer index --server URL`, elsewhere
    # A copy that differs from what the server holds: the window must not send it.
    (seeds_corpus / "articles" / "local.txt").write_text("Local\n\nHydrogen only here.\n", encoding="utf-8")
    window.session.server = pg_url
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    assert window.session.explorer is not None and window.session.explorer.serves_shared_index
    assert not window.session.indexing
    search(qtbot, window, "hydrogen")
    model = window.results.model
    titles = sorted(model.data(model.index(row, 0)) for row in range(model.rowCount()))
    assert titles == ["High-quality development-themed media tour kicks off in Guangdong",
                      "Tech innovation set to upgrade Guangdong development"]
    assert window.results.summary.text().startswith("2 results in ")
    assert PASSWORD not in window.windowTitle() + window.statusBar().currentMessage()
    # The status bar says which index this is: the server's, not the one a local build would make.
    where = window.session.explorer.shared_index_location
    assert where is not None and where.split(":")[0] in pg_url
    status = window.corpus_status
    assert f"on {where}" in status.text() and where in status.toolTip()
    assert PASSWORD not in status.text() + status.toolTip()
    # "Did you mean", from the server's words: one click searches the word the index holds.
    search(qtbot, window, "hydorgen")
    qtbot.waitUntil(lambda: 'href="hydrogen"' in window.results.empty.text(), timeout=5000)
    with qtbot.waitSignal(window.session.search_finished, timeout=5000):
        window.results.empty.linkActivated.emit("hydrogen")
    assert window.search.text() == "hydrogen" and window.results.model.rowCount() == 2
