"""File ▸ Export: the current results as CSV or JSON, an entity's dossier as Markdown.

The window asks where (``QFileDialog``); the search or dossier is made and written on a worker
(it reads articles for snippets and sources), atomically, so a failed export leaves no half file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QStandardPaths, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from gdexplorer.errors import GdxError
from gdexplorer.gui.pages import describe_failure
from gdexplorer.gui.workers import Task, TaskRunner, Ticket
from gdexplorer.model import Entity

if TYPE_CHECKING:
    # The core (and Whoosh) is imported after the window's first paint; these name types only.
    from gdexplorer.explorer import Explorer

log = logging.getLogger(__name__)

# More than anyone reads in a spreadsheet; the export says when the results were cut.
EXPORT_LIMIT = 10_000
FORMATS = {"csv": "CSV files (*.csv)", "json": "JSON files (*.json)", "md": "Markdown files (*.md)"}


@dataclass(frozen=True, slots=True)
class Exported:
    path: Path
    summary: str  # "12 results", "the dossier of GAC Group"


def write_results(explorer: Explorer, query: str, sort: str, filters: tuple[str, ...], fmt: str,
                  path: Path) -> Exported:
    """Run the query again, whole (up to ``EXPORT_LIMIT`` hits), and write it as CSV or JSON."""
    result = explorer.search(query, limit=EXPORT_LIMIT, sort=sort, filters=filters)
    text = explorer.results_csv(result) if fmt == "csv" else explorer.results_json(result)
    _write(explorer, path, text)
    count = len(result.hits)
    summary = f"{count:,} result{'s' if count != 1 else ''}"
    if result.total > count:
        summary += f" (the first {count:,} of {result.total:,})"
    return Exported(path, summary)


def write_dossier(explorer: Explorer, entity_id: str, path: Path) -> Exported:
    entity = explorer.entity(entity_id)
    if entity is None:
        raise LookupError(f"no entity with the id '{entity_id}'")
    _write(explorer, path, explorer.dossier(entity))
    return Exported(path, f"the dossier of {entity.name}")


def _write(explorer: Explorer, path: Path, text: str) -> None:
    try:
        explorer.save_text(path, text)
    except OSError as e:
        raise GdxError(f"cannot write {path}: {e.strerror or e}") from e


def file_stem(text: str, fallback: str) -> str:
    """A file name from a query or a name: 'results-hydrogen-fuel'."""
    stem = re.sub(r"[^\w]+", "-", text.casefold()).strip("-")[:60].strip("-")
    return stem or fallback


class Exporter(TaskRunner):
    """Asks for a file, writes the export in the background, and reports ``exported`` or ``failed``."""

    exported = Signal(object)  # Exported
    failed = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget) -> None:
        super().__init__("export", parent)  # the window; not kept as an attribute (a reference cycle)
        self._settings = settings
        self._explorer: Explorer | None = None

    def set_explorer(self, explorer: Explorer | None) -> None:
        self._generation += 1
        self._explorer = explorer

    @property
    def busy(self) -> bool:
        return self._pool.busy()

    def export_results(self, query: str, sort: str, filters: tuple[str, ...], fmt: str) -> Path | None:
        """Ask where, then write the results of ``query`` (as the window shows them) as ``fmt``."""
        if self._explorer is None:
            return None
        name = "results-" + file_stem(query or " ".join(filters), "all")
        path = self._ask("Export Results", name, fmt)
        if path is not None:
            self._run(write_results, self._explorer, query, sort, tuple(filters), fmt, path)
        return path

    def export_dossier(self, entity: Entity) -> Path | None:
        if self._explorer is None:
            return None
        path = self._ask(f"Export the Dossier of {entity.name}", file_stem(entity.id, "entity"), "md")
        if path is not None:
            self._run(write_dossier, self._explorer, entity.id, path)
        return path

    def _ask(self, title: str, name: str, fmt: str) -> Path | None:
        folder = str(self._settings.value("export/folder", "") or "")
        if not folder or not Path(folder).is_dir():
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(
                Path.home())
        chosen, _ = QFileDialog.getSaveFileName(self._window(), title, str(Path(folder) / f"{name}.{fmt}"),
                                                FORMATS[fmt])
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        self._settings.setValue("export/folder", str(path.parent))
        return path

    def _run(self, fn, *args) -> None:
        self._submit(Task(Ticket(self._generation), fn, *args), self._on_task_finished, self._on_task_failed)

    @Slot(object, object)
    def _on_task_finished(self, ticket: Ticket, exported: Exported) -> None:
        self._forget()
        self.exported.emit(exported)

    @Slot(object, object)
    def _on_task_failed(self, ticket: Ticket, error: Exception) -> None:
        self._forget()
        self.failed.emit(f"The export failed: {describe_failure(error)}")
