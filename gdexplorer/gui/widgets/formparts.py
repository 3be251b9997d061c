"""Parts of the curation dialogs' forms: a few lines of text that Enter submits, a segmented
choice, a section's label, and a stack of pages sized to the page shown."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QWidget,
)


class SentenceEdit(QPlainTextEdit):
    """A few lines of plain text where Enter submits (a fact or a quote has no line breaks)."""

    submitted = Signal()

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        margins = self.contentsMargins()
        height = self.fontMetrics().lineSpacing() * lines + 2 * self.document().documentMargin()
        self.setFixedHeight(int(height) + margins.top() + margins.bottom() + 2 * self.frameWidth())

    def text(self) -> str:
        return self.toPlainText()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


def segmented(parent: QWidget, labels: Sequence[str], names: Sequence[str]) -> tuple[QButtonGroup, QWidget]:
    """Two or three checkable buttons side by side: a choice that shows all its options."""
    box = QWidget(parent)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    group = QButtonGroup(box)
    for i, (label, name) in enumerate(zip(labels, names, strict=True)):
        button = QToolButton(box)
        button.setObjectName(name)
        button.setText(label)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        group.addButton(button, i)
        row.addWidget(button)
    row.addStretch(1)
    group.button(0).setChecked(True)
    return group, box


def section_label(text: str, parent: QWidget, color: str) -> QLabel:
    label = QLabel(text.upper(), parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.85)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setStyleSheet(f"color:{color}")
    return label


def show_page(stack: QStackedWidget, index: int) -> None:
    """Show one page of a stack, sized to that page alone (a stack otherwise takes its biggest)."""
    for i in range(stack.count()):
        policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
        stack.widget(i).setSizePolicy(policy, policy)
    stack.setCurrentIndex(index)
    stack.updateGeometry()
