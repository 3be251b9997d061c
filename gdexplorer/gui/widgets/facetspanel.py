"""The Refine panel: counts by section, date and entity for the current query; a click filters.

The counts come from ``FacetsPage`` (computed in the index, over every match). Each group lists its
top values with a "Show more" row; an active filter's row is marked, and choosing it again removes
it. Keyboard: arrows move, Enter or Space toggles, Left/Right fold a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    QObject,
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
    by_month,
    category_filter,
    entity_filter,
    format_filter,
    month_filter,
    site_filter,
    starred_filter,
    tag_filter,
    year_filter,
)
from gdexplorer.gui.formatting import plural
from gdexplorer.gui.icons import kind_icon
from gdexplorer.gui.itemmodels import ItemRole, TwoLevelModel, item_at
from gdexplorer.gui.theme import marks_for

if TYPE_CHECKING:
    # Types only: QStyle's types and the core's model (its dataclasses) come after the window's first paint.
    from PySide6.QtWidgets import QStyleOptionViewItem

    from gdexplorer.model import Entity, EntityKind, SuggestedEntity

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
TOP_VALUES = 6
MORE_VALUES = 40


@dataclass(frozen=True, slots=True)
class FacetValue:
    """A value with its count: what a row shows and the filter it toggles."""

    filter: Filter
    count: int
    active: bool = False
    kind: EntityKind | None = None
    suggested: SuggestedEntity | None = None  # a suggested entity's row: choosing it opens it (no filter)


@dataclass(frozen=True, slots=True)
class MoreRow:
    """The "Show more"/"Show fewer" row at the end of a long group."""

    group: str
    hidden: int  # how many values it would show; 0 when it folds them away again


@dataclass(slots=True)
class FacetGroup:
    key: str
    title: str
    values: list[FacetValue]
    peak: int
    expanded: bool = False

    @property
    def shown(self) -> list[FacetValue]:
        return self.values[: MORE_VALUES if self.expanded else TOP_VALUES]

    @property
    def more(self) -> MoreRow | None:
        if len(self.values) <= TOP_VALUES:
            return None
        if self.expanded:
            return MoreRow(self.key, 0)
        return MoreRow(self.key, min(len(self.values), MORE_VALUES) - TOP_VALUES)


def facet_groups(page: FacetsPage, entities: dict[str, Entity], active: tuple[Filter, ...]) -> list[FacetGroup]:
    """The groups the panel lists for a page of counts: section, date, then entities by type."""
    # The model is imported after the window's first paint (see MainWindow): here, when it is used.
    from gdexplorer.model import EntityKind

    groups: list[FacetGroup] = []
    chosen = set(active)

    def group(key: str, title: str, values: list[FacetValue]) -> None:
        values = [v for v in values if v.count > 0]
        if values:
            groups.append(FacetGroup(key, title, values, max(v.count for v in values)))

    facets = page.facets
    group("category", "Section", [FacetValue(f, n, f in chosen) for f, n in
                                  ((category_filter(name), n) for name, n in facets.categories)])
    if by_month(facets):
        dates = [(month_filter(month), n) for month, n in reversed(facets.months)]
        group("date", "Month", [FacetValue(f, n, f in chosen) for f, n in dates])
    else:
        dates = [(year_filter(year), n) for year, n in reversed(facets.years)]
        group("date", "Year", [FacetValue(f, n, f in chosen) for f, n in dates])
    # Only where there is a choice: a corpus of .txt articles has one type and no sites.
    if len(facets.formats) > 1:
        group("format", "Type", [FacetValue(f, n, f in chosen) for f, n in
                                 ((format_filter(name), n) for name, n in facets.formats)])
    group("site", "Site", [FacetValue(f, n, f in chosen) for f, n in
                           ((site_filter(name), n) for name, n in facets.sites)])
    marked = page.workbench
    if marked is not None:
        group("starred", "Starred", [FacetValue(starred_filter(), marked.starred, starred_filter() in chosen)])
        group("tag", "Tags", [FacetValue(f, n, f in chosen) for f, n in ((tag_filter(t), n) for t, n in marked.tags)])
    by_kind: dict[EntityKind, list[FacetValue]] = {}
    folded = {key.casefold(): entity for key, entity in entities.items()}
    for entity_id, n in facets.entities:
        entity = folded.get(entity_id.casefold())
        if entity is None:
            continue
        f = entity_filter(entity.id, entity.name)
        by_kind.setdefault(entity.kind, []).append(FacetValue(f, n, f in chosen, entity.kind))
    for suggested, n in page.suggested:
        # No filter: a suggestion is in no index field. Its row opens it, as in the sidebar.
        f = Filter(FilterGroup.ENTITY, "", "", suggested.name)
        by_kind.setdefault(suggested.kind, []).append(FacetValue(f, n, False, suggested.kind, suggested))
    for values in by_kind.values():
        values.sort(key=lambda v: (-v.count, v.suggested is not None))  # curated first at the same count
    for kind in EntityKind:
        group(kind.value, kind.plural, by_kind.get(kind, []))
    return groups


class FacetsModel(TwoLevelModel):
    """Groups at the top level, their values (and a "Show more" row) below; one column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[FacetGroup] = []

    def set_groups(self, groups: list[FacetGroup]) -> None:
        expanded = {g.key for g in self._groups if g.expanded}
        for g in groups:
            g.expanded = g.key in expanded
        self.beginResetModel()
        self._groups = groups
        self.endResetModel()

    def groups(self) -> list[FacetGroup]:
        return list(self._groups)

    def group_index(self, key: str) -> QModelIndex:
        for row, g in enumerate(self._groups):
            if g.key == key:
                return self.index(row, 0)
        return QModelIndex()

    def toggle_more(self, key: str) -> None:
        parent = self.group_index(key)
        if not parent.isValid():
            return
        g = self._groups[parent.row()]
        before = self.rowCount(parent)
        after = min(len(g.values), TOP_VALUES if g.expanded else MORE_VALUES) + 1
        # Values are inserted (or removed) just above the "more" row, which stays last.
        if after > before:
            self.beginInsertRows(parent, before - 1, after - 2)
            g.expanded = not g.expanded
            self.endInsertRows()
        elif after < before:
            self.beginRemoveRows(parent, after - 1, before - 2)
            g.expanded = not g.expanded
            self.endRemoveRows()
        else:
            g.expanded = not g.expanded
        last = self.index(self.rowCount(parent) - 1, 0, parent)
        self.dataChanged.emit(last, last)

    def _row_item(self, g: FacetGroup, row: int) -> FacetValue | MoreRow | None:
        shown = g.shown
        if row < len(shown):
            return shown[row]
        if row == len(shown):
            return g.more
        return None

    # -- QAbstractItemModel --------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0 and 0 <= parent.row() < len(self._groups):
            g = self._groups[parent.row()]
            return len(g.shown) + (1 if g.more else 0)
        return 0

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            if not 0 <= index.row() < len(self._groups):
                return None
            g = self._groups[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                return g.title
            if role == ItemRole:
                return g
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        g = self._groups[index.internalId() - 1]
        item = self._row_item(g, index.row())
        if item is None:
            return None
        if role == ItemRole:
            return item
        if isinstance(item, MoreRow):
            if role == Qt.ItemDataRole.DisplayRole:
                return f"Show {item.hidden} more" if item.hidden else "Show fewer"
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.filter.label
        if role == Qt.ItemDataRole.DecorationRole and item.kind is not None:
            return kind_icon(item.kind)
        if role == Qt.ItemDataRole.ToolTipRole and item.suggested is not None:
            return (f"{item.filter.label} (suggested {item.suggested.kind.value}, not curated): {item.count:,} "
                    f"matching article{'s' if item.count != 1 else ''}\nOpen the suggestion (click, Enter or Space)")
        if role == Qt.ItemDataRole.AccessibleTextRole and item.suggested is not None:
            return f"{item.filter.label}, suggested, {item.count:,}"
        if role == Qt.ItemDataRole.ToolTipRole:
            verb = "Remove the filter" if item.active else "Show only these"
            return f"{item.filter.label}: {item.count:,} matching article{'s' if item.count != 1 else ''}\n" \
                   f"{verb} (click, Enter or Space)"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{item.filter.label}, {item.count:,}" + (", filter on" if item.active else "")
        return None


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
