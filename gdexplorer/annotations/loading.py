"""Curated annotations: YAML files of entities, facts and relations, checked like a linter would.

This finds the annotation files under a folder, reads each (``annotations.parsing``, composed by
``annotations.safeyaml``), and checks them together: duplicate ids, relations to unknown ids, and
every fact's quote in its article (``annotations.quotes``).

Every problem is collected; one bad file, entity or fact never stops the rest from loading.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# "x as x": re-exported, for the tests and scripts that import these from here as before the split.
from gdexplorer.annotations.parsing import ParsedFile, RawEntity, not_text, parse_file
from gdexplorer.annotations.parsing import parse_bytes as parse_bytes
from gdexplorer.annotations.quotes import Normalized as Normalized
from gdexplorer.annotations.quotes import QuoteFinder
from gdexplorer.annotations.safeyaml import MAX_ALIASED_VALUES as MAX_ALIASED_VALUES
from gdexplorer.annotations.safeyaml import fast_composable as fast_composable
from gdexplorer.corpus.reading import Corpus
from gdexplorer.corpus.scanning import shown_path
from gdexplorer.errors import CorpusError, Problem, Severity
from gdexplorer.model import Entity, Fact, Relation, SourceSpan

MAX_FOLDER_DEPTH = 32  # folders under annotations/: a few levels in practice

# Stars, tags, notes and saved searches (``annotations.workbench``): in the folder, not an entity file.
WORKBENCH_FILE = "workbench.yaml"


@dataclass(slots=True)
class AnnotationSet:
    """Everything loaded from an annotations folder, and what was wrong with it."""

    entities: dict[str, Entity] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: tuple[str, ...] = ()
    sources: dict[str, Path] = field(default_factory=dict)  # each of ``files`` (as shown) -> the file read
    # Each file as parsed, by display name: the next load reuses what it has for the same bytes.
    parsed: dict[str, ParsedFile] = field(default_factory=dict)

    @property
    def facts_count(self) -> int:
        return sum(len(e.facts) for e in self.entities.values())

    @property
    def relations_count(self) -> int:
        return sum(len(e.relations) for e in self.entities.values())


# Names the user rejected as suggested entities (annotations/suggested.py): kept with the
# annotations so that a team shares them, but not an annotation file.
REJECTED_FILE = "rejected-suggestions.yaml"


def annotation_files(folder: Path) -> list[Path]:
    """Every ``*.yaml`` and ``*.yml`` file under ``folder``, sorted (see ``find_annotation_files``)."""
    return find_annotation_files(folder, folder.parent)[0]


def find_annotation_files(folder: Path, base: Path) -> tuple[list[Path], list[Problem]]:
    """Every annotation file under ``folder``, sorted, and the problems met on the way (shown
    relative to ``base``): folders too deep or unreadable, names that are not valid UTF-8.

    One loop with a stack, not ``rglob`` (recursive: a RecursionError past ~1,000 nested folders,
    in every command). Symlinked folders are not followed (no loops).
    """
    files: list[Path] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return files, problems
    stack = [(str(folder), 0)]
    while stack:
        current, depth = stack.pop()
        try:
            with os.scandir(current) as scanned:
                entries = list(scanned)
        except OSError as e:
            problems.append(Problem(_shown(Path(current), base), 0, 0, f"cannot read this folder: {e.strerror or e}"))
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_yaml = not is_dir and entry.name.lower().endswith((".yaml", ".yml")) and entry.is_file()
                is_yaml = is_yaml and not (depth == 0 and entry.name == REJECTED_FILE)
            except OSError:
                continue
            if not (is_dir or is_yaml):
                continue
            if not_text(entry.name) is not None:
                problems.append(Problem(_shown(Path(entry.path), base), 0, 0,
                                        "the name is not valid UTF-8: skipped (rename it to read it)"))
            elif is_yaml:
                # The workbench's file lives beside the entities but is not one of them.
                if not (depth == 0 and entry.name == WORKBENCH_FILE):
                    files.append(Path(entry.path))
            elif depth + 1 > MAX_FOLDER_DEPTH:
                problems.append(Problem(_shown(Path(entry.path), base), 0, 0,
                                        f"folders nested more than {MAX_FOLDER_DEPTH} deep are not read"))
            else:
                stack.append((entry.path, depth + 1))
    return sorted(files), problems


def _shown(path: Path, base: Path) -> str:
    return shown_path(_display(path, base))


def load_annotations(folder: Path, articles: Corpus, display_base: Path | None = None,
                     known: Mapping[str, ParsedFile] | None = None) -> AnnotationSet:
    """Load and cross-check every ``*.yaml`` under ``folder``; quotes are checked in ``articles``.

    A file whose bytes are those ``known`` has under its display name (an earlier load's
    ``parsed``) is not parsed again: after a save, only the saved file is. The checks across
    files (ids, relations, quotes, names) are all made again.
    """
    base = display_base or folder.parent
    result = AnnotationSet()
    raws: list[RawEntity] = []
    files = []
    found, walk_problems = find_annotation_files(folder, base)
    result.problems.extend(walk_problems)
    for path in found:
        display = _display(path, base)
        files.append(display)
        result.sources[display] = path
        parsed = parse_file(path, display, known.get(display) if known is not None else None)
        result.parsed[display] = parsed
        raws.extend(parsed.raws)
        result.problems.extend(parsed.problems)
    result.files = tuple(files)

    def read_text(article_id: str) -> str | None:
        try:
            return articles.read_text(article_id)
        except CorpusError:
            return None

    finder = QuoteFinder(read_text)
    first: dict[str, SourceSpan] = {}
    kept: list[Entity] = []
    for raw in raws:
        entity = raw.entity
        if entity.id in first:
            where = first[entity.id]
            result.problems.append(
                Problem(raw.id_mark.path, raw.id_mark.line, raw.id_mark.column,
                        f"duplicate id '{entity.id}' (first defined at {where.path}:{where.line})")
            )
            continue
        first[entity.id] = raw.id_mark
        kept.append(entity)
    ids = set(first)
    for entity in kept:
        if not entity.facts and not entity.relations:
            result.entities[entity.id] = entity  # most of a big set: nothing to locate
            continue
        facts = tuple(_sourced(f, finder, result.problems) for f in entity.facts)
        relations = []
        for rel in entity.relations:
            if rel.object not in ids:
                result.problems.append(_problem(rel.where, f"relation '{rel.predicate}' points to unknown id "
                                                           f"'{rel.object}'"))
                continue
            relations.append(_sourced(rel, finder, result.problems))
        result.entities[entity.id] = _replace(entity, facts=tuple(f for f in facts if f is not None),
                                              relations=tuple(r for r in relations if r is not None))
    _check_names(result)
    result.problems.sort(key=lambda p: (p.path, p.line, p.column))
    return result


def _sourced(item: Fact | Relation, finder: QuoteFinder, problems: list[Problem]) -> Fact | Relation | None:
    if not finder.exists(item.article):
        problems.append(_problem(item.where, f"article '{item.article}' does not exist in the corpus"))
        return None
    span = finder.find(item.article, item.quote)
    if span is None:
        short = item.quote if len(item.quote) <= 60 else item.quote[:57] + "..."
        problems.append(_problem(item.where, f"quote not found in {item.article}: \"{short}\""))
        return None
    if isinstance(item, Fact):
        return Fact(item.text, item.article, item.quote, item.where, span)
    return Relation(item.subject, item.predicate, item.object, item.article, item.quote, item.where, span)


def _check_names(result: AnnotationSet) -> None:
    owner: dict[str, str] = {}
    for entity in result.entities.values():
        for name in entity.names:
            other = owner.setdefault(name, entity.id)
            if other != entity.id and entity.where is not None:
                result.problems.append(
                    Problem(entity.where.path, entity.where.line, entity.where.column,
                            f"name '{name}' is used by '{other}' and '{entity.id}'; mentions go to '{other}'",
                            Severity.WARNING)
                )


def _replace(entity: Entity, **changes: object) -> Entity:
    from dataclasses import replace

    return replace(entity, **changes)  # type: ignore[arg-type]


def _problem(where: SourceSpan, message: str) -> Problem:
    return Problem(where.path, where.line, where.column, message)


def _display(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def iter_problems(sets: Iterable[AnnotationSet]) -> Iterable[Problem]:
    for s in sets:
        yield from s.problems
