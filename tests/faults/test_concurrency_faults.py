"""Two gdexplorers on one corpus: no corruption, no crash; the loser is told plainly, or reads what
the winner has committed so far."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

import gdexplorer.search.index as gindex
from gdexplorer.errors import GdxError, IndexBusyError, SearchIndexError
from gdexplorer.explorer import Explorer
from gdexplorer.model import Progress
from tests.faults.helpers import children_of, kill_group, snapshot, start_cli

BUSY = "gdexplorer: another gdexplorer is updating this index; try again when it is done"


@pytest.mark.slow
def test_a_second_writer_is_told_and_readers_read_what_exists(big_corpus, big_snapshot, zebras):
    writer = start_cli("index", "--corpus", str(big_corpus))
    others: list[subprocess.Popen] = []
    try:
        deadline = time.monotonic() + 60
        while not children_of(writer.pid):  # its sub-process writers: it holds the lock and is writing
            assert writer.poll() is None, "the build ended before it was seen writing"
            assert time.monotonic() < deadline
            time.sleep(0.003)
        # A second `index`, then a `search`, while the first writes. One after the other: started at the
        # same instant they race on meta.json.tmp (test_two_processes_writing_the_index_state_at_once).
        others = [start_cli("index", "--corpus", str(big_corpus))]
        reader = Explorer(big_corpus)
        totals: list[int] = []
        seen_complete: list[int] = []  # totals searched right after the index said it was complete
        while writer.poll() is None:
            if len(others) == 1 and others[0].poll() is not None:
                others.append(start_cli("search", "zebra", "--json", "--limit", "3", "--corpus", str(big_corpus)))
            complete = reader._index.is_complete()
            totals.append(reader.search("zebra", limit=3, snippets=False).total)
            if complete:
                seen_complete.append(totals[-1])
        if len(others) == 1:
            others.append(start_cli("search", "zebra", "--json", "--limit", "3", "--corpus", str(big_corpus)))
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        results = [p.communicate(timeout=60) for p in others]
    finally:
        for proc in (writer, *others):
            kill_group(proc)
    # The second `index` lost the lock (or, on a slow start, found the work done).
    (index_out, index_err), (search_out, search_err) = results
    if others[0].returncode == 1:
        assert index_err.decode().splitlines() == [BUSY]
    else:
        assert (others[0].returncode, index_err) == (0, b"")
        assert b"3000 unchanged" in index_out
    # The concurrent search answered from what was committed, with a one-line note while busy.
    assert others[1].returncode == 0, search_err
    assert search_err.decode() in ("", f"{BUSY}; using the index as it is\n")
    answered = json.loads(search_out)
    assert 0 <= answered["total"] <= len(zebras)
    # The in-process reader saw only whole commits, growing; "complete" was never said of a partial index.
    assert totals == sorted(totals) and totals[-1] <= len(zebras)
    assert set(seen_complete) <= {len(zebras)}
    assert reader.search("zebra", snippets=False).total == len(zebras)
    assert reader._index.is_complete() and reader.article_count() == 3000
    assert snapshot(big_corpus) == big_snapshot


def test_two_first_builds_at_once_do_not_destroy_each_other(plain):
    # Two Explorers share nothing but the folder (like two processes). A holds the update lock and is
    # writing when B starts its own first build: B must get IndexBusyError at once, before it decides
    # anything (it used to delete and recreate the folder under A's feet), and A must finish cleanly.
    for i in range(60):
        (plain / "articles" / f"x{i:03}.txt").write_text(f"Filler {i}\n\nzebra ports {i}\n", encoding="utf-8")
    a_writing, b_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def run(name: str) -> None:
        def progress(p: Progress) -> None:
            if name == "A" and p.stage == "Indexing" and p.done >= 50 and not a_writing.is_set():
                a_writing.set()
                b_done.wait(10)

        try:
            outcome[name] = Explorer(plain).update_index(progress=progress)
        except Exception as e:
            outcome[name] = e
        finally:
            if name == "B":
                b_done.set()

    a = threading.Thread(target=run, args=("A",), name="A")
    a.start()
    assert a_writing.wait(20)
    run("B")
    a.join(30)
    assert isinstance(outcome["B"], IndexBusyError), outcome["B"]
    assert not isinstance(outcome["A"], Exception), outcome["A"]
    fresh = Explorer(plain)
    assert fresh._index.is_complete()
    assert fresh.search("zebra", limit=100).total == 60
    assert fresh.article_count() == 62


def test_two_processes_writing_the_index_state_at_once(plain, monkeypatch):
    Explorer(plain).update_index()
    folder = Explorer(plain).index_folder
    mine, theirs = gindex.SearchIndex(folder), gindex.SearchIndex(folder)
    meta = mine.meta()
    assert meta is not None
    real_fsync = os.fsync
    interleaved = []

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if not interleaved:  # between our write and our rename, the other process saves its state
            interleaved.append(True)
            theirs._write_meta(meta)

    monkeypatch.setattr(os, "fsync", fsync)
    mine._write_meta(dataclasses.replace(meta, complete=False))
    assert interleaved
    assert gindex.SearchIndex(folder).meta() in (meta, dataclasses.replace(meta, complete=False))


def test_a_search_while_another_process_rebuilds_is_not_a_crash(plain):
    reader = Explorer(plain)
    reader.update_index()
    assert reader.search("hydrogen").total == 2  # a searcher is open
    Explorer(plain).drop_index()  # what `gdexplorer index --rebuild` does first, in the other process
    try:
        result = reader.search("hydrogen")
    except GdxError as e:
        assert isinstance(e, SearchIndexError) and "\n" not in str(e)
    else:
        assert result.total in (0, 2)


def test_searching_from_two_threads_while_updating(plain):
    explorer = Explorer(plain)
    explorer.update_index()
    for i in range(30):
        (plain / "articles" / f"t{i:02}.txt").write_text(f"Thread {i}\n\nA zebra.\n", encoding="utf-8")
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                totals.append(explorer.search("zebra", snippets=False).total)
            except BaseException as e:  # any exception from a reader thread is a failure here
                errors.append(e)
                return

    readers = [threading.Thread(target=search) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        stats = explorer.update_index()
    finally:
        stop.set()
        for t in readers:
            t.join(10)
    assert errors == []
    assert stats.added == 30
    assert set(totals) <= {0, 30}
    assert explorer.search("zebra", snippets=False).total == 30


def test_the_index_folder_is_per_corpus(plain, tmp_path):
    other = tmp_path / "other"
    (other / "articles").mkdir(parents=True)
    (other / "articles" / "a.txt").write_text("Other\n\nhydrogen here too\n", encoding="utf-8")
    one, two = Explorer(plain), Explorer(other)
    assert one.index_folder != two.index_folder
    one.update_index()
    two.update_index()
    assert (one.search("hydrogen").total, two.search("hydrogen").total) == (2, 1)
    assert Path(one.index_folder).parent == Path(two.index_folder).parent
