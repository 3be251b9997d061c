"""Index builds watched from the UI thread: ``IndexBuild``, in a child process or on a worker thread.

A build in a worker thread shares the GIL with the UI thread: reading, analysing and pickling
articles kept the window from repainting for up to ~200 ms at a time. So builds run in a child
process (``gdexplorer.buildproc``) that shares nothing; its progress comes back as JSON lines read
on the event loop (a few per second, cheap to parse). Cancelling closes the child's stdin, which it
takes as "stop after this document"; closing the window waits a moment for that, then kills it (the
index survives a kill, see the core's index module).

Where no child can be started (a frozen app has no Python to run it with, and the window could not
index at all), the build runs on a worker thread instead, behind the same interface.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, Slot

import gdexplorer
from gdexplorer.errors import IndexBusyError
from gdexplorer.gui.pages import describe_failure
from gdexplorer.gui.workers import Task, TaskSignals, Ticket, WorkerPool
from gdexplorer.model import BuildFailure, IndexStats, Progress

if TYPE_CHECKING:
    from gdexplorer.explorer import Explorer

log = logging.getLogger(__name__)


def can_build_in_child() -> bool:
    """False where there is no Python to run the child with (a frozen app): build in a thread there."""
    return not getattr(sys, "frozen", False) and bool(sys.executable) and Path(sys.executable).exists()


def _package_root() -> str:
    return str(Path(gdexplorer.__file__).resolve().parent.parent)


class IndexBuild(QObject):
    """One index update; reports ``progressed``, then ``finished`` or ``failed`` once, unless stopped."""

    progressed = Signal(object)  # Progress
    finished = Signal(object)  # IndexStats, a cancelled build's too
    failed = Signal(object)  # BuildFailure

    def start(self) -> None:
        raise NotImplementedError

    def running(self) -> bool:
        raise NotImplementedError

    def cancel(self) -> None:
        """Stop after the current document; ``finished`` still reports what was done."""
        raise NotImplementedError

    def stop(self, timeout_ms: int) -> None:
        """The window is closing: cancel, and report nothing more.

        A child that has not ended within ``timeout_ms`` is killed (the index survives it); a thread
        cannot be cut short (nor should a Whoosh commit be): its pool's owner waits for it.
        """
        raise NotImplementedError


class IndexBuildProcess(IndexBuild):
    """One build in a child process (``python -m gdexplorer.buildproc``)."""

    def __init__(self, explorer: Explorer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parse = explorer.parse_build_line
        self._answer: IndexStats | BuildFailure | None = None
        self._answered = False
        self._stopping = False
        self._process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        # The child imports the same gdexplorer as this process, installed or not.
        path = env.value("PYTHONPATH")
        env.insert("PYTHONPATH", _package_root() + (os.pathsep + path if path else ""))
        self._process.setProcessEnvironment(env)
        # Its log lines (and any traceback) go where ours do.
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        self._process.setProgram(sys.executable)
        self._process.setArguments(explorer.build_command())
        self._process.readyReadStandardOutput.connect(self._on_process_ready_read)
        self._process.finished.connect(self._on_process_finished)
        self._process.errorOccurred.connect(self._on_process_error_occurred)

    def start(self) -> None:
        self._process.start()

    def process_id(self) -> int:
        """The child's pid (0 when it is not running)."""
        return int(self._process.processId())

    def running(self) -> bool:
        return self._process.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Ask the child to stop after the current document; it still reports ``finished``."""
        if self.running():
            self._process.closeWriteChannel()

    def stop(self, timeout_ms: int) -> None:
        self._stopping = True
        if not self.running():
            return
        self._process.closeWriteChannel()
        if self._process.waitForFinished(max(0, timeout_ms)):
            return
        log.info("the index build did not stop within %d ms; killing it", timeout_ms)
        self._process.kill()
        self._process.waitForFinished(-1)

    @Slot()
    def _on_process_ready_read(self) -> None:
        while self._process.canReadLine():
            line = bytes(self._process.readLine().data()).decode("utf-8", "replace").strip()
            self._handle(line)

    def _handle(self, line: str) -> None:
        message = self._parse(line)
        if message is None:
            if line:
                log.info("index build: %s", line)
            return
        if isinstance(message, Progress):
            if not self._stopping and self._answer is None:
                self.progressed.emit(message)
        else:
            # Told once the process has ended, so that whoever drops this object drops no running process.
            self._answer = message

    @Slot(int, QProcess.ExitStatus)
    def _on_process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._on_process_ready_read()  # the last lines may arrive with the exit
        if self._answered or self._stopping:
            return
        self._answered = True
        answer = self._answer
        if isinstance(answer, IndexStats):
            self.finished.emit(answer)
            return
        if answer is None:
            how = "crashed" if status == QProcess.ExitStatus.CrashExit else f"exited with code {code}"
            answer = BuildFailure(False, f"the indexing process {how} without a report")
        self.failed.emit(answer)

    @Slot(QProcess.ProcessError)
    def _on_process_error_occurred(self, error: QProcess.ProcessError) -> None:
        # A crash or a kill also ends in finished(); only a failed start never does.
        if error != QProcess.ProcessError.FailedToStart or self._answered or self._stopping:
            return
        self._answered = True
        self.failed.emit(BuildFailure(False, f"cannot start the indexing process: {self._process.errorString()}"))


class IndexBuildThread(IndexBuild):
    """One build on ``pool``'s thread (``Explorer.update_index``): where no child process can be started.

    It shares the GIL with the UI thread, so the window may stall now and then while it runs.
    """

    def __init__(self, explorer: Explorer, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._explorer = explorer
        self._pool = pool
        self._cancel = threading.Event()
        self._running = False
        self._stopping = False
        self._task_signals: TaskSignals | None = None  # kept alive for the signals it queues

    def start(self) -> None:
        work = functools.partial(self._explorer.update_index, cancel=self._cancel)
        task = Task(Ticket(0), work, reports_progress=True)
        task.signals.progress.connect(self._on_task_progress)
        task.signals.finished.connect(self._on_task_finished)
        task.signals.failed.connect(self._on_task_failed)
        self._task_signals = task.signals
        self._running = True
        self._pool.submit(task)

    def running(self) -> bool:
        # Once stopped, the thread is its pool's (whose owner waits for it), and its answer is not awaited.
        return self._running and not self._stopping

    def cancel(self) -> None:
        self._cancel.set()

    def stop(self, timeout_ms: int) -> None:
        self._stopping = True
        self._cancel.set()

    @Slot(object, object)
    def _on_task_progress(self, _ticket: Ticket, progress: Progress) -> None:
        if not self._stopping:
            self.progressed.emit(progress)

    @Slot(object, object)
    def _on_task_finished(self, _ticket: Ticket, stats: IndexStats) -> None:
        self._running = False
        if not self._stopping:
            self.finished.emit(stats)

    @Slot(object, object)
    def _on_task_failed(self, _ticket: Ticket, error: Exception) -> None:
        self._running = False
        if not self._stopping:
            busy = isinstance(error, IndexBusyError)
            self.failed.emit(BuildFailure(busy, str(error) if busy else describe_failure(error)))
