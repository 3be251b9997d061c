"""The Refine dock: the facets panel, on the left or the right of the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from gdexplorer.gui.widgets.facetspanel import FacetsPanel


class RefineDock(QDockWidget):
    """Holds ``panel``; it can be closed (View ▸ Refine Panel brings it back) or moved, not floated."""

    def __init__(self, panel: FacetsPanel, parent: QWidget | None = None) -> None:
        super().__init__("Refine", parent)
        self.setObjectName("refinePanel")
        self.setWidget(panel)
        self.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable)
