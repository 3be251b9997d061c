"""The right column's tabs: the entity's Details and its Network (the view comes in the window's second pass)."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from gdexplorer.gui.widgets.detailpane import DetailPane


class DetailTabs(QTabWidget):
    """Details first; the Network tab holds a placeholder until ``set_network``."""

    def __init__(self, detail: DetailPane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailTabs")
        self.setDocumentMode(True)
        self.addTab(detail, "Details")
        self.addTab(QWidget(self), "Network")
        self.setTabToolTip(1, "The entity's relations and the entities named in the same articles")

    def set_network(self, network: QWidget) -> None:
        """The network view takes its placeholder's tab (whichever tab is the current one stays so)."""
        placeholder = self.widget(1)
        current = self.currentIndex()
        tip = self.tabToolTip(1)
        self.removeTab(1)
        self.insertTab(1, network, "Network")
        self.setTabToolTip(1, tip)
        self.setCurrentIndex(current)
        placeholder.deleteLater()
