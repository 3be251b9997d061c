"""The toolbar: Back and Forward, the search field and, once they are built, the filter chips beside it."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar, QWidget

from gdexplorer.gui.navigationcontroller import NavigationController
from gdexplorer.gui.widgets.searchfield import SearchField


class NavigationBar(QToolBar):
    """Fixed at the top of the window: it cannot be moved, floated or hidden."""

    def __init__(self, navigation: NavigationController, search: SearchField, parent: QWidget | None = None) -> None:
        super().__init__("Navigation", parent)
        self.setObjectName("navigationToolbar")
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(18, 18))
        self.toggleViewAction().setEnabled(False)
        for button in navigation.create_buttons(self):
            self.addWidget(button)
        self.addSeparator()
        search.setMinimumWidth(360)
        search.setMaximumWidth(720)
        self.addWidget(search)
        self.setContentsMargins(4, 2, 4, 2)

    def add_chips(self, chips: QWidget) -> QAction:
        """The filter chips after the search field; hidden (through the action returned) while there are none."""
        action = self.addWidget(chips)
        action.setVisible(False)
        return action
