"""The article column: a slim bar to step through the query's matches above the reader."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from gdexplorer.gui.formatting import plural
from gdexplorer.gui.icons import named_icon
from gdexplorer.gui.widgets.articleview import ArticleView
from gdexplorer.gui.widgets.suggestions import SuggestionBar

if TYPE_CHECKING:
    from gdexplorer.gui.pages import ArticlePage

# A comfortable line (~70-90 characters): wider, the reader keeps its text this wide, in the middle.
LINE_CHARS = 80
# Narrower than this the reader breaks words and short lines; the splitter keeps it at least this wide.
MIN_READER_WIDTH = 320


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
        # An article cited by borrowed annotations comes from another corpus: say so above its text.
        self.origin = QLabel(self)
        self.origin.setObjectName("articleOrigin")
        self.origin.setWordWrap(True)
        self.origin.setContentsMargins(12, 6, 12, 6)
        self.origin.setTextFormat(Qt.TextFormat.RichText)
        self.origin.hide()
        layout.addWidget(self.origin)
        layout.addWidget(self.bar)
        layout.addWidget(line)
        layout.addWidget(self.view, 1)
        self.suggestions = SuggestionBar(self)
        layout.addWidget(self.suggestions)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.setMinimumWidth(MIN_READER_WIDTH)
        self.view.installEventFilter(self)

        self.previous.clicked.connect(self.view.previous_hit)
        self.next.clicked.connect(self.view.next_hit)
        self.view.hit_changed.connect(self._on_view_hit_changed)

    def line_width(self) -> int:
        """The widest the text runs, in pixels (with the document's margins): LINE_CHARS of the reader's font."""
        font = QFont(self.view.font())
        font.setPointSizeF(font.pointSizeF() * 1.08)  # as the article is set (ArticleView._render)
        return round(QFontMetricsF(font).averageCharWidth() * LINE_CHARS * 1.1) + 2 * 26

    def fit_text(self) -> None:
        """Keep the text at a readable measure in a wide reader: the margins take the rest."""
        room = self.view.width() - self.view.verticalScrollBar().sizeHint().width()
        side = max(0, (room - self.line_width()) // 2)
        self.view.setViewportMargins(side, 0, side, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.FontChange:
            self.fit_text()  # zoomed: the measure follows the text size
        return super().eventFilter(watched, event)

    def show_origin(self, page: ArticlePage | None) -> None:
        """Say where the article comes from when it is not the open corpus's own (hidden otherwise)."""
        home = page.home if page is not None else None
        self.origin.setVisible(home is not None)
        if home is not None:
            self.origin.setText(f"<b>From another corpus:</b> {html.escape(home.name)} — cited by the borrowed "
                                f"annotations, not part of this corpus")
            self.origin.setToolTip(str(home))

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
