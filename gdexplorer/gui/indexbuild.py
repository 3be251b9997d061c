"""Index builds in a child process (``gdexplorer.buildproc``), watched from the UI thread.

A build in a worker thread shares the GIL with the UI thread: reading, analysing and pickling
articles kept the window from repainting for up to ~200 ms at a time. The child shares nothing;
its progress comes back as JSON lines read on the event loop (a few per second, cheap to parse).
Cancelling closes the child's stdin, which it takes as "stop after this document"; closing the
window waits a moment for that, then kills it (the index survives a kill, see the core's index module).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, Slot

import gdexplorer
from gdexplorer.model import BuildFailure, IndexStats, Progress

if TYPE_CHECKING:
    from gdexplorer.explorer import Explorer

log = logging.getLogger(__name__)


def can_build_in_child() -> bool:
    """False where there is no Python to run the child with (a frozen app): build in a thread there."""
    return not getattr(sys, "frozen", False) and bool(sys.executable) and Path(sys.executable).exists()


def _package_root() -> str:
    return str(Path(gdexplorer.__file__).resolve().parent.parent)


class IndexBuildProcess(QObject):
    """One build in a child process; reports ``progressed``, then ``finished`` or ``failed`` once."""

    progressed = Signal(object)  # Progress
    finished = Signal(object)  # IndexStats
    failed = Signal(object)  # BuildFailure

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

    def stop(self, timeout_ms: int) -> bool:
        """Cancel and wait up to ``timeout_ms`` for the child to end, then kill it; nothing is reported.

        True when it ended by itself (False: it was killed, which the index survives).
        """
        self._stopping = True
        if not self.running():
            return True
        self._process.closeWriteChannel()
        if self._process.waitForFinished(max(0, timeout_ms)):
            return True
        log.info("the index build did not stop within %d ms; killing it", timeout_ms)
        self._process.kill()
        self._process.waitForFinished(-1)
        return False

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
