"""The explorer's workbench: stars, tags and notes on articles, and saved searches.

``WorkbenchMethods`` is mixed into ``gdexplorer.explorer.Explorer``, whose public methods these
stay (the CLI and the window call them on the explorer, never here). The file's format, its
parsing and the minimal edits of its text are in ``gdexplorer.annotations.workbench``; saves go
through the explorer's curator, so they are atomic and undoable like a fact's. The explorer's
state these methods read is declared below for the type checker and set by ``Explorer.__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gdexplorer.annotations.loading import WORKBENCH_FILE
from gdexplorer.annotations.workbench import (
    Workbench,
    load_workbench,
    marks_item,
    parse_workbench,
    search_item,
    set_entry,
)
from gdexplorer.errors import AnnotationError, CorpusError, QueryError
from gdexplorer.model import ArticleMarks, Change, SavedSearch, SavedSearchRun, SearchResult, WorkbenchCounts

if TYPE_CHECKING:
    from gdexplorer.corpus.reading import Corpus


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class WorkbenchMethods:
    """``Explorer``'s methods for the workbench file: marks on articles, and saved searches run again."""

    if TYPE_CHECKING:
        _corpus: Corpus
        _annotations_dir: Path
        _workbench: Workbench
        search: Callable[..., SearchResult]

        def display_path(self, path: Path) -> str: ...

        @property
        def _curator(self) -> Any: ...

    @property
    def workbench_file(self) -> Path:
        """Where stars, tags, notes and saved searches are kept (``workbench.yaml`` in the annotations folder)."""
        return self._annotations_dir / WORKBENCH_FILE

    def _load_workbench(self) -> Workbench:
        return load_workbench(self.workbench_file, self.display_path(self.workbench_file), self._corpus.exists)

    def marks(self, article_id: str) -> ArticleMarks:
        """The star, tags and note on an article (empty marks if it has none)."""
        return self._workbench.marks_of(article_id)

    def all_marks(self) -> Mapping[str, ArticleMarks]:
        """Every marked article's marks by id, read-only."""
        return MappingProxyType(dict(self._workbench.marks))

    def tag_counts(self) -> dict[str, int]:
        """How many articles carry each tag, most used first."""
        return dict(self._workbench.tag_counts().most_common())

    def star(self, article_id: str, starred: bool = True) -> Change:
        """Star (or unstar) an article; saved to the workbench file like a fact (atomic, undoable)."""
        return self._mark(article_id, "star" if starred else "unstar", lambda m: replace(m, starred=starred))

    def tag(self, article_id: str, *tags: str) -> Change:
        cleaned = tuple(t for t in (" ".join(t.split()) for t in tags) if t)
        if not cleaned:
            raise QueryError("give a tag (any words but empty)")
        return self._mark(article_id, f"tag with {', '.join(cleaned)}",
                          lambda m: replace(m, tags=tuple(dict.fromkeys((*m.tags, *cleaned)))))

    def untag(self, article_id: str, *tags: str) -> Change:
        gone = {" ".join(t.split()).casefold() for t in tags}
        return self._mark(article_id, f"untag {', '.join(tags)}",
                          lambda m: replace(m, tags=tuple(t for t in m.tags if t.casefold() not in gone)))

    def set_note(self, article_id: str, text: str) -> Change:
        """Write (or, with empty text, remove) the note on an article."""
        note = "\n".join(line.rstrip() for line in text.strip().splitlines())
        return self._mark(article_id, "note" if note else "remove the note", lambda m: replace(m, note=note))

    def _mark(self, article_id: str, what: str, change: Callable[[ArticleMarks], ArticleMarks]) -> Change:
        article_id = article_id.replace("\\", "/").removeprefix("./")
        if not self._corpus.exists(article_id):
            raise CorpusError(article_id, f"no article '{article_id}' in this corpus")

        def edit(text: str, display: str) -> str:
            # From the file as it is now (under the lock), not as last loaded: another process's
            # tags saved meanwhile are kept.
            current = parse_workbench(text.encode("utf-8"), display).marks_of(article_id)
            return set_entry(text, display, "articles", article_id, marks_item(change(current)),
                             marks_item(current))

        return self._save_workbench(f"{what} {article_id}", edit)

    def saved_searches(self) -> list[SavedSearch]:
        return sorted(self._workbench.searches.values(), key=lambda s: s.name.casefold())

    def save_search(self, name: str, query: str, filters: tuple[str, ...] = (), sort: str = "relevance") -> Change:
        """Save a search under ``name`` (replacing one of that name); what it matches now counts as seen."""
        name = " ".join(name.split())
        if not name:
            raise QueryError("a saved search needs a name")
        search = SavedSearch(name, query.strip(), tuple(filters), sort)
        seen = self._matching_ids(search)
        search = replace(search, seen=seen, opened=_now())
        return self._save_workbench(f"save search {name}", lambda text, display: set_entry(
            text, display, "searches", name, search_item(search)))

    def delete_search(self, name: str) -> Change:
        if name not in self._workbench.searches:
            raise QueryError(f"no saved search called '{name}'")
        return self._save_workbench(f"delete search {name}",
                                    lambda text, display: set_entry(text, display, "searches", name, None))

    def new_matches(self, name: str) -> tuple[str, ...]:
        """Articles the saved search matches now that it did not when last opened (nothing is saved)."""
        search = self._saved(name)
        return tuple(sorted(self._matching_ids(search) - search.seen))

    def run_saved_search(self, name: str, limit: int = 20, snippets: bool = True, facets: bool = False,
                         mark_opened: bool = True) -> SavedSearchRun:
        """Run a saved search; ``mark_opened`` records what it matches now as seen (so "new" starts again)."""
        search = self._saved(name)
        result = self.search(search.query, limit=limit, sort=search.sort, filters=search.filters,
                             snippets=snippets, facets=facets, time_limited=False)
        now = self._matching_ids(search)
        new = tuple(sorted(now - search.seen))
        change = None
        if mark_opened:
            opened = replace(search, seen=now, opened=_now())
            change = self._save_workbench(f"open search {name}", lambda text, display: set_entry(
                text, display, "searches", name, search_item(opened), search_item(search)))
        return SavedSearchRun(search, result, new, change)

    def _saved(self, name: str) -> SavedSearch:
        search = self._workbench.searches.get(name)
        if search is None:
            raise QueryError(f"no saved search called '{name}'")
        return search

    def _matching_ids(self, search: SavedSearch) -> frozenset[str]:
        first = self.search(search.query, limit=0, sort=search.sort, filters=search.filters, snippets=False,
                            time_limited=False, collapse=False)
        every = self.search(search.query, limit=max(first.total, 1), filters=search.filters, snippets=False,
                            time_limited=False, collapse=False)
        return frozenset(h.path for h in every.hits)

    def _save_workbench(self, summary: str, edit: Callable[[str, str], str]) -> Change:
        display = self.display_path(self.workbench_file)

        def validate(data: bytes) -> None:
            errors = [p for p in parse_workbench(data, display).problems if p.is_error]
            if errors:
                raise AnnotationError(display, f"the change would make the file invalid: {errors[0]}")

        return self._curator.rewrite(self.workbench_file, summary, edit, validate)

    def workbench_counts(self, text: str, filters: tuple[str, ...] = (), keystroke: bool = False,
                         top: int = 40) -> WorkbenchCounts:
        """Of what ``text`` and ``filters`` match, how many are starred and carry each tag (the
        ``top`` most used tags; a tag holding a double quote cannot be queried and is left out).

        One count per tag, each answered from the index's doc sets with the tag's articles as a
        mask: nothing is counted when nothing is marked.
        """
        workbench = self._workbench
        if not workbench.marks:
            return WorkbenchCounts()

        def count(clause: str) -> int:
            return self.search(text, limit=0, snippets=False, keystroke=keystroke, time_limited=False,
                               filters=(*filters, clause), collapse=False).total

        starred = count("starred:yes") if workbench.starred() else 0
        tags = [(tag, count(f'tag:"{tag}"')) for tag, _ in workbench.tag_counts().most_common(top) if '"' not in tag]
        return WorkbenchCounts(starred, tuple(sorted(((t, n) for t, n in tags if n), key=lambda tn: -tn[1])))

    def _resolve_set(self, name: str, value: str) -> tuple[frozenset[str], bool]:
        return self._workbench.resolve(name, value)
