"""Building an object in stages: what is needed at once first, the rest a step per event-loop pass.

``Stages`` runs a list of steps one per pass of the event loop, ``NEXT_PASS_MS`` apart, then the
callbacks that wait for them all; ``finish`` runs what is left at once. ``BuiltLater`` is a descriptor
for a part that one of those steps builds: reading it before its step has run builds it there and
then, and since its builder reads the parts it needs through their descriptors, those first.
``build_once`` lets a part's builder be called by its step, by a read and by a signal alike.

The three share one convention: the part ``name`` is made by the method ``_build_name``, which
stores it in the attribute ``_name``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from PySide6.QtCore import QObject, QTimer

# Work split into passes of its own (the steps, or whatever else is put off) is this far apart.
# Not 0: a zero timer is a posted event, and Qt's glib event loop runs posted events ahead of due timers
# while it is busy, so two such passes ran back to back and the window's timers waited for both.
NEXT_PASS_MS = 1

T = TypeVar("T")
Owner = TypeVar("Owner")


class BuiltLater(Generic[T]):
    """A part built by a later step: reading it sooner builds it (and what it needs) now.

    ``builder`` names the part whose ``_build_<builder>`` makes this one (a widget's action may come with it).
    """

    def __init__(self, builder: str = "") -> None:
        self._builder = builder

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = f"_{name}"
        self._build = f"_build_{self._builder or name}"

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> BuiltLater[T]: ...

    @overload
    def __get__(self, instance: Any, owner: type | None = None) -> T: ...

    def __get__(self, instance: Any, owner: type | None = None) -> T | BuiltLater[T]:
        if instance is None:
            return self
        built = instance.__dict__
        if self._attribute not in built:
            getattr(instance, self._build)()
        value: T = built[self._attribute]
        return value


def is_built(instance: object, name: str) -> bool:
    """Whether the part ``name`` is built, without building it."""
    return f"_{name}" in vars(instance)


def build_once(build: Callable[[Owner], None]) -> Callable[[Owner], None]:
    """Make ``_build_<name>`` do nothing once its part is built."""
    attribute = "_" + build.__name__.removeprefix("_build_")

    @functools.wraps(build)
    def build_unless_built(instance: Owner) -> None:
        if attribute not in vars(instance):
            build(instance)

    return build_unless_built


def preload(*modules: str) -> None:
    """Import these modules: a step of its own for the next steps' imports, so that no step is long."""
    for module in modules:
        importlib.import_module(module)


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
        if self._done:
            return
        steps, self._steps = self._steps, []
        for step in steps:
            step()
        self._finish()

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
        self._done = True
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()
