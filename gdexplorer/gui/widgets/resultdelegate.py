"""Paints a search hit: headline, date and category, and a snippet with the matched words marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
    QTextOption,
)
from PySide6.QtWidgets import QApplication, QStyledItemDelegate

from gdexplorer.gui.formatting import display_date
from gdexplorer.gui.itemmodels import item_at
from gdexplorer.gui.theme import marks_for

if TYPE_CHECKING:
    # Types only: QStyle's types and the core's model (its dataclasses) come after the window's first paint.
    from PySide6.QtWidgets import QStyleOptionViewItem

    from gdexplorer.model import Hit

SNIPPET_LINES = 3
PAD_X, PAD_Y, GAP = 12, 9, 3


def meta_line(hit: Hit) -> str:
    """Date · category · source, whichever the article has; the page of the snippet in a PDF; then how many
    copies of it the search found."""
    parts = [display_date(hit.info.date), hit.info.category or "", hit.info.source or "",
             f"page {hit.page}" if hit.page is not None else "", copies_label(hit)]
    return "  ·  ".join(p for p in parts if p)


def copies_label(hit: Hit) -> str:
    """"+2 copies" for a hit standing for articles with the same text ("" without any); near copies
    (a sentence apart) counted too and said apart: "+3 copies, 1 near"."""
    n = len(hit.copies) + len(hit.near_copies)
    near = f", {len(hit.near_copies)} near" if hit.near_copies else ""
    return f"+{n} {'copy' if n == 1 else 'copies'}{near}" if n else ""


class ResultDelegate(QStyledItemDelegate):
    """Three fixed parts per row so every row has the same height (cheap to scroll through)."""

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        title = QFont(base)
        title.setBold(True)
        title.setPointSizeF(base.pointSizeF() * 1.07)
        meta = QFont(base)
        meta.setPointSizeF(base.pointSizeF() * 0.9)
        return title, meta, base

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        title, meta, body = self._fonts(option)
        height = (PAD_Y * 2 + QFontMetricsF(title).height() + GAP + QFontMetricsF(meta).height() + GAP
                  + SNIPPET_LINES * QFontMetricsF(body).lineSpacing())
        # A list row fills the viewport's width anyway; a width taken from the option stayed that of a wider
        # column (uniform sizes are cached), so a narrowed column scrolled sideways and cut the titles unelided.
        return QSize(120, int(height + 1))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        # Here, not at the top: QStyle's Python types (~17 ms) and the model are not needed for the
        # window's first paint (no rows yet).
        from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

        from gdexplorer.model import Hit

        hit = item_at(index)
        if not isinstance(hit, Hit):
            super().paint(painter, option, index)
            return

        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        # Background, selection and focus frame as the platform style draws them.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        marks = marks_for(palette)
        group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else \
            QPalette.ColorGroup.Inactive
        text_color = palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        secondary = text_color if selected else marks.secondary
        title_font, meta_font, body_font = self._fonts(opt)
        rect = QRectF(opt.rect).adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)

        painter.save()
        painter.setClipRect(opt.rect)
        y = rect.top()
        painter.setFont(title_font)
        painter.setPen(text_color)
        title_metrics = QFontMetricsF(title_font)
        title = title_metrics.elidedText(hit.info.title or hit.info.id, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(QPointF(rect.left(), y + title_metrics.ascent()), title)
        y += title_metrics.height() + GAP

        painter.setFont(meta_font)
        painter.setPen(secondary)
        meta_metrics = QFontMetricsF(meta_font)
        meta = meta_metrics.elidedText(meta_line(hit) or hit.info.id, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(QPointF(rect.left(), y + meta_metrics.ascent()), meta)
        y += meta_metrics.height() + GAP

        self._paint_snippet(painter, hit, body_font, QRectF(rect.left(), y, rect.width(), rect.bottom() - y),
                            text_color, marks.hit_background, marks.hit_foreground)
        painter.restore()

        # A hairline between rows; the selection already separates the selected one.
        if not selected:
            painter.save()
            line = palette.color(QPalette.ColorRole.Mid)
            line.setAlpha(90)
            painter.setPen(line)
            painter.drawLine(opt.rect.left() + PAD_X, opt.rect.bottom(), opt.rect.right() - PAD_X, opt.rect.bottom())
            painter.restore()

    def _paint_snippet(self, painter: QPainter, hit: Hit, font: QFont, rect: QRectF, color: QColor,
                       marker: QColor, marked: QColor) -> None:
        text = ""
        ranges = []
        for segment in hit.snippet:
            if segment.match:
                fmt = QTextCharFormat()
                fmt.setBackground(marker)
                fmt.setForeground(marked)
                fmt.setFontWeight(QFont.Weight.DemiBold)
                r = QTextLayout.FormatRange()
                r.start, r.length, r.format = len(text), len(segment.text), fmt
                ranges.append(r)
            text += segment.text
        if not text:
            return
        layout = QTextLayout(text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.setFormats(ranges)
        metrics = QFontMetricsF(font)
        layout.beginLayout()
        y = 0.0
        lines = []
        while len(lines) < SNIPPET_LINES:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(rect.width())
            line.setPosition(QPointF(0, y))
            y += metrics.lineSpacing()
            lines.append(line)
        layout.endLayout()
        painter.setPen(color)
        truncated = bool(lines) and lines[-1].textStart() + lines[-1].textLength() < len(text)
        if truncated:
            # Leave room on the last line for an ellipsis rather than cutting a word in half.
            last = lines[-1]
            ellipsis = "…"
            room = rect.width() - metrics.horizontalAdvance(ellipsis)
            x = _x_of(last, last.xToCursor(room, QTextLine.CursorPosition.CursorOnCharacter))
            for line in lines[:-1]:
                line.draw(painter, rect.topLeft())
            painter.save()
            painter.setClipRect(QRectF(rect.left(), rect.top() + last.y(), x, metrics.lineSpacing()))
            last.draw(painter, rect.topLeft())
            painter.restore()
            painter.drawText(QPointF(rect.left() + x, rect.top() + last.y() + metrics.ascent()), ellipsis)
        else:
            layout.draw(painter, rect.topLeft())


def _x_of(line: QTextLine, cursor: int) -> float:
    # PySide returns (x, cursor) for the C++ in/out argument.
    found = line.cursorToX(cursor)
    return float(found[0] if isinstance(found, tuple) else found)
