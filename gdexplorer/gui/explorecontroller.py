"""Exploring from the window: the Refine panel, the filter chips, the timeline and the Network tab.

``ExploreController`` keeps the facet filters and the query the results are of, asks the session
for their counts and for the chosen entity's network, and shows the answers. A changed filter is
``filters_changed`` (the window searches again); the Network tab's edges ask for an article or a
search. It keeps no reference to the window (see ``CurationController``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from gdexplorer.gui.explorepages import (
    FacetsPage,
    Filter,
    FilterGroup,
    NetworkPage,
    clauses,
    filter_months,
    span_filter,
    timeline_caption,
    with_filter,
    without_filter,
)
from gdexplorer.gui.history import ArticleLocation
from gdexplorer.gui.session import ExplorerSession
from gdexplorer.gui.widgets.facetspanel import FacetsPanel
from gdexplorer.gui.widgets.filterchips import FilterChips
from gdexplorer.gui.widgets.network import NetworkView
from gdexplorer.gui.widgets.searchfield import SearchField
from gdexplorer.gui.widgets.timeline import Timeline
from gdexplorer.model import Entity, NetworkEdge

NETWORK_HINT = "Choose an entity (in an article or the list above) to see whom it is connected to."


class ExploreController(QObject):
    """Facet filters, their counts and timeline, and the chosen entity's network."""

    filters_changed = Signal()  # the user chose other filters: search again
    counts_cut_short = Signal()  # a keystroke's counts were partial: the full search once typing settles
    article_requested = Signal(object)  # ArticleLocation, from a relation in the network
    search_requested = Signal(str)  # a co-mention in the network

    def __init__(self, session: ExplorerSession, search: SearchField, facets: FacetsPanel, chips: FilterChips,
                 chips_action: QAction, timeline: Timeline, network: NetworkView, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.search = search
        self.facets = facets
        self.chips = chips
        self.chips_action = chips_action
        self.timeline = timeline
        self.network = network
        self.query = ""  # the query the results (and so the counts) are of
        self._filters: tuple[Filter, ...] = ()
        self._entities: dict[str, Entity] = {}
        self._network_wanted = ""  # the entity the Network tab should show
        self._network_shown = ""

        self.timeline_action = QAction("&Timeline", self)
        self.timeline_action.setCheckable(True)
        self.timeline_action.setChecked(True)
        self.timeline_action.setToolTip("Matches per month over the results (hidden for corpora without dates)")
        self.network.show_message(NETWORK_HINT)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.session.facets_finished.connect(self._on_session_facets_finished)
        self.session.facets_failed.connect(self._on_session_facets_failed)
        self.session.network_loaded.connect(self._on_session_network_loaded)
        self.session.network_failed.connect(self._on_session_network_failed)
        self.facets.filter_toggled.connect(self._on_facets_filter_toggled)
        self.chips.filter_removed.connect(self._on_chips_filter_removed)
        self.chips.clear_requested.connect(self._on_chips_clear_requested)
        self.chips.focus_left.connect(self._on_chips_focus_left)
        self.search.last_filter_removal_requested.connect(self.chips.remove_last)
        self.timeline.range_selected.connect(self._on_timeline_range_selected)
        self.timeline.selection_cleared.connect(self._on_timeline_selection_cleared)
        self.timeline_action.toggled.connect(self._on_timeline_action_toggled)
        self.network.edge_activated.connect(self._on_network_edge_activated)
        self.network.shown.connect(self._on_network_shown)

    # -- state -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Another corpus is opening: no filters, counts, months or network."""
        self.set_filters(())
        self.facets.clear()
        self.timeline.set_axis([])
        self.timeline.set_months(())
        self.update_timeline_visibility()
        self._network_wanted = self._network_shown = ""
        self.network.show_message(NETWORK_HINT)

    def set_entities(self, entities: tuple[Entity, ...]) -> None:
        """The curated entities (the Refine panel names them)."""
        self._entities = {entity.id: entity for entity in entities}

    @property
    def filters(self) -> tuple[Filter, ...]:
        return self._filters

    def set_filters(self, filters: tuple[Filter, ...]) -> None:
        """Show these filters as chips (the caller searches with them)."""
        self._filters = tuple(filters)
        self.chips.set_filters(self._filters)
        self.chips_action.setVisible(bool(self._filters))

    def count_facets(self, keystroke: bool) -> None:
        """Ask for the counts of the query now shown (the whole corpus when there is none)."""
        date = next((f.clause for f in self._filters if f.group is FilterGroup.DATE), "")
        self.session.count_facets(self.query, clauses(self._filters), keystroke, date)

    def update_timeline_visibility(self) -> None:
        self.timeline.setVisible(self.timeline_action.isChecked() and self.timeline.has_dates())

    def show_network_of(self, entity_id: str) -> None:
        """The Network tab follows this entity (drawn now when shown, else when it is)."""
        self._network_wanted = entity_id
        if self.network.isVisible():
            self.session.load_network(entity_id)

    def network_changed(self) -> None:
        """Relations or mentions changed: the Network tab draws its entity again (now, or when shown)."""
        self._network_shown = ""
        if self._network_wanted and self.network.isVisible():
            self.session.load_network(self._network_wanted)

    def _choose(self, filters: tuple[Filter, ...]) -> None:
        self.set_filters(filters)
        self.filters_changed.emit()

    # -- session slots -----------------------------------------------------------------------

    @Slot(object)
    def _on_session_facets_finished(self, page: FacetsPage) -> None:
        if page.query != self.query or page.filters != clauses(self._filters):
            return  # counts for a query the window has moved on from
        if not page.complete:
            if page.keystroke:
                self.counts_cut_short.emit()  # the counts follow the full search
            else:
                self.facets.show_failure("the query has too many word forms to count them all")
            return
        if not page.query and not page.filters:
            self.timeline.set_axis([month for month, _ in page.facets.months])
        self.facets.set_page(page, self._entities, self._filters, self.query)
        everything = not self.query and not [f for f in self._filters if f.group is not FilterGroup.DATE]
        caption = timeline_caption(sum(n for _, n in page.timeline), everything)
        date_filter = next((f for f in self._filters if f.group is FilterGroup.DATE), None)
        self.timeline.set_months(page.timeline, filter_months(date_filter), caption)
        self.update_timeline_visibility()

    @Slot(str)
    def _on_session_facets_failed(self, message: str) -> None:
        self.facets.show_failure(message)

    @Slot(object)
    def _on_session_network_loaded(self, page: NetworkPage) -> None:
        self._network_shown = page.network.center
        self.network.set_page(page)

    @Slot(str)
    def _on_session_network_failed(self, message: str) -> None:
        self._network_shown = ""
        self.network.show_message(message)

    # -- widget slots ------------------------------------------------------------------------

    @Slot(object)
    def _on_facets_filter_toggled(self, chosen: Filter) -> None:
        self._choose(with_filter(self._filters, chosen))

    @Slot(object)
    def _on_chips_filter_removed(self, removed: Filter) -> None:
        self._choose(without_filter(self._filters, removed))

    @Slot()
    def _on_chips_clear_requested(self) -> None:
        self._choose(())

    @Slot()
    def _on_chips_focus_left(self) -> None:
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str, str)
    def _on_timeline_range_selected(self, first: str, last: str) -> None:
        self._choose(with_filter(self._filters, span_filter(first, last)))

    @Slot()
    def _on_timeline_selection_cleared(self) -> None:
        self._choose(tuple(f for f in self._filters if f.group is not FilterGroup.DATE))

    @Slot(bool)
    def _on_timeline_action_toggled(self, _checked: bool) -> None:
        self.update_timeline_visibility()

    @Slot()
    def _on_network_shown(self) -> None:
        if self._network_wanted and self._network_wanted != self._network_shown:
            self.session.load_network(self._network_wanted)

    @Slot(object)
    def _on_network_edge_activated(self, edges: tuple[NetworkEdge, ...]) -> None:
        page = self.network.page
        relation = next((e for e in edges if e.kind == "relation"), None)
        if relation is not None and page is not None:
            article, span = page.relation_spans.get((relation.source, relation.label, relation.target),
                                                    (relation.articles[0] if relation.articles else "", None))
            if article:
                info = page.titles.get(article)
                self.article_requested.emit(ArticleLocation(article, info.title if info else "", "", (), span))
            return
        if edges:
            edge = edges[0]
            self.search_requested.emit(f"entity:{edge.source} entity:{edge.target}")
