"""The results column: the results pane, and the timeline over it once the window's second pass has built it."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from gdexplorer.gui.widgets.resultspane import ResultsPane


class ResultsColumn(QWidget):
    def __init__(self, results: ResultsPane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsColumn")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(results, 1)

    def add_timeline(self, timeline: QWidget) -> None:
        """A slim strip over the results it counts, hidden until it has months to draw."""
        self._layout.insertWidget(0, timeline)
        timeline.hide()
