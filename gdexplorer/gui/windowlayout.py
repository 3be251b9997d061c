"""The main window's panes and saved state: the Refine panel put aside in a narrow window, the
first sizes of the splitters, and the geometry, docks and splitters saved and restored.

A part of ``MainWindow`` (a mixin): the attributes these methods read and set are the window's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray

if TYPE_CHECKING:
    from gdexplorer.gui.mainwindow import MainWindow

# Narrower than this, the Refine panel steps aside (until the window is wide again) so that the reader is
# not crushed: at 1024 px, results, reader and entities with it left the reader ~230 px.
NARROW_WIDTH = 1200
RESULTS_MIN_WIDTH = 160
SIDE_MIN_WIDTH = 160


class WindowLayout:
    """Sizes and saved state of the window's panes; see ``gdexplorer.gui.mainwindow``."""

    def _fit_panes(self: MainWindow) -> None:
        """A narrow window puts the Refine panel aside (and back when it is wide again); the first
        showing without saved sizes gives the results and entities their share of a wide window."""
        if not self.isVisible():
            return
        narrow = self.width() < NARROW_WIDTH
        # Only on crossing the width: a user who shows the panel in a narrow window keeps it.
        if narrow and not self._narrow and self.facets_dock.isVisible() and not self.facets_dock.isFloating():
            self._refine_stepped_aside = True
            self.facets_dock.hide()
        elif not narrow and self._refine_stepped_aside:
            self._refine_stepped_aside = False
            self.facets_dock.show()
        self._narrow = narrow
        if self._default_sizes:
            self._default_sizes = False
            # Shares of the window: the splitter may not have its new width yet (the Refine panel just went).
            total = sum(self.main_splitter.sizes()) or self.main_splitter.width()
            results = max(RESULTS_MIN_WIDTH, min(480, round(self.width() * 0.24)))
            side = max(SIDE_MIN_WIDTH, min(420, round(self.width() * 0.26)))
            self.main_splitter.setSizes([results, max(0, total - results - side), side])

    def _restore_settings(self: MainWindow) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        for key, splitter in (("window/mainSplitter", self.main_splitter), ("window/sideSplitter", self.side_splitter)):
            state = self.settings.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
                self._default_sizes = False
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self.search.restore_history(self.settings)  # until a corpus opens, the searches made with none
        # Before the first showing: a narrow window with the Refine panel in it could not be this narrow.
        self._refine_stepped_aside = str(self.settings.value("window/refineAside", "false")).lower() == "true"
        self._narrow = self.width() < NARROW_WIDTH
        if self._narrow and self.facets_dock.isVisibleTo(self) and not self.facets_dock.isFloating():
            self._refine_stepped_aside = True
            self.facets_dock.hide()

    def save_settings(self: MainWindow) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/mainSplitter", self.main_splitter.saveState())
        self.settings.setValue("window/sideSplitter", self.side_splitter.saveState())
        # Put aside by a narrow window, not closed by the user: it comes back in a wide one.
        self.settings.setValue("window/refineAside", self._refine_stepped_aside)
        self.search.save_history(self.settings, self.corpus)
        self.settings.sync()
