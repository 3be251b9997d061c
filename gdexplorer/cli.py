"""The ``gdexplorer`` command: bare, it opens the window; subcommands work on the same core.

Every subcommand takes ``--corpus DIR`` (default: the bundled seeds) and builds the index on first
use, so ``gdexplorer search hydrogen`` works on a fresh install. The read-only commands (search,
entity, entities, export) trust the index while cheap signals (folder, manifest and annotation file
stats) say nothing changed, and update it first otherwise; ``--update`` checks every article.
"""

from __future__ import annotations

import argparse
import enum
import html
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from gdexplorer import __version__
from gdexplorer.errors import GdxError, IndexBusyError, SearchIndexError
from gdexplorer.model import Entity, EntityKind, Hit, IndexStats, Progress, SearchResult, Snippet

log = logging.getLogger(__name__)


class Exit(enum.IntEnum):
    OK = 0
    FAILED = 1  # a domain error, or `check` found errors
    USAGE = 2


UPDATE_HELP = ("check every article for changes before answering. Without it the index is trusted while "
               "the corpus's folders, manifest and annotation files are unchanged since its last update "
               "(milliseconds, where checking every article takes seconds on a large corpus): articles "
               "added, removed, renamed or saved by an editor that replaces the file are noticed, an article "
               "rewritten in place (same file, e.g. `>>` or some tools) is not; `gdexplorer index` and the "
               "window always check every article")


def _common_options(in_command: bool) -> argparse.ArgumentParser:
    """The options every command takes, before the command name or after it.

    After it (``in_command``) they default to nothing at all: argparse lets a subcommand's defaults
    overwrite what was given before the command, so ``gdexplorer --corpus X index`` indexed the seeds.
    """
    def default(value: object) -> object:
        return argparse.SUPPRESS if in_command else value

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=Path, metavar="DIR", default=default(None),
                        help="corpus folder (articles/, manifest.jsonl, annotations/); default: the bundled seeds")
    common.add_argument("--annotations", type=Path, metavar="DIR", default=default(None),
                        help="annotation folder to use instead of the corpus's own annotations/")
    common.add_argument("--server", metavar="URL", default=default(os.environ.get("GDEXPLORER_SERVER") or None),
                        help="use the shared index on this PostgreSQL server (a libpq string or postgresql:// URL; "
                             "default: $GDEXPLORER_SERVER) instead of the embedded one: `index` fills it, "
                             "`search` searches it")
    common.add_argument("-v", "--verbose", action="store_true", default=default(False),
                        help="log what happens (to stderr)")
    return common


def build_parser() -> argparse.ArgumentParser:
    top = _common_options(in_command=False)
    common = _common_options(in_command=True)

    parser = argparse.ArgumentParser(
        prog="gdexplorer", parents=[top],
        description="Explore a news corpus: instant search, curated entities with sourced facts. "
                    "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"gdexplorer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="build or update the search index (with a progress bar)")
    p.add_argument("--rebuild", action="store_true", help="throw the index away and build it from scratch")

    p = sub.add_parser("search", parents=[common], help="search the articles",
                       description="Search the articles. The index is brought up to date first only if the "
                                   "corpus's folders, manifest or annotation files changed since its last "
                                   "update; --update also finds articles rewritten in place.")
    p.add_argument("--update", action="store_true", help=UPDATE_HELP)
    p.add_argument("query", nargs="?", help='Whoosh query: words (ANDed), OR, NOT, "phrase", pre*, fuzzy~, '
                                           "title:, category:, date:[2010 TO 2012], entity:ID, "
                                           "and the workbench's tag:NAME, starred:yes|no, note:WORD")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="how many hits to show (default 10)")
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance",
                   help="order of the hits (default relevance)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--facets", action="store_true",
                   help="also count the matches by category, year and entity")
    p.add_argument("--filter", action="append", default=[], metavar="CLAUSE",
                   help="only hits matching CLAUSE, without changing their order "
                        "(e.g. category:world, 'date:[2010 TO 2012]', entity:ehang); repeatable")
    p.add_argument("--batch", type=str, metavar="FILE",
                   help="answer every query in FILE (one per line, '-' for stdin), one JSON line each")

    p = sub.add_parser("entities", parents=[common], help="list the curated entities")
    p.add_argument("--type", choices=[k.value for k in EntityKind], help="only entities of this type")
    p.add_argument("--update", action="store_true", help=UPDATE_HELP)
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = sub.add_parser("entity", parents=[common], help="show one entity: facts with quotes, relations, mentions")
    p.add_argument("key", metavar="ID_OR_NAME", help="an entity id, name or alias")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument("--update", action="store_true", help=UPDATE_HELP)
    p.add_argument("--network", action="store_true",
                   help="show the entities linked to it: curated relations and the most co-mentioned")

    sub.add_parser("check", parents=[common], help="validate the annotations; exit 1 if there are errors")

    p = sub.add_parser("star", parents=[common], help="star an article (kept in annotations/workbench.yaml)")
    p.add_argument("article", metavar="ARTICLE", help="the article's id, e.g. articles/0001.txt")
    p = sub.add_parser("unstar", parents=[common], help="take the star off an article")
    p.add_argument("article", metavar="ARTICLE", help="the article's id, e.g. articles/0001.txt")
    p = sub.add_parser("tag", parents=[common], help="tag an article with free-form tags (search them with tag:)")
    p.add_argument("article", metavar="ARTICLE", help="the article's id, e.g. articles/0001.txt")
    p.add_argument("tags", nargs="+", metavar="TAG", help="one or more tags (quote a tag with spaces)")
    p = sub.add_parser("untag", parents=[common], help="remove tags from an article")
    p.add_argument("article", metavar="ARTICLE", help="the article's id, e.g. articles/0001.txt")
    p.add_argument("tags", nargs="+", metavar="TAG", help="the tags to remove")
    p = sub.add_parser("note", parents=[common], help="write the note on an article (empty TEXT removes it)")
    p.add_argument("article", metavar="ARTICLE", help="the article's id, e.g. articles/0001.txt")
    p.add_argument("text", metavar="TEXT", help="the note (replaces the one there; search notes with note:)")
    p = sub.add_parser("saved", parents=[common],
                       help="list the saved searches with their new matches, or run one by NAME")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="run this saved search, show it like `search`, and count it as opened now")
    p.add_argument("--save", metavar="QUERY", help="save QUERY under NAME (replacing a search of that name) first")
    p.add_argument("--filter", action="append", default=[], metavar="CLAUSE",
                   help="with --save: a filter clause, as for search; repeatable")
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance",
                   help="with --save: order of the hits (default relevance)")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="how many hits to show (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = sub.add_parser("suggestions", parents=[common],
                       help="names found by named-entity recognition that no curated entity covers yet",
                       description="Suggested entities, most mentioned first: names found by named-entity "
                                   "recognition (spaCy for English: pip install gdexplorer[ner]; jieba for "
                                   "Chinese) that no curated name or alias covers and that were not rejected. "
                                   "New and changed articles are read first (cached per user).")
    p.add_argument("--type", choices=[k.value for k in EntityKind], help="only suggestions of this type")
    p.add_argument("--limit", type=int, default=30, metavar="N", help="how many to show (default 30)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    p = sub.add_parser("accept", parents=[common], help="make a suggested entity a curated one (written to the YAML)",
                       description="Write a suggested entity to the annotations as a curated entity (the same "
                                   "validated, minimal save as the window's), or with --as add it as an alias "
                                   "of an existing entity.")
    p.add_argument("name", metavar="NAME", help="the suggestion's name or one of its aliases")
    p.add_argument("--type", choices=[k.value for k in EntityKind], help="its type, if not the suggested one")
    p.add_argument("--as", dest="as_id", metavar="ID",
                   help="add it as an alias of this curated entity instead of creating one")
    p.add_argument("--fact", action="store_true", help="also add its first sentence as a quoted fact")

    p = sub.add_parser("reject", parents=[common],
                       help="never suggest NAME again (kept in annotations/rejected-suggestions.yaml)",
                       description="Never suggest NAME again: it is added to rejected-suggestions.yaml in the "
                                   "annotations folder, to be shared with the rest of the annotations.")
    p.add_argument("name", metavar="NAME", help="the suggestion's name or one of its aliases")

    p = sub.add_parser("export", parents=[common], help="export search results (CSV, JSON) or an entity dossier")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    e = what.add_parser("results", parents=[common], help="the hits of a query, with snippets and metadata")
    e.add_argument("query", help="the query, as for `gdexplorer search`")
    e.add_argument("--format", choices=("csv", "json"), default="csv", help="file format (default csv)")
    e.add_argument("--limit", type=int, default=1000, metavar="N", help="how many hits (default 1000)")
    e.add_argument("--filter", action="append", default=[], metavar="CLAUSE", help="as for search; repeatable")
    e.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of to stdout")
    e.add_argument("--update", action="store_true", help=UPDATE_HELP)
    e = what.add_parser("entity", parents=[common], help="a Markdown dossier: facts with quotes and sources")
    e.add_argument("key", metavar="ID_OR_NAME", help="an entity id, name or alias")
    e.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of to stdout")
    e.add_argument("--update", action="store_true", help=UPDATE_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 for --help
        return int(e.code or 0)
    # A path or name that is not UTF-8 (PEP 383 surrogates) is shown escaped, as stderr already
    # does, rather than ending a command in a UnicodeEncodeError after its work is done.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        return _open_window(args)
    if args.annotations is not None and not args.annotations.is_dir():
        # Loading nothing from a mistyped folder would pass `check` in CI: a false green.
        why = "not a folder" if args.annotations.exists() else "no such folder"
        print(f"gdexplorer {args.command}: --annotations {args.annotations}: {why}", file=sys.stderr)
        return Exit.FAILED
    try:
        return COMMANDS[args.command](args)
    except GdxError as e:
        print(f"gdexplorer: {e}", file=sys.stderr)
        return Exit.FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `gdexplorer entities | head`: the reader left; say nothing more, like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.OK


def _open_window(args: argparse.Namespace) -> int:
    try:
        from gdexplorer.gui.app import run
    except ImportError as e:
        # Qt's libraries load with the window's modules: a system library missing fails here, before
        # the window's own check of its platform can say anything.
        print(f"gdexplorer: cannot open the window: {window_import_failure(e)}; the subcommands need no window, "
              "e.g. `gdexplorer search hydrogen` (see `gdexplorer --help`)", file=sys.stderr)
        return Exit.FAILED
    return run(corpus=args.corpus, annotations=args.annotations, server=args.server)


def window_import_failure(error: ImportError) -> str:
    """Why the window's modules did not import, in words a user can act on."""
    missing = list(dict.fromkeys(re.findall(r"[\w.+-]+\.so(?:\.\d+)*", str(error))))
    if missing:
        from gdexplorer.gui.platformcheck import describe_missing

        return describe_missing("Qt", missing)
    return f"{error} (reinstall gdexplorer's dependencies: python3 -m pip install .)"


def _explorer(args: argparse.Namespace, index: bool = True):
    from gdexplorer.explorer import Explorer
    from gdexplorer.paths import seeds_dir

    explorer = Explorer(args.corpus or seeds_dir(), args.annotations, server=getattr(args, "server", None))
    if index:
        if explorer.serves_shared_index and not getattr(args, "update", False):
            return explorer  # filled by `gdexplorer index --server`, not by each search
        if not getattr(args, "update", True):
            changed = explorer.index_changes()
            if not changed:
                return explorer
            log.info("updating the index: %s", changed)
            if sys.stderr.isatty() and explorer.index_ready():
                print(f"gdexplorer: updating the index ({changed})", file=sys.stderr)
        try:
            stats = _update(explorer, quiet=True)
        except (IndexBusyError, SearchIndexError) as e:
            if not explorer.index_ready():
                raise
            # Another process is writing, or the cache is read-only: what is indexed still answers.
            print(f"gdexplorer: {e}; using the index as it is", file=sys.stderr)
        else:
            if stats.rebuilt and stats.reason != "no index yet":
                print(f"gdexplorer: index rebuilt ({stats.reason})", file=sys.stderr)
    return explorer


def _update(explorer, quiet: bool) -> IndexStats:
    """Update the index with a progress bar on a terminal (quiet: only if it takes a while)."""
    from tqdm import tqdm

    bar: tqdm | None = None
    show = sys.stderr.isatty()

    def progress(p: Progress) -> None:
        nonlocal bar
        if not show or p.total == 0:
            return
        if bar is None:
            if quiet and p.total < 200:
                return
            bar = tqdm(total=p.total, unit="doc", desc="Indexing", file=sys.stderr, leave=not quiet)
        bar.n = p.done
        bar.refresh()

    cancel = threading.Event()
    try:
        return explorer.update_index(progress, cancel)
    finally:
        if bar is not None:
            bar.close()


def cmd_index(args: argparse.Namespace) -> int:
    from gdexplorer.explorer import Explorer
    from gdexplorer.paths import seeds_dir

    explorer = Explorer(args.corpus or seeds_dir(), args.annotations, server=args.server)
    if args.rebuild:
        explorer.drop_index()
    stats = _update(explorer, quiet=False)
    if stats.rebuilt and stats.reason != "no index yet" and not args.rebuild:
        print(f"gdexplorer: index rebuilt ({stats.reason})", file=sys.stderr)
    what = "built" if stats.rebuilt else "updated"
    print(f"{explorer.name}: index {what} in {stats.seconds:.1f} s: {stats.added} added, {stats.updated} changed, "
          f"{stats.deleted} removed, {stats.unchanged} unchanged ({explorer.article_count()} articles)")
    for problem in stats.problems[:10]:
        print(problem, file=sys.stderr)
    if len(stats.problems) > 10:
        print(f"... and {len(stats.problems) - 10} more (see `gdexplorer check`)", file=sys.stderr)
    return Exit.OK


def cmd_search(args: argparse.Namespace) -> int:
    if args.batch is None and not args.query:
        print("gdexplorer search: give a QUERY or --batch FILE", file=sys.stderr)
        return Exit.USAGE
    if args.limit < 0:
        print("gdexplorer search: --limit must be 0 or more", file=sys.stderr)
        return Exit.USAGE
    explorer = _explorer(args)
    if args.batch is not None:
        return _batch(explorer, args)
    result = explorer.search(args.query, limit=args.limit, sort=args.sort, filters=tuple(args.filter),
                             facets=args.facets)
    if args.json:
        print(json.dumps(result_json(result, explorer), ensure_ascii=False, indent=1))
    else:
        _print_result(result, sys.stdout)
        if result.facets is not None:
            _print_facets(result, explorer, sys.stdout)
    return Exit.OK


def _print_facets(result: SearchResult, explorer, out: TextIO) -> None:
    facets = result.facets
    assert facets is not None
    print(f"\nFacets ({facets.seconds * 1000:.0f} ms)", file=out)
    if facets.categories:
        print("  category: " + ", ".join(f"{c} {n}" for c, n in facets.categories[:12]), file=out)
    if facets.years:
        print("  year:     " + ", ".join(f"{y} {n}" for y, n in facets.years), file=out)
    for kind, pairs in entity_facets(result, explorer).items():
        print(f"  {kind.plural.lower() + ':':<14}" + ", ".join(f"{name} {n}" for _, name, n in pairs), file=out)


def entity_facets(result: SearchResult, explorer, top: int = 8) -> dict[EntityKind, list[tuple[str, str, int]]]:
    """The entity counts of a result grouped by type, the top few of each: (id, name, count)."""
    grouped: dict[EntityKind, list[tuple[str, str, int]]] = {}
    if result.facets is None:
        return grouped
    for entity_id, n in result.facets.entities:
        entity = explorer.entities_by_id().get(entity_id)
        if entity is None:
            continue
        bucket = grouped.setdefault(entity.kind, [])
        if len(bucket) < top:
            bucket.append((entity_id, entity.name, n))
    return {k: grouped[k] for k in EntityKind if k in grouped}


def _batch(explorer, args: argparse.Namespace) -> int:
    """Answer each line; a bad line gets an error line and the batch goes on."""
    stream: BinaryIO
    if args.batch == "-":
        stream = sys.stdin.buffer
    else:
        try:
            stream = open(args.batch, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            print(f"gdexplorer search: cannot read {args.batch}: {e.strerror or e}", file=sys.stderr)
            return Exit.FAILED
    failed = False
    try:
        # Bytes, decoded line by line: one line in Latin-1 is that line's error, not the batch's end.
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError as e:
                why = f"line {number} is not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})"
                out: dict[str, object] = {"line": number, "error": why}
                failed = True
                print(json.dumps(out, ensure_ascii=False), flush=True)
                continue
            if not text:
                continue
            try:
                out = _batch_answer(explorer, args, text)
            except GdxError as e:  # a bad query, or an index or corpus unavailable for now: the next line may do
                out = {"query": text, "error": str(e)}
                failed = True
            print(json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return Exit.FAILED if failed else Exit.OK


def _batch_answer(explorer, args: argparse.Namespace, text: str) -> dict[str, object]:
    def search() -> dict[str, object]:
        return result_json(explorer.search(text, limit=args.limit, sort=args.sort, filters=tuple(args.filter),
                                           facets=args.facets), explorer)

    try:
        return search()
    except SearchIndexError:
        # The cache folder was cleaned or the index found damaged while the batch ran: build it
        # again and answer, rather than end a long-running batch for good.
        _update(explorer, quiet=True)
        return search()


def snippet_html(snippet: Snippet) -> str:
    """HTML-escaped snippet text with matches in ``<mark>`` (as JSON output carries it)."""
    return "".join(f"<mark>{html.escape(s.text)}</mark>" if s.match else html.escape(s.text) for s in snippet)


def result_json(result: SearchResult, explorer=None) -> dict[str, object]:
    out: dict[str, object] = {
        "query": result.query,
        "total": result.total,
        "took_ms": round(result.took_ms, 2),
        "hits": [hit_json(h) for h in result.hits],
    }
    if result.filters:
        out["filters"] = list(result.filters)
    if result.partial:
        out["partial"] = True
    if result.collapsed:
        out["collapsed"] = result.collapsed  # matching articles not in "total": copies named by a hit
    out["did_you_mean"] = result.did_you_mean
    if result.facets is not None:
        out["facets"] = {
            "category": dict(result.facets.categories),
            "year": dict(result.facets.years),
            "month": dict(result.facets.months),
            "entity": {
                kind.value: [{"id": i, "name": name, "count": n} for i, name, n in pairs]
                for kind, pairs in entity_facets(result, explorer).items()
            } if explorer is not None else dict(result.facets.entities),
            "took_ms": round(result.facets.seconds * 1000, 2),
        }
    return out


def hit_json(hit: Hit) -> dict[str, object]:
    out: dict[str, object] = {
        "path": hit.path,
        "title": hit.info.title,
        "score": round(hit.score, 4),
        "snippet": snippet_html(hit.snippet),
        "date": hit.info.date,
        "url": hit.info.url,
        "byline": hit.info.byline,
        "site": hit.info.site,
        "format": hit.info.format or "text",
        "category": hit.info.category,
        "entities": list(hit.entities),
        "copies": list(hit.copies),  # the same text up to whitespace
        "near_copies": list(hit.near_copies),  # one sentence more, less or changed
    }
    if hit.page is not None:  # only paged documents (PDF): the page of the snippet's first match
        out["page"] = hit.page
    return out


def _style(text: str, code: str, on: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if on else text


def _print_result(result: SearchResult, out: TextIO) -> None:
    color = out.isatty()
    shown = len(result.hits)
    notes = [f"showing {shown}"] if shown < result.total else []
    if result.collapsed:
        notes.append(f"{result.collapsed} duplicate{'s' if result.collapsed != 1 else ''} folded into their hits")
    print(f"{result.total} result{'s' if result.total != 1 else ''} for {result.query!r} "
          f"in {result.took_ms:.0f} ms" + (f" ({'; '.join(notes)})" if notes else ""), file=out)
    if result.did_you_mean:
        print(f"Did you mean: {result.did_you_mean}", file=out)
    for hit in result.hits:
        meta = " · ".join(x for x in (hit.info.date and hit.info.date[:10], hit.info.category,
                                      f"page {hit.page}" if hit.page is not None else None) if x)
        print(f"\n{hit.rank:>3}. {_style(hit.info.title, '1', color)}" + (f"  ({meta})" if meta else ""), file=out)
        copy_notes = [copies_note(c, kind) for c, kind in ((hit.copies, ""), (hit.near_copies, "near ")) if c]
        print(f"     {hit.path}" + (f"  ({'; '.join(copy_notes)})" if copy_notes else ""), file=out)
        text = "".join(_style(s.text, "1;33", color) if s.match else s.text for s in hit.snippet)
        if not color:
            text = "".join(f"[{s.text}]" if s.match else s.text for s in hit.snippet)
        if text:
            print(f"     {text}", file=out)


def copies_note(copies: tuple[str, ...], kind: str = "", shown: int = 3) -> str:
    """"+2 copies: a.txt, b.txt": the other articles with a hit's text (the first few); ``kind``
    "near " for its near copies ("+1 near copy: c.txt")."""
    names = ", ".join(copies[:shown]) + (f", … {len(copies) - shown} more" if len(copies) > shown else "")
    return f"+{len(copies)} {kind}{'copy' if len(copies) == 1 else 'copies'}: {names}"


def entity_json(explorer, entity: Entity) -> dict[str, object]:
    return {
        "id": entity.id,
        "name": entity.name,
        "type": entity.kind.value,
        "aliases": list(entity.aliases),
        "title": entity.title,
        "description": entity.description,
        "facts": [{"text": f.text, "article": f.article, "quote": f.quote} for f in entity.facts],
        "relations": [
            {"predicate": r.predicate, "object": r.object, "article": r.article, "quote": r.quote}
            for r in entity.relations
        ],
        "mentions": [info.id for info in explorer.mentions_of(entity.id)],
    }


def cmd_entities(args: argparse.Namespace) -> int:
    explorer = _explorer(args)
    kind = EntityKind(args.type) if args.type else None
    entities = explorer.entities(kind)
    if args.json:
        print(json.dumps([entity_json(explorer, e) for e in entities], ensure_ascii=False, indent=1))
        return Exit.OK
    counts = explorer.mention_counts()
    current = None
    for entity in entities:
        if entity.kind is not current:
            current = entity.kind
            n = sum(1 for e in entities if e.kind is current)
            print(f"\n{current.plural} ({n})")
        mentions = counts.get(entity.id, 0)
        print(f"  {entity.name:<48} {entity.id:<40} {mentions} article{'s' if mentions != 1 else ''}")
    return Exit.OK


def cmd_entity(args: argparse.Namespace) -> int:
    explorer = _explorer(args)
    entity = explorer.entity(args.key)
    if entity is None:
        print(f"gdexplorer entity: no entity with id, name or alias {args.key!r}", file=sys.stderr)
        return Exit.FAILED
    if args.network:
        return _print_network(explorer, entity, args.json)
    if args.json:
        print(json.dumps(entity_json(explorer, entity), ensure_ascii=False, indent=1))
        return Exit.OK
    out = sys.stdout
    bold = out.isatty()
    print(f"{_style(entity.name, '1', bold)}  [{entity.kind.value}]  id: {entity.id}", file=out)
    if entity.title:
        print(f"  {entity.title}", file=out)
    if entity.aliases:
        print(f"  also: {', '.join(entity.aliases)}", file=out)
    if entity.description:
        print(f"  {entity.description}", file=out)
    if entity.facts:
        print(f"\nFacts ({len(entity.facts)})", file=out)
        for fact in entity.facts:
            print(f"  - {fact.text}", file=out)
            print(f"    “{fact.quote}” — {fact.article}", file=out)
    names = explorer.entities_by_id()
    if entity.relations:
        print(f"\nRelations ({len(entity.relations)})", file=out)
        for rel in entity.relations:
            target = names[rel.object].name if rel.object in names else rel.object
            print(f"  - {rel.predicate} {target}  “{rel.quote}” — {rel.article}", file=out)
    incoming = explorer.relations_to(entity.id)
    if incoming:
        print(f"\nReferenced by ({len(incoming)})", file=out)
        for subject, predicate in incoming:
            print(f"  - {subject.name} {predicate} {entity.name}", file=out)
    mentions = explorer.mentions_of(entity.id)
    print(f"\nMentioned in {len(mentions)} article{'s' if len(mentions) != 1 else ''}", file=out)
    for info in mentions[:20]:
        print(f"  - {info.title}  ({info.id})", file=out)
    if len(mentions) > 20:
        print(f"  … and {len(mentions) - 20} more", file=out)
    return Exit.OK


def _print_network(explorer, entity: Entity, as_json: bool) -> int:
    network = explorer.network(entity.id)
    names = explorer.entities_by_id()
    if as_json:
        data = {
            "center": network.center,
            "nodes": [{"id": n, "name": names[n].name, "type": names[n].kind.value} for n in network.nodes],
            "edges": [
                {"source": e.source, "target": e.target, "kind": e.kind, "label": e.label, "weight": e.weight,
                 "quote": e.quote, "articles": list(e.articles)}
                for e in network.edges
            ],
        }
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return Exit.OK
    print(f"{entity.name}: {len(network.nodes) - 1} linked entities")
    for edge in network.edges:
        if edge.kind == "relation":
            print(f"  {names[edge.source].name} —{edge.label}→ {names[edge.target].name}")
    for edge in network.edges:
        if edge.kind == "co-mention":
            print(f"  {names[edge.target].name}: {edge.label}")
    return Exit.OK


def cmd_check(args: argparse.Namespace) -> int:
    explorer = _explorer(args, index=False)
    explorer.check_articles()
    problems = explorer.problems()
    for problem in problems:
        print(problem)
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    a = explorer.annotation_counts()
    summary = (f"{a.files} file{'s' if a.files != 1 else ''}, {a.entities} entities, "
               f"{a.facts} facts, {a.relations} relations: "
               f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    # The summary is the report's last line, on stdout with the problems: `check > report.txt`
    # keeps all of it and `check | tail -1` gives the counts; the exit code says pass or fail, and
    # stderr is left for the command's own failures (a folder that cannot be read).
    print(summary)
    return Exit.FAILED if errors else Exit.OK


def _marked(args: argparse.Namespace, what: str) -> int:
    explorer = _explorer(args, index=False)
    article = args.article
    if what == "star":
        explorer.star(article)
    elif what == "unstar":
        explorer.star(article, starred=False)
    elif what == "tag":
        explorer.tag(article, *args.tags)
    elif what == "untag":
        explorer.untag(article, *args.tags)
    else:
        explorer.set_note(article, args.text)
    marks = explorer.marks(article.replace("\\", "/").removeprefix("./"))
    parts = ["starred" if marks.starred else "not starred",
             f"tags: {', '.join(marks.tags)}" if marks.tags else "no tags",
             "a note" if marks.note else "no note"]
    print(f"{marks.article}: {'; '.join(parts)}")
    return Exit.OK


def cmd_star(args: argparse.Namespace) -> int:
    return _marked(args, "star")


def cmd_unstar(args: argparse.Namespace) -> int:
    return _marked(args, "unstar")


def cmd_tag(args: argparse.Namespace) -> int:
    return _marked(args, "tag")


def cmd_untag(args: argparse.Namespace) -> int:
    return _marked(args, "untag")


def cmd_note(args: argparse.Namespace) -> int:
    return _marked(args, "note")


def cmd_saved(args: argparse.Namespace) -> int:
    if args.limit < 0:
        print("gdexplorer saved: --limit must be 0 or more", file=sys.stderr)
        return Exit.USAGE
    if args.save is not None and args.name is None:
        print("gdexplorer saved: --save needs a NAME", file=sys.stderr)
        return Exit.USAGE
    explorer = _explorer(args)
    if args.save is not None:
        explorer.save_search(args.name, args.save, tuple(args.filter), args.sort)
    if args.name is not None:
        run = explorer.run_saved_search(args.name, limit=args.limit)
        if args.json:
            data = result_json(run.result, explorer)
            data["saved"] = run.search.name
            data["new"] = list(run.new)
            print(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            print(f"{run.search.name}: {len(run.new)} new since last opened"
                  + (f" ({run.search.opened})" if run.search.opened else ""))
            for article in run.new[:args.limit]:
                print(f"  new: {article}")
            _print_result(run.result, sys.stdout)
        return Exit.OK
    rows = [(s, explorer.new_matches(s.name)) for s in explorer.saved_searches()]
    if args.json:
        print(json.dumps([{"name": s.name, "query": s.query, "filters": list(s.filters), "sort": s.sort,
                           "opened": s.opened, "seen": len(s.seen), "new": list(new)} for s, new in rows],
                         ensure_ascii=False, indent=1))
        return Exit.OK
    if not rows:
        print("no saved searches (save one in the window, then run it here with `gdexplorer saved NAME`)")
    for search, new in rows:
        filters = f"  [{'; '.join(search.filters)}]" if search.filters else ""
        print(f"{search.name}: {search.query}{filters}  ({len(new)} new)")
    return Exit.OK


def cmd_export(args: argparse.Namespace) -> int:
    explorer = _explorer(args)
    if args.what == "results":
        result = explorer.search(args.query, limit=args.limit, filters=tuple(args.filter))
        text = explorer.results_csv(result) if args.format == "csv" else explorer.results_json(result)
    else:
        entity = explorer.entity(args.key)
        if entity is None:
            print(f"gdexplorer export: no entity with id, name or alias {args.key!r}", file=sys.stderr)
            return Exit.FAILED
        text = explorer.dossier(entity)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            explorer.save_text(args.output, text)
        except OSError as e:
            print(f"gdexplorer export: cannot write {args.output}: {e.strerror or e}", file=sys.stderr)
            return Exit.FAILED
        print(f"wrote {args.output}", file=sys.stderr)
    return Exit.OK


def _suggested(explorer) -> None:
    """Bring the suggestions up to date, with a progress bar on a terminal when it takes a while."""
    from tqdm import tqdm

    bar: tqdm | None = None

    def progress(p: Progress) -> None:
        nonlocal bar
        if not sys.stderr.isatty() or p.total < 20:
            return
        if bar is None:
            bar = tqdm(total=p.total, unit="doc", desc="Finding names", file=sys.stderr, leave=False)
        bar.n = p.done
        bar.refresh()

    try:
        status = explorer.update_suggested(progress)
    finally:
        if bar is not None:
            bar.close()
    if status.missing:
        print(f"gdexplorer: {status.missing}", file=sys.stderr)


def suggestion_json(suggested, examples: int = 3) -> dict[str, object]:
    return {"name": suggested.name, "type": suggested.kind.value, "aliases": list(suggested.aliases),
            "articles": suggested.articles, "count": suggested.count,
            "examples": [{"article": m.article, "sentence": m.sentence} for m in suggested.mentions[:examples]]}


def cmd_suggestions(args: argparse.Namespace) -> int:
    explorer = _explorer(args)
    _suggested(explorer)
    found = explorer.suggested_entities(EntityKind(args.type) if args.type else None)[: max(0, args.limit)]
    if args.json:
        print(json.dumps({"suggestions": [suggestion_json(s) for s in found]}, ensure_ascii=False, indent=1))
        return Exit.OK
    for s in found:
        also = f"  (also: {', '.join(s.aliases)})" if s.aliases else ""
        print(f"  {s.name:<40} {s.kind.value:<13} {s.articles} article{'s' if s.articles != 1 else ''}, "
              f"{s.count} mention{'s' if s.count != 1 else ''}{also}")
    if not found:
        print("no suggestions")
    return Exit.OK


def cmd_accept(args: argparse.Namespace) -> int:
    explorer = _explorer(args, index=False)
    _suggested(explorer)
    suggested = explorer.suggested_entity(args.name)
    if args.as_id:
        target = explorer.entity(args.as_id)
        if target is None:
            print(f"gdexplorer accept: no curated entity '{args.as_id}'", file=sys.stderr)
            return Exit.FAILED
        change = explorer.merge_suggestion(suggested, target.id)
    else:
        change = explorer.accept_suggestion(suggested, EntityKind(args.type) if args.type else None,
                                            with_fact=args.fact)
    print(f"{change.summary} ({explorer.display_path(change.path)})")
    return Exit.OK


def cmd_reject(args: argparse.Namespace) -> int:
    explorer = _explorer(args, index=False)
    path = explorer.reject_suggestion(args.name)
    print(f"rejected {args.name} ({explorer.display_path(path)})")
    return Exit.OK


COMMANDS = {
    "suggestions": cmd_suggestions,
    "accept": cmd_accept,
    "reject": cmd_reject,
    "index": cmd_index,
    "search": cmd_search,
    "entities": cmd_entities,
    "entity": cmd_entity,
    "check": cmd_check,
    "export": cmd_export,
    "star": cmd_star,
    "unstar": cmd_unstar,
    "tag": cmd_tag,
    "untag": cmd_untag,
    "note": cmd_note,
    "saved": cmd_saved,
}
