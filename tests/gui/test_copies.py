"""Copies of an article in the window: one result row that says how many there are, and which."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListView

from gdexplorer.gui.itemmodels import item_at
from gdexplorer.gui.widgets.resultdelegate import meta_line
from gdexplorer.model import Hit
from tests.core.test_search_review_bugs import COPIES, add_copies
from tests.gui.conftest import INDEX_TIMEOUT, search


def test_a_result_row_stands_for_its_copies(qtbot, window, seeds_corpus):
    add_copies(seeds_corpus)
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    search(qtbot, window, "guangdong")
    qtbot.waitUntil(lambda: "copies" in window.results.summary.text(), timeout=10_000)
    # In a narrow column the label keeps the counts and its tooltip the full line (issue 19).
    label = window.results.summary
    summary = label.text() if label.text().endswith("article") else label.toolTip().splitlines()[-1]
    assert summary.startswith("3 results in ") and summary.endswith(" ms · 3 copies shown with their article")
    view = window.findChild(QListView, "resultsView")
    model = view.model()
    hits = [item_at(model.index(row, 0)) for row in range(model.rowCount())]
    assert all(isinstance(hit, Hit) for hit in hits) and len(hits) == 3
    [row] = [row for row, hit in enumerate(hits) if hit.copies]
    hit = hits[row]
    assert {hit.path, *hit.copies} == {"articles/0001.txt", *COPIES}
    assert meta_line(hit).endswith("+3 copies")
    tooltip = model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert tooltip.splitlines()[2:] == [f"same text: {c}" for c in hit.copies]
    assert view.grab().width() > 0  # the delegate paints the row with its note
