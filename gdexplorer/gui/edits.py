"""The edits a user makes from the window, and saving them through the ``Explorer``. Qt-free.

Each edit is a small frozen dataclass the dialog or a menu builds; ``apply_edit`` runs it on a
worker thread (the core validates with the real loader, which takes a few hundred milliseconds)
and gathers what the window shows afterwards, so the UI thread only swaps in finished pages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gdexplorer.errors import GdxError, Problem
from gdexplorer.gui.pages import EntityPage, load_entity_page
from gdexplorer.model import Entity, Fact, Relation

if TYPE_CHECKING:
    # The core's curation (and YAML) is imported once a corpus is open, after the first paint; types only here.
    from gdexplorer.explorer import Explorer
    from gdexplorer.model import Change, NewEntity, NewFact, NewRelation


@dataclass(frozen=True, slots=True)
class AddFact:
    entity_id: str
    fact: NewFact


@dataclass(frozen=True, slots=True)
class AddRelation:
    subject_id: str
    relation: NewRelation


@dataclass(frozen=True, slots=True)
class CreateEntity:
    """A new entity, with the fact or the relation (to an existing entity) that prompted it."""

    entity: NewEntity
    facts: tuple[NewFact, ...] = ()
    relation: NewRelation | None = None


@dataclass(frozen=True, slots=True)
class AddAlias:
    """A suggested entity merged into a curated one: its name becomes an alias."""

    entity_id: str
    alias: str


# An edited or deleted item is the one loaded (not its place in a list: the shown list skips items
# that failed to load); the core finds it in the file by what it says.
@dataclass(frozen=True, slots=True)
class EditFact:
    entity_id: str
    item: Fact
    fact: NewFact


@dataclass(frozen=True, slots=True)
class DeleteFact:
    entity_id: str
    item: Fact


@dataclass(frozen=True, slots=True)
class DeleteRelation:
    entity_id: str
    item: Relation


# The workbench's edits (stars, tags, notes, saved searches): saved by the core like facts, so
# they take the same Undo; they are about an article or a search, not an entity (subject "").
@dataclass(frozen=True, slots=True)
class MarkArticle:
    """Star or unstar, add or remove tags, or set the note of an article (None/empty: unchanged)."""

    article_id: str
    starred: bool | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SaveSearch:
    name: str
    query: str
    filters: tuple[str, ...] = ()
    sort: str = "relevance"


@dataclass(frozen=True, slots=True)
class OpenSearch:
    """Run a saved search in the window: what it matches now counts as seen."""

    name: str


WorkbenchEdit = MarkArticle | SaveSearch | OpenSearch


@dataclass(frozen=True, slots=True)
class Undo:
    """Take back the last edit; ``edit`` is what it was, ``steps`` how many file changes it made."""

    edit: CurationEdit
    steps: int


CurationEdit = (AddFact | AddRelation | AddAlias | CreateEntity | EditFact | DeleteFact | DeleteRelation | WorkbenchEdit
                | Undo)


def subject_of(edit: CurationEdit) -> str:
    """The entity an edit is about (the one to show once it is saved)."""
    if isinstance(edit, Undo):
        return subject_of(edit.edit)
    if isinstance(edit, MarkArticle | SaveSearch | OpenSearch):
        return ""
    if isinstance(edit, CreateEntity):
        return edit.entity.id
    if isinstance(edit, AddRelation):
        return edit.subject_id
    return edit.entity_id


def describe(edit: CurationEdit, name: str) -> str:
    """What an edit does, as a menu item says it: "Add Fact to GAC Group"."""
    if isinstance(edit, AddFact):
        return f"Add Fact to {name}"
    if isinstance(edit, AddRelation):
        return f"Add Relation to {name}"
    if isinstance(edit, AddAlias):
        return f"Add Alias {edit.alias} to {name}"
    if isinstance(edit, CreateEntity):
        return f"Create {name}"
    if isinstance(edit, EditFact):
        return f"Edit Fact of {name}"
    if isinstance(edit, DeleteFact):
        return f"Delete Fact of {name}"
    if isinstance(edit, DeleteRelation):
        return f"Delete Relation of {name}"
    if isinstance(edit, MarkArticle):
        return describe_mark(edit)
    if isinstance(edit, SaveSearch):
        return f"Save Search “{edit.name}”"
    if isinstance(edit, OpenSearch):
        return f"Open Search “{edit.name}”"
    return f"Undo {describe(edit.edit, name)}"


def describe_mark(edit: MarkArticle) -> str:
    article = edit.article_id
    if edit.starred is not None:
        return f"{'Star' if edit.starred else 'Unstar'} {article}"
    if edit.add_tags:
        return f"Tag {article} “{', '.join(edit.add_tags)}”"
    if edit.remove_tags:
        return f"Untag {article} “{', '.join(edit.remove_tags)}”"
    return f"Note on {article}"


@dataclass(frozen=True, slots=True)
class Curated:
    """A saved edit and the annotations as they are after it."""

    edit: CurationEdit
    changes: tuple[Change, ...]  # the file changes made (or, for an undo, taken back)
    entity_id: str  # the entity the edit was about
    page: EntityPage | None  # that entity now; None when it no longer exists (an undone creation)
    entities: tuple[Entity, ...]
    problems: tuple[Problem, ...]
    new: tuple[str, ...] = ()  # an opened saved search: the articles it matched that it had not before


def apply_edit(explorer: Explorer, edit: CurationEdit) -> Curated:
    """Save one edit (validated and written by the core) and gather the views it changes.

    Raises ``AnnotationError`` (one sentence naming the file) when the core refuses it; an edit
    that needs two file changes is taken back whole if the second is refused.
    """
    changes: list[Change] = []
    if isinstance(edit, AddFact):
        changes.append(explorer.add_fact(edit.entity_id, edit.fact))
    elif isinstance(edit, AddRelation):
        changes.append(explorer.add_relation(edit.subject_id, edit.relation))
    elif isinstance(edit, CreateEntity):
        changes.append(explorer.create_entity(edit.entity, edit.facts))
        if edit.relation is not None:
            try:
                changes.append(explorer.add_relation(edit.entity.id, edit.relation))
            except GdxError:
                explorer.undo()
                raise
    elif isinstance(edit, AddAlias):
        changes.append(explorer.add_alias(edit.entity_id, edit.alias))
    elif isinstance(edit, EditFact):
        changes.append(explorer.edit_fact(edit.entity_id, edit.item, edit.fact))
    elif isinstance(edit, DeleteFact):
        changes.append(explorer.delete_fact(edit.entity_id, edit.item))
    elif isinstance(edit, DeleteRelation):
        changes.append(explorer.delete_relation(edit.entity_id, edit.item))
    elif isinstance(edit, MarkArticle):
        if edit.starred is not None:
            changes.append(explorer.star(edit.article_id, edit.starred))
        elif edit.add_tags or edit.remove_tags:
            # Undo takes back as many file changes as the edit made: both, here.
            if edit.add_tags:
                changes.append(explorer.tag(edit.article_id, *edit.add_tags))
            if edit.remove_tags:
                try:
                    changes.append(explorer.untag(edit.article_id, *edit.remove_tags))
                except GdxError:
                    if edit.add_tags:
                        explorer.undo()
                    raise
        elif edit.note is not None:
            changes.append(explorer.set_note(edit.article_id, edit.note))
    elif isinstance(edit, SaveSearch):
        changes.append(explorer.save_search(edit.name, edit.query, edit.filters, edit.sort))
    elif isinstance(edit, OpenSearch):
        run = explorer.run_saved_search(edit.name, limit=0, snippets=False)
        if run.change is not None:
            changes.append(run.change)
        return Curated(edit, tuple(changes), "", None, tuple(explorer.entities()), tuple(explorer.problems()),
                       run.new)
    else:
        for _ in range(edit.steps):
            change = explorer.undo()
            if change is None:
                break
            changes.append(change)
    entity_id = subject_of(edit)
    page = load_entity_page(explorer, entity_id) if entity_id in explorer.entities_by_id() else None
    return Curated(edit, tuple(changes), entity_id, page, tuple(explorer.entities()), tuple(explorer.problems()))


# -- helpers for prefilling the dialog (requested for the core: see the curation report) ---------

# A stop followed by a blank, a closing quote or bracket, or the end; CJK stops need no blank after.
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"'\u201d\u2019)\]]|$)|[\u3002\uff01\uff1f]|\n")
_SEARCH_BACK = 2000


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) holding ``text[start:end]``, without its closing punctuation.

    Used to quote the sentence a suggested name appears in; the user can trim it in the dialog.
    """
    begin = max(0, start - _SEARCH_BACK)
    left = begin
    for m in _SENTENCE_END.finditer(text, begin, start):
        left = m.end()
    m = _SENTENCE_END.search(text, end)
    right = m.start() if m is not None else len(text)
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1].isspace():
        right -= 1
    return left, right


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A selection without the blanks around it (a drag often takes the space after a word)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def entity_id_for(name: str, taken: set[str] | frozenset[str]) -> str:
    """An id in the house style (``gac-group``) for a new entity's name, not one of ``taken``."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    base = re.sub(r"[^\w]+", "-", folded).strip("-_") or "entity"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def valid_entity_id(text: str) -> bool:
    from gdexplorer.explorer import Explorer

    return Explorer.valid_entity_id(text)
