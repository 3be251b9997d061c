"""The network's pieces: the radial ego layout, and the node and edge items the view draws.

Each node is a dot with its label outside the ellipse; each edge a line (an arrow for a directed
curated relation) whose predicate can sit on it. Items are focusable, so the graph works from the
keyboard, and say through signals what was hovered or activated; the view (``network``) decides
what that opens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from gdexplorer.gui.explorepages import NetworkPage
from gdexplorer.gui.theme import marks_for
from gdexplorer.model import EntityKind, NetworkEdge

KIND_COLORS = {
    EntityKind.PERSON: "#3b7dd8",
    EntityKind.ORGANIZATION: "#7e57c2",
    EntityKind.PLACE: "#2e9d6a",
    EntityKind.TECHNOLOGY: "#e08a00",
    EntityKind.PRODUCT: "#d81b78",
    EntityKind.EVENT: "#d84a3a",
}
UNKNOWN_COLOR = "#8a8f98"
CENTER_RADIUS = 13.0
MIN_RADIUS, MAX_RADIUS = 6.0, 11.0
MARGIN = 10.0
PREDICATE_WIDTH = 120.0  # a longer predicate on an edge is elided (the tooltip has it whole)
LEGEND = 34.0  # room at the bottom for the legend
MIN_ROW = 22.0  # vertical room per neighbour on one side


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a neighbour goes: its centre, and whether its label reads to the right of it."""

    node: str
    x: float
    y: float
    right: bool


def ego_layout(neighbours: list[str], width: float, height: float,
               label_width: float = 80.0, center_width: float = 80.0) -> tuple[QPointF, list[Placed]]:
    """The centre and the neighbours' places: alternately right and left of the centre, evenly
    spaced top to bottom on each side along an ellipse (so labels, placed outwards, never collide).

    ``neighbours`` come strongest first; the strongest land nearest the middle of each side. The
    ellipse is as wide as the longest label (``label_width``) allows, so short names spread out and
    long ones keep most of the width.
    """
    right = neighbours[0::2]
    left = neighbours[1::2]
    rows = max(len(right), len(left), 1)
    usable = max(height - LEGEND - 2 * MARGIN, rows * MIN_ROW)
    cx = width / 2
    cy = MARGIN + usable / 2
    rx = max(40.0, min(width * 0.25, width / 2 - MARGIN - label_width - MAX_RADIUS - 10, 110.0))
    ry = usable / 2
    placed: list[Placed] = []
    for side, members in ((True, right), (False, left)):
        n = len(members)
        if not n:
            continue
        step = usable / n
        # Strongest in the middle rows: order the slots by distance from the centre line.
        slots = sorted(range(n), key=lambda k: abs((k + 0.5) - n / 2))
        for node, k in zip(members, slots, strict=False):
            y = MARGIN + step * (k + 0.5)
            t = (y - cy) / ry if ry else 0.0
            dx = rx * math.sqrt(max(0.0, 1 - t * t))
            dx = max(dx, 28.0)  # never straight above or below the centre
            if 0 <= y - cy <= CENTER_RADIUS + 30:
                dx = max(dx, center_width / 2 + MAX_RADIUS + 4)  # clear of the centre's label under it
            placed.append(Placed(node, cx + dx if side else cx - dx, y, side))
    return QPointF(cx, cy), placed


def kind_color(kind: EntityKind | None) -> QColor:
    return QColor(KIND_COLORS.get(kind, UNKNOWN_COLOR) if kind is not None else UNKNOWN_COLOR)


class NodeItem(QGraphicsObject):
    """A circle in the entity's colour with its name beside it; focusable, clickable."""

    activated = Signal(str)
    hovered = Signal(str, bool)

    def __init__(self, node: str, name: str, kind: EntityKind | None, radius: float, label_width: float,
                 right: bool, center: bool = False, suggested: bool = False) -> None:
        super().__init__()
        self.suggested = suggested  # drawn hollow, its name in italics, as the sidebar marks suggestions
        self.node = node
        self.name = name
        self.kind = kind
        self.radius = radius
        self.right = right
        self.center = center
        self.label_width = max(20.0, label_width)
        self.highlight = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, not center)
        self.setAcceptHoverEvents(True)
        if not center:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(2)
        self._font = QFont()
        if center:
            self._font.setBold(True)
        self._label = ""

    def set_font(self, font: QFont) -> None:
        self.prepareGeometryChange()
        self._font = QFont(font)
        if self.center:
            self._font.setBold(True)
        self._font.setItalic(self.suggested)
        metrics = QFontMetricsF(self._font)
        self._label = metrics.elidedText(self.name, Qt.TextElideMode.ElideRight, self.label_width)

    @property
    def label(self) -> str:
        return self._label

    def _label_rect(self) -> QRectF:
        metrics = QFontMetricsF(self._font)
        width = metrics.horizontalAdvance(self._label) + 8
        height = metrics.height() + 2
        r = self.radius
        if self.center:
            return QRectF(-width / 2, r + 3, width, height)
        if self.right:
            return QRectF(r + 3, -height / 2, width, height)
        return QRectF(-r - 3 - width, -height / 2, width, height)

    def boundingRect(self) -> QRectF:
        r = self.radius + 3
        return QRectF(-r, -r, 2 * r, 2 * r).united(self._label_rect()).adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = self.radius + 2
        path.addEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        path.addRect(self._label_rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        palette = widget.palette() if widget is not None else QPalette()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = kind_color(self.kind)
        r = self.radius
        focused = self.hasFocus()
        if self.highlight or focused:
            halo = QColor(color)
            halo.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(QRectF(-r - 4, -r - 4, 2 * r + 8, 2 * r + 8))
        if self.suggested:
            painter.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
        else:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Base), 2))
            painter.setBrush(color)
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        rect = self._label_rect()
        # The label on the view's background, so an edge passing behind it never crosses the text.
        back = QColor(palette.color(QPalette.ColorRole.Base))
        back.setAlpha(225)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(back)
        painter.drawRoundedRect(rect, 4, 4)
        if focused:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 4, 4)
        painter.setFont(self._font)
        text = palette.color(QPalette.ColorRole.Link if (self.highlight and not self.center) else
                             QPalette.ColorRole.Text)
        painter.setPen(text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._label)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered.emit(self.node, True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered.emit(self.node, False)
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.center:
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.center and \
                self.shape().contains(event.pos()):
            self.activated.emit(self.node)
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.node)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        self.hovered.emit(self.node, True)
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self.hovered.emit(self.node, False)
        self.update()
        super().focusOutEvent(event)


class EdgeItem(QGraphicsObject):
    """The link(s) between the centre and one neighbour: a co-mention line under a relation line."""

    activated = Signal(object)  # tuple[NetworkEdge, ...]

    def __init__(self, start: QPointF, end: QPointF, edges: tuple[NetworkEdge, ...], center: str,
                 co_width: float, end_radius: float, tooltip: str) -> None:
        super().__init__()
        self.start = start
        self.end = end
        self.edges = edges
        self.center = center
        self.co_width = co_width
        self.end_radius = end_radius
        self.highlight = False
        self.setToolTip(tooltip)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(1)
        # The predicate on the line ("based in"): the network said who is related but not how.
        self.small = QFont()
        self.small.setPointSizeF(max(6.5, self.small.pointSizeF() * 0.82))
        metrics = QFontMetricsF(self.small)
        predicate = " · ".join(dict.fromkeys(e.label for e in edges if e.kind == "relation"))
        self.predicate = metrics.elidedText(predicate, Qt.TextElideMode.ElideRight, PREDICATE_WIDTH)
        self._predicate_size = QSizeF(metrics.horizontalAdvance(self.predicate) + 6, metrics.height() + 2)
        self._predicate_rect = QRectF()
        self.place_predicate(0.62)

    def place_predicate(self, along: float) -> None:
        """Put the predicate this far along the line from the centre (0 to 1); '' hides it."""
        if not self.predicate:
            self._predicate_rect = QRectF()
            return
        self.prepareGeometryChange()
        start, end, size = self.start, self.end, self._predicate_size
        at = QPointF(start.x() + (end.x() - start.x()) * along, start.y() + (end.y() - start.y()) * along)
        self._predicate_rect = QRectF(at - QPointF(size.width() / 2, size.height() / 2), size)

    def hide_predicate(self) -> None:
        """No free spot on the line: the tooltip still has it."""
        self.prepareGeometryChange()
        self.predicate = ""
        self._predicate_rect = QRectF()

    @property
    def relations(self) -> list[NetworkEdge]:
        return [e for e in self.edges if e.kind == "relation"]

    @property
    def co_mention(self) -> NetworkEdge | None:
        return next((e for e in self.edges if e.kind == "co-mention"), None)

    def _line(self) -> QPainterPath:
        path = QPainterPath(self.start)
        path.lineTo(self.end)
        return path

    def boundingRect(self) -> QRectF:
        line = QRectF(self.start, self.end).normalized().adjusted(-10, -10, 10, 10)
        return line.united(self._predicate_rect) if self.predicate else line

    def predicate_rect(self) -> QRectF:
        """Where the relation's predicate is written (empty with no curated relation)."""
        return QRectF(self._predicate_rect)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(max(8.0, self.co_width + 4))
        return stroker.createStroke(self._line())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        palette = widget.palette() if widget is not None else QPalette()
        marks = marks_for(palette)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.co_mention is not None:
            grey = QColor(marks.secondary)
            grey.setAlpha(150 if self.highlight else 80)
            pen = QPen(grey, self.co_width + (1 if self.highlight else 0))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(self.start, self.end)
        relations = self.relations
        if relations:
            accent = QColor(palette.color(QPalette.ColorRole.Link))
            painter.setPen(QPen(accent, 2.2 if self.highlight else 1.6))
            painter.drawLine(self.start, self.end)
            painter.setBrush(accent)
            painter.setPen(Qt.PenStyle.NoPen)
            for rel in relations:
                outgoing = rel.source == self.center
                tip, tail = (self.end, self.start) if outgoing else (self.start, self.end)
                radius = self.end_radius if outgoing else CENTER_RADIUS
                painter.drawPolygon(_arrow(tail, tip, radius + 2))
            if self.predicate:
                painter.setBrush(palette.color(QPalette.ColorRole.Base))
                painter.drawRoundedRect(self._predicate_rect, 3, 3)
                painter.setFont(self.small)
                painter.setPen(accent if self.highlight else palette.color(QPalette.ColorRole.Text))
                painter.drawText(self._predicate_rect, Qt.AlignmentFlag.AlignCenter, self.predicate)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.highlight = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.highlight = False
        self.update()
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.edges)
            return
        super().mouseReleaseEvent(event)


def _arrow(tail: QPointF, tip: QPointF, back_off: float) -> QPolygonF:
    dx, dy = tip.x() - tail.x(), tip.y() - tail.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    point = QPointF(tip.x() - ux * back_off, tip.y() - uy * back_off)
    size = 7.0
    left = QPointF(point.x() - ux * size - uy * size * 0.5, point.y() - uy * size + ux * size * 0.5)
    right = QPointF(point.x() - ux * size + uy * size * 0.5, point.y() - uy * size - ux * size * 0.5)
    return QPolygonF([point, left, right])


def edge_tooltip(edges: tuple[NetworkEdge, ...], page: NetworkPage) -> str:
    """What an edge says when hovered: each relation with its quote and source, the shared articles."""

    def name(node: str) -> str:
        entity = page.entities.get(node) or page.suggested.get(node)
        return entity.name if entity is not None else node

    parts = []
    for edge in edges:
        if edge.kind == "relation":
            text = f"<b>{_e(name(edge.source))}</b> {_e(edge.label)} <b>{_e(name(edge.target))}</b>"
            if edge.quote:
                text += f"<br><i>“{_e(_clip(edge.quote, 220))}”</i>"
            if edge.articles:
                info = page.titles.get(edge.articles[0])
                text += f"<br>— {_e(info.title if info else edge.articles[0])}"
            parts.append(text + "<br><small>Click to open the source</small>")
        else:
            lines = [f"<b>{_e(name(edge.source))}</b> and <b>{_e(name(edge.target))}</b>: {_e(edge.label)}"]
            for article in edge.articles[:5]:
                info = page.titles.get(article)
                lines.append(f"• {_e(info.title if info else article)}")
            if edge.weight > 5:
                lines.append(f"and {edge.weight - 5:,} more")
            parts.append("<br>".join(lines) + "<br><small>Click to list them in the results</small>")
    return "<p style='white-space:pre-wrap'>" + "<hr>".join(parts) + "</p>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _e(text: str) -> str:
    import html

    return html.escape(text, quote=False)
