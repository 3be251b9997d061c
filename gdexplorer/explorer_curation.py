"""The explorer's curation: facts, relations, entities and aliases written to the annotation files.

``CurationMethods`` is mixed into ``gdexplorer.explorer.Explorer``, whose public methods these stay
(the CLI and the window call them on the explorer). The edits themselves (minimal, atomic,
undoable, refused when the file changed under them) are ``gdexplorer.annotations.curation``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from gdexplorer.annotations.parsing import valid_id
from gdexplorer.annotations.quotes import QuoteFinder
from gdexplorer.model import Change, Fact, NewEntity, NewFact, NewRelation, Relation


class CurationMethods:
    """``Explorer``'s methods that change the annotation files, and their undo history."""

    if TYPE_CHECKING:
        _curator_instance: Any

    @property
    def _curator(self) -> Any:
        if self._curator_instance is None:
            # Here: YAML's composer and the curation module are not needed until the first edit.
            from gdexplorer.annotations.curation import Curated, Curator

            # Mixed into Explorer only, which gives a Curator all it reads.
            self._curator_instance = Curator(cast("Curated", self))
        return self._curator_instance

    def add_fact(self, entity_id: str, fact: NewFact) -> Change:
        """Append a fact to an entity's file; raises ``AnnotationError`` (nothing written) if it is wrong."""
        return self._curator.add_fact(entity_id, fact)

    def add_relation(self, subject_id: str, relation: NewRelation) -> Change:
        return self._curator.add_relation(subject_id, relation)

    def create_entity(self, entity: NewEntity, facts: tuple[NewFact, ...] = (),
                      relations: tuple[NewRelation, ...] = ()) -> Change:
        return self._curator.create_entity(entity, facts, relations)

    def add_alias(self, entity_id: str, alias: str) -> Change:
        return self._curator.add_alias(entity_id, alias)

    def edit_fact(self, entity_id: str, fact: Fact, new: NewFact) -> Change:
        """Replace a fact as loaded (from ``entity.facts``); it is found in its file by what it says, so an
        item that failed to load, or an edit made outside since, never makes this change another one."""
        return self._curator.edit_fact(entity_id, fact, new)

    def edit_relation(self, entity_id: str, relation: Relation, new: NewRelation) -> Change:
        return self._curator.edit_relation(entity_id, relation, new)

    def delete_fact(self, entity_id: str, fact: Fact) -> Change:
        return self._curator.delete_fact(entity_id, fact)

    def delete_relation(self, entity_id: str, relation: Relation) -> Change:
        return self._curator.delete_relation(entity_id, relation)

    def undo(self) -> Change | None:
        """Undo the last saved change (None if there is none); refused if the file changed since."""
        return self._curator.undo()

    def can_undo(self) -> bool:
        return self._curator_instance is not None and bool(self._curator_instance.undo_stack)

    def forget_undo(self) -> None:
        """Start a new undo history (the window does when it reopens a corpus)."""
        if self._curator_instance is not None:
            self._curator_instance.undo_stack.clear()

    @staticmethod
    def valid_entity_id(text: str) -> bool:
        return valid_id(text)

    @staticmethod
    def quote_finder(text: str) -> Callable[[str], tuple[int, int] | None]:
        """Where a quote stands in ``text`` as the annotation check reads it (whitespace and
        typographic quotes folded), or None; ``text`` is normalised once, for many quotes."""
        finder = QuoteFinder(lambda _id: text)
        return lambda quote: finder.find("", quote)
