"""The one door: ``Explorer`` holds a corpus, its annotations and its index.

The CLI and the window hold an ``Explorer`` and nothing below it. Methods are safe to call from
worker threads (each thread gets its own Whoosh searcher); the object never calls back into
whoever holds it except through the progress callback and cancel event it is given.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from whoosh.query import And, Every, Term

from gdexplorer.annotations.loading import AnnotationSet, annotation_files, load_annotations
from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.reading import ARTICLES, MANIFEST, Corpus
from gdexplorer.errors import CorpusError, Problem, QueryError, SearchIndexError, Severity
from gdexplorer.model import (
    Article,
    ArticleInfo,
    Entity,
    EntityKind,
    IndexStats,
    Network,
    NetworkEdge,
    SearchResult,
    Snippet,
)
from gdexplorer.paths import index_dir_for
from gdexplorer.search.index import INDEX_DAMAGE, SearchIndex, analyzer_for
from gdexplorer.search.query import (
    KEYSTROKE_MIN_PREFIX,
    MAX_QUERY_CHARS,
    QueryParser,
    clean_query,
    count_facets,
    keystroke_text,
    run_search,
)
from gdexplorer.search.snippets import highlight_spans, make_snippet

log = logging.getLogger(__name__)

_ENTITY_FILTER = re.compile(r'\bentity:("([^"]*)"|(\S+))')


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


class Explorer:
    """A corpus with its annotations and index; what the CLI and the window talk to."""

    def __init__(self, corpus_root: Path | str, annotations_dir: Path | str | None = None,
                 cache_dir: Path | None = None) -> None:
        self.corpus = Corpus(corpus_root)
        if annotations_dir is None:
            self.annotations_dir = self.corpus.default_annotations_dir
            self.annotation_corpus = self.corpus
        else:
            self.annotations_dir = Path(annotations_dir).resolve()
            home = self.annotations_dir.parent
            # An annotation set borrowed from another corpus cites that corpus's articles.
            if home != self.corpus.root and ((home / ARTICLES).is_dir() or (home / MANIFEST).is_file()):
                self.annotation_corpus = Corpus(home)
            else:
                self.annotation_corpus = self.corpus
        self.index = SearchIndex(index_dir_for(self.corpus.root, self.annotations_dir, cache_dir))
        self.annotations = AnnotationSet()
        self.index_problems: tuple[Problem, ...] = ()
        self._lock = threading.Lock()
        self._analyzers: dict[str, object] = {}
        self.reload_annotations()

    def __repr__(self) -> str:
        return f"Explorer({str(self.corpus.root)!r})"

    @property
    def name(self) -> str:
        return self.corpus.name

    @property
    def foreign_annotations(self) -> bool:
        return self.annotation_corpus is not self.corpus

    # -- annotations -------------------------------------------------------------------------

    def reload_annotations(self) -> AnnotationSet:
        """(Re)read the annotation files; the index picks up changed mentions on its next update."""
        base = self.corpus.root if self.annotations_dir.is_relative_to(self.corpus.root) else None
        signature = self.annotation_signature()
        loaded = load_annotations(self.annotations_dir, self.annotation_corpus, display_base=base)
        with self._lock:
            self._annotation_signature = signature
            self.annotations = loaded
            self.__dict__.pop("matcher", None)
        return loaded

    def annotation_signature(self) -> tuple[tuple[str, int, int], ...]:
        """(path, mtime, size) of every annotation file: changes when any is edited, added or removed."""
        found = []
        for path in annotation_files(self.annotations_dir):
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def refresh(self, progress=None, cancel: threading.Event | None = None) -> RefreshReport:
        """Pick up what changed on disk since the last look: annotation files, the manifest and
        articles. Only what changed is re-read and re-indexed."""
        signature = self.annotation_signature()
        annotations_changed = signature != self._annotation_signature
        if annotations_changed:
            self.reload_annotations()
        manifest_changed = self.corpus.refresh_manifest()
        stats = self.update_index(progress, cancel)
        return RefreshReport(annotations_changed, manifest_changed, stats)

    @cached_property
    def matcher(self) -> MentionMatcher:
        return MentionMatcher(self.annotations.entities.values())

    def problems(self) -> list[Problem]:
        """Everything wrong that a user should see: manifest, annotations, unreadable articles."""
        return [*self.corpus.manifest_problems(), *self.annotations.problems, *self.index_problems]

    def check_articles(self) -> list[Problem]:
        """Read every article and keep what is odd about them (bad bytes, no body, unreadable)."""
        found: list[Problem] = []
        articles = self.corpus.scan()
        found.extend(self.corpus.scan_problems)
        for article_id in sorted(articles):
            try:
                found.extend(self.corpus.read_checked(article_id)[1])
            except CorpusError as e:
                found.append(Problem(e.path, e.line, e.column, e.message, Severity.WARNING))
        found.sort(key=lambda p: (p.path, p.line, p.column))
        self.index_problems = tuple(found)
        return found

    def entities(self, kind: EntityKind | None = None) -> list[Entity]:
        """Entities sorted by type (vocabulary order) then name."""
        order = {k: i for i, k in enumerate(EntityKind)}
        found = [e for e in self.annotations.entities.values() if kind is None or e.kind is kind]
        return sorted(found, key=lambda e: (order[e.kind], e.name.casefold()))

    def entity(self, key: str) -> Entity | None:
        """Look an entity up by id, then by name or alias (case-insensitive)."""
        entities = self.annotations.entities
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
        for entity in self.annotations.entities.values():
            for item in (*entity.facts, *entity.relations):
                cited.setdefault(item.article, {})[entity.id] = None
        return {article: tuple(ids) for article, ids in cited.items()}

    # -- index -------------------------------------------------------------------------------

    def update_index(self, progress=None, cancel: threading.Event | None = None) -> IndexStats:
        """Build or update the index; see ``SearchIndex.update``."""
        stats = self.index.update(self.corpus, self.matcher, self._fact_articles(), progress, cancel)
        self.index_problems = stats.problems
        return stats

    def index_ready(self) -> bool:
        return self.index.is_usable()

    # -- search ------------------------------------------------------------------------------

    @cached_property
    def _parser(self) -> QueryParser:
        return QueryParser(self.index.schema())

    @property
    def analyzer(self):
        # One per language, kept: the stemmer's cache lives in the analyzer, and a new one per
        # search (every keystroke) started snippet highlighting with a cold cache each time.
        language = self.index.language
        cached = self._analyzers.get(language)
        if cached is None:
            cached = self._analyzers[language] = analyzer_for(language)
        return cached

    def search(self, text: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               snippets: bool = True, keystroke: bool = False, filters: tuple[str, ...] = (),
               facets: bool = False, time_limited: bool = True) -> SearchResult:
        """Run a query; raises ``QueryError`` (one sentence) for a bad one.

        ``keystroke=True`` is for search as you type: the last word also matches words it begins,
        and the search is cut short to answer fast (``result.partial``); follow it with the same
        search and ``time_limited=False``, which keeps the prefix meaning but collects everything.
        ``filters`` are query clauses every hit must match without changing the ranking
        (``category:world``, ``date:[2010 TO 2012]``, ``entity:ehang``): facet choices. An empty
        ``text`` with filters or facets means every article.
        """
        if not self.index.is_usable():
            raise SearchIndexError("the index is not built yet")
        typed = clean_query(text)
        if len(typed) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(typed):,} characters; the limit is {MAX_QUERY_CHARS:,})")
        deferred = False
        if typed:
            # A trailing space (before cleaning) means the last word is finished: no prefix.
            parsed_text = typed
            if keystroke and not text[-1:].isspace():
                parsed_text = keystroke_text(typed, KEYSTROKE_MIN_PREFIX if time_limited else 1)
                deferred = parsed_text == typed != keystroke_text(typed)
            try:
                query = self._parser.parse(self._resolve_entity_names(parsed_text), check_length=False)
            except QueryError:
                if not deferred:
                    raise
                # "t" alone is no word yet; the full search that follows expands it (or says what is wrong).
                return SearchResult(text, 0, 0.0, partial=True, filters=tuple(filters))
        elif filters or facets:
            query = Every()
        else:
            query = self._parser.parse(text)  # raises the "type something" sentence
        filter_query = None
        if filters:
            filter_query = And([self._parser.parse(self._resolve_entity_names(f)) for f in filters])
        try:
            searcher = self.index.searcher()
            result = run_search(searcher, query, text, self._body, self.analyzer, limit=limit, offset=offset,
                                with_snippets=snippets, sort=sort, keystroke=keystroke,
                                filter_query=filter_query, facets=facets, time_limited=time_limited)
        except INDEX_DAMAGE as e:
            # Whoosh reading a truncated or corrupted segment fails in these ways; the index is
            # not trustworthy, so the next update rebuilds it. Other exceptions are bugs: raised.
            self.index.mark_damaged(f"{type(e).__name__}: {e}")
            raise SearchIndexError("the index is damaged and will be rebuilt; search again in a moment") from e
        if deferred:
            result = replace(result, partial=True)  # the prefix is left to the full search that follows
        return replace(result, filters=tuple(filters)) if filters else result

    def _resolve_entity_names(self, text: str) -> str:
        """Let ``entity:EHang`` or ``entity:"GAC Group"`` stand for the entity's id."""

        def swap(m: re.Match[str]) -> str:
            key = m.group(2) if m.group(2) is not None else m.group(3)
            entity = self.entity(key)
            if entity is None:
                raise QueryError(f"no entity called '{key}'; entity: takes an entity's id, name or alias")
            return f"entity:{entity.id}"

        return _ENTITY_FILTER.sub(swap, text)

    def _body(self, article_id: str) -> str | None:
        try:
            return self.corpus.read_body(article_id)
        except CorpusError:
            return None

    def snippet(self, article_id: str, terms: tuple[str, ...]) -> Snippet:
        """The best passage of an article for ``terms`` (from a ``SearchResult``), for lazy rendering."""
        body = self._body(article_id) or ""
        return make_snippet(body, terms, self.analyzer)

    def highlight(self, text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
        """Where ``terms`` (from a ``SearchResult``) occur in an article's text."""
        return highlight_spans(text, terms, self.analyzer)

    # -- articles and mentions ---------------------------------------------------------------

    def article(self, article_id: str) -> Article:
        """Read an article of this corpus, or one cited by a borrowed annotation set."""
        if self.foreign_annotations and not self.corpus.exists(article_id):
            return self.annotation_corpus.read(article_id)
        return self.corpus.read(article_id)

    def entity_refs(self, text: str) -> list[EntityRef]:
        """Where annotated entities are named in a text, for linking them in a viewer."""
        return [EntityRef(s, e, i) for s, e, i in self.matcher.spans(text)]

    def entities_in(self, article_id: str) -> list[Entity]:
        """Entities the article mentions (from the index, so this is instant)."""
        ids: list[str] = []
        if self.index.is_usable():
            searcher = self.index.searcher()
            docnum = searcher.document_number(path=article_id)
            if docnum is not None:
                stored = searcher.stored_fields(docnum)
                ids = [i for i in str(stored.get("entity") or "").split(",") if i]
        if not ids:
            try:
                ids = list(self.matcher.find(self.article(article_id).text))
            except CorpusError:
                ids = []
        entities = self.annotations.entities
        return [entities[i] for i in ids if i in entities]

    def mentions_of(self, entity_id: str, limit: int | None = None) -> list[ArticleInfo]:
        """Articles that mention the entity, newest first where dates exist."""
        if not self.index.is_usable():
            return []

        from gdexplorer.search.index import info_from_stored

        searcher = self.index.searcher()
        results = searcher.search(Term("entity", entity_id.lower()), limit=None, sortedby="path")
        found = [info_from_stored(hit.fields()) for hit in results]
        found.sort(key=lambda info: info.date or "", reverse=True)  # stable: undated keep path order
        return found[:limit] if limit is not None else found

    def network(self, entity_id: str, top: int = 12) -> Network:
        """The entity's curated relations (both ways) and its ``top`` most co-mentioned entities.

        Co-mentions are counted from the index (facet counts over the articles mentioning it),
        so this stays fast on large corpora; each co-mention edge lists the shared articles.
        """
        entities = self.annotations.entities
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
        if self.index.is_usable():
            term = Term("entity", entity_id.lower())
            searcher = self.index.searcher()
            facets = count_facets(searcher, term, None)
            shared = [(i, n) for i, n in facets.entities if i != entity_id and i in entities][:top]
            for other_id, n in shared:
                both = And([term, Term("entity", other_id.lower())])
                articles = tuple(str(hit["path"]) for hit in searcher.search(both, limit=20, sortedby="path"))
                edges.append(NetworkEdge(entity_id, other_id, "co-mention",
                                         f"{n} shared article{'s' if n != 1 else ''}", n, "", articles))
        nodes = [entity_id]
        for edge in edges:
            for node in (edge.source, edge.target):
                if node not in nodes:
                    nodes.append(node)
        return Network(entity_id, tuple(nodes), tuple(edges))

    def mention_counts(self) -> dict[str, int]:
        """How many articles mention each entity (document frequency in the index)."""
        if not self.index.is_usable():
            return {}

        # Not reader.doc_frequency(): it still counts documents deleted by an update until a merge.
        searcher = self.index.searcher()
        return {
            entity_id: sum(1 for _ in searcher.docs_for_query(Term("entity", entity_id.lower())))
            for entity_id in self.annotations.entities
        }

    def article_count(self) -> int:
        if not self.index.is_usable():
            return 0
        return self.index.searcher().doc_count()
