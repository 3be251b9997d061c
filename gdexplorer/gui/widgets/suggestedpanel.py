"""Suggested entities in the window: the sidebar's list (beside the curated tree, in italics and
marked "suggested") with its All / Curated / Suggested filter, and the pane that shows one
suggestion's type, aliases and sentences with Accept, Merge into… and Reject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from gdexplorer.model import Entity, EntityKind, SuggestedEntity

ROLE = Qt.ItemDataRole.UserRole


class SuggestedFilter(QWidget):
    """All / Curated / Suggested: which entities the sidebar lists."""

    changed = Signal(str)  # "all", "curated" or "suggested"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 8, 0)
        row.setSpacing(2)
        row.addWidget(QLabel("Show:", self))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip in (("all", "All", "Curated and suggested entities"),
                               ("curated", "Curated", "Only the entities in the annotation files"),
                               ("suggested", "Suggested", "Only names the recognizer found that no entity covers")):
            button = QToolButton(self)
            button.setObjectName(f"entityKindFilter_{key}")
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setAutoRaise(True)
            self.group.addButton(button)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        self.buttons["all"].setChecked(True)
        self.group.buttonToggled.connect(self._on_group_button_toggled)

    @property
    def value(self) -> str:
        return next(key for key, b in self.buttons.items() if b.isChecked())

    @Slot(QAbstractButton, bool)
    def _on_group_button_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.changed.emit(self.value)


class SuggestedList(QWidget):
    """The suggestions by type with their article counts; a click emits ``suggestion_activated``."""

    suggestion_activated = Signal(object)  # SuggestedEntity

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._suggestions: list[SuggestedEntity] = []
        self._text = ""
        self.status = QLabel(self)
        self.status.setObjectName("suggestedStatus")
        self.status.setWordWrap(True)
        self.status.setContentsMargins(8, 0, 8, 0)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("suggestedView")
        self.tree.setAccessibleName("Suggested entities")
        self.tree.setHeaderLabels(["Suggested", "Articles"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setFrameShape(QTreeWidget.Shape.NoFrame)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, self.tree.fontMetrics().horizontalAdvance("Articles") + 28)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        self.tree.itemClicked.connect(self._on_tree_item_clicked)
        self.tree.itemActivated.connect(self._on_tree_item_clicked)

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def set_suggestions(self, suggestions: list[SuggestedEntity]) -> None:
        self._suggestions = suggestions
        self._fill()

    def set_text(self, text: str) -> None:
        self._text = text.casefold().strip()
        self._fill()

    def names(self) -> list[str]:
        """The suggested names as shown, top to bottom."""
        return [self.tree.topLevelItem(g).child(r).text(0)
                for g in range(self.tree.topLevelItemCount()) for r in range(self.tree.topLevelItem(g).childCount())]

    def item_of(self, name: str) -> QTreeWidgetItem | None:
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for r in range(group.childCount()):
                if group.child(r).text(0) == name:
                    return group.child(r)
        return None

    def _fill(self) -> None:
        from gdexplorer.model import EntityKind

        self.tree.clear()
        italic = QFont(self.tree.font())
        italic.setItalic(True)
        muted = QBrush(self.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText))
        for kind in EntityKind:
            members = [s for s in self._suggestions if s.kind == kind and
                       (not self._text or any(self._text in n.casefold() for n in s.names))]
            if not members:
                continue
            group = QTreeWidgetItem(self.tree, [f"{kind.plural} (suggested)", str(len(members))])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for s in members:
                item = QTreeWidgetItem(group, [s.name, str(s.articles)])
                item.setData(0, ROLE, s)
                item.setFont(0, italic)
                item.setForeground(0, muted)
                also = f"; also: {', '.join(s.aliases)}" if s.aliases else ""
                item.setToolTip(0, f"Suggested {kind.value}, not curated yet: {s.count} mentions{also}")
        self.tree.expandAll()
        # An empty list gives its room to the curated tree above (at 1024x640 both were three rows
        # high, half of it an empty "Suggested" header); its status line stays.
        empty = self.tree.topLevelItemCount() == 0
        self.tree.setVisible(not empty)
        self.setSizePolicy(QSizePolicy.Policy.Preferred,
                           QSizePolicy.Policy.Maximum if empty else QSizePolicy.Policy.Preferred)

    def _on_tree_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        suggested = item.data(0, ROLE)
        if suggested is not None:
            self.suggestion_activated.emit(suggested)


class SuggestedDetail(QWidget):
    """One suggestion: its type (editable before accepting), aliases, the sentences naming it, and
    what to do with it."""

    accept_requested = Signal(object, object, bool)  # SuggestedEntity, EntityKind, with a fact
    merge_requested = Signal(object, str)  # SuggestedEntity, curated entity id
    reject_requested = Signal(object)  # SuggestedEntity
    sentence_requested = Signal(str, int, int)  # article id, start and end in the article's body

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from gdexplorer.model import EntityKind

        self.suggested: SuggestedEntity | None = None
        self.title = QLabel(self)
        self.title.setObjectName("suggestedTitle")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.kind = QComboBox(self)
        self.kind.setObjectName("suggestedKind")
        for kind in EntityKind:
            self.kind.addItem(kind.value, kind)
        self.with_fact = QCheckBox("Add the first sentence as a quoted fact", self)
        self.with_fact.setObjectName("suggestedWithFact")
        self.accept_button = QPushButton("Accept", self)
        self.accept_button.setObjectName("suggestedAccept")
        self.accept_button.setToolTip("Write it to the annotations as a curated entity (Ctrl+Z undoes it)")
        self.reject_button = QPushButton("Reject", self)
        self.reject_button.setObjectName("suggestedReject")
        self.reject_button.setToolTip("Never suggest it again (kept in the annotations folder)")
        self.merge_target = QComboBox(self)
        self.merge_target.setObjectName("suggestedMergeTarget")
        self.merge_target.setEditable(False)
        self.merge_button = QPushButton("Merge into…", self)
        self.merge_button.setObjectName("suggestedMerge")
        self.merge_button.setToolTip("Add this name as an alias of the chosen curated entity")
        self.sentences = QListWidget(self)
        self.sentences.setObjectName("suggestedSentences")
        self.sentences.setWordWrap(True)
        self.sentences.setToolTip("Click a sentence to open the article on it")

        kind_row = QHBoxLayout()
        kind_row.addWidget(QLabel("Type:", self))
        kind_row.addWidget(self.kind, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.accept_button)
        actions.addWidget(self.reject_button)
        actions.addStretch(1)
        merge_row = QHBoxLayout()
        merge_row.addWidget(self.merge_button)
        merge_row.addWidget(self.merge_target, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addLayout(kind_row)
        layout.addWidget(self.with_fact)
        layout.addLayout(actions)
        layout.addLayout(merge_row)
        layout.addWidget(QLabel("Sentences that name it:", self))
        layout.addWidget(self.sentences, 1)

        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        self.reject_button.clicked.connect(self._on_reject_button_clicked)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.sentences.itemClicked.connect(self._on_sentences_item_clicked)
        self.show_suggested(None)

    def set_entities(self, entities: tuple[Entity, ...] | list[Entity]) -> None:
        current = self.merge_target.currentData()
        self.merge_target.clear()
        for entity in sorted(entities, key=lambda e: e.name.casefold()):
            self.merge_target.addItem(f"{entity.name} ({entity.kind.value})", entity.id)
        at = self.merge_target.findData(current)
        if at >= 0:
            self.merge_target.setCurrentIndex(at)

    def show_suggested(self, suggested: SuggestedEntity | None) -> None:
        self.suggested = suggested
        for w in (self.accept_button, self.reject_button, self.merge_button, self.kind, self.with_fact):
            w.setEnabled(suggested is not None)
        self.sentences.clear()
        if suggested is None:
            self.title.setText("No suggestion selected")
            self.note.setText("Pick a suggested entity in the sidebar to review it.")
            return
        self.title.setText(f"{suggested.name}  (suggested)")
        also = f"Also written: {', '.join(suggested.aliases)}. " if suggested.aliases else ""
        self.note.setText(f"{also}{suggested.count} mentions in {suggested.articles} "
                          f"article{'s' if suggested.articles != 1 else ''}; not curated yet.")
        self.kind.setCurrentIndex(self.kind.findData(suggested.kind))
        seen: set[tuple[str, int]] = set()
        for m in suggested.mentions:
            if (m.article, m.sentence_start) in seen:
                continue  # one row per sentence, however often it names it
            seen.add((m.article, m.sentence_start))
            item = QListWidgetItem(f"{m.sentence}\n— {m.article}", self.sentences)
            item.setData(ROLE, (m.article, m.sentence_start, m.sentence_start + len(m.sentence)))

    @Slot()
    def _on_accept_button_clicked(self) -> None:
        if self.suggested is not None:
            kind: EntityKind = self.kind.currentData()
            self.accept_requested.emit(self.suggested, kind, self.with_fact.isChecked())

    @Slot()
    def _on_reject_button_clicked(self) -> None:
        if self.suggested is not None:
            self.reject_requested.emit(self.suggested)

    @Slot()
    def _on_merge_button_clicked(self) -> None:
        target = self.merge_target.currentData()
        if self.suggested is not None and target:
            self.merge_requested.emit(self.suggested, str(target))

    @Slot(QListWidgetItem)
    def _on_sentences_item_clicked(self, item: QListWidgetItem) -> None:
        article, start, end = item.data(ROLE)
        self.sentence_requested.emit(article, start, end)
