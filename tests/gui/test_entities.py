"""Entities: the sidebar, the detail pane, facts that open their sentence, and Back."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QTextBrowser, QTreeView

from tests.gui.conftest import INDEX_TIMEOUT, click_text, detail_title, search

FACT_QUOTE = "by cultivating new technologies such as autonomous driving, hydrogen fuel cells and flying vehicles"


def click_entity(qtbot, window, name: str) -> None:
    tree = window.findChild(QTreeView, "entityView")
    window.entities.filter.setText(name)
    proxy = tree.model()
    group = proxy.index(0, 0)
    index = next(proxy.index(r, 0, group) for r in range(proxy.rowCount(group))
                 if proxy.data(proxy.index(r, 0, group)) == name)
    tree.scrollTo(index)
    with qtbot.waitSignal(window.session.entity_loaded, timeout=5000):
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(index).center())


def test_the_sidebar_groups_entities_by_type(opened):
    tree = opened.findChild(QTreeView, "entityView")
    proxy = tree.model()
    groups = [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())]
    assert groups[0] == "People (11)"
    assert proxy.data(proxy.index(0, 0, proxy.index(0, 0))) == "Che Wenquan"


def test_the_sidebar_fills_once_the_corpus_is_open_and_not_with_a_corpus_left(qtbot, window, seeds_corpus,
                                                                               tmp_path):
    """The tree fills in an event-loop pass after the corpus-opened slot; a corpus switched away from is not shown."""
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: len(window.entities.visible_names()) == len(window.overview.opened.entities), timeout=5000)
    assert "Che Wenquan" in window.entities.visible_names()

    empty = tmp_path / "empty"
    (empty / "articles").mkdir(parents=True)
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
        # Switched before the first one's tree was filled: only the second corpus's (no) entities show.
        window.open_corpus(empty)
    qtbot.wait(50)
    assert window.corpus == empty
    assert window.entities.visible_names() == []


def test_clicking_an_entity_shows_its_facts(qtbot, opened):
    click_entity(qtbot, opened, "GAC Group")
    detail = opened.findChild(QTextBrowser, "detailPane")
    text = detail.toPlainText()
    assert detail_title(opened) == "GAC Group"
    assert "Organization" in text
    assert "Is cultivating forward-looking technologies such as autonomous driving" in text
    assert f"“{FACT_QUOTE}”" in text
    assert "based in" in text and "Guangzhou" in text  # an outgoing relation
    assert "Feng Xingya" in text  # an incoming one: Feng Xingya is president of GAC Group
    assert "1 article" in text


def test_clicking_a_fact_opens_its_sentence_highlighted(qtbot, opened):
    click_entity(qtbot, opened, "GAC Group")
    detail = opened.detail
    with qtbot.waitSignal(opened.session.article_loaded, timeout=5000):
        click_text(qtbot, detail, FACT_QUOTE)
    article = opened.findChild(QTextBrowser, "articleView")
    assert article.toPlainText().startswith("Tech innovation set to upgrade Guangdong development")
    assert article.textCursor().selectedText() == FACT_QUOTE
    assert article.focused_text() == FACT_QUOTE
    # Scrolled so the sentence is on screen.
    assert article.viewport().rect().intersects(article.cursorRect(article.textCursor()))


def test_back_and_forward_return_to_where_the_user_was(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    click_entity(qtbot, opened, "GAC Group")
    with qtbot.waitSignal(opened.session.article_loaded, timeout=5000):
        click_text(qtbot, opened.detail, FACT_QUOTE)
    click_entity(qtbot, opened, "EHang")
    assert detail_title(opened) == "EHang"

    # The article is on screen already: Back passes over it, to the entity shown before EHang.
    qtbot.waitUntil(opened.navigation.back_action.isEnabled)  # updated once EHang is shown
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        qtbot.keyClick(opened.detail, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert detail_title(opened) == "GAC Group"
    assert opened.article.view.focused_text() == FACT_QUOTE
    # The results for "hydrogen" are on screen too: nothing further back would change what is seen.
    assert opened.search.text() == "hydrogen"
    assert not opened.navigation.back_action.isEnabled()

    # Forward changes what is seen at each press too: the results are back to those of the place left.
    qtbot.waitUntil(opened.navigation.forward_action.isEnabled)
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        qtbot.keyClick(opened.search, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert detail_title(opened) == "EHang"


def test_the_mouse_back_button_goes_back(qtbot, opened):
    click_entity(qtbot, opened, "GAC Group")
    click_entity(qtbot, opened, "EHang")
    viewport = opened.detail.viewport()
    point = QPointF(10, 10)
    press = QMouseEvent(QEvent.Type.MouseButtonPress, point, viewport.mapToGlobal(point), Qt.MouseButton.BackButton,
                        Qt.MouseButton.BackButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        QApplication.sendEvent(viewport, press)
    assert detail_title(opened) == "GAC Group"


def test_the_filter_matches_aliases(qtbot, opened):
    opened.entities.filter.setText("GAC")
    assert opened.entities.visible_names() == ["GAC Group", "GAC Hino"]
    opened.entities.filter.setText("fuel cell vehicle")
    assert opened.entities.visible_names() == ["hydrogen fuel cell vehicle"]
