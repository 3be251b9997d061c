"""What a pause in typing costs at scale: the window's answer after the pause versus the explicit prefix.

For each text typed (its last word unfinished), the window's final answer is
``search(text, keystroke=True, time_limited=False)``; it must equal the explicit prefix query
(``text*``) and arrive within 300 ms at 100,000 articles (issue 15). Also times the bench's query
mix (``queries.txt``), first-time (a fresh Explorer, the first query after opening) and warm.

    python benchmarks/prefix_pause.py CORPUS --cache DIR [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gdexplorer.explorer import Explorer

TYPED = ["c", "ch", "chi", "chin", "gu", "t", "te", "oil p", "oil pri", "human ri", "the w", "econom"]
HERE = Path(__file__).parent


def mix(path: Path) -> list[str]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, query = (part.strip() for part in line.split("|")[:2])
            if kind != "keystroke":
                queries.append(query)
    return queries


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", type=Path)
    p.add_argument("--cache", type=Path, required=True, help="the index cache folder (built already)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--queries", type=Path, default=HERE / "queries.txt")
    args = p.parse_args()

    print("typed text        after pause            explicit prefix        equal  first ms  warm ms")
    for text in TYPED:
        first_ex = Explorer(args.corpus, cache_dir=args.cache)
        started = time.perf_counter()
        paused = first_ex.search(text, keystroke=True, time_limited=False)
        first = time.perf_counter() - started
        warm = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            first_ex.search(text, keystroke=True, time_limited=False)
            warm.append(time.perf_counter() - started)
        explicit = first_ex.search(text + "*")
        # The same articles; their order may differ, as the word typed also counts as a whole word.
        same = (paused.total, paused.partial) == (explicit.total, explicit.partial)
        show = f"{'≈' if paused.partial else ''}{paused.total:,}"
        print(f"{text!r:17} {show:22} {('≈' if explicit.partial else '') + f'{explicit.total:,}':22} "
              f"{'yes' if same else 'NO':5}  {ms(first):>8}  {ms(statistics.median(warm)):>7}")

    queries = mix(args.queries)
    firsts, warms = [], []
    for query in queries:
        ex = Explorer(args.corpus, cache_dir=args.cache)
        started = time.perf_counter()
        ex.search(query, limit=10)
        firsts.append(time.perf_counter() - started)
    ex = Explorer(args.corpus, cache_dir=args.cache)
    for query in queries:
        ex.search(query, limit=10)
    for _ in range(args.repeats):
        for query in queries:
            started = time.perf_counter()
            ex.search(query, limit=10)
            warms.append(time.perf_counter() - started)

    def pct(values: list[float], q: int) -> str:
        return ms(statistics.quantiles(values, n=100)[q - 1])

    print(f"\nquery mix ({len(queries)} queries): first-time p50 {pct(firsts, 50)} ms, p95 {pct(firsts, 95)} ms; "
          f"warm p50 {pct(warms, 50)} ms, p95 {pct(warms, 95)} ms")
    sizes = sum(f.stat().st_size for f in args.cache.rglob("*") if f.is_file())
    print(f"index size {sizes / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
