"""Typing on after a misspelt word: the answer after each pause asks "Did you mean" again.

    python benchmarks/typing_on.py TREE [--corpus DIR] [--cache DIR]

TREE is a gdexplorer source tree (put first on sys.path), so two versions can be run one after the
other on the same index. Each prefix of the typed text gets the answer the window shows after a
pause (``keystroke=True, time_limited=False``); prints the total and the slowest, and the last
correction offered.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

TYPED = "governmnt spending plans for the next yea"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", type=Path)
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared/corpora/en-bbc-news-2004-2005")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/typing-on-cache"))
    parser.add_argument("--typed", default=TYPED)
    opts = parser.parse_args()
    sys.path.insert(0, str(opts.tree.resolve()))
    from gdexplorer.explorer import Explorer

    ex = Explorer(opts.corpus, cache_dir=opts.cache)
    ex.update_index()
    times, fix = [], None
    for end in range(10, len(opts.typed) + 1):
        started = time.perf_counter()
        fix = ex.search(opts.typed[:end], keystroke=True, time_limited=False).did_you_mean
        times.append((time.perf_counter() - started) * 1000)
    print(f"{opts.tree}: {len(times)} pause answers, {sum(times):.0f} ms in all, slowest {max(times):.0f} ms; "
          f"offered: {fix!r}")


if __name__ == "__main__":
    main()
