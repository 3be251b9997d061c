"""A slim histogram of the matching articles over time, drawn with QPainter.

Bars are months (or quarters, or years when months would be thinner than two pixels). Hovering a
bar tells its count; dragging across bars, or clicking one, asks for a date filter; with the
keyboard, Left/Right move the cursor, Shift extends the range, Enter applies it and Esc clears it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from gdexplorer.gui.explorepages import MONTH_NAMES, month_label, months_between
from gdexplorer.gui.theme import marks_for

HEIGHT = 66
MARGIN_X = 10
TOP = 16  # room for the caption above the bars
AXIS = 15  # room for the year labels below them
MIN_BAR = 2.0
STEPS = (1, 3, 6, 12)  # months per bar


@dataclass(frozen=True, slots=True)
class Bin:
    """One bar: the months it covers and how many matches fall in them."""

    first: str
    last: str
    count: int

    @property
    def label(self) -> str:
        if self.first == self.last:
            return month_label(self.first)
        if self.first[5:] == "01" and self.last[5:] == "12" and self.first[:4] == self.last[:4]:
            return self.first[:4]
        return f"{month_label(self.first)} \u2013 {month_label(self.last)}"


def make_bins(counts: dict[str, int], first: str, last: str, step: int) -> list[Bin]:
    """Bars of ``step`` months from ``first`` to ``last`` (steps align to the calendar year)."""
    months = months_between(first, last)
    bins: list[Bin] = []
    chunk: list[str] = []
    for month in months:
        chunk.append(month)
        if (int(month[5:7]) % step == 0) or month == months[-1]:
            bins.append(Bin(chunk[0], chunk[-1], sum(counts.get(m, 0) for m in chunk)))
            chunk = []
    return bins


def padded_span(months: list[str]) -> tuple[str, str] | None:
    """Whole years around the months given (a two-month corpus still reads as a year)."""
    if not months:
        return None
    return f"{min(months)[:4]}-01", f"{max(months)[:4]}-12"


class Timeline(QWidget):
    """Emits ``range_selected(first, last)`` (``YYYY-MM``) for a drag, a click or Enter."""

    range_selected = Signal(str, str)
    selection_cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAccessibleName("Timeline of matching articles")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(HEIGHT)
        self._counts: dict[str, int] = {}
        self._axis: tuple[str, str] | None = None
        self._bins: list[Bin] = []
        self._selected: tuple[str, str] | None = None
        self._anchor: int | None = None  # where a drag (or a Shift+arrow range) started
        self._cursor: int | None = None  # the bar under the keyboard cursor or the drag's end
        self._hover: int | None = None
        self._dragging = False
        self._caption = ""

    # -- content -----------------------------------------------------------------------------

    def set_axis(self, months: list[str]) -> None:
        """The span the axis covers (the corpus's dated months); bars outside it still widen it."""
        self._axis = padded_span(months)
        self._rebin()

    def set_months(self, months: tuple[tuple[str, int], ...], selected: tuple[str, str] | None = None,
                   caption: str = "") -> None:
        """Counts per ``YYYY-MM``; ``selected`` is the active date range (shown highlighted)."""
        self._counts = dict(months)
        self._selected = selected
        self._caption = caption
        self._anchor = self._cursor = None
        self._rebin()

    def has_dates(self) -> bool:
        return bool(self._bins)

    def bins(self) -> list[Bin]:
        return list(self._bins)

    @property
    def step(self) -> int:
        if not self._bins:
            return 1
        first = self._bins[0]
        return len(months_between(first.first, first.last)) if len(self._bins) == 1 else \
            len(months_between(self._bins[1].first, self._bins[1].last))

    def _span(self) -> tuple[str, str] | None:
        months = [m for m, n in self._counts.items() if n]
        if self._axis is not None:
            months += list(self._axis)
        return padded_span(months)

    def _rebin(self) -> None:
        span = self._span()
        if span is None:
            self._bins = []
        else:
            count = len(months_between(*span))
            room = max(1.0, self.width() - 2 * MARGIN_X)
            step = next((s for s in STEPS if room / max(1, count // s) >= MIN_BAR), STEPS[-1])
            self._bins = make_bins(self._counts, span[0], span[1], step)
        self._hover = None
        self.updateGeometry()
        self.update()

    # -- geometry ----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(360, HEIGHT)

    def _plot(self) -> QRectF:
        return QRectF(MARGIN_X, TOP, max(1, self.width() - 2 * MARGIN_X), max(1, self.height() - TOP - AXIS))

    def bin_at(self, x: float) -> int | None:
        if not self._bins:
            return None
        plot = self._plot()
        if x < plot.left() - 4 or x > plot.right() + 4:
            return None
        i = int((x - plot.left()) / plot.width() * len(self._bins))
        return min(max(i, 0), len(self._bins) - 1)

    def bar_rect(self, i: int) -> QRectF:
        plot = self._plot()
        width = plot.width() / len(self._bins)
        return QRectF(plot.left() + i * width, plot.top(), width, plot.height())

    def tooltip_at(self, x: float) -> str:
        i = self.bin_at(x)
        if i is None:
            return ""
        b = self._bins[i]
        return f"{b.label}: {b.count:,} article{'s' if b.count != 1 else ''}"

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        marks = marks_for(palette)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        if not self._bins:
            painter.end()
            return
        plot = self._plot()
        small = self.font()
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.82))
        painter.setFont(small)
        metrics = QFontMetrics(small)
        peak = max(b.count for b in self._bins) or 1

        selected = self._selection_bins()
        accent = palette.color(QPalette.ColorRole.Highlight)
        dim = QColor(accent)
        dim.setAlpha(95 if selected else 185)
        width = plot.width() / len(self._bins)
        gap = 1.0 if width >= 4 else 0.0
        if selected is not None:
            band = self.bar_rect(selected[0]).united(self.bar_rect(selected[1]))
            shade = QColor(accent)
            shade.setAlpha(30)
            painter.fillRect(band.adjusted(0, -3, 0, 0), shade)
        for i, b in enumerate(self._bins):
            if not b.count:
                continue
            height = max(1.5, plot.height() * b.count / peak)
            rect = QRectF(plot.left() + i * width, plot.bottom() - height, max(1.0, width - gap), height)
            inside = selected is not None and selected[0] <= i <= selected[1]
            color = QColor(accent) if inside or i == self._hover else dim
            if i == self._hover:
                color = color.darker(125) if marks.secondary.lightness() < 128 else color.lighter(130)
            painter.fillRect(rect, color)
        if self.hasFocus() and self._cursor is not None:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1, Qt.PenStyle.DotLine))
            painter.drawRect(self.bar_rect(self._cursor).adjusted(0, 0, -1, -1))

        # Year labels under the January bars, as many as fit without touching.
        painter.setPen(marks.secondary)
        tick = QColor(marks.secondary)
        tick.setAlpha(120)
        last_right = -1e9
        year_spans: list[tuple[float, float]] = []
        years = [(i, b.first[:4]) for i, b in enumerate(self._bins) if b.first[5:7] == "01"]
        stride = 1
        label_width = metrics.horizontalAdvance("8888") + 8
        if years and len(years) > 1:
            spacing = (self.bar_rect(years[1][0]).left() - self.bar_rect(years[0][0]).left())
            stride = max(1, int(label_width // max(1.0, spacing)) + 1)
        for n, (i, year) in enumerate(years):
            x = self.bar_rect(i).left()
            painter.setPen(tick)
            painter.drawLine(QPointF(x, plot.bottom() + 1), QPointF(x, plot.bottom() + 4))
            if n % stride or x < last_right:
                continue
            painter.setPen(marks.secondary)
            text_rect = QRectF(x + 2, plot.bottom() + 2, label_width, AXIS - 2)
            if text_rect.right() > self.width():
                continue
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, year)
            last_right = text_rect.left() + metrics.horizontalAdvance(year) + 6
            year_spans.append((text_rect.left(), last_right))
        # Month initials under monthly bars when there is room (a corpus spanning a year or two).
        if self.step == 1 and width >= metrics.horizontalAdvance("M") + 3:
            painter.setPen(marks.secondary)
            for i, b in enumerate(self._bins):
                name = MONTH_NAMES[int(b.first[5:7]) - 1]
                text = name if width >= metrics.horizontalAdvance(name) + 4 else name[0]
                rect = self.bar_rect(i)
                half = metrics.horizontalAdvance(text) / 2
                left, right = rect.center().x() - half, rect.center().x() + half
                if b.first[5:7] == "01" or any(left < end and right > start for start, end in year_spans):
                    continue  # under a year's label
                painter.drawText(QRectF(rect.left(), plot.bottom() + 2, rect.width(), AXIS - 2),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, text)
        # Caption on the left, the peak on the right. In the secondary colour whatever the axis drew last (a
        # skipped year left the faint tick pen: ~2:1 contrast), and elided to leave the peak its room.
        painter.setPen(marks.secondary)
        caption = self._caption or "Matches over time"
        unit = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}.get(self.step, "bar")
        peak_text = f"peak {peak:,} / {unit}"
        room = self.width() - 2 * MARGIN_X - metrics.horizontalAdvance(peak_text) - 12
        if room < metrics.horizontalAdvance("Matches…"):
            peak_text, room = "", self.width() - 2 * MARGIN_X  # too narrow for both: the caption says more
        painter.drawText(QRect(MARGIN_X, 1, self.width() - 2 * MARGIN_X, TOP - 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(caption, Qt.TextElideMode.ElideRight, room))
        painter.drawText(QRect(MARGIN_X, 1, self.width() - 2 * MARGIN_X, TOP - 2),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, peak_text)
        painter.end()

    def _selection_bins(self) -> tuple[int, int] | None:
        previewing = self._dragging or (self.hasFocus() and self._anchor != self._cursor)
        if self._anchor is not None and self._cursor is not None and previewing:
            return min(self._anchor, self._cursor), max(self._anchor, self._cursor)
        if self._selected is None or not self._bins:
            return None
        first, last = self._selected
        inside = [i for i, b in enumerate(self._bins) if b.last >= first and b.first <= last]
        return (inside[0], inside[-1]) if inside else None

    # -- mouse -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.bin_at(event.position().x())
        if event.button() == Qt.MouseButton.LeftButton and i is not None:
            self._anchor = self._cursor = i
            self._dragging = True
            self.update()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.bin_at(event.position().x())
        if self._dragging and i is not None:
            self._cursor = i
        if i != self._hover:
            self._hover = i
            if not self._dragging:
                QToolTip.showText(event.globalPosition().toPoint(), self.tooltip_at(event.position().x()), self)
        if self._dragging and self._anchor is not None and self._cursor is not None:
            a, b = sorted((self._anchor, self._cursor))
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{self._range_label(a, b)}: {self._range_count(a, b):,} articles", self)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = False
            if self._anchor is not None and self._cursor is not None:
                self._apply(min(self._anchor, self._cursor), max(self._anchor, self._cursor))
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos().x())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # -- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._bins:
            super().keyPressEvent(event)
            return
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_PageUp: -12, Qt.Key.Key_PageDown: 12}
        if key in moves or key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            current = self._cursor if self._cursor is not None else self._start_cursor()
            if key == Qt.Key.Key_Home:
                target = 0
            elif key == Qt.Key.Key_End:
                target = len(self._bins) - 1
            else:
                target = min(max(current + moves[key], 0), len(self._bins) - 1)
            if not shift or self._anchor is None:
                self._anchor = target if not shift else current
            self._cursor = target
            self.update()
            b = self._bins[target]
            self.setToolTip(f"{b.label}: {b.count:,}")
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self._cursor is not None:
            anchor = self._anchor if self._anchor is not None else self._cursor
            self._apply(min(anchor, self._cursor), max(anchor, self._cursor))
            return
        if key == Qt.Key.Key_Escape and (self._selected is not None or self._anchor is not None):
            self._anchor = self._cursor = None
            self.update()
            if self._selected is not None:
                self.selection_cleared.emit()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        if self._cursor is None and self._bins:
            self._cursor = self._anchor = self._start_cursor()
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self.update()
        super().focusOutEvent(event)

    def _start_cursor(self) -> int:
        selected = self._selection_bins()
        if selected is not None:
            return selected[0]
        counted = [i for i, b in enumerate(self._bins) if b.count]
        return counted[-1] if counted else len(self._bins) - 1

    def _range_label(self, a: int, b: int) -> str:
        if a == b:
            return self._bins[a].label
        return f"{month_label(self._bins[a].first)} \u2013 {month_label(self._bins[b].last)}"

    def _range_count(self, a: int, b: int) -> int:
        return sum(bin_.count for bin_ in self._bins[a : b + 1])

    def _apply(self, a: int, b: int) -> None:
        first, last = self._bins[a].first, self._bins[b].last
        self.update()
        self.range_selected.emit(first, last)

    # -- events ------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rebin()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)
