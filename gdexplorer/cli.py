"""The ``gdexplorer`` command: bare, it opens the window; subcommands work on the same core.

Every subcommand takes ``--corpus DIR`` (default: the bundled seeds) and builds the index on first
use, so ``gdexplorer search hydrogen`` works on a fresh install. The read-only commands (search,
entity, entities, export) trust the index while cheap signals (folder, manifest and annotation file
stats) say nothing changed, and update it first otherwise; ``--update`` checks every article.

This module holds the arguments (``build_parser``) and ``main``, which parses them and runs the
command; what each command does is in ``gdexplorer.cli_commands``, and the text and JSON it prints
in ``gdexplorer.cli_output``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from gdexplorer import __version__
from gdexplorer.cli_commands import COMMANDS, Exit
from gdexplorer.cli_output import result_json as result_json  # re-exported: scripts import it from here
from gdexplorer.errors import GdxError
from gdexplorer.model import EntityKind

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
