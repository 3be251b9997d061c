"""The Refine panel's rows: facet groups built from a ``FacetsPage``, and the two-level model the
panel's tree shows (a group, then its values and its "Show more" row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

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
from gdexplorer.gui.icons import kind_icon
from gdexplorer.gui.itemmodels import ItemRole, TwoLevelModel

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) comes after the window's first paint.
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
