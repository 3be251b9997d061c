"""The article reader: headline, metadata, entity chips, and the body with hits and names marked.

The document is built with a ``QTextCursor`` rather than from HTML so that a character offset in
``Article.text`` maps to a document position by plain arithmetic: query hits, entity links and a
fact's quoted sentence are then placed exactly, and F3 can walk from hit to hit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
    QTextOption,
)
from PySide6.QtWidgets import QTextEdit, QWidget

from gdexplorer.gui.formatting import display_date, plural
from gdexplorer.gui.links import entity_href, suggested_href
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.linkbrowser import ICON_SIZE, LinkBrowser, kind_src

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.gui.pages import ArticlePage
    from gdexplorer.model import Entity, EntityKind, SuggestedEntity

Range = tuple[int, int]
ENTITIES_ANCHOR = "entities"
# Qt lays out a line by looking for the end of the word it is in: over one unbroken "word" of
# 200,000 characters (a pasted base64 image) that took 11 seconds, over a million it did not end.
# An article holding a run this long wraps anywhere instead, which lays out in linear time and
# leaves the text, and so every offset, as it is; other articles keep wrapping between words.
_UNBROKEN = re.compile(r"\S{1000}")


class ArticleView(LinkBrowser):
    """Shows one ``ArticlePage``; ``next_hit``/``previous_hit`` move through the query's words."""

    hit_changed = Signal(int, int)  # current hit (1-based, 0 for none), number of hits

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.setAccessibleName("Article")
        self.page: ArticlePage | None = None
        self._hits: list[Range] = []
        self._current = -1
        self._focus: Range | None = None
        self._body_start = 0
        self._title_start = 0
        self._welcome = ""
        self._document: QTextDocument | None = None

    # -- showing -----------------------------------------------------------------------------

    def show_page(self, page: ArticlePage) -> None:
        self.page = page
        self._current = -1
        self._render()
        if self._focus is not None:
            self._select(self._focus)
            self._scroll_to_later(self._focus[0])
        else:
            self.verticalScrollBar().setValue(0)
        self.hit_changed.emit(0, len(self._hits))

    def show_welcome(self, body_html: str) -> None:
        """A page of rich text (the welcome, or an error) instead of an article."""
        self.page = None
        self._welcome = body_html
        self._hits, self._focus, self._current = [], None, -1
        self.setExtraSelections([])
        self.setHtml(body_html)
        # After the text is replaced: relaying out an article with a huge word would be slow.
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.hit_changed.emit(0, 0)

    @property
    def hit_count(self) -> int:
        return len(self._hits)

    @property
    def current_hit(self) -> int:
        """1-based number of the hit the cursor is on; 0 when none."""
        return self._current + 1

    def focused_text(self) -> str:
        """The text of the marked sentence (a fact's quote), '' when none."""
        if self._focus is None:
            return ""
        cursor = self._cursor(self._focus)
        return cursor.selectedText().replace("\u2029", "\n")

    def selected_span(self) -> tuple[int, int] | None:
        """The selection as a range of ``page.article.text``, cut to the body; None when nothing is selected."""
        page = self.page
        cursor = self.textCursor()
        if page is None or not cursor.hasSelection():
            return None
        start = max(cursor.selectionStart(), self._body_start)
        end = min(cursor.selectionEnd(), self._pos(len(page.article.text)))
        if start >= end:
            return None
        shift = page.article.body_offset - self._body_start
        return start + shift, end + shift

    def select_span(self, start: int, end: int) -> None:
        """Select a range of ``page.article.text`` (its body part), as the mouse would."""
        page = self.page
        if page is None:
            return
        start, end = max(start, page.article.body_offset), min(end, len(page.article.text))
        if start < end:
            self.setTextCursor(self._cursor((self._pos(start), self._pos(end))))

    def marked_texts(self) -> list[str]:
        """The words marked as query hits, in order."""
        return [self._cursor(r).selectedText() for r in self._hits]

    def next_hit(self) -> None:
        self._step(+1)

    def previous_hit(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        if not self._hits:
            return
        if self._current < 0:
            # Start from where the reader is: the first hit below (or above) the top of the view.
            top = self.cursorForPosition(self.viewport().rect().topLeft()).position()
            after = [i for i, (start, _) in enumerate(self._hits) if start >= top]
            self._current = (after[0] if after else 0) if delta > 0 else (after[0] - 1 if after else -1)
            self._current %= len(self._hits)
        else:
            self._current = (self._current + delta) % len(self._hits)
        hit = self._hits[self._current]
        self._select(hit)
        self._update_marks()
        self._scroll_to(hit[0])
        self.hit_changed.emit(self._current + 1, len(self._hits))

    # -- building the document ---------------------------------------------------------------

    def _render(self) -> None:
        # The pages (and the model) are imported after the window's first paint (see MainWindow): here, when used.
        from gdexplorer.gui.pages import paragraph_breaks

        page = self.page
        if page is None:
            return
        marks = marks_for(self.palette())
        article, info = page.article, page.article.info
        doc = QTextDocument(self)
        doc.setDocumentMargin(26)
        base = QFont(self.font())
        base.setPointSizeF(base.pointSizeF() * 1.08)
        doc.setDefaultFont(base)
        cursor = QTextCursor(doc)

        plain = QTextCharFormat()
        secondary = QTextCharFormat()
        secondary.setForeground(marks.secondary)
        hit_format = QTextCharFormat()
        hit_format.setBackground(marks.hit_background)
        hit_format.setForeground(marks.hit_foreground)

        heading = QTextBlockFormat()
        heading.setBottomMargin(8)
        heading.setLineHeight(112, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        cursor.setBlockFormat(heading)
        title_format = QTextCharFormat()
        title_format.setFontPointSize(base.pointSizeF() * 1.55)
        title_format.setFontWeight(QFont.Weight.Bold)
        self._title_start = cursor.position()
        cursor.insertText(info.title, title_format)
        for start, end in page.title_hits:
            self._merge(doc, self._title_start + start, self._title_start + end, hit_format)

        meta = [display_date(info.date, long=True), info.source or "",
                f"By {info.byline}" if info.byline else "", info.category or ""]
        line = QTextBlockFormat()
        line.setBottomMargin(3)
        cursor.insertBlock(line, secondary)
        cursor.insertText("  ·  ".join(p for p in meta if p) or info.id, secondary)
        if info.url:
            cursor.insertText("  ·  ", secondary)
            link = QTextCharFormat()
            link.setAnchor(True)
            link.setAnchorHref(info.url)
            link.setForeground(self.palette().color(QPalette.ColorRole.Link))
            link.setToolTip(f"Open the original in the web browser:\n{info.url}")
            cursor.insertText("Original ↗", link)
        if page.entities:
            # A pointer to the full list below the body, which keeps the reading flow at the top.
            cursor.insertText("  ·  ", secondary)
            jump = QTextCharFormat()
            jump.setAnchor(True)
            jump.setAnchorHref(f"#{ENTITIES_ANCHOR}")
            jump.setForeground(self.palette().color(QPalette.ColorRole.Link))
            cursor.insertText(plural(len(page.entities), "entity", "entities") + " mentioned", jump)

        body = QTextBlockFormat()
        body.setLineHeight(140, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        text = article.body
        breaks = paragraph_breaks(text)
        if breaks or "\n\n" not in text:
            # Paragraphs are single lines: space them apart (blank lines do it otherwise).
            body.setBottomMargin(base.pointSizeF() * 0.8)
        first = QTextBlockFormat(body)
        first.setTopMargin(14)
        cursor.insertBlock(first, plain)
        self._body_start = cursor.position()
        if breaks:
            # Swap the last space of each gap for a newline: one character each, so offsets hold.
            chars = list(text)
            for gap in breaks:
                end = gap
                while end < len(chars) and chars[end] == " ":
                    end += 1
                chars[end - 1] = "\n"
            text = "".join(chars)
        # insertText turns each "\n" into a new block with the current block format: undo the
        # first block's extra top margin for them.
        cursor.insertText(text, plain)
        block = doc.findBlock(self._body_start).next()
        while block.isValid():
            QTextCursor(block).setBlockFormat(body)
            block = block.next()

        for ref in page.refs:
            if ref.start < article.body_offset:
                continue
            entity = self._entity(ref.entity_id)
            fmt = QTextCharFormat()
            fmt.setAnchor(True)
            fmt.setAnchorHref(entity_href(ref.entity_id))
            fmt.setForeground(self.palette().color(QPalette.ColorRole.Link))
            if entity is not None:
                fmt.setToolTip(f"{entity.name} ({entity.kind.value})" + (f"\n{entity.title}" if entity.title else ""))
            self._merge(doc, self._pos(ref.start), self._pos(ref.end), fmt)
        self._hits = [(self._title_start + s, self._title_start + e) for s, e in page.title_hits]
        for start, end in page.hits:
            if start >= article.body_offset:
                self._merge(doc, self._pos(start), self._pos(end), hit_format)
                self._hits.append((self._pos(start), self._pos(end)))
        if page.entities:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            self._insert_entity_list(cursor, page.entities, secondary)
        if page.suggested:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            self._insert_suggested_list(cursor, page.suggested, secondary)
        focus = page.location.focus
        self._focus = None
        if focus is not None and 0 <= focus[0] < focus[1] <= len(article.text):
            if focus[0] >= article.body_offset:
                self._focus = (self._pos(focus[0]), self._pos(focus[1]))
            else:
                self._focus = (self._title_start, self._title_start + len(info.title))
        doc.setModified(False)
        # The view imposes its wrap mode on the document it shows: change it while the document
        # shown needs no slow layout in either mode, before a document with a huge word, after one.
        unbroken = _UNBROKEN.search(info.title) or _UNBROKEN.search(article.body)
        wrap = QTextOption.WrapMode.WrapAnywhere if unbroken else QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
        if unbroken:
            self.setWordWrapMode(wrap)
        option = doc.defaultTextOption()
        option.setWrapMode(wrap)  # laid out once, in this mode, when shown
        doc.setDefaultTextOption(option)
        # setDocument does not delete a document the view did not create: drop the previous one.
        previous = self._document
        self._document = doc
        self.setDocument(doc)
        self.setWordWrapMode(wrap)
        if previous is not None:
            previous.deleteLater()
        self._update_marks()

    def _insert_entity_list(self, cursor: QTextCursor, entities: tuple[Entity, ...],
                            secondary: QTextCharFormat) -> None:
        """After the body: every entity the article mentions, one line per type, as links."""
        # The model is imported after the window's first paint (see MainWindow): here, when it is used.
        from gdexplorer.model import EntityKind

        heading = QTextBlockFormat()
        heading.setTopMargin(26)
        heading.setBottomMargin(6)
        label = QTextCharFormat(secondary)
        label.setFontPointSize(self.font().pointSizeF() * 0.9)
        label.setFontWeight(QFont.Weight.DemiBold)
        label.setAnchorNames([ENTITIES_ANCHOR])
        cursor.insertBlock(heading, label)
        cursor.insertText(f"MENTIONED IN THIS ARTICLE · {len(entities)}", label)
        link_color = self.palette().color(QPalette.ColorRole.Link)
        row = QTextBlockFormat()
        row.setBottomMargin(5)
        row.setLineHeight(130, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        grouped: dict[EntityKind, list[Entity]] = {}
        for entity in entities:
            grouped.setdefault(entity.kind, []).append(entity)
        for kind in EntityKind:
            members = grouped.get(kind)
            if not members:
                continue
            cursor.insertBlock(row, QTextCharFormat())
            image = QTextImageFormat()
            image.setName(kind_src(kind))
            image.setWidth(ICON_SIZE)
            image.setHeight(ICON_SIZE)
            image.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignMiddle)
            cursor.insertImage(image)
            name = QTextCharFormat(secondary)
            cursor.insertText(f"\u00a0{kind.plural}:\u00a0 ", name)
            for i, entity in enumerate(members):
                if i:
                    cursor.insertText(" · ", secondary)
                link = QTextCharFormat()
                link.setAnchor(True)
                link.setAnchorHref(entity_href(entity.id))
                link.setForeground(link_color)
                link.setToolTip(entity.title or entity.kind.value)
                cursor.insertText(entity.name, link)

    def _insert_suggested_list(self, cursor: QTextCursor, suggested: tuple[SuggestedEntity, ...],
                               secondary: QTextCharFormat) -> None:
        """After the curated ones: the suggested entities, in italics under their own heading, as links."""
        from gdexplorer.model import EntityKind

        heading = QTextBlockFormat()
        heading.setTopMargin(18)
        heading.setBottomMargin(6)
        label = QTextCharFormat(secondary)
        label.setFontPointSize(self.font().pointSizeF() * 0.9)
        label.setFontWeight(QFont.Weight.DemiBold)
        cursor.insertBlock(heading, label)
        cursor.insertText(f"SUGGESTED IN THIS ARTICLE (NOT CURATED) · {len(suggested)}", label)
        link_color = self.palette().color(QPalette.ColorRole.Link)
        row = QTextBlockFormat()
        row.setBottomMargin(5)
        row.setLineHeight(130, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        grouped: dict[EntityKind, list[SuggestedEntity]] = {}
        for s in suggested:
            grouped.setdefault(s.kind, []).append(s)
        for kind in EntityKind:
            members = grouped.get(kind)
            if not members:
                continue
            cursor.insertBlock(row, QTextCharFormat())
            image = QTextImageFormat()
            image.setName(kind_src(kind))
            image.setWidth(ICON_SIZE)
            image.setHeight(ICON_SIZE)
            image.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignMiddle)
            cursor.insertImage(image)
            cursor.insertText(f"\u00a0{kind.plural}:\u00a0 ", QTextCharFormat(secondary))
            for i, s in enumerate(members):
                if i:
                    cursor.insertText(" · ", secondary)
                link = QTextCharFormat()
                link.setAnchor(True)
                link.setAnchorHref(suggested_href(s.name))
                link.setForeground(link_color)
                link.setFontItalic(True)
                link.setToolTip(f"Suggested {kind.value}, not curated: {s.articles:,} articles. Click to open it.")
                cursor.insertText(s.name, link)

    def _entity(self, entity_id: str) -> Entity | None:
        if self.page is None:
            return None
        for entity in self.page.entities:
            if entity.id == entity_id:
                return entity
        return None

    def _pos(self, offset: int) -> int:
        """Document position of a character offset in the article's text (body part)."""
        assert self.page is not None
        return self._body_start + offset - self.page.article.body_offset

    @staticmethod
    def _merge(doc: QTextDocument, start: int, end: int, fmt: QTextCharFormat) -> None:
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(fmt)

    def _cursor(self, span: Range) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _select(self, span: Range) -> None:
        self.setTextCursor(self._cursor(span))

    def _update_marks(self) -> None:
        marks = marks_for(self.palette())
        selections = []
        if self._focus is not None:
            sentence = QTextEdit.ExtraSelection()
            sentence.cursor = self._cursor(self._focus)  # type: ignore[attr-defined]
            fmt = QTextCharFormat()
            fmt.setBackground(marks.focus_background)
            fmt.setForeground(marks.hit_foreground)
            sentence.format = fmt  # type: ignore[attr-defined]
            selections.append(sentence)
        if 0 <= self._current < len(self._hits):
            current = QTextEdit.ExtraSelection()
            current.cursor = self._cursor(self._hits[self._current])  # type: ignore[attr-defined]
            fmt = QTextCharFormat()
            fmt.setBackground(marks.current_hit_background)
            fmt.setForeground(marks.hit_foreground)
            current.format = fmt  # type: ignore[attr-defined]
            selections.append(current)
        self.setExtraSelections(selections)

    def _scroll_to(self, position: int) -> None:
        """Bring a position to a third of the way down the view (not the very edge)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(position)
        rect = self.cursorRect(cursor)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - self.viewport().height() // 3)

    def _scroll_to_later(self, position: int) -> None:
        # The view lays a new document out lazily; scroll again once it has.
        self._scroll_to(position)
        QTimer.singleShot(0, self, lambda: self._scroll_to(position))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange) and self.page is not None:
            # The marks and secondary text carry colours, the title a size: rebuild in the new palette or zoom.
            value = self.verticalScrollBar().value()
            current = self._current
            self._render()
            self._current = current
            self._update_marks()
            self.verticalScrollBar().setValue(value)
