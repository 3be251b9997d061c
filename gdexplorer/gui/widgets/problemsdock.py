"""The Problems dock: the Problems panel, titled with its count, shown when errors appear."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDockWidget, QWidget

from gdexplorer.errors import Problem
from gdexplorer.gui.widgets.problemspanel import ProblemsPanel


class ProblemsDock(QDockWidget):
    """Holds ``panel``; ``counted`` tells the status bar's button how many errors and warnings it lists."""

    counted = Signal(int, int)  # errors, warnings

    def __init__(self, panel: ProblemsPanel, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.panel = panel
        self.setObjectName("problemsPanel")
        self.setWidget(panel)
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.TopDockWidgetArea)
        self._shown_for_errors = False  # opened by errors appearing, not by the user

    @Slot(object)
    def set_problems(self, problems: tuple[Problem, ...]) -> None:
        had = bool(self.panel.model.rowCount())
        self.panel.set_problems(problems)
        errors = sum(1 for p in problems if p.is_error)
        self.setWindowTitle(f"Problems ({len(problems)})" if problems else "Problems")
        self.counted.emit(errors, len(problems) - errors)
        if errors and not had:
            # New errors are worth the room; warnings wait behind the status bar button.
            self._shown_for_errors = not self.isVisible()
            self.show()
        elif had and not problems and self._shown_for_errors:
            # All fixed: the room it took goes back (the panel says "No problems" if it is opened).
            self._shown_for_errors = False
            self.hide()

    @Slot()
    def toggle(self) -> None:
        self.setVisible(not self.isVisible())
