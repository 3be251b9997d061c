"""Staged building: steps a pass apart in their order, some run sooner when needed, callbacks after the last."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

from gdexplorer.gui.staged import Stages, preload


class Parts(QObject):
    """Three parts built in this order, the second needing the first."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.stages = Stages(self, [self._build_first, self._build_second, self._build_third])

    def _build_first(self) -> None:
        self.calls.append("first")
        self.first = ["first"]

    def _build_second(self) -> None:
        self.calls.append("second")
        self.second = [*self.first, "second"]

    def _build_third(self) -> None:
        self.calls.append("third")


def test_running_through_a_step_runs_it_and_the_steps_before_it_once():
    parts = Parts()
    done: list[bool] = []
    parts.stages.after(lambda: done.append(True))
    assert not parts.stages.has_run(parts._build_second)
    assert not hasattr(parts, "second")  # nothing is built before its step runs
    parts.stages.run_through(parts._build_second)
    assert parts.second == ["first", "second"]
    assert parts.stages.has_run(parts._build_first) and parts.stages.has_run(parts._build_second)
    assert not parts.stages.done and done == []
    parts.stages.run_through(parts._build_first)
    parts.stages.run_through(parts._build_second)
    assert parts.calls == ["first", "second"]
    parts.stages.run_through(parts._build_third)  # the last one: the callbacks follow
    assert parts.calls == ["first", "second", "third"]
    assert parts.stages.done and done == [True]
    parts.stages.finish()
    assert parts.calls == ["first", "second", "third"] and done == [True]


class Asker(QObject):
    asked = Signal(str)


def test_a_signal_on_demand_runs_the_steps_through_its_part_which_hears_it_once():
    asker = Asker()
    heard: list[str] = []

    def build_listener() -> None:
        asker.asked.connect(heard.append)

    stages = Stages(asker, [lambda: heard.append("built first"), build_listener, lambda: heard.append("later")])
    stages.on_demand(asker.asked, build_listener)
    asker.asked.emit("china")
    assert heard == ["built first", "china"]  # the listener, connected during the emission, heard it again
    assert not stages.done
    asker.asked.emit("hydrogen")
    assert heard == ["built first", "china", "hydrogen"]


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
