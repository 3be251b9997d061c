"""YAML composed safely: nodes only, with their marks; alias bombs and deep nesting refused early.

Files are read with a ``yaml.SafeLoader`` subclass and only *composed* (parsed to nodes, never
constructed into Python objects), so every value keeps its line and column, a ``!!python/...``
tag is just an unknown tag to refuse, duplicate keys are seen (PyYAML's constructor silently keeps
the last), and an alias "billion laughs" bomb is refused before it is expanded: what the aliases
stand for is counted as they are met, so a file without aliases is never one, however big.

A file that cannot hold an alias (no '&' where an anchor could start) and has no character PyYAML
refuses is composed by libyaml (``yaml.CSafeLoader``, same resolver and marks) when it is there,
about 20 times faster: 100,000 entities load in seconds. Anything libyaml finds wrong is read
again by the Python loader, so every message is the one it gives (``yaml_message`` words it).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Protocol

import yaml

MAX_ALIASES = 64  # YAML aliases (*name) in one file; real annotation files use a handful at most
MAX_ALIASED_VALUES = 10_000  # values the aliases of one file stand for, all told: a handful of shared lists
MAX_DEPTH = 50  # an annotation file needs 5 levels; PyYAML recurses per level


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
    with collector_paused():
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


def too_deep(root: yaml.Node | None) -> yaml.Node | None:
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
def collector_paused() -> Iterator[None]:
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
