"""The index on disk under faults: damaged or old files, stale locks, and a writer killed midway.

Each fault is made on a real index; the next update must notice it, rebuild or resume, and say so
in one line (``IndexStats.reason``; on the command line ``gdexplorer: index rebuilt (...)``). A partial
index is never reported complete, and the corpus is never touched.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from whoosh import index as windex

from gdexplorer.cli import Exit, main
from gdexplorer.errors import IndexMissingError, SearchIndexError
from gdexplorer.explorer import Explorer
from gdexplorer.search.copies import NEAR_FIELD
from gdexplorer.search.index import META, SCHEMA_VERSION
from tests.faults.helpers import (
    children_of,
    group_members,
    index_files,
    kill_group,
    run_cli,
    snapshot,
    start_cli,
    start_python,
)

# -- making damage ----------------------------------------------------------------------------


def built(seeds: Path) -> Explorer:
    explorer = Explorer(seeds)
    explorer.update_index()
    assert explorer._index.is_complete()
    return explorer


def truncate_segments(folder: Path) -> None:
    # Segments are written as separate files (postings .pst, terms .trm ...), or one compound .seg.
    segments = sorted(p for p in folder.glob("MAIN_*") if p.suffix in (".seg", ".pst", ".trm"))
    assert segments, sorted(index_files(folder))
    for seg in segments:
        data = seg.read_bytes()
        seg.write_bytes(data[: len(data) // 2])


def garble_toc(folder: Path) -> None:
    tocs = sorted(folder.glob("_MAIN_*.toc"))
    assert tocs
    for toc in tocs:
        data = bytearray(toc.read_bytes())
        data[8:64] = b"\xff" * 56
        toc.write_bytes(bytes(data))


def old_schema(folder: Path) -> None:
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    meta["schema_version"] = SCHEMA_VERSION - 1
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def garble_meta(folder: Path) -> None:
    (folder / META).write_text('{"schema_version": ', encoding="utf-8")


def truncate_and_garble(folder: Path) -> None:
    truncate_segments(folder)
    garble_toc(folder)


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "garbled-toc": (garble_toc, "index files are damaged"),
    "truncated-seg-and-garbled-toc": (truncate_and_garble, "index files are damaged"),
    "old-schema": (old_schema, f"index schema {SCHEMA_VERSION - 1} is older than {SCHEMA_VERSION}"),
    "garbled-meta": (garble_meta, "index metadata unreadable"),
}
LINE = "gdexplorer: index rebuilt ({})"


@pytest.mark.parametrize("kind", DAMAGE)
def test_damage_is_detected_and_rebuilt(plain, kind):
    damage, reason = DAMAGE[kind]
    before = snapshot(plain)
    damage(built(plain).index_folder)
    fresh = Explorer(plain)
    stats = fresh.update_index()
    assert (stats.rebuilt, stats.reason, stats.added) == (True, reason, 2)
    assert fresh._index.is_complete()
    assert fresh.search("hydrogen").total == 2
    assert snapshot(plain) == before


def test_entity_mentions_survive_a_rebuild(seeds):
    garble_toc(built(seeds).index_folder)
    fresh = Explorer(seeds)
    assert fresh.update_index().rebuilt
    assert [h.path for h in fresh.search("entity:ehang").hits] == ["articles/0002.txt"]
    assert fresh.mention_counts()["gac-group"] == 1


@pytest.mark.parametrize("kind", DAMAGE)
def test_cli_search_rebuilds_and_says_so(plain, capsys, kind):
    damage, reason = DAMAGE[kind]
    damage(built(plain).index_folder)
    code = main(["search", "hydrogen", "--corpus", str(plain)])
    out, err = capsys.readouterr()
    assert code == Exit.OK
    assert LINE.format(reason) in err.splitlines()
    assert out.startswith("2 results for 'hydrogen'")


# A real process, so that log records reach stderr as a user sees them (pytest captures them in-process).
@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("search", "garbled-toc"),
        ("search", "old-schema"),
        ("search", "garbled-meta"),
        ("index", "old-schema"),
    ],
)
def test_the_cli_says_it_in_exactly_one_line(plain, command, kind):
    damage, reason = DAMAGE[kind]
    damage(built(plain).index_folder)
    args = ("search", "hydrogen") if command == "search" else ("index",)
    out = run_cli(*args, "--corpus", str(plain))
    assert out.returncode == 0
    assert out.stderr.decode().splitlines() == [LINE.format(reason)]


def test_an_index_that_cannot_be_opened_is_not_complete(plain):
    garble_toc(built(plain).index_folder)
    fresh = Explorer(plain)
    assert not fresh.index_ready()
    assert not fresh._index.is_complete()


def test_a_truncated_segment_found_by_a_search_is_rebuilt_by_the_next_update(plain):
    truncate_segments(built(plain).index_folder)
    fresh = Explorer(plain)
    with pytest.raises(SearchIndexError) as info:
        fresh.search("hydrogen")
    assert str(info.value) == "the index is damaged and will be rebuilt; search again in a moment"
    assert not fresh._index.is_complete()
    stats = fresh.update_index()
    # The exact failure depends on which segment file was cut (EOFError, OSError...); the reason names it.
    assert stats.rebuilt and stats.reason.startswith("index files are damaged (") and "Error" in stats.reason
    assert fresh.search("hydrogen").total == 2


def test_a_truncated_segment_is_rebuilt_by_the_next_update(plain):
    truncate_segments(built(plain).index_folder)
    fresh = Explorer(plain)
    stats = fresh.update_index()
    assert stats.rebuilt and stats.reason.startswith("index files are damaged")
    assert fresh.search("hydrogen").total == 2


def test_cli_search_rebuilds_a_truncated_segment(plain):
    truncate_segments(built(plain).index_folder)
    out = run_cli("search", "hydrogen", "--corpus", str(plain))
    assert b"Traceback" not in out.stderr, out.stderr.decode()
    assert out.returncode == 0
    assert out.stdout.decode().startswith("2 results for 'hydrogen'")


# -- stale locks --------------------------------------------------------------------------------


def add_fillers(corpus: Path, count: int) -> None:
    for i in range(count):
        (corpus / "articles" / f"filler-{i:03}.txt").write_text(f"Filler {i}\n\nA zebra at pier {i}.\n",
                                                                  encoding="utf-8")


def test_a_leftover_lock_file_does_not_block(plain):
    explorer = built(plain)
    lock = explorer.index_folder / "MAIN_WRITELOCK"
    lock.write_text("4242\n")  # as left by a process that died long ago
    os.utime(lock, (0, 0))
    add_fillers(plain, 3)
    stats = Explorer(plain).update_index()
    assert (stats.added, stats.rebuilt) == (3, False)
    assert main(["index", "--corpus", str(plain)]) == Exit.OK


# Runs gdexplorer's own writer in a subprocess and parks it, writer open, once N documents are in
# (and, with "children", once its writer has sub-processes at work, whatever the commit cadence).
PARKED_WRITER = """
import multiprocessing, sys, time
from gdexplorer.explorer import Explorer

def progress(p):
    if p.stage == "Indexing" and p.done >= int(sys.argv[2]):
        if sys.argv[3] == "children" and not multiprocessing.active_children():
            return
        print("writing", flush=True)
        time.sleep(120)

Explorer(sys.argv[1]).update_index(progress=progress)
"""


def read_line(proc: subprocess.Popen, timeout: float = 30) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise AssertionError(f"no handshake from the writer in {timeout} s")
    line = proc.stdout.readline()
    assert line, f"the writer died: {proc.stderr.read() if proc.stderr else ''}"
    return line.strip()


def test_a_killed_writer_leaves_no_lock_behind(plain):
    add_fillers(plain, 120)  # fewer than PARALLEL_MIN: one process writes
    proc = start_python(PARKED_WRITER, str(plain), "50", "any")
    try:
        assert read_line(proc) == "writing"
        assert children_of(proc.pid) == []
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        kill_group(proc)
    fresh = Explorer(plain)
    assert not fresh._index.is_complete()
    stats = fresh.update_index()
    assert not stats.cancelled and fresh._index.is_complete()
    assert fresh.search("zebra", limit=200).total == 120
    assert fresh.article_count() == 122


@pytest.mark.slow
def test_killing_a_parallel_build_leaves_no_lock_behind(big_corpus):
    proc = start_python(PARKED_WRITER, str(big_corpus), "1", "children")
    try:
        assert read_line(proc) == "writing"
        assert children_of(proc.pid), "the build should be using sub-process writers"
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as a crash or the OOM killer would
        proc.wait(timeout=30)
        time.sleep(0.1)
        fresh = Explorer(big_corpus)
        assert not fresh._index.is_complete()
        orphans = group_members(proc.pid)
        stats = fresh.update_index()
        assert fresh._index.is_complete(), orphans
        assert stats.added + stats.unchanged == 3000
    finally:
        kill_group(proc)  # the orphans too: they share the group id


# -- SIGKILL in the middle of `gdexplorer index` -------------------------------------------------


def committed(folder: Path) -> int:
    """Documents in the index's latest commit (-1 before there is one), read from its TOC only."""
    try:
        return windex.open_dir(str(folder)).doc_count()
    except Exception:  # not created yet, or a TOC being replaced
        return -1


# Commits come at 250 and 1,250 documents, then the last one at 3,000: "near the end" is after the
# last commit but possibly before the index state says complete, when every document is already in.
KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    "just-started": lambda folder: (folder / META).exists() and committed(folder) >= 0,
    "mid-way": lambda folder: committed(folder) >= 1000,
    "near-the-end": lambda folder: committed(folder) >= 2000,
}
STRICTLY_PARTIAL = {"just-started", "mid-way"}
CLEAN = re.compile(r"meta\.json|nearcopies\.json|nearkeys-MAIN_\w+\.npz|nearkeys-docs\.json|signatures(\.delta|\.folders)?\.json|MAIN_WRITELOCK|_MAIN_\d+\.toc|MAIN_\w+\.seg|MAIN_\w+(\.\w+)?\.(pst|trm|fln|col|vps|vpc|dci|dcz|lengths|stored|nsr)")


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_build_is_resumed_by_the_next_update(big_corpus, big_snapshot, zebras, point):
    folder = Explorer(big_corpus).index_folder
    proc = start_cli("index", "--corpus", str(big_corpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not KILL_POINTS[point](folder):
            assert proc.poll() is None, f"the build finished before the kill point '{point}'"
            assert time.monotonic() < deadline, f"kill point '{point}' never reached"
            time.sleep(0.01)
    finally:
        # The whole group: the CLI and its sub-process writers, as a crash or `kill -9 -PGID` would.
        # Killing the parent alone is test_killing_a_parallel_build_leaves_no_lock_behind.
        kill_group(proc)
    explorer = Explorer(big_corpus)
    if point in STRICTLY_PARTIAL:
        assert not explorer._index.is_complete()  # a partial index is never reported complete
    if explorer.index_ready():  # what was committed can already be searched
        found = explorer.search("zebra", snippets=False).total
        if point in STRICTLY_PARTIAL:
            assert found < len(zebras)
        else:  # the kill may land just before or just after the state is marked complete
            assert found == len(zebras) if explorer._index.is_complete() else found <= len(zebras)
    stats = explorer.update_index()
    assert not stats.cancelled
    assert explorer._index.is_complete()
    assert (stats.added + stats.unchanged, stats.updated, stats.deleted) == (3000, 0, 0)
    result = explorer.search("zebra", limit=len(zebras) + 10, snippets=False)
    assert result.total == len(zebras)
    assert {h.path for h in result.hits} == zebras
    assert explorer.article_count() == 3000
    junk = sorted(name for name in index_files(folder) if not CLEAN.fullmatch(name))
    assert junk == [], "files a killed build left behind"
    # A segment none of whose articles has near keys (short ones) has no column and no key file.
    leaves = explorer._index.searcher().reader().leaf_readers()
    live = {f"nearkeys-{leaf.segment().segment_id()}.npz" for leaf, _ in leaves if leaf.has_column(NEAR_FIELD)}
    assert {name for name in index_files(folder) if name.startswith("nearkeys-") and name.endswith(".npz")} == live
    assert snapshot(big_corpus) == big_snapshot


@pytest.mark.parametrize("searched_before", [True, False])
def test_an_index_folder_deleted_under_an_open_explorer_is_missing_until_updated(plain, searched_before):
    """Missing (the error a front end rebuilds on), every time, not once "deleted" then "not built"."""
    explorer = Explorer(plain)
    explorer.update_index()
    if searched_before:  # the searcher held open over the deleted files
        assert explorer.search("hydrogen").total == 2
    shutil.rmtree(explorer.index_folder)
    for _ in range(2):
        with pytest.raises(IndexMissingError):
            explorer.search("hydrogen")
    stats = explorer.update_index()
    assert stats.rebuilt and stats.added == 2
    assert explorer.search("hydrogen").total == 2
