"""Curating from the app: add, edit and delete facts and relations, create entities, undo.

YAML stays the source of truth, written by people and reviewed in git, so a change here edits
the file's *text*, minimally: the new block is inserted after the last line of the list it joins,
or the lines of the edited item are replaced; comments, key order and formatting elsewhere are
left byte for byte. Every change is checked with the same loader ``gdexplorer check`` uses before
it is written, and written atomically (temporary file, fsync, rename), so an interrupted save
leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from gdexplorer.annotations.parsing import ParsedFile, parse_bytes, parse_data
from gdexplorer.annotations.quotes import QuoteFinder
from gdexplorer.annotations.safeyaml import Refused, compose
from gdexplorer.errors import AnnotationError, CorpusError
from gdexplorer.files import FolderBusy, atomic_write, folder_lock, real_path
from gdexplorer.model import Article, Change, Entity, EntityKind, Fact, NewEntity, NewFact, NewRelation, Relation

_NULL_TAG = "tag:yaml.org,2002:null"


class Curated(Protocol):
    """What a ``Curator`` edits: the explorer's annotations, seen from below (no import of the door)."""

    @property
    def annotations_dir(self) -> Path: ...

    def entities_by_id(self) -> Mapping[str, Entity]: ...

    def annotation_source(self, display: str) -> Path | None: ...

    def reload_annotations(self) -> object: ...

    def article(self, article_id: str) -> Article: ...


# How long a save waits for another process's save to the same folder (each takes well under a second).
LOCK_TIMEOUT = 30.0

_NOT_SAVED = "not saved (nothing was written); try again"


@dataclass(frozen=True, slots=True)
class _Read:
    """A file as read inside the lock: what a save edits, records for undo and re-checks before replacing."""

    path: Path  # the real file (links followed)
    data: bytes | None  # None: there is no file
    stamp: tuple[int, ...] | None

    @property
    def text(self) -> str:
        return (self.data or b"").decode("utf-8-sig")


class Curator:
    """Edits an explorer's annotation files and reloads them; keeps an undo stack.

    Every save holds the lock of the file's folder from reading the file to renaming the new one
    over it, so two curators (two windows, a window and a script) take turns and each edits what
    the other saved. An editor that does not take the lock is caught by comparing the file just
    before the rename with what was read: the save is refused rather than overwrite its change.
    """

    def __init__(self, target: Curated) -> None:
        self._target = target
        self.undo_stack: list[Change] = []
        # Files as the last saves wrote them, parsed, by their name among the loaded annotations:
        # what the reload after a save takes instead of parsing the file again (same bytes only).
        self.validated: dict[str, ParsedFile] = {}

    # -- the public operations ---------------------------------------------------------------

    def add_fact(self, entity_id: str, fact: NewFact) -> Change:
        self._check_quote(fact.article, fact.quote)
        item = {"text": fact.text.strip(), "article": fact.article, "quote": fact.quote}
        return self._edit_entity(entity_id, f"add a fact to {entity_id}",
                                 lambda text, display: _append_item(text, display, entity_id, "facts", item))

    def add_relation(self, subject_id: str, relation: NewRelation) -> Change:
        self._check_object(relation)
        self._check_quote(relation.article, relation.quote)
        return self._edit_entity(subject_id, f"add a relation to {subject_id}",
                                 lambda text, display: _append_item(text, display, subject_id, "relations",
                                                                    _relation_item(relation)))

    def create_entity(self, entity: NewEntity, facts: tuple[NewFact, ...] = (),
                      relations: tuple[NewRelation, ...] = ()) -> Change:
        if entity.id in self._target.entities_by_id():
            raise AnnotationError(entity.id, f"an entity with id '{entity.id}' exists already")
        for fact in facts:
            self._check_quote(fact.article, fact.quote)
        for rel in relations:
            self._check_object(rel)
            self._check_quote(rel.article, rel.quote)
        item: dict[str, object] = {"id": entity.id, "type": entity.kind.value, "name": entity.name.strip()}
        if entity.aliases:
            item["aliases"] = list(entity.aliases)
        if entity.description:
            item["description"] = entity.description.strip()
        if facts:
            item["facts"] = [{"text": f.text.strip(), "article": f.article, "quote": f.quote} for f in facts]
        if relations:
            item["relations"] = [_relation_item(r) for r in relations]
        path = self._target.annotations_dir / f"{entity.kind.plural.lower()}.yaml"
        return self._save(path, f"create entity {entity.id}", entity.id,
                          lambda text, display: _append_entity(text, display, entity.kind, item), may_create=True)

    def add_alias(self, entity_id: str, alias: str) -> Change:
        """Add ``alias`` to an entity's aliases (a suggested entity merged into it)."""
        alias = " ".join(alias.split())
        entity = self._target.entities_by_id().get(entity_id)
        if entity is not None and alias.casefold() in {n.casefold() for n in entity.names}:
            raise AnnotationError(entity_id, f"'{alias}' is already a name of '{entity_id}'")
        return self._edit_entity(entity_id, f"add alias {alias} to {entity_id}",
                                 lambda text, display: _append_alias(text, display, entity_id, alias))

    def edit_fact(self, entity_id: str, fact: Fact, new: NewFact) -> Change:
        """Replace ``fact`` (as loaded: found in the file by its content, not by its place in a list)."""
        self._check_quote(new.article, new.quote)
        item = {"text": new.text.strip(), "article": new.article, "quote": new.quote}
        return self._edit_entity(entity_id, f"edit a fact of {entity_id}",
                                 lambda text, display: _replace_item(text, display, entity_id, fact, item))

    def edit_relation(self, entity_id: str, relation: Relation, new: NewRelation) -> Change:
        self._check_object(new)
        self._check_quote(new.article, new.quote)
        return self._edit_entity(entity_id, f"edit a relation of {entity_id}",
                                 lambda text, display: _replace_item(text, display, entity_id, relation,
                                                                     _relation_item(new)))

    def delete_fact(self, entity_id: str, fact: Fact) -> Change:
        return self._edit_entity(entity_id, f"delete a fact of {entity_id}",
                                 lambda text, display: _replace_item(text, display, entity_id, fact, None))

    def delete_relation(self, entity_id: str, relation: Relation) -> Change:
        return self._edit_entity(entity_id, f"delete a relation of {entity_id}",
                                 lambda text, display: _replace_item(text, display, entity_id, relation, None))

    def rewrite(self, path: Path, summary: str, edit: Callable[[str, str], str],
                validate: Callable[[bytes], None]) -> Change:
        """Save an edit of another kind of file in the folder (the workbench) the way facts are saved:
        under the folder's lock, from the file as it is now, checked by ``validate`` (raises
        ``AnnotationError``), written atomically, recorded for ``undo``."""
        display = str(path)
        with self._locked(path):
            read = _read(path, may_be_missing=True)
            try:
                text = read.text
            except UnicodeDecodeError as e:
                raise AnnotationError(display, "the file is not valid UTF-8; " + _NOT_SAVED) from e
            after = edit(text, display).encode("utf-8")
            if read.data is not None and read.data.startswith(b"\xef\xbb\xbf"):
                after = b"\xef\xbb\xbf" + after
            validate(after)
            try:
                atomic_write(read.path, after, before_replace=lambda: _check_unchanged(read, display, _NOT_SAVED))
            except OSError as e:
                raise AnnotationError(display, f"cannot save: {e.strerror or e}; the file was left as it was") from e
        change = Change(path, read.data, after, summary)
        self.undo_stack.append(change)
        self._target.reload_annotations()
        return change

    def undo(self) -> Change | None:
        """Put back the file as it was before the last change, if nobody changed it since."""
        if not self.undo_stack:
            return None
        change = self.undo_stack[-1]
        with self._locked(change.path):
            current = _read(change.path, may_be_missing=True)
            if current.data != change.after:
                raise AnnotationError(str(change.path), "the file changed since this edit; not undone")
            try:
                if change.before is None:
                    _check_unchanged(current, str(change.path), "not undone")
                    current.path.unlink()
                else:
                    atomic_write(current.path, change.before,
                                 before_replace=lambda: _check_unchanged(current, str(change.path), "not undone"))
            except OSError as e:
                raise AnnotationError(str(change.path), f"cannot undo: {e.strerror or e}; "
                                                        "the file was left as it was") from e
        self.undo_stack.pop()
        self._target.reload_annotations()
        return change

    # -- saving --------------------------------------------------------------------------------

    def _edit_entity(self, entity_id: str, summary: str, edit: Callable[[str, str], str]) -> Change:
        entity = self._target.entities_by_id().get(entity_id)
        if entity is None or entity.where is None:
            raise AnnotationError(entity_id, f"no entity with id '{entity_id}'")
        # The file the entity was loaded from, wherever the annotations folder is.
        path = self._target.annotation_source(entity.where.path)
        if path is None:
            raise AnnotationError(entity.where.path, "this file is no longer among the annotations; reload first")
        return self._save(path, summary, entity_id, edit, shown=entity.where.path)

    def _save(self, path: Path, summary: str, expect_id: str, edit: Callable[[str, str], str],
              may_create: bool = False, shown: str | None = None) -> Change:
        """Read, edit, validate and replace ``path`` under its folder's lock; record what was replaced.

        ``shown`` is the file's name among the loaded annotations: the new file is parsed under
        it, so that the reload after the save takes that parse instead of parsing the file again.
        """
        display = str(path)
        if may_create and path.parent == self._target.annotations_dir and not path.parent.exists():
            # A folder of documents has no annotations folder until its first fact: made now, by
            # this explicit save (a folder deleted while open is still "gone": its parent is too).
            try:
                path.parent.mkdir()
            except FileNotFoundError:
                pass  # the corpus folder itself is gone: _locked says so
            except OSError as e:
                raise AnnotationError(display, f"cannot create the folder {path.parent}: {e.strerror or e}; "
                                               f"{_NOT_SAVED}") from e
        with self._locked(path):
            read = _read(path, may_be_missing=may_create)
            before = read.data
            try:
                text = read.text
            except UnicodeDecodeError as e:
                raise AnnotationError(display, "the file is not valid UTF-8; " + _NOT_SAVED) from e
            after = edit(text, display).encode("utf-8")
            if before is not None and before.startswith(b"\xef\xbb\xbf"):
                after = b"\xef\xbb\xbf" + after
            parsed = self._validate(display, shown or Path(display).name, before, after, expect_id)
            try:
                # Checked with the new file ready to rename: the last moment an editor's change can be seen.
                atomic_write(read.path, after, before_replace=lambda: _check_unchanged(read, display, _NOT_SAVED))
            except OSError as e:
                raise AnnotationError(display, f"cannot save: {e.strerror or e}; the file was left as it was") from e
            if shown is not None:
                self.validated[shown] = parsed
        change = Change(path, before, after, summary)
        self.undo_stack.append(change)
        self._target.reload_annotations()
        return change

    @staticmethod
    @contextlib.contextmanager
    def _locked(path: Path) -> Iterator[None]:
        folder = real_path(path).parent
        try:
            with folder_lock(folder, LOCK_TIMEOUT):
                yield
        except FolderBusy as e:
            raise AnnotationError(str(path), f"another program is saving to this folder and did not finish "
                                             f"within {LOCK_TIMEOUT:.0f} s; {_NOT_SAVED}") from e
        except FileNotFoundError as e:
            if e.filename is not None and Path(e.filename) == folder:
                raise AnnotationError(str(path), f"the folder {folder} is gone; {_NOT_SAVED}") from e
            raise

    @staticmethod
    def _validate(display: str, name: str, before: bytes | None, after: bytes, expect_id: str) -> ParsedFile:
        """Parse the would-be file with the real loader (as ``name``); refuse to write if it got worse.

        Only this file is parsed (and the file as it was, if the new one has errors, to tell the
        new ones): what it does to the other files (a duplicate id, a relation's object) is what
        the reload after the save reports.
        """
        parsed = parse_data(after, name)
        errors = [p for p in parsed.problems if p.is_error]
        if before is not None and errors:
            _, old_problems = parse_bytes(before, name)
            old = {p.message for p in old_problems if p.is_error}
            errors = [p for p in errors if p.message not in old]
        if errors:
            raise AnnotationError(display, f"the change would make the file invalid: {errors[0]}")
        if not any(raw.entity.id == expect_id for raw in parsed.raws):
            raise AnnotationError(display, f"the change would lose entity '{expect_id}'; not saved")
        return parsed

    def _check_object(self, relation: NewRelation) -> None:
        if relation.object not in self._target.entities_by_id():
            raise AnnotationError(relation.object, f"no entity with id '{relation.object}' to relate to")

    def _check_quote(self, article: str, quote: str) -> None:
        if not quote.strip():
            raise AnnotationError(article, "a fact needs a quote: select the words in the article")

        def read(article_id: str) -> str | None:
            try:
                return self._target.article(article_id).text
            except CorpusError:
                return None

        finder = QuoteFinder(read)
        if not finder.exists(article):
            raise AnnotationError(article, f"article '{article}' does not exist")
        if finder.find(article, quote) is None:
            raise AnnotationError(article, "the quote is not in the article (it must be its exact words)")


def _relation_item(relation: NewRelation) -> dict[str, object]:
    return {"predicate": relation.predicate.strip(), "object": relation.object, "article": relation.article,
            "quote": relation.quote}


# -- reading and re-checking the file a save replaces -------------------------------------------


def _stamp(st: os.stat_result) -> tuple[int, ...]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _read(path: Path, may_be_missing: bool) -> _Read:
    """The file's bytes and identity, from one open: what the edit, the undo record and the re-check use."""
    real = real_path(path)
    try:
        with open(real, "rb") as fh:
            stamp = _stamp(os.fstat(fh.fileno()))
            data = fh.read()
    except FileNotFoundError as e:
        if may_be_missing:
            return _Read(real, None, None)
        raise AnnotationError(str(path), "the file is gone (deleted or moved outside gdexplorer); reload, "
                                         "then try again") from e
    except OSError as e:
        raise AnnotationError(str(path), f"cannot read: {e.strerror or e}; {_NOT_SAVED}") from e
    return _Read(real, data, stamp)


def _check_unchanged(read: _Read, display: str, outcome: str) -> None:
    """Refuse if someone not taking the lock (an editor) changed the file since ``read``.

    An editor that writes in place may be halfway through: replacing the file then would keep its
    first half for good (its later writes go to the replaced file), so any difference refuses.
    """
    try:
        st = os.stat(read.path)
    except FileNotFoundError:
        if read.data is None:
            return
        raise AnnotationError(display, f"the file was deleted or moved while saving; {outcome}") from None
    except OSError as e:
        raise AnnotationError(display, f"cannot read: {e.strerror or e}; {outcome}") from e
    if read.stamp == _stamp(st):
        try:
            same = read.path.read_bytes() == read.data
        except OSError:
            same = False
        if same:
            return
    raise AnnotationError(display, f"the file was changed by another program while saving; {outcome}")


# -- text surgery ----------------------------------------------------------------------------


def _locate(text: str, display: str, entity_id: str) -> yaml.MappingNode:
    root = _compose(text, display)
    for node in _entities(root):
        for key, value in node.value:
            if key.value == "id" and isinstance(value, yaml.ScalarNode) and str(value.value).strip() == entity_id:
                return node
    raise AnnotationError(display, f"entity '{entity_id}' is no longer in the file; reload first")


def _append_item(text: str, display: str, entity_id: str, key: str, item: Mapping[str, object]) -> str:
    node = _locate(text, display, entity_id)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    existing = _value_of(node, key)
    if isinstance(existing, yaml.SequenceNode) and existing.value and not existing.flow_style:
        indent = _dash_column(lines, existing.value[0])
        after_line = content_end(lines, existing.value[-1])
        block = _block(item, indent)
    elif existing is not None and not _empty(existing):
        if isinstance(existing, yaml.SequenceNode):
            raise AnnotationError(display, f"'{key}' of '{entity_id}' is written as [a, b] (flow style); "
                                           "add this one by hand", existing.start_mark.line + 1)
        raise AnnotationError(display, f"'{key}' of '{entity_id}' is not a list", existing.start_mark.line + 1)
    else:
        key_column = node.start_mark.column
        if existing is not None:  # "facts:", "facts: []" or "facts: ~": the items go under the key
            after_line = existing.start_mark.line
            lines[after_line] = _without_value(lines[after_line], existing)
            block = _block(item, key_column + 2)
        else:
            after_line = content_end(lines, node)
            block = [" " * key_column + f"{key}:", *_block(item, key_column + 2)]
    return _insert(lines, after_line + 1, block, newline)


def _append_alias(text: str, display: str, entity_id: str, alias: str) -> str:
    node = _locate(text, display, entity_id)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    shown = yaml.dump([alias], Dumper=_Dumper, allow_unicode=True, width=4096, default_flow_style=True).strip()[1:-1]
    existing = _value_of(node, "aliases")
    if existing is None:
        name = _value_of(node, "name")
        after = content_end(lines, name) if name is not None else node.start_mark.line
        return _insert(lines, after + 1, [" " * node.start_mark.column + f"aliases: [{shown}]"], newline)
    if isinstance(existing, yaml.SequenceNode) and existing.flow_style:
        end = existing.end_mark
        line = lines[end.line]
        close = end.column - 1  # the ']'
        if line[close:close + 1] != "]":
            raise AnnotationError(display, f"'aliases' of '{entity_id}' is written over lines; add this one by hand",
                                  end.line + 1)
        sep = ", " if existing.value else ""
        lines[end.line] = line[:close] + sep + shown + line[close:]
        return "".join(lines)
    if isinstance(existing, yaml.SequenceNode) and existing.value:
        indent = _dash_column(lines, existing.value[0])
        return _insert(lines, content_end(lines, existing.value[-1]) + 1, [" " * indent + "- " + shown], newline)
    raise AnnotationError(display, f"'aliases' of '{entity_id}' is not a list; add this one by hand",
                          existing.start_mark.line + 1)


def _append_entity(text: str, display: str, kind: EntityKind, item: Mapping[str, object]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    if not text.strip():
        head = text or f"# {kind.plural} curated in gdexplorer.{newline}"
        return head + f"entities:{newline}" + newline.join(_block(item, 2)) + newline
    lines = text.splitlines(keepends=True)
    root = _compose(text, display, allow_empty=True)
    entities = _value_of(root, "entities") if isinstance(root, yaml.MappingNode) else None
    if root is None or entities is None:  # comments only: the list starts here
        return _insert(lines, len(lines), ["entities:", *_block(item, 2)], newline)
    if isinstance(entities, yaml.SequenceNode) and entities.value and not entities.flow_style:
        indent = _dash_column(lines, entities.value[0])
        # At the very end (the list is all the file holds), after a blank line, as the curated files have.
        return _insert(lines, len(lines), ["", *_block(item, indent)], newline)
    if _empty(entities):  # "entities: []" or "entities:" with nothing under it yet
        line = entities.start_mark.line
        lines[line] = _without_value(lines[line], entities)
        return _insert(lines, line + 1, _block(item, 2), newline)
    raise AnnotationError(display, "'entities' is not a list written one item per line; add this one by hand",
                          entities.start_mark.line + 1)


def _replace_item(text: str, display: str, entity_id: str, wanted: Fact | Relation,
                  item: Mapping[str, object] | None) -> str:
    node = _locate(text, display, entity_id)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    key = "facts" if isinstance(wanted, Fact) else "relations"
    existing = _value_of(node, key)
    target = _find_item(existing, wanted)
    what = "fact" if isinstance(wanted, Fact) else "relation"
    if target is None:
        raise AnnotationError(display, f"that {what} of '{entity_id}' is no longer in the file (changed outside "
                                       "gdexplorer?); reload, then try again")
    if isinstance(existing, yaml.SequenceNode) and existing.flow_style:
        raise AnnotationError(display, f"'{key}' of '{entity_id}' is written as [a, b]; edit it by hand")
    start = target.start_mark.line
    end = content_end(lines, target)
    replacement = [] if item is None else [line + newline for line in _block(item, _dash_column(lines, target))]
    return "".join([*lines[:start], *replacement, *lines[end + 1 :]])


def _find_item(items: yaml.Node | None, wanted: Fact | Relation) -> yaml.MappingNode | None:
    """The item of the list that says what ``wanted`` says; of equal ones, the one at its line.

    Never a position in the list: the loaded list skips items that failed to load (a quote typo,
    an unknown object), and the file may have gained or lost items since it was loaded.
    """
    if not isinstance(items, yaml.SequenceNode):
        return None
    if isinstance(wanted, Fact):
        content = {"text": wanted.text, "article": wanted.article, "quote": wanted.quote}
        anchor = None  # a fact's line is its item's first line
    else:
        content = {"predicate": wanted.predicate, "object": wanted.object, "article": wanted.article,
                   "quote": wanted.quote}
        anchor = "object"  # a relation's line is its object's
    same = [n for n in items.value if isinstance(n, yaml.MappingNode) and _content(n) == content]
    for node in same:
        at = _value_of(node, anchor) if anchor is not None else node
        if at is not None and (at.start_mark.line + 1, at.start_mark.column + 1) == (wanted.where.line,
                                                                                     wanted.where.column):
            return node
    return same[0] if same else None


def _content(node: yaml.MappingNode) -> dict[str, str]:
    """An item's values as the loader reads them (stripped; article ids with forward slashes)."""
    found = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
            text = str(value.value).strip()
            found[str(key.value)] = text.replace("\\", "/").removeprefix("./") if key.value == "article" else text
    return found


def _empty(node: yaml.Node) -> bool:
    """A value that stands for an empty list: nothing, ~, null or []."""
    if isinstance(node, yaml.SequenceNode):
        return not node.value and node.start_mark.line == node.end_mark.line
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG and node.start_mark.line == node.end_mark.line


def _without_value(line: str, value: yaml.Node) -> str:
    """``line`` with an empty value (``[]``, ``~``) taken out, keeping a comment after it."""
    start, end = value.start_mark.column, value.end_mark.column
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    rest = body[end:]
    return body[:start].rstrip() + (rest if rest.strip() else "") + ending


def _insert(lines: list[str], at: int, block: list[str], newline: str) -> str:
    at = min(at, len(lines))
    lines = list(lines)
    if lines and not lines[-1].endswith(("\n", "\r")) and at == len(lines):
        lines[-1] += newline
    return "".join([*lines[:at], *(line + newline for line in block), *lines[at:]])


def _compose(text: str, display: str, allow_empty: bool = False) -> yaml.Node | None:
    try:
        node, _ = compose(text)
    except (yaml.YAMLError, Refused) as e:
        raise AnnotationError(display, f"cannot edit a file that does not parse: {e}") from e
    if node is None and not allow_empty:
        raise AnnotationError(display, "the file is empty")
    return node


def _entities(root: yaml.Node | None) -> list[yaml.MappingNode]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "entities" and isinstance(value, yaml.SequenceNode):
            return [n for n in value.value if isinstance(n, yaml.MappingNode)]
    return []


def _value_of(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if k.value == key:
            return v
    return None


def _dash_column(lines: list[str], item: yaml.Node) -> int:
    """The column of the '- ' that starts a block sequence item."""
    line = lines[item.start_mark.line]
    before = line[: item.start_mark.column]
    dash = before.rfind("-")
    return dash if dash >= 0 else max(0, item.start_mark.column - 2)


def content_end(lines: list[str], node: yaml.Node) -> int:
    """Index of the node's last line that holds part of its value (not a comment or blank after it).

    Found from the values themselves, not by skipping '#' lines back from the end: in a ``|`` or
    ``>`` block a line starting with '#' is text, and a new item put before it would cut it off.
    """
    return min(_last_line(lines, node), len(lines) - 1)


def _last_line(lines: list[str], node: yaml.Node) -> int:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style:
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        return max((_last_line(lines, n) for n in children), default=node.start_mark.line)
    mark = node.end_mark
    last = mark.line
    if mark.column == 0 and last > node.start_mark.line:
        last -= 1  # the end mark sits at the start of the next line: that line is not ours
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        # A block keeps the blank lines that follow it; the item ends with its last written line.
        while last > node.start_mark.line and (last >= len(lines) or not lines[last].strip()):
            last -= 1
    return last


class _Quoted(str):
    """A value written in double quotes, as the curated files write quotes."""


class _Dumper(yaml.SafeDumper):
    """Writes nested lists indented under their key, as the curated files do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_Dumper.add_representer(_Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data,
                                                                             style='"'))


def _quote_values(item: object) -> object:
    if isinstance(item, dict):
        return {k: _Quoted(v) if k == "quote" and isinstance(v, str) else _quote_values(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_quote_values(v) for v in item]
    return item


def _block(item: Mapping[str, object], indent: int) -> list[str]:
    dumped = yaml.dump([_quote_values(item)], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096,
                       default_flow_style=False)
    return [" " * indent + line if line else line for line in dumped.splitlines()]
