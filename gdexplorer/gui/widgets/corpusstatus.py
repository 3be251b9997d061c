"""Status bar part: the open corpus's name and its article and entity counts."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from gdexplorer.gui.formatting import plural


class CorpusStatus(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("corpusStatus")
        self.setContentsMargins(6, 0, 6, 0)

    def show_opening(self, name: str) -> None:
        self.setText(f"Opening {name}…")

    def show_counts(self, name: str, articles: int | None, entities: int) -> None:
        parts = [f"<b>{name}</b>"]
        if articles is not None:
            parts.append(plural(articles, "article"))
        parts.append(plural(entities, "entity", "entities"))
        self.setText("  ·  ".join(parts))
