"""What an update costs when one article changes, at a size too large to build for each run.

    python benchmarks/one_edit.py CORPUS CACHE [--repo DIR]

CORPUS is a corpus whose index is already built in CACHE (bench.py leaves one in its --work folder
as gdx-cache-N); --repo runs the gdexplorer of another checkout (an exported older commit) on the
same index, for a before and after in one run. The script reads the manifest alone (seconds and the
process's peak RSS so far), runs a first update (in a new process: every signature compared), then
appends a sentence to one article and updates (the one-article update the window runs), then puts
the article back as it was (bytes and mtime) and updates again. The article is restored even when
the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

EDIT = b"\nAn edit for the benchmark: the zeppelin landed.\n"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the checkout whose gdexplorer runs (default: this one)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.repo.resolve()))
    from gdexplorer.corpus.manifest import read_manifest
    from gdexplorer.explorer import Explorer

    started = time.perf_counter()
    records, problems = read_manifest(args.corpus)
    print(f"manifest: {len(records):,} records, {len(problems)} problems, {time.perf_counter() - started:.1f} s, "
          f"peak RSS {peak_mb():,.0f} MB", flush=True)
    del records

    ex = Explorer(args.corpus, cache_dir=args.cache)
    started = time.perf_counter()
    stats = ex.update_index()
    print(f"first update: {time.perf_counter() - started:.1f} s, {stats.added + stats.updated} written, "
          f"{stats.unchanged:,} unchanged{', rebuilt' if stats.rebuilt else ''}", flush=True)

    manifest = args.corpus / "manifest.jsonl"
    first = json.loads(manifest.open(encoding="utf-8").readline())["file"] if manifest.is_file() else None
    path = args.corpus / first if first else next((args.corpus / "articles").rglob("*.txt"))
    original, st = path.read_bytes(), path.stat()
    try:
        path.write_bytes(original + EDIT)
        started = time.perf_counter()
        stats = ex.update_index()
        print(f"edit: {time.perf_counter() - started:.2f} s, {stats.added + stats.updated} written", flush=True)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    started = time.perf_counter()
    stats = ex.update_index()
    print(f"undo: {time.perf_counter() - started:.2f} s, {stats.added + stats.updated} written", flush=True)
    print(f"peak RSS {peak_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
