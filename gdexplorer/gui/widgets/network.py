"""An entity's neighbourhood as a small interactive graph (QGraphicsView, radial ego layout).

The entity sits in the middle; the entities it is related to (curated relations, coloured, with an
arrow for their direction) and those mentioned in the same articles (grey, thicker for more shared
articles) sit on an ellipse around it, half on each side, labels outside so they never overlap.
Clicking a node (or Tab to it and Enter) opens that entity; an edge's tooltip shows the relation and
its quote, or the shared articles, and clicking it opens the source or lists the shared articles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSizeF, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
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
    QGraphicsScene,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
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


class NetworkView(QGraphicsView):
    """Shows a ``NetworkPage``; emits ``entity_requested`` for a node and ``edge_activated`` for a link."""

    entity_requested = Signal(str)
    suggested_requested = Signal(object)  # SuggestedEntity: a suggestion's node or edge was chosen
    edge_activated = Signal(object)  # tuple[NetworkEdge, ...]
    shown = Signal()  # e.g. its tab was chosen: the time to load what it should show

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: NetworkPage | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self._message = ""
        self._stale = False  # content set while hidden, drawn when shown
        self.setObjectName("networkView")
        self.setAccessibleName("Entity network")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundRole(QPalette.ColorRole.Base)

    # -- content -----------------------------------------------------------------------------

    def set_page(self, page: NetworkPage) -> None:
        self.page = page
        self._message = ""
        self._build()

    def show_message(self, text: str) -> None:
        self.page = None
        self._message = text
        self._build()

    def node_names(self) -> list[str]:
        return [item.name for item in self.nodes.values() if not item.center]

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        if not self.isVisible():
            # The first text item in a scene costs ~50 ms (fonts, text layout): not at start-up, nor
            # while the user is looking at another tab.
            self._stale = True
            return
        self._stale = False
        scene = self.scene()
        scene.clear()
        self.nodes = {}
        self.edges = {}
        width = max(200.0, float(self.viewport().width()))
        height = max(200.0, float(self.viewport().height()))
        palette = self.palette()
        marks = marks_for(palette)
        if self.page is None:
            text = scene.addText(self._message)
            text.setDefaultTextColor(marks.secondary)
            text.setTextWidth(width - 2 * MARGIN)
            text.setPos(MARGIN, MARGIN)
            scene.setSceneRect(0, 0, width, height)
            return
        page = self.page
        network = page.network
        center = network.center
        grouped: dict[str, list[NetworkEdge]] = {}
        for edge in network.edges:
            other = edge.target if edge.source == center else edge.source
            if other != center:
                grouped.setdefault(other, []).append(edge)
        if not grouped:
            entity = page.entities.get(center)
            name = entity.name if entity is not None else center
            self._message = (f"No curated relation links {name} to another entity, and no other entity is "
                             "mentioned in the same articles.")
            self.page = None
            self._build()
            self.page = page
            return

        def strength(node: str) -> tuple[int, int]:
            edges = grouped[node]
            return (-sum(1 for e in edges if e.kind == "relation"),
                    -max((e.weight for e in edges if e.kind == "co-mention"), default=0))

        neighbours = sorted(grouped, key=strength)
        peak = max((e.weight for e in network.edges if e.kind == "co-mention"), default=1)
        font = self.font()
        metrics = QFontMetricsF(font)

        def name_of(node: str) -> str:
            entity = page.entities.get(node) or page.suggested.get(node)
            return entity.name if entity is not None else node

        widest = max(metrics.horizontalAdvance(name_of(node)) for node in neighbours) + 8
        center_width = metrics.horizontalAdvance(name_of(center)) * 1.1 + 8  # bold
        middle, placed = ego_layout(neighbours, width, height, widest, min(center_width, width - 2 * MARGIN))

        def radius(node: str) -> float:
            weight = max((e.weight for e in grouped[node] if e.kind == "co-mention"), default=0)
            if not weight:
                return MIN_RADIUS + 1
            return MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(weight / peak)

        for spot in placed:
            known = page.entities.get(spot.node) or page.suggested.get(spot.node)
            r = radius(spot.node)
            room = (width - spot.x - r - MARGIN - 10) if spot.right else (spot.x - r - MARGIN - 10)
            item = NodeItem(spot.node, known.name if known is not None else spot.node,
                            known.kind if known is not None else None, r, room, spot.right,
                            suggested=spot.node in page.suggested)
            item.set_font(font)
            item.setPos(spot.x, spot.y)
            item.setToolTip(self._node_tooltip(spot.node, grouped[spot.node]))
            item.activated.connect(self._on_node_activated)
            item.hovered.connect(self._on_node_hovered)
            co = next((e for e in grouped[spot.node] if e.kind == "co-mention"), None)
            co_width = 1.0 + 5.0 * math.sqrt(co.weight / peak) if co is not None else 0.0
            edge = EdgeItem(middle, QPointF(spot.x, spot.y), tuple(grouped[spot.node]), center, co_width, r,
                            edge_tooltip(tuple(grouped[spot.node]), page))
            edge.activated.connect(self._on_edge_activated)
            scene.addItem(edge)
            self.edges[spot.node] = edge
            self.nodes[spot.node] = item
        entity = page.entities.get(center)
        hub = NodeItem(center, entity.name if entity is not None else center,
                       entity.kind if entity is not None else None, CENTER_RADIUS, width - 2 * MARGIN, True,
                       center=True)
        hub.set_font(font)
        hub.setPos(middle)
        hub.setToolTip(entity.name if entity is not None else center)
        scene.addItem(hub)
        self.nodes[center] = hub
        self._place_predicates()
        # Tab order: top to bottom, right side then left side.
        for spot in sorted(placed, key=lambda p: (not p.right, p.y)):
            scene.addItem(self.nodes[spot.node])
        bottom = max([spot.y for spot in placed] + [middle.y() + CENTER_RADIUS + metrics.height()]) + 24
        self._add_legend(max(bottom, height - LEGEND + 6), width, marks, palette)
        scene.setSceneRect(0, 0, width, max(height, bottom + LEGEND))
        if self.hasFocus():
            self._focus_first()

    def _place_predicates(self) -> None:
        """Each predicate where it overlaps no other and no node (past the middle first: the centre is crowded)."""
        taken = [item.sceneBoundingRect() for item in self.nodes.values()]
        for edge in self.edges.values():
            if not edge.predicate:
                continue
            for along in (0.62, 0.5, 0.72, 0.4, 0.8):
                edge.place_predicate(along)
                rect = edge.predicate_rect()
                if not any(rect.intersects(other) for other in taken):
                    taken.append(rect)
                    break
            else:
                edge.hide_predicate()

    def _focus_first(self) -> None:
        first = next((item for item in self.nodes.values() if not item.center), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.TabFocusReason)

    def _add_legend(self, top: float, width: float, marks, palette: QPalette) -> None:
        scene = self.scene()
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.85))
        x = MARGIN
        link = QPen(palette.color(QPalette.ColorRole.Link), 1.6)
        scene.addLine(x, top + 7, x + 18, top + 7, link)
        label = scene.addSimpleText("curated relation", small)
        label.setBrush(QBrush(marks.secondary))
        label.setPos(x + 22, top)
        x += 22 + label.boundingRect().width() + 14
        grey = QColor(marks.secondary)
        grey.setAlpha(110)
        scene.addLine(x, top + 7, x + 18, top + 7, QPen(grey, 4))
        label = scene.addSimpleText("same articles (thicker: more)", small)
        label.setBrush(QBrush(marks.secondary))
        label.setPos(x + 22, top)
        if x + 22 + label.boundingRect().width() > width - MARGIN:
            label.setText("same articles")

    def _node_tooltip(self, node: str, edges: list[NetworkEdge]) -> str:
        page = self.page
        assert page is not None
        entity = page.entities.get(node)
        lines = [entity.name if entity is not None else node]
        if entity is not None:
            lines[0] += f" ({entity.kind.value})"
        suggestion = page.suggested.get(node)
        if suggestion is not None:
            lines[0] = f"{suggestion.name} (suggested {suggestion.kind.value}, not curated)"
        for edge in edges:
            if edge.kind == "co-mention":
                lines.append(f"{edge.label} with the centre entity")
            else:
                lines.append(f"{edge.label} ({'from' if edge.source == node else 'to'} the centre entity)")
        lines.append("Click to open it")
        return "\n".join(lines)

    @Slot(str)
    def _on_node_activated(self, node: str) -> None:
        suggestion = self.page.suggested.get(node) if self.page is not None else None
        if suggestion is not None:
            self.suggested_requested.emit(suggestion)
        else:
            self.entity_requested.emit(node)

    @Slot(object)
    def _on_edge_activated(self, edges: tuple[NetworkEdge, ...]) -> None:
        # A suggestion is in no index field, so its shared articles cannot be searched: it opens instead.
        page = self.page
        for edge in edges:
            suggestion = page.suggested.get(edge.target) if page is not None else None
            if suggestion is not None:
                self.suggested_requested.emit(suggestion)
                return
        self.edge_activated.emit(edges)

    @Slot(str, bool)
    def _on_node_hovered(self, node: str, on: bool) -> None:
        edge = self.edges.get(node)
        if edge is not None:
            edge.highlight = on
            edge.update()
        item = self.nodes.get(node)
        if item is not None:
            item.highlight = on
            item.update()

    # -- events ------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.page is not None or self._message:
            self._build()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._build()
        self.shown.emit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange) and (self.page or self._message):
            self._build()

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        if self.scene().focusItem() is None:
            self._focus_first()
