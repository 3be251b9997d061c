"""A read-only rich-text view whose ``gdx:`` links become requests to the window."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from gdexplorer.gui.icons import kind_image
from gdexplorer.gui.links import (
    ArticleLink,
    EntityLink,
    ExternalLink,
    FactLink,
    SearchLink,
    SuggestedLink,
    parse_href,
)

if TYPE_CHECKING:
    # Types only: the core's model (its dataclasses) is imported after the window's first paint.
    from gdexplorer.model import EntityKind

log = logging.getLogger(__name__)

KIND_SCHEME = "kind"
ICON_SIZE = 14


def kind_src(kind: EntityKind) -> str:
    """An ``<img src>`` for a type icon; resolved by ``LinkBrowser.loadResource``."""
    return f"{KIND_SCHEME}:{kind.value}"


def href_of(url: QUrl) -> str:
    return bytes(url.toEncoded().data()).decode("ascii")


class LinkBrowser(QTextBrowser):
    """Routes clicks: entities, articles and searches to signals; web links to the browser."""

    entity_requested = Signal(str)
    suggested_requested = Signal(str)  # a suggested entity's name
    article_requested = Signal(object)  # ArticleLink
    search_requested = Signal(str)
    link_hovered = Signal(str)  # the href under the mouse, "" when it leaves
    fact_action_requested = Signal(object)  # FactLink: edit, delete or cite a fact or relation

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_self_anchor_clicked)
        self.highlighted.connect(self._on_self_highlighted)

    def loadResource(self, kind: int, name: QUrl) -> object:
        # The model is imported after the window's first paint (see MainWindow): here, when it is used.
        from gdexplorer.model import EntityKind

        if kind == QTextDocument.ResourceType.ImageResource.value and name.scheme() == KIND_SCHEME:
            try:
                entity_kind = EntityKind(name.path())
            except ValueError:
                return None
            return kind_image(entity_kind, ICON_SIZE, self.devicePixelRatioF())
        return super().loadResource(kind, name)

    def follow(self, href: str) -> None:
        """Act on a link as if it had been clicked."""
        if href.startswith("#"):
            self.scrollToAnchor(href[1:])
            return
        link = parse_href(href)
        if isinstance(link, SuggestedLink):
            self.suggested_requested.emit(link.name)
        elif isinstance(link, EntityLink):
            self.entity_requested.emit(link.entity_id)
        elif isinstance(link, ArticleLink):
            self.article_requested.emit(link)
        elif isinstance(link, SearchLink):
            self.search_requested.emit(link.query)
        elif isinstance(link, FactLink):
            self.fact_action_requested.emit(link)
        elif isinstance(link, ExternalLink):
            url = QUrl(link.url)
            if url.scheme() in ("http", "https", "mailto"):
                QDesktopServices.openUrl(url)
            else:
                log.info("not opening link %s", link.url)

    @Slot(QUrl)
    def _on_self_anchor_clicked(self, url: QUrl) -> None:
        self.follow(href_of(url))

    @Slot(QUrl)
    def _on_self_highlighted(self, url: QUrl) -> None:
        self.link_hovered.emit(href_of(url) if url.isValid() and not url.isEmpty() else "")
