"""Cyclic garbage is collected on the UI thread only, from a timer.

Python's collector runs in whichever thread happens to allocate past its threshold. Run in a
worker, it can destroy Qt objects (a closed window's cyclic leftovers) outside the UI thread:
the test suite crashed with a segmentation fault in a search worker. So automatic collection is
switched off while the window runs, and a timer on the UI thread does what it would have done,
one generation at a time, as pyqtgraph does for the same reason. The big long-lived data of an
open corpus is frozen (``gui.pages``), so these collections stay short.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 250

_paused = 0
_paused_lock = threading.Lock()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collection from the timer meanwhile (a worker is making a million long-lived objects,
    which a collection on the UI thread would walk while the window waits)."""
    global _paused
    with _paused_lock:
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1


class UiThreadCollector(QObject):
    """While it exists and runs, cyclic collections happen here, on the thread that made it."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    @Slot()
    def collect(self) -> int:
        """Collect the generations the automatic collector would have by now; how many objects went."""
        if _paused:
            return 0
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        found = 0
        if counts[0] > thresholds[0]:
            found += gc.collect(0)
            if counts[1] > thresholds[1]:
                found += gc.collect(1)
                if counts[2] > thresholds[2]:
                    found += gc.collect(2)
        return found
