"""An article holding one unbroken "word" of a million characters (a pasted base64 image) opens at
once, shown whole, with selections and hits after it at their exact offsets (issue 14, defect 12:
the window froze, 11 s at 200,000 characters, without end at a million)."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor, QTextOption

from gdexplorer.gui.mainwindow import MainWindow
from tests.gui.conftest import INDEX_TIMEOUT, search
from tests.gui.test_article import open_first_result

BLOB = base64.b64encode(random.Random(12).randbytes(750_000)).decode("ascii")
assert len(BLOB) == 1_000_000


@pytest.fixture
def blob_window(qtbot, window: MainWindow, seeds_corpus: Path) -> MainWindow:
    (seeds_corpus / "articles" / "blob.txt").write_text(
        f"Blob sighting\n\nA gnu pasted {BLOB} and then the zebra ran off.\n", encoding="utf-8")
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    return window


def double_click(qtbot, view, position: int) -> None:
    cursor = QTextCursor(view.document())
    cursor.setPosition(position)
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + view.cursorRect(cursor).top() - 40)
    rect = view.cursorRect(cursor)
    assert view.viewport().rect().contains(rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 2, rect.center().y()))


def test_an_article_with_a_huge_word_opens_whole_with_exact_offsets(qtbot, blob_window):
    window = blob_window
    search(qtbot, window, "zebra")
    open_first_result(qtbot, window)  # waits on article_loaded: the page is built and shown
    view = window.article.view
    article = view.page.article
    assert article.info.id == "articles/blob.txt"
    # Laid out in full, every character shown, the blob wrapped into lines the view's width.
    layout = view.document().documentLayout()
    assert layout.documentSize().width() <= view.viewport().width()
    assert BLOB in view.toPlainText()
    assert view.wordWrapMode() == QTextOption.WrapMode.WrapAnywhere
    # The hit after the blob is marked where it is.
    assert view.marked_texts() == ["zebra"]
    # A word after the blob, double-clicked with the mouse (through the layout), maps to its offset.
    zebra = article.text.index("zebra")
    found = view.document().find("zebra")
    double_click(qtbot, view, found.selectionStart() + 1)
    assert view.selected_span() == (zebra, zebra + len("zebra"))
    # And a range inside the blob selects exactly those characters.
    inside = article.text.index(BLOB) + 500_000
    view.select_span(inside, inside + 40)
    assert view.textCursor().selectedText() == article.text[inside : inside + 40]
    assert view.selected_span() == (inside, inside + 40)


def test_other_articles_keep_wrapping_between_words(qtbot, blob_window):
    window = blob_window
    search(qtbot, window, "zebra")
    open_first_result(qtbot, window)
    search(qtbot, window, "hydrogen")
    open_first_result(qtbot, window)
    view = window.article.view
    assert view.page.article.info.id != "articles/blob.txt"
    assert view.wordWrapMode() == QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
