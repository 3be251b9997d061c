"""The reader's own actions: text zoom (remembered), Print and Save as PDF with the article's citation.

Zoom steps change the reader's font, which re-renders the open article at the new size; the step is
kept in the settings (``reader/zoom``), as the window's geometry is. Printing renders the reader's
document with the article's citation under it, so that a printed page says where it comes from.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QObject, QSettings, QSizeF, Signal, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence, QPageSize, QPdfWriter, QTextCursor, QTextDocument
from PySide6.QtWidgets import QWidget

from gdexplorer.gui.navigationcontroller import keys
from gdexplorer.gui.widgets.articleview import ArticleView

ZOOM_KEY = "reader/zoom"
MIN_ZOOM, MAX_ZOOM = -4, 10
ZOOM_STEP = 0.1  # of the default size, per step


class ReaderActions(QObject):
    """View ▸ Zoom In/Out/Actual Size for the reader; File ▸ Print Article… and Save Article as PDF…."""

    message = Signal(str)

    def __init__(self, view: ArticleView, settings: QSettings, parent: QWidget) -> None:
        super().__init__(parent)
        self.view = view
        self.settings = settings
        self._base = QFont(view.font()).pointSizeF()
        self.zoom_in_action = QAction("Zoom &In", parent)
        # Each key once (keys()): Ctrl++ is also the platform's ZoomIn, and a key bound twice is "ambiguous".
        self.zoom_in_action.setShortcuts(keys("Ctrl++", "Ctrl+=", QKeySequence.StandardKey.ZoomIn))
        self.zoom_out_action = QAction("Zoom &Out", parent)
        self.zoom_out_action.setShortcuts(keys("Ctrl+-", QKeySequence.StandardKey.ZoomOut))
        self.zoom_reset_action = QAction("&Actual Size", parent)
        self.zoom_reset_action.setShortcut(QKeySequence("Ctrl+0"))
        self.print_action = QAction("&Print Article…", parent)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.pdf_action = QAction("Save Article as P&DF…", parent)
        self.pdf_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action,
                       self.print_action, self.pdf_action):
            parent.addAction(action)  # window-wide, whichever pane has the focus
        try:
            self._zoom = max(MIN_ZOOM, min(MAX_ZOOM, int(str(settings.value(ZOOM_KEY, 0)))))
        except ValueError:
            self._zoom = 0
        self._apply()
        self.update_actions()

        self.zoom_in_action.triggered.connect(lambda: self.set_zoom(self._zoom + 1))
        self.zoom_out_action.triggered.connect(lambda: self.set_zoom(self._zoom - 1))
        self.zoom_reset_action.triggered.connect(lambda: self.set_zoom(0))
        self.print_action.triggered.connect(self._on_print_action_triggered)
        self.pdf_action.triggered.connect(self._on_pdf_action_triggered)

    # -- zoom --------------------------------------------------------------------------------

    @property
    def zoom(self) -> int:
        return self._zoom

    def set_zoom(self, steps: int) -> None:
        steps = max(MIN_ZOOM, min(MAX_ZOOM, steps))
        if steps == self._zoom:
            return
        self._zoom = steps
        self._apply()
        self.settings.setValue(ZOOM_KEY, steps)
        self.message.emit(f"Text size {round(100 * (1 + ZOOM_STEP * steps))}%")

    def _apply(self) -> None:
        font = QFont(self.view.font())
        font.setPointSizeF(self._base * (1 + ZOOM_STEP * self._zoom))
        self.view.setFont(font)

    # -- printing ----------------------------------------------------------------------------

    def update_actions(self) -> None:
        has_article = self.view.page is not None
        self.print_action.setEnabled(has_article)
        self.pdf_action.setEnabled(has_article)

    def printable(self) -> QTextDocument | None:
        """The open article as the reader shows it, with its citation at the end (None with no article)."""
        from gdexplorer.explorer import Explorer

        page = self.view.page
        if page is None:
            return None
        doc = self.view.document().clone(self)
        cursor = QTextCursor(doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertBlock()
        cursor.insertHtml(f"<hr/><p><i>Source:</i> {html.escape(Explorer.citation(page.article.info))}</p>")
        return doc

    def save_pdf(self, path: Path) -> None:
        """Write the open article (with its citation) as a PDF; raises ``OSError`` if it cannot be written."""
        doc = self.printable()
        if doc is None:
            return
        from gdexplorer.explorer import Explorer

        buffer = QBuffer()  # written whole, then saved atomically: never a half-written PDF
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buffer)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setResolution(300)
        writer.setTitle(self.view.page.article.info.title if self.view.page else "")
        doc.setPageSize(QSizeF(writer.width(), writer.height()))
        doc.print_(writer)
        del writer  # ends the PDF
        Explorer.save_bytes(path, bytes(buffer.data().data()))

    @Slot()
    def _on_pdf_action_triggered(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        page = self.view.page
        if page is None:
            return
        title = page.article.info.title
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in title)[:80].strip() or "article"
        chosen, _ = QFileDialog.getSaveFileName(self.view.window(), "Save Article as PDF",
                                                str(Path.home() / f"{name}.pdf"), "PDF (*.pdf)")
        if not chosen:
            return
        try:
            self.save_pdf(Path(chosen))
        except OSError as exc:
            self.message.emit(f"Could not save {chosen}: {exc}")
            return
        self.message.emit(f"Saved {chosen}")

    @Slot()
    def _on_print_action_triggered(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        doc = self.printable()
        if doc is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self.view.window())
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            doc.print_(printer)
