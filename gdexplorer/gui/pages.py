"""What each view shows, gathered from the ``Explorer`` on a worker thread. A Qt-free zone.

Every function here may read files or the index, so the window only ever calls them through a
``Task``; the dataclasses they return are what crosses back to the UI thread.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gdexplorer.errors import GdxError, Problem, QueryError, SearchIndexError
from gdexplorer.gui.history import ArticleLocation
from gdexplorer.model import Article, ArticleInfo, Entity, EntityKind, SearchResult, SuggestedEntity, Suggestion

if TYPE_CHECKING:
    # The core (and Whoosh) is imported after the window's first paint: open_explorer imports it on a worker.
    from gdexplorer.explorer import EntityRef, Explorer, RefreshReport

# How many linked articles an entity page lists before pointing to a search for the rest.
MENTIONS_SHOWN = 60
# A query that matches every dated article, for "newest articles" before the first search.
ALL_DATED = "date:[1000 TO 3000]"


@dataclass(frozen=True, slots=True)
class OpenedCorpus:
    """A freshly loaded corpus: the explorer and what can be shown before the index is ready."""

    explorer: Explorer
    name: str
    entities: tuple[Entity, ...]
    problems: tuple[Problem, ...]
    index_ready: bool
    annotations_dir: Path
    problems_complete: bool = True  # False: a large manifest's come with the corpus's stats


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """Counts that come from the index, refreshed after each index update."""

    articles: int
    mention_counts: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """An article and everything the viewer marks in it."""

    location: ArticleLocation
    article: Article
    hits: tuple[tuple[int, int], ...]  # query words, as ranges of article.text
    title_hits: tuple[tuple[int, int], ...]  # query words in info.title (shown apart from the text)
    refs: tuple[EntityRef, ...]  # entity names to link
    entities: tuple[Entity, ...]  # every entity the article mentions
    suggestions: tuple[Suggestion, ...] = ()  # names that look like entities but are not annotated
    home: Path | None = None  # another corpus's folder, for an article a borrowed annotation set cites
    suggested: tuple[SuggestedEntity, ...] = ()  # suggested entities the article mentions, most mentioned first


@dataclass(frozen=True, slots=True)
class EntityPage:
    """An entity with its neighbours resolved, ready to render."""

    entity: Entity
    incoming: tuple[tuple[Entity, str], ...]
    others: dict[str, Entity]  # relation objects by id (missing ids are simply absent)
    article_titles: dict[str, ArticleInfo]  # the articles its facts and relations cite
    mentions: tuple[ArticleInfo, ...]  # the first MENTIONS_SHOWN of them
    mention_total: int
    indexed: bool  # mentions come from the index; False while there is none yet


def open_explorer(corpus: Path, annotations: Path | None, server: str | None = None) -> OpenedCorpus:
    """Load a corpus and its annotations (YAML parsing can take a while on big sets); ``server``:
    search the shared index on that PostgreSQL server (see ``gdexplorer.search.server``)."""
    # The core is imported here, on the worker, not before the window's first paint.
    from gdexplorer.explorer import Explorer

    with _long_lived():
        explorer = Explorer(corpus, annotations, server=server)
        return OpenedCorpus(
            explorer=explorer,
            name=explorer.name,
            entities=tuple(explorer.entities()),
            # Not a million-line manifest parsed before the corpus shows (11.7 s at 1M): its
            # problems come with the stats, asked for at once (session.ExplorerSession).
            problems=tuple(explorer.problems(wait_for_manifest=False)),
            index_ready=explorer.index_ready(),
            annotations_dir=explorer.annotations_dir,
            problems_complete=explorer.problems_complete(),
        )


@contextlib.contextmanager
def _long_lived() -> Iterator[None]:
    """Make the objects that live as long as the corpus is open without cyclic collections.

    A 100,000-article manifest is a million objects. Collections set off while they are made walk
    all of them, and each later full collection would again: 40-100 ms holding the GIL, that is a
    frozen window. None is made meanwhile (the window collects on its UI thread only, see
    ``gui.collector``; this covers any other caller), and what exists afterwards is frozen: left
    out of collections. Frozen objects in a reference cycle are never collected, so only an open
    freezes (not a refresh, whose updates leave closed Whoosh readers in cycles): what stays is
    what was alive at an open, then dropped in a cycle (a previous corpus's leftovers).
    """
    from gdexplorer.gui.collector import paused  # Qt: imported on the worker, not before the first paint

    collecting = gc.isenabled()
    gc.disable()
    with paused():
        try:
            yield
        finally:
            gc.freeze()  # before the timer may collect again
            if collecting:
                gc.enable()


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What changed on disk since the last look, and the annotations as they are now."""

    report: RefreshReport
    entities: tuple[Entity, ...]
    problems: tuple[Problem, ...]


def refresh_corpus(explorer: Explorer, progress=None, cancel=None) -> Refreshed:
    """Pick up outside edits (articles, manifest, YAML) and update the index incrementally."""
    # Not frozen afterwards, unlike an open: each update leaves closed Whoosh readers in reference
    # cycles, and freezing them would keep them forever. The core reads a changed manifest without
    # collections; the next collections walk it (a manifest edit at 100k articles costs a pause).
    report = explorer.refresh(progress, cancel)
    return Refreshed(report, tuple(explorer.entities()), tuple(explorer.problems()))


def corpus_stats(explorer: Explorer) -> CorpusStats:
    return CorpusStats(explorer.article_count(), explorer.mention_counts(), tuple(explorer.problems()))


def newest_articles(explorer: Explorer, limit: int = 40) -> SearchResult | None:
    """The newest dated articles, shown before the first search; None for an undated corpus."""
    try:
        result = explorer.search(ALL_DATED, limit=limit, sort="newest", snippets=True)
    except (QueryError, SearchIndexError):
        return None
    return result if result.total else None


def load_article_page(explorer: Explorer, location: ArticleLocation) -> ArticlePage:
    article = explorer.article(location.article_id)
    terms = location.terms
    return ArticlePage(
        location=location,
        article=article,
        hits=tuple(explorer.highlight(article.text, terms)) if terms else (),
        title_hits=tuple(explorer.highlight(article.info.title, terms)) if terms else (),
        refs=tuple(explorer.entity_refs(article.text)),
        entities=tuple(explorer.entities_in(location.article_id)),
        suggestions=tuple(explorer.suggestions(article.text)),
        home=explorer.article_home(location.article_id),
        suggested=tuple(explorer.suggested_in(location.article_id)),
    )


def load_entity_page(explorer: Explorer, entity_id: str) -> EntityPage:
    entity = explorer.entity(entity_id)
    if entity is None:
        raise LookupError(f"no entity with the id '{entity_id}'")
    others = {}
    for relation in entity.relations:
        other = explorer.entity(relation.object)
        if other is not None:
            others[relation.object] = other
    titles: dict[str, ArticleInfo] = {}
    for item in (*entity.facts, *entity.relations):
        if item.article not in titles:
            # A fact citing a missing article is already listed as a problem.
            with contextlib.suppress(GdxError):
                titles[item.article] = explorer.article(item.article).info
    mentions = explorer.mentions_of(entity.id)
    return EntityPage(
        entity=entity,
        incoming=tuple(explorer.relations_to(entity.id)),
        others=others,
        article_titles=titles,
        mentions=tuple(newest_first(mentions)[:MENTIONS_SHOWN]),
        mention_total=len(mentions),
        indexed=explorer.index_ready(),
    )


def newest_first(infos: list[ArticleInfo]) -> list[ArticleInfo]:
    """Dated articles newest first, then the undated ones in id order."""
    dated = sorted((i for i in infos if i.date), key=lambda i: (i.date or "", i.id), reverse=True)
    return dated + sorted((i for i in infos if not i.date), key=lambda i: i.id)


def example_queries(entities: tuple[Entity, ...], counts: dict[str, int]) -> list[str]:
    """A few queries that find something in this corpus, to show before the first search."""
    ranked = sorted(entities, key=lambda e: (-counts.get(e.id, 0), len(e.name), e.name.casefold()))
    examples: list[str] = []
    for kind in (EntityKind.TECHNOLOGY, EntityKind.PERSON, EntityKind.ORGANIZATION):
        for entity in ranked:
            if entity.kind is kind and counts.get(entity.id, 1) > 0:
                if kind is EntityKind.TECHNOLOGY:
                    words = [w for w in entity.name.lower().split() if w.isalpha() and len(w) > 3]
                    if not words:
                        continue
                    word = max(words, key=len)
                    examples.append(word if len(word) < 7 else f"{word[:5]}*")
                elif kind is EntityKind.PERSON:
                    examples.append(f'"{entity.name}"')
                else:
                    name = entity.name if " " not in entity.name else f'"{entity.name}"'
                    examples.append(f"entity:{name}")
                break
    return examples


_PARAGRAPH_GAP = re.compile(r"(?<=\S)( {2,})(?=\S)")


def paragraph_breaks(body: str) -> list[int]:
    """Where a body flattened to one line had its paragraph breaks, as offsets into ``body``.

    Some corpora (the Guardian sets) join paragraphs with runs of spaces; showing that as one wall
    of text is unreadable. Bodies that keep their newlines are left alone.
    """
    if "\n" in body.strip() or len(body) < 400:
        return []
    return [m.start(1) for m in _PARAGRAPH_GAP.finditer(body)]


def describe_failure(error: Exception) -> str:
    """One line for the status bar or an inline message."""
    if isinstance(error, GdxError | LookupError):
        return str(error)
    # Not one of ours: the type tells a bug report more than the message alone.
    return f"{type(error).__name__}: {error}"
