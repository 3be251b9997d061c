"""100,000 curated entities: how long checking, loading, searching and saving take (issue 14).

Makes a corpus in a work folder from the BBC news corpus (its 2,225 articles, copied) with 100k
generated entities (pronounceable made-up names, some aliases, facts and relations quoting real
sentences of the articles), in two layouts:

- ``one``: one file of about 6.6 MB (``annotations/entities.yaml``);
- ``fifty``: 50 files of 2,000 entities each, more of them with facts.

then runs, each in a fresh process timed from outside (wall clock and peak RSS from ``wait4``):
``gdexplorer check``, ``gdexplorer index`` (the first build, with the 100k-name matcher),
``gdexplorer entities``, ``gdexplorer search``, and in one Python process ``Explorer(...)`` then
one ``add_fact`` save (timed apart in the child, wall clock). Each process's CPU time (user +
system) and peak RSS come from ``wait4``: on a busy machine CPU time is the steadier figure.

    python benchmarks/many_entities.py [--work DIR] [--layouts one,fifty] [--json FILE]
    python benchmarks/many_entities.py --generate-only --work DIR   # just the corpora

Nothing here is imported by gdexplorer; ``tests/faults/test_many_entities.py`` uses ``write_entities``
to make its 6.6 MB file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "corpora" / "en-bbc-news-2004-2005"

_KINDS = ("person", "organization", "place", "technology", "product", "event")
_ONSETS = ("b", "c", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "sh", "t", "th", "v",
           "w", "z")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "x")
_ORG = ("Holdings", "Group", "Institute", "Partners", "Foundation", "Systems", "Trust", "Council")
_PLACE = ("ford", "ton", "bury", "field", "mouth", "vale")
_TECH = ("Protocol", "Engine", "Process", "Method")
_PRODUCT = ("One", "Pro", "Max", "Mini", "Air")
_EVENT = ("Summit", "Forum", "Talks", "Festival", "Cup")
_SENTENCE = re.compile(r"[^.!?\n]{40,220}[.!?]")


@dataclass(frozen=True, slots=True)
class Quote:
    article: str
    text: str


def sentences(corpus: Path, limit: int = 20_000) -> list[Quote]:
    """Real sentences of the corpus's articles (as whole lines' parts), to quote in facts."""
    found: list[Quote] = []
    for path in sorted((corpus / "articles").rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        body = text.split("\n\n", 1)[-1]
        for m in _SENTENCE.finditer(body):
            sentence = m.group().strip()
            if sentence[:1].isupper() and "\ufffd" not in sentence:
                found.append(Quote(path.relative_to(corpus).as_posix(), sentence))
        if len(found) >= limit:
            break
    return found


def _word(rng: random.Random) -> str:
    syllables = rng.choice((1, 2))
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + rng.choice(_CODAS)


def _name(kind: str, rng: random.Random) -> str:
    a, b = _word(rng).capitalize(), _word(rng).capitalize()
    if kind == "person":
        return f"{a} {b}"
    if kind == "organization":
        return f"{a} {rng.choice(_ORG)}"
    if kind == "place":
        return f"{a}{rng.choice(_PLACE)}"
    if kind == "technology":
        return f"{a} {rng.choice(_TECH)}"
    if kind == "product":
        return f"{a} {rng.choice(_PRODUCT)}"
    return f"{a} {rng.choice(_EVENT)}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def entity_blocks(count: int, quotes: list[Quote], facts_per_100: int, seed: int = 14) -> Iterator[str]:
    """``count`` entities as YAML list items, each unique in id and name."""
    rng = random.Random(seed)
    names: set[str] = set()
    ids: list[str] = []
    for i in range(count):
        kind = _KINDS[i % len(_KINDS)]
        name = _name(kind, rng)
        while name.casefold() in names:
            name = _name(kind, rng)
        names.add(name.casefold())
        eid = _slug(name)
        lines = [f"  - id: {eid}", f"    type: {kind}", f"    name: {name}"]
        if rng.random() < 0.1:
            alias = name.split()[0] + " " + name.split()[-1][:1] + "." if " " in name else name.upper()
            if alias.casefold() not in names:
                names.add(alias.casefold())
                lines.append(f"    aliases: [{alias}]")
        if rng.randrange(100) < facts_per_100:
            quote = rng.choice(quotes)
            lines += ["    facts:", f"      - text: Named in {quote.article} ({kind}).",
                      f"        article: {quote.article}", f"        quote: {_q(quote.text)}"]
        if ids and rng.randrange(100) < 1:
            quote = rng.choice(quotes)
            lines += ["    relations:", "      - predicate: related to", f"        object: {rng.choice(ids)}",
                      f"        article: {quote.article}", f"        quote: {_q(quote.text)}"]
        ids.append(eid)
        yield "\n".join(lines) + "\n"


def write_entities(folder: Path, quotes: list[Quote], count: int = 100_000, files: int = 1,
                   facts_per_100: int = 3) -> list[Path]:
    """Write ``count`` entities into ``files`` files under ``folder``; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = list(entity_blocks(count, quotes, facts_per_100))
    per_file = -(-count // files)
    written = []
    for n in range(files):
        path = folder / ("entities.yaml" if files == 1 else f"entities-{n + 1:02d}.yaml")
        chunk = blocks[n * per_file : (n + 1) * per_file]
        path.write_text(f"# {len(chunk):,} generated entities (benchmarks/many_entities.py)\nentities:\n"
                        + "".join(chunk), encoding="utf-8")
        written.append(path)
    return written


def make_corpus(source: Path, target: Path, layout: str) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source / "articles", target / "articles")
    shutil.copy2(source / "manifest.jsonl", target / "manifest.jsonl")
    quotes = sentences(target)
    if layout == "one":
        write_entities(target / "annotations", quotes, files=1, facts_per_100=2)
    else:
        write_entities(target / "annotations", quotes, files=50, facts_per_100=20)


# -- measuring ------------------------------------------------------------------------------------

_SAVE = """
import sys, time
from pathlib import Path
from gdexplorer.explorer import Explorer
from gdexplorer.model import NewFact
corpus = Path(sys.argv[1])
t0 = time.perf_counter()
ex = Explorer(corpus)
t1 = time.perf_counter()
entity = next(e for e in ex.entities() if e.facts)
fact = entity.facts[0]
change = ex.add_fact(entity.id, NewFact("Saved by the benchmark.", fact.article, fact.quote))
t2 = time.perf_counter()
assert len(ex.entities_by_id()[entity.id].facts) == len(entity.facts) + 1
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(ex.entities_by_id())} {len(ex.problems())}")
"""


@dataclass(frozen=True, slots=True)
class Run:
    what: str
    seconds: float  # wall clock
    cpu: float  # user + system CPU seconds of the child: steadier than wall clock on a shared machine
    peak_mb: float
    code: int
    out: str


def run(what: str, args: list[str], env: dict[str, str]) -> Run:
    """Run one command in a fresh process; its own CPU time and peak RSS come from ``wait4``."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        last = (out.read().strip().splitlines() or [""])[-1][:90]
        tail = err.read().strip().splitlines()
    return Run(what, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
               last + (" | " + tail[-1][:90] if tail else ""))


def measure(corpus: Path, cache: Path) -> list[Run]:
    env = {**os.environ, "GDEXPLORER_CACHE_DIR": str(cache), "QT_QPA_PLATFORM": "offscreen"}
    py = [sys.executable, "-m"]
    c = ["--corpus", str(corpus)]
    runs = [
        run("check", [*py, "gdexplorer", "check", *c], env),
        run("index (first build)", [*py, "gdexplorer", "index", *c], env),
        run("entities", [*py, "gdexplorer", "entities", *c], env),
        run("search", [*py, "gdexplorer", "search", "oil prices", *c], env),
    ]
    save = run("open + add_fact", [sys.executable, "-c", _SAVE, str(corpus)], env)
    runs.append(save)
    parts = save.out.split(" | ")[0].split()
    if save.code == 0 and len(parts) == 4:
        runs.append(Run("  of which Explorer()", float(parts[0]), 0.0, 0.0, 0, f"{parts[2]} entities"))
        runs.append(Run("  of which add_fact", float(parts[1]), 0.0, 0.0, 0, f"{parts[3]} problems"))
    runs.append(run("search after the save", [*py, "gdexplorer", "search", "oil prices", *c], env))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gdexplorer-many-entities",
                        help="where the corpora and index caches go (default: in the system temp folder)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the BBC corpus to copy articles from")
    parser.add_argument("--layouts", default="one,fifty", help="which layouts: one (one 6.6 MB file), fifty")
    parser.add_argument("--generate-only", action="store_true", help="make the corpora, measure nothing")
    parser.add_argument("--keep", action="store_true", help="reuse corpora already in --work")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not (args.source / "articles").is_dir():
        print(f"no corpus at {args.source}", file=sys.stderr)
        return 2
    figures: dict[str, list[dict[str, object]]] = {}
    for layout in args.layouts.split(","):
        corpus = args.work / layout
        if not (args.keep and corpus.is_dir()):
            print(f"generating {corpus} ...", file=sys.stderr)
            make_corpus(args.source, corpus, layout)
        files = sorted((corpus / "annotations").glob("*.yaml"))
        size = sum(f.stat().st_size for f in files)
        print(f"\n{layout}: {len(files)} file(s), {size / 1e6:.1f} MB of YAML")
        if args.generate_only:
            continue
        cache = args.work / f"cache-{layout}"
        shutil.rmtree(cache, ignore_errors=True)
        # The save edits a file: measure on a copy so that runs stay comparable.
        shutil.copytree(corpus / "annotations", cache / "annotations-backup")
        try:
            runs = measure(corpus, cache)
        finally:
            shutil.rmtree(corpus / "annotations")
            shutil.copytree(cache / "annotations-backup", corpus / "annotations")
        print(f"{'':<24} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} exit  last line")
        for r in runs:
            peak = f"{r.peak_mb:8.0f}" if r.peak_mb else " " * 8
            cpu = f"{r.cpu:7.2f}" if r.cpu else " " * 7
            print(f"{r.what:<24} {r.seconds:7.2f} {cpu} {peak} {r.code:>4}  {r.out}")
        figures[layout] = [{"what": r.what, "seconds": round(r.seconds, 3), "cpu": round(r.cpu, 3),
                            "peak_mb": round(r.peak_mb, 1), "exit": r.code} for r in runs]
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
