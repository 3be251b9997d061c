"""A folder of documents in the window: Type and Site in the Refine panel, Open Original."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from gdexplorer.gui.mainwindow import MainWindow
from tests.core.test_documents import HEADLINE2, PARAS1, PARAS2, message, write_docx
from tests.gui.conftest import INDEX_TIMEOUT
from tests.gui.test_curation import open_article

pytest.importorskip("reportlab", reason="reportlab writes the test PDFs")


class Opened(QObject):
    """Stands in for the desktop's file opener: Qt's own hook for a URL scheme."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    from tests.core.test_documents import write_pdf

    root = tmp_path / "docs"
    root.mkdir()
    write_pdf(root / "report.pdf", [PARAS2[:3], PARAS2[3:]], title=HEADLINE2)
    write_docx(root / "memo.docx")
    box = mailbox.mbox(str(root / "desk.mbox"))
    box.add(message("Okapi sighting", "Li Wei <li@desk.example>", "Mon, 01 Apr 2024 10:00:00 +0000", PARAS1[1]))
    box.close()
    return root


def test_a_folder_of_documents_has_type_and_site_and_opens_originals(qtbot, window: MainWindow,
                                                                     documents: Path) -> None:
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(documents)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    handler = Opened()
    QDesktopServices.setUrlHandler("file", handler, "open")
    try:
        open_article(qtbot, window, "Guangzhou OR okapi", "Okapi")
        qtbot.waitUntil(lambda: window.facets.page is not None and window.facets.page.query == window.explore.query,
                        timeout=10_000)
        formats = dict(window.facets.page.facets.formats)
        assert formats == {"email": 1, "pdf": 1, "docx": 1}
        assert dict(window.facets.page.facets.sites) == {"desk.example": 1}
        curation = window.curation
        menu = curation.article_menu(window.article.view.rect().center())
        assert "Open desk.mbox" in [a.text() for a in menu.actions()]  # a message opens its mailbox
        assert curation.open_original()
        assert handler.urls == [QUrl.fromLocalFile(str(documents / "desk.mbox"))]
        open_article(qtbot, window, "Guangzhou", HEADLINE2[:20])
        menu = curation.article_menu(window.article.view.rect().center())
        assert "Open Original" in [a.text() for a in menu.actions()]
        assert curation.open_original()
        assert handler.urls[-1].toLocalFile().endswith((".pdf", ".docx"))
    finally:
        QDesktopServices.unsetUrlHandler("file")
