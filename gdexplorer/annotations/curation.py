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

from gdexplorer.annotations.parsing import ParsedFile, parse_bytes, parse_data
from gdexplorer.annotations.quotes import QuoteFinder
from gdexplorer.annotations.yamledit import append_alias, append_entity, append_item, replace_item
from gdexplorer.errors import AnnotationError, CorpusError
from gdexplorer.files import FolderBusy, atomic_write, folder_lock, real_path
from gdexplorer.model import Article, Change, Entity, Fact, NewEntity, NewFact, NewRelation, Relation


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
                                 lambda text, display: append_item(text, display, entity_id, "facts", item))

    def add_relation(self, subject_id: str, relation: NewRelation) -> Change:
        self._check_object(relation)
        self._check_quote(relation.article, relation.quote)
        return self._edit_entity(subject_id, f"add a relation to {subject_id}",
                                 lambda text, display: append_item(text, display, subject_id, "relations",
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
                          lambda text, display: append_entity(text, display, entity.kind, item), may_create=True)

    def add_alias(self, entity_id: str, alias: str) -> Change:
        """Add ``alias`` to an entity's aliases (a suggested entity merged into it)."""
        alias = " ".join(alias.split())
        entity = self._target.entities_by_id().get(entity_id)
        if entity is not None and alias.casefold() in {n.casefold() for n in entity.names}:
            raise AnnotationError(entity_id, f"'{alias}' is already a name of '{entity_id}'")
        return self._edit_entity(entity_id, f"add alias {alias} to {entity_id}",
                                 lambda text, display: append_alias(text, display, entity_id, alias))

    def edit_fact(self, entity_id: str, fact: Fact, new: NewFact) -> Change:
        """Replace ``fact`` (as loaded: found in the file by its content, not by its place in a list)."""
        self._check_quote(new.article, new.quote)
        item = {"text": new.text.strip(), "article": new.article, "quote": new.quote}
        return self._edit_entity(entity_id, f"edit a fact of {entity_id}",
                                 lambda text, display: replace_item(text, display, entity_id, fact, item))

    def edit_relation(self, entity_id: str, relation: Relation, new: NewRelation) -> Change:
        self._check_object(new)
        self._check_quote(new.article, new.quote)
        return self._edit_entity(entity_id, f"edit a relation of {entity_id}",
                                 lambda text, display: replace_item(text, display, entity_id, relation,
                                                                     _relation_item(new)))

    def delete_fact(self, entity_id: str, fact: Fact) -> Change:
        return self._edit_entity(entity_id, f"delete a fact of {entity_id}",
                                 lambda text, display: replace_item(text, display, entity_id, fact, None))

    def delete_relation(self, entity_id: str, relation: Relation) -> Change:
        return self._edit_entity(entity_id, f"delete a relation of {entity_id}",
                                 lambda text, display: replace_item(text, display, entity_id, relation, None))

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
