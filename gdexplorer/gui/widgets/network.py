"""An entity's neighbourhood as a small interactive graph (QGraphicsView, radial ego layout).

The entity sits in the middle; the entities it is related to (curated relations, coloured, with an
arrow for their direction) and those mentioned in the same articles (grey, thicker for more shared
articles) sit on an ellipse around it, half on each side, labels outside so they never overlap.
Clicking a node (or Tab to it and Enter) opens that entity; an edge's tooltip shows the relation and
its quote, or the shared articles, and clicking it opens the source or lists the shared articles.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from gdexplorer.gui.explorepages import NetworkPage
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.networkitems import (
    CENTER_RADIUS,
    LEGEND,
    MARGIN,
    MAX_RADIUS,
    MIN_RADIUS,
    EdgeItem,
    NodeItem,
    edge_tooltip,
    ego_layout,
)
from gdexplorer.model import NetworkEdge


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
