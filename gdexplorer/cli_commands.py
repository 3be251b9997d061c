"""What each ``gdexplorer`` subcommand does, given its parsed arguments (``gdexplorer.cli`` parses them).

A command opens an ``Explorer`` (bringing its index up to date as the command needs), calls it, and
prints; it returns an ``Exit`` code, and a ``GdxError`` it raises is printed by ``cli.main`` in one line.
"""

from __future__ import annotations

import argparse
import enum
import json
import logging
import sys
import threading
from typing import BinaryIO

from gdexplorer.cli_output import (
    entity_json,
    print_facets,
    print_result,
    result_json,
    style,
    suggestion_json,
)
from gdexplorer.errors import GdxError, IndexBusyError, SearchIndexError
from gdexplorer.model import Entity, EntityKind, IndexStats, Progress

log = logging.getLogger(__name__)


class Exit(enum.IntEnum):
    OK = 0
    FAILED = 1  # a domain error, or `check` found errors
    USAGE = 2


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
        print_result(result, sys.stdout)
        if result.facets is not None:
            print_facets(result, explorer, sys.stdout)
    return Exit.OK


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
    print(f"{style(entity.name, '1', bold)}  [{entity.kind.value}]  id: {entity.id}", file=out)
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
            print_result(run.result, sys.stdout)
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
