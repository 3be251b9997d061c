"""Help ▸ Keyboard Shortcuts (F1) and Help ▸ Query Syntax: one small window with the two pages.

The shortcuts page is read from the window's own actions when it opens, so it lists what really
works (controllers add their actions after the first paint); the keys the widgets handle themselves
(Enter, Esc, Down, Backspace) are listed after them. The syntax page describes the language of
``gdexplorer.search.query`` (Whoosh's, with gdexplorer's fields and date forms).
"""

from __future__ import annotations

import html

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

# Keys handled inside widgets, not by actions.
WIDGET_KEYS = (
    ("Enter (in the search field)", "Search now and open the first result"),
    ("Down (in the search field)", "Go to the results list"),
    ("Esc (in the search field)", "Clear the search"),
    ("Backspace (in the empty search field)", "Remove the last filter chip"),
    ("Enter (on a result)", "Open the article"),
    ("Alt+Left / Alt+Right, mouse back/forward buttons", "Back / Forward"),
)

SYNTAX_HTML = """
<h3>Query syntax</h3>
<table cellpadding="4">
<tr><td><code>hydrogen fuel</code></td><td>both words (words are ANDed), in the title or the text</td></tr>
<tr><td><code>hydrogen OR battery</code></td><td>either word</td></tr>
<tr><td><code>hydrogen NOT battery</code></td><td>the first without the second</td></tr>
<tr><td><code>(tcl OR huawei) AND shenzhen</code></td><td>groups with brackets</td></tr>
<tr><td><code>"media tour"</code></td><td>the exact phrase</td></tr>
<tr><td><code>develop*</code></td><td>words that begin so (develop, developing, development…)</td></tr>
<tr><td><code>guangzhuo~</code></td><td>words spelled nearly so (one letter off); <code>~2</code> allows two</td></tr>
<tr><td><code>title:hydrogen</code></td><td>in the title only</td></tr>
<tr><td><code>category:business</code></td><td>in a section (the Refine panel lists them)</td></tr>
<tr><td><code>entity:ehang</code></td><td>articles that mention a curated entity (its id)</td></tr>
<tr><td><code>date:2012</code>, <code>date:2012-05</code></td><td>in a year or a month</td></tr>
<tr><td><code>date:[2010 TO 2012]</code></td><td>a range of dates (years, months or days at either end)</td></tr>
</table>
<p>Operators are in capitals (<code>OR</code>, <code>AND</code>, <code>NOT</code>). A query that cannot be read
says why under the search field. Chinese text is matched as written, without spaces.</p>
"""


def shortcuts_html(window: QMainWindow) -> str:
    """The window's actions that have a shortcut, then the keys the widgets handle, as a table."""
    rows: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        text = action.text().replace("&", "").rstrip("…").strip()
        if keys and text and text not in rows:
            rows[text] = " or ".join(dict.fromkeys(keys))
    body = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(t)}</td></tr>"
                   for t, k in sorted(rows.items(), key=lambda item: item[0].lower()))
    body += "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(t)}</td></tr>" for k, t in WIDGET_KEYS)
    return f"<h3>Keyboard shortcuts</h3><table cellpadding='4'>{body}</table>"


class HelpDialog(QDialog):
    """Two tabs: Keyboard Shortcuts and Query Syntax."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("helpDialog")
        self.setWindowTitle("gdexplorer Help")
        self.tabs = QTabWidget(self)
        self.shortcuts = QTextBrowser(self)
        self.shortcuts.setObjectName("shortcutsPage")
        self.syntax = QTextBrowser(self)
        self.syntax.setObjectName("syntaxPage")
        self.syntax.setHtml(SYNTAX_HTML)
        self.tabs.addTab(self.shortcuts, "Keyboard Shortcuts")
        self.tabs.addTab(self.syntax, "Query Syntax")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(620, 520)
        self._window = window

    def show_page(self, page: int) -> None:
        """Open on a tab (0 the shortcuts, 1 the syntax), with the shortcuts as they are now."""
        self.shortcuts.setHtml(shortcuts_html(self._window))
        self.tabs.setCurrentIndex(page)
        self.show()
        self.activateWindow()
