"""Showing changes: the window's answer to a saved edit or to files changed on disk.

``ChangesController`` shows a saved edit's entity at once and asks the session to refresh (the
index catches up behind); after a refresh, or an outside edit the watcher noticed, it reloads the
open article and entity where the reader was (scroll position, and the selection when the text is
unchanged). What belongs to the window (the entity list, the problems, the results) it asks for
with signals. It keeps no reference to the window (see ``CurationController``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from gdexplorer.gui.curationcontroller import CurationController, restore_scroll
from gdexplorer.gui.edits import Curated
from gdexplorer.gui.explorecontroller import ExploreController
from gdexplorer.gui.pages import ArticlePage, EntityPage, Refreshed
from gdexplorer.gui.session import ExplorerSession
from gdexplorer.gui.watcher import CorpusWatcher
from gdexplorer.gui.widgets.articleview import ArticleView
from gdexplorer.gui.widgets.detailpane import DETAIL_HINT, DetailPane
from gdexplorer.gui.widgets.indexstatus import IndexStatus


class ChangesController(QObject):
    """Brings what the window shows up to date after a saved edit or an outside change."""

    entities_changed = Signal(object)  # tuple[Entity, ...]: the annotations as they are now
    problems_changed = Signal(object)  # tuple[Problem, ...]
    entity_requested = Signal(str)  # show this entity (the one an edit created or changed)
    results_stale = Signal()  # articles were indexed again: search again

    def __init__(self, session: ExplorerSession, watcher: CorpusWatcher, curation: CurationController,
                 explore: ExploreController, article_view: ArticleView, detail: DetailPane,
                 index_status: IndexStatus, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.explore = explore
        self.article_view = article_view
        self.detail = detail
        self.index_status = index_status
        self.watcher = watcher
        # A page being reloaded after a change, to keep the reader's place: (id, scroll value) and,
        # for the article, its text and the selection (kept when the text is unchanged).
        self._keep_article_scroll: tuple[str, int, tuple[int, int] | None, str] | None = None
        self._keep_detail_scroll: tuple[str, int] | None = None
        curation.curated.connect(self._on_curation_curated)
        watcher.changed.connect(self._on_watcher_changed)
        session.corpus_refreshed.connect(self._on_session_corpus_refreshed)

    def forget(self) -> None:
        """Another corpus is opening: no page is being reloaded."""
        self._keep_article_scroll = self._keep_detail_scroll = None

    @Slot(object)
    def show_article(self, page: ArticlePage) -> None:
        """Show a loaded article (a reloaded one where the reader was), and watch its file for outside edits."""
        keep, self._keep_article_scroll = self._keep_article_scroll, None
        self.article_view.show_page(page)
        explorer = self.session.explorer
        if explorer is not None and (path := explorer.article_file(page.article.info.id)) is not None:
            self.watcher.watch_article(path)
        if keep is not None and keep[0] == page.article.info.id:
            if keep[2] is not None and keep[3] == page.article.text:
                self.article_view.select_span(*keep[2])
            restore_scroll(self.article_view, keep[1])

    @Slot(object)
    def show_entity(self, page: EntityPage) -> None:
        """Show a loaded entity; a reloaded one where the reader was."""
        keep, self._keep_detail_scroll = self._keep_detail_scroll, None
        self.detail.show_page(page)
        if keep is not None and keep[0] == page.entity.id:
            restore_scroll(self.detail, keep[1])

    def _reload_article(self) -> None:
        """Show the open article again (new names linked, outside edits), where the reader was."""
        page = self.article_view.page
        if page is not None:
            self._keep_article_scroll = (page.article.info.id, self.article_view.verticalScrollBar().value(),
                                         self.article_view.selected_span(), page.article.text)
            self.session.load_article(page.location)

    @Slot(object)
    def _on_curation_curated(self, curated: Curated) -> None:
        """A saved edit: its entity is shown as it is now at once; the index catches up behind."""
        self.entities_changed.emit(curated.entities)
        self.problems_changed.emit(curated.problems)
        shown = self.detail.page.entity.id if self.detail.page is not None else None
        # A page loaded before this save (for an earlier refresh) must not replace the one it made.
        self.session.drop_entity_loads()
        self._keep_detail_scroll = None
        if curated.page is None:
            if shown == curated.entity_id:
                self.detail.show_placeholder(DETAIL_HINT)
        elif shown == curated.entity_id:
            value = self.detail.verticalScrollBar().value()
            self.detail.show_page(curated.page)
            restore_scroll(self.detail, value)
        else:
            self.entity_requested.emit(curated.entity_id)
            self.detail.show_page(curated.page)
        self.explore.network_changed()
        self._reload_article()
        self.session.refresh()

    @Slot()
    def _on_watcher_changed(self) -> None:
        self.session.refresh()

    @Slot(object)
    def _on_session_corpus_refreshed(self, refreshed: Refreshed) -> None:
        """Something changed on disk (outside edits, or our own saves): update what is on screen."""
        report = refreshed.report
        if not report.changed:
            return
        if report.annotations_changed:
            self.entities_changed.emit(refreshed.entities)
        self.problems_changed.emit(refreshed.problems)
        self.index_status.show_finished(report.index)
        if report.index.added or report.index.updated or report.index.deleted:
            self.results_stale.emit()  # re-runs the results (or the newest list) as they are now
        self._reload_article()
        if self.detail.page is not None:
            self._keep_detail_scroll = (self.detail.page.entity.id, self.detail.verticalScrollBar().value())
            self.session.load_entity(self.detail.page.entity.id)
        self.explore.network_changed()
