"""Curated annotations: YAML files of entities, facts and relations, checked like a linter would.

Files are read with a ``yaml.SafeLoader`` subclass and only *composed* (parsed to nodes, never
constructed into Python objects), so every value keeps its line and column, a ``!!python/...``
tag is just an unknown tag to refuse, duplicate keys are seen (PyYAML's constructor silently keeps
the last), and an alias "billion laughs" bomb is refused before it is expanded: what the aliases
stand for is counted as they are met, so a file without aliases is never one, however big.

A file that cannot hold an alias (no '&' where an anchor could start) and has no character PyYAML
refuses is composed by libyaml (``yaml.CSafeLoader``, same resolver and marks) when it is there,
about 20 times faster: 100,000 entities load in seconds. Anything libyaml finds wrong is read
again by the Python loader, so every message is the one it gives.

Every problem is collected; one bad file, entity or fact never stops the rest from loading.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from gdexplorer.corpus.reading import Corpus, decode, shown_path
from gdexplorer.errors import CorpusError, Problem, Severity
from gdexplorer.model import Entity, EntityKind, Fact, Relation, SourceSpan

log = logging.getLogger(__name__)

MAX_ANNOTATION_BYTES = 8 * 1024 * 1024
MAX_ALIASES = 64  # YAML aliases (*name) in one file; real annotation files use a handful at most
MAX_ALIASED_VALUES = 10_000  # values the aliases of one file stand for, all told: a handful of shared lists
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


# Stars, tags, notes and saved searches (``annotations.workbench``): in the folder, not an entity file.
WORKBENCH_FILE = "workbench.yaml"


def valid_id(text: str) -> bool:
    """An entity id as the loader accepts it: lowercase, no blanks, commas, colons, quotes or '#'."""
    return bool(_ID.match(text))


class Mark(Protocol):
    """Where a node starts, 0-based: PyYAML's ``yaml.Mark`` or libyaml's, which has the same fields."""

    line: int
    column: int


class Refused(Exception):
    """Raised inside the loader to stop at once; carries the node mark."""

    def __init__(self, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class AnnotationLoader(yaml.SafeLoader):
    """SafeLoader that composes nodes only and refuses alias bombs early.

    Each node's size is what it stands for once its aliases are expanded (1 per value, plus the
    size of each alias's target), known when it is composed: an alias adds its target's size to
    the file's count. Composing does not expand (an alias is the same node again), so the count
    is checked once the document is composed, before it is read.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0
        self.depth = 0
        self.values = 0  # values composed so far, aliases counted as what they stand for
        self.aliased = 0  # of which added by aliases
        self._sizes: dict[int, int] = {}  # id() of a finished anchored node -> its size
        self.bomb_mark: Mark | None = None  # the alias that took ``aliased`` over the limit

    def get_single_node(self) -> yaml.Node | None:
        root = super().get_single_node()
        if self.bomb_mark is not None:
            # Composing shares an alias's node; it is reading the file that would expand each one.
            raise Refused(f"aliases standing for more than {MAX_ALIASED_VALUES:,} values: refused (this looks "
                           "like an alias expansion bomb)", self.bomb_mark)
        return root

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise Refused(f"nested more than {MAX_DEPTH} levels deep: refused", self.peek_event().start_mark)
            return self._compose_node(parent, index)
        finally:
            self.depth -= 1

    def _compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise Refused(
                    f"more than {MAX_ALIASES} YAML aliases: refused (this looks like an alias expansion bomb)",
                    event.start_mark,
                )
            node = super().compose_node(parent, index)  # type: ignore[arg-type]
            size = self._sizes.get(id(node))
            if size is None:
                # The anchored node is still being composed: the alias is inside what it names.
                raise Refused("an alias inside the value it names (a loop): refused", event.start_mark)
            self.values += size
            self.aliased += size
            if self.aliased > MAX_ALIASED_VALUES and self.bomb_mark is None:
                self.bomb_mark = event.start_mark  # refused once composed: nothing is expanded before
            return node
        before = self.values
        # types-PyYAML says the index is an int, but a mapping's values are composed with their key node.
        node = super().compose_node(parent, index)  # type: ignore[arg-type]
        self.values += 1
        if getattr(event, "anchor", None) is not None:
            self._sizes[id(node)] = self.values - before
        return node


if yaml.__with_libyaml__:
    _FastLoader: type[yaml.CSafeLoader] | None = yaml.CSafeLoader
else:  # pragma: no cover - PyYAML built without libyaml: the Python loader does it all
    _FastLoader = None

_NOT_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _may_hold_anchor(text: str) -> bool:
    """Whether an anchor (&name) could start somewhere: an '&' not inside a word (R&D, AT&T) and
    not followed by a blank. Found with ``str.find``: a look-behind regex took 0.2 s on 7 MB."""
    at = text.find("&")
    while at >= 0:
        after = text[at + 1 : at + 2]
        before = text[at - 1] if at else " "
        if after and not after.isspace() and not (before.isalnum() or before == "_"):
            return True
        at = text.find("&", at + 1)
    return False


def fast_composable(text: str) -> bool:
    """Whether libyaml may compose ``text``: it can hold no alias and no character PyYAML refuses.

    libyaml composes aliases as shared nodes without our count, and allows a few characters
    PyYAML does not: such files take the Python loader, which has the guards and the messages.
    """
    return _FastLoader is not None and not _may_hold_anchor(text) and not _NOT_PRINTABLE.search(text)


def compose(text: str, fast: bool = True) -> tuple[yaml.Node | None, bool]:
    """The document's root node and whether libyaml composed it; raises ``Refused`` or ``yaml.YAMLError``.

    libyaml's errors are not raised: the Python loader reads the file again and says what is
    wrong in its words (and stops where it does). ``fast=False`` uses only the Python loader.
    """
    with _collector_paused():
        if fast and _FastLoader is not None and fast_composable(text):
            c_loader = _FastLoader(text)
            try:
                return c_loader.get_single_node(), True
            except yaml.YAMLError:
                pass
            finally:
                c_loader.dispose()
        loader = AnnotationLoader(text)
        try:
            return loader.get_single_node(), False
        finally:
            loader.dispose()


def _too_deep(root: yaml.Node | None) -> yaml.Node | None:
    """The first node (in document order) nested deeper than ``MAX_DEPTH``, where the Python loader stops."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            continue
        stack.extend((child, depth + 1) for child in reversed(children))
    return None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's nodes and entities are built.

    They all stay alive until the file is read, so each full collection walks all of them again:
    with it running, composing 100,000 entities took four times as long. Nothing made here is
    garbage in a cycle, so nothing is left for later either.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


# -- reading one file -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Raw:
    """An entity as written, before cross-file checks."""

    entity: Entity
    id_mark: SourceSpan


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One file's entities and problems, and the digest of the bytes they were read from."""

    digest: bytes
    raws: tuple[_Raw, ...]
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


def read_file(path: Path, display: str, fast: bool = True) -> tuple[list[_Raw], list[Problem]]:
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


def parse_bytes(data: bytes, display: str, fast: bool = True) -> tuple[list[_Raw], list[Problem]]:
    """Parse an annotation file's bytes, shown as ``display``; never raises for bad content."""
    if len(data) > MAX_ANNOTATION_BYTES:
        return [], [_too_big(display, len(data))]
    text, bad = decode(data)
    if bad is not None:
        return [], [Problem(display, bad[0], bad[1], "not valid UTF-8 (annotation files must be UTF-8)")]
    reader = _FileReader(display)
    try:
        with _collector_paused():
            root, by_libyaml = compose(text, fast)
            raws = reader.read(root)
            if by_libyaml and reader.problems:
                # A file the reader finds nothing wrong with is at most six levels deep; one it does
                # may hide a deeper value, which the Python loader would have refused whole.
                deep = _too_deep(root)
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


def yaml_message(e: yaml.MarkedYAMLError) -> tuple[yaml.Mark | None, str]:
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
        self._cache: dict[str, Normalized | None] = {}

    def _normalized(self, article_id: str) -> Normalized | None:
        if article_id not in self._cache:
            text = self._read(article_id)
            self._cache[article_id] = None if text is None else Normalized(text)
        return self._cache[article_id]

    def exists(self, article_id: str) -> bool:
        return self._normalized(article_id) is not None

    def find(self, article_id: str, quote: str) -> tuple[int, int] | None:
        """Where ``quote`` stands in the article as (start, end) offsets into its text as read."""
        found = self._normalized(article_id)
        if found is None:
            return None
        needle = unicodedata.normalize("NFC", _WS.sub(" ", quote).strip())
        if not needle:
            return None
        at = found.text.find(needle)
        if at < 0:
            return None
        return found.offset(at), found.end(at + len(needle) - 1)


class Normalized:
    """A text with each whitespace run collapsed to one space, and the way back to the original offsets.

    Only runs longer than one character move what follows, so only they are kept (where the
    text after each starts, and how far it moved): a few per article, where a list with an
    offset per character took 36 bytes a character for every article cited.

    A text that is not in NFC (rare: "Cafe" + a combining accent) is composed first, and then keeps
    each character's span of the original (see ``normalize_with_spans``).
    """

    __slots__ = ("_shifts", "_spans", "_starts", "text")

    def __init__(self, original: str) -> None:
        self._spans: tuple[list[int], list[int]] | None = None
        if not unicodedata.is_normalized("NFC", original):
            self.text, starts, ends = normalize_with_spans(original)
            self._spans = (starts, ends)
            return
        parts: list[str] = []
        self._starts: list[int] = []  # normalized index of the first character after a long run
        self._shifts: list[int] = []  # original index minus normalized index from there on
        at = 0
        removed = 0
        for m in _WS.finditer(original):
            start, end = m.span()
            parts.append(original[at:start])
            parts.append(" ")
            if end - start > 1:
                removed += end - start - 1
                self._starts.append(end - removed)
                self._shifts.append(removed)
            at = end
        parts.append(original[at:])
        self.text = "".join(parts)

    def offset(self, i: int) -> int:
        """Where character ``i`` of ``text`` came from (a collapsed run's space: the run's start)."""
        if self._spans is not None:
            return self._spans[0][i]
        k = bisect.bisect_right(self._starts, i) - 1
        return i + (self._shifts[k] if k >= 0 else 0)

    def end(self, i: int) -> int:
        """Where the original characters that character ``i`` of ``text`` came from end."""
        if self._spans is not None:
            return self._spans[1][i]
        return self.offset(i) + 1


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
    raws: list[_Raw] = []
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
