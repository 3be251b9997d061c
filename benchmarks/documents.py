"""Document extraction on the saved news pages: throughput, body token F1, headline and date rates.

    python benchmarks/documents.py [FOLDER]   (default ../shared/corpora/en-html-news-pages)

Extracts every page listed in the folder's ground-truth.json with ``gdexplorer.corpus.documents``
(no cache), prints documents per second and the figures the issue asks for (issue 17).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from gdexplorer.corpus.documents import extract

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "en-html-news-pages"


def main(folder: Path) -> None:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {path: (folder / path).read_bytes() for path in truth}
    started = time.perf_counter()
    found = {path: extract(path, data) for path, data in pages.items()}
    seconds = time.perf_counter() - started
    scores = []
    for path, record in truth.items():
        got, want = Counter(found[path].body.split()), Counter(record["articleBody"].split())
        common = sum((got & want).values())
        p, r = common / max(1, sum(got.values())), common / max(1, sum(want.values()))
        scores.append(2 * p * r / (p + r) if common else 0.0)
    n = len(truth)
    print(f"{n} pages in {seconds:.1f} s: {n / seconds:.1f} docs/s (one process, no cache)")
    rates = "; ".join(f"{key} {sum(bool(getattr(d, key)) for d in found.values())}/{n}"
                      for key in ("title", "date", "byline", "site", "url"))
    print(f"body token F1 {sum(scores) / n:.3f}; {rates}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
