"""The explorer's suggested entities: names a recognizer found in the articles, not yet curated.

``SuggestedEntityMethods`` is mixed into ``gdexplorer.explorer.Explorer``, whose public methods
these stay (the CLI and the window call them on the explorer, never here); the recognizers are
in ``gdexplorer.annotations.recognizers``, their cache and the grouping in
``gdexplorer.annotations.suggested``. The explorer's state these
methods read and write is declared below for the type checker and set by ``Explorer.__init__``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdexplorer.model import Change, EntityKind, NewEntity, NewFact, ProgressCallback, SearchResult
from gdexplorer.search.query import clean_query

if TYPE_CHECKING:
    from gdexplorer.annotations.loading import AnnotationSet
    from gdexplorer.corpus.reading import Corpus
    from gdexplorer.model import ArticleInfo, NewRelation, SuggestedEntity, SuggestionStatus
    from gdexplorer.search.index import SearchIndex


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """A file's modification time and size (what says it changed), or None when it is not there."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class SuggestedEntityMethods:
    """``Explorer``'s methods for suggested entities: find them, list and count them, accept or reject one."""

    if TYPE_CHECKING:
        _corpus: Corpus
        _annotation_corpus: Corpus
        _annotations: AnnotationSet
        _annotations_dir: Path
        _index: SearchIndex
        _suggested_memo: tuple[tuple[int, int] | None, dict[str, Any]] | None
        _grouped_memo: tuple[object, Any] | None
        _grouped_lock: threading.Lock
        search: Callable[..., SearchResult]

        def article_count(self) -> int: ...

        def mentions_of(self, entity_id: str, limit: int | None = None) -> list[ArticleInfo]: ...

        def create_entity(self, entity: NewEntity, facts: tuple[NewFact, ...] = (),
                          relations: tuple[NewRelation, ...] = ()) -> Change: ...

        def add_alias(self, entity_id: str, alias: str) -> Change: ...


    @property
    def suggested_cache_file(self) -> Path:
        from gdexplorer.annotations.suggested import cache_path

        return cache_path(self._index.folder)

    def update_suggested(self, progress: ProgressCallback | None = None,
                         cancel: threading.Event | None = None) -> SuggestionStatus:
        """Run the recognizer on new and changed articles (cached per user; resumable after a kill)."""
        from gdexplorer.annotations.recognizers import Recognizer
        from gdexplorer.annotations.suggested import SuggestionCache, update_cache

        recognizer = Recognizer()
        cache = SuggestionCache(self.suggested_cache_file, recognizer.version())
        files = {aid: stat.signature for aid, stat in self._corpus.scan().items()}
        status = update_cache(cache, files, self._corpus.read_body, recognizer, progress, cancel)
        self._suggested_memo = None
        return status

    def _suggested_records(self) -> dict[str, Any]:
        from gdexplorer.annotations.recognizers import Recognizer
        from gdexplorer.annotations.suggested import SuggestionCache

        path = self.suggested_cache_file
        stamp = _file_stamp(path)
        memo = self._suggested_memo
        if memo is None or memo[0] != stamp:
            memo = (stamp, SuggestionCache(path, Recognizer.version()).records)
            self._suggested_memo = memo
        return memo[1]

    def _suggested_grouped(self) -> Any:
        """The cache grouped (``annotations.suggested.Grouped``): again only when the cache, the curated
        entities or the rejections change, since the facets, the network and the article pane all ask."""
        from gdexplorer.annotations.loading import REJECTED_FILE
        from gdexplorer.annotations.suggested import grouped, read_rejected

        with self._grouped_lock:  # one grouping at a time: the workers asking at once share it
            annotations = self._annotations
            key = (_file_stamp(self.suggested_cache_file), _file_stamp(self._annotations_dir / REJECTED_FILE),
                   id(annotations))
            memo = self._grouped_memo
            if memo is not None and memo[0] == key and memo[1][0] is annotations:
                return memo[1][1]
            result = grouped(self._suggested_records().items(), annotations.entities.values(),
                             read_rejected(self._annotations_dir))
            self._grouped_memo = (key, (annotations, result))
            return result

    def suggested_entities(self, kind: EntityKind | None = None) -> list[SuggestedEntity]:
        """The suggested entities found so far (``update_suggested`` finds them), most mentioned first:
        names curated (as a name or an alias) or rejected are left out. Reads only the cache."""
        found = self._suggested_grouped().entities
        return [s for s in found if kind is None or s.kind == kind]

    def suggested_mentions_of_curated(self) -> dict[str, int]:
        """Mentions the recognizer found of curated entities, by entity id (what the names add to them)."""
        return dict(self._suggested_grouped().extra)

    def suggested_in(self, article_id: str) -> list[SuggestedEntity]:
        """The suggested entities an article mentions, the most mentioned there first."""
        return list(self._suggested_grouped().by_article.get(article_id, ()))

    def suggested_facets(self, text: str, filters: tuple[str, ...] = (),
                         limit: int = 200) -> list[tuple[SuggestedEntity, int]]:
        """How many articles matching ``text`` and ``filters`` (as ``search``) mention each suggested
        entity, most first: the mention facets' suggested rows. Empty without suggestions."""
        found = self._suggested_grouped()
        if not found.entities:
            return []
        if not clean_query(text) and not filters:
            articles: Iterable[str] = found.by_article
        else:
            # One search for every match: no match can be past the number of articles.
            every = self.search(text, limit=max(self.article_count(), 1), filters=filters, snippets=False,
                                keystroke=True, time_limited=False, collapse=False)
            articles = [h.path for h in every.hits]
        return found.counts(articles)[:limit]

    def suggested_co_mentions(self, entity_id: str, top: int = 6) -> list[tuple[SuggestedEntity, tuple[str, ...]]]:
        """The suggested entities most often in the same articles as a curated entity, with those articles."""
        found = self._suggested_grouped()
        if not found.entities:
            return []
        articles = [info.id for info in self.mentions_of(entity_id)]
        shared: dict[int, list[str]] = {}
        for aid in articles:
            for s in found.by_article.get(aid, ()):
                shared.setdefault(id(s), []).append(aid)
        return [(s, tuple(shared[id(s)])) for s, _ in found.counts(articles)[:top]]

    def suggested_entity(self, name: str) -> SuggestedEntity:
        """The suggested entity with this name or alias; raises ``SuggestionError``."""
        from gdexplorer.annotations.suggested import SuggestionError, normalise

        key = normalise(name).casefold()
        for s in self.suggested_entities():
            if key in {normalise(n).casefold() for n in s.names}:
                return s
        raise SuggestionError(f"no suggested entity named '{name}'")

    def accept_suggestion(self, suggested: SuggestedEntity, kind: EntityKind | None = None,
                          entity_id: str | None = None, with_fact: bool = False) -> Change:
        """Write a suggested entity into the curated YAML (the usual validated, undoable save)."""
        from gdexplorer.annotations.suggested import entity_id_for

        new_id = entity_id or entity_id_for(suggested.name, self._annotations.entities)
        facts: tuple[NewFact, ...] = ()
        if with_fact and suggested.mentions and self._annotation_corpus is self._corpus:
            first = suggested.mentions[0]
            facts = (NewFact(first.sentence, first.article, first.sentence),)
        return self.create_entity(NewEntity(new_id, kind or suggested.kind, suggested.name, suggested.aliases), facts)

    def merge_suggestion(self, suggested: SuggestedEntity, entity_id: str) -> Change:
        """Add a suggested entity's name as an alias of a curated entity."""
        return self.add_alias(entity_id, suggested.name)

    def reject_suggestion(self, name: str) -> Path:
        """Never suggest ``name`` again: it is added to the rejected list in the annotations folder."""
        from gdexplorer.annotations.suggested import add_rejected

        path = add_rejected(self._annotations_dir, name)
        self._suggested_memo = None
        return path
