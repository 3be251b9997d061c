"""Item models over the core's dataclasses; each returns the dataclass under ``UserRole``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from gdexplorer.errors import Problem, location
from gdexplorer.gui.icons import kind_icon, problem_icon

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.model import Entity, EntityKind, Hit, SearchResult

Index = QModelIndex | QPersistentModelIndex
ItemRole = Qt.ItemDataRole.UserRole
SortRole = Qt.ItemDataRole.UserRole + 1
_ROOT = QModelIndex()


def item_at(index: Index, role: int = ItemRole) -> object:
    """What a model holds at ``index`` for ``role`` (by default the dataclass), or None.

    This asks the Python model directly instead of calling ``QModelIndex.data()``: PySide6 6.12
    on Python 3.11 drops a reference to ``None`` every time ``QModelIndex.data()`` (or a C++
    ``data()``/``headerData()``) returns an invalid QVariant, and after a few thousand calls the
    interpreter aborts ("deallocating None"). tests/gui/test_refcount.py guards this.
    """
    if not index.isValid():
        return None
    return index.model().data(index, role)


class ResultsModel(QAbstractListModel):
    """Search hits, one row each; more pages are asked for through ``more_requested``."""

    more_requested = Signal(int)  # offset of the next page

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []
        self._total = 0
        self._query = ""
        self._terms: tuple[str, ...] = ()
        self._filters: tuple[str, ...] = ()
        self._waiting_for_more = False

    @property
    def query(self) -> str:
        return self._query

    @property
    def filters(self) -> tuple[str, ...]:
        """The filter clauses the shown results were restricted by."""
        return self._filters

    @property
    def terms(self) -> tuple[str, ...]:
        return self._terms

    @property
    def total(self) -> int:
        return self._total

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits) or index.column() != 0:
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.info.title
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f", page {hit.page}" if hit.page is not None else ""
            return (f"{hit.info.title}\n{hit.info.id}{where}" + "".join(f"\nsame text: {c}" for c in hit.copies)
                    + "".join(f"\none sentence apart: {c}" for c in hit.near_copies))
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            copies = f" ({len(hit.copies)} more with the same text)" if hit.copies else ""
            copies += f" ({len(hit.near_copies)} more one sentence apart)" if hit.near_copies else ""
            return "".join(segment.text for segment in hit.snippet) + copies
        if role == ItemRole:
            return hit
        return None

    def set_result(self, result: SearchResult, query: str | None = None) -> None:
        """Show a first page; ``query`` is what the user typed (the result's own may be internal)."""
        self.beginResetModel()
        self._hits = list(result.hits)
        self._total = result.total
        self._query = result.query if query is None else query
        self._terms = result.terms
        self._filters = tuple(result.filters)
        self._waiting_for_more = False
        self.endResetModel()

    def append(self, result: SearchResult) -> None:
        """Add a further page of the same search."""
        self._waiting_for_more = False
        known = {hit.info.id for hit in self._hits}
        fresh = [hit for hit in result.hits if hit.info.id not in known]
        self._total = result.total
        if fresh:
            first = len(self._hits)
            self.beginInsertRows(_ROOT, first, first + len(fresh) - 1)
            self._hits.extend(fresh)
            self.endInsertRows()
        elif len(self._hits) < self._total:
            # The page brought nothing new (the index changed under us): stop asking.
            self._total = len(self._hits)

    def clear(self) -> None:
        self.beginResetModel()
        self._hits = []
        self._total = 0
        self._query = ""
        self._terms = ()
        self._filters = ()
        self._waiting_for_more = False
        self.endResetModel()

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._waiting_for_more and len(self._hits) < self._total

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._waiting_for_more = True
            self.more_requested.emit(len(self._hits))


class TwoLevelModel(QAbstractItemModel):
    """A tree of groups and their items, two levels deep: ``index`` and ``parent`` for both.

    Children carry their group's row + 1 as the internal id; top-level rows carry 0.
    """

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        # The bounds checked in Python: hasIndex() would call rowCount and columnCount back through the
        # binding, and a tree view asks for every row's index when it expands or lays out.
        if row < 0 or column < 0 or row >= self.rowCount(parent) or column >= self.columnCount(parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)


class EntityTreeModel(TwoLevelModel):
    """Entities under one top-level row per type; columns: name, articles that mention it."""

    NAME, ARTICLES = 0, 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[tuple[EntityKind, list[Entity]]] = []
        self._counts: dict[str, int] = {}
        self._row_of: dict[str, tuple[int, int]] = {}

    def set_entities(self, entities: tuple[Entity, ...] | list[Entity]) -> None:
        # The model is imported after the window's first paint (see MainWindow): here, when it is used.
        from gdexplorer.model import EntityKind

        self.beginResetModel()
        grouped: dict[EntityKind, list[Entity]] = {}
        for entity in entities:
            grouped.setdefault(entity.kind, []).append(entity)
        self._groups = [(kind, grouped[kind]) for kind in EntityKind if kind in grouped]
        self._row_of = {
            entity.id: (group, row)
            for group, (_, members) in enumerate(self._groups)
            for row, entity in enumerate(members)
        }
        self.endResetModel()

    def set_counts(self, counts: dict[str, int]) -> None:
        self._counts = dict(counts)
        for group, (_, members) in enumerate(self._groups):
            if members:
                parent = self.index(group, 0)
                self.dataChanged.emit(self.index(0, self.ARTICLES, parent),
                                      self.index(len(members) - 1, self.ARTICLES, parent))

    def count(self, entity_id: str) -> int | None:
        return self._counts.get(entity_id)

    def index_of(self, entity_id: str) -> QModelIndex:
        where = self._row_of.get(entity_id)
        if where is None:
            return QModelIndex()
        return self.index(where[1], 0, self.index(where[0], 0))

    # -- QAbstractItemModel --------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._groups[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 2

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Name", "Articles")[section] if section in (0, 1) else None
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 1:
            return "How many articles mention the entity"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._group_data(index, role)
        kind, members = self._groups[index.internalId() - 1]
        if not 0 <= index.row() < len(members):
            return None
        entity = members[index.row()]
        column = index.column()
        if role == ItemRole:
            return entity
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return entity.name
            count = self._counts.get(entity.id)
            return "" if count is None else f"{count:,}"
        if role == SortRole:
            return entity.name.casefold() if column == self.NAME else self._counts.get(entity.id, -1)
        if role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            return kind_icon(kind)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ARTICLES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return entity_tooltip(entity, self._counts.get(entity.id))
        return None

    def _group_data(self, index: Index, role: int) -> object:
        if not 0 <= index.row() < len(self._groups):
            return None
        kind, members = self._groups[index.row()]
        if role == ItemRole:
            return kind
        if index.column() != self.NAME:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{kind.plural} ({len(members)})"
        if role == SortRole:
            return index.row()
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(kind)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


def entity_tooltip(entity: Entity, count: int | None) -> str:
    lines = [entity.name]
    if entity.title:
        lines.append(entity.title)
    if entity.aliases:
        lines.append("Also: " + ", ".join(entity.aliases))
    if count is not None:
        lines.append(f"Mentioned in {count:,} article{'s' if count != 1 else ''}")
    return "\n".join(lines)


class EntityFilterProxy(QSortFilterProxyModel):
    """Filters entities by a name/alias substring and, optionally, to a set of ids."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._only: frozenset[str] | None = None
        self.setRecursiveFilteringEnabled(True)
        self.setSortRole(SortRole)
        # Counts arrive after the entities; re-sorting on every dataChanged costs a visible stall
        # on the UI thread, and the order only matters when the user sorts by count.
        self.setDynamicSortFilter(False)

    def set_text(self, text: str) -> None:
        needle = " ".join(text.split()).casefold()
        if needle != self._needle:
            self._needle = needle
            self._refilter()

    def set_only(self, ids: frozenset[str] | None) -> None:
        """Keep only these entity ids (None: all)."""
        if ids != self._only:
            self._only = ids
            self._refilter()

    def _refilter(self) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+, where invalidateFilter() is deprecated
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    @property
    def filtering(self) -> bool:
        return bool(self._needle) or self._only is not None

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        from gdexplorer.model import Entity

        if not source_parent.isValid():
            # A type row shows when unfiltered; filtered, recursive filtering keeps it for its children.
            return not self.filtering
        source = self.sourceModel()
        entity = source.data(source.index(source_row, 0, source_parent), ItemRole)
        if not isinstance(entity, Entity):
            return False
        if self._only is not None and entity.id not in self._only:
            return False
        if not self._needle:
            return True
        return any(self._needle in name.casefold() for name in (*entity.names, entity.id))

    def lessThan(self, left: Index, right: Index) -> bool:
        if not left.parent().isValid():
            # Types keep their vocabulary order whatever column is sorted.
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return (left.row() < right.row()) == ascending
        return super().lessThan(left, right)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        # The source model's Python data(), never super().data(): see item_at() for why.
        source = self.sourceModel()
        source_index = self.mapToSource(index)
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
            from gdexplorer.model import EntityKind

            kind = source.data(source_index, ItemRole)
            if isinstance(kind, EntityKind):
                # Count what the filter leaves, not the whole group.
                return f"{kind.plural} ({self.rowCount(index)})"
        return source.data(source_index, role)


class ProblemsModel(QAbstractTableModel):
    """Problems found in the corpus and its annotations: location and message columns."""

    LOCATION, MESSAGE = 0, 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = []

    def set_problems(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.beginResetModel()
        self._problems = list(problems)
        self.endResetModel()

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def error_count(self) -> int:
        return sum(1 for p in self._problems if p.is_error)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Location", "Problem")[section] if section in (0, 1) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        column = index.column()
        if role == ItemRole:
            return problem
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.LOCATION:
                return location_of(problem)
            return f"{problem.severity.value}: {problem.message}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(problem)
        if role == Qt.ItemDataRole.DecorationRole and column == self.LOCATION:
            return problem_icon(problem.is_error)
        return None


def location_of(problem: Problem) -> str:
    """``path:line:col`` as the core formats it (parts that are unknown left out)."""
    return location(problem.path, problem.line, problem.column)
