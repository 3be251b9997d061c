"""The article column: a slim bar to step through the query's matches above the reader."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from gdexplorer.gui.formatting import plural
from gdexplorer.gui.icons import named_icon
from gdexplorer.gui.widgets.articleview import ArticleView
from gdexplorer.gui.widgets.suggestions import SuggestionBar


class ArticlePane(QWidget):
    """``view`` is the reader; the bar shows "3 of 12 matches" with previous/next buttons;
    ``suggestions`` below it offers the names not annotated yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ArticleView(self)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.bar = QWidget(self)
        self.bar.setObjectName("hitBar")
        self.label = QLabel(self.bar)
        self.label.setObjectName("hitLabel")
        self.previous = QToolButton(self.bar)
        self.previous.setIcon(named_icon("go-up"))
        self.previous.setToolTip("Previous match (Shift+F3)")
        self.previous.setAutoRaise(True)
        self.next = QToolButton(self.bar)
        self.next.setIcon(named_icon("go-down"))
        self.next.setToolTip("Next match (F3)")
        self.next.setAutoRaise(True)
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(12, 2, 6, 2)
        bar.addStretch(1)
        bar.addWidget(self.label)
        bar.addWidget(self.previous)
        bar.addWidget(self.next)
        self.bar.hide()
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setObjectName("hitBarLine")
        self._line = line
        line.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(line)
        layout.addWidget(self.view, 1)
        self.suggestions = SuggestionBar(self)
        layout.addWidget(self.suggestions)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.previous.clicked.connect(self.view.previous_hit)
        self.next.clicked.connect(self.view.next_hit)
        self.view.hit_changed.connect(self._on_view_hit_changed)

    def add_workbench_bar(self, bar: QWidget) -> None:
        """The star, tags and note strip, at the top of the column above the reader."""
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(0, bar)

    @Slot(int, int)
    def _on_view_hit_changed(self, current: int, total: int) -> None:
        self.bar.setVisible(total > 0)
        self._line.setVisible(total > 0)
        if total == 0:
            return
        if current:
            self.label.setText(f"Match {current} of {total}")
        else:
            self.label.setText(f"{plural(total, 'match', 'matches')} · F3 for the next")
