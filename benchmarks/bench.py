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


def _import_anchors():
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import anchors

    return anchors


def gdx_explorer(corpus: Path, cache: Path):
    _import_gdexplorer()
    from gdexplorer.explorer import Explorer

    return Explorer(corpus, cache_dir=cache)


def gdx_search(ex) -> Callable[[str], int]:
    def run(text: str) -> int:
        return ex.search(text, limit=LIMIT, snippets=True).total

    return run


def gdx_first_time(ex, corpus: Path, cache: Path) -> tuple[Callable[[str], int], str]:
    """As ``gdx_search``, but what a query costs the first time its words are searched.

    gdexplorer keeps decoded posting lists on each segment reader between queries
    (``gdexplorer.search.engine.docsets``); its ``forget_postings`` hook drops them before every query. If
    the engine no longer has that hook, every query gets a fresh ``Explorer`` instead (its opening timed
    too). Returns the runner and which of the two it is.
    """
    try:
        from gdexplorer.search.engine.docsets import forget_postings
    except ImportError:
        forget_postings = None
    if forget_postings is not None:
        def run(text: str) -> int:
            forget_postings(ex._index.searcher())
            return ex.search(text, limit=LIMIT, snippets=True).total

        return run, "posting cache emptied before each query (docsets.forget_postings)"

    def fresh(text: str) -> int:
        other = gdx_explorer(corpus, cache)
        try:
            return other.search(text, limit=LIMIT, snippets=True).total
        finally:
            other._index.close()

    return fresh, "a fresh Explorer per query"


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


def _status_mb(field: str) -> float | None:
    """A memory figure of /proc/self/status (Linux), in MB; None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    found = _status_mb("VmRSS")
    return peak_rss_mb() if found is None else found


def peak_rss_mb() -> float:
    """This process's peak RSS. On Linux VmHWM, the peak of this program's own memory: getrusage's
    ru_maxrss keeps the high-water mark of the process it was forked from across exec, so a probe
    started by this (large) benchmark would report the benchmark's peak (612 MB at 100k where the
    probe itself peaked at about 210)."""
    found = _status_mb("VmHWM")
    if found is not None:
        return found
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def bytecode_env(**extra: str) -> dict[str, str]:
    """The environment with bytecode written and kept (PYTHONDONTWRITEBYTECODE removed), and ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def gdx_cold_open(corpus: Path, cache: Path, queries_file: Path) -> dict[str, float]:
    env = bytecode_env(GDEXPLORER_CACHE_DIR=str(cache))
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


def baseline_build(corpus: Path, folder: Path, procs: int = 1) -> int:
    """The naive Whoosh build: the stock schema, ``ix.writer()`` (or ``writer(procs=N, multisegment=True)``)."""
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
    writer = ix.writer() if procs == 1 else ix.writer(procs=procs, multisegment=True)
    count = 0
    for doc in iter_docs(corpus):
        fields_ = {"path": doc.file, "title": doc.title, "body": doc.body, "category": doc.category}
        if doc.date:
            fields_["date"] = dt.datetime.fromisoformat(doc.date)
        writer.add_document(**fields_)
        count += 1
    writer.commit()
    return count


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
    skip_naive_above: int | None
    cold_open: bool
    fresh: bool
    profile: bool
    procs: tuple[int, ...]
    fresh_queries: int | None = None


ENGINES = ("gdx", "fts5", "tantivy")


def anchor_queries(queries: Sequence[BenchQuery]) -> dict[str, object]:
    anchors = _import_anchors()
    return {q.text: anchors.AnchorQuery(q.fts_match, q.fts_filter, q.text if q.kind == "fuzzy" else "")
            for q in queries}


def anchor_runner(run: Callable[[object], int], mapping: dict[str, object]) -> Callable[[str], int]:
    return lambda text: run(mapping[text])


def gdx_build(corpus: Path, cache: Path, procs: int):
    """A full gdexplorer build from nothing with ``procs`` processes; returns (explorer, stats, seconds).

    gdexplorer picks one process below ``PARALLEL_MIN`` articles and ``min(cpu_count, 4)`` above it: the
    benchmark sets both for the build so that the rows compare like for like.
    """
    shutil.rmtree(cache, ignore_errors=True)
    ex = gdx_explorer(corpus, cache)
    from gdexplorer.search import index as gdx_index

    saved = gdx_index.PARALLEL_MIN, os.cpu_count
    gdx_index.PARALLEL_MIN = sys.maxsize if procs == 1 else 0
    os.cpu_count = lambda: procs  # the index picks min(cpu_count, 4) processes
    try:
        started = time.perf_counter()
        stats = ex.update_index()
        seconds = time.perf_counter() - started
    finally:
        gdx_index.PARALLEL_MIN, os.cpu_count = saved
    return ex, stats, seconds


GNU_TIME = Path("/usr/bin/time")


def run_child(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command to its exit: (wall seconds, its peak RSS in MB, stdout).

    The peak comes from GNU time's ``%M`` where it is installed: Linux carries a process's RSS high-water
    mark across fork and exec, so ``wait4`` on a child forked from this (large) process reports at least
    this process's own peak; GNU time forks the command from a small process. Without it, ``wait4``'s
    figure is used, an upper bound.
    """
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", str(peak_file), *command] if GNU_TIME.exists() else command
        with (Path(tmp) / "out").open("w+b") as out:
            started = time.perf_counter()
            proc = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.PIPE, env=env)
            _, err = proc.communicate()
            wall = time.perf_counter() - started
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            raise SystemExit(f"bench: {' '.join(command[:5])} ... failed ({proc.returncode}):\n{err.decode()[-2000:]}")
        if GNU_TIME.exists():
            peak = int(peak_file.read_text().split()[-1]) / 1024
        else:
            import resource

            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, text


def fresh_processes(corpus: Path, cache: Path, db: Path, tantivy_dir: Path, mix: Sequence[BenchQuery],
                    mapping: dict[str, object]) -> dict[str, dict[str, list[float]]]:
    """Every query of the mix as a whole command to exit, once per engine, interleaved query by query.

    gdexplorer: ``python -m gdexplorer search Q --corpus DIR`` (what the user types). The anchors: a fresh
    ``python -c`` that imports benchmarks/anchors.py (stdlib only), opens the database or index and prints
    the same top 10 with snippets.
    """
    # Bytecode written and kept, as an installed program has it: with PYTHONDONTWRITEBYTECODE set (some
    # sandboxes set it) every gdexplorer process compiled its modules again, 60 ms the anchors never paid.
    env = bytecode_env(GDEXPLORER_CACHE_DIR=str(cache))
    anchor_env = bytecode_env()
    here = str(Path(__file__).resolve().parent)
    probe = f"import sys; sys.path.insert(0, {here!r}); import anchors; sys.exit(anchors.main(sys.argv[1:]))"
    out: dict[str, dict[str, list[float]]] = {e: {"ms": [], "rss_mb": []} for e in ENGINES}
    for q in mix[:1]:  # untimed: writes the bytecode of every module a search imports
        spec = json.dumps({"match": q.fts_match, "filter": q.fts_filter, "whoosh": ""})
        run_child([sys.executable, "-m", "gdexplorer", "search", q.text, "--corpus", str(corpus)], env)
        run_child([sys.executable, "-c", probe, "fts5", str(db), spec], anchor_env)
        run_child([sys.executable, "-c", probe, "tantivy", str(tantivy_dir), spec], anchor_env)
    for q in mix:
        spec = json.dumps({"match": q.fts_match, "filter": q.fts_filter,
                           "whoosh": q.text if q.kind == "fuzzy" else ""})
        commands = {
            "gdx": ([sys.executable, "-m", "gdexplorer", "search", q.text, "--corpus", str(corpus)], env),
            "fts5": ([sys.executable, "-c", probe, "fts5", str(db), spec], anchor_env),
            "tantivy": ([sys.executable, "-c", probe, "tantivy", str(tantivy_dir), spec], anchor_env),
        }
        for engine, (command, child_env) in commands.items():
            wall, peak, _ = run_child(command, child_env)
            out[engine]["ms"].append(wall * 1000)
            out[engine]["rss_mb"].append(peak)
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def bench_size(size: int, opts: Options, queries: list[BenchQuery], sources_cache: list[list[Source]]) -> dict:
    anchors = _import_anchors()
    corpus = ensure_corpus(opts.work, size, opts.corpora, sources_cache)
    mix = [q for q in queries if q.kind != "keystroke"]
    keys = [q for q in queries if q.kind == "keystroke"]
    texts = [q.text for q in mix]
    mapping = anchor_queries(queries)
    out: dict[str, object] = {"size": size}

    def articles() -> Iterator[object]:
        return (anchors.Article(d.file, d.title, d.body, d.category, d.date) for d in iter_docs(corpus))

    # -- full builds, like for like (the same number of processes) --------------------------------
    indexing: list[dict[str, object]] = []
    ex = None
    cache = opts.work / f"gdx-cache-{size}"
    for procs in opts.procs:
        if ex is not None:
            ex._index.close()
        say(f"{size:,}: gdexplorer full index build, {procs} process(es)")
        ex, stats, seconds = gdx_build(corpus, cache, procs)
        docs = stats.added + stats.updated
        out["docs"] = docs
        indexing.append({"engine": "gdx", "procs": procs, "index_s": seconds, "docs_per_s": docs / seconds,
                         "index_mb": folder_mb(Path(ex.index_folder)), "status": "built"})
        say(f"{size:,}: gdexplorer built {docs:,} docs in {seconds:.1f} s")
    assert ex is not None
    for procs in opts.procs:
        folder = opts.work / f"naive-{size}-p{procs}"
        stamp = opts.work / f"naive-{size}-p{procs}.json"
        if opts.skip_naive_above is not None and size > opts.skip_naive_above:
            try:
                row = json.loads(stamp.read_text(encoding="utf-8"))
                row["status"] = f"figures reused from {row['when']}"
            except (OSError, ValueError, KeyError):
                row = {"engine": "naive", "procs": procs, "status": "skipped"}
            indexing.append(row)
            continue
        say(f"{size:,}: naive Whoosh build, {procs} process(es)")
        count, seconds = timed_build(lambda: baseline_build(corpus, folder, procs))  # noqa: B023
        row = {"engine": "naive", "procs": procs, "index_s": seconds, "docs_per_s": count / seconds,
               "index_mb": folder_mb(folder), "when": time.strftime("%Y-%m-%d %H:%M")}
        stamp.write_text(json.dumps(row), encoding="utf-8")
        indexing.append({**row, "status": "built"})
        shutil.rmtree(folder, ignore_errors=True)  # not queried: only its build is compared
    db = opts.work / f"fts5-{size}.sqlite"
    say(f"{size:,}: tuned FTS5 build")
    count, seconds = timed_build(lambda: anchors.fts_build(articles(), db))
    indexing.append({"engine": "fts5", "procs": 1, "index_s": seconds, "docs_per_s": count / seconds,
                     "index_mb": folder_mb(db), "status": "built"})
    tantivy_dir = opts.work / f"tantivy-{size}"
    for procs in opts.procs:
        say(f"{size:,}: Tantivy build, {procs} thread(s)")
        count, seconds = timed_build(lambda: anchors.tantivy_build(articles(), tantivy_dir, procs))  # noqa: B023
        indexing.append({"engine": "tantivy", "procs": procs, "index_s": seconds, "docs_per_s": count / seconds,
                         "index_mb": folder_mb(tantivy_dir), "status": "built"})
    out["indexing"] = indexing

    # -- queries: warm, first-time ----------------------------------------------------------------
    say(f"{size:,}: gdexplorer incremental update, queries ({len(mix)} in the mix, {opts.repeats} repeats), "
        "keystrokes")
    incremental = gdx_incremental(ex, corpus)
    timings: dict[str, dict[str, Timings]] = {}
    first, first_how = gdx_first_time(ex, corpus, cache)
    timings["gdx"] = {"warm": time_queries(gdx_search(ex), texts, opts.repeats, opts.budget_s),
                      "first": time_queries(first, texts, opts.repeats, opts.budget_s)}
    gdx_keys = time_queries(gdx_keystroke(ex), [q.text for q in keys], opts.repeats, opts.budget_s, warm=False)
    ex._index.close()
    say(f"{size:,}: FTS5 and Tantivy queries")
    timings["fts5"] = {
        "warm": time_queries(anchor_runner(anchors.fts_search(db), mapping), texts, opts.repeats, opts.budget_s),
        "first": time_queries(anchor_runner(anchors.fts_search(db, fresh=True), mapping), texts, opts.repeats,
                              opts.budget_s)}
    timings["tantivy"] = {
        "warm": time_queries(anchor_runner(anchors.tantivy_search(tantivy_dir), mapping), texts, opts.repeats,
                             opts.budget_s),
        "first": time_queries(anchor_runner(anchors.tantivy_search(tantivy_dir, fresh=True), mapping), texts,
                              opts.repeats, opts.budget_s)}
    fresh = None
    if opts.fresh:
        say(f"{size:,}: every query of the mix as a fresh process, per engine")
        fresh = fresh_processes(corpus, cache, db, tantivy_dir, mix[: opts.fresh_queries], mapping)
    cold = None
    if opts.cold_open:
        say(f"{size:,}: gdexplorer open + first query in a new process")
        cold = gdx_cold_open(corpus, cache, opts.queries_file)

    engines: dict[str, dict[str, object]] = {}
    for engine in ENGINES:
        figures: dict[str, object] = {"warm_ms": query_figures(timings[engine]["warm"], mix),
                                      "first_ms": query_figures(timings[engine]["first"], mix)}
        if fresh is not None:
            figures["fresh_ms"] = summary(fresh[engine]["ms"])
            figures["fresh_rss_mb"] = max(fresh[engine]["rss_mb"])
        engines[engine] = figures
    engines["gdx"].update({
        "first_time_method": first_how,
        "keystroke_ms": {**summary([percentile(gdx_keys.samples[q.text], 50) for q in keys]),
                         "by_query": {q.text: summary(gdx_keys.samples[q.text]) for q in keys}},
        "incremental_s": incremental["changed_s"], "incremental_restore_s": incremental["restored_s"],
        "cold_open": cold,
    })
    out["engines"] = engines
    if opts.profile:
        engines["gdx"]["profile"] = profile_gdx(corpus, opts.work / f"gdx-profile-{size}", mix)

    def p(engine: str, column: str, q: str) -> float | None:
        figures = engines[engine].get(column)
        if not isinstance(figures, dict):
            return None
        return figures.get("all", figures)[q]

    out["ratios"] = {f"{column}_{q}_vs_{anchor}": ratio(p("gdx", column, q), p(anchor, column, q))
                     for column in ("warm_ms", "first_ms", "fresh_ms") for q in ("p50", "p95")
                     for anchor in ("fts5", "tantivy")}
    out["queries"] = [
        {"kind": q.kind, "query": q.text, "fts5_match": q.fts_match, "fts5_filter": q.fts_filter, "note": q.note,
         **({"gdx": per_query(gdx_keys, q)} if q.kind == "keystroke" else {
             f"{engine}_{column}": per_query(timings[engine][column], q)
             for engine in ENGINES for column in ("warm", "first")}),
         **({f"{engine}_fresh_ms": fresh[engine]["ms"][texts.index(q.text)] for engine in ENGINES}
            if fresh is not None and q.text in texts[: len(fresh["gdx"]["ms"])] else {})}
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


ENGINE_NAMES = {"gdx": "gdexplorer", "fts5": "tuned FTS5", "tantivy": "Tantivy", "naive": "naive Whoosh"}


def latency_table(results: Sequence[dict]) -> str:
    header = ["docs", "engine", "warm p50", "warm p95", "first p50", "first p95", "fresh p50", "fresh p95",
              "fresh peak MB"]
    rows = []
    for r in results:
        e = r["engines"]
        for engine in ENGINES:
            f = e[engine]
            fresh = f.get("fresh_ms") or {}
            rows.append([f"{r['docs']:,}", ENGINE_NAMES[engine], fmt(f["warm_ms"]["all"]["p50"]),
                         fmt(f["warm_ms"]["all"]["p95"]), fmt(f["first_ms"]["all"]["p50"]),
                         fmt(f["first_ms"]["all"]["p95"]), fmt(fresh.get("p50"), 0), fmt(fresh.get("p95"), 0),
                         fmt(f.get("fresh_rss_mb"), 0)])
        for anchor in ("fts5", "tantivy"):
            x = r["ratios"]
            rows.append([f"{r['docs']:,}", f"gdx / {ENGINE_NAMES[anchor]}",
                         *[fmt(x[f"{c}_{q}_vs_{anchor}"], 2) + "x" if x[f"{c}_{q}_vs_{anchor}"] is not None else "-"
                           for c in ("warm_ms", "first_ms", "fresh_ms") for q in ("p50", "p95")],
                         fmt(ratio(e["gdx"].get("fresh_rss_mb"), e[anchor].get("fresh_rss_mb")), 2) + "x"
                         if e["gdx"].get("fresh_rss_mb") else "-"])
    return table(header, rows, text_columns=2)


def indexing_table(results: Sequence[dict]) -> str:
    header = ["docs", "engine", "procs", "build s", "docs/s", "index MB", "gdx x (same procs)"]
    rows = []
    for r in results:
        gdx = {row["procs"]: row for row in r["indexing"] if row["engine"] == "gdx"}
        for row in r["indexing"]:
            if "docs_per_s" not in row:
                rows.append([f"{r['docs']:,}", ENGINE_NAMES[row["engine"]], str(row["procs"]), "-", "-", "-",
                             row["status"]])
                continue
            same = gdx.get(row["procs"])
            speed = "" if row["engine"] == "gdx" or same is None else fmt(same["docs_per_s"] / row["docs_per_s"], 2)
            rows.append([f"{r['docs']:,}", ENGINE_NAMES[row["engine"]], str(row["procs"]), fmt(row["index_s"]),
                         fmt(row["docs_per_s"], 0), fmt(row["index_mb"]), speed])
    return table(header, rows)


def query_table(result: dict) -> str:
    header = ["kind", "query", "gdx warm", "gdx first", "fts5 warm", "fts5 first", "tv warm", "tv first",
              "gdx fresh", "fts5 fresh", "tv fresh", "gdx hits", "fts5 hits", "tv hits"]
    rows = []
    for q in result["queries"]:
        if q["kind"] == "keystroke":
            continue

        def cell(key: str, field: str = "p50", digits: int = 1, q: dict = q) -> str:
            value = q.get(key)
            return fmt(value.get(field) if isinstance(value, dict) else value, digits)

        rows.append([q["kind"], q["query"] + (" *" if q["note"] else ""), cell("gdx_warm"), cell("gdx_first"),
                     cell("fts5_warm"), cell("fts5_first"), cell("tantivy_warm"), cell("tantivy_first"),
                     cell("gdx_fresh_ms", digits=0), cell("fts5_fresh_ms", digits=0),
                     cell("tantivy_fresh_ms", digits=0), cell("gdx_warm", "total", 0),
                     cell("fts5_warm", "total", 0), cell("tantivy_warm", "total", 0)])
    return table(header, rows, text_columns=2)


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    goal: str
    value: float | None
    ok: bool | None
    shown: str


def targets(result: dict) -> list[Target]:
    """Issue 16's targets (and the ones kept from before), checked on one size's figures."""
    e = result["engines"]
    g, f = e["gdx"], e["fts5"]
    found: list[Target] = []

    def add(name: str, goal: str, value: float | None, ok: bool | None, shown: str) -> None:
        found.append(Target(name, goal, value, ok, shown))

    def check(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    # The anchors' figures are their ordinary ones (one open connection or index): FTS5 keeps no
    # decoded postings between queries, so its warm and first-time figures differ little.
    fp95, fp50 = f["warm_ms"]["all"]["p95"], f["warm_ms"]["all"]["p50"]
    gp95, gp50 = g["first_ms"]["all"]["p95"], g["first_ms"]["all"]["p50"]
    add("first-time query p95", "<= tuned FTS5's p95", ratio(gp95, fp95), check(ratio(gp95, fp95), 1),
        f"{gp95:.1f} ms vs {fp95:.1f} ms = {fmt(ratio(gp95, fp95), 2)}x")
    add("first-time query p50", "<= 1/2 tuned FTS5's p50", ratio(gp50, fp50), check(ratio(gp50, fp50), 0.5),
        f"{gp50:.1f} ms vs {fp50:.1f} ms = {fmt(ratio(gp50, fp50), 2)}x")
    wp95 = g["warm_ms"]["all"]["p95"]
    add("warm query p95", "<= 1/3 tuned FTS5's p95", ratio(wp95, fp95), check(ratio(wp95, fp95), 1 / 3),
        f"{wp95:.1f} ms vs {fp95:.1f} ms = {fmt(ratio(wp95, fp95), 2)}x")
    if "fresh_ms" in g:
        gf, ff = g["fresh_ms"]["p50"], f["fresh_ms"]["p50"]
        add("search as a fresh process", "<= 1.5x a fresh process on tuned FTS5 (p50 over the mix)",
            ratio(gf, ff), check(ratio(gf, ff), 1.5), f"{gf:.0f} ms vs {ff:.0f} ms = {fmt(ratio(gf, ff), 2)}x")
        add("search process peak RSS", "<= 150 MB (largest over the mix)", g["fresh_rss_mb"],
            g["fresh_rss_mb"] <= 150, f"{g['fresh_rss_mb']:.0f} MB")
    else:
        add("search as a fresh process", "<= 1.5x a fresh process on tuned FTS5", None, None, "not measured")
        add("search process peak RSS", "<= 150 MB", None, None, "not measured")
    rows = result["indexing"]
    for procs in sorted({row["procs"] for row in rows if row["engine"] == "gdx"}):
        gdx = next(row for row in rows if row["engine"] == "gdx" and row["procs"] == procs)
        naive = next((row for row in rows if row["engine"] == "naive" and row["procs"] == procs
                      and "docs_per_s" in row), None)
        speed = ratio(gdx["docs_per_s"], naive["docs_per_s"]) if naive else None
        add(f"index build, {procs} vs {procs} processes", ">= 3x naive Whoosh", speed,
            None if speed is None else speed >= 3,
            f"{gdx['docs_per_s']:.0f} vs {naive['docs_per_s']:.0f} docs/s = {fmt(speed, 2)}x" if naive
            else "naive build skipped")
    gdx_mb = next(row for row in reversed(rows) if row["engine"] == "gdx")["index_mb"]
    fts_mb = next(row for row in rows if row["engine"] == "fts5")["index_mb"]
    add("index size", "<= tuned FTS5's", ratio(gdx_mb, fts_mb), gdx_mb <= fts_mb,
        f"{gdx_mb:.0f} MB vs {fts_mb:.0f} MB = {fmt(ratio(gdx_mb, fts_mb), 2)}x")
    keys = g["keystroke_ms"]["max"]
    worst = max(g["keystroke_ms"]["by_query"].items(), key=lambda kv: kv[1]["p50"])[0]
    add("keystroke first results", "< 100 ms (slowest keystroke query, its p50)", keys, keys < 100,
        f"{keys:.0f} ms ({worst})")
    incr = max(g["incremental_s"], g["incremental_restore_s"])
    add("re-index after one change", "<= 1 s (the slower of an edit and its undo)", incr, incr <= 1,
        f"{g['incremental_s']:.2f} s for the edit, {g['incremental_restore_s']:.2f} s for the undo")
    cold = g["cold_open"] or {}
    wall = cold.get("wall_s")
    add("open + first query", "<= 1 s (new process, API)", wall, None if wall is None else wall <= 1,
        "not measured" if wall is None else f"{wall:.2f} s (import {cold['import_s']:.2f}, open "
        f"{cold['open_s']:.2f}, first query {cold['first_query_ms'] / 1000:.2f})")
    rss = cold.get("rss_mb")
    add("RSS with the corpus open", "< 500 MB (core process after the mix)", rss,
        None if rss is None else rss < 500, "not measured" if rss is None else f"{rss:.0f} MB")
    return found


def report(results: Sequence[dict], opts: Options) -> tuple[str, list[Target]]:
    largest = max(results, key=lambda r: r["size"])
    lines = ["", "Query latency in ms: top 10 with the total and snippets. warm = after one pass; first = "
             "gdexplorer's posting cache emptied before each query (FTS5: a new connection, Tantivy: the index "
             "opened again); fresh = the whole command to exit in a new process, once per query of the mix.",
             "", latency_table(results), "", "Full index builds, like for like:", "", indexing_table(results), "",
             f"Per query at {largest['docs']:,} docs, p50 ms (tv = Tantivy; * = the anchors run a stand-in, "
             "see queries.txt):", "", query_table(largest), ""]
    found = targets(largest)
    scope = "" if largest["size"] >= 100_000 else f" (measured at {largest['size']:,}; the targets are for 100,000)"
    lines.append(f"Targets{scope}:")
    for t in found:
        verdict = "n/a " if t.ok is None else ("PASS" if t.ok else "MISS")
        lines.append(f"  {verdict}  {t.name} {t.goal}: {t.shown}")
    return "\n".join(lines), found

def machine() -> dict[str, object]:
    import importlib.metadata as md

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "?"

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "whoosh": version("whoosh-reloaded"), "tantivy": version("tantivy"), "sqlite": sqlite3.sqlite_version,
            "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
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


def parse_procs(text: str) -> tuple[int, ...]:
    try:
        procs = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected process counts like 1,2 (got {text!r})") from None
    if not procs or any(n < 1 for n in procs):
        raise argparse.ArgumentTypeError("process counts must be 1 or more")
    return procs


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py", description="Benchmark gdexplorer's index and search against a plain Whoosh setup and "
        "SQLite FTS5 on spliced news corpora (see benchmarks/README.md).")
    p.add_argument("--sizes", type=parse_sizes, metavar="N,N",
                   help="corpus sizes in articles (default 2000,20000; the issue's targets are for 100000)")
    p.add_argument("--quick", action="store_true", help="the smoke run: 300 articles, 1 repeat, the first 4 "
                   "queries of the mix as fresh processes")
    p.add_argument("--repeats", type=int, metavar="R", help="timed passes over the queries after a warm one "
                   "(default 5; 1 with --quick)")
    p.add_argument("--fresh-queries", type=int, metavar="N", help="run only the first N queries of the mix as "
                   "fresh processes (default all; 4 with --quick)")
    p.add_argument("--query-budget", type=float, default=10.0, metavar="S",
                   help="stop repeating a query once its samples add up to S seconds (default 10)")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, metavar="DIR",
                   help=f"where spliced corpora and indexes go, reused between runs (default {DEFAULT_WORK})")
    p.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, metavar="DIR",
                   help=f"the shared corpora folder (default {DEFAULT_CORPORA})")
    p.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, metavar="FILE",
                   help="the query mix (default benchmarks/queries.txt)")
    p.add_argument("--skip-naive-above", type=int, metavar="N",
                   help="above N articles, do not build the naive Whoosh indexes: reuse their build figures from "
                   "an earlier run in --work, or skip them")
    p.add_argument("--procs", type=parse_procs, default=(1, 2), metavar="N,N",
                   help="process counts for the like-for-like builds (default 1,2); queries run on the last "
                   "gdexplorer build")
    p.add_argument("--no-cold-open", action="store_true", help="skip the open + first query subprocess")
    p.add_argument("--no-fresh", action="store_true", help="skip the fresh-process column (one process per "
                   "query and engine)")
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
    sizes = args.sizes or ([300] if args.quick else [2000, 20000])
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 5)
    fresh_queries = args.fresh_queries if args.fresh_queries is not None else (4 if args.quick else None)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    # Nothing of gdexplorer's may land in the user's cache, even from the subprocess.
    os.environ["GDEXPLORER_CACHE_DIR"] = str(work / "gdx-cache")
    opts = Options(work, args.corpora.resolve(), args.queries.resolve(), repeats, args.query_budget,
                   args.skip_naive_above, not args.no_cold_open, not args.no_fresh, args.profile, args.procs,
                   fresh_queries)
    queries = load_queries(opts.queries_file)
    about = machine()  # before the run: the core's files may change while it goes
    sources_cache: list[list[Source]] = []
    results = [bench_size(size, opts, queries, sources_cache) for size in sizes]
    text, found = report(results, opts)
    print(text, flush=True)
    if args.json:
        payload = {"machine": about, "options": {"sizes": sizes, "repeats": repeats, "work": str(work),
                                                      "fresh_queries": fresh_queries,
                                                      "query_budget_s": args.query_budget,
                                                      "skip_naive_above": args.skip_naive_above,
                                                      "procs": list(args.procs)},
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
