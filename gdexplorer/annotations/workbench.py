"""The workbench: stars, tags and notes on articles, and named saved searches.

Kept in one plain YAML file in the annotations folder (``workbench.yaml``), beside the entities,
so it is diffed, reviewed and shared through git like them::

    articles:
      articles/0001.txt:
        starred: true
        tags: [ev, funding]
        note: Check the figures against the annual report.
    searches:
      ev funding:
        query: electric funding
        filters: [category:business]
        sort: newest
        seen: [articles/0001.txt, articles/0007.txt]
        opened: '2026-12-05T16:00:00+00:00'

A change edits the file's text minimally, as curation does: only the lines of the one article
or search it touches are replaced (or appended, or removed); the rest stays byte for byte. The
saving itself (folder lock, atomic write, undo record) is the curator's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gdexplorer.annotations.safeyaml import Refused, compose, yaml_message
from gdexplorer.errors import AnnotationError, Problem, QueryError, Severity
from gdexplorer.model import ArticleMarks, SavedSearch

SORTS = ("relevance", "newest", "oldest")
_YES = {"yes", "true", "1", "on"}
_NO = {"no", "false", "0", "off"}
_HEADER = "# gdexplorer workbench: stars, tags and notes on articles, and saved searches.\n"


@dataclass(frozen=True, slots=True)
class Workbench:
    """The workbench file as loaded: marks by article id, saved searches by name."""

    marks: Mapping[str, ArticleMarks] = field(default_factory=dict)
    searches: Mapping[str, SavedSearch] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def starred(self) -> frozenset[str]:
        return frozenset(a for a, m in self.marks.items() if m.starred)

    def tagged(self, tag: str) -> frozenset[str]:
        wanted = tag.casefold()
        return frozenset(a for a, m in self.marks.items() if any(t.casefold() == wanted for t in m.tags))

    def noted(self, words: str) -> frozenset[str]:
        """Articles whose note holds ``words`` (case-insensitive, as written); any note for ``*``."""
        wanted = " ".join(words.split()).casefold()
        if wanted in ("", "*"):
            return frozenset(a for a, m in self.marks.items() if m.note)
        return frozenset(a for a, m in self.marks.items() if wanted in " ".join(m.note.split()).casefold())

    def tag_counts(self) -> Counter[str]:
        return Counter(t for m in self.marks.values() for t in m.tags)

    def marks_of(self, article_id: str) -> ArticleMarks:
        return self.marks.get(article_id) or ArticleMarks(article_id)

    def resolve(self, name: str, value: str) -> tuple[frozenset[str], bool]:
        """The article ids a workbench query field (``tag:``, ``starred:``, ``note:``) stands for,
        and whether the field means the articles *not* among them (``starred:no``)."""
        if name == "tag":
            return self.tagged(value), False
        if name == "note":
            return self.noted(value), False
        if name == "starred":
            if value.casefold() in _YES:
                return self.starred(), False
            if value.casefold() in _NO:
                return self.starred(), True
            raise QueryError(f"starred: takes yes or no, not '{value}'")
        raise QueryError(f"unknown field '{name}:'")


# -- reading ----------------------------------------------------------------------------------


def load_workbench(path: Path, display: str, article_exists: Callable[[str], bool] | None = None) -> Workbench:
    """Read the workbench file (a missing one is an empty workbench); problems are collected, not raised.

    ``article_exists`` flags marks on articles the corpus does not have (a warning: they are kept).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Workbench()
    except OSError as e:
        return Workbench(problems=(Problem(display, 0, 0, f"cannot read: {e.strerror or e}"),))
    return parse_workbench(data, display, article_exists)


def parse_workbench(data: bytes, display: str, article_exists: Callable[[str], bool] | None = None) -> Workbench:
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return Workbench(problems=(Problem(display, 0, 0, f"not valid UTF-8 (byte {e.start})"),))
    try:
        root, _ = compose(text)
    except Refused as e:
        mark = e.mark
        return Workbench(problems=(Problem(display, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0,
                                           str(e.args[0]) if e.args else "refused"),))
    except yaml.MarkedYAMLError as e:
        mark, message = yaml_message(e)
        return Workbench(problems=(Problem(display, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0,
                                           message),))
    except yaml.YAMLError as e:
        return Workbench(problems=(Problem(display, 0, 0, f"invalid YAML: {e}"),))
    reader = _Reader(display, problems, article_exists)
    marks, searches = reader.read(root)
    return Workbench(marks, searches, tuple(problems))


class _Reader:
    def __init__(self, display: str, problems: list[Problem], article_exists: Callable[[str], bool] | None) -> None:
        self.display = display
        self.problems = problems
        self.exists = article_exists

    def error(self, node: yaml.Node, message: str, severity: Severity = Severity.ERROR) -> None:
        m = node.start_mark
        self.problems.append(Problem(self.display, m.line + 1, m.column + 1, message, severity))

    def pairs(self, node: yaml.Node | None, what: str) -> list[tuple[str, yaml.Node]]:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping")
            return []
        found: list[tuple[str, yaml.Node]] = []
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.error(key, f"a key in {what} must be text")
                continue
            name = str(key.value).strip()
            if name in seen:
                self.error(key, f"'{name}' appears twice in {what}")
                continue
            seen.add(name)
            found.append((name, value))
        return found

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{what} must be a single value")
            return None
        return str(node.value)

    def strings(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            return () if node.value in ("", "~", "null") else (str(node.value).strip(),)
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list")
            return ()
        found = []
        for item in node.value:
            text = self.scalar(item, f"an item of {what}")
            if text is not None and text.strip():
                found.append(text.strip())
        return tuple(dict.fromkeys(found))

    def read(self, root: yaml.Node | None) -> tuple[dict[str, ArticleMarks], dict[str, SavedSearch]]:
        marks: dict[str, ArticleMarks] = {}
        searches: dict[str, SavedSearch] = {}
        for name, value in self.pairs(root, "the workbench file"):
            if name == "articles":
                for article, node in self.pairs(value, "'articles'"):
                    read = self.article(article, node)
                    if read is not None:
                        marks[article] = read
            elif name == "searches":
                for title, node in self.pairs(value, "'searches'"):
                    search = self.search(title, node)
                    if search is not None:
                        searches[title] = search
            else:
                self.error(value, f"unknown key '{name}' (the workbench has 'articles' and 'searches')")
        return marks, searches

    def article(self, article: str, node: yaml.Node) -> ArticleMarks | None:
        starred, note = False, ""
        tags: tuple[str, ...] = ()
        for key, value in self.pairs(node, f"article '{article}'"):
            if key == "starred":
                text = (self.scalar(value, "'starred'") or "").casefold()
                if text not in _YES | _NO:
                    self.error(value, "'starred' must be true or false")
                starred = text in _YES
            elif key == "tags":
                tags = self.strings(value, "'tags'")
            elif key == "note":
                note = (self.scalar(value, "'note'") or "").strip()
            else:
                self.error(value, f"unknown key '{key}' (an article has starred, tags and note)")
        if self.exists is not None and not self.exists(article):
            # A warning: the marks are kept (the article may come back); nothing else is wrong.
            self.error(node, f"no article '{article}' in the corpus", Severity.WARNING)
        return ArticleMarks(article, starred, tags, note)

    def search(self, title: str, node: yaml.Node) -> SavedSearch | None:
        query, sort, seen, opened = "", "relevance", frozenset[str](), ""
        filters: tuple[str, ...] = ()
        for key, value in self.pairs(node, f"search '{title}'"):
            if key == "query":
                query = (self.scalar(value, "'query'") or "").strip()
            elif key == "filters":
                filters = self.strings(value, "'filters'")
            elif key == "sort":
                sort = (self.scalar(value, "'sort'") or "").strip()
                if sort not in SORTS:
                    self.error(value, f"'sort' is one of {', '.join(SORTS)}")
                    sort = "relevance"
            elif key == "seen":
                seen = frozenset(self.strings(value, "'seen'"))
            elif key == "opened":
                opened = (self.scalar(value, "'opened'") or "").strip()
            else:
                self.error(value, f"unknown key '{key}' (a search has query, filters, sort, seen and opened)")
        if not query and not filters:
            self.error(node, f"search '{title}' has no query and no filters")
            return None
        return SavedSearch(title, query, filters, sort, seen, opened)


# -- writing: the lines of one entry ------------------------------------------------------------


class _Literal(str):
    """A note of several lines, written as a ``|`` block."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


# Lists of plain values in flow style ([ev, funding]): one line each, as a reviewer reads them.
_Dumper.add_representer(list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_Literal, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|"))


def marks_item(marks: ArticleMarks) -> dict[str, object] | None:
    if marks.empty:
        return None
    item: dict[str, object] = {}
    if marks.starred:
        item["starred"] = True
    if marks.tags:
        item["tags"] = list(marks.tags)
    if marks.note:
        item["note"] = _Literal(marks.note) if "\n" in marks.note else marks.note
    return item


def search_item(search: SavedSearch) -> dict[str, object]:
    item: dict[str, object] = {"query": search.query}
    if search.filters:
        item["filters"] = list(search.filters)
    if search.sort != "relevance":
        item["sort"] = search.sort
    item["seen"] = sorted(search.seen)
    if search.opened:
        item["opened"] = search.opened
    return item


def _block(key: str, item: Mapping[str, object], indent: int) -> list[str]:
    dumped = yaml.dump({key: dict(item)}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096,
                       default_flow_style=False)
    return [" " * indent + line if line else line for line in dumped.splitlines()]


def set_entry(text: str, display: str, section: str, key: str, item: Mapping[str, object] | None,
              was: Mapping[str, object] | None = None) -> str:
    """``text`` with ``section``'s entry ``key`` replaced by ``item`` (added if new, removed if None).

    Only that entry's lines change; comments, order and formatting elsewhere stay byte for byte.
    Given ``was`` (the entry as read from ``text``), only its fields that differ are rewritten.
    """
    # Here: the curation module is loaded at the first edit, not when a corpus opens.
    from gdexplorer.annotations.yamledit import content_end

    newline = "\r\n" if "\r\n" in text else "\n"
    if not text.strip():
        if item is None:
            return text
        return (text or _HEADER) + f"{section}:{newline}" + newline.join(_block(key, item, 2)) + newline
    try:
        root, _ = compose(text)
    except (yaml.YAMLError, Refused) as e:
        raise AnnotationError(display, f"cannot edit a file that does not parse: {e}") from e
    lines = text.splitlines(keepends=True)
    if not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise AnnotationError(display, "the workbench file is not a mapping; fix it by hand", 1)
    body = _value(root, section) if root is not None else None
    if body is None or _empty(body):
        if item is None:
            return text
        block = _block(key, item, 2)
        if body is None:
            return "".join(lines) + newline.join([f"{section}:", *block]) + newline
        at = body.start_mark.line
        lines[at] = lines[at][: body.start_mark.column].rstrip() + newline
        return "".join([*lines[: at + 1], *(b + newline for b in block), *lines[at + 1 :]])
    if not isinstance(body, yaml.MappingNode) or body.flow_style:
        raise AnnotationError(display, f"'{section}' is not a mapping written one entry per line; edit it by hand",
                              body.start_mark.line + 1)
    for k, v in body.value:
        if isinstance(k, yaml.ScalarNode) and str(k.value).strip() == key:
            if item is not None and was is not None and isinstance(v, yaml.MappingNode) and not v.flow_style:
                return _edit_fields(lines, v, item, was, newline)
            start = k.start_mark.line
            end = content_end(lines, v)
            new = [] if item is None else [b + newline for b in _block(key, item, k.start_mark.column)]
            return "".join([*lines[:start], *new, *lines[end + 1 :]])
    if item is None:
        return text
    first = body.value[0][0]
    end = content_end(lines, body.value[-1][1])
    block = [b + newline for b in _block(key, item, first.start_mark.column)]
    return "".join([*lines[: end + 1], *block, *lines[end + 1 :]])


def _edit_fields(lines: list[str], entry: yaml.MappingNode, item: Mapping[str, object],
                 was: Mapping[str, object], newline: str) -> str:
    """The entry's changed fields rewritten, gone ones removed, new ones added after the last."""
    from gdexplorer.annotations.yamledit import content_end

    indent = entry.value[0][0].start_mark.column if entry.value else 0
    spans = {str(k.value): (k.start_mark.line, content_end(lines, v)) for k, v in entry.value
             if isinstance(k, yaml.ScalarNode)}
    end = max(e for _, e in spans.values())
    added = [b + newline for name, value in item.items() if name not in spans
             for b in _field(name, value, indent)]
    lines = [*lines[: end + 1], *added, *lines[end + 1 :]]
    # Bottom up, so that the lines above keep their numbers.
    for name, (first, last) in sorted(spans.items(), key=lambda kv: -kv[1][0]):
        if name in item and was.get(name) == item[name]:
            continue
        new = [b + newline for b in _field(name, item[name], indent)] if name in item else []
        lines[first : last + 1] = new
    return "".join(lines)


def _field(name: str, value: object, indent: int) -> list[str]:
    # Dumped inside an entry, as it will stand: alone, a mapping of plain values would come out as {a: b}.
    return [" " * (indent - 2) + line if line else line for line in _block("_", {name: value}, 0)[1:]]


def _value(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _empty(node: yaml.Node) -> bool:
    if isinstance(node, yaml.MappingNode):
        return not node.value
    return isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")
