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
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
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
from gdexplorer.errors import CorpusError, IndexMissingError, Problem, QueryError, Severity
from gdexplorer.explorer_curation import CurationMethods
from gdexplorer.explorer_export import ExportMethods
from gdexplorer.explorer_suggested import SuggestedEntityMethods
from gdexplorer.explorer_workbench import WorkbenchMethods
from gdexplorer.model import (
    AnnotationCounts,
    Article,
    ArticleInfo,
    BuildFailure,
    Entity,
    EntityKind,
    Fact,
    IndexStats,
    Network,
    NetworkEdge,
    Progress,
    Relation,
    SearchResult,
    Snippet,
    Suggestion,
    WatchList,
)
from gdexplorer.paths import index_dir_for
from gdexplorer.search import buildprotocol
from gdexplorer.search.engine.spelling import did_you_mean
from gdexplorer.search.freshness import FreshnessRecord, folders_under, take
from gdexplorer.search.index import INDEX_DAMAGE, SearchIndex
from gdexplorer.search.query import (
    KEYSTROKE_MIN_PREFIX,
    MAX_QUERY_CHARS,
    QueryParser,
    all_of,
    articles_mentioning,
    clean_query,
    co_mentions,
    every_article,
    keystroke_text,
    mention_counts,
    run_search,
    shared_articles,
    stored_entity_ids,
)
from gdexplorer.search.schema import analyzer_for, make_schema
from gdexplorer.search.snippets import highlight_spans, make_snippet
from gdexplorer.search.syntax import unfinished

# Articles in the corpus's own format: the only files whose changes the watch list follows one by one.
_ARTICLE_SUFFIX = ".txt"

ProgressCallback = Callable[[Progress], None]

log = logging.getLogger(__name__)

_ENTITY_FILTER = re.compile(r'\bentity:("([^"]*)"|(\S+))')
# What may follow a term in the query language without being part of it: a group's end, a boost.
_QUERY_SUFFIX = re.compile(r"(?:\)|\^\d*(?:\.\d*)?)$")


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


class Explorer(WorkbenchMethods, SuggestedEntityMethods, CurationMethods, ExportMethods):
    """A corpus with its annotations and index; what the CLI and the window talk to.

    The workbench's methods (stars, tags, notes, saved searches) and the suggested entities' are
    written in ``gdexplorer.explorer_workbench`` and ``gdexplorer.explorer_suggested``.
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

    # -- index -------------------------------------------------------------------------------

    def update_index(self, progress: ProgressCallback | None = None,
                     cancel: threading.Event | None = None) -> IndexStats:
        """Build or update the index; see ``SearchIndex.update``.

        A complete update also saves the cheap signals that ``index_changes`` compares.
        """
        if self._server is not None:
            return self._server.update(self._corpus, self._matcher, self._fact_articles(), progress, cancel)
        started = time.time_ns()
        stats = self._index.update(self._corpus, self._matcher, self._fact_articles(), progress, cancel)
        self._index_problems = stats.problems
        if not stats.cancelled:
            self._save_freshness(started)
        return stats

    def update_server(self, url: str, name: str | None = None, progress: ProgressCallback | None = None,
                      cancel: threading.Event | None = None) -> IndexStats:
        """Fill the shared index on the PostgreSQL server at ``url`` with this corpus (see
        ``gdexplorer.search.server``): what changed since its last update, in one transaction.
        ``name`` names the corpus there (its folder's name by default), so copies of one folder at
        different places share it."""
        from gdexplorer.search.server.store import ServerIndex

        server = ServerIndex(url, name or self._corpus.root.name)
        return server.update(self._corpus, self._matcher, self._fact_articles(), progress, cancel)

    def index_changes(self) -> str:
        """Why the index may no longer describe the corpus, from cheap signals only; "" if none says so.

        Compares the stat of the folders, the manifest and the annotation files with those saved by
        the last complete update (milliseconds, where ``update_index`` stats every article). Not seen:
        an article edited in place, which changes no folder (see ``gdexplorer.search.freshness``);
        ``update_index`` sees it. "" means trust the index as it is; anything else, update it.
        """
        if self._server is not None:
            # The shared index is filled by `gdexplorer index --server`, not by each analyst's search.
            return "" if self._server.is_ready() else "the corpus is not on the server yet"
        generation = self._index.generation()
        if generation is None or not self._index.is_complete():
            return "the index is not built or not complete"
        return self._freshness.changed(generation)

    def _save_freshness(self, started_ns: int) -> None:
        corpus = self._corpus
        annotations = self._annotations_dir
        generation = self._index.generation()
        # What the update used may be older than the files: a manifest or annotations changed since
        # this object read them (the window rereads them on refresh). Then vouch for nothing.
        if (generation is None or not corpus.manifest_unchanged()
                or self._annotation_signature() != self._annotation_signature_seen):
            self._freshness.forget()
            return
        paths = [str(corpus.root), *corpus.scanned_folders, str(corpus.root / MANIFEST)]
        if annotations.is_dir():
            paths += folders_under(annotations)
            paths += [str(p) for p in annotation_files(annotations)]
        else:
            paths.append(str(annotations))  # its creation changes this
        self._freshness.save(generation, take(dict.fromkeys(paths), started_ns))

    def index_ready(self) -> bool:
        if self._server is not None:
            return bool(self._server.is_ready())
        return self._index.is_usable()

    def drop_index(self) -> None:
        """Delete the index, so that the next update builds it from scratch."""
        if self._server is not None:
            self._server.drop()
            return
        self._index.drop()

    @property
    def serves_shared_index(self) -> bool:
        """Whether this searches the shared index on a server rather than the embedded one."""
        return self._server is not None

    @property
    def shared_index_location(self) -> str | None:
        """The server searched (host, port, database; never a user or password), or None."""
        return str(self._server.where) if self._server is not None else None

    def build_command(self) -> list[str]:
        """The arguments after the Python executable that build this index in a child process
        (``gdexplorer.buildproc``); read its output with ``parse_build_line``, then hand the
        stats to ``index_built``."""
        return buildprotocol.command(self._corpus.root, self._annotations_dir, self._index.folder)

    def suggest_command(self) -> list[str]:
        """As ``build_command``, for finding suggested entities in a child process (after a build)."""
        return [*self.build_command(), "--suggest"]

    @staticmethod
    def parse_build_line(line: str) -> Progress | IndexStats | BuildFailure | None:
        return buildprotocol.parse_line(line)

    def index_built(self, stats: IndexStats) -> None:
        """An update made elsewhere (a child process) finished: take its problems as this index's."""
        self._index_problems = stats.problems

    # -- search ------------------------------------------------------------------------------

    @cached_property
    def _parser(self) -> QueryParser:
        if self._server is not None:
            return QueryParser(make_schema(self._language))
        return QueryParser(self._index.schema())

    @property
    def _language(self) -> str:
        return str(self._server.language()) if self._server is not None else self._index.language

    @property
    def _analyzer(self) -> Any:
        # One per language, kept: the stemmer's cache lives in the analyzer, and a new one per
        # search (every keystroke) started snippet highlighting with a cold cache each time.
        language = self._language
        cached = self._analyzers.get(language)
        if cached is None:
            cached = self._analyzers[language] = analyzer_for(language)
        return cached

    def search(self, text: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               snippets: bool = True, keystroke: bool = False, filters: tuple[str, ...] = (),
               facets: bool = False, time_limited: bool = True, collapse: bool = True) -> SearchResult:
        """Run a query; raises ``QueryError`` (one sentence) for a bad one.

        ``keystroke=True`` is for search as you type: the last word also matches words it begins,
        and the search is cut short to answer fast (``result.partial``); follow it with the same
        search and ``time_limited=False``, which keeps the prefix meaning but collects everything.
        ``filters`` are query clauses every hit must match without changing the ranking
        (``category:world``, ``date:[2010 TO 2012]``, ``entity:ehang``): facet choices. An empty
        ``text`` with filters or facets means every article. ``collapse``: articles with the same
        text are one hit naming the others (``Hit.copies``), and the total counts texts.
        """
        if self._server is None and not self._index.is_usable():
            raise IndexMissingError("the index is not built yet")
        typed = clean_query(text)
        if len(typed) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(typed):,} characters; the limit is {MAX_QUERY_CHARS:,})")
        deferred = False
        if typed:
            # A trailing space (before cleaning) means the last word is finished: no prefix.
            parsed_text = typed
            if keystroke and not text[-1:].isspace():
                parsed_text = keystroke_text(typed, KEYSTROKE_MIN_PREFIX if time_limited else 1)
                # The last word too short to be a prefix yet is left out of the fast answer.
                deferred = parsed_text != keystroke_text(typed)
            # An open phrase or group while typing is not a mistake yet: the answer after the pause
            # (not time-limited) says what is wrong if it is still open then.
            deferred = deferred or (keystroke and time_limited and unfinished(typed))
            try:
                query = self._parser.parse(self._resolve_entity_names(parsed_text), check_length=False,
                                           resolve=self._resolve_set)
            except QueryError:
                if not deferred:
                    raise
                # "t" alone is no word yet; the full search that follows expands it (or says what is wrong).
                return SearchResult(text, 0, 0.0, partial=True, filters=tuple(filters))
        elif filters or facets:
            query = every_article()
        else:
            query = self._parser.parse(text)  # raises the "type something" sentence
        filter_query = None
        if filters:
            filter_query = all_of(self._parser.parse(self._resolve_entity_names(f), resolve=self._resolve_set)
                                  for f in filters)
        if self._server is not None:
            if missing := self._server.missing_reason():
                raise IndexMissingError(f"{missing}: fill it with `gdexplorer index --server URL`")
            result = self._server.run(query, text, self._body, self._analyzer, limit=limit, offset=offset,
                                      with_snippets=snippets, sort=sort, filter_query=filter_query, facets=facets,
                                      collapse=collapse, read_pages=self._pages)
            if typed and not (keystroke and time_limited):  # as below: the answer after the pause offers it
                fix = self._server.did_you_mean(typed, result.total, prefix_last=keystroke and not text[-1:].isspace())
                if fix is not None and fix != typed:
                    result = replace(result, did_you_mean=fix)
            return replace(result, filters=tuple(filters)) if filters else result
        try:
            searcher = self._index.searcher()
            result = run_search(searcher, query, text, self._body, self._analyzer, limit=limit, offset=offset,
                                with_snippets=snippets, sort=sort, keystroke=keystroke,
                                filter_query=filter_query, facets=facets, time_limited=time_limited,
                                collapse=collapse, read_pages=self._pages)
            if typed and not (keystroke and time_limited):
                # Not in the fast answer to a keystroke: the one after the pause offers it.
                fix = did_you_mean(searcher, typed, result.total, prefix_last=keystroke and not text[-1:].isspace())
                if fix is not None and fix != typed:
                    result = replace(result, did_you_mean=fix)
        except INDEX_DAMAGE as e:
            # Whoosh reading a truncated or corrupted segment fails in these ways; the index is
            # not trustworthy, so the next update rebuilds it. Other exceptions are bugs: raised.
            self._index.mark_damaged(f"{type(e).__name__}: {e}")
            raise IndexMissingError("the index is damaged and will be rebuilt; search again in a moment") from e
        if deferred:
            result = replace(result, partial=True)  # the prefix is left to the full search that follows
        return replace(result, filters=tuple(filters)) if filters else result

    def _resolve_entity_names(self, text: str) -> str:
        """Let ``entity:EHang`` or ``entity:"GAC Group"`` stand for the entity's id."""

        def swap(m: re.Match[str]) -> str:
            quoted = m.group(2) is not None
            key = m.group(2) if quoted else m.group(3)
            entity = self.entity(key)
            closing = ""
            while entity is None and not quoted and (tail := _QUERY_SUFFIX.search(key)) and tail.start() > 0:
                # "(entity:a OR entity:b)" or "entity:a^2": the group's ")" or the boost is not part
                # of the id (one at a time, from the end: an id may end in one).
                key, closing = key[: tail.start()], tail.group() + closing
                entity = self.entity(key)
            if entity is None:
                key = m.group(2) if quoted else m.group(3)
                raise QueryError(f"no entity called '{key}'; entity: takes an entity's id, name or alias")
            # Single quotes make the id one literal term: ids may hold * ? ~ ^ ( which the parser
            # would read as a wildcard, a fuzzy term, a boost or a group (ids never hold a quote).
            # In a group of its own: Whoosh ends a quoted term only before a space or a bracket, so
            # a boost right after it ('ehang'^2) would run on to the next quote.
            return f"(entity:'{entity.id}'){closing}"

        return _ENTITY_FILTER.sub(swap, text)

    def _body(self, article_id: str) -> str | None:
        try:
            return self._corpus.read_body(article_id)
        except CorpusError:
            return None

    def _pages(self, article_id: str) -> tuple[int, ...]:
        try:
            return self._corpus.pages(article_id)
        except CorpusError:
            return ()

    def snippet(self, article_id: str, terms: tuple[str, ...]) -> Snippet:
        """The best passage of an article for ``terms`` (from a ``SearchResult``), for lazy rendering."""
        body = self._body(article_id) or ""
        return make_snippet(body, terms, self._analyzer)

    def highlight(self, text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
        """Where ``terms`` (from a ``SearchResult``) occur in an article's text."""
        return highlight_spans(text, terms, self._analyzer)

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
