"""File ▸ Export from the window: its actions follow the results and the entity shown.

``ExportController`` enables and names the actions when the menu opens, hands the export to the
``Exporter`` (which asks where and writes on a worker), and reports how it went.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from gdexplorer.gui.exportworker import Exported, Exporter
from gdexplorer.gui.widgets.detailpane import DetailPane
from gdexplorer.gui.widgets.resultspane import ResultsPane


class ExportController(QObject):
    """The Export menu's actions: the results as CSV or JSON, the shown entity's dossier."""

    message = Signal(str)  # for the status bar

    def __init__(self, exporter: Exporter, results: ResultsPane, detail: DetailPane, parent: QWidget) -> None:
        super().__init__(parent)  # the window; not kept as an attribute (a reference cycle)
        self.exporter = exporter
        self.results = results
        self.detail = detail
        self.csv_action = QAction("Results as &CSV…", self)
        self.json_action = QAction("Results as &JSON…", self)
        self.dossier_action = QAction("Entity &Dossier as Markdown…", self)
        self.csv_action.triggered.connect(self._on_csv_action_triggered)
        self.json_action.triggered.connect(self._on_json_action_triggered)
        self.dossier_action.triggered.connect(self._on_dossier_action_triggered)
        self.exporter.exported.connect(self._on_exporter_exported)
        self.exporter.failed.connect(self._on_exporter_failed)

    @Slot()
    def update_actions(self) -> None:
        model = self.results.model
        has_results = model.rowCount() > 0 and bool(model.query or model.filters)
        self.csv_action.setEnabled(has_results)
        self.json_action.setEnabled(has_results)
        page = self.detail.page
        self.dossier_action.setEnabled(page is not None)
        self.dossier_action.setText(f"Dossier of {page.entity.name} as Markdown…" if page is not None
                                    else "Entity &Dossier as Markdown…")

    def export_results(self, fmt: str) -> Path | None:
        """Ask where, then write the results the window shows (the whole query, not just the loaded rows)."""
        model = self.results.model
        return self.exporter.export_results(model.query, self.results.sort_key, model.filters, fmt)

    @Slot()
    def _on_csv_action_triggered(self) -> None:
        self.export_results("csv")

    @Slot()
    def _on_json_action_triggered(self) -> None:
        self.export_results("json")

    @Slot()
    def _on_dossier_action_triggered(self) -> None:
        if self.detail.page is not None:
            self.exporter.export_dossier(self.detail.page.entity)

    @Slot(object)
    def _on_exporter_exported(self, exported: Exported) -> None:
        self.message.emit(f"Exported {exported.summary} to {exported.path}")

    @Slot(str)
    def _on_exporter_failed(self, message: str) -> None:
        self.message.emit(message)
        QMessageBox.warning(self.results.window(), "Export", message)
