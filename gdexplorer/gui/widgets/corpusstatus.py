"""Status bar part: the open corpus's name and its article and entity counts."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QWidget

from gdexplorer.gui.formatting import plural


class CorpusStatus(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("corpusStatus")
        self.setContentsMargins(6, 0, 6, 0)

    def show_opening(self, name: str) -> None:
        self.setText(f"Opening {name}…")

    def show_counts(self, name: str, articles: int | None, entities: int, server: str | None = None) -> None:
        """``server``: where the shared index searched is (said, as it is a different index to the local one)."""
        parts = [f"<b>{html.escape(name)}</b>"]
        if server is not None:
            parts.append(f"on {html.escape(server)}")
        self.setToolTip(f"Searching the shared index on {server}" if server is not None else "")
        if articles is not None:
            parts.append(plural(articles, "article"))
        parts.append(plural(entities, "entity", "entities"))
        self.setText("  ·  ".join(parts))
