"""The explorer's exports: hits as CSV or JSON, an entity's dossier, citations, and atomic saves.

``ExportMethods`` is mixed into ``gdexplorer.explorer.Explorer``, whose public methods these stay
(the CLI and the window call them on the explorer). The formats are ``gdexplorer.export``'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gdexplorer import export as _export
from gdexplorer.files import write_output
from gdexplorer.model import Article, ArticleInfo, Entity, SearchResult


class ExportMethods:
    """``Explorer``'s methods that export what it shows."""

    if TYPE_CHECKING:
        _workbench: Any

    def results_csv(self, result: SearchResult) -> str:
        """The hits as CSV, with the workbench's star, tags and note of each."""
        return _export.results_csv(result, self._workbench.marks)

    def results_json(self, result: SearchResult) -> str:
        return _export.results_json(result, self._workbench.marks)

    def dossier(self, entity: Entity) -> str:
        """Everything known about an entity in Markdown, with every fact quoted and sourced."""
        # Mixed into Explorer only, which has all a dossier reads.
        return _export.dossier_markdown(cast(Any, self), entity)

    @staticmethod
    def citation(info: ArticleInfo, quote: str | None = None) -> str:
        return _export.citation(info, quote)

    @staticmethod
    def article_citation(article: Article, start: int, end: int) -> str:
        """Citation for a passage of an article selected by character range."""
        return _export.article_citation(article, start, end)

    @staticmethod
    def save_text(path: Path, text: str) -> None:
        """Write an export atomically (never a half-written file), a device or FIFO in place; raises ``OSError``."""
        write_output(path, text.encode("utf-8"))

    @staticmethod
    def save_bytes(path: Path, data: bytes) -> None:
        """As ``save_text``, for a file already encoded (a PDF of an article)."""
        write_output(path, data)
