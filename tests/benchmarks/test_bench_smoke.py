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

LATENCY_HEADER = ("| docs | engine           | warm p50 | warm p95 | first p50 | first p95 | fresh p50 | fresh p95 "
                  "| fresh peak MB |")
ENGINES = ("gdx", "fts5", "tantivy")
TARGETS = ("first-time query p95", "first-time query p50", "warm query p95", "search as a fresh process",
           "search process peak RSS", "index build, 1 vs 1 processes", "index build, 2 vs 2 processes", "index size",
           "keystroke first results", "re-index after one change", "open + first query", "RSS with the corpus open")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict, Path]:
    missing = [name for name in SOURCES if not (CORPORA / name / "manifest.jsonl").is_file()]
    if missing:
        pytest.skip(f"the shared corpora are not at {CORPORA} (missing {', '.join(missing)}); the benchmark needs them")
    pytest.importorskip("tantivy", reason="the benchmark's Tantivy anchor needs the bench extra (pip install -e .[bench])")
    work = tmp_path_factory.mktemp("bench")
    out = work / "figures.json"
    env = dict(os.environ, GDEXPLORER_CACHE_DIR=str(work / "cache"))
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--work", str(work), "--corpora", str(CORPORA), "--json", str(out)],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text(encoding="utf-8")), work


def _rows_after(lines: list[str], header: str) -> list[list[str]]:
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


@pytest.mark.corpora
def test_latency_table_has_a_row_of_numbers_per_engine_and_the_ratios(run: tuple[str, dict, Path]) -> None:
    stdout, _, _ = run
    rows = _rows_after(stdout.splitlines(), LATENCY_HEADER)
    assert [r[1] for r in rows] == ["gdexplorer", "tuned FTS5", "Tantivy", "gdx / tuned FTS5", "gdx / Tantivy"]
    for row in rows:
        assert row[0] == "300"
        for cell in row[2:]:
            assert re.fullmatch(r"[\d,]+(\.\d+)?x?", cell), f"not a number: {cell!r} in {row!r}"


@pytest.mark.corpora
def test_indexing_table_compares_like_for_like(run: tuple[str, dict, Path]) -> None:
    stdout, _, _ = run
    rows = _rows_after(stdout.splitlines(), next(line for line in stdout.splitlines() if "gdx x (same procs)" in line))
    assert [(r[1], r[2]) for r in rows] == [("gdexplorer", "1"), ("gdexplorer", "2"), ("naive Whoosh", "1"),
                                           ("naive Whoosh", "2"), ("tuned FTS5", "1"), ("Tantivy", "1"),
                                           ("Tantivy", "2")]
    for row in rows:
        for cell in row[3:6]:
            assert re.fullmatch(r"[\d,]+(\.\d+)?", cell), f"not a number: {cell!r} in {row!r}"


@pytest.mark.corpora
def test_per_query_table_and_targets_are_printed(run: tuple[str, dict, Path]) -> None:
    stdout, _, _ = run
    assert "Per query at 300 docs" in stdout
    assert re.search(r"^\| phrase +\| \"prime minister\" +\| +[\d.]+ \|", stdout, re.M)
    assert re.search(r"^\| stop +\| the who +\|", stdout, re.M)
    for name in TARGETS:
        assert re.search(rf"^  (PASS|MISS|n/a )  {re.escape(name)} ", stdout, re.M), name


@pytest.mark.corpora
def test_json_has_every_figure(run: tuple[str, dict, Path]) -> None:
    _, figures, _ = run
    assert set(figures) == {"machine", "options", "results", "targets"}
    assert figures["options"]["sizes"] == [300]
    (result,) = figures["results"]
    assert result["size"] == 300 and result["docs"] == 300
    engines = result["engines"]
    assert set(engines) == set(ENGINES)
    for name in ENGINES:
        for column in ("warm_ms", "first_ms"):
            for key in ("p50", "p95", "max"):
                assert _number(engines[name][column]["all"][key]), (name, column, key)
            assert {"term", "phrase", "prefix", "fuzzy", "field", "date", "stop"} <= set(engines[name][column]["by_kind"])
        assert engines[name]["fresh_ms"]["n"] == 4
        assert _number(engines[name]["fresh_ms"]["p50"]) and _number(engines[name]["fresh_rss_mb"])
    gdx = engines["gdx"]
    for key in ("incremental_s", "incremental_restore_s"):
        assert _number(gdx[key]), key
    for key in ("wall_s", "in_process_s", "import_s", "open_s", "first_query_ms", "rss_mb", "rss_first_mb"):
        assert _number(gdx["cold_open"][key]), key
    assert set(gdx["keystroke_ms"]["by_query"]) == {"t*", "te*", "gov*", "chin*", "oil p*", "human ri*"}
    built = [(row["engine"], row["procs"]) for row in result["indexing"]]
    assert built == [("gdx", 1), ("gdx", 2), ("naive", 1), ("naive", 2), ("fts5", 1), ("tantivy", 1), ("tantivy", 2)]
    for row in result["indexing"]:
        for key in ("index_s", "docs_per_s", "index_mb"):
            assert _number(row[key]), (row, key)
    for column in ("warm_ms", "first_ms", "fresh_ms"):
        for anchor in ("fts5", "tantivy"):
            assert _number(result["ratios"][f"{column}_p95_vs_{anchor}"])
    mix = [q for q in result["queries"] if q["kind"] != "keystroke"]
    assert len(mix) >= 30
    for q in mix:
        # The three engines agree on the totals where the query means the same to each (no stand-ins, and
        # not "US", which FTS5's Porter stemmer also finds in "using").
        totals = {q[f"{name}_warm"]["total"] for name in ENGINES}
        if not q["note"] and q["query"] != "US":
            assert len(totals) == 1, (q["query"], totals)
    assert [t["name"] for t in figures["targets"]] == list(TARGETS)
    assert all(t["ok"] in (True, False, None) for t in figures["targets"])


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
