"""What indexing every word costs at query time: the same query mix on a "before" and an "after" index.

Each side is a built index of the same corpus and the code that built it (issue 15): "before" drops
stop words and has jieba words only (a4da5d4), "after" indexes every word with the exact and prefix
fields. One run times both, each in its own process with its own code on ``PYTHONPATH``:

    python benchmarks/every_word.py CORPUS \\
        --side before=/work/wt-before:/work/lead-bench/cache-before \\
        --side after=/tmp/after-src:/work/lead-bench/cache-after

For each side: the index size (``du -sb`` of its folder), the mix of ``benchmarks/queries.txt``
(keystroke lines left out) first-time (the posting cache emptied before each query) and warm
(p50/p95 over ``--repeats`` rounds), and each query's total, so that the two sides' answers can be
compared (a stop word says 0 before). Nothing here asserts: the figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_mix(path: Path) -> list[str]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, text = (p.strip() for p in line.split(" | ")[:2])
        if kind != "keystroke":
            queries.append(text)
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def child(corpus: Path, cache: Path, mix: list[str], repeats: int) -> dict[str, object]:
    """Runs in the side's own process: its gdexplorer is the one on PYTHONPATH."""
    import gdexplorer
    from gdexplorer.errors import GdxError
    from gdexplorer.explorer import Explorer
    from gdexplorer.search.engine.docsets import forget_postings

    ex = Explorer(corpus, cache_dir=cache)
    if not ex._index.is_complete():
        raise SystemExit(f"{cache}: no complete index of {corpus} for this code ({gdexplorer.__file__})")

    def search(text: str) -> int:
        try:
            return ex.search(text, limit=20, snippets=True).total
        except GdxError:  # "no words to search for": the stop-word queries before
            return -1

    first: list[float] = []
    totals: dict[str, int] = {}
    for text in mix:
        forget_postings(ex._index.searcher())
        started = time.perf_counter()
        totals[text] = search(text)
        first.append((time.perf_counter() - started) * 1000)
    warm: list[float] = []
    for _ in range(repeats):
        for text in mix:
            started = time.perf_counter()
            search(text)
            warm.append((time.perf_counter() - started) * 1000)
    folder = ex._index.folder
    size = int(subprocess.run(["du", "-sb", str(folder)], capture_output=True, text=True, check=True)
               .stdout.split()[0])
    return {"code": str(Path(gdexplorer.__file__).parent.parent), "index": str(folder), "bytes": size,
            "first_p50": percentile(first, 50), "first_p95": percentile(first, 95),
            "warm_p50": percentile(warm, 50), "warm_p95": percentile(warm, 95), "totals": totals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--side", action="append", required=True, metavar="NAME=CODE:CACHE",
                        help="a side: its name, the folder whose gdexplorer/ built it, its cache dir")
    parser.add_argument("--queries", type=Path, default=HERE / "queries.txt")
    parser.add_argument("--repeats", type=int, default=5, help="warm rounds over the mix")
    parser.add_argument("--child", nargs=2, metavar=("CACHE", "REPEATS"), help=argparse.SUPPRESS)
    opts = parser.parse_args()
    mix = load_mix(opts.queries)
    if opts.child:
        print(json.dumps(child(opts.corpus, Path(opts.child[0]), mix, int(opts.child[1]))))
        return
    results = {}
    for spec in opts.side:
        name, _, rest = spec.partition("=")
        code, _, cache = rest.partition(":")
        env = {**os.environ, "PYTHONPATH": code}
        out = subprocess.run([sys.executable, __file__, str(opts.corpus), "--side", spec, "--queries",
                              str(opts.queries), "--child", cache, str(opts.repeats)],
                             env=env, capture_output=True, text=True, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        r = results[name]
        print(f"{name}: {r['bytes'] / 1e6:,.0f} MB; first-time p50 {r['first_p50']:.0f} ms, p95 "
              f"{r['first_p95']:.0f} ms; warm p50 {r['warm_p50']:.0f} ms, p95 {r['warm_p95']:.0f} ms "
              f"({len(mix)} queries; code {r['code']})", flush=True)
    names = list(results)
    print("\ntotals (-1: refused, no words to search for):")
    for text in mix:
        print(f"  {text:40} " + "  ".join(f"{n} {results[n]['totals'][text]:>7,}" for n in names))


if __name__ == "__main__":
    main()
