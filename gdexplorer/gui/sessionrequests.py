"""What the session's requests carry: a search's answer or failure, and the bookkeeping that lets
only the latest request of each kind be answered (``Latest``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import SignalInstance

from gdexplorer.model import SearchResult

if TYPE_CHECKING:
    from gdexplorer.explorer import Explorer

PAGE_SIZE = 40


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """A page of results for the latest search."""

    number: int
    result: SearchResult
    sort: str
    offset: int
    while_indexing: bool  # the index was still being built: results may be incomplete
    filters: tuple[str, ...] = ()  # the facet clauses the search was restricted by
    keystroke: bool = False  # a search-as-you-type answer (the last word also matched as a prefix)


@dataclass(frozen=True, slots=True)
class SearchFailure:
    """Why the latest search has no results; ``bad_query`` means the user should fix the query."""

    number: int
    query: str
    message: str
    bad_query: bool


@dataclass(slots=True)
class Latest:
    """Requests of one kind of which only the latest is answered: by ``answered``, or ``failed``.

    Each new request takes the next ``number``. Its task is skipped if a newer request comes before
    it starts, and its answer is dropped if one comes before the answer does; ``drop`` does the same
    for every request on its way (its question is gone). ``failure`` makes what ``failed`` carries
    from the request's number and the error; without a ``failed`` signal the failure is logged.
    ``keep`` sees every answer for the open corpus, the latest or not (the facet counts' cache).
    """

    what: str  # for the log: "counting the facets"
    answered: SignalInstance
    failed: SignalInstance | None = None
    failure: Callable[[int, Exception], object] | None = None
    keep: Callable[[Any], None] | None = None
    number: int = 0

    def next(self) -> int:
        self.number += 1
        return self.number

    def drop(self) -> None:
        self.number += 1

    def superseded(self, number: int) -> Callable[[], bool]:
        return lambda: number != self.number


def search_page(explorer: Explorer, text: str, sort: str, offset: int, number: int,
                 while_indexing: bool, filters: tuple[str, ...] = (), keystroke: bool = False) -> SearchOutcome:
    # In the window an unfinished last word is always also a prefix (typed, settled after a pause, or
    # entered): the answer after a pause must not shrink below the one shown while typing.
    # ``keystroke`` only decides whether the answer may be cut short to come fast.
    result = explorer.search(text, limit=PAGE_SIZE, offset=offset, sort=sort, keystroke=True,
                             time_limited=keystroke, filters=filters)
    return SearchOutcome(number, result, sort, offset, while_indexing, filters, keystroke)
