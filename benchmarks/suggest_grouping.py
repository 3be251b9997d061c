"""Time grouping suggested entities (``annotations.suggested.group``) over a corpus's suggestion cache.

    python benchmarks/suggest_grouping.py CACHE.jsonl [--profile]

CACHE.jsonl is the per-user cache ``gdexplorer suggestions --corpus DIR`` fills (under
GDEXPLORER_CACHE_DIR/suggested/). Its header is not checked: only the recorded mentions are read.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time

from gdexplorer.annotations.suggested import group


def main() -> None:
    records = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        f.readline()
        for line in f:
            rec = json.loads(line)
            if not rec.get("gone"):
                records[rec["id"]] = rec
    started = time.perf_counter()
    if "--profile" in sys.argv:
        with cProfile.Profile() as profile:
            found, _ = group(records.items(), [])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(12)
    else:
        found, _ = group(records.items(), [])
    print(f"{len(records)} articles, {len(found)} suggested entities, grouped in "
          f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
