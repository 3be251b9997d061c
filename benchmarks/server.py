"""The shared PostgreSQL index beside the embedded one: build, query latency, and 8 clients during indexing.

    python benchmarks/server.py CORPUS [--server URL] [--cache DIR] [--repeats 3] [--clients 8]

CORPUS is any corpus folder (the spliced ones bench.py makes: corpus-20000, corpus-100000). Without
--server, a PostgreSQL of its own is started for the run (tests/pgserver.py: initdb in a temporary
folder, fsync off as for the tests; say so when you quote figures). Same machine, same run, same query
mix (benchmarks/queries.txt, its keystroke lines left out; the server expands fuzzy words with pg_trgm):

- build: the embedded index (one process, as `gdexplorer index` runs it) and the server's fill;
- first-time: each query once, in a fresh Explorer (embedded: posting cache cold; server: a new
  connection, the server's own caches as the build left them);
- warm: the mix repeated, p50/p95;
- concurrency: N client processes search the server in a loop while another process fills it again from
  scratch; throughput, p95 and errors (readers must never fail or see a half-filled index).

At a million articles a second fill from scratch would take as long as the first: --writer-corpus DIR
has the writer fill that other corpus beside the measured one, from scratch again and again, while the
clients search for --concurrent-seconds; --reuse-server takes the server's copy as an earlier run left
it (checked: its update must find nothing to do) so that the queries can be measured again without
a fill.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def load_mix() -> list[str]:
    mix = []
    for line in (REPO / "benchmarks" / "queries.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, query = (part.strip() for part in line.split("|")[:2])
        if kind != "keystroke":
            mix.append(query)
    return mix


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(run, queries: list[str]) -> tuple[list[float], dict[str, int]]:
    times, totals = [], {}
    for q in queries:
        t = time.perf_counter()
        totals[q] = run(q)
        times.append((time.perf_counter() - t) * 1000)
    return times, totals


def client(url: str, corpus: str, queries: list[str], stop_at: float, out: multiprocessing.Queue) -> None:
    from gdexplorer.explorer import Explorer

    explorer = Explorer(corpus, server=url)
    times, errors, totals = [], 0, []
    started = time.time()
    while time.time() < stop_at:
        for q in queries:
            if time.time() >= stop_at:  # at 1M one pass over the mix takes minutes under load
                break
            t = time.perf_counter()
            try:
                totals.append(explorer.search(q, limit=10).total)
            except Exception as e:
                errors += 1
                print(f"client error: {type(e).__name__}: {e}", file=sys.stderr)
            times.append((time.perf_counter() - t) * 1000)
    out.put((times, errors, time.time() - started))


def refill(url: str, corpus: str, until: float | None = None) -> None:
    """Fill ``corpus`` on the server from scratch: once, or again and again until ``until``."""
    from gdexplorer.explorer import Explorer

    explorer = Explorer(corpus, server=url)
    fills = 0
    while True:
        explorer.drop_index()
        explorer.update_index()
        fills += 1
        if until is None or time.time() >= until:
            break
    print(f"writer: {fills} fills of {corpus}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--server", help="an existing server (default: start one for the run)")
    parser.add_argument("--cache", type=Path, help="the embedded index's cache folder (kept between runs)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--reuse-embedded", action="store_true",
                        help="take the embedded index in --cache as built (it must be complete for this code and "
                             "corpus: checked, and its update must find nothing to do) instead of building it")
    parser.add_argument("--reuse-server", action="store_true",
                        help="take the server's copy as it is (its update must find nothing to do) "
                             "instead of filling it")
    parser.add_argument("--writer-corpus", type=Path,
                        help="during the concurrency run, fill this other corpus again and again rather than the "
                             "measured one once")
    parser.add_argument("--concurrent-seconds", type=float,
                        help="how long the clients search (default: the fill's time and 5 s)")
    args = parser.parse_args()
    if args.reuse_server and args.concurrent_seconds is None:
        parser.error("--reuse-server needs --concurrent-seconds (there is no fill to take the time of)")
    if args.writer_corpus and args.writer_corpus.resolve().name == args.corpus.resolve().name:
        # The server names a corpus by its folder: the writer would fill the measured one again.
        parser.error("--writer-corpus must have another folder name than CORPUS")
    from gdexplorer.explorer import Explorer
    from tests.pgserver import running_server

    corpus = str(args.corpus)
    mix = load_mix()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="gdx-bench-cache-"))
    figures: dict[str, object] = {"corpus": corpus, "queries": len(mix)}
    if args.reuse_embedded:
        reused = Explorer(corpus, cache_dir=cache)
        # Checked before anything runs: an index of another schema would be rebuilt in its place.
        if args.cache is None or reused.index_changes() == "the index is not built or not complete":
            parser.error(f"--reuse-embedded: no complete embedded index of {corpus} for this code in {cache}")
        figures["embedded_reused_changes"] = reused.index_changes()  # "": its folders are as it saw them

    def run(url: str) -> None:
        embedded = Explorer(corpus, cache_dir=cache)
        t = time.perf_counter()
        stats = embedded.update_index()
        if args.reuse_embedded:
            if stats.rebuilt or stats.added or stats.updated or stats.deleted:
                raise SystemExit(f"--reuse-embedded: the embedded index was not the corpus's as it is ({stats})")
            figures["embedded_build_s"] = "reused"
            figures["embedded_check_s"] = round(time.perf_counter() - t, 1)
            print(f"embedded: reused, {stats.unchanged} unchanged, checked in {figures['embedded_check_s']} s",
                  flush=True)
        else:
            figures["embedded_build_s"] = round(time.perf_counter() - t, 1)
            print(f"embedded: {stats.added} added in {figures['embedded_build_s']} s", flush=True)
        figures["articles"] = embedded.article_count()
        shared = Explorer(corpus, server=url)
        if args.reuse_server:
            t = time.perf_counter()
            stats = shared.update_index()
            if stats.rebuilt or stats.added or stats.updated or stats.deleted:
                raise SystemExit(f"--reuse-server: the server's copy was not the corpus's as it is ({stats})")
            figures["server_build_s"] = "reused"
            print(f"server: reused, {stats.unchanged} unchanged, checked in {time.perf_counter() - t:.1f} s",
                  flush=True)
        else:
            shared.drop_index()
            t = time.perf_counter()
            stats = shared.update_index()
            figures["server_build_s"] = round(time.perf_counter() - t, 1)
            figures["server_docs_per_s"] = round(stats.added / figures["server_build_s"])
            print(f"server: {stats.added} added in {figures['server_build_s']} s", flush=True)

        first_e, totals_e = timed(lambda q: Explorer(corpus, cache_dir=cache).search(q, limit=10).total, mix)
        first_s, totals_s = timed(lambda q: Explorer(corpus, server=url).search(q, limit=10).total, mix)
        warm_e: list[float] = []
        warm_s: list[float] = []
        for _ in range(args.repeats):
            warm_e += timed(lambda q: embedded.search(q, limit=10).total, mix)[0]
            warm_s += timed(lambda q: shared.search(q, limit=10).total, mix)[0]
        figures["differing_totals"] = {q: [totals_e[q], totals_s[q]] for q in mix if totals_e[q] != totals_s[q]}
        for name, values in (("embedded_first", first_e), ("server_first", first_s),
                             ("embedded_warm", warm_e), ("server_warm", warm_s)):
            figures[name] = {"p50": round(statistics.median(values), 1), "p95": round(pct(values, 0.95), 1)}
            print(f"{name:15} p50 {figures[name]['p50']:7.1f} ms  p95 {figures[name]['p95']:7.1f} ms", flush=True)

        # Readers during a fill from scratch: the old index answers until the new one commits.
        ctx = multiprocessing.get_context("spawn")
        out: multiprocessing.Queue = ctx.Queue()
        seconds = args.concurrent_seconds
        if seconds is None:
            seconds = float(figures["server_build_s"]) + 5
        t = time.time()
        if args.writer_corpus:
            writer = ctx.Process(target=refill, args=(url, str(args.writer_corpus), t + seconds))
        else:
            writer = ctx.Process(target=refill, args=(url, corpus))
        writer.start()
        clients = [ctx.Process(target=client, args=(url, corpus, mix, t + seconds, out))
                   for _ in range(args.clients)]
        for c in clients:
            c.start()
        results = [out.get() for _ in clients]
        for c in clients:
            c.join()
        writer.join()
        times = [x for r in results for x in r[0]]
        # Each client searches until its time is up (finishing the mix it is in); the writer may
        # go on past it with its last fill, which is no client's time.
        elapsed = max(r[2] for r in results)
        figures["concurrent"] = {
            "clients": args.clients, "searches": len(times), "per_s": round(len(times) / elapsed, 1),
            "p50": round(statistics.median(times), 1), "p95": round(pct(times, 0.95), 1),
            "errors": sum(r[1] for r in results), "writer_exit": writer.exitcode,
            "writer": str(args.writer_corpus or corpus)}
        print(f"concurrent: {figures['concurrent']}", flush=True)

    if args.server:
        run(args.server)
    else:
        with running_server() as server:
            run(server.url())
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
