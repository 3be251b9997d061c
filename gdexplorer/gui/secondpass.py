"""The main window's second pass: the session, the controllers and the hidden widgets, each built
and wired by one step (``MainWindow._second_pass`` lists them in their order).

A part of ``MainWindow`` (a mixin): the attributes these steps read and set are the window's.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from gdexplorer.gui.history import ArticleLocation

if TYPE_CHECKING:
    from gdexplorer.gui.mainwindow import MainWindow

log = logging.getLogger(__name__)

CLOSE_WAIT_MS = 1000


class SecondPass:
    """The steps of the window's second pass; see ``gdexplorer.gui.mainwindow``."""

    def _build_session(self: MainWindow) -> None:
        from gdexplorer.gui.session import ExplorerSession

        session = self.session = ExplorerSession(self)
        self.menus.reindex_action.triggered.connect(session.start_indexing)
        self.index_status.cancel_requested.connect(session.cancel_indexing)
        session.corpus_opened.connect(self._on_session_corpus_opened)
        session.index_started.connect(self.index_status.show_started)
        session.index_progressed.connect(self.index_status.show_progress)
        session.index_finished.connect(self.index_status.show_finished)
        session.index_failed.connect(self.index_status.show_failed)
        session.index_failed.connect(self.status.show_message)
        session.index_lost.connect(self.status.show_message)
        session.article_loaded.connect(self.article.suggestions.show_article)
        session.article_loaded.connect(self.article.show_origin)
        session.article_loaded.connect(self._clear_hover)
        session.entity_loaded.connect(self._clear_hover)
        session.search_finished.connect(self._on_session_search_finished)
        # What Back/Forward would pass over depends on what is shown, which arrives after the visit.
        for shown in (session.article_loaded, session.entity_loaded, session.search_finished):
            shown.connect(self.navigation.update_actions, Qt.ConnectionType.QueuedConnection)

    def _build_overview(self: MainWindow) -> None:
        from gdexplorer.gui.overviewcontroller import OverviewController

        self.overview = OverviewController(self.session, self.menus.recent_menu, self.corpus_status,
                                           self.problems_dock, self.entities, self.detail, self.article.view, self)
        self.overview.message.connect(self.status.show_message)
        self.overview.title_changed.connect(self.setWindowTitle)
        self.overview.article_requested.connect(self.open_article)
        for browser in (self.article.view, self.detail):
            browser.link_hovered.connect(self._on_link_hovered)

    def _build_curation(self: MainWindow) -> None:
        from gdexplorer.gui.curationcontroller import CurationController

        curation = self.curation = CurationController(self.article.view, self.detail, self)
        self.menus.add_curation_actions(curation.undo_action, curation.add_fact_action, curation.annotate_action,
                                        curation.copy_citation_action)
        curation.message.connect(self.status.show_message)
        self.article.suggestions.annotate_requested.connect(curation.annotate)
        self.detail.fact_action_requested.connect(curation.act)

    def _build_exports(self: MainWindow) -> None:
        from gdexplorer.gui.exportcontroller import ExportController
        from gdexplorer.gui.exportworker import Exporter

        self.exporter = Exporter(self.settings, self)
        exports = self.exports = ExportController(self.exporter, self.results, self.detail, self)
        self.menus.add_export_actions(exports.csv_action, exports.json_action, exports.dossier_action)
        self.menus.export_menu.aboutToShow.connect(exports.update_actions)
        exports.message.connect(self.status.show_message)

    def _build_watcher(self: MainWindow) -> None:
        from gdexplorer.gui.watcher import CorpusWatcher

        self.watcher = CorpusWatcher(self)

    def _build_timeline(self: MainWindow) -> None:
        from gdexplorer.gui.widgets.timeline import Timeline

        self.timeline = Timeline(self)
        self.results_column.add_timeline(self.timeline)

    def _build_chips(self: MainWindow) -> None:
        from gdexplorer.gui.widgets.filterchips import FilterChips

        self.chips = FilterChips(self)
        self.chips_action = self.toolbar.add_chips(self.chips)

    def _build_network(self: MainWindow) -> None:
        from gdexplorer.gui.widgets.network import NetworkView

        self.network = NetworkView(self)
        self.detail_tabs.set_network(self.network)
        self.network.entity_requested.connect(self.open_entity)
        self.detail_tabs.currentChanged.connect(self._on_detail_tabs_current_changed)

    def _build_explore(self: MainWindow) -> None:
        from gdexplorer.gui.explorecontroller import ExploreController

        explore = self.explore = ExploreController(self.session, self.search, self.facets, self.chips,
                                                    self.chips_action, self.timeline, self.network, self)
        self.menus.add_view_action(explore.timeline_action)
        explore.article_requested.connect(self.open_article)
        explore.search_requested.connect(self.search_for)
        explore.filters_changed.connect(self._on_explore_filters_changed)

    def _build_searching(self: MainWindow) -> None:
        from gdexplorer.gui.searchcontroller import SearchController

        searching = self.searching = SearchController(self.session, self.search, self.results, self.explore,
                                                       self.navigation, self)
        searching.article_requested.connect(self.open_article)
        self.session.index_finished.connect(searching.index_finished)

    def _build_changes(self: MainWindow) -> None:
        from gdexplorer.gui.changescontroller import ChangesController

        changes = self.changes = ChangesController(self.session, self.watcher, self.curation, self.explore,
                                                    self.article.view, self.detail, self.index_status, self)
        self.session.article_loaded.connect(changes.show_article)
        self.session.entity_loaded.connect(changes.show_entity)
        changes.entities_changed.connect(self.overview.set_entities)
        changes.entities_changed.connect(self.explore.set_entities)
        changes.entities_changed.connect(self.curation.set_entities)
        changes.problems_changed.connect(self.problems_dock.set_problems)
        changes.entity_requested.connect(self.open_entity)
        changes.results_stale.connect(self.searching.refresh)

    def _build_reader_actions(self: MainWindow) -> None:
        from gdexplorer.gui.readeractions import ReaderActions

        reader = self.reader_actions = ReaderActions(self.article.view, self.settings, self)
        self.menus.add_reader_actions(reader.zoom_in_action, reader.zoom_out_action, reader.zoom_reset_action,
                                      reader.print_action, reader.pdf_action)
        reader.message.connect(self.status.show_message)
        self.session.article_loaded.connect(reader.update_actions)
        self.menus.file_menu.aboutToShow.connect(reader.update_actions)

    def _build_workbench(self: MainWindow) -> None:
        from gdexplorer.gui.widgets.workbenchbar import WorkbenchBar
        from gdexplorer.gui.workbenchcontroller import WorkbenchController

        self.workbench_bar = WorkbenchBar(self.article)
        self.article.add_workbench_bar(self.workbench_bar)
        workbench = self.workbench = WorkbenchController(self.workbench_bar, self.curation, self.searching, self)
        self.menus.add_saved_searches(workbench.saved_menu, workbench.save_search_action)
        workbench.message.connect(self.status.show_message)
        self.session.article_loaded.connect(workbench.show_article)
        self.session.corpus_refreshed.connect(workbench.refreshed)
        self.session.index_finished.connect(workbench.refreshed)

    def _build_suggested(self: MainWindow) -> None:
        from gdexplorer.gui.suggestedcontroller import SuggestedController

        suggested = self.suggested = SuggestedController(self.session, self.entities, self.detail_tabs,
                                                         self.curation, self)
        suggested.message.connect(self.status.show_message)
        suggested.article_requested.connect(
            lambda article_id, start, end: self.open_article(ArticleLocation(article_id, focus=(start, end))))
        self.changes.entities_changed.connect(suggested.set_entities)
        # Suggested entities in the facets, the network and "in this article" open like the sidebar's.
        self.facets.suggested_requested.connect(suggested.show)
        self.network.suggested_requested.connect(suggested.show)
        self.article.view.suggested_requested.connect(suggested.show_named)

    def _shut_down_workers(self: MainWindow, built: dict[str, object]) -> None:
        """Stop what the second pass started (only the parts that were built), waiting for saves."""
        if "suggested" in built:
            self.suggested.stop()  # a kill: its cache resumes where it stopped
        if "watcher" in built and not self.watcher.shutdown(CLOSE_WAIT_MS):
            # A walk of the corpus's folders for what to watch: only reads, so not waited for longer.
            log.info("the watcher's walk of the folders was still running when the window closed")
        if "workbench" in built and not self.workbench.shutdown(CLOSE_WAIT_MS):
            # Counting the saved searches' new hits: only reads, so not waited for longer.
            log.info("the saved searches were still being counted when the window closed")
        if "curation" in built and not self.curation.shutdown(CLOSE_WAIT_MS):
            self.curation.wait()  # a save is one atomic write: let it land
        if "exporter" in built and not self.exporter.shutdown(CLOSE_WAIT_MS):
            log.info("waiting for an export to finish before exiting")
            self.exporter.wait()
        if "session" in built and not self.session.shutdown(CLOSE_WAIT_MS):
            # A Whoosh commit cannot be interrupted; leaving it running would kill it mid-write.
            log.warning("waiting for the index to finish saving before exiting")
            self.session.wait()
