"""Status bar part: "2 problems", a button that shows the Problems panel; hidden when there are none."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget

from gdexplorer.gui.formatting import plural
from gdexplorer.gui.icons import problem_icon


class ProblemsButton(QToolButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsButton")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setToolTip("Show the Problems panel")
        self.hide()

    def set_counts(self, errors: int, warnings: int) -> None:
        total = errors + warnings
        self.setVisible(total > 0)
        self.setIcon(problem_icon(bool(errors)))
        self.setText(plural(total, "problem"))
