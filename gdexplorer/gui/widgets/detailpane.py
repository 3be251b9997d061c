"""The entity detail pane: who or what it is, its sourced facts and relations, where it is mentioned."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint
from PySide6.QtWidgets import QWidget

from gdexplorer.gui.formatting import display_date, plural
from gdexplorer.gui.links import FactLink, article_href, entity_href, fact_href, parse_href, search_href
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.linkbrowser import LinkBrowser, kind_src

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.gui.pages import EntityPage
    from gdexplorer.model import ArticleInfo, Entity, Fact, Relation

DETAIL_HINT = "Click a name in an article, or an entity in the list above, to see what is known about it."

_KIND_NAMES = {
    "person": "Person", "organization": "Organization", "place": "Place",
    "technology": "Technology", "product": "Product", "event": "Event",
}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class DetailPane(LinkBrowser):
    """Renders an ``EntityPage``; every name, quote and article in it is a link."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setAccessibleName("Entity details")
        self.page: EntityPage | None = None
        self._placeholder = ""

    def show_page(self, page: EntityPage) -> None:
        self.page = page
        self._render()
        self.verticalScrollBar().setValue(0)

    def show_placeholder(self, text: str) -> None:
        self.page = None
        self._placeholder = text
        self._render()

    def _render(self) -> None:
        marks = marks_for(self.palette())
        secondary = marks.secondary.name()
        if self.page is None:
            self.setHtml(f"<div style='margin:14px; color:{secondary}'>{self._placeholder}</div>")
            return
        self.setHtml(entity_html(self.page, secondary))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            value = self.verticalScrollBar().value()
            self._render()
            self.verticalScrollBar().setValue(value)

    def item_at(self, pos: QPoint) -> FactLink | None:
        """The fact or relation shown at a point of the viewport (as its first action link), or None."""
        cursor = self.cursorForPosition(pos)
        table = cursor.currentTable()
        if table is None:
            return None
        row = table.cellAt(cursor).row()
        for column in range(table.columns()):
            cell = table.cellAt(row, column)
            block = self.document().findBlock(cell.firstPosition())
            while block.isValid() and block.position() <= cell.lastPosition():
                it = block.begin()
                while not it.atEnd():
                    link = parse_href(it.fragment().charFormat().anchorHref())
                    if isinstance(link, FactLink):
                        return link
                    it += 1
                block = block.next()
        return None


def entity_html(page: EntityPage, secondary: str) -> str:
    entity = page.entity
    parts = [
        "<table cellspacing='0' cellpadding='0' style='margin-top:4px'><tr>"
        f"<td valign='middle'><img src='{kind_src(entity.kind)}' width='20' height='20'></td>"
        f"<td valign='middle' style='padding-left:8px; font-size:x-large; font-weight:600'>{_e(entity.name)}</td>"
        "</tr></table>",
    ]
    kind = _KIND_NAMES.get(entity.kind.value, entity.kind.value)
    subtitle = kind + (f" · {_e(entity.title)}" if entity.title else "")
    parts.append(f"<p style='color:{secondary}; margin-top:4px'>{subtitle}</p>")
    if entity.aliases:
        parts.append(f"<p><span style='color:{secondary}'>Also known as</span> "
                     + ", ".join(f"<i>{_e(a)}</i>" for a in entity.aliases) + "</p>")
    if entity.description:
        parts.append(f"<p>{_e(entity.description)}</p>")

    if entity.facts:
        parts.append(_heading(f"Facts · {len(entity.facts)}", secondary))
        parts.extend(_fact(fact, page.article_titles.get(fact.article), secondary,
                           _actions(entity.id, "fact", i, (("edit", "edit"), ("delete", "delete"),
                                                           ("cite", "copy citation")), secondary))
                     for i, fact in enumerate(entity.facts))

    if entity.relations or page.incoming:
        parts.append(_heading(f"Relations · {len(entity.relations) + len(page.incoming)}", secondary))
        rows = [_outgoing(rel, page.others.get(rel.object), secondary,
                          _actions(entity.id, "relation", i, (("cite", "cite"), ("delete", "delete")), secondary))
                for i, rel in enumerate(entity.relations)]
        rows += [_incoming(subject, predicate, entity) for subject, predicate in page.incoming]
        parts.append("<table cellspacing='0' cellpadding='0'>" + "".join(rows) + "</table>")

    parts.append(_heading("Mentioned in", secondary))
    if not page.indexed:
        parts.append(f"<p style='color:{secondary}'>Mentions are counted once the index is built.</p>")
    elif not page.mention_total:
        parts.append(f"<p style='color:{secondary}'>No article names {_e(entity.name)} "
                     "by its name or aliases.</p>")
    else:
        parts.append(f"<p>{plural(page.mention_total, 'article')}</p>")
        parts.append("<table cellspacing='0' cellpadding='0'>"
                     + "".join(_mention(info, secondary) for info in page.mentions) + "</table>")
        if page.mention_total > len(page.mentions):
            more = page.mention_total - len(page.mentions)
            parts.append(f"<p><a href='{_e(search_href('entity:' + entity.id))}'>"
                         f"{plural(more, 'more article')} — show them all in the results</a></p>")
        else:
            parts.append(f"<p><a href='{_e(search_href('entity:' + entity.id))}'>List them in the results</a></p>")
    if entity.where is not None:
        parts.append(f"<p style='color:{secondary}; font-size:small; margin-top:16px'>Curated in "
                     f"{_e(entity.where.path)}:{entity.where.line}</p>")
    return "<div style='margin:6px 10px'>" + "".join(parts) + "</div>"


def _heading(text: str, secondary: str) -> str:
    return (f"<p style='margin-top:16px; margin-bottom:4px; font-size:small; font-weight:600; "
            f"color:{secondary}'>{_e(text.upper())}</p>")


def _source(article_id: str, info: ArticleInfo | None, span: tuple[int, int] | None, secondary: str) -> str:
    title = info.title if info is not None else article_id
    date = display_date(info.date) if info is not None else ""
    where = f", {date}" if date else ""
    return (f"<span style='color:{secondary}'>— </span><a href='{_e(article_href(article_id, span))}'>"
            f"{_e(title)}</a><span style='color:{secondary}'>{_e(where)}</span>")


def _actions(entity_id: str, item: str, index: int, actions: tuple[tuple[str, str], ...], secondary: str) -> str:
    """Quiet links to curate a fact or relation ("edit · delete · copy citation")."""
    return f"<span style='color:{secondary}'> · </span>".join(
        f"<a href='{_e(fact_href(entity_id, item, index, action))}' "
        f"style='color:{secondary}; text-decoration:none'>{_e(label)}</a>"
        for action, label in actions)


def _fact(fact: Fact, info: ArticleInfo | None, secondary: str, actions: str = "") -> str:
    href = _e(article_href(fact.article, fact.span))
    return (
        "<table cellspacing='0' cellpadding='0' style='margin-top:6px; margin-bottom:4px'><tr>"
        "<td width='14' valign='top'>•</td><td>"
        f"{_e(fact.text)}<br>"
        f"<a href='{href}' style='text-decoration:none'><i>“{_e(fact.quote)}”</i></a><br>"
        f"<span style='font-size:small'>{_source(fact.article, info, fact.span, secondary)}</span>"
        + (f"<br><span style='font-size:small'>{actions}</span>" if actions else "")
        + "</td></tr></table>"
    )


def _entity_link(entity: Entity | None, fallback: str) -> str:
    if entity is None:
        return f"<span>{_e(fallback)}</span>"
    return (f"<img src='{kind_src(entity.kind)}' width='12' height='12'>&nbsp;"
            f"<a href='{_e(entity_href(entity.id))}'>{_e(entity.name)}</a>")


def _outgoing(relation: Relation, other: Entity | None, secondary: str, actions: str = "") -> str:
    source = f"<a href='{_e(article_href(relation.article, relation.span))}' title='{_e(relation.quote)}'>source</a>"
    if actions:
        source += f"<span style='color:{secondary}'> · </span>{actions}"
    return (f"<tr><td style='padding:2px 10px 2px 0; color:{secondary}' align='right'>{_e(relation.predicate)}</td>"
            f"<td style='padding:2px 8px 2px 0'>{_entity_link(other, relation.object)}</td>"
            f"<td style='padding:2px 0; font-size:small'>{source}</td></tr>")


def _incoming(subject: Entity, predicate: str, entity: Entity) -> str:
    return (f"<tr><td style='padding:2px 10px 2px 0' align='right'>{_entity_link(subject, subject.id)}</td>"
            f"<td style='padding:2px 8px 2px 0' colspan='2'>{_e(predicate)} <i>{_e(entity.name)}</i></td></tr>")


def _mention(info: ArticleInfo, secondary: str) -> str:
    date = display_date(info.date)
    return (f"<tr><td style='padding:2px 8px 2px 0'><a href='{_e(article_href(info.id))}'>{_e(info.title)}</a></td>"
            f"<td style='padding:2px 0; color:{secondary}' align='right'>{_e(date)}</td></tr>")
