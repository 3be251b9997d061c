"""The explorer's index: building and updating it (here or in a child process, or on a server),
and telling from cheap signals whether it still describes the corpus.

``IndexMethods`` is mixed into ``gdexplorer.explorer.Explorer``, whose public methods these stay.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from gdexplorer.annotations.loading import annotation_files
from gdexplorer.corpus.manifest import MANIFEST
from gdexplorer.model import BuildFailure, IndexStats, Progress, ProgressCallback
from gdexplorer.search import buildprotocol
from gdexplorer.search.freshness import folders_under, take

if TYPE_CHECKING:
    from pathlib import Path

    from gdexplorer.corpus.reading import Corpus
    from gdexplorer.errors import Problem
    from gdexplorer.search.freshness import FreshnessRecord
    from gdexplorer.search.index import SearchIndex


class IndexMethods:
    """``Explorer``'s methods that build, update and describe its index."""

    if TYPE_CHECKING:
        _server: Any
        _corpus: Corpus
        _index: SearchIndex
        _index_problems: tuple[Problem, ...]
        _freshness: FreshnessRecord
        _annotations_dir: Path
        _annotation_signature_seen: tuple[tuple[str, int, int], ...]
        _matcher: Any  # a cached property of Explorer's

        def _fact_articles(self) -> dict[str, tuple[str, ...]]: ...
        def _annotation_signature(self) -> tuple[tuple[str, int, int], ...]: ...

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
