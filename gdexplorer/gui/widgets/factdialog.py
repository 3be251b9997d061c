"""The Add/Edit Fact dialog: a quoted passage, the entity it is about, and what it says.

The dialog only gathers an edit (``gdexplorer.gui.edits``) and emits ``save_requested``; the
window runs it through the core, which validates and writes the YAML, and calls ``show_error``
(the dialog stays open, nothing was written) or closes it. So a refused save loses no typing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gdexplorer.explorer import Explorer
from gdexplorer.gui.edits import (
    AddFact,
    AddRelation,
    CreateEntity,
    CurationEdit,
    EditFact,
    entity_id_for,
    valid_entity_id,
)
from gdexplorer.gui.icons import kind_icon
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.entitypicker import KIND_NAMES, EntityPicker
from gdexplorer.gui.widgets.formparts import SentenceEdit, section_label, segmented, show_page
from gdexplorer.model import Entity, EntityKind, NewEntity, NewFact, NewRelation


@dataclass(frozen=True, slots=True)
class Source:
    """The article a fact quotes: its id, headline, and text when it is at hand (for a live check)."""

    article_id: str
    title: str
    text: str | None = None


class FactDialog(QDialog):
    """Add a fact or relation (to an existing or a new entity), or edit a fact.

    Build it with ``for_passage``, ``for_new_entity`` or ``for_edit``.
    """

    save_requested = Signal(object)  # CurationEdit

    EXISTING, NEW = 0, 1
    FACT, RELATION = 0, 1

    def __init__(self, parent: QWidget | None, source: Source, quote: str, entities: Sequence[Entity],
                 annotations_label: str, editing: tuple[Entity, int] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("factDialog")
        self.source = source
        self.editing = editing
        self._entities = list(entities)
        self._ids = frozenset(e.id for e in entities)
        self._annotations_label = annotations_label
        self._id_edited = False
        self._busy = False
        self._finder = Explorer.quote_finder(source.text) if source.text is not None else None
        self.setWindowTitle("Edit Fact" if editing else "Add Fact")
        self.setModal(True)
        self.setMinimumWidth(560)
        marks = marks_for(self.palette())

        # -- the quote --
        self.quote = SentenceEdit(3, self)
        self.quote.setObjectName("quoteEdit")
        self.quote.setPlainText(quote)
        self.quote.setPlaceholderText("The exact words of the article")
        self.quote.setAccessibleName("Quote")
        self.source_label = QLabel(self)
        self.source_label.setObjectName("sourceLabel")
        self.source_label.setTextFormat(Qt.TextFormat.PlainText)
        self.source_label.setWordWrap(True)
        self.quote_status = QLabel(self)
        self.quote_status.setObjectName("quoteStatus")

        # -- the entity --
        self.subject_group, subject_switch = segmented(self, ("Existing entity", "New entity"),
                                                       ("existingEntityButton", "newEntityButton"))
        self.subject = EntityPicker(5, self)
        self.subject.setObjectName("subjectPicker")
        self.subject.search.setAccessibleName("Entity")
        self.subject.set_entities(self._entities)
        self.subject.set_empty_text("No entity has that name. Choose “New entity” above to create it.")
        self.kind = QComboBox(self)
        self.kind.setObjectName("kindCombo")
        self.kind.addItem("Choose a type…", None)
        for kind in EntityKind:
            self.kind.addItem(kind_icon(kind), KIND_NAMES[kind], kind)
        self.name = QLineEdit(self)
        self.name.setObjectName("nameEdit")
        self.name.setPlaceholderText("As the article names it, e.g. Canton Tower")
        self.entity_id = QLineEdit(self)
        self.entity_id.setObjectName("idEdit")
        self.entity_id.setPlaceholderText("lowercase-with-dashes")
        self.aliases = QLineEdit(self)
        self.aliases.setObjectName("aliasesEdit")
        self.aliases.setPlaceholderText("Other names, separated by commas (optional)")
        self.description = QLineEdit(self)
        self.description.setObjectName("descriptionEdit")
        self.description.setPlaceholderText("One line on who or what it is (optional)")
        new_page = QWidget(self)
        new_form = QFormLayout(new_page)
        new_form.setContentsMargins(0, 0, 0, 0)
        new_form.addRow("Type", self.kind)
        new_form.addRow("Name", self.name)
        new_form.addRow("Id", self.entity_id)
        new_form.addRow("Also known as", self.aliases)
        new_form.addRow("Description", self.description)
        self.subject_stack = QStackedWidget(self)
        self.subject_stack.addWidget(self.subject)
        self.subject_stack.addWidget(new_page)
        self.fixed_subject = QLabel(self)
        self.fixed_subject.setObjectName("fixedSubject")

        # -- what it says --
        self.statement_group, statement_switch = segmented(self, ("Fact", "Relation to another entity"),
                                                           ("factButton", "relationButton"))
        self.fact_text = SentenceEdit(2, self)
        self.fact_text.setObjectName("factEdit")
        self.fact_text.setPlaceholderText("What the quote tells about the entity, in a sentence of your own")
        self.fact_text.setAccessibleName("Fact")
        self.predicate = QLineEdit(self)
        self.predicate.setObjectName("predicateEdit")
        self.predicate.setPlaceholderText("e.g. based in, president of, partner of")
        predicates = sorted({r.predicate for e in self._entities for r in e.relations}, key=str.casefold)
        completer = QCompleter(predicates, self.predicate)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.predicate.setCompleter(completer)
        self.target = EntityPicker(4, self)
        self.target.setObjectName("targetPicker")
        self.target.search.setAccessibleName("Related entity")
        self.target.set_entities(self._entities)
        self.target.set_empty_text("No entity has that name; a relation points to an entity that exists.")
        relation_page = QWidget(self)
        relation_form = QFormLayout(relation_page)
        relation_form.setContentsMargins(0, 0, 0, 0)
        relation_form.addRow("Predicate", self.predicate)
        relation_form.addRow("Related entity", self.target)
        fact_page = QWidget(self)  # a page of its own: the stack resizes pages, the edit keeps its height
        fact_layout = QVBoxLayout(fact_page)
        fact_layout.setContentsMargins(0, 0, 0, 0)
        fact_layout.addWidget(self.fact_text)
        self.statement_stack = QStackedWidget(self)
        self.statement_stack.addWidget(fact_page)
        self.statement_stack.addWidget(relation_page)

        # -- the foot --
        self.file_label = QLabel(self)
        self.file_label.setObjectName("fileLabel")
        self.hint = QLabel(self)
        self.hint.setObjectName("hintLabel")
        self.hint.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = QPushButton("Save" if editing else "Add Fact", self)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)

        secondary = marks.secondary.name()
        for label in (self.source_label, self.quote_status, self.file_label, self.hint):
            label.setStyleSheet(f"color:{secondary}")
        self.error.setStyleSheet(f"color:{marks.error.name()}")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(6)
        layout.addWidget(section_label("Quote", self, secondary))
        layout.addWidget(self.quote)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_label, 1)
        source_row.addWidget(self.quote_status, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(source_row)
        layout.addSpacing(8)
        about_row = QHBoxLayout()
        about_row.addWidget(section_label("About", self, secondary))
        about_row.addSpacing(12)
        about_row.addWidget(subject_switch, 1)
        layout.addLayout(about_row)
        layout.addWidget(self.fixed_subject)
        layout.addWidget(self.subject_stack)
        layout.addSpacing(8)
        says_row = QHBoxLayout()
        says_row.addWidget(section_label("Says", self, secondary))
        says_row.addSpacing(12)
        says_row.addWidget(statement_switch, 1)
        layout.addLayout(says_row)
        layout.addWidget(self.statement_stack)
        layout.addSpacing(6)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addWidget(self.error)
        foot = QHBoxLayout()
        info = QVBoxLayout()
        info.setSpacing(0)
        info.addWidget(self.file_label)
        info.addWidget(self.hint)
        foot.addLayout(info, 1)
        foot.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(foot)

        self._subject_switch = subject_switch
        self._statement_switch = statement_switch
        if editing is not None:
            entity, index = editing
            subject_switch.hide()
            self.subject_stack.hide()
            statement_switch.hide()
            self.fixed_subject.setText(f"{entity.name}  ·  {KIND_NAMES[entity.kind]}  ·  fact {index + 1} of "
                                       f"{len(entity.facts)}")
            self.fact_text.setPlainText(entity.facts[index].text)
        else:
            self.fixed_subject.hide()
        self.source_label.setText(f"from “{source.title}” · {source.article_id}" if source.title
                                  else f"from {source.article_id}")

        self.subject_group.idToggled.connect(self._on_subject_group_id_toggled)
        self.statement_group.idToggled.connect(self._on_statement_group_id_toggled)
        self.subject.entity_changed.connect(self._on_any_changed)
        self.target.entity_changed.connect(self._on_any_changed)
        self.kind.currentIndexChanged.connect(self._on_any_changed)
        self.name.textChanged.connect(self._on_name_text_changed)
        self.entity_id.textEdited.connect(self._on_id_text_edited)
        for edit in (self.predicate, self.aliases, self.description):
            edit.textChanged.connect(self._on_any_changed)
        for sentence in (self.quote, self.fact_text):
            sentence.textChanged.connect(self._on_any_changed)
            sentence.submitted.connect(self._on_save_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        show_page(self.subject_stack, self.EXISTING)
        show_page(self.statement_stack, self.FACT)
        self._update()

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def for_passage(cls, parent: QWidget | None, source: Source, quote: str, entities: Sequence[Entity],
                    annotations_label: str, preferred: Sequence[str] = (), subject: str | None = None,
                    target: str | None = None) -> FactDialog:
        """Add a fact quoting ``quote``; ``preferred`` entities (those named in it) come first, and
        ``subject`` (and, for a relation, ``target``) are chosen already."""
        dialog = cls(parent, source, quote, entities, annotations_label)
        dialog.subject.set_entities(entities, preferred)
        dialog.target.set_entities(entities, preferred)
        dialog.subject.select(subject)
        dialog.target.select(target)
        dialog._update()
        # What is left to do: say what the quote tells, or first pick whom it is about.
        (dialog.fact_text if subject is not None else dialog.subject).setFocus()
        return dialog

    @classmethod
    def for_new_entity(cls, parent: QWidget | None, source: Source, quote: str, entities: Sequence[Entity],
                       annotations_label: str, name: str) -> FactDialog:
        """Annotate a name that is not an entity yet: the new-entity form, prefilled."""
        dialog = cls(parent, source, quote, entities, annotations_label)
        dialog.subject_group.button(cls.NEW).setChecked(True)
        dialog.name.setText(name)
        dialog.kind.setFocus()
        return dialog

    @classmethod
    def for_edit(cls, parent: QWidget | None, source: Source, entity: Entity, index: int,
                 entities: Sequence[Entity], annotations_label: str) -> FactDialog:
        fact = entity.facts[index]
        dialog = cls(parent, source, fact.quote, entities, annotations_label, editing=(entity, index))
        dialog.fact_text.moveCursor(QTextCursor.MoveOperation.End)
        dialog.fact_text.setFocus()
        return dialog

    # -- state -------------------------------------------------------------------------------

    @property
    def creating(self) -> bool:
        return self.editing is None and self.subject_group.checkedId() == self.NEW

    @property
    def relation(self) -> bool:
        return self.editing is None and self.statement_group.checkedId() == self.RELATION

    def missing(self) -> str:
        """What still has to be filled in before saving, as a hint; '' when the edit is complete."""
        if not self.quote.text().strip():
            return "Select or type the words the fact quotes."
        if self.editing is None:
            if self.creating:
                if self.kind.currentData() is None:
                    return "Choose the new entity's type."
                if not self.name.text().strip():
                    return "Give the new entity a name."
                entity_id = self.entity_id.text().strip()
                if not valid_entity_id(entity_id):
                    return "The id must be lowercase, without spaces, commas, colons or quotes."
                if entity_id in self._ids:
                    return f"The id '{entity_id}' is taken; choose another."
            elif self.subject.entity() is None:
                return "Choose the entity this is about, or create a new one."
        if self.relation:
            if not self.predicate.text().strip():
                return "Say how they are related (the predicate)."
            target = self.target.entity()
            if target is None:
                return "Choose the related entity."
            if not self.creating and self.subject.entity() is not None and target.id == self.subject.entity().id:
                return "An entity cannot be related to itself."
        elif not self.fact_text.text().strip():
            return "Write the fact, in your own words."
        return ""

    def edit(self) -> CurationEdit:
        """The edit the form describes (call when ``missing()`` is '')."""
        quote = self.quote.text()
        article = self.source.article_id
        if self.editing is not None:
            entity, index = self.editing
            return EditFact(entity.id, entity.facts[index], NewFact(_one_line(self.fact_text.text()), article, quote))
        fact = NewFact(_one_line(self.fact_text.text()), article, quote)
        relation = None
        if self.relation:
            target = self.target.entity()
            assert target is not None
            relation = NewRelation(_one_line(self.predicate.text()), target.id, article, quote)
        if self.creating:
            aliases = tuple(dict.fromkeys(a.strip() for a in self.aliases.text().split(",") if a.strip()))
            entity = NewEntity(self.entity_id.text().strip(), self.kind.currentData(), _one_line(self.name.text()),
                               aliases, _one_line(self.description.text()) or None)
            return CreateEntity(entity, () if relation else (fact,), relation)
        subject = self.subject.entity()
        assert subject is not None
        if relation is not None:
            return AddRelation(subject.id, relation)
        return AddFact(subject.id, fact)

    def target_file(self) -> str:
        """The annotation file the save will change, as the user knows it."""
        if self.editing is not None:
            return _file_of(self.editing[0])
        if self.creating:
            kind = self.kind.currentData()
            return f"{self._annotations_label}/{kind.plural.lower()}.yaml" if kind else ""
        subject = self.subject.entity()
        return _file_of(subject) if subject is not None else ""

    def set_busy(self, busy: bool) -> None:
        """While the core saves: no second click, and the button says what is going on."""
        self._busy = busy
        self.save_button.setText("Saving…" if busy else ("Save" if self.editing else "Add Fact"))
        self._update()

    def show_error(self, message: str) -> None:
        """The core refused the edit; nothing was written. The form stays as the user left it."""
        self.set_busy(False)
        self.error.setText(message)
        self.error.show()

    # -- slots -------------------------------------------------------------------------------

    @Slot(int, bool)
    def _on_subject_group_id_toggled(self, button: int, checked: bool) -> None:
        if checked:
            show_page(self.subject_stack, button)
            (self.name if button == self.NEW else self.subject).setFocus()
            self._update()
            self._fit()

    @Slot(int, bool)
    def _on_statement_group_id_toggled(self, button: int, checked: bool) -> None:
        if checked:
            show_page(self.statement_stack, button)
            (self.predicate if button == self.RELATION else self.fact_text).setFocus()
            self._update()
            self._fit()

    def _fit(self) -> None:
        """Take the height the shown pages need (no gap where a taller hidden page would be)."""
        if self.isVisible():
            self.resize(self.width(), self.sizeHint().height())

    @Slot(str)
    def _on_name_text_changed(self, name: str) -> None:
        if not self._id_edited:
            self.entity_id.setText(entity_id_for(name, self._ids) if name.strip() else "")
        self._update()

    @Slot(str)
    def _on_id_text_edited(self, text: str) -> None:
        self._id_edited = bool(text)
        self._update()

    @Slot()
    def _on_any_changed(self) -> None:
        self.error.hide()
        self._update()

    @Slot()
    def _on_save_clicked(self) -> None:
        if self._busy or self.missing():
            return
        self.error.hide()
        self.set_busy(True)
        self.save_requested.emit(self.edit())

    def _update(self) -> None:
        missing = self.missing()
        self.save_button.setEnabled(not missing and not self._busy)
        self.hint.setText(missing)
        self.hint.setVisible(bool(missing))
        target = self.target_file()
        self.file_label.setText(f"Saves to {target}" if target else "")
        self._update_quote_status()

    def _update_quote_status(self) -> None:
        quote = self.quote.text()
        if self._finder is None or not quote.strip():
            self.quote_status.setText("")
            return
        found = self._finder(quote) is not None
        marks = marks_for(self.palette())
        self.quote_status.setText("✓ in the article" if found else "✗ not in the article")
        color = marks.secondary if found else marks.error
        self.quote_status.setStyleSheet(f"color:{color.name()}")
        self.quote_status.setToolTip("" if found else
                                     "A quote must be the article's exact words (spacing aside); saving will fail.")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _file_of(entity: Entity) -> str:
    return entity.where.path if entity.where is not None else ""
