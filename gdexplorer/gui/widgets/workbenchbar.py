"""A strip above the article: its star, its tags and its note, each edited in place.

The bar only says what the user asked for (``star_toggled``, ``tags_edited``, ``note_edited``);
the ``WorkbenchController`` saves it through the core and shows the marks as saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QToolButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from gdexplorer.model import ArticleMarks

STARRED = "★"
NOT_STARRED = "☆"


def split_tags(text: str) -> tuple[str, ...]:
    """Tags as typed: separated by commas (a tag may hold spaces), blanks folded, each once."""
    return tuple(dict.fromkeys(t for t in (" ".join(part.split()) for part in text.split(",")) if t))


class WorkbenchBar(QWidget):
    """Star toggle, tag field (comma-separated) and note editor for the open article."""

    star_toggled = Signal(bool)
    tags_edited = Signal(object, object)  # tuple[str, ...] added, tuple[str, ...] removed
    note_edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workbenchBar")
        self.marks: ArticleMarks | None = None
        self.star = QToolButton(self)
        self.star.setObjectName("starButton")
        self.star.setCheckable(True)
        self.star.setAutoRaise(True)
        self.star.setText(NOT_STARRED)
        self.star.setToolTip("Star this article (search starred:yes)")
        self.tags = QLineEdit(self)
        self.tags.setObjectName("tagsField")
        self.tags.setPlaceholderText("Tags, separated by commas")
        self.tags.setToolTip("Free-form tags; Enter saves them (search tag:NAME)")
        self.tags.setClearButtonEnabled(True)
        self.note_button = QToolButton(self)
        self.note_button.setObjectName("noteButton")
        self.note_button.setCheckable(True)
        self.note_button.setAutoRaise(True)
        self.note_button.setText("Note")
        self.note_button.setToolTip("Show the note on this article (search note:WORD)")
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("noteEditor")
        self.note.setPlaceholderText("A note on this article, kept in annotations/workbench.yaml")
        self.note.setMaximumHeight(90)
        self.save_note = QPushButton("Save Note", self)
        self.save_note.setObjectName("saveNoteButton")
        row = QHBoxLayout()
        row.setContentsMargins(8, 2, 8, 2)
        row.addWidget(self.star)
        row.addWidget(self.tags, 1)
        row.addWidget(self.note_button)
        note_row = QHBoxLayout()
        note_row.setContentsMargins(8, 0, 8, 4)
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.save_note, 0, Qt.AlignmentFlag.AlignBottom)
        self._note_area = QWidget(self)
        self._note_area.setLayout(note_row)
        self._note_area.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self._note_area)
        self.setEnabled(False)
        self.star.clicked.connect(self._on_star_clicked)
        self.tags.returnPressed.connect(self._on_tags_return_pressed)
        self.note_button.toggled.connect(self._on_note_button_toggled)
        self.save_note.clicked.connect(self._on_save_note_clicked)

    def show_marks(self, marks: ArticleMarks | None) -> None:
        """The open article's marks as saved (None: no article open)."""
        same_article = self.marks is not None and marks is not None and self.marks.article == marks.article
        self.marks = marks
        self.setEnabled(marks is not None)
        starred = marks is not None and marks.starred
        self.star.setChecked(starred)
        self.star.setText(STARRED if starred else NOT_STARRED)
        self.star.setToolTip("Starred: click to unstar" if starred else "Star this article (search starred:yes)")
        self.tags.setText(", ".join(marks.tags) if marks is not None else "")
        note = marks.note if marks is not None else ""
        if not (same_article and self.note.hasFocus()):
            self.note.setPlainText(note)
        self.note_button.setText("Note ✎" if note else "Note")
        if not same_article:
            self.note_button.setChecked(bool(note))

    @Slot()
    def _on_star_clicked(self) -> None:
        # The button shows what is saved: put back until the save answers (a refused one leaves it so).
        wanted = not (self.marks is not None and self.marks.starred)
        self.star.setChecked(not wanted)
        self.star_toggled.emit(wanted)

    @Slot()
    def _on_tags_return_pressed(self) -> None:
        old = self.marks.tags if self.marks is not None else ()
        new = split_tags(self.tags.text())
        folded_old = {t.casefold() for t in old}
        folded_new = {t.casefold() for t in new}
        added = tuple(t for t in new if t.casefold() not in folded_old)
        removed = tuple(t for t in old if t.casefold() not in folded_new)
        if added or removed:
            self.tags_edited.emit(added, removed)

    @Slot(bool)
    def _on_note_button_toggled(self, on: bool) -> None:
        self._note_area.setVisible(on)

    @Slot()
    def _on_save_note_clicked(self) -> None:
        self.note_edited.emit(self.note.toPlainText())
