"""Running core calls off the UI thread: a ``QRunnable`` per call, a ``QObject`` to carry its signals.

The pattern is Picard's ``run_task``: the work runs on a pool thread, its result or exception comes
back as a queued signal to the UI thread. Each task carries a ``Ticket`` so that the receiver can
drop the answers it no longer wants (an older keystroke, a corpus that was closed meanwhile).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from gdexplorer.errors import GdxError
from gdexplorer.model import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ticket:
    """Which request a task answers: the corpus it was asked for and its number in a sequence."""

    generation: int
    number: int = 0


class TaskSignals(QObject):
    """What a task reports; created in the UI thread so queued slots run there."""

    finished = Signal(object, object)  # ticket, result
    failed = Signal(object, object)  # ticket, exception
    progress = Signal(object, object)  # ticket, Progress


class Task(QRunnable):
    """Call ``fn(*args)`` on a pool thread and report the result through ``signals``.

    ``fn`` may take a ``progress`` keyword (a callable taking ``Progress``) when ``reports_progress``
    is set. ``skip`` is checked just before the work starts: a search superseded while it waited in
    the queue is not run at all.
    """

    def __init__(self, ticket: Ticket, fn: Callable[..., Any], *args: Any, reports_progress: bool = False,
                 skip: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.ticket = ticket
        self.signals = TaskSignals()
        self._fn = fn
        self._args = args
        self._reports_progress = reports_progress
        self._skip = skip
        self.setAutoDelete(True)

    def run(self) -> None:
        if self._skip is not None and self._skip():
            # Still answer, so the receiver can forget the task.
            self.signals.failed.emit(self.ticket, TaskSkipped())
            return
        kwargs = {"progress": self._report} if self._reports_progress else {}
        try:
            result = self._fn(*self._args, **kwargs)
        except Exception as e:  # reported to the UI thread, which shows it; never swallowed
            if not isinstance(e, GdxError | TaskSkipped):
                log.exception("background task %s failed", getattr(self._fn, "__name__", self._fn))
            self.signals.failed.emit(self.ticket, e)
        else:
            self.signals.finished.emit(self.ticket, result)

    def _report(self, progress: Progress) -> None:
        self.signals.progress.emit(self.ticket, progress)


class TaskSkipped(Exception):
    """The task was superseded before it started."""


class WorkerPool(QThreadPool):
    """A private thread pool; ``shutdown`` drops queued tasks and waits for running ones."""

    def __init__(self, name: str, threads: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMaxThreadCount(threads)
        self._stopping = threading.Event()

    def submit(self, task: Task) -> None:
        if self._stopping.is_set():
            return
        self.start(task)

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop taking tasks, drop those not started; True when none is left running."""
        self._stopping.set()
        self.clear()
        return self.waitForDone(timeout_ms)

    def busy(self) -> bool:
        return self.activeThreadCount() > 0


class TaskRunner(QObject):
    """A ``QObject`` that runs its tasks one at a time on a pool of its own.

    Its tasks are ticketed with ``_generation``: bumping it drops the answers still on their way
    (``shutdown`` does). ``_pending`` keeps each task's signal holder alive until it reports.
    """

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._pool = WorkerPool(name, threads=1, parent=self)
        self._pending: set[TaskSignals] = set()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop taking tasks; True when none is still running after ``timeout_ms``."""
        self._generation += 1
        return self._pool.shutdown(timeout_ms)

    def wait(self) -> None:
        """Wait for the task in progress (after ``shutdown``): it is never cut short."""
        self._pool.waitForDone(-1)

    def _submit(self, task: Task, finished: Callable[..., Any], failed: Callable[..., Any]) -> None:
        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        self._pending.add(task.signals)
        self._pool.submit(task)

    def _forget(self) -> None:
        """In a task's slot: its holder is no longer needed."""
        sender = self.sender()
        if isinstance(sender, TaskSignals):
            self._pending.discard(sender)

    def _window(self) -> QWidget | None:
        """The parent window (for dialogs); not kept as an attribute, which would be a reference cycle."""
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None
