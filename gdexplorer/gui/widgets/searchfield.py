"""The search field: debounced search-as-you-type, Enter to search now, Esc to clear, recent searches."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QMenu, QWidget

from gdexplorer.gui.icons import named_icon

DEBOUNCE_MS = 150
HISTORY_SIZE = 20
HISTORY_KEY = "search/history"


def history_key(corpus: Path | None) -> str:
    """Each corpus has its own recent searches: one corpus's queries mean little in another."""
    if corpus is None:
        return HISTORY_KEY
    digest = hashlib.sha1(str(Path(corpus).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"{HISTORY_KEY}/{digest}"


class SearchField(QLineEdit):
    """Emits ``query_edited`` once typing pauses and ``query_submitted`` on Enter."""

    query_edited = Signal(str)
    query_submitted = Signal(str)
    results_focus_requested = Signal()
    last_filter_removal_requested = Signal()  # Backspace in the empty field, as in a token field

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchField")
        self.setClearButtonEnabled(True)
        self.setPlaceholderText("Search articles")
        self.setAccessibleName("Search")
        self.setToolTip(
            "Words are ANDed; also OR, NOT, \"a phrase\", prefix*, fuzzy~,\n"
            "title:, category:, date:[2010 TO 2012], entity:name  (Ctrl+L)"
        )
        self._history: list[str] = []
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._last_emitted: str | None = None
        self.addAction(named_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._history_action = QAction(named_icon("history"), "Recent searches", self)
        self._history_action.setToolTip("Recent searches")
        self._history_action.setVisible(False)
        self.addAction(self._history_action, QLineEdit.ActionPosition.TrailingPosition)

        self.textEdited.connect(self._on_self_text_edited)
        self.returnPressed.connect(self._on_self_return_pressed)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._history_action.triggered.connect(self._on_history_action_triggered)
        # The clear button sets the text programmatically: textEdited does not fire for it.
        self.textChanged.connect(self._on_self_text_changed)

    # -- history -----------------------------------------------------------------------------

    def history(self) -> list[str]:
        return list(self._history)

    def set_history(self, queries: list[str]) -> None:
        self._history = [q for q in dict.fromkeys(q.strip() for q in queries) if q][:HISTORY_SIZE]
        self._history_action.setVisible(bool(self._history))

    def restore_history(self, settings: QSettings, corpus: Path | None = None) -> None:
        """This corpus's recent searches as ``save_history`` kept them (none if none, or unreadable)."""
        try:
            queries = json.loads(str(settings.value(history_key(corpus), "[]")))
        except ValueError:
            queries = []
        self.set_history([q for q in queries if isinstance(q, str)] if isinstance(queries, list) else [])

    def save_history(self, settings: QSettings, corpus: Path | None = None) -> None:
        settings.setValue(history_key(corpus), json.dumps(self._history))

    def remember(self, query: str) -> None:
        """Put a query the user settled on at the top of the recent searches."""
        query = query.strip()
        if query:
            self.set_history([query, *self._history])

    # -- text --------------------------------------------------------------------------------

    @Slot()
    def take_focus(self) -> None:
        """Focus the field with its text selected, ready to be typed over (Ctrl+L)."""
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

    def set_query(self, text: str) -> None:
        """Show a query without searching for it (e.g. when going back)."""
        self._debounce.stop()
        self.blockSignals(True)
        self.setText(text)
        self.blockSignals(False)
        self._last_emitted = text.strip()

    def flush(self) -> None:
        """Emit a pending debounced edit now."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._on_debounce_timeout()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        if key == Qt.Key.Key_Down and not event.modifiers():
            self.flush()
            self.results_focus_requested.emit()
            return
        if key == Qt.Key.Key_Backspace and not event.modifiers() and not self.text():
            self.last_filter_removal_requested.emit()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        # Esc in an empty field must not bubble up and close a dialog or dock.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape and self.text():
            event.accept()
            return True
        return super().event(event)

    # -- slots -------------------------------------------------------------------------------

    @Slot(str)
    def _on_self_text_edited(self, _text: str) -> None:
        self._debounce.start()

    @Slot(str)
    def _on_self_text_changed(self, text: str) -> None:
        if not text and self._last_emitted:
            # Cleared (Esc, the clear button, or select-all and delete): say so at once.
            self._debounce.stop()
            self._last_emitted = ""
            self.query_edited.emit("")

    @Slot()
    def _on_debounce_timeout(self) -> None:
        text = self.text().strip()
        if text != self._last_emitted:
            self._last_emitted = text
            self.query_edited.emit(text)

    @Slot()
    def _on_self_return_pressed(self) -> None:
        self._debounce.stop()
        text = self.text().strip()
        self._last_emitted = text
        self.query_submitted.emit(text)

    @Slot()
    def _on_history_action_triggered(self) -> None:
        menu = QMenu(self)
        for query in self._history:
            action = menu.addAction(query)
            action.setData(query)
        menu.addSeparator()
        menu.addAction("Clear Recent Searches").setData("")
        chosen = menu.exec(self.mapToGlobal(QPoint(max(0, self.width() - menu.sizeHint().width()), self.height())))
        if chosen is None:
            return
        query = chosen.data()
        if not query:
            self.set_history([])
            return
        self.setText(str(query))
        self._on_self_return_pressed()
