"""A large fill of the server analyses its documents in worker processes: the server must receive
exactly what one process sends, and a cancelled fill must leave no worker behind."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from gdexplorer.errors import Problem
from gdexplorer.explorer import Explorer
from gdexplorer.model import IndexStats, Progress
from gdexplorer.search.server.store import ServerIndex
from tests.corpora import slice_of
from tests.pgserver import Server

# Everything a fill writes, as text where a type has no order of its own.
TABLES = {
    "gdx_document": "SELECT path, sig, title, info::text, category, date, month, format, site, entity, digest, near,"
                    " title_t::text, body_t::text, title_x::text, body_x::text, prefix_t::text, content"
                    " FROM gdx_document ORDER BY path",
    "gdx_word": "SELECT field, word, df FROM gdx_word ORDER BY field, word",
    "gdx_near": "SELECT digest, grp FROM gdx_near ORDER BY digest",
}


def new_database(server: Server, name: str) -> str:
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def held(url: str) -> dict[str, list[tuple[object, ...]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {table: conn.execute(query).fetchall() for table, query in TABLES.items()}


def fill(explorer: Explorer, url: str, processes: int, cancel: threading.Event | None = None,
         progress: Callable[[Progress], None] | None = None) -> IndexStats:
    # The update the one door runs for `gdexplorer index --server`, with the number of processes set.
    server = ServerIndex(url, explorer.corpus_root.name)
    return server.update(explorer._corpus, explorer._matcher, explorer._fact_articles(), progress, cancel,
                         processes=processes)


@pytest.fixture(scope="module", params=[("en-bbc-news-2004-2005", 600), ("zh-sogouca-sample-2012", 202)],
                ids=["bbc", "sogouca"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name, count = request.param
    return slice_of(name, count, tmp_path_factory.mktemp(name))


def workers_seen(seen: list[int]) -> Callable[[Progress], None]:
    """A progress callback that notes how many child processes are running at each report."""
    return lambda p: seen.append(len(multiprocessing.active_children()))


def test_worker_processes_send_exactly_what_one_process_sends(corpus: Path, pg_server: Server):
    explorer = Explorer(corpus)
    alone = new_database(pg_server, f"gdx_alone_{corpus.name}")
    shared = new_database(pg_server, f"gdx_shared_{corpus.name}")
    seen_alone: list[int] = []
    seen_shared: list[int] = []
    stats_alone = fill(explorer, alone, processes=1, progress=workers_seen(seen_alone))
    stats_shared = fill(explorer, shared, processes=2, progress=workers_seen(seen_shared))
    assert max(seen_alone) == 0 and max(seen_shared) == 2  # the rows were made here, then by two workers
    assert not multiprocessing.active_children()
    assert stats_alone.added == stats_shared.added == len(list((corpus / "articles").rglob("*.txt")))
    def by_place(p: Problem) -> tuple[str, int, str]:
        return p.path, p.line, p.message

    # The writer's thread adds its own problems, in its own time: their order may differ.
    assert sorted(stats_alone.problems, key=by_place) == sorted(stats_shared.problems, key=by_place)
    one, two = held(alone), held(shared)
    assert len(one["gdx_document"]) == stats_alone.added
    assert one["gdx_word"]  # the words' frequencies were written, by both
    for table in TABLES:
        assert one[table] == two[table], table


def test_a_cancelled_fill_stops_its_workers_and_leaves_the_index_as_it_was(pg_server: Server, tmp_path: Path):
    corpus = slice_of("en-bbc-news-2004-2005", 600, tmp_path / "bbc")
    explorer = Explorer(corpus)
    url = new_database(pg_server, "gdx_cancelled")
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.done >= 450:  # two batches of 200 with the workers by then
            assert len(multiprocessing.active_children()) == 2
            cancel.set()

    assert fill(explorer, url, processes=2, cancel=cancel, progress=progress).cancelled
    assert not multiprocessing.active_children()  # the workers were stopped and reaped
    assert held(url)["gdx_document"] == []  # the fill's transaction rolled back
    server = ServerIndex(url, corpus.name)
    assert not server.is_ready()
    assert fill(explorer, url, processes=2).added == 600
    assert server.is_ready()


def test_a_script_without_a_main_guard_fills_with_workers_once(pg_server: Server, tmp_path: Path):
    # Workers started with "spawn" run the main module again: this script would fill (and here
    # count its runs) once per worker as well. Forked workers do not.
    import subprocess
    import sys

    corpus = slice_of("en-bbc-news-2004-2005", 300, tmp_path / "bbc")
    url = new_database(pg_server, "gdx_unguarded")
    runs = tmp_path / "runs"
    script = tmp_path / "fill.py"
    script.write_text(
        "import multiprocessing\n"
        "from gdexplorer.explorer import Explorer\n"
        "from gdexplorer.search.server.store import ServerIndex\n"
        f"with open({str(runs)!r}, 'a') as f:\n"
        "    f.write('run\\n')\n"
        f"explorer = Explorer({str(corpus)!r})\n"
        f"stats = ServerIndex({url!r}, 'bbc').update(explorer._corpus, explorer._matcher, processes=2,\n"
        "    progress=lambda p: print('workers', len(multiprocessing.active_children())))\n"
        "print('added', stats.added)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "added 300" in done.stdout
    assert "workers 2" in done.stdout
    assert runs.read_text(encoding="utf-8") == "run\n"


def test_a_worker_killed_mid_fill_is_one_clear_error_and_nothing_is_written(pg_server: Server, tmp_path: Path):
    import os
    import signal

    from gdexplorer.search.server.connection import ServerError

    corpus = slice_of("en-bbc-news-2004-2005", 600, tmp_path / "bbc")
    explorer = Explorer(corpus)
    url = new_database(pg_server, "gdx_killed")
    killed: list[int] = []

    def progress(p: Progress) -> None:
        if p.done >= 250 and not killed:  # a batch is with the workers by then
            victim = multiprocessing.active_children()[0]
            killed.append(victim.pid)
            os.kill(victim.pid, signal.SIGKILL)

    with pytest.raises(ServerError) as raised:
        fill(explorer, url, processes=2, progress=progress)
    assert killed
    assert str(raised.value) == (f"updating the index of bbc on {ServerIndex(url, 'bbc').where} failed: a process "
                                 "analysing the articles stopped; nothing was written")
    assert not multiprocessing.active_children()
    assert held(url)["gdx_document"] == []
    assert fill(explorer, url, processes=2).added == 600  # and the next fill is whole


def test_a_fill_killed_with_its_workers_alive_leaves_the_server_free(pg_server: Server, tmp_path: Path):
    # A worker held a copy of the update's socket, and no worker sees its parent go: killed
    # mid-fill, the transaction (and the corpus's lock) stayed open on the server for ever.
    import os
    import subprocess
    import sys
    import time

    from gdexplorer.errors import IndexBusyError

    corpus = slice_of("en-bbc-news-2004-2005", 600, tmp_path / "bbc")
    url = new_database(pg_server, "gdx_orphans")
    script = tmp_path / "fill.py"
    script.write_text(
        "import multiprocessing, sys\n"
        "from gdexplorer.explorer import Explorer\n"
        "from gdexplorer.search.server.store import ServerIndex\n"
        "def report(p):\n"
        "    print(p.done, *[c.pid for c in multiprocessing.active_children()], flush=True)\n"
        "    if p.done >= 300:\n"
        "        sys.stdin.read()  # held here until killed\n"
        "if __name__ == '__main__':\n"
        f"    explorer = Explorer({str(corpus)!r})\n"
        f"    ServerIndex({url!r}, 'bbc').update(explorer._corpus, explorer._matcher, progress=report, processes=2)\n",
        encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        done, *workers = map(int, line.split())
        if done >= 300:
            break
    assert len(workers) == 2
    child.kill()
    child.wait()
    deadline = time.monotonic() + 60

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    while any(alive(pid) for pid in workers):  # gone with their parent
        assert time.monotonic() < deadline, "the workers outlived the fill they worked for"
        time.sleep(0.05)
    explorer = Explorer(corpus)
    while True:  # the server sees the connection close a moment after the last copy of it goes
        try:
            stats = fill(explorer, url, processes=1)
            break
        except IndexBusyError:
            assert time.monotonic() < deadline, "the killed fill's lock is still held on the server"
            time.sleep(0.1)
    assert stats.added == 600
