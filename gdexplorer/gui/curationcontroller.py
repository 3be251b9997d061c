"""Curating from the window: context menus, the fact dialog, saving through the core, Undo, citations.

``CurationController`` saves through the open corpus's ``Explorer`` and a one-thread pool
that runs its edits (each one validated with the real loader and written atomically by the core;
that takes a few hundred milliseconds, too long for the UI thread). One edit runs at a time; its
answer is ``curated`` (the window shows the new state at once, then refreshes the index) or an
error shown in the dialog, which stays open so nothing typed is lost.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractScrollArea, QMenu, QWidget

from gdexplorer.errors import AnnotationError
from gdexplorer.gui.edits import (
    CreateEntity,
    Curated,
    CurationEdit,
    DeleteFact,
    DeleteRelation,
    Undo,
    apply_edit,
    describe,
    sentence_around,
    subject_of,
    trim_span,
)
from gdexplorer.gui.links import FactLink
from gdexplorer.gui.pages import ArticlePage, describe_failure
from gdexplorer.gui.widgets.articleview import ArticleView
from gdexplorer.gui.widgets.detailpane import DetailPane
from gdexplorer.gui.workers import Task, TaskRunner, Ticket
from gdexplorer.model import Entity, Suggestion

if TYPE_CHECKING:
    # Imported where used, after the window's first paint: the core (Whoosh, YAML) comes with a corpus,
    # the fact dialog with its first opening.
    from gdexplorer.explorer import Explorer
    from gdexplorer.gui.widgets.factdialog import FactDialog, Source

log = logging.getLogger(__name__)

# A selection this short (in words) may be a name to annotate as a new entity.
NAME_WORDS = 6


class CurationController(TaskRunner):
    """Turns the user's curation gestures into core edits, one at a time, with Undo."""

    curated = Signal(object)  # Curated
    message = Signal(str)  # for the status bar

    def __init__(self, article_view: ArticleView, detail: DetailPane, parent: QWidget) -> None:
        super().__init__("curation", parent)
        # Not kept as an attribute: a window <-> controller reference cycle would leave the window to
        # Python's cycle collector, which may run on a worker thread and delete widgets there.
        self.article_view = article_view
        self.detail = detail
        self._explorer: Explorer | None = None
        self._entities: tuple[Entity, ...] = ()
        self._names: frozenset[str] = frozenset()
        self._done: list[tuple[CurationEdit, int, str]] = []  # edit, file changes it made, its label
        self._running: tuple[CurationEdit, str, FactDialog | None] | None = None
        self.dialog: FactDialog | None = None

        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.add_fact_action = QAction("Add &Fact from the Selection…", self)
        self.add_fact_action.setShortcut(QKeySequence("Ctrl+E"))
        self.add_fact_action.setToolTip("Quote the selected words in a new fact (Ctrl+E)")
        self.annotate_action = QAction("&Annotate the Selection as a New Entity…", self)
        self.copy_citation_action = QAction("Copy &Citation", self)
        self.copy_citation_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        for action in (self.undo_action, self.add_fact_action, self.copy_citation_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.undo_action.triggered.connect(self.undo)
        self.add_fact_action.triggered.connect(self._on_add_fact_action_triggered)
        self.annotate_action.triggered.connect(self._on_annotate_action_triggered)
        self.copy_citation_action.triggered.connect(self._on_copy_citation_action_triggered)
        for view in (article_view, detail):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.article_view.customContextMenuRequested.connect(self._on_article_view_custom_context_menu_requested)
        self.detail.customContextMenuRequested.connect(self._on_detail_custom_context_menu_requested)
        self.article_view.selectionChanged.connect(self._update_actions)
        self.article_view.hit_changed.connect(self._on_article_view_hit_changed)  # a page was shown
        self._update_actions()

    # -- state -------------------------------------------------------------------------------

    def set_explorer(self, explorer: Explorer | None) -> None:
        """A corpus was opened (or is opening: None). Undo does not reach back past this."""
        self._generation += 1
        self._explorer = explorer
        if explorer is not None:
            explorer.forget_undo()
        self._done.clear()
        self._running = None
        if self.dialog is not None:
            self.dialog.reject()
        self._update_actions()

    def set_entities(self, entities: tuple[Entity, ...]) -> None:
        """The entities as the window shows them (for the dialog's pickers)."""
        self._entities = tuple(entities)
        # Every name and alias, folded: asked on each selection change, so a set, not a scan.
        self._names = frozenset(_fold(name) for entity in self._entities for name in (*entity.names, entity.id))

    @property
    def busy(self) -> bool:
        return self._running is not None

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    def _annotations_label(self) -> str:
        if self._explorer is None:
            return "annotations"
        return self._explorer.display_path(self._explorer.annotations_dir)

    def _display(self, path: Path) -> str:
        return self._explorer.display_path(path) if self._explorer is not None else str(path)

    def _entity(self, entity_id: str) -> Entity | None:
        return next((e for e in self._entities if e.id == entity_id), None)

    # -- the article viewer ------------------------------------------------------------------

    def passage(self) -> tuple[int, int] | None:
        """The selected words of the open article as a range of its text, blanks trimmed."""
        page = self.article_view.page
        span = self.article_view.selected_span()
        if page is None or span is None:
            return None
        start, end = trim_span(page.article.text, *span)
        return (start, end) if start < end else None

    def selected_name(self) -> str | None:
        """The selection when it looks like a name that is not an entity yet."""
        span = self.passage()
        page = self.article_view.page
        if span is None or page is None or self._explorer is None:
            return None
        text = page.article.text[span[0]:span[1]]
        words = text.split()
        if not 0 < len(words) <= NAME_WORDS or "\n" in text.strip():
            return None
        first = text[0]
        caseless = first.isalpha() and not first.isascii() and not first.islower()  # CJK, for one
        if not (first.isupper() or first.isdigit() or caseless):
            return None  # a name starts with a capital (in a script that has them)
        name = " ".join(words).strip(".,;:!?\"'()\u201c\u201d\u2018\u2019")
        if not name or _fold(name) in self._names:
            return None
        return name

    def article_menu(self, pos: QPoint) -> QMenu:
        """The article viewer's context menu: Copy, Select All, then the curation actions."""
        self._update_actions()
        menu = self.article_view.createStandardContextMenu(pos)
        menu.addSeparator()
        menu.addAction(self.add_fact_action)
        if self.annotate_action.isEnabled():
            menu.addAction(self.annotate_action)
        menu.addAction(self.copy_citation_action)
        original = self.original_file()
        if original is not None:
            menu.addSeparator()
            # A message or archive member has no file of its own: its container opens instead.
            inside = original.name != self.article_view.page.article.info.id.rsplit("/", 1)[-1]  # type: ignore[union-attr]
            action = menu.addAction(f"Open {original.name}" if inside else "Open Original")
            action.setToolTip(f"Open {original} in its application")
            action.triggered.connect(self.open_original)
        return menu

    def original_file(self) -> Path | None:
        """The file the open article was read from (an archive or mailbox for what is inside one)."""
        page = self.article_view.page
        if page is None or self._explorer is None:
            return None
        return self._explorer.article_file(page.article.info.id)

    def open_original(self) -> bool:
        """Open the article's file in the system's application for it (a PDF viewer, Word...)."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        path = self.original_file()
        return path is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def add_fact(self) -> FactDialog | None:
        """Open the dialog for the selected passage of the open article."""
        from gdexplorer.gui.widgets.factdialog import FactDialog

        page = self.article_view.page
        span = self.passage()
        if page is None or span is None or not self._ready():
            return None
        start, end = span
        inside = [r.entity_id for r in page.refs if r.start < end and start < r.end]
        preferred = list(dict.fromkeys([*inside, *(e.id for e in page.entities)]))
        shown = self.detail.page.entity.id if self.detail.page is not None else None
        subject = inside[0] if inside else (shown if shown in preferred else None)
        others = [i for i in dict.fromkeys(inside) if i != subject]
        dialog = FactDialog.for_passage(self._window(), _source(page), page.article.text[start:end], self._entities,
                                        self._annotations_label(), preferred, subject,
                                        others[0] if others else None)
        return self._open(dialog)

    @Slot(object)
    def annotate(self, suggestion: Suggestion) -> FactDialog | None:
        """Open the dialog for a suggested name: a new entity, quoting the sentence it is in."""
        from gdexplorer.gui.widgets.factdialog import FactDialog

        page = self.article_view.page
        if page is None or not self._ready():
            return None
        text = page.article.text
        start = suggestion.start
        end = start + len(suggestion.text)
        if text[start:end] != suggestion.text:  # the page changed since the suggestion was made
            found = text.find(suggestion.text)
            if found < 0:
                return None
            start, end = found, found + len(suggestion.text)
        left, right = sentence_around(text, start, end)
        dialog = FactDialog.for_new_entity(self._window(), _source(page), text[left:right], self._entities,
                                           self._annotations_label(), suggestion.text)
        return self._open(dialog)

    def annotate_selection(self) -> FactDialog | None:
        page = self.article_view.page
        span = self.passage()
        name = self.selected_name()
        if page is None or span is None or name is None:
            return None
        return self.annotate(Suggestion(page.article.text[span[0]:span[1]], 1, span[0]))

    def copy_passage_citation(self) -> str:
        """Put the citation of the selected passage (or of the article) on the clipboard."""
        page = self.article_view.page
        if page is None or self._explorer is None:
            return ""
        span = self.passage()
        cite = self._explorer
        text = cite.article_citation(page.article, *span) if span else cite.citation(page.article.info)
        self._copy(text, "Copied the citation of the selected words" if span else "Copied the article's citation")
        return text

    # -- the detail pane ---------------------------------------------------------------------

    def detail_menu(self, pos: QPoint) -> QMenu:
        """The detail pane's context menu; over a fact or relation, what can be done to it."""
        menu = self.detail.createStandardContextMenu(pos)
        link = self.detail.item_at(pos)
        if link is not None:
            menu.addSeparator()
            if link.item == "fact":
                menu.addAction("Edit Fact…").triggered.connect(
                    lambda: self.act(FactLink(link.entity_id, link.item, link.index, "edit")))
                menu.addAction("Delete Fact").triggered.connect(
                    lambda: self.act(FactLink(link.entity_id, link.item, link.index, "delete")))
            else:
                menu.addAction("Delete Relation").triggered.connect(
                    lambda: self.act(FactLink(link.entity_id, link.item, link.index, "delete")))
            menu.addAction("Copy Citation").triggered.connect(
                lambda: self.act(FactLink(link.entity_id, link.item, link.index, "cite")))
        return menu

    @Slot(object)
    def act(self, link: FactLink) -> FactDialog | str | None:
        """Edit, delete or cite the fact or relation a link of the detail pane points at."""
        page = self.detail.page
        if page is None or page.entity.id != link.entity_id:
            return None
        entity = page.entity
        items = entity.facts if link.item == "fact" else entity.relations
        if not 0 <= link.index < len(items):
            return None
        item = items[link.index]
        if link.action == "cite":
            info = page.article_titles.get(item.article)
            if info is None or self._explorer is None:
                self.message.emit(f"Cannot cite: the article {item.article} is missing")
                return None
            text = self._explorer.citation(info, item.quote)
            self._copy(text, "Copied the citation")
            return text
        if not self._ready():
            return None
        if link.action == "delete":
            edit = DeleteFact(entity.id, item) if link.item == "fact" else DeleteRelation(entity.id, item)
            self.run(edit)
            return None
        if link.action == "edit" and link.item == "fact":
            open_page = self.article_view.page
            text = open_page.article.text if open_page is not None and open_page.article.info.id == item.article \
                else None
            info = page.article_titles.get(item.article)
            from gdexplorer.gui.widgets.factdialog import FactDialog, Source

            source = Source(item.article, info.title if info is not None else "", text)
            return self._open(FactDialog.for_edit(self._window(), source, entity, link.index, self._entities,
                                                  self._annotations_label()))
        return None

    # -- running edits -----------------------------------------------------------------------

    @Slot()
    def undo(self) -> None:
        if not self._done or not self._ready():
            return
        edit, steps, label = self._done[-1]
        self.run(Undo(edit, steps), label)

    def run(self, edit: CurationEdit, label: str | None = None, dialog: FactDialog | None = None) -> bool:
        """Save an edit in the background; False when another is still being saved."""
        if self._explorer is None or self._running is not None:
            return False
        if label is None:
            subject = self._entity(subject_of(edit))
            name = edit.entity.name if isinstance(edit, CreateEntity) else \
                subject.name if subject is not None else subject_of(edit)
            label = describe(edit, name)
        self._running = (edit, label, dialog)
        self._update_actions()
        task = Task(Ticket(self._generation), apply_edit, self._explorer, edit)
        self._submit(task, self._on_edit_task_finished, self._on_edit_task_failed)
        return True

    def _ready(self) -> bool:
        if self._explorer is None:
            return False
        if self._running is not None:
            self.message.emit("Still saving the last change…")
            return False
        return True

    def _open(self, dialog: FactDialog) -> FactDialog:
        if self.dialog is not None:
            self.dialog.reject()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.save_requested.connect(self._on_dialog_save_requested)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_dialog_save_requested(self, edit: CurationEdit) -> None:
        from gdexplorer.gui.widgets.factdialog import FactDialog

        dialog = self.sender()
        if not self.run(edit, None, dialog if isinstance(dialog, FactDialog) else None) and \
                isinstance(dialog, FactDialog):
            dialog.show_error("The last change is still being saved; try again in a moment.")

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        if self.sender() is self.dialog:
            self.dialog = None

    @Slot(object, object)
    def _on_edit_task_finished(self, ticket: Ticket, curated: Curated) -> None:
        self._forget()
        running, self._running = self._running, None
        if ticket.generation != self._generation or running is None:
            return
        edit, label, dialog = running
        if isinstance(edit, Undo):
            self._done.pop()
            files = ", ".join(dict.fromkeys(self._display(c.path) for c in curated.changes))
            self.message.emit(f"Undone: {label} ({files})")
        else:
            self._done.append((edit, len(curated.changes), label))
            files = ", ".join(dict.fromkeys(self._display(c.path) for c in curated.changes))
            keys = self.undo_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            self.message.emit(f"{label}: saved to {files} — {keys} undoes it")
        if dialog is not None:
            dialog.accept()
        self._update_actions()
        self.curated.emit(curated)

    @Slot(object, object)
    def _on_edit_task_failed(self, ticket: Ticket, error: Exception) -> None:
        self._forget()
        running, self._running = self._running, None
        if ticket.generation != self._generation or running is None:
            return
        edit, label, dialog = running
        message = describe_failure(error)
        if not isinstance(error, AnnotationError):
            message = f"Not saved: {message}"
        if isinstance(edit, Undo) and isinstance(error, AnnotationError) and self._explorer is not None:
            # The file was changed by someone else since: this edit (and those before) cannot be
            # taken back safely any more.
            self._done.clear()
            self._explorer.forget_undo()
            message = f"Cannot undo “{label}”: {message}"
        if dialog is not None:
            dialog.show_error(message)
        else:
            self.message.emit(message)
        self._update_actions()

    # -- actions -----------------------------------------------------------------------------

    @Slot()
    def _update_actions(self) -> None:
        ready = self._explorer is not None and self._running is None
        if self._done:
            self.undo_action.setText(f"&Undo {self._done[-1][2]}")
        else:
            self.undo_action.setText("&Undo")
        self.undo_action.setEnabled(ready and bool(self._done))
        has_passage = self.passage() is not None
        self.add_fact_action.setEnabled(ready and has_passage)
        name = self.selected_name() if has_passage else None
        self.annotate_action.setEnabled(ready and name is not None)
        self.annotate_action.setText(f"&Annotate “{_short(name)}” as a New Entity…" if name else
                                     "&Annotate the Selected Name as a New Entity…")
        self.copy_citation_action.setEnabled(self.article_view.page is not None)
        self.copy_citation_action.setText("Copy &Citation of the Selection" if has_passage else
                                          "Copy &Citation of the Article")

    @Slot(QPoint)
    def _on_article_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.article_menu(pos)
        menu.exec(self.article_view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    @Slot(QPoint)
    def _on_detail_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.detail_menu(pos)
        menu.exec(self.detail.viewport().mapToGlobal(pos))
        menu.deleteLater()

    @Slot(int, int)
    def _on_article_view_hit_changed(self, _current: int, _total: int) -> None:
        self._update_actions()

    @Slot()
    def _on_add_fact_action_triggered(self) -> None:
        self.add_fact()

    @Slot()
    def _on_annotate_action_triggered(self) -> None:
        self.annotate_selection()

    @Slot()
    def _on_copy_citation_action_triggered(self) -> None:
        self.copy_passage_citation()

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.message.emit(what)


def _source(page: ArticlePage) -> Source:
    from gdexplorer.gui.widgets.factdialog import Source

    return Source(page.article.info.id, page.article.info.title, page.article.text)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def restore_scroll(view: QAbstractScrollArea, value: int) -> None:
    """Put a re-rendered view back where the reader was (again after its lazy layout)."""
    view.verticalScrollBar().setValue(value)
    QTimer.singleShot(0, view, lambda: view.verticalScrollBar().setValue(value))
