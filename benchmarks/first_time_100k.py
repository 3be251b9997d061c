"""First-time and warm query figures of gdexplorer indexes beside tuned FTS5, in one run.

    python benchmarks/first_time_100k.py CORPUS FTS5_DB CACHE [CACHE ...]

CORPUS is a spliced corpus; FTS5_DB the tuned FTS5 database bench.py built from it (``fts5-N.sqlite``
in its --work folder); each CACHE a gdexplorer index of CORPUS (built by any version, to compare
index formats). The query mix, the first-time rule (gdexplorer's posting cache emptied before each
query; FTS5: a new connection per query) and the percentiles (over each query's median of 3) are
bench.py's own.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import anchors  # noqa: E402
import bench  # noqa: E402


def figures(timings: bench.Timings) -> str:
    medians = [statistics.median(v) for v in timings.samples.values()]
    return f"{bench.percentile(medians, 50):.1f} / {bench.percentile(medians, 95):.1f} ms"


def dated(label: str, timings: bench.Timings, queries: list[str]) -> None:
    """The date queries one by one: they read the manifest's dates (the 1M manifest was once refused whole)."""
    for text in queries:
        median = statistics.median(timings.samples[text])
        print(f"  {label} {text}: {timings.totals[text]:,} hits, median {median:.1f} ms")


def main() -> None:
    corpus, db, caches = Path(sys.argv[1]), Path(sys.argv[2]), [Path(c) for c in sys.argv[3:]]
    queries = bench.load_queries(bench.DEFAULT_QUERIES)
    texts = [q.text for q in queries if q.kind != "keystroke"]
    dates = [q.text for q in queries if q.kind == "date"]
    mapping = bench.anchor_queries(queries)
    for cache in caches:
        ex = bench.gdx_explorer(corpus, cache)
        first, _ = bench.gdx_first_time(ex, corpus, cache)
        cold = bench.time_queries(first, texts, 3, 10.0)
        warm = bench.time_queries(bench.gdx_search(ex), texts, 3, 10.0)
        print(f"gdexplorer {cache}: first p50/p95 {figures(cold)}, warm {figures(warm)}")
        dated("first", cold, dates)
        dated("warm", warm, dates)
        ex._index.close()
    cold = bench.time_queries(bench.anchor_runner(anchors.fts_search(db, fresh=True), mapping), texts, 3, 10.0)
    warm = bench.time_queries(bench.anchor_runner(anchors.fts_search(db), mapping), texts, 3, 10.0)
    print(f"tuned FTS5: first p50/p95 {figures(cold)}, warm {figures(warm)}")
    dated("first", cold, dates)
    dated("warm", warm, dates)


if __name__ == "__main__":
    main()
