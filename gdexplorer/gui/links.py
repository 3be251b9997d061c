"""The links inside the article and entity views: ``gdx:`` URLs and what they point at. Qt-free.

Entity ids and article paths are percent-encoded, so any id round-trips whatever it contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

SCHEME = "gdx"


@dataclass(frozen=True, slots=True)
class EntityLink:
    entity_id: str


@dataclass(frozen=True, slots=True)
class ArticleLink:
    article_id: str
    focus: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class SearchLink:
    query: str


@dataclass(frozen=True, slots=True)
class ExternalLink:
    url: str


@dataclass(frozen=True, slots=True)
class FactLink:
    """An action on an entity's fact or relation (``item`` is "fact" or "relation"), by position."""

    entity_id: str
    item: str
    index: int
    action: str  # "edit", "delete", "cite"


@dataclass(frozen=True, slots=True)
class SuggestedLink:
    """A suggested entity, by its name (it has no id until it is accepted)."""

    name: str


Link = SuggestedLink | EntityLink | ArticleLink | SearchLink | ExternalLink | FactLink


def entity_href(entity_id: str) -> str:
    return f"{SCHEME}:entity/{quote(entity_id, safe='')}"


def suggested_href(name: str) -> str:
    return f"{SCHEME}:suggested/{quote(name, safe='')}"


def article_href(article_id: str, focus: tuple[int, int] | None = None) -> str:
    href = f"{SCHEME}:article/{quote(article_id, safe='')}"
    if focus is not None:
        href += f"?focus={focus[0]}-{focus[1]}"
    return href


def search_href(query: str) -> str:
    return f"{SCHEME}:search?q={quote(query, safe='')}"


def fact_href(entity_id: str, item: str, index: int, action: str) -> str:
    return f"{SCHEME}:{item}/{quote(entity_id, safe='')}/{index}?do={quote(action, safe='')}"


def parse_href(href: str) -> Link | None:
    """What a link points at; None for a ``gdx:`` link that is malformed."""
    parts = urlsplit(href)
    if parts.scheme != SCHEME:
        return ExternalLink(href)
    kind, _, rest = parts.path.partition("/")
    query = parse_qs(parts.query)
    if kind == "entity" and rest:
        return EntityLink(unquote(rest))
    if kind == "suggested" and rest:
        return SuggestedLink(unquote(rest))
    if kind == "article" and rest:
        focus = None
        if "focus" in query:
            start, _, end = query["focus"][0].partition("-")
            if start.isdigit() and end.isdigit():
                focus = (int(start), int(end))
        return ArticleLink(unquote(rest), focus)
    if kind == "search" and "q" in query:
        return SearchLink(query["q"][0])
    if kind in ("fact", "relation") and "do" in query:
        entity, _, index = rest.rpartition("/")
        if entity and index.isdigit():
            return FactLink(unquote(entity), kind, int(index), query["do"][0])
    return None
