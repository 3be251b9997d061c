"""How long does loading jieba's dictionary keep other threads (the window's event loop) from the GIL?

A thread that wakes every millisecond stands in for the UI thread (which needs the GIL for every
Python slot); while another thread loads jieba's prefix dictionary, the longest gap between its
ticks is the longest the window would freeze. Each way of loading runs in a fresh process:

- jieba: jieba's own ``initialize()`` from its marshal cache (what gdexplorer did before);
- cold: ours without our cache (built from dict.txt by jieba's gen_pfdict, then our cache written);
- warm: ours from our cache;
- floor: no jieba, a pure-Python loop of about the same length (what the machine's scheduler and the
  GIL's 5 ms switch interval give at best: on a loaded machine most of the figure).

    python benchmarks/jieba_load.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, threading, time
gaps = []
running = True
def tick():
    last = time.perf_counter()
    while running:
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
threading.Thread(target=tick, daemon=True).start()
import jieba  # the imports are not what is measured: the window has made them before
from gdexplorer.search.chinese import _jieba
jieba.setLogLevel(40)
way, folder = sys.argv[1], sys.argv[2]
time.sleep(0.05)
gaps.clear()
def load():
    if way == "floor":
        for i in range(2_000_000):
            str(i)
    elif way == "jieba":
        jieba.dt.tmp_dir = folder
        jieba.initialize()
    else:
        _jieba()
started = time.perf_counter()
worker = threading.Thread(target=load)  # a worker thread, as in the window
worker.start()
worker.join()
took = time.perf_counter() - started
time.sleep(0.02)
running = False
print(json.dumps({"took": took, "longest": max(gaps), "words": len(jieba.dt.FREQ)}))
"""


def run(way: str, folder: Path) -> dict[str, float]:
    env = dict(os.environ, GDEXPLORER_CACHE_DIR=str(folder), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, way, str(folder)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"jieba": [], "cold": [], "warm": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="gdx-jieba-") as tmp:
        jieba_cache = Path(tmp) / "jieba-own"
        jieba_cache.mkdir()
        run("jieba", jieba_cache)  # writes jieba's own cache: the runs below load it
        warm = Path(tmp) / "warm"
        run("cold", warm)  # writes ours
        for i in range(args.repeats):
            results["jieba"].append(run("jieba", jieba_cache))
            results["cold"].append(run("cold", Path(tmp) / f"cold-{i}"))
            results["warm"].append(run("warm", warm))
            results["floor"].append(run("floor", warm))
    print(f"{'way':6} {'load, median (all runs)':44} longest GIL wait, median (all runs)")
    for way, runs in results.items():
        took = [r["took"] * 1000 for r in runs]
        longest = [r["longest"] * 1000 for r in runs]
        print(f"{way:6} {statistics.median(took):5.0f} ms ({', '.join(f'{t:.0f}' for t in took)})".ljust(52)
              + f"{statistics.median(longest):4.0f} ms ({', '.join(f'{t:.0f}' for t in longest)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
