"""The entity picker of the fact dialog: a search field over a short list of entities."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from gdexplorer.gui.icons import kind_icon
from gdexplorer.gui.itemmodels import ItemRole
from gdexplorer.model import Entity, EntityKind

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
KIND_NAMES = {
    EntityKind.PERSON: "Person", EntityKind.ORGANIZATION: "Organization", EntityKind.PLACE: "Place",
    EntityKind.TECHNOLOGY: "Technology", EntityKind.PRODUCT: "Product", EntityKind.EVENT: "Event",
}


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class EntityListModel(QAbstractListModel):
    """Entities matching a filter over names, aliases and ids; ``preferred`` ones first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[Entity] = []
        self._preferred: dict[str, int] = {}
        self._rows: list[tuple[Entity, str]] = []  # entity, the alias that matched ("" for its name)
        self._needle = ""

    def set_entities(self, entities: Sequence[Entity], preferred: Sequence[str] = ()) -> None:
        self._all = list(entities)
        self._preferred = {entity_id: i for i, entity_id in enumerate(dict.fromkeys(preferred))}
        self._refilter()

    def set_filter(self, text: str) -> None:
        needle = _fold(text)
        if needle != self._needle:
            self._needle = needle
            self._refilter()

    def _refilter(self) -> None:
        needle = self._needle
        ranked: list[tuple[tuple[int, int, str], Entity, str]] = []
        for entity in self._all:
            preferred = self._preferred.get(entity.id, len(self._preferred))
            if not needle:
                ranked.append(((0, preferred, entity.name.casefold()), entity, ""))
                continue
            best: tuple[int, str] | None = None
            for name in (entity.name, *entity.aliases, entity.id):
                folded = _fold(name)
                if folded == needle:
                    rank = 0
                elif folded.startswith(needle):
                    rank = 1
                elif f" {needle}" in f" {folded}":
                    rank = 2
                elif needle in folded:
                    rank = 3
                else:
                    continue
                if best is None or rank < best[0]:
                    best = (rank, "" if name in (entity.name, entity.id) else name)
            if best is not None:
                ranked.append(((best[0], preferred, entity.name.casefold()), entity, best[1]))
        ranked.sort(key=lambda item: item[0])
        self.beginResetModel()
        self._rows = [(entity, alias) for _, entity, alias in ranked]
        self.endResetModel()

    def entity(self, row: int) -> Entity | None:
        return self._rows[row][0] if 0 <= row < len(self._rows) else None

    def row_of(self, entity_id: str) -> int:
        return next((i for i, (entity, _) in enumerate(self._rows) if entity.id == entity_id), -1)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entity, alias = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{entity.name}  ({alias})" if alias else entity.name
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(entity.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{entity.name} — {KIND_NAMES[entity.kind]}"]
            if entity.title:
                lines.append(entity.title)
            if entity.aliases:
                lines.append("Also known as " + ", ".join(entity.aliases))
            lines.append(f"id: {entity.id}")
            return "\n".join(lines)
        if role == ItemRole:
            return entity
        return None


class EntityPicker(QWidget):
    """A search field over a short list of entities; the current row is the choice."""

    entity_changed = Signal(object)  # Entity | None

    def __init__(self, rows: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EntityListModel(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Find by name or alias")
        self.search.setClearButtonEnabled(True)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        row_height = max(self.list.fontMetrics().height() + 6, 22)
        self.list.setFixedHeight(row_height * rows + 2 * self.list.frameWidth() + 2)
        self.empty = QLabel(self.list.viewport())
        self.empty.setWordWrap(True)
        self.empty.setMargin(8)
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.setFocusProxy(self.search)
        self.search.installEventFilter(self)

        self.search.textChanged.connect(self._on_search_text_changed)
        self.list.selectionModel().currentChanged.connect(self._on_list_current_changed)

    def set_entities(self, entities: Sequence[Entity], preferred: Sequence[str] = ()) -> None:
        chosen = self.entity()
        self.model.set_entities(entities, preferred)
        self._restore(chosen.id if chosen else None)

    def entity(self) -> Entity | None:
        return self.model.entity(self.list.currentIndex().row()) if self.list.currentIndex().isValid() else None

    def select(self, entity_id: str | None) -> None:
        row = self.model.row_of(entity_id) if entity_id else -1
        if row < 0:
            self.list.setCurrentIndex(QModelIndex())
            self.list.clearSelection()
            self.entity_changed.emit(None)
            return
        index = self.model.index(row, 0)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    def set_empty_text(self, text: str) -> None:
        self.empty.setText(text)
        self.empty.resize(self.list.viewport().width(), self.empty.sizeHint().height())

    def _restore(self, entity_id: str | None) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)
        if empty:
            self.empty.resize(self.list.viewport().width(), self.empty.sizeHint().height())
        if entity_id is not None and self.model.row_of(entity_id) >= 0:
            self.select(entity_id)
        elif self.search.text().strip() and not empty:
            self.select(self.model.entity(0).id)  # type: ignore[union-attr]
        else:
            self.select(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up and Down in the search field move through the list, as in a completer popup.
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step is not None and self.model.rowCount():
                row = self.list.currentIndex().row() + step if self.list.currentIndex().isValid() else 0
                row = max(0, min(self.model.rowCount() - 1, row))
                self.list.setCurrentIndex(self.model.index(row, 0))
                return True
        return super().eventFilter(watched, event)

    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        chosen = self.entity()
        self.model.set_filter(text)
        self._restore(chosen.id if chosen else None)

    @Slot(QModelIndex, QModelIndex)
    def _on_list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.entity_changed.emit(self.model.entity(current.row()) if current.isValid() else None)
