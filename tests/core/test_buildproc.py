"""The index build child process: its JSON lines, cancelling by closing stdin, a busy index, no Qt."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from gdexplorer.errors import Problem, Severity
from gdexplorer.explorer import Explorer
from gdexplorer.model import BuildFailure, IndexStats, Progress
from gdexplorer.search.buildprotocol import command, parse_line, stats_from_json, stats_to_json
from gdexplorer.search.index import FIRST_COMMIT, PARALLEL_MIN
from gdexplorer.search.locking import update_lock
from tests.conftest import REPO


def make_corpus(root: Path, articles: int) -> Path:
    folder = root / "articles"
    folder.mkdir(parents=True)
    words = ["harbour", "crane", "cargo", "river", "bridge", "tower", "market", "trade", "steel", "solar"]
    for n in range(articles):
        body = " ".join(words[(n * 3 + i * 7) % len(words)] for i in range(300))
        (folder / f"{n:05}.txt").write_text(f"Report {n}\n\n{body}.\n", encoding="utf-8")
    return root


def start(explorer: Explorer) -> subprocess.Popen[str]:
    """The child as the window starts it: stdin a pipe kept open (its end means cancel).

    Killed after a minute, so that a hung child fails the test instead of hanging it.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = command(explorer.corpus_root, explorer.annotations_dir, explorer.index_folder)
    child = subprocess.Popen([sys.executable, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    watchdog = threading.Timer(60, child.kill)
    watchdog.daemon = True
    watchdog.start()
    return child


def read_all(child: subprocess.Popen[str]) -> list[Progress | IndexStats | BuildFailure | None]:
    assert child.stdout is not None
    messages = [parse_line(line) for line in child.stdout]
    child.wait(timeout=60)
    return messages


def test_the_child_builds_the_index_the_window_then_searches(seeds: Path):
    explorer = Explorer(seeds)
    child = start(explorer)
    messages = read_all(child)
    assert child.returncode == 0
    assert Progress(0, 2, "Indexing") in messages
    assert Progress(2, 2, "Saving the index") in messages
    stats = messages[-1]
    assert isinstance(stats, IndexStats)
    assert (stats.added, stats.rebuilt, stats.cancelled, stats.reason) == (2, True, False, "no index yet")
    # This process's Explorer sees what the child committed, and has nothing left to do.
    assert explorer.search("hydrogen").total == 2
    again = explorer.update_index()
    assert (again.added, again.unchanged) == (0, 2)


def test_closing_stdin_cancels_a_parallel_build_and_the_next_update_completes_it(tmp_path: Path):
    # Enough articles for Whoosh's forked sub-writers: the child must not deadlock forking them.
    total = PARALLEL_MIN + FIRST_COMMIT + 200
    explorer = Explorer(make_corpus(tmp_path / "big", total))
    child = start(explorer)
    assert child.stdout is not None and child.stdin is not None
    for line in child.stdout:
        message = parse_line(line)
        if isinstance(message, Progress) and message.done > FIRST_COMMIT:  # the sub-writers did commit
            break
    child.stdin.close()
    messages = read_all(child)
    assert child.returncode == 0
    stats = messages[-1]
    assert isinstance(stats, IndexStats)
    assert stats.cancelled
    assert stats.added < total
    finished = explorer.update_index()
    assert finished.added == total - stats.added
    assert explorer.article_count() == total


def test_a_busy_index_is_reported_as_busy(seeds: Path):
    explorer = Explorer(seeds)
    folder = explorer.index_folder
    with update_lock(folder.with_name(folder.name + ".lock")):
        messages = read_all(start(explorer))
    assert messages[-1] == BuildFailure(True, "another gdexplorer is updating this index; try again when it is done")


def test_another_index_folder_than_the_callers_is_refused(seeds: Path, tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, *command(seeds, None, tmp_path / "elsewhere")], input="", env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    failure = parse_line(out.stdout.splitlines()[-1])
    assert isinstance(failure, BuildFailure) and not failure.busy
    assert failure.message.startswith("the index folder would be ")
    assert failure.message.endswith(f", not {tmp_path / 'elsewhere'}")


def test_stats_survive_the_trip_and_other_lines_are_ignored():
    stats = IndexStats(added=3, updated=1, deleted=2, unchanged=7, seconds=1.5, rebuilt=True, cancelled=False,
                       reason="no index yet", problems=(Problem("articles/a.txt", 2, 3, "odd bytes", Severity.WARNING),
                                                        Problem("manifest.jsonl", 0, 0, "bad line")))
    assert stats_from_json(stats_to_json(stats)) == stats
    assert parse_line("Traceback (most recent call last):") is None
    assert parse_line('{"event": "progress"}') is None
    assert parse_line("") is None


def test_the_child_does_not_import_qt(seeds: Path):
    code = "import sys, gdexplorer.buildproc; print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
