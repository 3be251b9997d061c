"""The exploration views' data: facet filters, facet counts and entity networks. A Qt-free zone.

A ``Filter`` is one facet choice: the query clause the core ANDs with the search (``category:world``,
``date:201305``, ``entity:ehang``) and the words its chip shows. The loaders run on worker threads
(through ``ExplorerSession``) and return frozen pages that cross back to the UI thread.
"""

from __future__ import annotations

import contextlib
import enum
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gdexplorer.errors import GdxError

if TYPE_CHECKING:
    # The core (and Whoosh) is imported after the window's first paint; these name types only.
    from gdexplorer.explorer import Explorer
    from gdexplorer.model import ArticleInfo, Entity, Facets, Network, SuggestedEntity, WorkbenchCounts

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Facet values shown by month rather than year when the matches span at most this many months.
MONTHS_SPAN = 24
# Suggested entities the network adds beside the curated ones, and how their nodes are named.
SUGGESTED_NODES = 6
SUGGESTED_NODE = "suggested:"
# Shared articles whose titles a co-mention edge's tooltip lists.
EDGE_TITLES = 5
_PLAIN_VALUE = re.compile(r"^[\w\-.]+$")


class FilterGroup(enum.Enum):
    """What a filter restricts; one filter per group except entities (which narrow further)."""

    CATEGORY = "category"
    DATE = "date"
    ENTITY = "entity"
    FORMAT = "format"
    SITE = "site"
    # The workbench's (answered from workbench.yaml, not the index): tags accumulate like entities.
    STARRED = "starred"
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class Filter:
    """One facet choice: the clause sent to the core and the label its chip shows."""

    group: FilterGroup
    value: str  # the category, "YYYY", "YYYY-MM", "YYYY-MM..YYYY-MM", or the entity id
    clause: str
    label: str

    @property
    def description(self) -> str:
        return {FilterGroup.CATEGORY: "Section", FilterGroup.DATE: "Date", FilterGroup.ENTITY: "Mentions",
                FilterGroup.STARRED: "Workbench", FilterGroup.TAG: "Tag", FilterGroup.FORMAT: "Type",
                FilterGroup.SITE: "Site"}[self.group] + f": {self.label}"


def category_filter(name: str) -> Filter:
    value = name if _PLAIN_VALUE.match(name) else "'" + name.replace("'", " ") + "'"
    return Filter(FilterGroup.CATEGORY, name, f"category:{value}", name)


def format_filter(name: str) -> Filter:
    return Filter(FilterGroup.FORMAT, name, f"format:{name}", name.upper() if len(name) <= 4 else name.capitalize())


def site_filter(name: str) -> Filter:
    value = name if _PLAIN_VALUE.match(name) else "'" + name.replace("'", " ") + "'"
    return Filter(FilterGroup.SITE, name, f"site:{value}", name)


def entity_filter(entity_id: str, name: str = "") -> Filter:
    return Filter(FilterGroup.ENTITY, entity_id, f"entity:{entity_id}", name or entity_id)


def tag_filter(tag: str) -> Filter:
    return Filter(FilterGroup.TAG, tag, f'tag:"{tag}"', tag)


def starred_filter() -> Filter:
    return Filter(FilterGroup.STARRED, "yes", "starred:yes", "Starred")


def year_filter(year: str) -> Filter:
    return Filter(FilterGroup.DATE, year, f"date:{year}", year)


def month_filter(month: str) -> Filter:
    """``month`` is ``YYYY-MM``."""
    return Filter(FilterGroup.DATE, month, f"date:{month.replace('-', '')}", month_label(month))


def date_range_filter(first: str, last: str) -> Filter:
    """Every article from the start of month ``first`` to the end of month ``last`` (``YYYY-MM``).

    The clause is written ``date:[201001 TO 201206]``: Whoosh's range parser reads dashed dates in a
    range (``[2010-01 TO 2012-06]``) as whole years.
    """
    first, last = sorted((first, last))
    if first == last:
        return month_filter(first)
    clause = f"date:[{first.replace('-', '')} TO {last.replace('-', '')}]"
    return Filter(FilterGroup.DATE, f"{first}..{last}", clause, f"{month_label(first)} \u2013 {month_label(last)}")


def span_filter(first: str, last: str) -> Filter:
    """The simplest filter for the months ``first`` to ``last``: a month, a whole year, or a range."""
    first, last = sorted((first, last))
    if first[:4] == last[:4] and first[5:] == "01" and last[5:] == "12":
        return year_filter(first[:4])
    return date_range_filter(first, last)


def filter_months(chosen: Filter | None) -> tuple[str, str] | None:
    """The first and last ``YYYY-MM`` a date filter covers (None for another kind of filter)."""
    if chosen is None or chosen.group is not FilterGroup.DATE:
        return None
    value = chosen.value
    if ".." in value:
        first, _, last = value.partition("..")
        return first, last
    if len(value) == 4:
        return f"{value}-01", f"{value}-12"
    return value, value


def timeline_caption(dated: int, everything: bool) -> str:
    """What the timeline counts: "1,371 dated articles over time" or "1 dated match over time"."""
    if not dated:
        return ""
    noun = "article" if everything else "match"
    return f"{dated:,} dated {noun}{'' if dated == 1 else ('s' if everything else 'es')} over time"


def month_label(month: str) -> str:
    """``2013-05`` as ``May 2013``."""
    year, _, number = month.partition("-")
    if number.isdigit() and 1 <= int(number) <= 12:
        return f"{MONTH_NAMES[int(number) - 1]} {year}"
    return month


def with_filter(filters: tuple[Filter, ...], chosen: Filter) -> tuple[Filter, ...]:
    """The filters after the user picks ``chosen``: picking an active one removes it; a section or
    date replaces the one of its group (an article has one of each); entities accumulate."""
    if chosen in filters:
        return tuple(f for f in filters if f != chosen)
    if chosen.group in (FilterGroup.ENTITY, FilterGroup.TAG):
        return (*filters, chosen)
    return (*(f for f in filters if f.group is not chosen.group), chosen)


def without_filter(filters: tuple[Filter, ...], removed: Filter) -> tuple[Filter, ...]:
    return tuple(f for f in filters if f != removed)


def clauses(filters: tuple[Filter, ...]) -> tuple[str, ...]:
    return tuple(f.clause for f in filters)


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    found = []
    while (y, m) <= end:
        found.append(f"{y:04}-{m:02}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found


def by_month(facets: Facets) -> bool:
    """Whether date facets read better by month (a short span) than by year."""
    if not facets.months:
        return False
    return len(months_between(facets.months[0][0], facets.months[-1][0])) <= MONTHS_SPAN


# -- facets --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FacetsPage:
    """Counts for a query and its filters, and the months the timeline draws.

    ``timeline`` counts the query without its date filter, so the timeline shows where the chosen
    range sits among all the matches; with no date filter it is ``facets.months``.
    """

    number: int
    query: str
    filters: tuple[str, ...]
    keystroke: bool
    date_filter: str
    facets: Facets
    timeline: tuple[tuple[str, int], ...]
    total: int
    seconds: float  # the whole worker call, facets and timeline
    complete: bool = True  # False: a keystroke search was cut short and counted nothing
    workbench: WorkbenchCounts | None = None  # starred and tagged among the matches
    suggested: tuple[tuple[SuggestedEntity, int], ...] = ()  # suggested entities among the matches, most first

    @property
    def dated(self) -> bool:
        return bool(self.timeline)


def load_facets_page(explorer: Explorer, text: str, filters: tuple[str, ...], keystroke: bool,
                     number: int = 0, date_filter: str = "") -> FacetsPage:
    """Facet counts for ``text`` (empty: every article) and its filters, counted in the index.

    ``date_filter`` names the clause of ``filters`` that is a date choice, if any: the timeline is
    counted without it.
    """
    from gdexplorer.model import Facets

    started = time.perf_counter()
    # Counted as the results are: the last word is also a prefix (see ``sessionrequests.search_page``).
    # Not collapsed: the facets count articles, and so does the total shown beside them.
    result = explorer.search(text, limit=1, snippets=False, keystroke=True, time_limited=keystroke,
                             filters=filters, facets=True, collapse=False)
    facets = result.facets or Facets()
    timeline = facets.months
    if date_filter and date_filter in filters:
        rest = tuple(f for f in filters if f != date_filter)
        wider = explorer.search(text, limit=1, snippets=False, keystroke=True, time_limited=keystroke,
                                filters=rest, facets=True, collapse=False)
        timeline = wider.facets.months if wider.facets is not None else ()
    marked = explorer.workbench_counts(text, filters, keystroke=True) if result.facets is not None else None
    suggested = tuple(explorer.suggested_facets(text, filters)) if result.facets is not None else ()
    return FacetsPage(number, text, filters, keystroke, date_filter, facets, timeline, result.total,
                      time.perf_counter() - started, result.facets is not None, marked, suggested)


# -- network -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkPage:
    """An entity's network with what its view shows: the entities and the cited articles' titles."""

    number: int
    network: Network
    entities: dict[str, Entity]  # every node that is a known entity
    titles: dict[str, ArticleInfo]  # the articles edges cite (the first few per co-mention edge)
    relation_spans: dict[tuple[str, str, str], tuple[str, tuple[int, int] | None]]  # (s, p, o) -> article, span
    suggested: dict[str, SuggestedEntity] = field(default_factory=dict)  # nodes that are suggestions, by node


def load_network_page(explorer: Explorer, entity_id: str, top: int = 12, number: int = 0) -> NetworkPage:
    network = explorer.network(entity_id, top=top)
    network, suggested = with_suggested(explorer, network, SUGGESTED_NODES)
    known = explorer.entities_by_id()
    entities = {node: known[node] for node in network.nodes if node in known}
    titles: dict[str, ArticleInfo] = {}
    for edge in network.edges:
        for article in edge.articles[:EDGE_TITLES]:
            if article not in titles:
                # A relation citing a missing article is already listed as a problem.
                with contextlib.suppress(GdxError):
                    titles[article] = explorer.article(article).info
    spans = {}
    for node in entities.values():
        for rel in node.relations:
            spans[(rel.subject, rel.predicate, rel.object)] = (rel.article, rel.span)
    return NetworkPage(number, network, entities, titles, spans, suggested)


def with_suggested(explorer: Explorer, network: Network, top: int) -> tuple[Network, dict[str, SuggestedEntity]]:
    """The network with the suggested entities most often in the same articles as its centre."""
    from gdexplorer.model import Network, NetworkEdge

    found = explorer.suggested_co_mentions(network.center, top=top)
    if not found:
        return network, {}
    nodes, edges = list(network.nodes), list(network.edges)
    suggested: dict[str, SuggestedEntity] = {}
    for entity, articles in found:
        # Curated ids never hold a colon, so a suggestion's node cannot be taken for one.
        node = SUGGESTED_NODE + entity.name
        suggested[node] = entity
        nodes.append(node)
        n = len(articles)
        edges.append(NetworkEdge(network.center, node, "co-mention", f"{n} shared article{'s' if n != 1 else ''}",
                                 n, "", articles[:20]))
    return Network(network.center, tuple(nodes), tuple(edges)), suggested
