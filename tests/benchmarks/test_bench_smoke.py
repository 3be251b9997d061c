"""The benchmark's quick mode on a tiny spliced corpus: the table prints, the JSON has every figure.

No timing is asserted: CI machines are noisy, and the figures are for people to read.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks" / "bench.py"
CORPORA = REPO.parent / "shared" / "corpora"
SOURCES = ("en-bbc-news-2004-2005", "en-guardian-china-2007-2016", "en-chinadaily-opinion-2012-2019")

SUMMARY_HEADER = ("| docs | gdx docs/s | base docs/s | x base | gdx MB | fts5 MB | gdx p50 | gdx p95 | gdx p95 uncached | base p50 "
                  "| base p95 | fts5 p50 | fts5 p95 | p95 gdx/fts5 | keys max | incr s | cold s | RSS MB |")
TARGETS = ("query p95", "query p50", "keystroke first results", "indexing throughput", "re-index after one change",
           "cold open + first query", "RSS with the corpus open")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict, Path]:
    missing = [name for name in SOURCES if not (CORPORA / name / "manifest.jsonl").is_file()]
    if missing:
        pytest.skip(f"the shared corpora are not at {CORPORA} (missing {', '.join(missing)}); the benchmark needs them")
    work = tmp_path_factory.mktemp("bench")
    out = work / "figures.json"
    env = dict(os.environ, GDEXPLORER_CACHE_DIR=str(work / "cache"))
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--sizes", "300", "--repeats", "1", "--work", str(work),
         "--corpora", str(CORPORA), "--json", str(out)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text(encoding="utf-8")), work


@pytest.mark.corpora
def test_summary_table_has_a_row_of_numbers(run: tuple[str, dict, Path]) -> None:
    stdout, _, _ = run
    lines = stdout.splitlines()
    assert SUMMARY_HEADER in lines
    row = lines[lines.index(SUMMARY_HEADER) + 2]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 18
    assert cells[0] == "300"
    for cell in cells[1:]:
        assert re.fullmatch(r"[\d,]+(\.\d+)?", cell), f"not a number: {cell!r} in {row!r}"


@pytest.mark.corpora
def test_per_query_table_and_targets_are_printed(run: tuple[str, dict, Path]) -> None:
    stdout, _, _ = run
    assert "Per query at 300 docs" in stdout
    assert re.search(r"^\| phrase +\| \"prime minister\" +\| +[\d.]+ \|", stdout, re.M)
    assert re.search(r"^\| keystroke +\| t\* +\|", stdout, re.M)
    for name in TARGETS:
        assert re.search(rf"^  (PASS|MISS)  {re.escape(name)} ", stdout, re.M), name


@pytest.mark.corpora
def test_json_has_every_figure(run: tuple[str, dict, Path]) -> None:
    _, figures, _ = run
    assert set(figures) == {"machine", "options", "results", "targets"}
    assert figures["options"]["sizes"] == [300]
    (result,) = figures["results"]
    assert result["size"] == 300
    assert result["docs"] == 300
    gdx, base, fts = result["gdx"], result["baseline"], result["fts5"]
    for key in ("index_s", "docs_per_s", "index_mb", "incremental_s", "incremental_restore_s"):
        assert _number(gdx[key]), key
    for key in ("wall_s", "in_process_s", "import_s", "open_s", "first_query_ms", "rss_mb", "rss_first_mb"):
        assert _number(gdx["cold_open"][key]), key
    assert base["status"] == "built"
    for engine in (gdx, base, fts):
        for key in ("index_s", "docs_per_s", "index_mb"):
            assert _number(engine[key]), key
        for key in ("p50", "p95", "max"):
            assert _number(engine["query_ms"]["all"][key]), key
        assert {"term", "phrase", "prefix", "fuzzy", "field", "date"} <= set(engine["query_ms"]["by_kind"])
    assert _number(gdx["keystroke_ms"]["max"])
    assert set(gdx["keystroke_ms"]["by_query"]) == {"t*", "te*", "gov*", "chin*", "oil p*", "human ri*"}
    assert _number(result["ratios"]["index_speedup_vs_baseline"])
    assert _number(result["ratios"]["p95_vs_fts5"])
    kinds = [q["kind"] for q in result["queries"]]
    assert kinds.count("keystroke") == 6
    assert len(kinds) >= 24
    for q in result["queries"]:
        assert _number(q["gdx"]["p50"]) and _number(q["fts5"]["p50"]), q["query"]
        assert (q["baseline"] is None) == (q["kind"] == "keystroke"), q["query"]
    assert [t["name"] for t in figures["targets"]] == list(TARGETS)
    assert all(t["ok"] in (True, False) for t in figures["targets"])


@pytest.mark.corpora
def test_the_spliced_corpus_is_deterministic_and_in_the_folder_format(run: tuple[str, dict, Path]) -> None:
    _, _, work = run
    corpus = work / "corpus-300"
    records = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 300
    assert len({r["file"] for r in records}) == 300
    for record in records[:20]:
        assert set(record) == {"file", "title", "category", "date", "url", "spliced_from"}
        assert re.fullmatch(r"articles/[a-z-]+/\d{6}\.txt", record["file"])
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", record["date"])
        head, blank, *body = (corpus / record["file"]).read_text(encoding="utf-8").split("\n")
        assert head == record["title"] and blank == "" and "".join(body).strip()
    # A second splice of the same size into another folder is byte-for-byte the same.
    again = work / "again"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import bench; from pathlib import Path; "
         "bench.ensure_corpus(Path(sys.argv[2]), 300, Path(sys.argv[3]), [])",
         str(BENCH.parent), str(again), str(CORPORA)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (again / "corpus-300" / "manifest.jsonl").read_bytes() == (corpus / "manifest.jsonl").read_bytes()
    for record in records[::37]:
        assert (again / "corpus-300" / record["file"]).read_bytes() == (corpus / record["file"]).read_bytes()


@pytest.mark.corpora
def test_recombined_articles_are_distinct_and_reproducible(run: tuple[str, dict, Path]) -> None:
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench
    finally:
        sys.path.remove(str(BENCH.parent))
    sources = bench.load_sources(CORPORA)
    m = len(sources)
    by_corpus: dict[str, list[int]] = {}
    for k, s in enumerate(sources):
        by_corpus.setdefault(s.corpus, []).append(k)
    made = [bench.splice_article(i, sources, by_corpus) for i in range(m, m + 60)]
    assert made == [bench.splice_article(i, sources, by_corpus) for i in range(m, m + 60)]
    assert len({a.body for a in made}) == 60
    for i, article in enumerate(made):
        primary = sources[i]
        assert article.title == primary.title and article.category == primary.category
        assert article.body != primary.body
        assert article.origins[0] == primary.origin and 2 <= len(article.origins) <= 3
        assert bench.splice_article(i, sources, by_corpus).body == primary.body
