"""File ▸ Open Recent: the corpora opened last (with the annotations folder each was opened with)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

RECENT_SIZE = 8
SETTINGS_KEY = "recent/corpora"


class RecentMenu(QMenu):
    """The recent corpora, newest first, kept in the settings; choosing one is ``corpus_requested``."""

    corpus_requested = Signal(object, object)  # corpus Path, annotations Path or None

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.settings = settings
        self.triggered.connect(self._on_triggered)

    def corpora(self) -> list[tuple[Path, Path | None]]:
        raw = self.settings.value(SETTINGS_KEY, "[]")
        try:
            items = json.loads(str(raw))
        except ValueError:
            return []
        found = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("corpus"), str):
                annotations = item.get("annotations")
                found.append((Path(item["corpus"]), Path(annotations) if isinstance(annotations, str) else None))
        return found

    def last(self) -> tuple[Path, Path | None] | None:
        """The most recent corpus that still exists."""
        for corpus, notes in self.corpora():
            if corpus.is_dir() and (notes is None or notes.is_dir()):
                return corpus, notes
        return None

    def remember(self, corpus: Path, annotations: Path | None) -> None:
        entry = (corpus.resolve(), annotations.resolve() if annotations else None)
        recent = [entry, *[r for r in self.corpora() if r != entry]][:RECENT_SIZE]
        self.settings.setValue(SETTINGS_KEY, json.dumps(
            [{"corpus": str(c), "annotations": str(a) if a else None} for c, a in recent]))
        self.update_actions()

    def update_actions(self) -> None:
        self.clear()
        recent = self.corpora()
        for corpus, notes in recent:
            label = corpus.name + (f"  (annotations from {notes.parent.name})" if notes else "")
            action = self.addAction(label)
            action.setToolTip(str(corpus))
            action.setData(json.dumps({"corpus": str(corpus), "annotations": str(notes) if notes else None}))
            action.setEnabled(corpus.is_dir())
        if recent:
            self.addSeparator()
            self.addAction("Clear Menu").setData("")
        self.setEnabled(bool(recent))

    @Slot(QAction)
    def _on_triggered(self, action: QAction) -> None:
        data = action.data()
        if data == "":
            self.settings.setValue(SETTINGS_KEY, "[]")
            self.update_actions()
            return
        item = json.loads(str(data))
        self.corpus_requested.emit(Path(item["corpus"]), Path(item["annotations"]) if item.get("annotations") else None)
