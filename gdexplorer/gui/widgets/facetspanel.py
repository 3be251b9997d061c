"""The Refine panel: counts by section, date and entity for the current query; a click filters.

The counts come from ``FacetsPage`` (computed in the index, over every match). Each group lists its
top values with a "Show more" row; an active filter's row is marked, and choosing it again removes
it. Keyboard: arrows move, Enter or Space toggles, Left/Right fold a group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QStyledItemDelegate,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from gdexplorer.gui.explorepages import (
    FacetsPage,
    Filter,
    FilterGroup,
)
from gdexplorer.gui.formatting import plural
from gdexplorer.gui.icons import kind_icon
from gdexplorer.gui.itemmodels import item_at
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.facetsmodel import FacetGroup, FacetsModel, FacetValue, MoreRow, facet_groups

if TYPE_CHECKING:
    # Types only: QStyle's types and the core's model (its dataclasses) come after the window's first paint.
    from PySide6.QtWidgets import QStyleOptionViewItem

    from gdexplorer.model import Entity

Index = QModelIndex | QPersistentModelIndex
class FacetDelegate(QStyledItemDelegate):
    """A value row: a bar proportional to its count behind the label, the count on the right."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), QFontMetrics(option.font).height() + 7))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Here, not at the top: QStyle's Python types cost ~17 ms that the window's first paint (no rows
        # yet) does not need.
        from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

        item = item_at(index)
        if isinstance(item, FacetGroup):
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""
            style = opt.widget.style() if opt.widget is not None else None
            if style is not None:
                style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
            marks = marks_for(option.palette)
            font = QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(option.font.pointSizeF() * 0.88)
            font.setCapitalization(QFont.Capitalization.AllUppercase)
            painter.save()
            painter.setFont(font)
            painter.setPen(marks.secondary)
            painter.drawText(option.rect.adjusted(2, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter, item.title)
            painter.restore()
            return
        if not isinstance(item, FacetValue | MoreRow):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        opt.icon = QStyleOptionViewItem().icon
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        palette = option.palette
        marks = marks_for(palette)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        rect = option.rect.adjusted(2, 1, -6, -1)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if isinstance(item, MoreRow):
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Link))
            painter.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
            painter.restore()
            return
        group = item_at(index.parent())
        peak = group.peak if isinstance(group, FacetGroup) and group.peak else max(1, item.count)
        bar = QColor(palette.color(QPalette.ColorRole.Highlight))
        bar.setAlpha(150 if item.active else 48)
        if not selected:
            width = max(3.0, (rect.width()) * item.count / peak)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bar)
            painter.drawRoundedRect(QRectF(rect.left(), rect.top() + 1, width, rect.height() - 2), 3, 3)
        x = rect.left() + 4
        if item.kind is not None:
            icon_size = min(14, rect.height() - 4)
            kind_icon(item.kind).paint(painter, int(x), rect.top() + (rect.height() - icon_size) // 2,
                                       icon_size, icon_size)
            x += icon_size + 5
        font = QFont(option.font)
        font.setBold(item.active)
        font.setItalic(item.suggested is not None)  # as the sidebar marks suggestions
        painter.setFont(font)
        metrics = QFontMetrics(font)
        count = f"{item.count:,}"
        count_width = metrics.horizontalAdvance(count)
        label_rect = rect.adjusted(int(x - rect.left()), 0, -(count_width + 10), 0)
        prefix = "\u2713 " if item.active else ""
        painter.setPen(text_color)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(prefix + text, Qt.TextElideMode.ElideRight, label_rect.width()))
        painter.setPen(text_color if selected or item.active else marks.secondary)
        painter.drawText(rect.adjusted(0, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         count)
        painter.restore()


class FacetsView(QTreeView):
    """Enter and Space toggle the current value; a click toggles the value under the mouse."""

    value_chosen = Signal(object)  # FacetValue | MoreRow

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not event.modifiers():
            item = item_at(self.currentIndex())
            if isinstance(item, FacetValue | MoreRow):
                self.value_chosen.emit(item)
                return
            if isinstance(item, FacetGroup):
                self.setExpanded(self.currentIndex(), not self.isExpanded(self.currentIndex()))
                return
        super().keyPressEvent(event)


class FacetsPanel(QWidget):
    """Emits ``filter_toggled`` with the ``Filter`` of a value the user picks."""

    filter_toggled = Signal(object)  # Filter
    suggested_requested = Signal(object)  # SuggestedEntity: a suggested entity's row was chosen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("facetsPanel")
        self.model = FacetsModel(self)
        self.view = FacetsView(self)
        self.view.setObjectName("facetsView")
        self.view.setAccessibleName("Refine by section, date and entity")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long names differ at their ends
        self.view.setItemDelegate(FacetDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setFrameShape(QTreeView.Shape.NoFrame)
        self.view.setIndentation(12)
        self.view.setUniformRowHeights(True)
        self.view.setExpandsOnDoubleClick(False)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.summary = QLabel(self)
        self.summary.setObjectName("facetsSummary")
        self.summary.setContentsMargins(10, 6, 10, 4)
        self.summary.setWordWrap(True)
        self.empty = QLabel(self)
        self.empty.setObjectName("facetsEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setContentsMargins(12, 8, 12, 8)
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.summary)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        self.page: FacetsPage | None = None
        self._apply_secondary()

        self.view.clicked.connect(self._on_view_clicked)
        self.view.value_chosen.connect(self._on_view_value_chosen)

    # -- content -----------------------------------------------------------------------------

    def set_page(self, page: FacetsPage, entities: dict[str, Entity], active: tuple[Filter, ...],
                 query: str = "") -> None:
        """Counts for the current query (``query`` as the user typed it, for the summary)."""
        self.page = page
        current = item_at(self.view.currentIndex())
        groups = facet_groups(page, entities, active)
        self.model.set_groups(groups)
        self.view.expandAll()
        what = "all articles" if not query and not active else "the matches"
        # The time goes in the tooltip: beside the count it wrapped onto a second line in a 215 px panel.
        self.summary.setText(plural(page.total, "article") if page.total else "")
        self.summary.setToolTip(f"Counts over {what}, from the index (counted in {page.facets.seconds * 1000:,.0f} ms)")
        self.empty.setVisible(not groups)
        if not groups:
            self.empty.setText("Nothing to refine: no article matches." if not page.total else
                               "These articles have no sections, dates or curated entities to count.")
        self._restore_current(current)

    def show_counting(self) -> None:
        """A new query is being counted: say so, keep the old counts until the new ones arrive."""
        if self.page is not None:
            self.summary.setText("Counting…")

    def stop_counting(self) -> None:
        """No new counts are coming (the query was bad): the old ones stay, without "Counting…"."""
        if self.summary.text() == "Counting…":
            self.summary.setText("Counts of the last valid query")

    def show_failure(self, message: str) -> None:
        self.model.set_groups([])
        self.summary.setText("")
        self.empty.setText(f"Counts are not available: {message}")
        self.empty.show()

    def clear(self) -> None:
        self.page = None
        self.model.set_groups([])
        self.summary.setText("")
        self.empty.hide()

    def values(self, key: str) -> list[FacetValue]:
        """The values a group shows, top to bottom (for tests and accessibility checks)."""
        parent = self.model.group_index(key)
        found = []
        for row in range(self.model.rowCount(parent)):
            item = item_at(self.model.index(row, 0, parent))
            if isinstance(item, FacetValue):
                found.append(item)
        return found

    def index_of(self, chosen: Filter) -> QModelIndex:
        for group_row in range(self.model.rowCount()):
            parent = self.model.index(group_row, 0)
            for row in range(self.model.rowCount(parent)):
                index = self.model.index(row, 0, parent)
                item = item_at(index)
                if isinstance(item, FacetValue) and item.filter == chosen:
                    return index
        return QModelIndex()

    def _restore_current(self, previous: object) -> None:
        if isinstance(previous, FacetValue):
            index = self.index_of(previous.filter)
            if index.isValid():
                self.view.setCurrentIndex(index)
                return
        if isinstance(previous, FacetGroup):
            index = self.model.group_index(previous.key)
            if index.isValid():
                self.view.setCurrentIndex(index)

    def _apply_secondary(self) -> None:
        for label in (self.summary, self.empty):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, marks_for(self.palette()).secondary)
            label.setPalette(palette)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            self._apply_secondary()
        super().changeEvent(event)

    # -- slots -------------------------------------------------------------------------------

    @Slot(QModelIndex)
    def _on_view_clicked(self, index: QModelIndex) -> None:
        item = item_at(index)
        if isinstance(item, FacetGroup):
            self.view.setExpanded(index, not self.view.isExpanded(index))
            return
        if isinstance(item, FacetValue | MoreRow):
            self._choose(item)

    @Slot(object)
    def _on_view_value_chosen(self, item: object) -> None:
        if isinstance(item, FacetValue | MoreRow):
            self._choose(item)

    def _choose(self, item: FacetValue | MoreRow) -> None:
        if isinstance(item, MoreRow):
            self.model.toggle_more(item.group)
            parent = self.model.group_index(item.group)
            last = self.model.index(self.model.rowCount(parent) - 1, 0, parent)
            self.view.setCurrentIndex(last)
            return
        if item.suggested is not None:
            self.suggested_requested.emit(item.suggested)
            return
        self.filter_toggled.emit(item.filter)


__all__ = ["FacetGroup", "FacetValue", "FacetsModel", "FacetsPanel", "FilterGroup", "MoreRow", "facet_groups"]
