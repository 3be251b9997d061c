"""The menu bar: File, Edit, Go, View and Help, with the window's own actions in them.

Every menu is here from the window's first paint. The controllers, built in its second pass, bring
their actions to their places (``add_curation_actions``, ``add_export_actions``, ``add_view_action``).
The window handles the actions; the menu bar's own are the About boxes and the folder dialogs that
end in ``corpus_requested`` (as Open Recent does).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QMainWindow, QMenu, QMenuBar

import gdexplorer
from gdexplorer.gui.navigationcontroller import NavigationController, keys
from gdexplorer.gui.widgets.recentmenu import RecentMenu


class MenuBar(QMenuBar):
    """The window's menus; ``find_action``, ``reindex_action`` and the others are for the window to handle."""

    corpus_requested = Signal(object, object)  # corpus Path, annotations Path or None

    def __init__(self, settings: QSettings, navigation: NavigationController, refine: QDockWidget,
                 problems: QDockWidget, window: QMainWindow) -> None:
        super().__init__(window)
        self._corpus: tuple[Path, Path | None] | None = None  # the one open, where the dialogs start
        self.find_action = QAction("&Search", self)
        self.find_action.setShortcuts(keys("Ctrl+L", QKeySequence.StandardKey.Find))
        self.next_hit_action = QAction("&Next Match", self)
        self.next_hit_action.setShortcuts(keys("F3", QKeySequence.StandardKey.FindNext))
        self.previous_hit_action = QAction("&Previous Match", self)
        self.previous_hit_action.setShortcuts(keys("Shift+F3", QKeySequence.StandardKey.FindPrevious))
        # Its icon (a theme lookup and the QStyle types, ~20 ms) comes with the second pass: set_open_icon.
        self.open_action = QAction("&Open Corpus…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.annotations_action = QAction("Use &Annotations From…", self)
        self.annotations_action.setToolTip("Show another folder's curated entities on this corpus")
        self.annotations_action.setEnabled(False)  # until a corpus is open
        self.reindex_action = QAction("&Update Index", self)
        self.reindex_action.setShortcut(QKeySequence("F5"))
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.about_action = QAction("&About gdexplorer", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_qt_action = QAction("About &Qt", self)
        self.about_qt_action.setMenuRole(QAction.MenuRole.AboutQtRole)
        self._window_wide(navigation.back_action, navigation.forward_action, self.find_action,
                          self.next_hit_action, self.previous_hit_action)

        file = self.file_menu = self.addMenu("&File")
        file.addAction(self.open_action)
        self.recent_menu = RecentMenu(settings, self)
        file.addMenu(self.recent_menu)
        file.addAction(self.annotations_action)
        file.addSeparator()
        self.export_menu = file.addMenu("&Export")
        file.addSeparator()
        file.addAction(self.reindex_action)
        file.addSeparator()
        file.addAction(self.quit_action)
        self.edit_menu = self.addMenu("&Edit")
        self.edit_menu.addAction(self.find_action)
        self.edit_menu.addAction(self.next_hit_action)
        self.edit_menu.addAction(self.previous_hit_action)
        self.edit_menu.addSeparator()
        go = self.go_menu = self.addMenu("&Go")
        go.addAction(navigation.back_action)
        go.addAction(navigation.forward_action)
        self.view_menu = self.addMenu("&View")
        refine_action = refine.toggleViewAction()
        refine_action.setText("&Refine Panel")
        refine_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.view_menu.addAction(refine_action)
        self._view_separator = self.view_menu.addSeparator()
        problems_action = problems.toggleViewAction()
        problems_action.setText("&Problems")
        self.view_menu.addAction(problems_action)
        self.shortcuts_action = QAction("&Keyboard Shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("F1"))
        self.syntax_action = QAction("&Query Syntax", self)
        self._window_wide(self.shortcuts_action)
        help_menu = self.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.syntax_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        help_menu.addAction(self.about_qt_action)
        self.recent_menu.update_actions()

        self.open_action.triggered.connect(self._on_open_action_triggered)
        self.annotations_action.triggered.connect(self._on_annotations_action_triggered)
        self.recent_menu.corpus_requested.connect(self.corpus_requested)
        self.about_action.triggered.connect(self._on_about_action_triggered)
        self.about_qt_action.triggered.connect(QApplication.aboutQt)
        self.shortcuts_action.triggered.connect(lambda: self.show_help(0))
        self.syntax_action.triggered.connect(lambda: self.show_help(1))
        self.help_dialog: QDialog | None = None  # made when first asked for

    def show_help(self, page: int) -> None:
        """Help's window on the shortcuts (0) or the query syntax (1)."""
        from gdexplorer.gui.widgets.helpdialog import HelpDialog

        window = self.window()
        if self.help_dialog is None and isinstance(window, QMainWindow):
            self.help_dialog = HelpDialog(window)
        if isinstance(self.help_dialog, HelpDialog):
            self.help_dialog.show_page(page)

    def _window_wide(self, *actions: QAction) -> None:
        # Their shortcuts work whichever pane has the focus.
        for action in actions:
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.window().addAction(action)

    def set_corpus(self, corpus: Path, annotations: Path | None) -> None:
        """The corpus being opened (with another folder's annotations, or None)."""
        self._corpus = (corpus, annotations)
        self.annotations_action.setEnabled(True)

    def add_curation_actions(self, undo: QAction, add_fact: QAction, annotate: QAction,
                             copy_citation: QAction) -> None:
        """Edit ▸ Undo first, the curation actions last."""
        first = self.edit_menu.actions()[0]
        self.edit_menu.insertAction(first, undo)
        self.edit_menu.insertSeparator(first)
        self.edit_menu.addAction(add_fact)
        self.edit_menu.addAction(annotate)
        self.edit_menu.addAction(copy_citation)
        self._window_wide(undo, add_fact, copy_citation)

    def add_saved_searches(self, menu: QMenu, save_search: QAction) -> None:
        """Go ▸ Saved Searches (with Save Search… at its top)."""
        self.go_menu.addSeparator()
        self.go_menu.addMenu(menu)
        self._window_wide(save_search)

    def add_export_actions(self, results_csv: QAction, results_json: QAction, dossier: QAction) -> None:
        self.export_menu.addAction(results_csv)
        self.export_menu.addAction(results_json)
        self.export_menu.addSeparator()
        self.export_menu.addAction(dossier)

    def add_reader_actions(self, zoom_in: QAction, zoom_out: QAction, zoom_reset: QAction,
                           print_article: QAction, pdf: QAction) -> None:
        """View ▸ the reader's zoom; File ▸ Print and Save as PDF, before Export."""
        self.view_menu.addSeparator()
        for action in (zoom_in, zoom_out, zoom_reset):
            self.view_menu.addAction(action)
        self.file_menu.insertAction(self.export_menu.menuAction(), print_article)
        self.file_menu.insertAction(self.export_menu.menuAction(), pdf)

    def add_view_action(self, action: QAction) -> None:
        """View ▸ a view of the results (the timeline), after the panels."""
        self.view_menu.insertAction(self._view_separator, action)

    def set_open_icon(self) -> None:
        from PySide6.QtGui import QIcon
        from PySide6.QtWidgets import QStyle

        from gdexplorer.gui.icons import themed_icon

        self.open_action.setIcon(themed_icon(QIcon.ThemeIcon.DocumentOpen, QStyle.StandardPixmap.SP_DirOpenIcon))

    @Slot()
    def _on_open_action_triggered(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # its Python types cost milliseconds at start

        start = str(self._corpus[0].parent) if self._corpus else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self.window(), "Open Corpus", start)
        if folder:
            self.corpus_requested.emit(Path(folder), None)

    @Slot()
    def _on_annotations_action_triggered(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self._corpus is None:
            return
        corpus, annotations = self._corpus
        folder = QFileDialog.getExistingDirectory(self.window(), "Use Annotations From", str(annotations or corpus))
        if folder:
            self.corpus_requested.emit(corpus, Path(folder))

    @Slot()
    def _on_about_action_triggered(self) -> None:
        from PySide6 import QtCore
        from PySide6.QtWidgets import QMessageBox  # its Python types cost 5 ms at start

        QMessageBox.about(
            self.window(), "About gdexplorer",
            f"<p><b>gdexplorer</b> {html.escape(gdexplorer.__version__)}</p>"
            "<p>A desktop explorer for news corpora: instant full-text search, and curated entities "
            "whose every fact links to the sentence it came from.</p>"
            f"<p>Qt {html.escape(QtCore.qVersion())}</p>",
        )
