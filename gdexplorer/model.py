"""The domain: articles, entities, facts, relations, search hits. Plain frozen dataclasses.

Nothing here knows about files, Whoosh or Qt; the other layers build and consume these.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gdexplorer.errors import Problem


class EntityKind(enum.Enum):
    """The fixed vocabulary of entity types, in display order."""

    PERSON = "person"
    ORGANIZATION = "organization"
    PLACE = "place"
    TECHNOLOGY = "technology"
    PRODUCT = "product"
    EVENT = "event"

    @property
    def plural(self) -> str:
        return {
            EntityKind.PERSON: "People",
            EntityKind.ORGANIZATION: "Organizations",
            EntityKind.PLACE: "Places",
            EntityKind.TECHNOLOGY: "Technologies",
            EntityKind.PRODUCT: "Products",
            EntityKind.EVENT: "Events",
        }[self]


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Where something was written in an annotation file (1-based)."""

    path: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """An article's metadata: what a result row and the index need, without the body."""

    id: str  # path relative to the corpus root, with forward slashes
    title: str
    category: str | None = None
    date: str | None = None  # ISO 8601 date or datetime as the source gave it
    url: str | None = None
    source: str | None = None
    byline: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # other manifest keys, as display strings
    format: str | None = None  # "html", "pdf", "email"...: None for the corpus's own .txt articles
    site: str | None = None  # the site or mail domain a document says it comes from


@dataclass(frozen=True, slots=True)
class Article:
    """An article with its text. ``body_offset`` is where the body starts in ``text``."""

    info: ArticleInfo
    text: str  # headline + blank line + body, exactly as read (decoding aside)
    body_offset: int

    @property
    def body(self) -> str:
        return self.text[self.body_offset :]


@dataclass(frozen=True, slots=True)
class Fact:
    """A curated statement, tied to the exact words of the article it came from."""

    text: str
    article: str
    quote: str
    where: SourceSpan
    # Character range of the quote in the article's text; None when it was not found.
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """A curated, sourced link from one entity to another."""

    subject: str
    predicate: str
    object: str
    article: str
    quote: str
    where: SourceSpan
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """A curated entity and everything written about it."""

    id: str
    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    title: str | None = None
    description: str | None = None
    facts: tuple[Fact, ...] = ()
    relations: tuple[Relation, ...] = ()
    where: SourceSpan | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a snippet; ``match`` marks a query hit."""

    text: str
    match: bool = False


Snippet = tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result, copied out of Whoosh so nothing it owns leaks out."""

    info: ArticleInfo
    score: float
    rank: int
    snippet: Snippet = ()
    entities: tuple[str, ...] = ()
    # Other articles with the same text (up to whitespace) that the query matched, by id: shown
    # as this one hit rather than each in its own.
    copies: tuple[str, ...] = ()
    # The page of the snippet's first match, in a paged document (PDF); None elsewhere.
    page: int | None = None
    # Near copies the query matched: one sentence more, less or changed (gdexplorer.search.copies).
    near_copies: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return self.info.id


@dataclass(frozen=True, slots=True)
class Facets:
    """Counts over all the articles a query matches (not just the page shown)."""

    categories: tuple[tuple[str, int], ...] = ()  # most first
    months: tuple[tuple[str, int], ...] = ()  # "YYYY-MM", in time order
    entities: tuple[tuple[str, int], ...] = ()  # entity id, most first
    seconds: float = 0.0
    formats: tuple[tuple[str, int], ...] = ()  # "html", "pdf"... most first
    sites: tuple[tuple[str, int], ...] = ()  # as the documents name them, most first

    @property
    def years(self) -> tuple[tuple[str, int], ...]:
        counts: dict[str, int] = {}
        for month, n in self.months:
            counts[month[:4]] = counts.get(month[:4], 0) + n
        return tuple(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of hits for a query, with the total count and the time it took."""

    query: str
    total: int
    took_ms: float
    hits: tuple[Hit, ...] = ()
    terms: tuple[str, ...] = ()  # the words to highlight in an opened article
    partial: bool = False  # a time-limited search was cut short; totals are a lower bound
    facets: Facets | None = None
    filters: tuple[str, ...] = ()
    collapsed: int = 0  # matching articles left out of ``total`` as (near) copies of a hit (``Hit.copies``)
    did_you_mean: str | None = None  # the query with misspelt words corrected from the index's own words


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What an index update did."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    cancelled: bool = False
    reason: str = ""
    problems: tuple[Problem, ...] = ()  # articles that were odd or unreadable


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report from a long task; ``total`` 0 means unknown."""

    done: int
    total: int
    stage: str = ""


# What a long task calls with each report (on the task's thread: a window passes one that posts it on).
ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class NetworkEdge:
    """A link in an entity's neighbourhood: a curated relation, or shared mentions."""

    source: str
    target: str
    kind: str  # "relation" (curated, with predicate and quote) or "co-mention" (shared articles)
    label: str  # the predicate, or "N shared articles"
    weight: int = 1
    quote: str = ""
    articles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Network:
    """An entity, the entities linked to it, and the links."""

    center: str
    nodes: tuple[str, ...]
    edges: tuple[NetworkEdge, ...]


@dataclass(slots=True)
class Mentions:
    """Which entities each article mentions, and the reverse. Built at index time."""

    by_article: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_entity: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A name in the text that looks like an entity but is not annotated."""

    text: str
    count: int
    start: int  # first occurrence


@dataclass(frozen=True, slots=True)
class SuggestedMention:
    """Where a suggested name stands: the article, the name's offsets and its sentence's."""

    article: str
    start: int
    end: int
    sentence: str
    sentence_start: int


@dataclass(frozen=True, slots=True)
class SuggestedEntity:
    """One real-world name the recognizer found, not curated yet, with every mention as provenance."""

    name: str
    kind: EntityKind
    aliases: tuple[str, ...]
    articles: int
    count: int
    mentions: tuple[SuggestedMention, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class SuggestionStatus:
    """How far the recognizer got: articles done of all, and why a language is left out (or None)."""

    done: int
    total: int
    missing: str | None


@dataclass(frozen=True, slots=True)
class AnnotationCounts:
    """How much an annotation set holds (``gdexplorer check``'s summary)."""

    files: int
    entities: int
    facts: int
    relations: int


@dataclass(frozen=True, slots=True)
class WatchList:
    """What to watch for changes made outside the app: folders (for new and removed files) and files."""

    folders: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BuildFailure:
    """Why an index build in a child process failed: ``busy`` when another process holds the index's lock."""

    busy: bool
    message: str


# -- curation: what a user asks to save, and what a save did ------------------------------------


@dataclass(frozen=True, slots=True)
class NewFact:
    text: str
    article: str
    quote: str


@dataclass(frozen=True, slots=True)
class NewRelation:
    predicate: str
    object: str
    article: str
    quote: str


@dataclass(frozen=True, slots=True)
class NewEntity:
    id: str
    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One saved change; ``before`` is None when the change created the file."""

    path: Path
    before: bytes | None
    after: bytes
    summary: str


@dataclass(frozen=True, slots=True)
class ArticleMarks:
    """What a user put on an article in the workbench: a star, free-form tags, a note."""

    article: str
    starred: bool = False
    tags: tuple[str, ...] = ()
    note: str = ""

    @property
    def empty(self) -> bool:
        return not (self.starred or self.tags or self.note)


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A named query with its filters and order, and the articles it matched when last opened."""

    name: str
    query: str
    filters: tuple[str, ...] = ()
    sort: str = "relevance"
    seen: frozenset[str] = frozenset()  # article ids matched when last opened
    opened: str = ""  # ISO time it was last opened ("" never)


@dataclass(frozen=True, slots=True)
class SavedSearchRun:
    """A saved search run now: its result, and the matches it did not have when last opened."""

    search: SavedSearch
    result: SearchResult
    new: tuple[str, ...]  # article ids matched now and not when last opened
    change: Change | None = None  # the save that recorded it as opened (to undo), if it was


@dataclass(frozen=True, slots=True)
class WorkbenchCounts:
    """How many of a query's matches are starred, and carry each tag (most first): the Refine panel's."""

    starred: int = 0
    tags: tuple[tuple[str, int], ...] = ()
