"""Back/forward navigation through searches, articles and entities. A Qt-free zone.

A location is a plain frozen value; the window turns one into what it shows. The history is a
list with a cursor, like a browser tab's, with one twist: typing refines a search rather than
visiting a new place, so a search that follows a search replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types only: explore brings the core's model (its dataclasses), imported after the window's first paint.
    from gdexplorer.gui.explorepages import Filter


@dataclass(frozen=True, slots=True)
class SearchLocation:
    """Results for a query."""

    query: str
    sort: str = "relevance"
    filters: tuple[Filter, ...] = ()  # facet choices, shown as chips

    @property
    def label(self) -> str:
        chosen = ", ".join(f.label for f in self.filters)
        if not self.query:
            return f"Filter {chosen}" if chosen else "All articles"
        return f"Search “{self.query}”" + (f" ({chosen})" if chosen else "")

    @property
    def shows(self) -> str:
        """What going here shows, for the Back/Forward menus."""
        return f"Results: {self.label}"


@dataclass(frozen=True, slots=True)
class ArticleLocation:
    """An article, opened from a query (whose words it highlights) or at a quoted sentence."""

    article_id: str
    title: str = ""
    query: str = ""
    terms: tuple[str, ...] = ()
    # A character range of Article.text to scroll to and mark, e.g. a fact's quote.
    focus: tuple[int, int] | None = None

    @property
    def label(self) -> str:
        return self.title or self.article_id

    @property
    def shows(self) -> str:
        where = f" (search “{self.query}”)" if self.query else ""
        return f"Article: {self.label}{where}"


@dataclass(frozen=True, slots=True)
class EntityLocation:
    """An entity in the detail pane."""

    entity_id: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.entity_id

    @property
    def shows(self) -> str:
        return f"Entity: {self.label}"


Location = SearchLocation | ArticleLocation | EntityLocation


class NavigationHistory:
    """Visited locations with a cursor; ``visit`` drops the forward part like a browser does."""

    def __init__(self, limit: int = 200) -> None:
        self._items: list[Location] = []
        self._index = -1
        self._limit = limit

    def __len__(self) -> int:
        return len(self._items)

    @property
    def current(self) -> Location | None:
        return self._items[self._index] if self._index >= 0 else None

    @property
    def can_go_back(self) -> bool:
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        return 0 <= self._index < len(self._items) - 1

    def visit(self, location: Location) -> bool:
        """Record a new location; returns False when it is where the user already is."""
        current = self.current
        if current == location:
            return False
        del self._items[self._index + 1 :]
        if isinstance(current, SearchLocation) and isinstance(location, SearchLocation):
            # Each keystroke runs a search; only the query the user ends up with is a place.
            self._items[self._index] = location
            return True
        self._items.append(location)
        if len(self._items) > self._limit:
            del self._items[0]
        self._index = len(self._items) - 1
        return True

    def back(self) -> Location | None:
        if not self.can_go_back:
            return None
        self._index -= 1
        return self._items[self._index]

    def forward(self) -> Location | None:
        if not self.can_go_forward:
            return None
        self._index += 1
        return self._items[self._index]

    def go_to(self, steps: int) -> Location | None:
        """Move ``steps`` back (negative) or forward (positive) at once, as a back-button menu does."""
        target = self._index + steps
        if steps == 0 or not 0 <= target < len(self._items):
            return None
        self._index = target
        return self._items[target]

    def back_items(self) -> list[Location]:
        """Locations behind the cursor, nearest first."""
        return self._items[: max(self._index, 0)][::-1]

    def forward_items(self) -> list[Location]:
        """Locations ahead of the cursor, nearest first."""
        return self._items[self._index + 1 :]

    def clear(self) -> None:
        self._items.clear()
        self._index = -1
