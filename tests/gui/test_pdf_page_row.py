"""A hit in a PDF says its page in the window's result row (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.widgets.resultdelegate import meta_line
from tests.gui.conftest import INDEX_TIMEOUT, search

pytest.importorskip("reportlab", reason="reportlab writes the test PDFs")

from tests.cli.test_pdf_pages import PAGES, word_only_on
from tests.core.test_documents import HEADLINE2, PARAS1, write_pdf


def test_a_pdf_row_says_the_page_of_its_snippet(qtbot, window: MainWindow, tmp_path: Path) -> None:
    root = tmp_path / "desk"
    root.mkdir()
    write_pdf(root / "report.pdf", PAGES, title=HEADLINE2)
    (root / "note.txt").write_text(f"Desk note\n\n{PARAS1[0]}\n\n{' '.join(PAGES[2])}\n", encoding="utf-8")
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(root)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    model = window.results.model
    for page in (1, 2):
        search(qtbot, window, word_only_on(page) + " ")

        def rows() -> dict[str, int]:
            return {model.hit(r).info.id: r for r in range(model.rowCount())}

        qtbot.waitUntil(lambda: "report.pdf" in rows() and model.hit(rows()["report.pdf"]).page is not None,
                        timeout=10_000)
        pdf = model.hit(rows()["report.pdf"])
        assert pdf.page == page + 1
        assert f"page {page + 1}" in meta_line(pdf).split("  ·  ")
        tip = model.data(model.index(rows()["report.pdf"], 0), Qt.ItemDataRole.ToolTipRole)
        assert tip.splitlines()[1] == f"report.pdf, page {page + 1}"
    note = model.hit(rows()["note.txt"])
    assert note.page is None and "page" not in meta_line(note)
