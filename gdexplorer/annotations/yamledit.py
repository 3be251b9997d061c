"""Text surgery on an annotation file: a YAML list item appended, replaced or taken out by editing
the file's lines, found through the composed nodes' marks, so that comments, key order and
formatting elsewhere stay byte for byte (``gdexplorer.annotations.curation`` checks and saves).
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from gdexplorer.annotations.safeyaml import Refused, compose
from gdexplorer.errors import AnnotationError
from gdexplorer.model import EntityKind, Fact, Relation

_NULL_TAG = "tag:yaml.org,2002:null"


def _locate(text: str, display: str, entity_id: str) -> yaml.MappingNode:
    root = _compose(text, display)
    for node in _entities(root):
        for key, value in node.value:
            if key.value == "id" and isinstance(value, yaml.ScalarNode) and str(value.value).strip() == entity_id:
                return node
    raise AnnotationError(display, f"entity '{entity_id}' is no longer in the file; reload first")


def append_item(text: str, display: str, entity_id: str, key: str, item: Mapping[str, object]) -> str:
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


def append_alias(text: str, display: str, entity_id: str, alias: str) -> str:
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


def append_entity(text: str, display: str, kind: EntityKind, item: Mapping[str, object]) -> str:
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


def replace_item(text: str, display: str, entity_id: str, wanted: Fact | Relation,
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
