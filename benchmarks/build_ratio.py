"""Full index builds like for like, interleaved in one run: naive Whoosh and gdexplorer trees, 1 and 2 processes.

Each build runs in a process of its own under GNU time (the CPU of its sub-processes included):
naive Whoosh is ``bench.baseline_build``; each gdexplorer side is ``bench.gdx_build`` with that
side's tree first on ``sys.path``. For each process count, the sides run one after the other, so a
load that comes and goes touches them alike; compare the ratios of one run.

    nice -n 5 python benchmarks/build_ratio.py CORPUS WORK --side before=/tmp/old-tree --side now=.

One JSON line per build on stdout: side, procs, wall_s, cpu_s, peak_mb, index_mb and the code used.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, os.environ["BENCH_DIR"])
import bench
code = os.environ.get("GDX_CODE")
if code:
    bench.REPO = Path(code)  # bench puts REPO first on sys.path
kind, procs, corpus, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
started = time.perf_counter()
if kind == "naive":
    bench.baseline_build(corpus, folder, procs)
else:
    bench.gdx_build(corpus, folder, procs)
print("WALL", time.perf_counter() - started)
if kind == "gdx":
    import gdexplorer
    print("CODE", gdexplorer.__file__)
"""


def build(name: str, code: Path | None, procs: int, corpus: Path, work: Path) -> dict[str, object]:
    env = {**os.environ, "BENCH_DIR": str(HERE)}
    if code is not None:
        env["GDX_CODE"] = str(code)
    folder = work / f"{name}-p{procs}"
    out = subprocess.run(["/usr/bin/time", "-f", "TIME %U %S %M", sys.executable, "-c", CHILD,
                          "naive" if code is None else "gdx", str(procs), str(corpus), str(folder)],
                         env=env, capture_output=True, text=True, check=False)
    lines = out.stdout.splitlines()
    times = [line for line in out.stderr.splitlines() if line.startswith("TIME")]
    wall = [line for line in lines if line.startswith("WALL")]
    if out.returncode or not times or not wall:
        return {"side": name, "procs": procs, "failed": out.stderr[-2000:]}
    user, system, peak_kb = times[-1].split()[1:]
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return {"side": name, "procs": procs, "wall_s": round(float(wall[0].split()[1]), 1),
            "cpu_s": round(float(user) + float(system), 1), "peak_mb": int(peak_kb) // 1024,
            "index_mb": round(size / 1e6), "code": [line[5:] for line in lines if line.startswith("CODE")]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="a corpus folder (articles/ and manifest.jsonl)")
    parser.add_argument("work", type=Path, help="where the indexes are built (replaced)")
    parser.add_argument("--side", action="append", default=[], metavar="NAME=TREE",
                        help="a gdexplorer tree to build with (the folder holding gdexplorer/)")
    parser.add_argument("--procs", default="1,2", help="process counts, comma-separated")
    opts = parser.parse_args()
    sides: list[tuple[str, Path | None]] = [("naive", None)]
    for spec in opts.side:
        name, _, tree = spec.partition("=")
        sides.append((name, Path(tree).resolve()))
    opts.work.mkdir(parents=True, exist_ok=True)
    for procs in (int(p) for p in opts.procs.split(",")):
        for name, code in sides:
            print(json.dumps(build(name, code, procs, opts.corpus, opts.work)), flush=True)


if __name__ == "__main__":
    main()
