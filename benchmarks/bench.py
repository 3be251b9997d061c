"""Benchmark gdexplorer's search pipeline against a plain Whoosh setup and SQLite FTS5.

Builds deterministic spliced corpora of N articles from the shared English corpora, then, on the same
articles and the same queries (benchmarks/queries.txt), measures:

- gdexplorer: full index build (docs/s), index size, query latency through ``Explorer.search`` (top 10
  with total and snippets), search-as-you-type queries, an incremental update after one article
  changes, and a cold start (a new process opens the index and answers a first query) with its RSS;
- the "straightforward Whoosh" baseline of the issue: a StemmingAnalyzer schema with stored bodies,
  one default writer, a fresh searcher per query and ``hit.highlights`` for the top 10;
- SQLite FTS5 (stdlib sqlite3, ``porter unicode61``, bm25 with the title weighted 2x).

It prints one table (a row per size, with the ratios), a per-query table for the largest size, and a
PASS/MISS line per target of the issue. ``--json FILE`` writes every figure. See benchmarks/README.md.
Only the standard library is imported at the top: gdexplorer and Whoosh are imported where used, so the
cold-start probe measures their import like a real start does.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_QUERIES = Path(__file__).resolve().parent / "queries.txt"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "gdexplorer-bench"
SOURCE_CORPORA = ("en-bbc-news-2004-2005", "en-guardian-china-2007-2016", "en-chinadaily-opinion-2012-2019")
# Bump when the splicing changes: corpora in --work with another version are generated again.
SPLICE_VERSION = 1
SPLICE_SEED = "gdexplorer-bench"
MIB = 1 << 20
LIMIT = 10  # hits per query: the "top 10 with total and snippets"
EDIT = "\n\nBenchmark edit: the government said on Tuesday that telecoms prices would be reviewed.\n"

Progress = Callable[[str], None]


def say(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the tables."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- splicing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One real article of the source corpora."""

    origin: str  # <corpus>/<file>
    corpus: str
    title: str
    body: str
    units: tuple[str, ...]  # paragraphs, or runs of three sentences where an article has few paragraphs
    category: str
    date: dt.date | None


_SENTENCE_END = re.compile(r"(?<=[.!?\"'])\s+(?=[A-Z\"'])")


def text_units(body: str) -> tuple[str, ...]:
    """Paragraphs to recombine; bodies with fewer than four are cut into runs of three sentences."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", body) if p.strip()]
    if len(paragraphs) >= 4:
        return tuple(paragraphs)
    sentences = [s.strip() for p in paragraphs for s in _SENTENCE_END.split(p) if s.strip()]
    return tuple(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)) or tuple(paragraphs)


def _source_date(value: object) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def load_sources(corpora: Path) -> list[Source]:
    """The English source articles in a fixed, interleaved order (the same on every machine)."""
    sources: list[Source] = []
    for name in SOURCE_CORPORA:
        root = corpora / name
        manifest = root / "manifest.jsonl"
        if not manifest.is_file():
            raise SystemExit(f"bench: {manifest} not found (is --corpora {corpora} the shared corpora folder?)")
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            text = (root / record["file"]).read_text(encoding="utf-8").replace("\r\n", "\n")
            title, _, body = text.partition("\n")
            body = body.strip("\n")
            category = record.get("category") or record["file"].split("/")[-2]
            sources.append(Source(f"{name}/{record['file']}", name, title.strip(), body, text_units(body),
                                  str(category).lower(), _source_date(record.get("date"))))
    sources.sort(key=lambda s: s.origin)
    random.Random(SPLICE_SEED).shuffle(sources)
    return sources


def sources_fingerprint(corpora: Path) -> str:
    digest = hashlib.sha1()
    for name in SOURCE_CORPORA:
        manifest = corpora / name / "manifest.jsonl"
        digest.update(name.encode())
        digest.update(manifest.read_bytes() if manifest.is_file() else b"missing")
    return digest.hexdigest()[:16]


_FIRST_DAY = dt.date(2004, 1, 1)
_SPAN_DAYS = (dt.date(2016, 12, 31) - _FIRST_DAY).days


@dataclass(frozen=True, slots=True)
class Spliced:
    file: str
    title: str
    body: str
    category: str
    date: str
    origins: tuple[str, ...]


def splice_article(i: int, sources: Sequence[Source], by_corpus: dict[str, list[int]]) -> Spliced:
    """Article ``i``: the source article itself for the first pass, then recombinations of it.

    A recombination keeps the primary's headline, category and about its length: some of its units
    (paragraphs or sentence runs) in order, the rest replaced by units of one or two other articles of
    the same source corpus, placed at seeded positions.
    """
    m = len(sources)
    primary = sources[i % m]
    rng = random.Random(f"{SPLICE_SEED}:{i}")
    if primary.date is not None:
        date = primary.date
        if i >= m:
            date += dt.timedelta(days=rng.randint(-180, 180))
    else:  # the BBC set has no dates: spread its articles over 2004-2016
        date = _FIRST_DAY + dt.timedelta(days=rng.randrange(_SPAN_DAYS + 1))
    file = f"articles/{primary.category}/{i:06d}.txt"
    if i < m:
        return Spliced(file, primary.title, primary.body, primary.category, date.isoformat(), (primary.origin,))
    pool = by_corpus[primary.corpus]
    donors = [sources[rng.choice(pool)] for _ in range(rng.choice((1, 2)))]
    units = list(primary.units)
    keep = max(1, round(len(units) * rng.uniform(0.4, 0.7)))
    kept = sorted(rng.sample(range(len(units)), keep))
    body_units = [units[k] for k in kept]
    borrowed = [u for d in donors for u in d.units]
    for unit in rng.sample(borrowed, min(len(borrowed), len(units) - keep)):
        body_units.insert(rng.randint(0, len(body_units)), unit)
    origins = (primary.origin, *(d.origin for d in donors))
    return Spliced(file, primary.title, "\n\n".join(body_units), primary.category, date.isoformat(), origins)


def ensure_corpus(work: Path, size: int, corpora: Path, sources_cache: list[list[Source]]) -> Path:
    """The spliced corpus of ``size`` articles in ``work``, generated once and reused while still valid."""
    target = work / f"corpus-{size}"
    stamp = {"version": SPLICE_VERSION, "size": size, "sources": sources_fingerprint(corpora)}
    try:
        if json.loads((target / ".splice.json").read_text(encoding="utf-8")) == stamp:
            return target
    except (OSError, ValueError):
        pass
    if not sources_cache:
        say(f"reading the source corpora in {corpora}")
        sources_cache.append(load_sources(corpora))
    sources = sources_cache[0]
    by_corpus: dict[str, list[int]] = {}
    for k, s in enumerate(sources):
        by_corpus.setdefault(s.corpus, []).append(k)
    say(f"splicing {size:,} articles into {target} (from {len(sources):,} sources)")
    building = work / f".corpus-{size}.tmp"
    shutil.rmtree(building, ignore_errors=True)
    (building / "articles").mkdir(parents=True)
    made_dirs: set[str] = set()
    with (building / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for i in range(size):
            art = splice_article(i, sources, by_corpus)
            if art.category not in made_dirs:
                (building / "articles" / art.category).mkdir(exist_ok=True)
                made_dirs.add(art.category)
            (building / art.file).write_text(f"{art.title}\n\n{art.body}\n", encoding="utf-8")
            manifest.write(json.dumps({"file": art.file, "title": art.title, "category": art.category,
                                       "date": art.date, "url": None, "spliced_from": list(art.origins)},
                                      ensure_ascii=False) + "\n")
    (building / ".splice.json").write_text(json.dumps(stamp), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return target


@dataclass(frozen=True, slots=True)
class Doc:
    file: str
    title: str
    body: str
    category: str
    date: str | None


def iter_docs(corpus: Path) -> Iterator[Doc]:
    """The corpus's articles as the reference engines index them (headline line, blank line, body)."""
    for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = (corpus / record["file"]).read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        yield Doc(record["file"], title.strip(), body.strip("\n"), record.get("category") or "", record.get("date"))


# -- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchQuery:
    kind: str
    text: str  # gdexplorer / Whoosh syntax
    fts_match: str
    fts_filter: str
    note: str


def load_queries(path: Path) -> list[BenchQuery]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            raise SystemExit(f"{path}:{number}: expected 'kind | query | fts5 match [| fts5 filter | note]'")
        parts += [""] * (5 - len(parts))
        queries.append(BenchQuery(*parts[:5]))
    return queries


def fts_where(spec: str) -> tuple[str, tuple[str, ...]]:
    """An FTS5 filter spec (``category=NAME`` or ``date=FIRST..LAST`` in years) as SQL and parameters."""
    if not spec:
        return "", ()
    name, _, value = spec.partition("=")
    if name == "category":
        return "category = ?", (value.lower(),)
    if name == "date":
        first, _, last = value.partition("..")
        return "date >= ? AND date < ?", (f"{int(first):04d}", f"{int(last) + 1:04d}")
    raise SystemExit(f"bench: unknown FTS5 filter {spec!r} (category=NAME or date=FIRST..LAST)")


# -- statistics --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2; p95 of 20 values is the 19th)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "max": max(values) if values else math.nan,
            "n": len(values)}


def folder_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / MIB
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MIB


@dataclass
class Timings:
    """Latencies (ms) per query text, and the total hits each query reported."""

    samples: dict[str, list[float]]
    totals: dict[str, int]


def time_queries(run: Callable[[str], int], queries: Sequence[str], repeats: int, budget_s: float,
                 warm: bool = True) -> Timings:
    """Warm pass over all queries, then ``repeats`` interleaved passes.

    A query whose samples already add up to ``budget_s`` is not repeated further (a 30 s prefix query
    would otherwise eat the run); it keeps the samples it has.
    """
    samples: dict[str, list[float]] = {q: [] for q in queries}
    totals: dict[str, int] = {}
    if warm:
        for q in queries:
            totals[q] = run(q)
    for _ in range(repeats):
        for q in queries:
            if samples[q] and sum(samples[q]) / 1000 >= budget_s:
                continue
            started = time.perf_counter()
            totals[q] = run(q)
            samples[q].append((time.perf_counter() - started) * 1000)
    return Timings(samples, totals)


# -- gdexplorer --------------------------------------------------------------------------------


def _import_gdexplorer() -> None:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def gdx_explorer(corpus: Path, cache: Path):
    _import_gdexplorer()
    from gdexplorer.explorer import Explorer

    return Explorer(corpus, cache_dir=cache)


def gdx_search(ex) -> Callable[[str], int]:
    def run(text: str) -> int:
        return ex.search(text, limit=LIMIT, snippets=True).total

    return run


def gdx_search_uncached(ex) -> Callable[[str], int]:
    """As ``gdx_search``, but with the posting lists that earlier queries left in memory dropped first:
    what a query costs the first time its words are searched."""
    from gdexplorer.search.engine.docsets import forget_postings

    def run(text: str) -> int:
        forget_postings(ex._index.searcher())
        return ex.search(text, limit=LIMIT, snippets=True).total

    return run


def gdx_keystroke(ex) -> Callable[[str], int]:
    """What the window does while the user types: the text as typed ("te", not "te*"), keystroke mode."""

    def run(text: str) -> int:
        return ex.search(text.rstrip("*"), limit=LIMIT, snippets=True, keystroke=True).total

    return run


def gdx_incremental(ex, corpus: Path) -> dict[str, float]:
    """Time ``update_index`` after one article changes, then after it is restored (bytes and mtime)."""
    first = json.loads((corpus / "manifest.jsonl").open(encoding="utf-8").readline())["file"]
    path = corpus / first
    original = path.read_bytes()
    st = path.stat()
    try:
        path.write_bytes(original + EDIT.encode("utf-8"))
        started = time.perf_counter()
        stats = ex.update_index()
        changed_s = time.perf_counter() - started
        if stats.updated + stats.added != 1:
            say(f"warning: the incremental update re-indexed {stats.updated + stats.added} articles, not 1")
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    started = time.perf_counter()
    ex.update_index()
    restored_s = time.perf_counter() - started
    return {"changed_s": changed_s, "restored_s": restored_s}


def cold_open_probe(corpus: Path, cache: Path, queries_file: Path) -> None:
    """Run in a fresh process: open the index, answer the first query, then the rest; print JSON."""
    started = time.perf_counter()
    _import_gdexplorer()
    from gdexplorer.explorer import Explorer

    imported = time.perf_counter()
    ex = Explorer(corpus, cache_dir=cache)
    mix = [q.text for q in load_queries(queries_file) if q.kind != "keystroke"]
    constructed = time.perf_counter()
    total = ex.search(mix[0], limit=LIMIT, snippets=True).total
    answered_at = time.time()
    answered = time.perf_counter()
    rss_first = rss_mb()
    for q in mix[1:]:
        ex.search(q, limit=LIMIT, snippets=True)
    print(json.dumps({
        "answered_at": answered_at, "import_s": imported - started, "open_s": constructed - imported,
        "first_query_ms": (answered - constructed) * 1000, "in_process_s": answered - started,
        "first_total": total, "rss_first_mb": rss_first, "rss_mb": peak_rss_mb(),
    }), flush=True)


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def gdx_cold_open(corpus: Path, cache: Path, queries_file: Path) -> dict[str, float]:
    env = dict(os.environ, GDEXPLORER_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="")
    command = [sys.executable, str(Path(__file__).resolve()), "--cold-open-probe", str(corpus), str(cache),
               str(queries_file)]
    launched = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: the cold-open probe failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = result.pop("answered_at") - launched
    return result


# -- the straightforward Whoosh baseline ------------------------------------------------------


def baseline_build(corpus: Path, folder: Path) -> int:
    from whoosh import fields, index
    from whoosh.analysis import StemmingAnalyzer

    schema = fields.Schema(
        path=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        body=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        category=fields.ID(stored=True),
        date=fields.DATETIME(stored=True),
    )
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), schema)
    writer = ix.writer()
    count = 0
    for doc in iter_docs(corpus):
        fields_ = {"path": doc.file, "title": doc.title, "body": doc.body, "category": doc.category}
        if doc.date:
            fields_["date"] = dt.datetime.fromisoformat(doc.date)
        writer.add_document(**fields_)
        count += 1
    writer.commit()
    return count


def baseline_search(folder: Path) -> Callable[[str], int]:
    from whoosh import index, qparser
    from whoosh.qparser.dateparse import DateParserPlugin

    ix = index.open_dir(str(folder))
    parser = qparser.MultifieldParser(["title", "body"], ix.schema)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(DateParserPlugin(free=False))

    def run(text: str) -> int:
        with ix.searcher() as searcher:
            results = searcher.search(parser.parse(text), limit=LIMIT)
            total = len(results)
            for hit in results[:LIMIT]:
                hit.highlights("body")
            return total

    return run


# -- SQLite FTS5 -------------------------------------------------------------------------------


def fts_build(corpus: Path, db: Path) -> int:
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, category UNINDEXED, date UNINDEXED, "
                    "tokenize='porter unicode61')")
        count = 0
        with con:
            for doc in iter_docs(corpus):
                con.execute("INSERT INTO docs (title, body, category, date) VALUES (?, ?, ?, ?)",
                            (doc.title, doc.body, doc.category, doc.date))
                count += 1
    finally:
        con.close()
    return count


def fts_search(db: Path, mapping: dict[str, BenchQuery]) -> Callable[[str], int]:
    con = sqlite3.connect(db)

    def run(text: str) -> int:
        q = mapping[text]
        where, params = fts_where(q.fts_filter)
        if q.fts_match:
            cond = "docs MATCH ?" + (f" AND {where}" if where else "")
            args = (q.fts_match, *params)
            total = con.execute(f"SELECT count(*) FROM docs WHERE {cond}", args).fetchone()[0]
            con.execute(f"SELECT rowid, title, snippet(docs, -1, '[', ']', '…', 24) FROM docs WHERE {cond} "
                        f"ORDER BY bm25(docs, 2.0, 1.0) LIMIT {LIMIT}", args).fetchall()
        else:  # a filter alone: no MATCH, so no rank and no snippet(); the lead of the body instead
            total = con.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]
            con.execute(f"SELECT rowid, title, substr(body, 1, 200) FROM docs WHERE {where} LIMIT {LIMIT}",
                        params).fetchall()
        return int(total)

    return run


# -- one size ----------------------------------------------------------------------------------


def timed_build(build: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = build()
    return count, time.perf_counter() - started


def query_figures(timings: Timings, queries: Sequence[BenchQuery]) -> dict[str, object]:
    all_ms = [ms for q in queries for ms in timings.samples[q.text]]
    kinds: dict[str, list[float]] = {}
    for q in queries:
        kinds.setdefault(q.kind, []).extend(timings.samples[q.text])
    return {"all": summary(all_ms), "by_kind": {k: summary(v) for k, v in kinds.items()}}


def per_query(timings: Timings | None, q: BenchQuery) -> dict[str, float] | None:
    if timings is None:
        return None
    return {**summary(timings.samples[q.text]), "total": timings.totals.get(q.text, -1)}


@dataclass(frozen=True, slots=True)
class Options:
    work: Path
    corpora: Path
    queries_file: Path
    repeats: int
    budget_s: float
    skip_baseline_above: int | None
    cold_open: bool
    profile: bool


def bench_size(size: int, opts: Options, queries: list[BenchQuery], sources_cache: list[list[Source]]) -> dict:
    corpus = ensure_corpus(opts.work, size, opts.corpora, sources_cache)
    mix = [q for q in queries if q.kind != "keystroke"]
    keys = [q for q in queries if q.kind == "keystroke"]
    out: dict[str, object] = {"size": size}

    # gdexplorer: a full build from nothing, then the rest on that index.
    cache = opts.work / f"gdx-cache-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    say(f"{size:,}: gdexplorer full index build")
    ex = gdx_explorer(corpus, cache)
    started = time.perf_counter()
    stats = ex.update_index()
    build_s = time.perf_counter() - started
    docs = stats.added + stats.updated
    out["docs"] = docs
    say(f"{size:,}: gdexplorer built {docs:,} docs in {build_s:.1f} s; incremental update")
    incremental = gdx_incremental(ex, corpus)
    say(f"{size:,}: gdexplorer queries ({len(mix)} in the mix, {opts.repeats} repeats) and keystrokes")
    gdx_mix = time_queries(gdx_search(ex), [q.text for q in mix], opts.repeats, opts.budget_s)
    gdx_keys = time_queries(gdx_keystroke(ex), [q.text for q in keys], opts.repeats, opts.budget_s, warm=False)
    gdx_uncached = time_queries(gdx_search_uncached(ex), [q.text for q in mix], opts.repeats, opts.budget_s)
    index_folder = Path(ex.index_folder)
    ex._index.close()
    cold = None
    if opts.cold_open:
        say(f"{size:,}: gdexplorer cold open in a new process")
        cold = gdx_cold_open(corpus, cache, opts.queries_file)
    out["gdx"] = {
        "index_s": build_s, "docs_per_s": docs / build_s, "index_mb": folder_mb(index_folder),
        "query_ms": query_figures(gdx_mix, mix),
        "uncached_query_ms": query_figures(gdx_uncached, mix),
        "keystroke_ms": {**summary([percentile(gdx_keys.samples[q.text], 50) for q in keys]),
                         "by_query": {q.text: summary(gdx_keys.samples[q.text]) for q in keys}},
        "incremental_s": incremental["changed_s"], "incremental_restore_s": incremental["restored_s"],
        "cold_open": cold,
    }
    if opts.profile:
        out["gdx"]["profile"] = profile_gdx(corpus, opts.work / f"gdx-profile-{size}", mix)

    # The straightforward Whoosh setup.
    base_dir = opts.work / f"baseline-{size}"
    base_stamp = base_dir / "bench-build.json"
    base_mix = None
    base: dict[str, object] = {"status": "built"}
    if opts.skip_baseline_above is not None and size > opts.skip_baseline_above:
        try:
            previous = json.loads(base_stamp.read_text(encoding="utf-8"))
            base.update(previous, status=f"index reused from {previous['when']}")
        except (OSError, ValueError, KeyError):
            base = {"status": "skipped"}
    if base["status"] == "built":
        say(f"{size:,}: baseline Whoosh index build (one default writer, stored bodies)")
        count, seconds = timed_build(lambda: baseline_build(corpus, base_dir))
        base.update(index_s=seconds, docs_per_s=count / seconds, index_mb=folder_mb(base_dir),
                    when=time.strftime("%Y-%m-%d %H:%M"))
        base_stamp.write_text(json.dumps({k: base[k] for k in ("index_s", "docs_per_s", "index_mb", "when")}),
                              encoding="utf-8")
    if base["status"] != "skipped":
        say(f"{size:,}: baseline queries")
        base_mix = time_queries(baseline_search(base_dir), [q.text for q in mix], opts.repeats, opts.budget_s)
        base["query_ms"] = query_figures(base_mix, mix)
    out["baseline"] = base

    # SQLite FTS5.
    db = opts.work / f"fts5-{size}.sqlite"
    say(f"{size:,}: SQLite FTS5 build")
    count, seconds = timed_build(lambda: fts_build(corpus, db))
    mapping = {q.text: q for q in queries}
    say(f"{size:,}: SQLite FTS5 queries")
    fts_mix = time_queries(fts_search(db, mapping), [q.text for q in mix], opts.repeats, opts.budget_s)
    fts_keys = time_queries(fts_search(db, mapping), [q.text for q in keys], opts.repeats, opts.budget_s, warm=False)
    out["fts5"] = {
        "index_s": seconds, "docs_per_s": count / seconds, "index_mb": folder_mb(db),
        "query_ms": query_figures(fts_mix, mix),
        "keystroke_ms": summary([percentile(fts_keys.samples[q.text], 50) for q in keys]),
    }

    gdx_p95 = out["gdx"]["query_ms"]["all"]["p95"]
    fts_p95 = out["fts5"]["query_ms"]["all"]["p95"]
    out["ratios"] = {
        "index_speedup_vs_baseline": (out["gdx"]["docs_per_s"] / base["docs_per_s"]) if "docs_per_s" in base
        else None,
        "p95_vs_fts5": gdx_p95 / fts_p95 if fts_p95 else None,
    }
    out["queries"] = [
        {"kind": q.kind, "query": q.text, "fts5_match": q.fts_match, "fts5_filter": q.fts_filter, "note": q.note,
         "gdx": per_query(gdx_keys if q.kind == "keystroke" else gdx_mix, q),
         "baseline": per_query(base_mix, q) if q.kind != "keystroke" else None,
         "fts5": per_query(fts_keys if q.kind == "keystroke" else fts_mix, q)}
        for q in queries
    ]
    return out


def profile_gdx(corpus: Path, cache: Path, mix: Sequence[BenchQuery]) -> dict[str, str]:
    """cProfile a second full build (in one process) and one pass of the mix; .pstats files go in ``cache``."""
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    ex = gdx_explorer(corpus, cache)
    from gdexplorer.search import index as gdx_index

    # cProfile sees only this process: keep the analysis in it rather than in Whoosh's sub-processes.
    parallel_min = getattr(gdx_index, "PARALLEL_MIN", None)
    if parallel_min is not None:
        gdx_index.PARALLEL_MIN = sys.maxsize
    paths = {}
    for name, work in (("index", ex.update_index),
                       ("query", lambda: [ex.search(q.text, limit=LIMIT) for q in mix])):
        say(f"profiling gdexplorer {name}")
        profiler = cProfile.Profile()
        profiler.runcall(work)
        path = cache / f"{name}.pstats"
        profiler.dump_stats(path)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
        print(f"\n--- gdexplorer {name} profile (top 15 by own time; {path}) ---", file=sys.stderr)
        print(text.getvalue().split("\n\n", 1)[-1], file=sys.stderr)
        paths[name] = str(path)
    ex._index.close()
    if parallel_min is not None:
        gdx_index.PARALLEL_MIN = parallel_min
    return paths


# -- the report --------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 0) -> str:
    """A Markdown table; the first ``text_columns`` and the last column are left-aligned if text."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    left = set(range(text_columns)) | ({len(header) - 1} if text_columns else set())

    def cell(i: int, text: str) -> str:
        return text.ljust(widths[i]) if i in left else text.rjust(widths[i])

    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    rule = "|" + "|".join(("-" * (w + 2)) if i in left else ("-" * (w + 1) + ":") for i, w in enumerate(widths)) + "|"
    body = ["| " + " | ".join(cell(i, c) for i, c in enumerate(r)) + " |" for r in rows]
    return "\n".join([line, rule, *body])


def summary_table(results: Sequence[dict]) -> str:
    header = ["docs", "gdx docs/s", "base docs/s", "x base", "gdx MB", "fts5 MB", "gdx p50", "gdx p95",
              "gdx p95 uncached", "base p50", "base p95", "fts5 p50", "fts5 p95", "p95 gdx/fts5", "keys max",
              "incr s", "cold s", "RSS MB"]
    rows = []
    for r in results:
        g, b, f = r["gdx"], r["baseline"], r["fts5"]
        bq = b.get("query_ms", {}).get("all", {})
        cold = g["cold_open"] or {}
        rows.append([
            f"{r['docs']:,}", fmt(g["docs_per_s"], 0), fmt(b.get("docs_per_s"), 0),
            fmt(r["ratios"]["index_speedup_vs_baseline"], 2), fmt(g["index_mb"]), fmt(f["index_mb"]),
            fmt(g["query_ms"]["all"]["p50"]), fmt(g["query_ms"]["all"]["p95"]),
            fmt(g["uncached_query_ms"]["all"]["p95"]), fmt(bq.get("p50")),
            fmt(bq.get("p95")), fmt(f["query_ms"]["all"]["p50"]), fmt(f["query_ms"]["all"]["p95"]),
            fmt(r["ratios"]["p95_vs_fts5"], 2), fmt(g["keystroke_ms"]["max"], 0),
            fmt(max(g["incremental_s"], g["incremental_restore_s"]), 2),
            fmt(cold.get("wall_s"), 2), fmt(cold.get("rss_mb"), 0),
        ])
    return table(header, rows)


def query_table(result: dict) -> str:
    header = ["kind", "query", "gdx p50", "gdx p95", "base p50", "base p95", "fts5 p50", "fts5 p95", "gdx hits",
              "base hits", "fts5 hits", "fts5 query"]
    rows = []
    for q in result["queries"]:
        g, b, f = q["gdx"] or {}, q["baseline"] or {}, q["fts5"] or {}
        fts = (q["fts5_match"] + (f" WHERE {q['fts5_filter']}" if q["fts5_filter"] else "")).strip()
        rows.append([q["kind"], q["query"], fmt(g.get("p50")), fmt(g.get("p95")), fmt(b.get("p50")),
                     fmt(b.get("p95")), fmt(f.get("p50")), fmt(f.get("p95")), fmt(g.get("total"), 0),
                     fmt(b.get("total"), 0), fmt(f.get("total"), 0), fts + (" *" if q["note"] else "")])
    return table(header, rows, text_columns=2)


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    goal: str
    value: float | None
    ok: bool | None
    shown: str


def targets(result: dict) -> list[Target]:
    """The issue's targets, checked on one size's figures (they are stated for 100,000 articles)."""
    g, f, r = result["gdx"], result["fts5"], result["ratios"]
    p95, p50 = g["query_ms"]["all"]["p95"], g["query_ms"]["all"]["p50"]
    cold = g["cold_open"] or {}
    found = []

    def add(name: str, goal: str, value: float | None, ok: bool | None, shown: str) -> None:
        found.append(Target(name, goal, value, ok, shown))

    ratio = r["p95_vs_fts5"]
    add("query p95", "<= 2x FTS5 p95 and < 50 ms", p95, ratio is not None and ratio <= 2 and p95 < 50,
        f"{p95:.1f} ms = {fmt(ratio, 2)}x FTS5's {f['query_ms']['all']['p95']:.1f} ms")
    add("query p50", "< 15 ms", p50, p50 < 15, f"{p50:.1f} ms")
    keys = g["keystroke_ms"]["max"]
    worst = max(g["keystroke_ms"]["by_query"].items(), key=lambda kv: kv[1]["p50"])[0]
    add("keystroke first results", "< 100 ms (slowest keystroke query, its p50)", keys, keys < 100,
        f"{keys:.0f} ms ({worst})")
    speedup = r["index_speedup_vs_baseline"]
    add("indexing throughput", ">= 2.5x the straightforward Whoosh setup", speedup,
        None if speedup is None else speedup >= 2.5,
        f"{g['docs_per_s']:.0f} docs/s = {fmt(speedup, 2)}x baseline" if speedup else "baseline skipped")
    incr = max(g["incremental_s"], g["incremental_restore_s"])
    add("re-index after one change", "<= 1 s (the slower of an edit and its undo)", incr, incr <= 1,
        f"{g['incremental_s']:.2f} s for the edit, {g['incremental_restore_s']:.2f} s for the undo")
    wall = cold.get("wall_s")
    add("cold open + first query", "<= 1 s", wall, None if wall is None else wall <= 1,
        "not measured" if wall is None else f"{wall:.2f} s (in process {cold['in_process_s']:.2f} s: import "
        f"{cold['import_s']:.2f}, open {cold['open_s']:.2f}, first query {cold['first_query_ms'] / 1000:.2f})")
    rss = cold.get("rss_mb")
    add("RSS with the corpus open", "< 500 MB (core process after the mix)", rss,
        None if rss is None else rss < 500, "not measured" if rss is None else f"{rss:.0f} MB")
    return found


def report(results: Sequence[dict], opts: Options) -> tuple[str, list[Target]]:
    largest = max(results, key=lambda r: r["size"])
    lines = ["", "gdexplorer benchmark: docs/s and MB per index; latencies in ms for the top 10 with total and "
             "snippets; keys = slowest search-as-you-type query (p50); incr = slower of two one-article updates",
             "", summary_table(results), ""]
    for r in results:
        if r["baseline"]["status"] != "built":
            lines.append(f"note: baseline at {r['size']:,} docs: {r['baseline']['status']} "
                         "(--skip-baseline-index-above)")
    lines += [f"Per query at {largest['docs']:,} docs (* = FTS5 runs a stand-in, see queries.txt):", "",
              query_table(largest), ""]
    found = targets(largest)
    scope = "" if largest["size"] >= 100_000 else f" (measured at {largest['size']:,}; the targets are for 100,000)"
    lines.append(f"Targets{scope}:")
    for t in found:
        verdict = "n/a " if t.ok is None else ("PASS" if t.ok else "MISS")
        lines.append(f"  {verdict}  {t.name} {t.goal}: {t.shown}")
    lines.append("  n/a   time to first window <= 1.5x a bare PySide6 QMainWindow: not measured by bench.py "
                 "(a window benchmark's job)")
    return "\n".join(lines), found


def machine() -> dict[str, object]:
    import importlib.metadata as md

    try:
        whoosh_version = md.version("whoosh-reloaded")
    except md.PackageNotFoundError:
        whoosh_version = "?"
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "whoosh": whoosh_version, "sqlite": sqlite3.sqlite_version,
            "when": dt.datetime.now().isoformat(timespec="seconds"),
            "commit": _git("rev-parse", "--short", "HEAD"),
            # The figures are for the work tree as it was: say which files differed from the commit.
            "uncommitted": [line.strip() for line in (_git("status", "--porcelain", "--untracked-files=no", "--",
                                                            "gdexplorer") or "").splitlines()]}


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


# -- command line ------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "").replace("k", "000")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 2000,20000 (got {text!r})") from None
    if not sizes or any(s < 50 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be 50 articles or more")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py", description="Benchmark gdexplorer's index and search against a plain Whoosh setup and "
        "SQLite FTS5 on spliced news corpora (see benchmarks/README.md).")
    p.add_argument("--sizes", type=parse_sizes, metavar="N,N",
                   help="corpus sizes in articles (default 2000,20000; the issue's targets are for 100000)")
    p.add_argument("--quick", action="store_true", help="the CI smoke run: 2000 articles, 2 repeats")
    p.add_argument("--repeats", type=int, metavar="R", help="timed passes over the queries after a warm one "
                   "(default 5; 2 with --quick)")
    p.add_argument("--query-budget", type=float, default=10.0, metavar="S",
                   help="stop repeating a query once its samples add up to S seconds (default 10)")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, metavar="DIR",
                   help=f"where spliced corpora and indexes go, reused between runs (default {DEFAULT_WORK})")
    p.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, metavar="DIR",
                   help=f"the shared corpora folder (default {DEFAULT_CORPORA})")
    p.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, metavar="FILE",
                   help="the query mix (default benchmarks/queries.txt)")
    p.add_argument("--skip-baseline-index-above", type=int, metavar="N",
                   help="above N articles, do not build the baseline Whoosh index: reuse the one from an "
                   "earlier run in --work (and its build figures), or skip the baseline")
    p.add_argument("--no-cold-open", action="store_true", help="skip the cold-open subprocess (and its RSS)")
    p.add_argument("--profile", action="store_true",
                   help="also cProfile a gdexplorer build and query pass (printed to stderr, .pstats in --work)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write every figure to FILE as JSON")
    p.add_argument("--cold-open-probe", nargs=3, metavar=("CORPUS", "CACHE", "QUERIES"), help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cold_open_probe:
        corpus, cache, queries_file = map(Path, args.cold_open_probe)
        cold_open_probe(corpus, cache, queries_file)
        return 0
    sizes = args.sizes or ([2000] if args.quick else [2000, 20000])
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 5)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    # Nothing of gdexplorer's may land in the user's cache, even from the subprocess.
    os.environ["GDEXPLORER_CACHE_DIR"] = str(work / "gdx-cache")
    opts = Options(work, args.corpora.resolve(), args.queries.resolve(), repeats, args.query_budget,
                   args.skip_baseline_index_above, not args.no_cold_open, args.profile)
    queries = load_queries(opts.queries_file)
    about = machine()  # before the run: the core's files may change while it goes
    sources_cache: list[list[Source]] = []
    results = [bench_size(size, opts, queries, sources_cache) for size in sizes]
    text, found = report(results, opts)
    print(text, flush=True)
    if args.json:
        payload = {"machine": about, "options": {"sizes": sizes, "repeats": repeats, "work": str(work),
                                                      "query_budget_s": args.query_budget,
                                                      "skip_baseline_index_above": args.skip_baseline_index_above},
                   "results": results,
                   "targets": [{"name": t.name, "goal": t.goal, "value": t.value, "ok": t.ok, "shown": t.shown}
                               for t in found]}
        args.json.write_text(json.dumps(payload, indent=1, default=_json_default) + "\n", encoding="utf-8")
    return 0


def _json_default(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
