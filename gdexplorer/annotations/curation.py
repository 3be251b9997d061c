"""Curating from the app: add, edit and delete facts and relations, create entities, undo.

YAML stays the source of truth, written by people and reviewed in git, so a change here edits
the file's *text*, minimally: the new block is inserted after the last line of the list it joins,
or the lines of the edited item are replaced; comments, key order and formatting elsewhere are
left byte for byte. Every change is checked with the same loader ``gdexplorer check`` uses before
it is written, and written atomically (temporary file, fsync, rename), so an interrupted save
leaves the old file whole.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import yaml

from gdexplorer.annotations.loading import AnnotationLoader, QuoteFinder, read_file
from gdexplorer.errors import AnnotationError, CorpusError
from gdexplorer.files import atomic_write
from gdexplorer.model import Article, Change, Entity, NewEntity, NewFact, NewRelation


class Curated(Protocol):
    """What a ``Curator`` edits: the explorer's annotations, seen from below (no import of the door)."""

    @property
    def annotations_dir(self) -> Path: ...

    @property
    def corpus_root(self) -> Path: ...

    def entities_by_id(self) -> Mapping[str, Entity]: ...

    def reload_annotations(self) -> object: ...

    def article(self, article_id: str) -> Article: ...


class Curator:
    """Edits an explorer's annotation files and reloads them; keeps an undo stack."""

    def __init__(self, target: Curated) -> None:
        self._target = target
        self.undo_stack: list[Change] = []

    # -- the public operations ---------------------------------------------------------------

    def add_fact(self, entity_id: str, fact: NewFact) -> Change:
        self._check_quote(fact.article, fact.quote)
        item = {"text": fact.text.strip(), "article": fact.article, "quote": fact.quote}
        return self._append_item(entity_id, "facts", item, f"add a fact to {entity_id}")

    def add_relation(self, subject_id: str, relation: NewRelation) -> Change:
        if relation.object not in self._target.entities_by_id():
            raise AnnotationError(relation.object, f"no entity with id '{relation.object}' to relate to")
        self._check_quote(relation.article, relation.quote)
        item = {"predicate": relation.predicate.strip(), "object": relation.object, "article": relation.article,
                "quote": relation.quote}
        return self._append_item(subject_id, "relations", item, f"add a relation to {subject_id}")

    def create_entity(self, entity: NewEntity, facts: tuple[NewFact, ...] = (),
                      relations: tuple[NewRelation, ...] = ()) -> Change:
        if entity.id in self._target.entities_by_id():
            raise AnnotationError(entity.id, f"an entity with id '{entity.id}' exists already")
        for fact in facts:
            self._check_quote(fact.article, fact.quote)
        for rel in relations:
            if rel.object not in self._target.entities_by_id():
                raise AnnotationError(rel.object, f"no entity with id '{rel.object}' to relate to")
            self._check_quote(rel.article, rel.quote)
        item: dict[str, object] = {"id": entity.id, "type": entity.kind.value, "name": entity.name.strip()}
        if entity.aliases:
            item["aliases"] = list(entity.aliases)
        if entity.description:
            item["description"] = entity.description.strip()
        if facts:
            item["facts"] = [{"text": f.text.strip(), "article": f.article, "quote": f.quote} for f in facts]
        if relations:
            item["relations"] = [{"predicate": r.predicate.strip(), "object": r.object, "article": r.article,
                                  "quote": r.quote} for r in relations]
        path = self._target.annotations_dir / f"{entity.kind.plural.lower()}.yaml"
        before = path.read_bytes() if path.exists() else None
        if before is None:
            text = f"# {entity.kind.plural} curated in gdexplorer.\nentities:\n"
            indent = 2
        else:
            text = before.decode("utf-8")
            indent = self._entity_indent(text) if text.strip() else 2
            if not text.strip():
                text = "entities:\n"
        newline = "\r\n" if "\r\n" in text else "\n"
        if not text.endswith(("\n", "\r\n")):
            text += newline
        block = _block(item, indent)
        separator = newline if before is not None and "- id:" in text else ""
        after = text + separator + newline.join(block) + newline
        return self._save(path, before, after, f"create entity {entity.id}", expect_id=entity.id)

    def edit_fact(self, entity_id: str, index: int, fact: NewFact) -> Change:
        self._check_quote(fact.article, fact.quote)
        item = {"text": fact.text.strip(), "article": fact.article, "quote": fact.quote}
        return self._replace_item(entity_id, "facts", index, item, f"edit fact {index + 1} of {entity_id}")

    def edit_relation(self, entity_id: str, index: int, relation: NewRelation) -> Change:
        if relation.object not in self._target.entities_by_id():
            raise AnnotationError(relation.object, f"no entity with id '{relation.object}' to relate to")
        self._check_quote(relation.article, relation.quote)
        item = {"predicate": relation.predicate.strip(), "object": relation.object, "article": relation.article,
                "quote": relation.quote}
        return self._replace_item(entity_id, "relations", index, item, f"edit relation {index + 1} of {entity_id}")

    def delete_fact(self, entity_id: str, index: int) -> Change:
        return self._replace_item(entity_id, "facts", index, None, f"delete fact {index + 1} of {entity_id}")

    def delete_relation(self, entity_id: str, index: int) -> Change:
        return self._replace_item(entity_id, "relations", index, None, f"delete relation {index + 1} of {entity_id}")

    def undo(self) -> Change | None:
        """Put back the file as it was before the last change, if nobody changed it since."""
        if not self.undo_stack:
            return None
        change = self.undo_stack[-1]
        current = change.path.read_bytes() if change.path.exists() else None
        if current != change.after:
            raise AnnotationError(str(change.path), "the file changed since this edit; not undone")
        self.undo_stack.pop()
        if change.before is None:
            change.path.unlink()
        else:
            atomic_write(change.path, change.before)
        self._target.reload_annotations()
        return change

    # -- text surgery ------------------------------------------------------------------------

    def _locate(self, entity_id: str) -> tuple[Path, str, yaml.MappingNode]:
        entity = self._target.entities_by_id().get(entity_id)
        if entity is None or entity.where is None:
            raise AnnotationError(entity_id, f"no entity with id '{entity_id}'")
        path = self._path_of(entity.where.path)
        text = path.read_bytes().decode("utf-8-sig")
        root = _compose(text, entity.where.path)
        for node in _entities(root):
            for key, value in node.value:
                if key.value == "id" and isinstance(value, yaml.ScalarNode) and str(value.value).strip() == entity_id:
                    return path, text, node
        raise AnnotationError(entity.where.path, f"entity '{entity_id}' is no longer in the file; reload first")

    def _path_of(self, display: str) -> Path:
        candidate = Path(display)
        if candidate.is_absolute():
            return candidate
        return self._target.corpus_root / display if (self._target.corpus_root / display).exists() else (
            self._target.annotations_dir.parent / display
        )

    def _append_item(self, entity_id: str, key: str, item: Mapping[str, object], summary: str) -> Change:
        path, text, node = self._locate(entity_id)
        lines = text.splitlines(keepends=True)
        newline = "\r\n" if "\r\n" in text else "\n"
        existing = _value_of(node, key)
        if isinstance(existing, yaml.SequenceNode) and existing.value and not existing.flow_style:
            first = existing.value[0]
            indent = _dash_column(lines, first)
            after_line = _content_end(lines, existing.value[-1])
            block = _block(item, indent)
        elif isinstance(existing, yaml.SequenceNode) and existing.flow_style:
            raise AnnotationError(str(path), f"'{key}' of '{entity_id}' is written as [a, b] (flow style); "
                                              "add this one by hand", existing.start_mark.line + 1)
        elif existing is not None and not (isinstance(existing, yaml.ScalarNode) and not existing.value):
            raise AnnotationError(str(path), f"'{key}' of '{entity_id}' is not a list", existing.start_mark.line + 1)
        else:
            key_column = node.start_mark.column
            if existing is not None:  # "facts:" with nothing after it: put the items under it
                after_line = existing.start_mark.line
                block = _block(item, key_column + 2)
            else:
                after_line = _content_end(lines, node)
                block = [" " * key_column + f"{key}:", *_block(item, key_column + 2)]
        insert_at = after_line + 1
        if insert_at > len(lines):
            insert_at = len(lines)
        if lines and not lines[-1].endswith(("\n", "\r")) and insert_at == len(lines):
            lines[-1] += newline
        new_lines = [*lines[:insert_at], *(line + newline for line in block), *lines[insert_at:]]
        before = path.read_bytes()
        return self._save(path, before, "".join(new_lines), summary, expect_id=entity_id)

    def _replace_item(self, entity_id: str, key: str, index: int, item: Mapping[str, object] | None,
                      summary: str) -> Change:
        path, text, node = self._locate(entity_id)
        lines = text.splitlines(keepends=True)
        newline = "\r\n" if "\r\n" in text else "\n"
        existing = _value_of(node, key)
        if not isinstance(existing, yaml.SequenceNode) or not 0 <= index < len(existing.value):
            raise AnnotationError(str(path), f"'{entity_id}' has no {key[:-1]} number {index + 1}")
        if existing.flow_style:
            raise AnnotationError(str(path), f"'{key}' of '{entity_id}' is written as [a, b]; edit it by hand")
        target = existing.value[index]
        start = target.start_mark.line
        end = _content_end(lines, target)
        replacement = [] if item is None else [line + newline for line in _block(item, _dash_column(lines, target))]
        new_lines = [*lines[:start], *replacement, *lines[end + 1 :]]
        before = path.read_bytes()
        return self._save(path, before, "".join(new_lines), summary, expect_id=entity_id)

    def _save(self, path: Path, before: bytes | None, text: str, summary: str, expect_id: str) -> Change:
        after = text.encode("utf-8")
        if before is not None and before.startswith(b"\xef\xbb\xbf"):
            after = b"\xef\xbb\xbf" + after
        self._validate(path, after, expect_id)
        try:
            atomic_write(path, after)
        except OSError as e:
            raise AnnotationError(str(path), f"cannot save: {e.strerror or e}; the file was left as it was") from e
        change = Change(path, before, after, summary)
        self.undo_stack.append(change)
        self._target.reload_annotations()
        return change

    def _validate(self, path: Path, data: bytes, expect_id: str) -> None:
        """Parse the would-be file with the real loader; refuse to write if it got worse."""
        with tempfile.TemporaryDirectory() as tmp:
            candidate = Path(tmp) / path.name
            candidate.write_bytes(data)
            raws, problems = read_file(candidate, path.name)
            errors = [p for p in problems if p.is_error]
            if path.exists():
                _, old_problems = read_file(path, path.name)
                old = {(p.message) for p in old_problems if p.is_error}
                errors = [p for p in errors if p.message not in old]
        if errors:
            raise AnnotationError(str(path), f"the change would make the file invalid: {errors[0]}")
        if not any(raw.entity.id == expect_id for raw in raws):
            raise AnnotationError(str(path), f"the change would lose entity '{expect_id}'; not saved")

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

    @staticmethod
    def _entity_indent(text: str) -> int:
        for line in text.splitlines():
            stripped = line.lstrip(" ")
            if stripped.startswith("- id:") or stripped.startswith("-   id:"):
                return len(line) - len(stripped)
        return 2


def _compose(text: str, display: str) -> yaml.Node:
    loader = AnnotationLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as e:
        raise AnnotationError(display, f"cannot edit a file that does not parse: {e}") from e
    finally:
        loader.dispose()
    if node is None:
        raise AnnotationError(display, "the file is empty")
    return node


def _entities(root: yaml.Node) -> list[yaml.MappingNode]:
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


def _content_end(lines: list[str], node: yaml.Node) -> int:
    """Index of the node's last line that holds more than blanks or comments."""
    mark = node.end_mark
    last = mark.line
    if last >= len(lines) or not lines[last][: mark.column].strip():
        last -= 1  # the end mark sits at the start of the next token: that line is not ours
    last = min(last, len(lines) - 1)
    while last > node.start_mark.line:
        stripped = lines[last].strip()
        if stripped and not stripped.startswith("#"):
            break
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
