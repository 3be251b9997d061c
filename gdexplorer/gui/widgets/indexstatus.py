"""Status bar part: the index's state, with a progress bar and Cancel while it is being built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.model import IndexStats, Progress


class IndexStatus(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indexStatus")
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("indexProgress")
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(14)
        self.cancel = QToolButton(self)
        self.cancel.setObjectName("indexCancel")
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop indexing; what is done so far is kept and searchable")
        self.cancel.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self._set_busy(False)
        self.cancel.clicked.connect(self._on_cancel_clicked)

    def _set_busy(self, busy: bool) -> None:
        self.bar.setVisible(busy)
        self.cancel.setVisible(busy)
        self.cancel.setEnabled(busy)

    def show_started(self) -> None:
        self.label.setText("Checking the index…")
        self.bar.setRange(0, 0)
        self._set_busy(True)

    def show_progress(self, progress: Progress) -> None:
        self._set_busy(True)
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
            self.label.setText(f"{progress.stage or 'Indexing'} {progress.done:,} of {progress.total:,}…")
        else:
            self.bar.setRange(0, 0)  # unknown length: the bar sweeps
            self.label.setText(f"{progress.stage or 'Indexing'}…")

    def show_cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.label.setText("Stopping after the current batch…")

    @Slot()
    def _on_cancel_clicked(self) -> None:
        self.show_cancelling()
        self.cancel_requested.emit()

    def show_finished(self, stats: IndexStats) -> None:
        self._set_busy(False)
        if stats.cancelled:
            self.label.setText("Indexing stopped; search covers what was indexed")
        elif stats.rebuilt:
            self.label.setText(f"Index built: {stats.added:,} indexed in {stats.seconds:.1f} s")
        elif stats.added or stats.updated or stats.deleted:
            changed = stats.added + stats.updated
            self.label.setText(f"Index updated: {changed:,} indexed in {stats.seconds:.1f} s")
        else:
            self.label.setText("Index up to date")
        self.setToolTip(stats.reason or "")

    def show_failed(self, message: str) -> None:
        self._set_busy(False)
        self.label.setText(message[:1].upper() + message[1:])

    def clear(self) -> None:
        self._set_busy(False)
        self.label.setText("")
