"""Back and Forward for the window: the actions, their toolbar buttons' menus, the mouse's side buttons.

``NavigationController`` records the places the window visits in a ``NavigationHistory`` and, on
Back or Forward, asks the window to show one again (``location_requested``) without recording it.
It keeps no reference to the window (see ``CurationController``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from gdexplorer.gui.history import Location, NavigationHistory
from gdexplorer.gui.icons import named_icon

# Places a button's menu lists.
MENU_SIZE = 15


class NavigationController(QObject):
    """Where the window has been, and the way back and forward."""

    location_requested = Signal(object)  # Location: show it (it is not recorded again)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.history = NavigationHistory()
        self._restoring = False
        # Whether the window shows a place already: Back/Forward pass over those, so that every press
        # changes what the user sees (going back to the entity the detail pane still shows looked dead).
        self.is_shown: Callable[[Location], bool] = lambda _location: False
        self.back_action = QAction(named_icon("go-back"), "&Back", self)
        self.back_action.setShortcuts(keys(QKeySequence.StandardKey.Back, "Alt+Left"))
        self.forward_action = QAction(named_icon("go-forward"), "&Forward", self)
        self.forward_action.setShortcuts(keys(QKeySequence.StandardKey.Forward, "Alt+Right"))
        self.back_action.triggered.connect(self.go_back)
        self.forward_action.triggered.connect(self.go_forward)

    def create_buttons(self, toolbar: QWidget) -> tuple[QToolButton, QToolButton]:
        """Back and Forward buttons; held down, each lists the places it goes to."""
        self.back_button = QToolButton(toolbar)
        self.back_button.setDefaultAction(self.back_action)
        self.back_button.setPopupMode(QToolButton.ToolButtonPopupMode.DelayedPopup)
        self.back_button.setMenu(QMenu(self.back_button))
        self.forward_button = QToolButton(toolbar)
        self.forward_button.setDefaultAction(self.forward_action)
        self.forward_button.setPopupMode(QToolButton.ToolButtonPopupMode.DelayedPopup)
        self.forward_button.setMenu(QMenu(self.forward_button))
        self.back_button.menu().aboutToShow.connect(self._on_back_menu_about_to_show)
        self.forward_button.menu().aboutToShow.connect(self._on_forward_menu_about_to_show)
        return self.back_button, self.forward_button

    def clear(self) -> None:
        self.history.clear()
        self.update_actions()

    def visit(self, location: Location) -> None:
        """The window shows this place now (not recorded while going back or forward)."""
        if not self._restoring:
            self.history.visit(location)
            self.update_actions()

    @Slot()
    def go_back(self) -> None:
        location = self.history.back()
        while location is not None and self.is_shown(location) and self.history.can_go_back:
            location = self.history.back()
        if location is not None:
            self._show(location)

    @Slot()
    def go_forward(self) -> None:
        location = self.history.forward()
        while location is not None and self.is_shown(location) and self.history.can_go_forward:
            location = self.history.forward()
        if location is not None:
            self._show(location)

    def _go_to(self, steps: int) -> None:
        location = self.history.go_to(steps)
        if location is not None:
            self._show(location)

    def _show(self, location: Location) -> None:
        """Show a location from the history without recording it again."""
        self._restoring = True
        try:
            self.location_requested.emit(location)
        finally:
            self._restoring = False
        self.update_actions()

    def update_actions(self) -> None:
        # Only the places a press would change the window for: the others are passed over.
        back = [location for location in self.history.back_items() if not self.is_shown(location)]
        forward = [location for location in self.history.forward_items() if not self.is_shown(location)]
        self.back_action.setEnabled(bool(back))
        self.forward_action.setEnabled(bool(forward))
        self.back_action.setToolTip(f"Back to {back[0].shows} (Alt+Left)" if back else "Back (Alt+Left)")
        self.forward_action.setToolTip(f"Forward to {forward[0].shows} (Alt+Right)" if forward else
                                       "Forward (Alt+Right)")

    def _fill_menu(self, menu: QMenu, items: list[Location], sign: int) -> None:
        menu.clear()
        shown = [(steps, location) for steps, location in enumerate(items, start=1) if not self.is_shown(location)]
        for steps, location in shown[:MENU_SIZE]:
            action = menu.addAction(location.shows)
            action.triggered.connect(lambda _=False, n=steps * sign: self._go_to(n))

    @Slot()
    def _on_back_menu_about_to_show(self) -> None:
        self._fill_menu(self.back_button.menu(), self.history.back_items(), -1)

    @Slot()
    def _on_forward_menu_about_to_show(self) -> None:
        self._fill_menu(self.forward_button.menu(), self.history.forward_items(), +1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Installed on the application: mouse back/forward buttons are pressed over child widgets
        # that do not pass them up.
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            button = event.button()
            if button in (Qt.MouseButton.BackButton, Qt.MouseButton.ForwardButton) and \
                    isinstance(watched, QWidget) and watched.window() is self.parent():
                (self.go_back if button == Qt.MouseButton.BackButton else self.go_forward)()
                return True
        return super().eventFilter(watched, event)


def keys(*wanted: str | QKeySequence.StandardKey) -> list[QKeySequence]:
    """Our keys plus the platform's, each once: a key bound twice to an action is "ambiguous" to Qt."""
    found: dict[str, QKeySequence] = {}
    for key in wanted:
        sequences = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        for sequence in sequences:
            if not sequence.isEmpty():
                found.setdefault(sequence.toString(), sequence)
    return list(found.values())
