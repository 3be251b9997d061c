"""Curated annotations: YAML files of entities, facts and relations, checked like a linter would.

Files are read with a ``yaml.SafeLoader`` subclass and only *composed* (parsed to nodes, never
constructed into Python objects), so every value keeps its line and column, a ``!!python/...``
tag is just an unknown tag to refuse, duplicate keys are seen (PyYAML's constructor silently keeps
the last), and an alias "billion laughs" bomb is refused before it is expanded.

Every problem is collected; one bad file, entity or fact never stops the rest from loading.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gdexplorer.corpus.reading import Corpus, decode, shown_path
from gdexplorer.errors import CorpusError, Problem, Severity
from gdexplorer.model import Entity, EntityKind, Fact, Relation, SourceSpan

log = logging.getLogger(__name__)

MAX_ANNOTATION_BYTES = 8 * 1024 * 1024
MAX_ALIASES = 64  # YAML aliases (*name) in one file; real annotation files use a handful at most
MAX_NODES = 200_000  # nodes visited after alias expansion
MAX_DEPTH = 50  # an annotation file needs 5 levels; PyYAML recurses per level
MAX_FOLDER_DEPTH = 32  # folders under annotations/: a few levels in practice

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
}
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_ID = re.compile(r"^[^\sA-Z,:\"'#]+$")
_WS = re.compile(r"\s+")

ENTITY_KEYS = ("id", "type", "name", "aliases", "title", "description", "facts", "relations")
FACT_KEYS = ("text", "article", "quote")
RELATION_KEYS = ("predicate", "object", "article", "quote")


def valid_id(text: str) -> bool:
    """An entity id as the loader accepts it: lowercase, no blanks, commas, colons, quotes or '#'."""
    return bool(_ID.match(text))


class _Refused(Exception):
    """Raised inside the loader to stop at once; carries the node mark."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class AnnotationLoader(yaml.SafeLoader):
    """SafeLoader that composes nodes only and refuses alias bombs early."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep: refused", self.peek_event().start_mark)
            return self._compose_node(parent, index)
        finally:
            self.depth -= 1

    def _compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()
                raise _Refused(
                    f"more than {MAX_ALIASES} YAML aliases: refused (this looks like an alias expansion bomb)",
                    event.start_mark,
                )
        # types-PyYAML says the index is an int, but a mapping's values are composed with their key node.
        return super().compose_node(parent, index)  # type: ignore[arg-type]


@dataclass(slots=True)
class AnnotationSet:
    """Everything loaded from an annotations folder, and what was wrong with it."""

    entities: dict[str, Entity] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: tuple[str, ...] = ()
    sources: dict[str, Path] = field(default_factory=dict)  # each of ``files`` (as shown) -> the file read

    @property
    def facts_count(self) -> int:
        return sum(len(e.facts) for e in self.entities.values())

    @property
    def relations_count(self) -> int:
        return sum(len(e.relations) for e in self.entities.values())


# -- reading one file -------------------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    """An entity as written, before cross-file checks."""

    entity: Entity
    id_mark: SourceSpan


class _FileReader:
    """Turns one composed YAML document into entities, collecting problems with their marks."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []
        self.visited = 0

    def span(self, node: yaml.Node) -> SourceSpan:
        return SourceSpan(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: yaml.Node | None, message: str, severity: Severity = Severity.ERROR) -> None:
        if node is None:
            self.problems.append(Problem(self.display, 0, 0, message, severity))
        else:
            mark = node.start_mark
            self.problems.append(Problem(self.display, mark.line + 1, mark.column + 1, message, severity))

    def visit(self, node: yaml.Node) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise _Refused(f"expands to more than {MAX_NODES:,} values: refused", node.start_mark)

    def check_tag(self, node: yaml.Node) -> bool:
        if node.tag in _SCALAR_TAGS or node.tag in (_NULL, _SEQ, _MAP):
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.error(node, f"tag {tag} is not allowed: annotations are plain text, lists and mappings")
        return False

    def mapping(self, node: yaml.Node, what: str, known: tuple[str, ...]) -> dict[str, yaml.Node] | None:
        self.visit(node)
        if not self.check_tag(node):
            return None
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values, not {_kind(node)}")
            return None
        out: dict[str, yaml.Node] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            self.visit(key_node)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.error(key_node, f"keys of {what} must be plain words")
                continue
            key = str(key_node.value)
            why = not_text(key)
            if why is not None:
                self.error(key_node, f"a key of {what} {why}")
                continue
            if key in first:
                line = first[key].start_mark.line + 1
                self.error(key_node, f"duplicate key '{key}' in {what} (first at line {line}); only one is allowed")
                continue
            first[key] = key_node
            if key not in known:
                self.error(key_node, f"unknown key '{key}' in {what}; expected one of: {', '.join(known)}")
                continue
            out[key] = value_node
        return out

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        self.visit(node)
        if not self.check_tag(node):
            return []
        if node.tag == _NULL:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list, not {_kind(node)}")
            return []
        return list(node.value)

    def text(self, fields: dict[str, yaml.Node], key: str, what: str, parent: yaml.Node,
             required: bool = True) -> str | None:
        node = fields.get(key)
        if node is not None and not self.check_tag(node):
            return None
        if node is None or node.tag == _NULL or (isinstance(node, yaml.ScalarNode) and not str(node.value).strip()):
            if required:
                self.error(node or parent, f"{what} is missing '{key}'")
            return None
        self.visit(node)
        if not self.check_tag(node):
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"'{key}' of {what} must be text, not {_kind(node)}")
            return None
        value = str(node.value).strip()
        why = not_text(value)
        if why is not None:
            self.error(node, f"'{key}' of {what} {why}")
            return None
        return value

    def read(self, root: yaml.Node | None) -> list[_Raw]:
        if root is None:
            self.error(None, "the file has no entities (it is empty or only comments)", Severity.WARNING)
            return []
        top = self.mapping(root, "the file", ("entities",))
        if top is None:
            return []
        if "entities" not in top:
            self.error(root, "the file needs an 'entities:' list")
            return []
        raws = []
        for node in self.sequence(top["entities"], "'entities'"):
            raw = self.entity(node)
            if raw is not None:
                raws.append(raw)
        return raws

    def entity(self, node: yaml.Node) -> _Raw | None:
        fields = self.mapping(node, "an entity", ENTITY_KEYS)
        if fields is None:
            return None
        entity_id = self.text(fields, "id", "an entity", node)
        name = self.text(fields, "name", "an entity", node)
        kind_text = self.text(fields, "type", "an entity", node)
        kind = None
        if kind_text is not None:
            try:
                kind = EntityKind(kind_text.lower())
            except ValueError:
                choices = ", ".join(k.value for k in EntityKind)
                self.error(fields["type"], f"unknown entity type '{kind_text}'; expected one of: {choices}")
        if entity_id is not None and not _ID.match(entity_id):
            self.error(fields["id"], f"id '{entity_id}' must be lowercase, without spaces, commas, colons or quotes")
            entity_id = None
        aliases = []
        for alias_node in self.sequence(fields.get("aliases", _null()), "'aliases'"):
            self.visit(alias_node)
            if isinstance(alias_node, yaml.ScalarNode) and self.check_tag(alias_node) and alias_node.tag != _NULL:
                why = not_text(str(alias_node.value))
                if why is not None:
                    self.error(alias_node, f"an alias {why}")
                    continue
                aliases.append(str(alias_node.value).strip())
            elif not isinstance(alias_node, yaml.ScalarNode):
                self.error(alias_node, f"each alias must be text, not {_kind(alias_node)}")
        what = f"entity '{entity_id or name or '?'}'"
        title = self.text(fields, "title", what, node, required=False)
        description = self.text(fields, "description", what, node, required=False)
        facts = []
        for fact_node in self.sequence(fields.get("facts", _null()), "'facts'"):
            fact_fields = self.mapping(fact_node, f"a fact of {what}", FACT_KEYS)
            if fact_fields is None:
                continue
            values = [self.text(fact_fields, key, f"a fact of {what}", fact_node) for key in FACT_KEYS]
            if all(v is not None for v in values):
                text, article, quote = values
                facts.append(Fact(text, _article_id(article), quote, self.span(fact_node)))  # type: ignore[arg-type]
        relations = []
        for rel_node in self.sequence(fields.get("relations", _null()), "'relations'"):
            rel_fields = self.mapping(rel_node, f"a relation of {what}", RELATION_KEYS)
            if rel_fields is None:
                continue
            values = [self.text(rel_fields, key, f"a relation of {what}", rel_node) for key in RELATION_KEYS]
            if all(v is not None for v in values) and entity_id is not None:
                predicate, obj, article, quote = values
                relations.append(
                    Relation(entity_id, predicate, obj, _article_id(article), quote,  # type: ignore[arg-type]
                             self.span(rel_fields["object"]))
                )
        if entity_id is None or name is None or kind is None:
            return None
        entity = Entity(
            id=entity_id, kind=kind, name=name, aliases=tuple(dict.fromkeys(a for a in aliases if a)),
            title=title, description=description, facts=tuple(facts), relations=tuple(relations),
            where=self.span(node),
        )
        return _Raw(entity, self.span(fields["id"]))


def not_text(value: str) -> str | None:
    """Why a YAML string cannot be used as text (None when it can).

    Double-quoted escapes reach what the reader refuses in raw bytes: "\\0" is no path (open()
    raises ValueError on it) and "\\uD800" is half a UTF-16 pair that no UTF-8 output, JSON
    file or index can take, so every command that printed the value failed.
    """
    if "\0" in value:
        return "contains a NUL character (\\0)"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            return (f"contains \\u{ord(value[e.start]):04X}, half of a UTF-16 surrogate pair, which is not a "
                    "character")
    return None


def _null() -> yaml.Node:
    return yaml.ScalarNode(_NULL, "")


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "text"


def _article_id(text: str) -> str:
    return text.replace("\\", "/").removeprefix("./")


def read_file(path: Path, display: str) -> tuple[list[_Raw], list[Problem]]:
    """Parse one annotation file; never raises for bad content."""
    try:
        size = path.stat().st_size
        if size > MAX_ANNOTATION_BYTES:
            message = (f"the file is {size / 2**20:.1f} MB, over the {MAX_ANNOTATION_BYTES >> 20} MB limit "
                       "for an annotation file: split it into several files")
            return [], [Problem(display, 0, 0, message)]
        data = path.read_bytes()
    except OSError as e:
        return [], [Problem(display, 0, 0, f"cannot read: {e.strerror or e}")]
    text, bad = decode(data)
    if bad is not None:
        return [], [Problem(display, bad[0], bad[1], "not valid UTF-8 (annotation files must be UTF-8)")]
    reader = _FileReader(display)
    loader: AnnotationLoader | None = None
    try:
        loader = AnnotationLoader(text)
        root = loader.get_single_node()
        raws = reader.read(root)
    except _Refused as e:
        line, col = (e.mark.line + 1, e.mark.column + 1) if e.mark else (0, 0)
        return [], [*reader.problems, Problem(display, line, col, e.message)]
    except yaml.MarkedYAMLError as e:
        mark, message = _yaml_message(e)
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return [], [Problem(display, line, col, message)]
    except yaml.reader.ReaderError as e:
        line, col = _line_col(text, e.position)
        return [], [Problem(display, line, col, f"a control character (#x{e.character:04x}) is not allowed in YAML"
                            if isinstance(e.character, int) else f"invalid YAML: {e.reason}")]
    except yaml.YAMLError as e:
        return [], [Problem(display, 0, 0, f"invalid YAML: {e}")]
    except RecursionError:
        return [], [Problem(display, 0, 0, "nested too deeply to be an annotation file: refused")]
    finally:
        if loader is not None:
            loader.dispose()
    return raws, reader.problems


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _yaml_message(e: yaml.MarkedYAMLError) -> tuple[yaml.Mark | None, str]:
    """PyYAML's message, said the way a person editing the file thinks of it, and where."""
    problem = (e.problem or "").strip()
    context = (e.context or "").strip()
    if "'\\t'" in problem:
        return e.problem_mark, "a tab character: YAML indents with spaces only"
    if "quoted scalar" in context and "end of stream" in problem:
        return e.context_mark, "unclosed quote: the text that starts here never ends"
    if "expected <block end>" in problem:
        return e.problem_mark, "bad indentation: this line does not line up with the lines above it"
    parts = [p for p in (context, problem) if p]
    return e.problem_mark or e.context_mark, "invalid YAML: " + ("; ".join(parts) if parts else "cannot parse")


# -- the whole set ----------------------------------------------------------------------------


class QuoteFinder:
    """Finds a quote in an article's text, whitespace- and NFC-normalized, and maps it back to offsets.

    NFC: "Café" typed with a composed é and the same word stored as "e" and a combining accent are
    the same text to a reader, and must be to the check.
    """

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self._read = read
        self._cache: dict[str, tuple[str, list[int], list[int]] | None] = {}

    def _normalized(self, article_id: str) -> tuple[str, list[int], list[int]] | None:
        if article_id not in self._cache:
            text = self._read(article_id)
            if text is None:
                self._cache[article_id] = None
            else:
                self._cache[article_id] = normalize_with_spans(text)
        return self._cache[article_id]

    def exists(self, article_id: str) -> bool:
        return self._normalized(article_id) is not None

    def find(self, article_id: str, quote: str) -> tuple[int, int] | None:
        """Where ``quote`` stands in the article as (start, end) offsets into its text as read."""
        found = self._normalized(article_id)
        if found is None:
            return None
        norm, starts, ends = found
        needle = unicodedata.normalize("NFC", _WS.sub(" ", quote).strip())
        if not needle:
            return None
        at = norm.find(needle)
        if at < 0:
            return None
        return starts[at], ends[at + len(needle) - 1]


def normalize_with_spans(text: str) -> tuple[str, list[int], list[int]]:
    """NFC, and whitespace runs collapsed to one space; char i came from ``text[starts[i]:ends[i]]``.

    A character NFC composes from several (e, U+0301) spans all of them, so a quote found in the
    normalized text maps back to whole characters of the text as read.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    in_space = False
    for start, end, chars in _nfc_clusters(text):
        for ch in chars:
            if ch.isspace():
                if in_space:
                    ends[-1] = end
                    continue
                ch = " "
            in_space = ch == " "
            out.append(ch)
            starts.append(start)
            ends.append(end)
    return "".join(out), starts, ends


def _nfc_clusters(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, NFC of text[start:end]) over runs that normalize independently of each other."""
    if unicodedata.is_normalized("NFC", text):  # nearly every article: one character each
        for i, ch in enumerate(text):
            yield i, i + 1, ch
        return
    nfc = unicodedata.normalize
    start = 0
    for i in range(1, len(text) + 1):
        if i < len(text):
            ch = text[i]
            # A new run starts at a character that neither combines (accents: class > 0) nor
            # composes with the one before it (Hangul jamo, some Indic vowel signs are class 0).
            pair = text[i - 1 : i + 1]
            if unicodedata.combining(ch) or nfc("NFC", pair) != nfc("NFC", text[i - 1]) + nfc("NFC", ch):
                continue
        yield start, i, nfc("NFC", text[start:i])
        start = i


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
            except OSError:
                continue
            if not (is_dir or is_yaml):
                continue
            if not_text(entry.name) is not None:
                problems.append(Problem(_shown(Path(entry.path), base), 0, 0,
                                        "the name is not valid UTF-8: skipped (rename it to read it)"))
            elif is_yaml:
                files.append(Path(entry.path))
            elif depth + 1 > MAX_FOLDER_DEPTH:
                problems.append(Problem(_shown(Path(entry.path), base), 0, 0,
                                        f"folders nested more than {MAX_FOLDER_DEPTH} deep are not read"))
            else:
                stack.append((entry.path, depth + 1))
    return sorted(files), problems


def _shown(path: Path, base: Path) -> str:
    return shown_path(_display(path, base))


def load_annotations(folder: Path, articles: Corpus, display_base: Path | None = None) -> AnnotationSet:
    """Load and cross-check every ``*.yaml`` under ``folder``; quotes are checked in ``articles``."""
    base = display_base or folder.parent
    result = AnnotationSet()
    raws: list[_Raw] = []
    files = []
    found, walk_problems = find_annotation_files(folder, base)
    result.problems.extend(walk_problems)
    for path in found:
        display = _display(path, base)
        files.append(display)
        result.sources[display] = path
        file_raws, problems = read_file(path, display)
        raws.extend(file_raws)
        result.problems.extend(problems)
    result.files = tuple(files)

    def read_text(article_id: str) -> str | None:
        try:
            return articles.read(article_id).text
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
