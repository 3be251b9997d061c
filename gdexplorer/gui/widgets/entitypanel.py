"""The entity sidebar: entities grouped by type, a name/alias filter, and an "in this article" scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from gdexplorer.gui.itemmodels import EntityFilterProxy, EntityTreeModel, item_at

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.model import Entity


class EntityPanel(QWidget):
    """Emits ``entity_activated`` for a click or Enter on an entity row."""

    entity_activated = Signal(str)
    search_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EntityTreeModel(self)
        self.proxy = EntityFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._article_entities: frozenset[str] | None = None
        self._shown_scope: frozenset[str] | None = None
        self._scope_applied = False  # set_only/expand done for the current entities

        self.filter = QLineEdit(self)
        self.filter.setObjectName("entityFilter")
        self.filter.setPlaceholderText("Filter by name or alias")
        self.filter.setClearButtonEnabled(True)
        self.all_button = QToolButton(self)
        self.all_button.setObjectName("entityScopeAll")
        self.all_button.setText("All")
        self.article_button = QToolButton(self)
        self.article_button.setObjectName("entityScopeArticle")
        self.article_button.setText("In this article")
        self.article_button.setToolTip("Only the entities the open article mentions")
        self.scope = QButtonGroup(self)
        for button in (self.all_button, self.article_button):
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.scope.addButton(button)
        self.all_button.setChecked(True)
        self.article_button.setEnabled(False)

        self.tree = QTreeView(self)
        self.tree.setObjectName("entityView")
        self.tree.setAccessibleName("Entities")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.setFrameShape(QTreeView.Shape.NoFrame)
        # "Guangdong Provincial De…" began several rows: the middle goes, the distinct end stays (full name: tooltip).
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Fixed: ResizeToContents measures every row again on each change, which stalls the UI.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        metrics = self.tree.fontMetrics()
        header.resizeSection(1, max(metrics.horizontalAdvance("Articles"), metrics.horizontalAdvance("88,888")) + 28)

        top = QHBoxLayout()
        top.setContentsMargins(8, 6, 8, 2)
        top.setSpacing(2)
        top.addWidget(self.all_button)
        top.addWidget(self.article_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        filter_row = QHBoxLayout()
        filter_row.setContentsMargins(8, 6, 8, 0)
        filter_row.addWidget(self.filter)
        layout.addLayout(filter_row)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)

        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.scope.buttonToggled.connect(self._on_scope_button_toggled)
        self.tree.clicked.connect(self._on_tree_activated)
        self.tree.activated.connect(self._on_tree_activated)
        self.tree.customContextMenuRequested.connect(self._on_tree_custom_context_menu_requested)

    # -- content -----------------------------------------------------------------------------

    def set_entities(self, entities: tuple[Entity, ...] | list[Entity]) -> None:
        self.model.set_entities(entities)
        self._expand()
        self._scope_applied = False  # new rows: the next scope change must filter again

    def set_counts(self, counts: dict[str, int]) -> None:
        self.model.set_counts(counts)
        if self.proxy.sortColumn() == EntityTreeModel.ARTICLES:
            self.proxy.sort(EntityTreeModel.ARTICLES, self.proxy.sortOrder())

    def set_article_entities(self, ids: frozenset[str] | None) -> None:
        """The open article's entities (None when no article is open)."""
        self._article_entities = ids
        self.article_button.setEnabled(ids is not None)
        if ids is None and self.article_button.isChecked():
            self.all_button.setChecked(True)
        self._apply_scope()

    def show_article_scope(self, on: bool) -> None:
        (self.article_button if on and self.article_button.isEnabled() else self.all_button).setChecked(True)

    def select(self, entity_id: str) -> None:
        """Make an entity the current row (visible), without emitting ``entity_activated``."""
        index = self.proxy.mapFromSource(self.model.index_of(entity_id))
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)
        else:
            self.tree.clearSelection()

    def visible_names(self) -> list[str]:
        """Entity names as shown, top to bottom (for tests and accessibility checks)."""
        names = []
        for group in range(self.proxy.rowCount()):
            parent = self.proxy.index(group, 0)
            names.extend(str(item_at(self.proxy.index(row, 0, parent), Qt.ItemDataRole.DisplayRole))
                         for row in range(self.proxy.rowCount(parent)))
        return names

    def _apply_scope(self) -> None:
        in_article = self.article_button.isChecked() and self._article_entities is not None
        only = self._article_entities if in_article else None
        if only == self._shown_scope and self._scope_applied:
            return  # opening another article while "All" is shown changes nothing: no re-filter
        self._shown_scope = only
        self._scope_applied = True
        self.proxy.set_only(only)
        self._expand()

    # -- slots -------------------------------------------------------------------------------

    @Slot(str)
    def _on_filter_text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._expand()

    def _expand(self) -> None:
        # Only the type rows have children. expandAll() also walks every entity row through the
        # Python models, which doubled the time the window froze when a corpus opened.
        self.tree.expandToDepth(0)

    @Slot(QAbstractButton, bool)
    def _on_scope_button_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._apply_scope()

    @Slot(QModelIndex)
    def _on_tree_activated(self, index: QModelIndex) -> None:
        # The model is imported after the window's first paint (see MainWindow): here, when it is used.
        from gdexplorer.model import Entity

        entity = item_at(index.siblingAtColumn(0))
        if isinstance(entity, Entity):
            self.entity_activated.emit(entity.id)

    @Slot(QPoint)
    def _on_tree_custom_context_menu_requested(self, pos: QPoint) -> None:
        from gdexplorer.model import Entity

        entity = item_at(self.tree.indexAt(pos).siblingAtColumn(0))
        if not isinstance(entity, Entity):
            return
        menu = QMenu(self)
        menu.addAction("Show Details").triggered.connect(lambda: self.entity_activated.emit(entity.id))
        menu.addAction(f"Find Articles Mentioning “{entity.name}”").triggered.connect(
            lambda: self.search_requested.emit(f"entity:{entity.id}"))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
