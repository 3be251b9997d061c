"""The main window: composes the widgets and controllers, and wires them.

Layout: a toolbar with Back/Forward and the search field; below it the results column, the article
reader, and the entity list over the entity's Details and Network tabs; the Refine and Problems
docks; the status bar. All core calls go through ``ExplorerSession`` (off the UI thread).

The window opens corpora, articles and entities, and routes links to them; the controllers do the
rest: ``OverviewController`` (the corpus's counts, problems, entity list, welcome page),
``SearchController`` (typing, results), ``ExploreController`` (facets, chips, timeline, network),
``NavigationController`` (Back/Forward), ``CurationController`` (the fact dialog, Undo, citations),
``ChangesController`` (saved edits, outside changes), ``ExportController`` (File ▸ Export).

The window is built in two passes, so that it appears sooner. The constructor builds what its first
paint shows and wires it (``_connect_signals``). After that paint, the steps of ``_second_pass``
(in ``gdexplorer.gui.secondpass``) build the session, the controllers and the hidden widgets, a step
per event-loop pass in the order of the list, so that the window never freezes for long: each builds
its part from those before it, puts it in its place and connects it. Opening a corpus finishes the
second pass at once, and what a user can do sooner (type, press Enter, open a menu) runs it through
the part it needs. The panes' sizes and saved state are ``gdexplorer.gui.windowlayout``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QWidget

from gdexplorer.gui.history import ArticleLocation, EntityLocation, Location, SearchLocation
from gdexplorer.gui.icons import app_icon
from gdexplorer.gui.links import ArticleLink
from gdexplorer.gui.navigationcontroller import NavigationController
from gdexplorer.gui.secondpass import SecondPass
from gdexplorer.gui.staged import FirstPaint, Stages, preload
from gdexplorer.gui.widgets.articlepane import MIN_READER_WIDTH, ArticlePane
from gdexplorer.gui.widgets.corpusstatus import CorpusStatus
from gdexplorer.gui.widgets.detailpane import DETAIL_HINT, DetailPane
from gdexplorer.gui.widgets.detailtabs import DetailTabs
from gdexplorer.gui.widgets.entitypanel import EntityPanel
from gdexplorer.gui.widgets.facetspanel import FacetsPanel
from gdexplorer.gui.widgets.indexstatus import IndexStatus
from gdexplorer.gui.widgets.menubar import MenuBar
from gdexplorer.gui.widgets.navigationbar import NavigationBar
from gdexplorer.gui.widgets.problemsbutton import ProblemsButton
from gdexplorer.gui.widgets.problemsdock import ProblemsDock
from gdexplorer.gui.widgets.problemspanel import ProblemsPanel
from gdexplorer.gui.widgets.refinedock import RefineDock
from gdexplorer.gui.widgets.resultscolumn import ResultsColumn
from gdexplorer.gui.widgets.resultspane import ResultsPane
from gdexplorer.gui.widgets.searchfield import SearchField
from gdexplorer.gui.widgets.statusbar import StatusBar
from gdexplorer.gui.windowlayout import RESULTS_MIN_WIDTH, SIDE_MIN_WIDTH, WindowLayout

if TYPE_CHECKING:
    from gdexplorer.gui.changescontroller import ChangesController
    from gdexplorer.gui.curationcontroller import CurationController
    from gdexplorer.gui.explorecontroller import ExploreController
    from gdexplorer.gui.explorepages import Filter
    from gdexplorer.gui.exportcontroller import ExportController
    from gdexplorer.gui.exportworker import Exporter
    from gdexplorer.gui.overviewcontroller import OverviewController
    from gdexplorer.gui.pages import OpenedCorpus
    from gdexplorer.gui.readeractions import ReaderActions
    from gdexplorer.gui.searchcontroller import SearchController
    from gdexplorer.gui.session import ExplorerSession
    from gdexplorer.gui.sessionrequests import SearchOutcome
    from gdexplorer.gui.watcher import CorpusWatcher
    from gdexplorer.gui.widgets.filterchips import FilterChips
    from gdexplorer.gui.widgets.network import NetworkView
    from gdexplorer.gui.widgets.timeline import Timeline


FACETS_WIDTH = 215


class MainWindow(SecondPass, WindowLayout, QMainWindow):
    """One corpus at a time; ``open_corpus`` switches."""

    # The second pass's parts, in the order _second_pass builds them: absent until their step has run.
    session: ExplorerSession
    overview: OverviewController
    curation: CurationController
    exporter: Exporter
    exports: ExportController
    watcher: CorpusWatcher
    timeline: Timeline
    chips: FilterChips
    chips_action: QAction
    network: NetworkView
    explore: ExploreController
    searching: SearchController
    changes: ChangesController
    reader_actions: ReaderActions

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.corpus: Path | None = None
        self.annotations: Path | None = None
        self._closing = False
        self._hover_text = ""  # the status bar's description of the link under the pointer
        self._check_open_article = False  # the filters changed: does the open article still match?
        self._refine_stepped_aside = False  # hidden by a narrow window, not by the user
        self._narrow = False
        self._narrow_sizes: tuple[list[int], list[int]] | None = None  # the splitters' before the Network tab
        self._default_sizes = True  # no saved splitter sizes: share the first width out in proportion
        self._first_paint = FirstPaint(self)

        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self.setWindowTitle("gdexplorer")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.navigation = NavigationController(self)
        self.search = SearchField(self)
        self.results = ResultsPane(self)
        self.article = ArticlePane(self)
        self.entities = EntityPanel(self)
        self.detail = DetailPane(self)
        self.problems = ProblemsPanel(self)
        self.problems_dock = ProblemsDock(self.problems, self)
        self.facets = FacetsPanel(self)
        self.facets_dock = RefineDock(self.facets, self)
        self.corpus_status = CorpusStatus(self)
        self.index_status = IndexStatus(self)
        self.problems_button = ProblemsButton(self)
        self._create_layout()
        self.menus = MenuBar(settings, self.navigation, self.facets_dock, self.problems_dock, self)
        self.setMenuBar(self.menus)

        self._stages = Stages(self, self._second_pass())
        self._connect_signals()
        self._restore_settings()
        self.navigation.update_actions()
        self.detail.show_placeholder(DETAIL_HINT)

    def _create_layout(self) -> None:
        self.toolbar = NavigationBar(self.navigation, self.search, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.side_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.side_splitter.setObjectName("sideSplitter")
        self.side_splitter.addWidget(self.entities)
        self.detail_tabs = DetailTabs(self.detail, self)
        self.side_splitter.addWidget(self.detail_tabs)
        self.side_splitter.setSizes([330, 420])
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.results_column = ResultsColumn(self.results, self)
        self.main_splitter.addWidget(self.results_column)
        self.main_splitter.addWidget(self.article)
        self.main_splitter.addWidget(self.side_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setStretchFactor(2, 0)
        # What is left of 1280 pixels beside the Refine panel.
        self.main_splitter.setSizes([350, 405, 310])
        self.results_column.setMinimumWidth(RESULTS_MIN_WIDTH)
        self.side_splitter.setMinimumWidth(SIDE_MIN_WIDTH)
        for splitter in (self.main_splitter, self.side_splitter):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(1)
        self.setCentralWidget(self.main_splitter)

        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.facets_dock)
        self.resizeDocks([self.facets_dock], [FACETS_WIDTH], Qt.Orientation.Horizontal)
        self.status = StatusBar(self.problems_button, self.index_status, self.corpus_status, self)
        self.setStatusBar(self.status)

    def _connect_signals(self) -> None:
        # The first pass's widgets and actions. Their slots reach the second pass's parts only with a corpus
        # open, which needs them all; what a user can do sooner runs the second pass through what it needs.
        stages = self._stages
        stages.on_demand(self.search.query_edited, self._build_searching)
        stages.on_demand(self.search.query_submitted, self._build_searching)
        self.results.search_suggested.connect(self.search_for)
        for browser in (self.article.view, self.detail):
            browser.entity_requested.connect(self.open_entity)
            browser.article_requested.connect(self._on_link_article_requested)
            browser.search_requested.connect(self.search_for)
        self.entities.entity_activated.connect(self.open_entity)
        self.entities.search_requested.connect(self.search_for)
        self.problems_dock.counted.connect(self.problems_button.set_counts)
        self.problems_button.clicked.connect(self.problems_dock.toggle)
        self.navigation.location_requested.connect(self._on_navigation_location_requested)
        self.navigation.is_shown = self._is_shown
        self._first_paint.done.connect(self._on_first_paint_done)

        menus = self.menus
        menus.corpus_requested.connect(self.open_corpus)
        menus.quit_action.triggered.connect(self.close)
        menus.find_action.triggered.connect(self.search.take_focus)
        menus.next_hit_action.triggered.connect(self.article.view.next_hit)
        menus.previous_hit_action.triggered.connect(self.article.view.previous_hit)
        stages.on_demand(menus.edit_menu.aboutToShow, self._build_curation)  # the menus show every action
        stages.on_demand(menus.view_menu.aboutToShow, self._build_explore)
        stages.on_demand(menus.export_menu.aboutToShow, self._build_exports)

    # -- the second pass ---------------------------------------------------------------------

    @property
    def built(self) -> bool:
        """Whether the second pass (session, controllers, hidden widgets) is done."""
        return self._stages.done

    def after_building(self, callback: Callable[[], None]) -> None:
        """Call this once the window is finished (after its first paint): at once if it is."""
        self._stages.after(callback)

    def finish_building(self) -> None:
        """Build the rest of the second pass now, if it is not built yet (it imports most of the GUI's modules)."""
        self._stages.finish()

    def _second_pass(self) -> list[Callable[[], None]]:
        """The second pass's steps in their order: each costs a few to ~30 ms of imports and building."""
        return [
            lambda: preload("gdexplorer.model", "gdexplorer.gui.pages"),
            lambda: preload("gdexplorer.gui.workers", "gdexplorer.gui.edits"),
            lambda: preload("gdexplorer.gui.indexbuild"),
            self._build_session,
            self._build_overview,
            self._build_curation,
            self._build_exports,
            self._build_watcher,
            self._build_timeline,
            self._build_chips,
            self._build_network,
            self._build_explore,
            self._build_searching,
            self._build_changes,
            self._build_reader_actions,
            self._build_workbench,
            self._build_suggested,
            self.menus.set_open_icon,
        ]

    @Slot(int)
    def _on_detail_tabs_current_changed(self, _index: int) -> None:
        """The Network tab opens wide (its labels were cut in a 310 px column); Details gives the room back."""
        if self.detail_tabs.currentWidget() is self.network:
            self._narrow_sizes = (self.main_splitter.sizes(), self.side_splitter.sizes())
            main = self.main_splitter.sizes()
            total = sum(main)
            wanted = max(main[2], round(total * 0.45))
            reader = max(MIN_READER_WIDTH, main[1] - (wanted - main[2]))
            results = max(RESULTS_MIN_WIDTH, total - reader - wanted)
            self.main_splitter.setSizes([results, reader, total - results - reader])
            side = self.side_splitter.sizes()
            self.side_splitter.setSizes([min(side[0], 160), sum(side) - min(side[0], 160)])
        elif self._narrow_sizes is not None:
            main, side = self._narrow_sizes
            self._narrow_sizes = None
            self.main_splitter.setSizes(main)
            self.side_splitter.setSizes(side)

    # -- opening and showing -----------------------------------------------------------------

    def open_corpus(self, corpus: Path, annotations: Path | None = None) -> None:
        """Open a corpus folder (and optionally another folder's annotations) in the background."""
        self.finish_building()  # a corpus is shown by every part
        first = self.corpus is None
        if not first:
            self.search.save_history(self.settings, self.corpus)
        self.corpus = Path(corpus)
        self.annotations = Path(annotations) if annotations else None
        self.menus.set_corpus(self.corpus, self.annotations)
        self.overview.reset(self.corpus, self.annotations)
        self.explore.set_entities(())
        self.explore.reset()
        self.searching.reset()
        self.navigation.clear()
        self.search.restore_history(self.settings, self.corpus)
        if not first:
            # A query typed while the first corpus opened is searched once it is open (SearchController.start);
            # another corpus's query is not carried over.
            self.search.set_query("")
        self.index_status.clear()
        self.curation.set_explorer(None)
        self.workbench.set_explorer(None)
        self.exporter.set_explorer(None)
        self.watcher.watch(None)
        self.article.suggestions.clear()
        self.changes.forget()
        self.suggested.reset()
        self.session.open(self.corpus, self.annotations)

    def last_corpus(self) -> tuple[Path, Path | None] | None:
        """The most recent corpus that still exists."""
        return self.menus.recent_menu.last()

    def search_for(self, query: str) -> None:
        """Put a query in the field and search for it now (as Enter would)."""
        self.searching.search_for(query)

    def open_article(self, location: ArticleLocation) -> None:
        self.navigation.visit(location)
        self.session.load_article(location)

    def open_entity(self, entity_id: str) -> None:
        entity = self.overview.entity(entity_id)
        self.navigation.visit(EntityLocation(entity_id, entity.name if entity else ""))
        self.entities.select(entity_id)
        self.session.load_entity(entity_id)
        self.explore.show_network_of(entity_id)

    @property
    def filters(self) -> tuple[Filter, ...]:
        return self.explore.filters

    def set_filters(self, filters: tuple[Filter, ...]) -> None:
        """Restrict the results to these facet choices and search again."""
        self.explore.set_filters(filters)
        self.searching.refresh()

    @Slot(object)
    def _on_session_corpus_opened(self, opened: OpenedCorpus) -> None:
        # The overview shows it; the parts that work on the corpus get its explorer.
        self.explore.set_entities(opened.entities)
        self.curation.set_explorer(opened.explorer)
        self.workbench.set_explorer(opened.explorer)
        self.curation.set_entities(opened.entities)
        self.exporter.set_explorer(opened.explorer)
        self.watcher.watch(opened.explorer)
        self.searching.start(opened.index_ready)

    # -- widget slots ------------------------------------------------------------------------

    @Slot(object)
    def _on_navigation_location_requested(self, location: Location) -> None:
        """Show a location from the history (Back, Forward); the controller does not record it again."""
        if isinstance(location, SearchLocation):
            self.searching.restore(location)
        elif isinstance(location, ArticleLocation):
            if location.query != self.explore.query:
                self.search.set_query(location.query)
                self.searching.run(location.query)
            self.open_article(location)
        else:
            self.open_entity(location.entity_id)

    def _is_shown(self, location: Location) -> bool:
        """Whether the window already shows this place (Back and Forward pass over it)."""
        if not self.built:
            return False
        if isinstance(location, SearchLocation):
            return (location.query, location.filters, location.sort) == \
                (self.explore.query, self.explore.filters, self.results.sort_key)
        if isinstance(location, ArticleLocation):
            page = self.article.view.page
            return page is not None and page.location == location
        page = self.detail.page
        return page is not None and page.entity.id == location.entity_id

    @Slot(object)
    def _on_link_article_requested(self, link: ArticleLink) -> None:
        title = ""
        page = self.detail.page
        if page is not None:
            info = page.article_titles.get(link.article_id) or next(
                (i for i in page.mentions if i.id == link.article_id), None)
            title = info.title if info is not None else ""
        query, terms = self.explore.query, self.results.model.terms
        self.open_article(ArticleLocation(link.article_id, title, query, terms, link.focus))

    @Slot(str)
    def _on_link_hovered(self, href: str) -> None:
        self._hover_text = self.overview.describe_link(href)
        self.status.showMessage(self._hover_text)  # an empty message clears it

    def _clear_hover(self) -> None:
        # The link under the pointer went with the page it was on; another message stays.
        if self._hover_text and self.status.currentMessage() == self._hover_text:
            self.status.clearMessage()
        self._hover_text = ""

    @Slot()
    def _on_explore_filters_changed(self) -> None:
        self._check_open_article = self.article.view.page is not None

    @Slot(object)
    def _on_session_search_finished(self, outcome: SearchOutcome) -> None:
        """After a filter change, close an open article the filters leave out (it read as a match)."""
        page = self.article.view.page
        result = outcome.result
        if not self._check_open_article or outcome.offset or result.partial:
            return
        self._check_open_article = False
        shown = {hit.info.id for hit in result.hits}
        if page is None or page.article.info.id in shown or result.total > len(result.hits):
            return  # it matches, or it may be further down the list
        self.article.view.show_welcome(
            "<h3>The open article does not match these filters</h3>"
            "<p>Pick a result, or remove a filter to see it again.</p>")
        self.article.show_origin(None)
        self.status.show_message(f"Closed “{page.article.info.title}”: the filters leave it out")

    # -- the first paint ---------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_panes()
        self._first_paint.shown()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_panes()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self._first_paint.painted()

    @Slot()
    def _on_first_paint_done(self) -> None:
        if self._closing:
            return
        # Mouse back/forward buttons are pressed over child widgets that do not pass them up, hence a
        # filter on the whole application. Only after the first paint: a Python filter is called for every
        # event, and the first events of each kind cost PySide a one-time set-up of their Python types,
        # which made the first paint 30-40 ms slower.
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.navigation)
        self._stages.start()

    # -- settings and closing ----------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            self._stages.stop()
            # Only the parts that were built: a window closed during its second pass has started nothing else.
            built = vars(self)
            if "overview" in built:
                self.overview.remember()  # a corpus opened a moment ago is still a recent one
            self.save_settings()
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self.navigation)
            self.hide()  # the user sees the window go at once, even if a worker takes a moment
            self._shut_down_workers(built)
        event.accept()
