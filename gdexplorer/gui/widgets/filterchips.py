"""The active facet filters as removable chips beside the search field.

A chip is a button: a click, Space, Delete or Backspace removes its filter. Backspace in the empty
search field removes the last one, as in a token field. Chips that do not fit collapse into a
"+N" button whose menu lists (and removes) them.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractButton, QMenu, QSizePolicy, QToolButton, QWidget

from gdexplorer.gui.explorepages import Filter, FilterGroup
from gdexplorer.gui.theme import marks_for

PREFIX = {FilterGroup.CATEGORY: "Section", FilterGroup.DATE: "Date", FilterGroup.ENTITY: "Mentions",
          FilterGroup.STARRED: "Workbench", FilterGroup.TAG: "Tag", FilterGroup.FORMAT: "Type",
          FilterGroup.SITE: "Site"}
SPACING = 4
PAD = 8
CLOSE = 14  # the close glyph's box
MAX_LABEL = 180


class Chip(QAbstractButton):
    """One filter; clicking it (or Delete, Backspace, Space) asks for its removal."""

    def __init__(self, chosen: Filter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = chosen
        self.setObjectName("filterChip")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{chosen.description}\nClick (or press Delete) to remove this filter")
        self.setAccessibleName(f"Remove filter {chosen.description}")
        self.setText(chosen.label)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def _parts(self) -> tuple[str, str]:
        metrics = QFontMetrics(self.font())
        return PREFIX[self.filter.group], metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, MAX_LABEL)

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        prefix, label = self._parts()
        width = PAD + metrics.horizontalAdvance(prefix) + 5 + metrics.horizontalAdvance(label) + 6 + CLOSE + PAD - 2
        return QSize(width, metrics.height() + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.click()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        marks = marks_for(palette)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        hovered = self.underMouse() or self.isDown()
        fill = QColor(palette.color(QPalette.ColorRole.Highlight))
        fill.setAlpha(70 if hovered else 38)
        painter.setBrush(fill)
        border = QColor(palette.color(QPalette.ColorRole.Highlight))
        border.setAlpha(230 if self.hasFocus() else 110)
        painter.setPen(QPen(border, 1.6 if self.hasFocus() else 1.0))
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)

        metrics = QFontMetrics(self.font())
        prefix, label = self._parts()
        x = PAD
        baseline = int((self.height() + metrics.ascent() - metrics.descent()) / 2)
        painter.setPen(marks.secondary)
        painter.drawText(x, baseline, prefix)
        x += metrics.horizontalAdvance(prefix) + 5
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(x, baseline, label)
        # The close cross, in a circle that darkens under the mouse.
        box = QRectF(self.width() - PAD + 2 - CLOSE, (self.height() - CLOSE) / 2, CLOSE, CLOSE)
        if hovered:
            circle = QColor(palette.color(QPalette.ColorRole.Text))
            circle.setAlpha(40)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(circle)
            painter.drawEllipse(box)
        pen = QPen(palette.color(QPalette.ColorRole.Text) if hovered else marks.secondary, 1.4)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        inset = box.adjusted(4, 4, -4, -4)
        painter.drawLine(inset.topLeft(), inset.bottomRight())
        painter.drawLine(inset.topRight(), inset.bottomLeft())
        painter.end()


class FilterChips(QWidget):
    """Shows ``Filter``s; emits ``filter_removed`` for the one the user removes."""

    filter_removed = Signal(object)  # Filter
    clear_requested = Signal()
    focus_left = Signal()  # the last chip went while it had the focus: the search field takes it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterChips")
        self.setAccessibleName("Filters")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._filters: tuple[Filter, ...] = ()
        self._chips: list[Chip] = []
        self.more = QToolButton(self)
        self.more.setObjectName("moreFilters")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setAutoRaise(True)
        self.more.setMenu(QMenu(self.more))
        self.more.menu().aboutToShow.connect(self._on_more_menu_about_to_show)
        self.more.hide()

    # -- content -----------------------------------------------------------------------------

    @property
    def filters(self) -> tuple[Filter, ...]:
        return self._filters

    def set_filters(self, filters: tuple[Filter, ...]) -> None:
        if filters == self._filters:
            return
        had_focus = any(chip.hasFocus() for chip in self._chips)
        self._filters = tuple(filters)
        for chip in self._chips:
            chip.hide()
            chip.deleteLater()
        self._chips = []
        for chosen in self._filters:
            chip = Chip(chosen, self)
            chip.clicked.connect(self._on_chip_clicked)
            self._chips.append(chip)
        self._relayout()
        self.updateGeometry()
        if had_focus:
            # Keep the keyboard user in the chips: the last one, else the search field.
            visible = [chip for chip in self._chips if chip.isVisible()]
            if visible:
                visible[-1].setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self.focus_left.emit()

    def chips(self) -> list[Chip]:
        return list(self._chips)

    def remove_last(self) -> None:
        """Ask for the last filter's removal (Backspace in the empty search field)."""
        if self._filters:
            self.filter_removed.emit(self._filters[-1])

    # -- layout ------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        if not self._chips:
            return QSize(0, 0)
        width = sum(chip.sizeHint().width() for chip in self._chips) + SPACING * (len(self._chips) - 1) + 4
        return QSize(width, max(chip.sizeHint().height() for chip in self._chips))

    def minimumSizeHint(self) -> QSize:
        if not self._chips:
            return QSize(0, 0)
        return QSize(min(self.sizeHint().width(), 40 + self._chips[0].sizeHint().width() // 2),
                     self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        width = self.width()
        height = self.height()
        x = 0
        hidden = 0
        more_width = self.more.sizeHint().width() + SPACING
        for i, chip in enumerate(self._chips):
            size = chip.sizeHint()
            last = i == len(self._chips) - 1
            room = width - x - (0 if last else more_width)
            if hidden or size.width() > room:
                chip.hide()
                hidden += 1
                continue
            chip.setGeometry(x, max(0, (height - size.height()) // 2), size.width(), size.height())
            chip.show()
            x += size.width() + SPACING
        self.more.setVisible(bool(hidden))
        if hidden:
            self.more.setText(f"+{hidden}")
            self.more.setToolTip(f"{hidden} more filter{'s' if hidden != 1 else ''}")
            size = self.more.sizeHint()
            self.more.setGeometry(x, max(0, (height - size.height()) // 2), size.width(), size.height())

    # -- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_chip_clicked(self) -> None:
        chip = self.sender()
        if isinstance(chip, Chip):
            self.filter_removed.emit(chip.filter)

    @Slot()
    def _on_more_menu_about_to_show(self) -> None:
        menu = self.more.menu()
        menu.clear()
        for chip in self._chips:
            if not chip.isVisible():
                action = QAction(f"Remove “{chip.filter.description}”", menu)
                action.triggered.connect(lambda _=False, f=chip.filter: self.filter_removed.emit(f))
                menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Clear All Filters").triggered.connect(self.clear_requested)

    def contextMenuEvent(self, event) -> None:
        if not self._filters:
            return
        menu = QMenu(self)
        menu.addAction("Clear All Filters").triggered.connect(self.clear_requested)
        menu.exec(self.mapToGlobal(QPoint(event.pos())))
