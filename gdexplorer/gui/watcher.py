"""Noticing outside edits: a ``QFileSystemWatcher`` on the corpus, debounced into one ``changed``.

Watched: the corpus folder (a manifest created or removed), the manifest, every folder under the
articles and annotations folders (files added, removed or renamed; editors that save by renaming
a temporary file), and the annotation files themselves (saved in place). Article files are
watched one by one only in corpora small enough for the system's watch limit; in bigger ones an
article edited in place is caught when its folder changes or at the next refresh (F5), and the
open article is always watched (``watch_article``).

The list of paths is walked on a worker thread, and walked again after every change, because
folders come and go and a file replaced by rename is a new file to the system.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from gdexplorer.gui.workers import Task, TaskRunner, Ticket

if TYPE_CHECKING:
    # The core (and Whoosh) is imported after the window's first paint; these name types only.
    from gdexplorer.explorer import Explorer
    from gdexplorer.model import WatchList

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
# Each watched path costs an inotify watch (Linux) or an open handle (macOS, Windows).
ARTICLE_FILES_WATCHED = 2000


def watch_list(explorer: Explorer, file_limit: int = ARTICLE_FILES_WATCHED) -> WatchList:
    """What to watch for an explorer's corpus and annotations (walks folders: run it off the UI thread)."""
    return explorer.watch_list(file_limit)


class CorpusWatcher(TaskRunner):
    """Emits ``changed`` once things on disk have been quiet for ``DEBOUNCE_MS`` after a change."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None, delay_ms: int = DEBOUNCE_MS) -> None:
        super().__init__("watcher", parent)
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._explorer: Explorer | None = None
        self._article: str | None = None
        self._wanted_files: frozenset[str] = frozenset()
        self._watcher.directoryChanged.connect(self._on_watcher_path_changed)
        self._watcher.fileChanged.connect(self._on_watcher_path_changed)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def watching(self) -> bool:
        return self._explorer is not None

    def paths(self) -> list[str]:
        return [*self._watcher.directories(), *self._watcher.files()]

    def watch(self, explorer: Explorer | None) -> None:
        """Watch an explorer's corpus and annotations (None: stop watching)."""
        self._generation += 1
        self._explorer = explorer
        self._article = None
        self._timer.stop()
        self._clear()
        if explorer is not None:
            self.rescan()

    def watch_article(self, path: Path | None) -> None:
        """Also watch this article file (the open one), whatever the size of the corpus."""
        if self._article and self._article not in self._wanted_files:
            self._watcher.removePath(self._article)
        self._article = str(path) if path is not None else None
        if self._article and self._article not in self._watcher.files() and Path(self._article).is_file():
            self._watcher.addPath(self._article)

    def rescan(self) -> None:
        """Walk the folders again (in the background) and watch what is there now."""
        if self._explorer is None:
            return
        task = Task(Ticket(self._generation), watch_list, self._explorer)
        self._submit(task, self._on_scan_task_finished, self._on_scan_task_failed)

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        self._explorer = None
        self._timer.stop()
        self._clear()
        return super().shutdown(timeout_ms)

    def _clear(self) -> None:
        watched = self.paths()
        if watched:
            self._watcher.removePaths(watched)
        self._wanted_files = frozenset()

    @Slot(object, object)
    def _on_scan_task_finished(self, ticket: Ticket, found: WatchList) -> None:
        self._forget()
        if ticket.generation != self._generation or self._explorer is None:
            return
        wanted = set(found.folders) | set(found.files)
        if self._article:
            wanted.add(self._article)
        current = set(self.paths())
        gone = sorted(current - wanted)
        if gone:
            self._watcher.removePaths(gone)
        # No exists() check here: a stat per file on the UI thread stalled it on big corpora.
        # addPaths reports the paths it could not watch, and the next scan catches up.
        new = sorted(wanted - current)
        if new:
            failed = self._watcher.addPaths(new)
            if failed:
                log.info("cannot watch %d of %d paths (e.g. %s)", len(failed), len(new), failed[0])
        self._wanted_files = frozenset(found.files)

    @Slot(object, object)
    def _on_scan_task_failed(self, ticket: Ticket, error: Exception) -> None:
        self._forget()
        log.info("listing the corpus folders to watch failed: %s", error)

    @Slot(str)
    def _on_watcher_path_changed(self, path: str) -> None:
        if self._explorer is not None:
            self._timer.start()  # restarts: one refresh once a burst of changes is over

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._explorer is None:
            return
        self.changed.emit()
        self.rescan()
