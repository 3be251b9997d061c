"""Staged building: steps a pass apart, parts built when first read, callbacks after the last step."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer

from gdexplorer.gui.staged import BuiltLater, Stages, build_once, is_built, preload


class Parts(QObject):
    """Two parts, the second needing the first, and an extra made with the second."""

    first: BuiltLater[list[str]] = BuiltLater()
    second: BuiltLater[list[str]] = BuiltLater()
    second_extra: BuiltLater[str] = BuiltLater("second")

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    @build_once
    def _build_first(self) -> None:
        self.calls.append("first")
        self._first = ["first"]

    @build_once
    def _build_second(self) -> None:
        first = self.first
        self.calls.append("second")
        self._second = [*first, "second"]
        self._second_extra = "extra"


def test_reading_a_part_builds_it_and_the_parts_it_needs_once():
    parts = Parts()
    assert not is_built(parts, "first") and not is_built(parts, "second")
    assert parts.second_extra == "extra"
    assert parts.second == ["first", "second"]
    assert parts.first == ["first"]
    parts._build_first()
    parts._build_second()
    assert parts.calls == ["first", "second"]
    assert is_built(parts, "first") and is_built(parts, "second")
    assert isinstance(Parts.first, BuiltLater)


def test_steps_run_a_pass_apart_then_the_callbacks(qtbot):
    owner = QObject()
    seen: list[str] = []
    stages: Stages

    def step(name: str) -> None:
        seen.append(name)
        # Runs before the next step if the steps yield to the event loop between them.
        QTimer.singleShot(0, lambda: seen.append(f"after {name}"))

    stages = Stages(owner, [lambda: step("a"), lambda: step("b")])
    stages.after(lambda: seen.append(f"done {stages.done}"))
    assert seen == [] and not stages.done
    stages.start()
    qtbot.waitUntil(lambda: stages.done, timeout=2000)
    assert seen == ["a", "after a", "b", "after b", "done True"]
    stages.after(lambda: seen.append("late"))  # once done, at once
    assert seen[-1] == "late"


def test_finish_runs_the_steps_left_at_once_and_stop_halts_the_event_loop_steps(qtbot):
    owner = QObject()
    seen: list[str] = []
    stages = Stages(owner, [lambda: seen.append("a"), lambda: seen.append("b")])
    stages.after(lambda: seen.append("done"))
    stages.start()
    stages.stop()
    qtbot.wait(20)
    assert seen == [] and not stages.done
    stages.finish()
    assert seen == ["a", "b", "done"] and stages.done
    stages.finish()
    assert seen == ["a", "b", "done"]


def test_preload_imports_the_modules():
    sys.modules.pop("gdexplorer.gui.formatting", None)
    preload("gdexplorer.gui.formatting")
    assert "gdexplorer.gui.formatting" in sys.modules


def test_a_step_that_fails_does_not_stop_the_others_or_the_callbacks(qtbot):
    context = QObject()
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("this part cannot be built")

    stages = Stages(context, [broken, lambda: ran.append("next")])
    stages.after(lambda: ran.append("after"))
    with qtbot.captureExceptions() as raised:
        stages.start()
        qtbot.waitUntil(lambda: stages.done, timeout=2000)
    assert ran == ["next", "after"]
    assert [str(e[1]) for e in raised] == ["this part cannot be built"]
