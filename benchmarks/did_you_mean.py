"""What a misspelt query costs: "Did you mean" walks the index's words that share the first letter of
each misspelt word and measures each one's edit distance.

For each query, in one process with the index open: the whole first search (its posting lists read,
the words walked and measured) and the same search again (the answer kept for that state of the
index), with the correction offered.

    python benchmarks/did_you_mean.py CORPUS --cache DIR [--repo TREE] [QUERY ...]

--cache: gdexplorer's cache folder holding CORPUS's index (bench.py leaves one in --work as gdx-cache-N).
--repo: import gdexplorer from another checkout (an exported older commit), to compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

QUERIES = ("hydrogne", "goverment", "electricty prices", "chinese consumr", "minsiter resigned",
           "footbal club", "parliment vote", "enviroment policy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("queries", nargs="*", default=QUERIES)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--repo", type=Path, help="a gdexplorer checkout to import instead of this one")
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve() if args.repo else Path(__file__).resolve().parent.parent))
    os.environ["GDEXPLORER_CACHE_DIR"] = str(args.cache)
    import gdexplorer
    from gdexplorer.explorer import Explorer

    print(f"gdexplorer from {Path(gdexplorer.__file__).parent}")
    ex = Explorer(args.corpus)
    # Opens the searcher with a word too common to be corrected: nothing is walked or imported here.
    warm = ex.search("government")
    assert warm.did_you_mean is None
    firsts = []
    for query in args.queries:
        started = time.perf_counter()
        result = ex.search(query, limit=10)
        first = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        ex.search(query, limit=10)
        again = (time.perf_counter() - started) * 1000
        firsts.append(first)
        print(f"{query!r:24} {result.total:>7,} hits  first {first:7.1f} ms  again {again:6.1f} ms  "
              f"did you mean: {result.did_you_mean!r}")
    print(f"median first {statistics.median(firsts):.1f} ms, slowest {max(firsts):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
