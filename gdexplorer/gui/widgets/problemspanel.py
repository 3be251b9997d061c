"""The Problems panel: what is wrong in the corpus and its annotations, as ``path:line:col`` lines."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from gdexplorer.errors import Problem
from gdexplorer.gui.itemmodels import ProblemsModel, item_at


class ProblemsPanel(QWidget):
    """A table of problems; double-click opens the file (an article in the window, YAML outside)."""

    problem_activated = Signal(object)  # Problem

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ProblemsModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("problemsView")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 320)
        copy = QAction("Copy", self.table)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(copy)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        # An empty table read as "still loading" or "broken": say that nothing is wrong.
        self.empty = QLabel("No problems: the corpus and its annotations check out.", self)
        self.empty.setObjectName("noProblems")
        self.empty.setContentsMargins(12, 8, 12, 8)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        self.table.hide()

        copy.triggered.connect(self._on_copy_triggered)
        self.table.activated.connect(self._on_table_activated)

    def set_problems(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.model.set_problems(problems)
        self.table.resizeColumnToContents(0)
        self.table.setVisible(bool(problems))
        self.empty.setVisible(not problems)

    def lines(self) -> list[str]:
        """Every problem as ``path:line:col: severity: message``, as the CLI prints them."""
        return [str(problem) for problem in self.model.problems()]

    @Slot()
    def _on_copy_triggered(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedIndexes()})
        problems = self.model.problems()
        text = "\n".join(str(problems[row]) for row in rows) if rows else "\n".join(self.lines())
        QApplication.clipboard().setText(text)

    @Slot(QModelIndex)
    def _on_table_activated(self, index: QModelIndex) -> None:
        problem = item_at(index.siblingAtColumn(0))
        if isinstance(problem, Problem):
            self.problem_activated.emit(problem)
