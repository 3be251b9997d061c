"""Building an object in stages: what is needed at once first, the rest a step per event-loop pass.

``Stages`` runs an ordered list of steps one per pass of the event loop, ``NEXT_PASS_MS`` apart,
then the callbacks that wait for them all. The list is the construction order: a step may use what
the steps before it built. ``finish`` runs what is left at once; ``run_through`` runs it up to one
step, for a part that is needed before its turn (the steps before it first, as the list says), and
``on_demand`` does that when a signal asks for the part.
``FirstPaint`` tells when a window is up, so that its later stages can start.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

# Work split into passes of its own (the steps, or whatever else is put off) is this far apart.
# Not 0: a zero timer is a posted event, and Qt's glib event loop runs posted events ahead of due timers
# while it is busy, so two such passes ran back to back and the window's timers waited for both.
NEXT_PASS_MS = 1
# A window that is not painted soon after it is shown (minimized, on another desktop) is up anyway.
FIRST_PAINT_LATEST_MS = 500


def preload(*modules: str) -> None:
    """Import these modules: a step of its own for the next steps' imports, so that no step is long."""
    for module in modules:
        importlib.import_module(module)


class FirstPaint(QObject):
    """Says ``done`` once, when a window is up: after its first paint, or ``FIRST_PAINT_LATEST_MS`` after it is shown.

    The window calls ``shown`` from its ``showEvent`` and ``painted`` from its ``paintEvent``: an event
    filter would do without them, but it sees every event, and PySide sets up the Python types of each
    new kind of event it is given (milliseconds of the first paint).
    """

    done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._painted = False
        self._done = False

    def shown(self) -> None:
        if not self._done:
            QTimer.singleShot(FIRST_PAINT_LATEST_MS, self, self._finish)

    def painted(self) -> None:
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, self._finish)  # after the whole frame is painted

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self.done.emit()


class Stages:
    """Steps run one per event-loop pass once started, then the callbacks that wait for them all.

    The timers are ``context``'s: they go with it.
    """

    def __init__(self, context: QObject, steps: list[Callable[[], None]]) -> None:
        self._context = context
        self._steps = steps
        self._done = False
        self._stopped = False
        self._after: list[Callable[[], None]] = []

    @property
    def done(self) -> bool:
        """Whether every step has run."""
        return self._done

    def after(self, callback: Callable[[], None]) -> None:
        """Call this once every step has run: at once if they have."""
        if self._done:
            callback()
        else:
            self._after.append(callback)

    def start(self) -> None:
        """Run the steps from the event loop, the first one ``NEXT_PASS_MS`` from now."""
        if not self._done:
            QTimer.singleShot(NEXT_PASS_MS, self._context, self._on_step)

    def stop(self) -> None:
        """Run no more steps from the event loop (the owner is going); ``finish`` still runs them."""
        self._stopped = True

    def finish(self) -> None:
        """Run the steps left now, then the callbacks."""
        while self._steps:
            self._steps.pop(0)()
        self._finish()

    def has_run(self, step: Callable[[], None]) -> bool:
        """Whether ``step`` (one of the steps: a bound method compares equal to itself) is no longer to run."""
        return step not in self._steps

    def run_through(self, step: Callable[[], None]) -> None:
        """Run the steps left up to ``step`` now, in their order (nothing if it has run)."""
        while step in self._steps:
            self._steps.pop(0)()
        if not self._steps:
            self._finish()

    def on_demand(self, signal: SignalInstance, step: Callable[[], None]) -> None:
        """Until ``step`` has run, ``signal`` runs the steps through it at once, then is emitted again.

        Again, with the same arguments, for the parts that those steps connected to it: a slot connected
        while a signal is being emitted does not hear that emission.
        """

        def run_through_and_again(*args: object) -> None:
            if not self.has_run(step):
                self.run_through(step)
                signal.emit(*args)

        signal.connect(run_through_and_again)

    def _on_step(self) -> None:
        # One step per event-loop pass: the window's whole second pass at once froze it for 110-130 ms right
        # after it appeared; a module import and a part at a time, it stays responsive.
        if self._done or self._stopped:
            return
        if not self._steps:
            self._finish()
            return
        step = self._steps.pop(0)
        try:
            step()
        finally:
            # A part that fails to build (its error goes to the log like any slot's) must not keep
            # the others, and the callbacks that open the corpus, from ever running.
            QTimer.singleShot(NEXT_PASS_MS, self._context, self._on_step)

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()
