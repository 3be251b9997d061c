"""The status bar: messages on the left; the problems, the index's state and the corpus's counts on the right."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QStatusBar, QWidget

from gdexplorer.gui.widgets.corpusstatus import CorpusStatus
from gdexplorer.gui.widgets.indexstatus import IndexStatus
from gdexplorer.gui.widgets.problemsbutton import ProblemsButton

MESSAGE_MS = 10_000


class StatusBar(QStatusBar):
    def __init__(self, problems: ProblemsButton, index: IndexStatus, corpus: CorpusStatus,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        for part in (problems, index, corpus):
            self.addPermanentWidget(part)

    @Slot(str)
    def show_message(self, message: str) -> None:
        """A message for a while (an edit saved, an export written, a failure); a newer one replaces it."""
        self.showMessage(message, MESSAGE_MS)
