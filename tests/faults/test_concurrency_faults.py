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

import gdexplorer.index as gindex
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
            complete = reader.index.is_complete()
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
    assert reader.index.is_complete() and reader.article_count() == 3000
    assert snapshot(big_corpus) == big_snapshot


@pytest.mark.xfail(
    reason="two first builds at once destroy each other: SearchIndex._update decides to rebuild and "
    "_create() rmtree's the index folder before taking Whoosh's write lock, so the second one deletes the "
    "files (and the lock file) of the one already writing, takes a fresh lock, and both 'hold' it; the "
    "first then dies with a raw `Exception: This file is already closed` and leaves stray segment files. "
    "The rebuild decision, rmtree and create_in should happen under the write lock (e.g. a lock file "
    "beside the index folder), and the loser should get IndexBusyError",
    strict=True,
)
def test_two_first_builds_at_once_do_not_destroy_each_other(plain, monkeypatch):
    # Deterministic stand-in for two processes: two Explorers share nothing but the folder, and Whoosh's
    # flock conflicts between two opens in one process as between two processes. Both have seen "no index
    # yet" before either creates it; then A creates it and writes, and only then does B go on.
    for i in range(60):
        (plain / "articles" / f"x{i:03}.txt").write_text(f"Filler {i}\n\nzebra ports {i}\n", encoding="utf-8")
    b_decided, a_writing, b_done = threading.Event(), threading.Event(), threading.Event()
    real_detect = gindex.detect_language

    def detect_language(corpus, files, sample=40):
        # Called by each once it has decided to build ("no index yet"), before it creates anything:
        # A goes on once B has decided too, B once A holds the lock and is writing.
        if threading.current_thread().name == "B":
            b_decided.set()
            a_writing.wait(10)
        else:
            b_decided.wait(10)
        return real_detect(corpus, files, sample)

    monkeypatch.setattr(gindex, "detect_language", detect_language)
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

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert b_decided.is_set() and a_writing.is_set()  # the interleaving really happened
    assert isinstance(outcome["B"], IndexBusyError), outcome["B"]
    assert not isinstance(outcome["A"], Exception), outcome["A"]
    fresh = Explorer(plain)
    assert fresh.index.is_complete()
    assert fresh.search("zebra", limit=100).total == 60
    assert fresh.article_count() == 62


@pytest.mark.xfail(
    reason="two processes writing meta.json at once break each other: SearchIndex._write_meta always uses the "
    "same temporary name (meta.json.tmp), and every updater calls it before it takes the write lock, so one "
    "process's os.replace moves the other's temporary file and the other fails with SearchIndexError "
    "'cannot write the index in ...: No such file or directory' (seen in 2 of 6 runs of a `gdexplorer "
    "index` and a `gdexplorer search` started together during a build, instead of the busy message); use a "
    "unique temporary name (tempfile.mkstemp in the folder)",
    strict=True,
)
def test_two_processes_writing_the_index_state_at_once(plain, monkeypatch):
    Explorer(plain).update_index()
    folder = Explorer(plain).index.folder
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


@pytest.mark.xfail(
    reason="a search while another process rebuilds the index (`gdexplorer index --rebuild` drops the "
    "folder) raises whoosh.index.EmptyIndexError out of Explorer.search: SearchIndex.searcher() reopens "
    "ix.searcher() on the vanished folder, and EmptyIndexError is neither in INDEX_DAMAGE nor a GdxError "
    "(seen ~300 times in one CLI rebuild of 3,000 articles); it should answer from its open searcher or "
    "raise SearchIndexError",
    strict=True,
)
def test_a_search_while_another_process_rebuilds_is_not_a_crash(plain):
    reader = Explorer(plain)
    reader.update_index()
    assert reader.search("hydrogen").total == 2  # a searcher is open
    Explorer(plain).index.drop()  # what `gdexplorer index --rebuild` does first, in the other process
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
    assert one.index.folder != two.index.folder
    one.update_index()
    two.update_index()
    assert (one.search("hydrogen").total, two.search("hydrogen").total) == (2, 1)
    assert Path(one.index.folder).parent == Path(two.index.folder).parent
