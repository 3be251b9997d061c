"""The workbench in the window: the open article's star, tags and note, and saved searches.

Edits go through the ``CurationController`` (one edit at a time, on its worker thread, and the
same Undo as facts). The Saved Searches menu shows how many new matches each has since it was
last opened; those counts are searches, so they are made on a thread of this controller's own
after the corpus opens and after every saved change, and the menu shows the last answer.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QWidget

from gdexplorer.gui.curationcontroller import CurationController
from gdexplorer.gui.edits import Curated, MarkArticle, OpenSearch, SaveSearch
from gdexplorer.gui.explorepages import clauses
from gdexplorer.gui.history import SearchLocation
from gdexplorer.gui.widgets.workbenchbar import WorkbenchBar
from gdexplorer.gui.workers import Task, TaskRunner, Ticket

if TYPE_CHECKING:
    from gdexplorer.explorer import Explorer
    from gdexplorer.gui.pages import ArticlePage
    from gdexplorer.gui.searchcontroller import SearchController
    from gdexplorer.model import SavedSearch

log = logging.getLogger(__name__)

_WORKBENCH_FIELD = re.compile(r"\b(?:tag|starred|note):")


def count_new(explorer: Explorer, stop: threading.Event | None = None) -> tuple[tuple[SavedSearch, int], ...]:
    """Every saved search with its number of new matches (runs each: off the UI thread). Once
    ``stop`` is set, the searches not yet run are left out: the window is closing."""
    found = []
    for search in explorer.saved_searches():
        if stop is not None and stop.is_set():
            break
        try:
            found.append((search, len(explorer.new_matches(search.name))))
        except Exception:  # a saved query the index cannot answer now is listed without a count
            log.warning("cannot count the new matches of saved search %r", search.name, exc_info=True)
            found.append((search, -1))
    return tuple(found)


def window_query(search: SavedSearch) -> str:
    """The saved search as one query for the search field (its filters ANDed to it)."""
    if not search.filters:
        return search.query
    query = f"({search.query})" if search.query else ""
    return " ".join([query, *search.filters]).strip()


class WorkbenchController(TaskRunner):
    """Saves the bar's marks, offers Save Search… and the Saved Searches menu."""

    message = Signal(str)
    counts_changed = Signal()  # the Saved Searches menu's "N new" were counted again
    marks_changed = Signal()  # a star, tag or note was saved (or undone): facet counts are stale

    def __init__(self, bar: WorkbenchBar, curation: CurationController, searching: SearchController,
                 parent: QWidget) -> None:
        super().__init__("workbench", parent)
        self.bar = bar
        self.curation = curation
        self.searching = searching
        self._explorer: Explorer | None = None
        self._article: str | None = None
        self.counts: tuple[tuple[SavedSearch, int], ...] = ()
        self._stop = threading.Event()  # set on shutdown: a count in progress ends after its current search
        self.dialog: QInputDialog | None = None
        self.save_search_action = QAction("&Save Search…", self)
        self.save_search_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_search_action.setToolTip("Keep this query, its filters and its order under a name")
        self.saved_menu = QMenu("Saved Searc&hes", parent)
        self.saved_menu.setObjectName("savedSearchesMenu")
        self._rebuild_menu()
        self.save_search_action.triggered.connect(self.ask_search_name)
        bar.star_toggled.connect(self._on_bar_star_toggled)
        bar.tags_edited.connect(self._on_bar_tags_edited)
        bar.note_edited.connect(self._on_bar_note_edited)
        curation.curated.connect(self._on_curation_curated)

    # -- the corpus and the article ----------------------------------------------------------

    def set_explorer(self, explorer: Explorer | None) -> None:
        self._generation += 1
        self._explorer = explorer
        self._article = None
        self.bar.show_marks(None)
        self.counts = ()
        self._rebuild_menu()
        if explorer is not None:
            self.count_again()

    @Slot(object)
    def show_article(self, page: ArticlePage) -> None:
        self._article = page.article.info.id
        self._show_marks()

    def _show_marks(self) -> None:
        explorer = self._explorer
        # The marks are in memory (read with the annotations): a lookup, not a file read.
        self.bar.show_marks(explorer.marks(self._article) if explorer is not None and self._article else None)

    @Slot(object)
    def refreshed(self, _what: object = None) -> None:
        """Files changed on disk or the index caught up: the marks and counts as they are now."""
        self._show_marks()
        self.count_again()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        self._stop.set()
        return super().shutdown(timeout_ms)

    # -- saved searches ----------------------------------------------------------------------

    def count_again(self) -> None:
        if self._explorer is None or not self._explorer.index_ready():
            return
        task = Task(Ticket(self._generation), count_new, self._explorer, self._stop)
        self._submit(task, self._on_count_task_finished, self._on_count_task_failed)

    @Slot(object, object)
    def _on_count_task_finished(self, ticket: Ticket, counts: tuple[tuple[SavedSearch, int], ...]) -> None:
        self._forget()
        if ticket.generation != self._generation:
            return
        self.counts = counts
        self._rebuild_menu()
        self.counts_changed.emit()

    @Slot(object, object)
    def _on_count_task_failed(self, ticket: Ticket, error: Exception) -> None:
        self._forget()
        log.warning("cannot count the saved searches' new matches: %s", error)

    def _rebuild_menu(self) -> None:
        menu = self.saved_menu
        menu.clear()
        menu.addAction(self.save_search_action)
        self.save_search_action.setEnabled(self._explorer is not None)
        if not self.counts:
            menu.addSeparator()
            none = menu.addAction("No saved searches yet")
            none.setEnabled(False)
            return
        menu.addSeparator()
        for search, new in self.counts:
            label = search.name.replace("&", "&&")
            if new > 0:
                label += f"  ({new} new)"
            action = menu.addAction(label)
            action.setData(search.name)
            action.setToolTip(window_query(search))
            action.triggered.connect(self._on_saved_action_triggered)

    def saved_action(self, name: str) -> QAction | None:
        return next((a for a in self.saved_menu.actions() if a.data() == name), None)

    @Slot()
    def ask_search_name(self) -> QInputDialog | None:
        """Save Search…: ask for a name (not modal: the window stays usable while it is open)."""
        query = self.searching.explore.query
        if self._explorer is None:
            return None
        if not query and not self.searching.explore.filters:
            self.message.emit("Search for something first, then save the search")
            return None
        dialog = QInputDialog(self.bar.window())
        dialog.setWindowTitle("Save Search")
        dialog.setLabelText(f"Save “{query}” as:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(query[:60])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.save_current_search)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot(str)
    def save_current_search(self, name: str) -> None:
        self.dialog = None
        if not name.strip():
            self.message.emit("Not saved: a saved search needs a name")
            return
        explore = self.searching.explore
        edit = SaveSearch(" ".join(name.split()), explore.query, clauses(explore.filters),
                          self.searching.results.sort_key)
        self._run(edit)

    def open_saved(self, name: str) -> None:
        """Show a saved search's results, and record it as opened (its matches are seen now)."""
        search = next((s for s, _ in self.counts if s.name == name), None)
        if search is None or self._explorer is None:
            return
        self.searching.restore(SearchLocation(window_query(search), search.sort))
        self._run(OpenSearch(name))

    @Slot()
    def _on_saved_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.open_saved(str(action.data()))

    # -- marks -------------------------------------------------------------------------------

    def _marks_saved(self) -> None:
        """Stars and tags are Refine counts, and may be what the results are filtered by."""
        explore = self.searching.explore
        self.searching.session.forget_facets()
        if any(_WORKBENCH_FIELD.search(c) for c in (explore.query, *clauses(explore.filters))):
            self.searching.refresh()  # the results themselves change
        else:
            # Not a new search: that would be a new place in Back/Forward for every star.
            explore.count_facets(False)

    @Slot(bool)
    def _on_bar_star_toggled(self, starred: bool) -> None:
        if self._article is not None:
            self._run(MarkArticle(self._article, starred=starred))

    @Slot(object, object)
    def _on_bar_tags_edited(self, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
        if self._article is not None:
            self._run(MarkArticle(self._article, add_tags=added, remove_tags=removed))

    @Slot(str)
    def _on_bar_note_edited(self, note: str) -> None:
        if self._article is not None:
            self._run(MarkArticle(self._article, note=note))

    def _run(self, edit: MarkArticle | SaveSearch | OpenSearch) -> None:
        if not self.curation.run(edit):
            self.message.emit("Still saving the last change…")
            self._show_marks()  # the bar shows what is saved, not the click that was not

    @Slot(object)
    def _on_curation_curated(self, curated: Curated) -> None:
        """Any saved change (ours, an undo, a fact): show the marks as saved and count again."""
        self._show_marks()
        if isinstance(curated.edit, MarkArticle) or isinstance(getattr(curated.edit, "edit", None), MarkArticle):
            self._marks_saved()
            self.marks_changed.emit()
        if isinstance(curated.edit, OpenSearch):
            n = len(curated.new)
            self.message.emit(f"“{curated.edit.name}”: {n} new match{'es' if n != 1 else ''} since last opened")
        self.count_again()
