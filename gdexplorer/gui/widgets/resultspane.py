"""The results column: a summary line, the hit list, and an empty state when there is nothing to list."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gdexplorer.gui.formatting import plural
from gdexplorer.gui.itemmodels import ResultsModel
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.resultdelegate import ResultDelegate

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.model import SearchResult

SORTS = (("relevance", "Best match"), ("newest", "Newest first"), ("oldest", "Oldest first"))


class ResultsList(QListView):
    """The hit list; Enter and click both open the current hit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows elide to the width
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setItemDelegate(ResultDelegate(self))
        self.setAccessibleName("Search results")


def suggestion(query: str) -> str | None:
    """A looser query to offer when ``query`` found nothing: its last word spelled loosely.

    Not the last word as a prefix: the window already searches an unfinished last word as one.
    """
    words = query.split()
    if not words:
        return None
    last = words[-1]
    if last.endswith(("*", "~")) or ":" in last or '"' in last or len(last) < 4 or not last.isalnum():
        return None
    return " ".join([*words[:-1], last + "~"])


class ResultsPane(QWidget):
    """Shows the latest search (or the newest articles before one) and asks for more pages."""

    hit_activated = Signal(object)  # Hit
    search_suggested = Signal(str)
    sort_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ResultsModel(self)
        self.view = ResultsList(self)
        self.view.setModel(self.model)

        self.error = QLabel(self)
        self.error.setObjectName("searchError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setContentsMargins(12, 6, 12, 0)
        self.error.hide()
        # "Did you mean hydrogen?" above the hits: one click searches for the corrected query.
        self.correction = QLabel(self)
        self.correction.setObjectName("didYouMean")
        self.correction.setWordWrap(True)
        self.correction.setTextFormat(Qt.TextFormat.RichText)
        self.correction.setContentsMargins(12, 6, 12, 0)
        self.correction.hide()
        self.summary = QLabel(self)
        self.summary.setObjectName("resultsSummary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._summaries = ("", "")  # the last result's summary, in full and short (see _fit_summary)
        self.sort = QComboBox(self)
        self.sort.setObjectName("sortBox")
        self.sort.setToolTip("Order of the results")
        for key, label in SORTS:
            self.sort.addItem(label, key)
        self.empty = QLabel(self)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setContentsMargins(24, 36, 24, 24)
        self.empty.setOpenExternalLinks(False)
        # The same background as the list it stands in for.
        self.empty.setAutoFillBackground(True)
        self.empty.setBackgroundRole(QPalette.ColorRole.Base)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        header = QHBoxLayout()
        header.setContentsMargins(12, 6, 6, 6)
        header.addWidget(self.summary, 1)
        header.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.error)
        layout.addWidget(self.correction)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)
        self._apply_error_style()

        self.view.clicked.connect(self._on_view_activated)
        self.view.activated.connect(self._on_view_activated)
        self.sort.currentIndexChanged.connect(self._on_sort_current_index_changed)
        self.empty.linkActivated.connect(self._on_empty_link_activated)
        self.correction.linkActivated.connect(self._on_empty_link_activated)

    # -- what is shown -----------------------------------------------------------------------

    @property
    def sort_key(self) -> str:
        return str(self.sort.currentData())

    def set_sort_key(self, key: str) -> None:
        index = self.sort.findData(key)
        if index >= 0 and index != self.sort.currentIndex():
            self.sort.blockSignals(True)
            self.sort.setCurrentIndex(index)
            self.sort.blockSignals(False)

    def show_result(self, query: str, result: SearchResult, took_ms: float, incomplete: bool = False) -> None:
        """A first page of results for ``query``."""
        self.set_error("")
        self.model.set_result(result, query)
        self._show_correction(result.did_you_mean if result.total else None)
        # A partial answer (search as you type, cut short) counts what it saw: a lower bound.
        count = ("≈ " if result.partial else "") + plural(result.total, "result")
        # The total counts texts: copies of an article are one row that says how many there are.
        copies = f" · {plural(result.collapsed, 'copy', 'copies')} shown with their article" if result.collapsed else ""
        full = f"{count} in {took_ms:,.0f} ms{copies}" + (" so far (indexing…)" if incomplete else "")
        short_copies = f" · {plural(result.collapsed, 'copy', 'copies')}" if result.collapsed else ""
        self._summaries = (full, count + short_copies + (" so far" if incomplete else ""))
        self._fit_summary()
        tip = "At least this many; the full count follows when typing pauses" if result.partial else ""
        self.summary.setToolTip("\n".join(t for t in (tip, full if self.summary.text() != full else "") if t))
        if result.total:
            self.stack.setCurrentWidget(self.view)
            self.view.setCurrentIndex(self.model.index(0, 0))
            self.view.scrollToTop()
        elif incomplete:
            self._show_empty("Nothing found yet",
                             f"No article indexed so far matches “{html.escape(query)}”. "
                             "The index is still being built; results will appear when it is done.")
        else:
            self._show_no_match(query, result.did_you_mean)

    def _fit_summary(self) -> None:
        # Beside the sort box a narrow column cut "183 results in 338 ms" mid-number: the count alone then.
        full, short = self._summaries
        fits = self.summary.fontMetrics().horizontalAdvance(full) <= self.summary.width() or not short
        self.summary.setText(full if fits else short)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._summaries[0] and self.summary.text() in self._summaries:
            self._fit_summary()

    def append_result(self, result: SearchResult) -> None:
        self.model.append(result)

    def show_newest(self, result: SearchResult) -> None:
        """The newest articles, before any search."""
        self.set_error("")
        self._show_correction(None)
        self.model.set_result(result, "")
        self.summary.setText(f"Newest of {plural(result.total + result.collapsed, 'article')}")
        self.stack.setCurrentWidget(self.view)

    def show_message(self, title: str, text: str, summary: str = "") -> None:
        """An empty state: a title and a paragraph (rich text; links become searches)."""
        self.model.clear()
        self._show_correction(None)
        self.summary.setText(summary)
        self._show_empty(title, text)

    def set_error(self, message: str) -> None:
        """A bad query's message, in red under the search field; the last results stay."""
        self.error.setText(message[:1].upper() + message[1:] if message else "")
        self.error.setVisible(bool(message))

    def clear(self) -> None:
        self.model.clear()
        self._show_correction(None)
        self.summary.setText("")
        self.set_error("")

    def _show_correction(self, corrected: str | None) -> None:
        if corrected:
            self.correction.setText(f"Did you mean <a href=\"{html.escape(corrected)}\"><b>"
                                    f"{html.escape(corrected)}</b></a>?")
        self.correction.setVisible(bool(corrected))

    def correction_text(self) -> str:
        return self.correction.text() if self.correction.isVisible() else ""

    def _show_no_match(self, query: str, corrected: str | None = None) -> None:
        if corrected:
            self._show_empty("No results", f"No articles match “{html.escape(query)}”.<br>Did you mean "
                             f"<a href=\"{html.escape(corrected)}\"><b>{html.escape(corrected)}</b></a>?")
            return
        if not query:
            self._show_empty("No results", "No article matches these filters.<br>"
                             "Remove one (click its chip, or Backspace in the empty search field).")
            return
        looser = suggestion(query)
        hint = "Try fewer words"
        if looser:
            hint += f", or a looser spelling: <a href=\"{html.escape(looser)}\">{html.escape(looser)}</a>"
        else:
            hint += ", a prefix like <b>hydro*</b> or a fuzzy word like <b>goverment~</b>"
        self._show_empty("No results", f"No articles match “{html.escape(query)}”.<br>{hint}.")

    def _show_empty(self, title: str, text: str) -> None:
        color = marks_for(self.palette()).secondary.name()
        self.empty.setText(
            f"<p style='font-size:large; font-weight:600'>{html.escape(title)}</p>"
            f"<p style='color:{color}'>{text}</p>"
        )
        self.stack.setCurrentWidget(self.empty)

    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def empty_text(self) -> str:
        return self.empty.text()

    def _apply_error_style(self) -> None:
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, marks_for(self.palette()).error)
        self.error.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_error_style()
        super().changeEvent(event)

    # -- slots -------------------------------------------------------------------------------

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        # The model is imported after the window's first paint (see MainWindow): here, when it is used.
        from gdexplorer.model import Hit

        hit = self.model.hit(index.row())
        if isinstance(hit, Hit):
            self.hit_activated.emit(hit)

    @Slot(int)
    def _on_sort_current_index_changed(self, _index: int) -> None:
        self.sort_changed.emit(self.sort_key)

    @Slot(str)
    def _on_empty_link_activated(self, href: str) -> None:
        self.search_suggested.emit(href)
