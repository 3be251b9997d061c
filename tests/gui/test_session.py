"""The session: of two requests of one kind asked for back to back, only the latest is answered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication

from gdexplorer.gui.history import ArticleLocation
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.session import ExplorerSession

# kind: (the answer's signal, a request given 0 or 1, what tells an answer apart)
KINDS: dict[str, tuple[str, Callable[[ExplorerSession, int], object], Callable[[object], object]]] = {
    "search": ("search_finished", lambda s, n: s.search(("hydrogen", "tcl")[n]), lambda a: a.result.query),
    "facets": ("facets_finished", lambda s, n: s.count_facets(("guangdong", "media")[n]), lambda a: a.query),
    "stats": ("stats_changed", lambda s, n: s.refresh_stats(), lambda a: a.articles),
    "newest": ("newest_loaded", lambda s, n: s.load_newest(), lambda a: len(a.hits)),
    "article": ("article_loaded", lambda s, n: s.load_article(ArticleLocation(f"articles/000{n + 1}.txt")),
                lambda a: a.article.info.id),
    "entity": ("entity_loaded", lambda s, n: s.load_entity(("tcl", "gac-group")[n]), lambda a: a.entity.id),
    "network": ("network_loaded", lambda s, n: s.load_network(("tcl", "gac-group")[n]), lambda a: a.network.center),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_only_the_latest_request_of_each_kind_is_answered(qtbot, opened: MainWindow, kind: str):
    name, ask, tell = KINDS[kind]
    session = opened.session
    qtbot.waitUntil(lambda: not session.busy(), timeout=10_000)
    signal = getattr(session, name)
    answers: list[object] = []
    signal.connect(lambda answer: answers.append(tell(answer)))
    with qtbot.waitSignal(signal, timeout=10_000):
        ask(session, 0)
        ask(session, 1)
    qtbot.waitUntil(lambda: not session.busy(), timeout=10_000)
    QApplication.processEvents()  # an older answer still queued for the UI thread would arrive now
    expected = {"search": "tcl", "facets": "media", "article": "articles/0002.txt", "entity": "gac-group",
                "network": "gac-group"}
    assert len(answers) == 1
    if kind in expected:
        assert answers == [expected[kind]]
