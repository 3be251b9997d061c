"""The one door: ``Explorer`` holds a corpus, its annotations and its index.

The CLI and the window import this module, ``gdexplorer.model`` and ``gdexplorer.errors`` and
nothing else of the core (a contract in pyproject.toml, checked by the tests): everything a front
end does, from search to curation, export and building in a child process, is a method here, and
the collaborators behind it are private. Methods are safe to call from worker threads (each
thread gets its own Whoosh searcher); the object never calls back into whoever holds it except
through the progress callback and cancel event it is given.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gdexplorer.annotations.loading import (
    AnnotationSet,
    annotation_files,
    load_annotations,
)
from gdexplorer.annotations.workbench import Workbench
from gdexplorer.corpus.manifest import MANIFEST
from gdexplorer.corpus.reading import ARTICLES, Corpus
from gdexplorer.errors import CorpusError, Problem, QueryError, Severity
from gdexplorer.explorer_curation import CurationMethods
from gdexplorer.explorer_export import ExportMethods
from gdexplorer.explorer_index import IndexMethods
from gdexplorer.explorer_search import SearchMethods
from gdexplorer.explorer_suggested import SuggestedEntityMethods
from gdexplorer.explorer_workbench import WorkbenchMethods
from gdexplorer.model import (
    AnnotationCounts,
    Article,
    ArticleInfo,
    Entity,
    EntityKind,
    Fact,
    IndexStats,
    Network,
    NetworkEdge,
    ProgressCallback,
    Relation,
    Suggestion,
    WatchList,
)
from gdexplorer.paths import index_dir_for
from gdexplorer.search.freshness import FreshnessRecord
from gdexplorer.search.index import SearchIndex
from gdexplorer.search.mentionindex import (
    articles_mentioning,
    co_mentions,
    mention_counts,
    shared_articles,
    stored_entity_ids,
)

# Articles in the corpus's own format: the only files whose changes the watch list follows one by one.
_ARTICLE_SUFFIX = ".txt"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What ``Explorer.refresh`` found changed."""

    annotations_changed: bool
    manifest_changed: bool
    index: IndexStats

    @property
    def changed(self) -> bool:
        i = self.index
        return self.annotations_changed or self.manifest_changed or bool(i.added or i.updated or i.deleted)


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A mention of an entity at a place in an article's text."""

    start: int
    end: int
    entity_id: str


class Explorer(IndexMethods, SearchMethods, WorkbenchMethods, SuggestedEntityMethods, CurationMethods, ExportMethods):
    """A corpus with its annotations and index; what the CLI and the window talk to.

    Its methods are written in one module per concern: ``gdexplorer.explorer_index`` (building and
    updating the index), ``explorer_search`` (searches, snippets), ``explorer_workbench`` (stars,
    tags, notes, saved searches), ``explorer_suggested`` (suggested entities), ``explorer_curation``
    (edits to the annotations) and ``explorer_export``; this one holds what is open, the
    annotations, the articles and the mentions.
    """

    def __init__(self, corpus_root: Path | str, annotations_dir: Path | str | None = None,
                 cache_dir: Path | None = None, server: str | None = None) -> None:
        """``server``: search the shared index on that PostgreSQL server (a libpq string or
        ``postgresql://`` URL) instead of the embedded one; see ``gdexplorer.search.server``."""
        self._corpus = Corpus(corpus_root)
        if annotations_dir is None:
            self._annotations_dir = self._corpus.default_annotations_dir
            self._annotation_corpus = self._corpus
        else:
            self._annotations_dir = Path(annotations_dir).resolve()
            home = self._annotations_dir.parent
            # An annotation set borrowed from another corpus cites that corpus's articles.
            if home != self._corpus.root and ((home / ARTICLES).is_dir() or (home / MANIFEST).is_file()):
                self._annotation_corpus = Corpus(home)
            else:
                self._annotation_corpus = self._corpus
        self._index = SearchIndex(index_dir_for(self._corpus.root, self._annotations_dir, cache_dir))
        self._freshness = FreshnessRecord(self._index.folder)
        self._annotations = AnnotationSet()
        self._index_problems: tuple[Problem, ...] = ()
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._analyzers: dict[str, Any] = {}
        self._curator_instance: Any = None
        self._workbench = Workbench()
        self._suggested_memo: tuple[tuple[int, int] | None, dict[str, Any]] | None = None
        self._server: Any = None
        if server:
            from gdexplorer.search.server.store import ServerIndex

            self._server = ServerIndex(server, self._corpus.root.name)
        self._grouped_memo: tuple[object, Any] | None = None
        self._grouped_lock = threading.Lock()
        self.reload_annotations()

    def __repr__(self) -> str:
        return f"Explorer({str(self._corpus.root)!r})"

    def close(self) -> None:
        """This corpus is being closed (the window quits or opens another): a long read under way
        in another thread (a million-line manifest, 10 s) stops with a ``CorpusError`` rather than
        keep the process alive, and later reads of it fail the same way."""
        self._corpus.close()
        self._annotation_corpus.close()

    # -- what is open ------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._corpus.name

    @property
    def corpus_root(self) -> Path:
        return self._corpus.root

    @property
    def annotations_dir(self) -> Path:
        return self._annotations_dir

    @property
    def index_folder(self) -> Path:
        return self._index.folder

    @property
    def foreign_annotations(self) -> bool:
        return self._annotation_corpus is not self._corpus

    def display_path(self, path: Path) -> str:
        """A path as the user should read it: relative to the corpus when it is inside it."""
        return path.relative_to(self._corpus.root).as_posix() if path.is_relative_to(self._corpus.root) else str(path)

    def watch_list(self, file_limit: int) -> WatchList:
        """What to watch for changes made outside the app: the corpus's and the annotations' folders,
        the manifest, the annotation files, and the article files while there are at most
        ``file_limit`` of them. Walks folders: call it off the UI thread."""
        corpus = self._corpus
        annotations = self._annotations_dir
        folders: dict[str, None] = {str(corpus.root): None}
        files: dict[str, None] = {}
        manifest = corpus.root / MANIFEST
        if manifest.is_file():
            files[str(manifest)] = None
        articles: list[str] = []
        for top in (corpus.articles_dir, annotations):
            if not top.is_dir():
                continue
            # A stack, not os.walk: before Python 3.12 it recurses, a RecursionError past ~1,000 nested folders.
            stack = [str(top)]
            while stack:
                folder = stack.pop()
                folders[folder] = None
                try:
                    with os.scandir(folder) as scanned:
                        entries = sorted(scanned, key=lambda e: e.name)
                except OSError:
                    continue
                subfolders = []
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()  # as os.walk: a link to a folder is a folder, not followed
                    except OSError:
                        continue
                    if is_dir:
                        # Hidden folders (.git, caches) change all the time and hold no articles.
                        if not entry.name.startswith(".") and not entry.is_symlink():
                            subfolders.append(entry.path)
                    elif (top == corpus.articles_dir and len(articles) <= file_limit
                          and entry.name.endswith(_ARTICLE_SUFFIX)):
                        articles.append(entry.path)
                stack.extend(reversed(subfolders))
        if not annotations.is_dir() and annotations.parent.is_dir():
            folders[str(annotations.parent)] = None  # to see the folder being created
        for path in annotation_files(annotations) if annotations.is_dir() else ():
            files[str(path)] = None
        if self.workbench_file.is_file():
            files[str(self.workbench_file)] = None
        if len(articles) <= file_limit:
            files.update(dict.fromkeys(articles))
        return WatchList(tuple(folders), tuple(files))

    def article_file(self, article_id: str) -> Path | None:
        """The file of one of this corpus's articles (to watch or open it), None for any other id.

        For a document inside an archive or a mailbox, the archive's or mailbox's file.
        """
        return self._corpus.path_of(article_id) if self._corpus.exists(article_id) else None

    # -- annotations -------------------------------------------------------------------------

    def reload_annotations(self) -> AnnotationCounts:
        """(Re)read the annotation files; the index picks up changed mentions on its next update."""
        base = self._corpus.root if self._annotations_dir.is_relative_to(self._corpus.root) else None
        # One reload at a time, so that the last one installed is the one that read the files last: a
        # refresh that began before a save must not put back what the save replaced.
        with self._reload_lock:
            signature = self._annotation_signature()
            # A file is parsed again only if its bytes changed since the last load or a save here parsed it.
            known = dict(self._annotations.parsed)
            if self._curator_instance is not None:
                known.update(self._curator_instance.validated)
                self._curator_instance.validated.clear()
            loaded = load_annotations(self._annotations_dir, self._annotation_corpus, display_base=base,
                                      known=known)
            workbench = self._load_workbench()
            with self._lock:
                self._annotation_signature_seen = signature
                self._annotations = loaded
                self._workbench = workbench
                self.__dict__.pop("_matcher", None)
        return self.annotation_counts()

    def annotation_counts(self) -> AnnotationCounts:
        a = self._annotations
        return AnnotationCounts(len(a.files), len(a.entities), a.facts_count, a.relations_count)

    def _annotation_signature(self) -> tuple[tuple[str, int, int], ...]:
        """(path, mtime, size) of every annotation file: changes when any is edited, added or removed."""
        found = []
        for path in (*annotation_files(self._annotations_dir), self.workbench_file):
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def refresh(self, progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None) -> RefreshReport:
        """Pick up what changed on disk since the last look: annotation files, the manifest and
        articles. Only what changed is re-read and re-indexed. Raises ``CorpusError`` while the
        corpus folder is unavailable, before anything is reloaded (its annotations would look deleted)."""
        self._corpus.check_available()
        annotations_changed = self._annotation_signature() != self._annotation_signature_seen
        if annotations_changed:
            self.reload_annotations()
        manifest_changed = self._corpus.refresh_manifest()
        stats = self.update_index(progress, cancel)
        return RefreshReport(annotations_changed, manifest_changed, stats)

    @cached_property
    def _matcher(self) -> Any:
        from gdexplorer.annotations.mentions import MentionMatcher

        return MentionMatcher(self._annotations.entities.values())

    def problems(self, wait_for_manifest: bool = True) -> list[Problem]:
        """Everything wrong that a user should see: manifest, annotations, unreadable articles.

        ``wait_for_manifest=False`` leaves out the problems of a large manifest not read yet (see
        ``problems_complete``): they come with the next call once an update has read it.
        """
        later = not wait_for_manifest and self._corpus.manifest_is_pending()
        manifest = [] if later else self._corpus.manifest_problems()
        return [*manifest, *self._annotations.problems, *self._workbench.problems, *self._index_problems]

    def problems_complete(self) -> bool:
        """Whether ``problems(wait_for_manifest=False)`` would list every problem now."""
        return not self._corpus.manifest_is_pending()

    def check_articles(self) -> list[Problem]:
        """Read every article and keep what is odd about them (bad bytes, no body, unreadable)."""
        found: list[Problem] = []
        articles = self._corpus.scan()
        found.extend(self._corpus.scan_problems)
        for article_id in sorted(articles):
            try:
                found.extend(self._corpus.read_checked(article_id)[1])
            except CorpusError as e:
                found.append(Problem(e.path, e.line, e.column, e.message, Severity.WARNING))
        found.sort(key=lambda p: (p.path, p.line, p.column))
        self._index_problems = tuple(found)
        return found

    def entities(self, kind: EntityKind | None = None) -> list[Entity]:
        """Entities sorted by type (vocabulary order) then name."""
        order = {k: i for i, k in enumerate(EntityKind)}
        found = [e for e in self._annotations.entities.values() if kind is None or e.kind is kind]
        return sorted(found, key=lambda e: (order[e.kind], e.name.casefold()))

    def annotation_source(self, display: str) -> Path | None:
        """The file an entity's ``where.path`` names (as loaded), None if no loaded file has that name."""
        return self._annotations.sources.get(display)

    def entities_by_id(self) -> Mapping[str, Entity]:
        """Every entity by id, read-only; a reload replaces the set, so hold on to the mapping, not to this."""
        return MappingProxyType(self._annotations.entities)

    def entity(self, key: str) -> Entity | None:
        """Look an entity up by id, then by name or alias (case-insensitive)."""
        entities = self._annotations.entities
        if key in entities:
            return entities[key]
        folded = " ".join(key.split()).casefold()
        for entity in entities.values():
            if entity.id.casefold() == folded or any(n.casefold() == folded for n in entity.names):
                return entity
        return None

    def relations_to(self, entity_id: str) -> list[tuple[Entity, str]]:
        """Incoming relations: (subject entity, predicate) pairs that point at ``entity_id``."""
        found = []
        for entity in self.entities():
            for rel in entity.relations:
                if rel.object == entity_id:
                    found.append((entity, rel.predicate))
        return found

    def _fact_articles(self) -> dict[str, tuple[str, ...]]:
        if self.foreign_annotations:
            return {}
        cited: dict[str, dict[str, None]] = {}
        for entity in self._annotations.entities.values():
            sourced: tuple[Fact | Relation, ...] = (*entity.facts, *entity.relations)  # else mypy joins them to object
            for item in sourced:
                cited.setdefault(item.article, {})[entity.id] = None
        return {article: tuple(ids) for article, ids in cited.items()}

    # -- articles and mentions ---------------------------------------------------------------

    def article(self, article_id: str) -> Article:
        """Read an article of this corpus, or one cited by a borrowed annotation set."""
        if self.foreign_annotations and not self._corpus.exists(article_id):
            return self._annotation_corpus.read(article_id)
        return self._corpus.read(article_id)

    def article_home(self, article_id: str) -> Path | None:
        """The folder of the corpus a borrowed annotation set's article is read from; None for this corpus's own."""
        if self.foreign_annotations and not self._corpus.exists(article_id):
            return self._annotation_corpus.root
        return None

    def entity_refs(self, text: str) -> list[EntityRef]:
        """Where annotated entities are named in a text, for linking them in a viewer."""
        return [EntityRef(s, e, i) for s, e, i in self._matcher.spans(text)]

    def suggestions(self, text: str) -> list[Suggestion]:
        """Names in ``text`` that look like entities but no curated name covers, most frequent first."""
        from gdexplorer.annotations.mentions import suggest_entities

        return suggest_entities(text, self._matcher)

    def entities_in(self, article_id: str) -> list[Entity]:
        """Entities the article mentions (from the index, so this is instant)."""
        views = self._entity_views()
        ids = views.entity_ids(article_id) if views is not None else []
        if not ids:
            try:
                ids = list(self._matcher.find(self.article(article_id).text))
            except CorpusError:
                ids = []
        entities = self._annotations.entities
        return [entities[i] for i in ids if i in entities]

    def mentions_of(self, entity_id: str, limit: int | None = None) -> list[ArticleInfo]:
        """Articles that mention the entity, newest first where dates exist."""
        views = self._entity_views()
        if views is None:
            return []
        found = views.articles_mentioning(entity_id)
        found.sort(key=lambda info: info.date or "", reverse=True)  # stable: undated keep path order
        return found[:limit] if limit is not None else found

    def network(self, entity_id: str, top: int = 12) -> Network:
        """The entity's curated relations (both ways) and its ``top`` most co-mentioned entities.

        Co-mentions are counted from the index (facet counts over the articles mentioning it),
        so this stays fast on large corpora; each co-mention edge lists the shared articles.
        """
        entities = self._annotations.entities
        if entity_id not in entities:
            raise QueryError(f"no entity called '{entity_id}'")
        edges: list[NetworkEdge] = []
        for rel in entities[entity_id].relations:
            edges.append(NetworkEdge(entity_id, rel.object, "relation", rel.predicate, 1, rel.quote, (rel.article,)))
        for other in entities.values():
            for rel in other.relations:
                if rel.object == entity_id and other.id != entity_id:
                    edges.append(NetworkEdge(other.id, entity_id, "relation", rel.predicate, 1, rel.quote,
                                             (rel.article,)))
        views = self._entity_views()
        if views is not None:
            shared = [(i, n) for i, n in views.co_mentions(entity_id) if i in entities][:top]
            for other_id, n in shared:
                articles = views.shared_articles(entity_id, other_id, limit=20)
                edges.append(NetworkEdge(entity_id, other_id, "co-mention",
                                         f"{n} shared article{'s' if n != 1 else ''}", n, "", articles))
        nodes = [entity_id]
        for edge in edges:
            for node in (edge.source, edge.target):
                if node not in nodes:
                    nodes.append(node)
        return Network(entity_id, tuple(nodes), tuple(edges))

    def mention_counts(self) -> dict[str, int]:
        """How many articles mention each entity."""
        views = self._entity_views()
        if views is None:
            return {}
        counted = views.mention_counts()
        return {entity_id: counted.get(entity_id.lower(), 0) for entity_id in self._annotations.entities}

    def _entity_views(self) -> _IndexViews | Any | None:
        """Where the mentions are counted: the shared index's tables, else the embedded index;
        None before there is an index (``ServerIndex`` has the same five methods)."""
        if self._server is not None:
            return self._server
        if not self._index.is_usable():
            return None
        return _IndexViews(self._index.searcher())

    def article_count(self) -> int:
        if self._server is not None:
            return int(self._server.article_count())
        if not self._index.is_usable():
            return 0
        return self._index.searcher().doc_count()


class _IndexViews:
    """The embedded index's entity views, with the signatures of the server's
    (:class:`gdexplorer.search.server.store.ServerIndex`)."""

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher

    def entity_ids(self, article_id: str) -> list[str]:
        return stored_entity_ids(self._searcher, article_id)

    def articles_mentioning(self, entity_id: str) -> list[ArticleInfo]:
        return articles_mentioning(self._searcher, entity_id)

    def mention_counts(self) -> dict[str, int]:
        return mention_counts(self._searcher)

    def co_mentions(self, entity_id: str) -> list[tuple[str, int]]:
        return co_mentions(self._searcher, entity_id)

    def shared_articles(self, entity_id: str, other_id: str, limit: int) -> tuple[str, ...]:
        return tuple(shared_articles(self._searcher, entity_id, other_id, limit=limit))
