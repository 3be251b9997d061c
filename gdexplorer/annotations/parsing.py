"""One annotation file: its entities, facts and relations read from composed YAML, with every problem.

The YAML is composed by ``annotations.safeyaml``; this reads the nodes into ``Entity`` values with
their marks, collecting each problem (``path:line:col: message``) rather than stopping at the first.
Checks across files (duplicate ids, relations, quotes) are ``annotations.loading``'s.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from gdexplorer.annotations.safeyaml import MAX_DEPTH, Refused, collector_paused, compose, too_deep, yaml_message
from gdexplorer.corpus.scanning import decode
from gdexplorer.errors import Problem, Severity
from gdexplorer.model import Entity, EntityKind, Fact, Relation, SourceSpan

MAX_ANNOTATION_BYTES = 8 * 1024 * 1024

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

ENTITY_KEYS = ("id", "type", "name", "aliases", "title", "description", "facts", "relations")
FACT_KEYS = ("text", "article", "quote")
RELATION_KEYS = ("predicate", "object", "article", "quote")


def valid_id(text: str) -> bool:
    """An entity id as the loader accepts it: lowercase, no blanks, commas, colons, quotes or '#'."""
    return bool(_ID.match(text))


@dataclass(frozen=True, slots=True)
class RawEntity:
    """An entity as written, before cross-file checks."""

    entity: Entity
    id_mark: SourceSpan


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One file's entities and problems, and the digest of the bytes they were read from."""

    digest: bytes
    raws: tuple[RawEntity, ...]
    problems: tuple[Problem, ...]


class _FileReader:
    """Turns one composed YAML document into entities, collecting problems with their marks."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []

    def span(self, node: yaml.Node) -> SourceSpan:
        return SourceSpan(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: yaml.Node | None, message: str, severity: Severity = Severity.ERROR) -> None:
        if node is None:
            self.problems.append(Problem(self.display, 0, 0, message, severity))
        else:
            mark = node.start_mark
            self.problems.append(Problem(self.display, mark.line + 1, mark.column + 1, message, severity))

    def check_tag(self, node: yaml.Node) -> bool:
        if node.tag in _SCALAR_TAGS or node.tag in (_NULL, _SEQ, _MAP):
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.error(node, f"tag {tag} is not allowed: annotations are plain text, lists and mappings")
        return False

    def mapping(self, node: yaml.Node, what: str, known: tuple[str, ...]) -> dict[str, yaml.Node] | None:
        if not self.check_tag(node):
            return None
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values, not {_kind(node)}")
            return None
        out: dict[str, yaml.Node] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
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

    def read(self, root: yaml.Node | None) -> list[RawEntity]:
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

    def entity(self, node: yaml.Node) -> RawEntity | None:
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
        return RawEntity(entity, self.span(fields["id"]))


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


_NULL_NODE = yaml.ScalarNode(_NULL, "")  # a key that is not there; only read


def _null() -> yaml.Node:
    return _NULL_NODE


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "text"


def _article_id(text: str) -> str:
    return text.replace("\\", "/").removeprefix("./")


def read_file(path: Path, display: str, fast: bool = True) -> tuple[list[RawEntity], list[Problem]]:
    """Parse one annotation file; never raises for bad content."""
    parsed = parse_file(path, display, fast=fast)
    return list(parsed.raws), list(parsed.problems)


def parse_file(path: Path, display: str, known: ParsedFile | None = None, fast: bool = True) -> ParsedFile:
    """Parse one annotation file, or take ``known`` if it was parsed from the same bytes; never raises
    for bad content. ``fast=False`` composes with the Python loader only."""
    try:
        size = path.stat().st_size
        if size > MAX_ANNOTATION_BYTES:
            return ParsedFile(b"", (), (_too_big(display, size),))
        data = path.read_bytes()
    except OSError as e:
        return ParsedFile(b"", (), (Problem(display, 0, 0, f"cannot read: {e.strerror or e}"),))
    if known is not None and known.digest == hashlib.sha1(data).digest():
        return known
    return parse_data(data, display, fast)


def parse_data(data: bytes, display: str, fast: bool = True) -> ParsedFile:
    """``parse_bytes``, kept with the digest of ``data`` (to be reused for the same bytes)."""
    raws, problems = parse_bytes(data, display, fast)
    return ParsedFile(hashlib.sha1(data).digest(), tuple(raws), tuple(problems))


def parse_bytes(data: bytes, display: str, fast: bool = True) -> tuple[list[RawEntity], list[Problem]]:
    """Parse an annotation file's bytes, shown as ``display``; never raises for bad content."""
    if len(data) > MAX_ANNOTATION_BYTES:
        return [], [_too_big(display, len(data))]
    text, bad = decode(data)
    if bad is not None:
        return [], [Problem(display, bad[0], bad[1], "not valid UTF-8 (annotation files must be UTF-8)")]
    reader = _FileReader(display)
    try:
        with collector_paused():
            root, by_libyaml = compose(text, fast)
            raws = reader.read(root)
            if by_libyaml and reader.problems:
                # A file the reader finds nothing wrong with is at most six levels deep; one it does
                # may hide a deeper value, which the Python loader would have refused whole.
                deep = too_deep(root)
                if deep is not None:
                    raise Refused(f"nested more than {MAX_DEPTH} levels deep: refused", deep.start_mark)
            # Freed here, by reference counting: the collector, back on, would walk every node once more.
            del root
    except Refused as e:
        line, col = (e.mark.line + 1, e.mark.column + 1) if e.mark else (0, 0)
        return [], [Problem(display, line, col, e.message)]
    except yaml.MarkedYAMLError as e:
        mark, message = yaml_message(e)
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
    return raws, reader.problems


def _too_big(display: str, size: int) -> Problem:
    return Problem(display, 0, 0, f"the file is {size / 2**20:.1f} MB, over the {MAX_ANNOTATION_BYTES >> 20} MB "
                                  "limit for an annotation file: split it into several files")


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
