"""The window's handle on one open corpus: every core call goes through here, off the UI thread.

``ExplorerSession`` owns the ``Explorer``, the index build (an ``IndexBuild``: in a child process,
so that it does not share the GIL with the UI thread; see ``indexbuild.py``) and two private pools:
a one-thread pool for updates from disk (and for the build where no child process can be started)
and a small pool for searches and page loads. One update runs at a time (Whoosh allows one writer): one
asked for while another runs starts when it ends.

Two numbers decide whether an answer reaches the widgets. Every task carries the corpus's
generation (``open`` and ``shutdown`` move it on): an answer for a corpus closed since is dropped.
And every query and page load (searches, facet counts, counts of the corpus, the newest articles,
articles, entities, networks) is a request of its kind (``Latest``): only the latest one of each
kind is answered.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from gdexplorer.errors import IndexMissingError, QueryError
from gdexplorer.gui.explorepages import FacetsPage, load_facets_page, load_network_page
from gdexplorer.gui.history import ArticleLocation
from gdexplorer.gui.indexbuild import IndexBuild, IndexBuildProcess, IndexBuildThread, can_build_in_child
from gdexplorer.gui.pages import (
    OpenedCorpus,
    Refreshed,
    corpus_stats,
    describe_failure,
    load_article_page,
    load_entity_page,
    newest_articles,
    open_explorer,
    refresh_corpus,
)
from gdexplorer.gui.sessionrequests import Latest, SearchFailure, search_page
from gdexplorer.gui.workers import Task, TaskSignals, TaskSkipped, Ticket, WorkerPool
from gdexplorer.model import BuildFailure, IndexStats, Progress

if TYPE_CHECKING:
    # The core (and Whoosh) is imported after the window's first paint; these name types only.
    from gdexplorer.explorer import Explorer

log = logging.getLogger(__name__)

FACETS_CACHED = 16
# How long closing the window waits for the build's child process to stop by itself before killing it.
BUILD_STOP_MS = 100


class ExplorerSession(QObject):
    """Opens corpora, builds their index and answers searches and page loads asynchronously."""

    corpus_opening = Signal(object)  # Path
    corpus_opened = Signal(object)  # OpenedCorpus
    corpus_failed = Signal(str)
    index_started = Signal()
    index_progressed = Signal(object)  # Progress
    index_finished = Signal(object)  # IndexStats
    index_failed = Signal(str)
    index_lost = Signal(str)  # a sentence: a query found no usable index, which is being built again
    stats_changed = Signal(object)  # CorpusStats
    search_finished = Signal(object)  # SearchOutcome
    search_failed = Signal(object)  # SearchFailure
    newest_loaded = Signal(object)  # SearchResult | None
    article_loaded = Signal(object)  # ArticlePage
    article_failed = Signal(str)
    entity_loaded = Signal(object)  # EntityPage
    entity_failed = Signal(str)
    facets_finished = Signal(object)  # FacetsPage
    facets_failed = Signal(str)
    network_loaded = Signal(object)  # NetworkPage
    network_failed = Signal(str)
    corpus_refreshed = Signal(object)  # Refreshed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.explorer: Explorer | None = None
        # The PostgreSQL server whose shared index the corpora are searched in; None: embedded.
        self.server: str | None = None
        self._generation = 0
        self._search = Latest("searching", self.search_finished, self.search_failed, self._search_failure)
        self._facets = Latest("counting the facets", self.facets_finished, self.facets_failed,
                               keep=self._keep_facets)
        self._stats = Latest("counting mentions", self.stats_changed)
        self._newest = Latest("listing the newest articles", self.newest_loaded)
        self._article = Latest("loading the article", self.article_loaded, self.article_failed)
        self._entity = Latest("loading the entity", self.entity_loaded, self.entity_failed)
        self._network = Latest("loading the network", self.network_loaded, self.network_failed)
        self._facets_cache: dict[tuple[str, tuple[str, ...], bool, str], FacetsPage] = {}
        self._indexing: Ticket | None = None
        # Build in a child process unless none can be started (a frozen app); tests try both ways.
        self.build_in_child = can_build_in_child()
        self._build: IndexBuild | None = None
        self._index_again = False  # start_indexing was asked for while another update ran
        # A build started because a query found no index has not succeeded yet: do not start another
        # (a build failing for good, then a stats count failing, would start one after the other).
        self._rebuilding_lost = False
        # Tasks not yet answered, each with the kind of latest-only load it is (if one).
        self._pending: dict[TaskSignals, Latest | None] = {}
        self._pool = WorkerPool("queries", threads=2, parent=self)
        self._index_pool = WorkerPool("indexing", threads=1, parent=self)
        self._closed = False
        self._refreshing: Ticket | None = None
        self._refresh_again = False
        self._refresh_cancel = threading.Event()

    # -- state -------------------------------------------------------------------------------

    @property
    def indexing(self) -> bool:
        return self._indexing is not None

    @property
    def latest_search(self) -> int:
        return self._search.number

    def busy(self) -> bool:
        return self._pool.busy() or self._index_pool.busy() or (self._build is not None and self._build.running())

    def _submit(self, pool: WorkerPool, task: Task, finished: Callable[..., None],
                failed: Callable[..., None], latest: Latest | None = None) -> None:
        if self._closed:
            return
        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        # The holder must outlive the queued signals it sends; forgotten in _forget().
        self._pending[task.signals] = latest
        pool.submit(task)

    def _forget(self) -> Latest | None:
        sender = self.sender()
        if isinstance(sender, TaskSignals):
            return self._pending.pop(sender, None)
        return None

    def _ask(self, latest: Latest, number: int, fn: Callable[..., object], *args: object) -> int:
        """Run ``fn(*args)`` on the query pool as request ``number`` of its kind; returns the number."""
        task = Task(Ticket(self._generation, number), fn, *args, skip=latest.superseded(number))
        self._submit(self._pool, task, self._on_latest_task_finished, self._on_latest_task_failed, latest)
        return number

    @Slot(object, object)
    def _on_latest_task_finished(self, ticket: Ticket, answer: object) -> None:
        latest = self._forget()
        if latest is None or not self._current(ticket):
            return
        if latest.keep is not None:
            latest.keep(answer)
        if ticket.number == latest.number:
            latest.answered.emit(answer)

    @Slot(object, object)
    def _on_latest_task_failed(self, ticket: Ticket, error: Exception) -> None:
        latest = self._forget()
        if isinstance(error, IndexMissingError) and self._current(ticket):
            self._rebuild_lost_index(error)
        if latest is None or isinstance(error, TaskSkipped) or not self._current(ticket) \
                or ticket.number != latest.number:
            return
        if latest.failed is None:
            log.info("%s failed: %s", latest.what, describe_failure(error))
        elif latest.failure is not None:
            latest.failed.emit(latest.failure(ticket.number, error))
        else:
            latest.failed.emit(describe_failure(error))

    def _current(self, ticket: Ticket) -> bool:
        return ticket.generation == self._generation and not self._closed

    # -- opening -----------------------------------------------------------------------------

    def open(self, corpus: Path, annotations: Path | None = None) -> None:
        """Load a corpus in the background; the old one's indexing is cancelled."""
        self._generation += 1
        self.cancel_indexing()
        if self.explorer is not None:
            self.explorer.close()  # its reads still running are of no use now
        self.explorer = None
        self._rebuilding_lost = False
        self.corpus_opening.emit(corpus)
        task = Task(Ticket(self._generation), open_explorer, corpus, annotations, self.server)
        self._submit(self._pool, task, self._on_open_task_finished, self._on_open_task_failed)

    @Slot(object, object)
    def _on_open_task_finished(self, ticket: Ticket, opened: OpenedCorpus) -> None:
        self._forget()
        if not self._current(ticket):
            return
        self.explorer = opened.explorer
        # Indexing starts first so the window, told of the corpus, already sees it running.
        self.start_indexing()
        self.corpus_opened.emit(opened)
        if opened.index_ready or not opened.problems_complete:
            self.refresh_stats()

    @Slot(object, object)
    def _on_open_task_failed(self, ticket: Ticket, error: Exception) -> None:
        self._forget()
        if self._current(ticket):
            self.corpus_failed.emit(describe_failure(error))

    # -- indexing ----------------------------------------------------------------------------

    def start_indexing(self) -> None:
        """Bring the index up to date (a no-op scan when nothing changed)."""
        if self.explorer is None or self._closed:
            return
        if self.explorer.serves_shared_index:
            # The shared index is filled with `gdexplorer index --server`, from the machine that
            # holds the corpus; an analyst's window (often on a read-only copy) only searches it.
            return
        if self._indexing is not None or self._refreshing is not None:
            # One writer at a time: the update still running (perhaps of the previous corpus) goes first.
            self._index_again = True
            return
        self._index_again = False
        ticket = Ticket(self._generation)
        self._indexing = ticket
        build = self._build = self._new_build(self.explorer)
        build.progressed.connect(functools.partial(self._on_build_progressed, ticket))
        build.finished.connect(functools.partial(self._on_build_finished, ticket))
        build.failed.connect(functools.partial(self._on_build_failed, ticket))
        self.index_started.emit()
        build.start()

    def _rebuild_lost_index(self, error: IndexMissingError) -> None:
        """A query found no usable index (its folder deleted, or damaged): build it again, once."""
        if self._indexing is not None or self._index_again or self._rebuilding_lost:
            return  # a build is on its way, or the one started for this failed
        log.warning("no usable index for %s (%s): building it again", self.explorer, error)
        self._rebuilding_lost = True
        self.index_lost.emit("The search index was missing or damaged; building it again")
        self.start_indexing()

    def _new_build(self, explorer: Explorer) -> IndexBuild:
        if self.build_in_child:
            return IndexBuildProcess(explorer, self)
        return IndexBuildThread(explorer, self._index_pool, self)

    def cancel_indexing(self) -> None:
        self._refresh_cancel.set()
        if self._build is not None:
            self._build.cancel()

    # -- outside changes ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Pick up what changed on disk (articles, manifest, YAML) and update the index incrementally.

        Runs on the indexing pool, so after any index update already running; a request made while
        one refresh is under way runs once more when it ends. The answer is ``corpus_refreshed``.
        """
        if self.explorer is None or self._closed:
            return
        if self._refreshing is not None or self._indexing is not None:
            self._refresh_again = True
            return
        self._refresh_again = False
        self._refresh_cancel = threading.Event()
        ticket = Ticket(self._generation)
        self._refreshing = ticket
        work = functools.partial(refresh_corpus, self.explorer, cancel=self._refresh_cancel)
        task = Task(ticket, work, reports_progress=True)
        task.signals.progress.connect(self._on_refresh_task_progress)
        self._submit(self._index_pool, task, self._on_refresh_task_finished, self._on_refresh_task_failed)

    @property
    def refreshing(self) -> bool:
        return self._refreshing is not None

    @Slot(object, object)
    def _on_refresh_task_progress(self, ticket: Ticket, progress: Progress) -> None:
        # Only real work is worth showing; the scan that finds nothing changed takes milliseconds.
        if self._current(ticket) and progress.total:
            self.index_progressed.emit(progress)

    @Slot(object, object)
    def _on_refresh_task_finished(self, ticket: Ticket, refreshed: Refreshed) -> None:
        self._forget()
        if ticket == self._refreshing:
            self._refreshing = None
        if not self._current(ticket):
            self._next_update()
            return
        log.info("refresh of %s: %s", self.explorer, refreshed.report)
        self.corpus_refreshed.emit(refreshed)
        if refreshed.report.index.rebuilt:
            # The index was found deleted or damaged and built again: the same news as a build's.
            self._rebuilding_lost = False
            self.index_finished.emit(refreshed.report.index)
        if refreshed.report.changed:
            self.refresh_stats()
        self._next_update()

    @Slot(object, object)
    def _on_refresh_task_failed(self, ticket: Ticket, error: Exception) -> None:
        self._forget()
        if ticket == self._refreshing:
            self._refreshing = None
        if not self._current(ticket):
            self._next_update()
            return
        self.index_failed.emit(f"updating from disk failed: {describe_failure(error)}")
        self._next_update()

    def _next_update(self) -> None:
        """An update ended: start the one asked for meanwhile (a build first: it covers more)."""
        if self._index_again:
            self.start_indexing()
        elif self._refresh_again:
            self.refresh()

    def _on_build_progressed(self, ticket: Ticket, progress: Progress) -> None:
        if self._current(ticket):
            self.index_progressed.emit(progress)

    def _on_build_finished(self, ticket: Ticket, stats: IndexStats) -> None:
        self._build_done(ticket)
        if self._current(ticket) and self.explorer is not None:
            # What update_index does in the process that runs it: the articles' problems join the list.
            self.explorer.index_built(stats)
            log.info("index of %s: %s", self.explorer, stats)
            self._rebuilding_lost = False
            self.index_finished.emit(stats)
            self.refresh_stats()
        self._next_update()

    def _on_build_failed(self, ticket: Ticket, failure: BuildFailure) -> None:
        self._build_done(ticket)
        if self._current(ticket):
            self.index_failed.emit(failure.message if failure.busy else f"indexing failed: {failure.message}")
            # What is committed may still answer queries.
            self.refresh_stats()
        self._next_update()

    def _build_done(self, ticket: Ticket) -> None:
        if ticket == self._indexing:
            self._indexing = None
            if self._build is not None:
                self._build.deleteLater()
                self._build = None

    def refresh_stats(self) -> None:
        """Count the corpus again (articles, mentions, problems); answered by ``stats_changed``."""
        if self.explorer is None:
            return
        self._facets_cache.clear()  # the index changed (or was opened): counts may have too
        self._ask(self._stats, self._stats.next(), corpus_stats, self.explorer)

    # -- searching ---------------------------------------------------------------------------

    def search(self, text: str, sort: str = "relevance", filters: tuple[str, ...] = (),
               keystroke: bool = False) -> int:
        """Start a search; its answer comes as ``search_finished`` unless a newer one starts first.

        ``filters`` are facet clauses (every hit must match them); ``keystroke`` asks for a fast,
        possibly partial answer while the user types. An empty ``text`` with filters lists every
        article they allow.
        """
        return self._run_search(self._search.next(), text, sort, 0, filters, keystroke)

    def drop_searches(self) -> None:
        """Forget any search still running: its answer will be dropped (e.g. the field was cleared)."""
        self._search.drop()

    def fetch_more(self, text: str, sort: str, offset: int, filters: tuple[str, ...] = (),
                   keystroke: bool = False) -> None:
        """The next page of the latest search (it keeps its number, so a newer search drops it)."""
        self._run_search(self._search.number, text, sort, offset, filters, keystroke)

    def _run_search(self, number: int, text: str, sort: str, offset: int, filters: tuple[str, ...] = (),
                    keystroke: bool = False) -> int:
        if self.explorer is None:
            self.search_failed.emit(SearchFailure(number, text, "the corpus is still opening", bad_query=False))
            return number
        return self._ask(self._search, number, search_page, self.explorer, text, sort, offset, number,
                         self._indexing is not None, tuple(filters), keystroke)

    def _search_failure(self, number: int, error: Exception) -> SearchFailure:
        if isinstance(error, QueryError):
            return SearchFailure(number, "", str(error), bad_query=True)
        if self._indexing is not None:
            # The index is being created under the search: not the user's fault, nor a bug.
            return SearchFailure(number, "", "the index is still being built", bad_query=False)
        return SearchFailure(number, "", describe_failure(error), bad_query=False)

    def load_newest(self) -> None:
        """The newest articles, to fill the results list before the first search."""
        if self.explorer is None:
            return
        self._ask(self._newest, self._newest.next(), newest_articles, self.explorer)

    # -- pages -------------------------------------------------------------------------------

    def load_article(self, location: ArticleLocation) -> None:
        if self.explorer is None:
            return
        self._ask(self._article, self._article.next(), load_article_page, self.explorer, location)

    def load_entity(self, entity_id: str) -> None:
        if self.explorer is None:
            return
        self._ask(self._entity, self._entity.next(), load_entity_page, self.explorer, entity_id)

    def drop_entity_loads(self) -> None:
        """The entity pages on their way are out of date (a save showed a newer one): drop them."""
        self._entity.drop()

    # -- exploring ---------------------------------------------------------------------------

    def count_facets(self, text: str, filters: tuple[str, ...] = (), keystroke: bool = False,
                     date_filter: str = "") -> int:
        """Facet counts (and the timeline's months) for a query; answered by ``facets_finished``.

        ``date_filter`` is the clause of ``filters`` the timeline leaves out. A repeated request is
        answered from a small cache that is emptied whenever the index changes.
        """
        number = self._facets.next()
        if self.explorer is None:
            return number
        cached = self._facets_cache.get((text, tuple(filters), keystroke, date_filter))
        if cached is not None:
            self.facets_finished.emit(replace(cached, number=number))
            return number
        return self._ask(self._facets, number, load_facets_page, self.explorer, text, tuple(filters), keystroke,
                         number, date_filter)

    def forget_facets(self) -> None:
        """Counts may have changed without the index (a star or a tag saved): count them again."""
        self._facets_cache.clear()

    def drop_facets(self) -> None:
        """Forget facet counts still being computed (their query is gone)."""
        self._facets.drop()

    def _keep_facets(self, page: FacetsPage) -> None:
        log.info("facets for %r %s: %d matches, counted in %.0f ms (worker call %.0f ms)", page.query,
                 list(page.filters), page.total, page.facets.seconds * 1000, page.seconds * 1000)
        if page.complete:
            if len(self._facets_cache) >= FACETS_CACHED:
                self._facets_cache.pop(next(iter(self._facets_cache)))
            self._facets_cache[(page.query, page.filters, page.keystroke, page.date_filter)] = page

    def load_network(self, entity_id: str, top: int = 12) -> None:
        """An entity's relations and co-mentions; answered by ``network_loaded``."""
        if self.explorer is None:
            return
        number = self._network.next()
        self._ask(self._network, number, load_network_page, self.explorer, entity_id, top, number)

    # -- closing -----------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Cancel everything and wait up to ``timeout_ms``; True when no worker is left running.

        Answers still queued for the UI thread are dropped (the generation moves on).
        """
        started = time.monotonic()
        self._closed = True
        self._generation += 1
        self._refresh_cancel.set()
        if self.explorer is not None:
            self.explorer.close()
        if self._build is not None:
            # Killed if it does not stop in time; the next update completes what it left.
            self._build.stop(min(timeout_ms, BUILD_STOP_MS))
        done = self._pool.shutdown(timeout_ms)
        left = max(0, timeout_ms - int((time.monotonic() - started) * 1000))
        done = self._index_pool.shutdown(left) and done
        if not done:
            log.info("workers still running %d ms after close was asked", timeout_ms)
        return done

    def wait(self, timeout_ms: int = -1) -> bool:
        """Wait for the workers to end (after ``shutdown``); -1 waits as long as it takes."""
        return self._pool.waitForDone(timeout_ms) and self._index_pool.waitForDone(timeout_ms)
