"""Searching from the window: the search field and the results column.

``SearchController`` turns typing, Enter, the sort order and scrolling into numbered session
searches (the session drops stale answers), shows the answers, and shows the newest articles when
there is no query (or why there is nothing to search: the corpus is opening, or cannot be opened).
A search-as-you-type answer cut short is followed by the full search once typing pauses
(``SETTLE_MS``); a search made while the index is still being built runs again when it is done.
The query and the filters are the ``ExploreController``'s (its counts follow them). It keeps no
reference to the window (see ``CurationController``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from gdexplorer.gui.explorecontroller import ExploreController
from gdexplorer.gui.explorepages import clauses
from gdexplorer.gui.history import ArticleLocation, SearchLocation
from gdexplorer.gui.navigationcontroller import NavigationController
from gdexplorer.gui.pages import CorpusStats
from gdexplorer.gui.session import ExplorerSession
from gdexplorer.gui.sessionrequests import SearchFailure, SearchOutcome
from gdexplorer.gui.widgets.resultspane import ResultsPane
from gdexplorer.gui.widgets.searchfield import SearchField
from gdexplorer.model import Hit, SearchResult

# A search-as-you-type answer cut short is followed by the full search once typing pauses this long.
SETTLE_MS = 400


class SearchController(QObject):
    """Searches as you type, shows the results, and re-runs them when the index has caught up."""

    article_requested = Signal(object)  # ArticleLocation: a result was opened

    def __init__(self, session: ExplorerSession, field: SearchField, results: ResultsPane,
                 explore: ExploreController, navigation: NavigationController, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.field = field
        self.results = results
        self.explore = explore
        self.navigation = navigation
        self._keystroke = False  # the current query came from typing (search-as-you-type semantics)
        self._typing = False  # the latest search came from a keystroke (not a click, Enter or a filter)
        self._rerun_when_indexed = False
        self._corpus_open = False
        self._index_ready = False
        self._articles: int | None = None  # in the corpus, once counted
        self._open_first = False  # Enter in the field: open the first result once it is listed
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.session.search_finished.connect(self._on_session_search_finished)
        self.session.search_failed.connect(self._on_session_search_failed)
        self.session.newest_loaded.connect(self._on_session_newest_loaded)
        self.session.stats_changed.connect(self._on_session_stats_changed)
        self.session.corpus_failed.connect(self._on_session_corpus_failed)
        self.field.query_edited.connect(self._on_field_query_edited)
        self.field.query_submitted.connect(self._on_field_query_submitted)
        self.field.results_focus_requested.connect(self._on_field_results_focus_requested)
        self.results.hit_activated.connect(self._on_results_hit_activated)
        self.results.sort_changed.connect(self._on_results_sort_changed)
        self.results.model.more_requested.connect(self._on_results_more_requested)
        self.explore.filters_changed.connect(self._on_explore_filters_changed)
        self.explore.counts_cut_short.connect(self._settle_later)
        self._settle.timeout.connect(self._on_settle_timeout)

    # -- the corpus --------------------------------------------------------------------------

    def reset(self) -> None:
        """Another corpus is opening: no query, nothing to re-run."""
        self.results.clear()
        self.results.show_message("Opening…", "", "")
        self.explore.query = ""
        self._rerun_when_indexed = False
        self._corpus_open = False
        self._index_ready = False
        self._articles = None
        self._keystroke = False
        self._open_first = False
        self._settle.stop()
        self.field.setPlaceholderText("Search articles")  # the last corpus's count is not this one's

    def start(self, index_ready: bool) -> None:
        """The corpus is open: search for what was typed meanwhile, or show the newest articles."""
        self._corpus_open = True
        self._index_ready = index_ready
        typed = self.field.text().strip()
        if typed:
            self.run(typed)
        else:
            self._show_start()

    def index_finished(self) -> None:
        """The index is up to date: re-run a search made while it was being built."""
        if self._corpus_open:
            self._index_ready = True
        query = self.explore.query
        if (query or self.explore.filters) and self._rerun_when_indexed:
            self._rerun_when_indexed = False
            self.run(query)
        elif not query and not self.explore.filters:
            self._show_start()

    # -- searching ---------------------------------------------------------------------------

    def search_for(self, query: str) -> None:
        """Put a query in the field and search for it now (as Enter would)."""
        self.field.set_query(query)
        self._submit(query)

    def restore(self, location: SearchLocation) -> None:
        """Search again as a location from the history did."""
        self.field.set_query(location.query)
        self.results.set_sort_key(location.sort)
        self._keystroke = False
        self.explore.set_filters(location.filters)
        self.run(location.query)

    def refresh(self) -> None:
        """Run the current search again (the results, or the newest list, as they are now)."""
        self.run(self.explore.query)

    def run(self, query: str) -> None:
        self.explore.query = query
        self._settle.stop()
        self._open_first = False  # set again by Enter, after this
        self._typing = False  # set again by the caller when the search came from a keystroke
        filters = self.explore.filters
        if not query and not filters:
            self.results.set_error("")
            self._show_start()
            return
        self.session.search(query, self.results.sort_key, clauses(filters), self._keystroke and bool(query))
        self.navigation.visit(SearchLocation(query, self.results.sort_key, filters))
        self.explore.facets.show_counting()

    def _show_start(self) -> None:
        """What the results column shows with no query: the newest articles, or a prompt."""
        self.session.drop_searches()
        if not self._corpus_open:
            return
        self.results.show_message("Search the corpus", "Type a few words above; results appear as you type.")
        if self.session.explorer is not None and not self._first_index_build():
            self.session.load_newest()
            self._count_facets()  # of the whole corpus

    def _first_index_build(self) -> bool:
        return self._corpus_open and not self._index_ready and self.session.indexing

    def _count_facets(self) -> None:
        self.explore.count_facets(self._keystroke and bool(self.explore.query))

    @Slot()
    def _settle_later(self) -> None:
        """A keystroke's answer was cut short: the full one once typing pauses, at once otherwise."""
        self._settle.start(SETTLE_MS if self._typing else 0)

    # -- session slots -----------------------------------------------------------------------

    @Slot(object)
    def _on_session_search_finished(self, outcome: SearchOutcome) -> None:
        if outcome.while_indexing:
            self._rerun_when_indexed = True
        if outcome.offset:
            self.results.append_result(outcome.result)
            return
        partial = outcome.keystroke and outcome.result.partial
        if partial:
            # Cut short: the full answer (and its counts) once typing pauses, at once otherwise.
            self._settle_later()
            if not outcome.result.total:
                return  # "≈ 0 results" would only flash: keep the last list until the full answer
        elif outcome.keystroke and not outcome.result.total:
            # Complete but empty: the answer after the pause adds "Did you mean …?", which the
            # fast one leaves out (looking for near words costs more than a keystroke may).
            self._settle_later()
        self.results.show_result(self.explore.query, outcome.result, outcome.result.took_ms,
                                 outcome.while_indexing)
        if not partial:
            self._count_facets()
            if self._open_first and outcome.result.hits:
                self._open_first = False
                self.results.view.setCurrentIndex(self.results.model.index(0, 0))
                self._on_results_hit_activated(outcome.result.hits[0])

    @Slot(object)
    def _on_session_search_failed(self, failure: SearchFailure) -> None:
        if failure.bad_query:
            # The last query's results under this one's error would be read as its answer.
            self.results.show_message("No results", "Correct the query above to search again.")
            self.results.set_error(failure.message)
            self.explore.facets.stop_counting()
        elif self.session.indexing or self.session.explorer is None:
            self._rerun_when_indexed = True
            self.results.show_message("Building the index",
                                      "Results will appear as soon as the first articles are indexed.")
        else:
            self.results.show_message("The search failed", html.escape(failure.message))

    @Slot(object)
    def _on_session_stats_changed(self, stats: CorpusStats) -> None:
        self._articles = stats.articles
        self.field.setPlaceholderText(f"Search {stats.articles:,} articles   (Ctrl+L)")

    @Slot(str)
    def _on_session_corpus_failed(self, _message: str) -> None:
        self.results.show_message("No corpus", "Open a corpus folder with File ▸ Open Corpus…")

    @Slot(object)
    def _on_session_newest_loaded(self, result: SearchResult | None) -> None:
        if self.explore.query:
            return
        if result is not None:
            self.results.show_newest(result)
        elif self._articles is not None:
            self.results.show_message(
                f"Search {self._articles:,} articles",
                "Type a few words above; results appear as you type.")

    # -- widget slots ------------------------------------------------------------------------

    @Slot(str)
    def _on_field_query_edited(self, query: str) -> None:
        self._keystroke = True
        self.run(query)
        self._typing = True

    @Slot(str)
    def _on_field_query_submitted(self, query: str) -> None:
        # Enter (or a recent search chosen): the hint promises the first result opens.
        self._submit(query)
        self._open_first = bool(query or self.explore.filters)

    def _submit(self, query: str) -> None:
        self.field.remember(query)
        self._keystroke = False
        self.run(query)

    @Slot()
    def _on_field_results_focus_requested(self) -> None:
        if self.results.model.rowCount():
            self.results.view.setFocus()
            if not self.results.view.currentIndex().isValid():
                self.results.view.setCurrentIndex(self.results.model.index(0, 0))

    @Slot(object)
    def _on_results_hit_activated(self, hit: Hit) -> None:
        query = self.explore.query
        if query:
            self.field.remember(query)
        location = ArticleLocation(hit.info.id, hit.info.title, query, self.results.model.terms)
        if location != self.navigation.history.current:
            self.article_requested.emit(location)

    @Slot(str)
    def _on_results_sort_changed(self, sort: str) -> None:
        if self.explore.query or self.explore.filters:
            self.refresh()

    @Slot(int)
    def _on_results_more_requested(self, offset: int) -> None:
        query, filters = self.explore.query, self.explore.filters
        if query or filters:
            self.session.fetch_more(query, self.results.sort_key, offset, clauses(filters),
                                    self._keystroke and bool(query))

    @Slot()
    def _on_explore_filters_changed(self) -> None:
        self.refresh()

    @Slot()
    def _on_settle_timeout(self) -> None:
        if self._keystroke and (self.explore.query or self.explore.filters):
            self._keystroke = False
            self.refresh()
