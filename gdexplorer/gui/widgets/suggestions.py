"""A strip under the article: names in it that look like entities but are not annotated yet.

Each name is a link; clicking one asks to annotate it (``annotate_requested``), which opens the
fact dialog with a new entity of that name and the sentence it first appears in as the quote.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QVBoxLayout, QWidget

from gdexplorer.gui.theme import marks_for

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.gui.pages import ArticlePage
    from gdexplorer.model import Suggestion

SHOWN = 8


class SuggestionBar(QWidget):
    """Shows an article's ``Suggestion``s as links; the rest behind "N more"."""

    annotate_requested = Signal(object)  # Suggestion

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestionBar")
        self.suggestions: tuple[Suggestion, ...] = ()
        self.label = QLabel(self)
        self.label.setObjectName("suggestionLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse |
                                           Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.label.setToolTip("Names in this article that no curated entity covers.\n"
                              "Click one to annotate it as a new entity.")
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setObjectName("suggestionLine")
        row = QHBoxLayout()
        row.setContentsMargins(26, 6, 12, 7)
        row.addWidget(self.label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(line)
        layout.addLayout(row)
        self.hide()
        self.label.linkActivated.connect(self._on_label_link_activated)

    @Slot(object)
    def show_article(self, page: ArticlePage) -> None:
        """The names of a loaded article's page."""
        self.show_suggestions(page.suggestions)

    def show_suggestions(self, suggestions: tuple[Suggestion, ...]) -> None:
        self.suggestions = tuple(suggestions)
        self._render()
        self.setVisible(bool(self.suggestions))

    def clear(self) -> None:
        self.show_suggestions(())

    def _render(self) -> None:
        if not self.suggestions:
            self.label.setText("")
            return
        secondary = marks_for(self.palette()).secondary.name()
        links = [f"<a href='{i}' style='text-decoration:none'>{html.escape(s.text)}</a>"
                 + (f"<span style='color:{secondary}'>&nbsp;\u00d7{s.count}</span>" if s.count > 1 else "")
                 for i, s in enumerate(self.suggestions[:SHOWN])]
        more = len(self.suggestions) - SHOWN
        if more > 0:
            links.append(f"<a href='more' style='text-decoration:none'>{more} more…</a>")
        self.label.setText(f"<span style='color:{secondary}'>Not annotated yet:</span>&nbsp; "
                           + f"<span style='color:{secondary}'> · </span>".join(links))

    def more_menu(self) -> QMenu:
        """The names past the first few, as a menu."""
        menu = QMenu(self)
        for suggestion in self.suggestions[SHOWN:]:
            text = suggestion.text + (f"  \u00d7{suggestion.count}" if suggestion.count > 1 else "")
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, s=suggestion: self.annotate_requested.emit(s))
        return menu

    @Slot(str)
    def _on_label_link_activated(self, href: str) -> None:
        if href == "more":
            menu = self.more_menu()
            menu.exec(self.label.mapToGlobal(QPoint(0, self.label.height())))
            menu.deleteLater()
        elif href.isdigit() and int(href) < len(self.suggestions):
            self.annotate_requested.emit(self.suggestions[int(href)])

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._render()
