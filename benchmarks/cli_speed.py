"""`gdexplorer search Q` as a fresh process against a fresh process on tuned SQLite FTS5 (issue 16).

On the spliced corpora of ``bench.py`` (generated there, reused from ``--work``), for each size:

- builds gdexplorer's index once (``gdexplorer index``) and a tuned FTS5 database once (``porter
  unicode61``, ``prefix='2 3'``, an indexed metadata table; ``ORDER BY rank`` with the title weighted
  2x and ``snippet()`` for the ten rows shown only);
- then, alternating, runs each query as a new process: ``gdexplorer search Q`` (the index trusted
  while the folders are unchanged), ``gdexplorer search --update Q`` (every article statted, as
  before issue 16), and ``python -c`` opening the FTS5 database and printing the total and the
  top 10 with their titles, dates and snippets;
- reports, per command, the median and best wall time to exit and the largest peak RSS (the child's
  ``ru_maxrss``), and the ratio of the medians: the target is gdx <= 1.5x FTS5 and <= 150 MB.

Usage: python benchmarks/cli_speed.py [--sizes 20000,100000] [--runs 7] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # the splicing and the corpus reader are bench.py's

DEFAULT_WORK = Path(tempfile.gettempdir()) / "gdexplorer-cli-bench"
# Queries whose text means the same in both syntaxes: words (all required) and a phrase.
QUERIES = ("hydrogen fuel", "government", "china economy growth", '"prime minister"', "football")

FTS_PROBE = r"""
import sqlite3, sys
db, query = sys.argv[1], sys.argv[2]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (query,)).fetchone()[0]
rows = con.execute(
    "SELECT m.file, d.title, m.date, m.category, snippet(docs, 1, '[', ']', '…', 24) "
    "FROM docs AS d JOIN meta AS m ON m.rowid = d.rowid WHERE docs MATCH ? "
    "ORDER BY bm25(docs, 2.0, 1.0) LIMIT 10", (query,)).fetchall()
print(f"{total} results for {query!r}")
for rank, (file, title, date, category, snippet) in enumerate(rows, start=1):
    print(f"\n{rank:>3}. {title}  ({(date or '')[:10]} · {category})")
    print(f"     {file}")
    print(f"     {snippet}")
"""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fts_build(corpus: Path, db: Path) -> None:
    """The tuned FTS5 of issue 16: prefix indexes, metadata in an indexed table, rank by bm25."""
    if db.exists():
        return
    building = db.with_suffix(".tmp")
    building.unlink(missing_ok=True)
    con = sqlite3.connect(building)
    try:
        con.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61', prefix='2 3')")
        con.execute("CREATE TABLE meta (rowid INTEGER PRIMARY KEY, file TEXT, category TEXT, date TEXT)")
        with con:
            for n, doc in enumerate(bench.iter_docs(corpus), start=1):
                con.execute("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", (n, doc.title, doc.body))
                con.execute("INSERT INTO meta VALUES (?, ?, ?, ?)", (n, doc.file, doc.category, doc.date))
            con.execute("CREATE INDEX meta_category ON meta (category)")
            con.execute("CREATE INDEX meta_date ON meta (date)")
            con.execute("INSERT INTO docs (docs, rank) VALUES ('rank', 'bm25(2.0, 1.0)')")
            con.execute("INSERT INTO docs (docs) VALUES ('optimize')")
    finally:
        con.close()
    building.rename(db)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds to exit, the child's peak RSS in MB, and its exit status."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    err = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"cli_speed: {' '.join(argv)} failed ({child.returncode}): {err}")
    return seconds, usage.ru_maxrss / 1024, child.returncode


def bench_size(size: int, work: Path, corpora: Path, runs: int, queries: tuple[str, ...]) -> dict[str, object]:
    corpus = bench.ensure_corpus(work, size, corpora, [])
    # Bytecode written and kept, as an installed program has it (see bench.bytecode_env).
    env = bench.bytecode_env(GDEXPLORER_CACHE_DIR=str(work / "gdx-cache"))
    gdx = [sys.executable, "-m", "gdexplorer", "search", "--corpus", str(corpus)]
    say(f"{size:,}: gdexplorer index")
    subprocess.run([sys.executable, "-m", "gdexplorer", "index", "--corpus", str(corpus)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    for _ in range(2):  # the first after a build may find its folders "racy" and check them again
        subprocess.run([*gdx, "warm"], env=env, check=True, stdout=subprocess.DEVNULL)
    db = work / f"fts5-tuned-{size}.sqlite"
    say(f"{size:,}: tuned FTS5 build")
    fts_build(corpus, db)
    commands = {
        "gdx search": lambda q: [*gdx, q],
        "gdx search --update": lambda q: [*gdx, "--update", q],
        "fts5 python": lambda q: [sys.executable, "-c", FTS_PROBE, str(db), q],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, float] = dict.fromkeys(commands, 0.0)
    say(f"{size:,}: {runs} rounds of {len(queries)} queries, each command a new process")
    for _ in range(runs):
        for q in queries:
            for name, argv in commands.items():
                seconds, peak, _ = timed(argv(q), env)
                samples[name].append(seconds)
                rss[name] = max(rss[name], peak)
    out: dict[str, object] = {"docs": size}
    for name in commands:
        out[name] = {"median_s": statistics.median(samples[name]), "best_s": min(samples[name]),
                     "peak_rss_mb": rss[name]}
    fts = statistics.median(samples["fts5 python"])
    out["ratio"] = statistics.median(samples["gdx search"]) / fts
    out["ratio_update"] = statistics.median(samples["gdx search --update"]) / fts
    return out


def report(results: list[dict]) -> str:
    lines = ["| docs | command | median s | best s | peak RSS MB | x FTS5 (median) |", "|---|---|---|---|---|---|"]
    for r in results:
        fts = r["fts5 python"]["median_s"]
        for name in ("gdx search", "gdx search --update", "fts5 python"):
            f = r[name]
            lines.append(f"| {r['docs']:,} | {name} | {f['median_s']:.3f} | {f['best_s']:.3f} | "
                         f"{f['peak_rss_mb']:.0f} | {f['median_s'] / fts:.2f} |")
    lines.append("")
    for r in results:
        ok = r["ratio"] <= 1.5 and r["gdx search"]["peak_rss_mb"] <= 150
        lines.append(f"{'PASS' if ok else 'MISS'} {r['docs']:,}: gdx search {r['ratio']:.2f}x FTS5 (target <= 1.5x), "
                     f"peak RSS {r['gdx search']['peak_rss_mb']:.0f} MB (target <= 150)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="cli_speed.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=bench.parse_sizes, default=[20000], metavar="N,N",
                   help="corpus sizes in articles (default 20000)")
    p.add_argument("--runs", type=int, default=5, metavar="R", help="rounds over the queries (default 5)")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, metavar="DIR",
                   help=f"spliced corpora, indexes and databases, reused between runs (default {DEFAULT_WORK})")
    p.add_argument("--corpora", type=Path, default=bench.DEFAULT_CORPORA, metavar="DIR",
                   help="the shared corpora folder")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE")
    args = p.parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = [bench_size(size, work, args.corpora.resolve(), args.runs, QUERIES) for size in args.sizes]
    print(report(results), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
