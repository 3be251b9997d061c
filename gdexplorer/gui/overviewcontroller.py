"""The open corpus at a glance: its name and counts, its problems, its entity list and the welcome page.

``OverviewController`` keeps what the session says of the corpus (``opened``, then ``stats`` after
each index update) and shows it: the window's title, the status bar's counts, the Problems dock, the
entity list with its mention counts (scoped to the open article's entities when asked), and, where
no page is shown, the welcome page, the detail pane's hint or why the page cannot be shown. It
describes the entity under the mouse. A corpus that opened is remembered among the recent ones a
moment later. It keeps no reference to the window (see ``CurationController``).
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from gdexplorer.errors import Problem
from gdexplorer.gui.history import ArticleLocation
from gdexplorer.gui.links import EntityLink, entity_href, parse_href
from gdexplorer.gui.pages import ArticlePage, CorpusStats, OpenedCorpus, example_queries
from gdexplorer.gui.session import ExplorerSession
from gdexplorer.gui.staged import NEXT_PASS_MS
from gdexplorer.gui.theme import marks_for
from gdexplorer.gui.widgets.articleview import ArticleView
from gdexplorer.gui.widgets.corpusstatus import CorpusStatus
from gdexplorer.gui.widgets.detailpane import DETAIL_HINT, DetailPane
from gdexplorer.gui.widgets.entitypanel import EntityPanel
from gdexplorer.gui.widgets.problemsdock import ProblemsDock
from gdexplorer.gui.widgets.recentmenu import RecentMenu
from gdexplorer.gui.widgets.welcomepage import error_html, welcome_html
from gdexplorer.model import Entity

# Writing the settings file waits for the disk (fdatasync: 15 ms idle, 60+ ms while indexes are written):
# the recent-corpora entry is written this long after a corpus opens, not with the rest of the opening.
REMEMBER_DELAY_MS = 750


class OverviewController(QObject):
    """Shows the open corpus's counts, problems and entities, and the welcome page."""

    message = Signal(str)  # for the status bar
    title_changed = Signal(str)  # the window's
    article_requested = Signal(object)  # ArticleLocation: a problem in an article was activated

    def __init__(self, session: ExplorerSession, recent: RecentMenu, corpus_status: CorpusStatus,
                 problems: ProblemsDock, entities: EntityPanel, detail: DetailPane, article_view: ArticleView,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.recent = recent
        self.corpus_status = corpus_status
        self.problems = problems
        self.entities = entities
        self.detail = detail
        self.article_view = article_view
        self.opened: OpenedCorpus | None = None
        self.stats: CorpusStats | None = None
        self._corpus: tuple[Path, Path | None] | None = None  # the folders asked for, to remember
        self._remember_timer = QTimer(self)
        self._remember_timer.setSingleShot(True)
        self._remember_timer.setInterval(REMEMBER_DELAY_MS)
        self._remember_timer.timeout.connect(self._on_remember_timer_timeout)
        session.corpus_opening.connect(self._on_session_corpus_opening)
        session.corpus_opened.connect(self._on_session_corpus_opened)
        session.corpus_failed.connect(self._on_session_corpus_failed)
        session.stats_changed.connect(self._on_session_stats_changed)
        session.article_loaded.connect(self._on_session_article_loaded)
        session.article_failed.connect(self._on_session_article_failed)
        session.entity_failed.connect(self._on_session_entity_failed)
        problems.panel.problem_activated.connect(self._on_problems_problem_activated)

    def reset(self, corpus: Path, annotations: Path | None) -> None:
        """Another corpus is opening (the one left, if it opened, is remembered): nothing of it is shown."""
        self.remember()
        self._corpus = (corpus, annotations)
        self.opened = self.stats = None
        self.entities.set_entities(())
        self.entities.set_article_entities(None)
        self.problems.set_problems(())
        self.detail.show_placeholder(DETAIL_HINT)
        self.article_view.show_welcome(f"<div style='margin:18px'>Opening {html.escape(str(corpus))}…</div>")
        self.title_changed.emit(f"{corpus.name} — gdexplorer")

    def remember(self) -> None:
        """Put the corpus among the recent ones now if it is waiting to be (it opened a moment ago)."""
        if self._remember_timer.isActive():
            self._remember_timer.stop()
            self._on_remember_timer_timeout()

    def entity(self, entity_id: str) -> Entity | None:
        if self.opened is None:
            return None
        return next((entity for entity in self.opened.entities if entity.id == entity_id), None)

    def describe_link(self, href: str) -> str:
        """What the status bar says of a link under the mouse: the entity it names, or where it goes."""
        link = parse_href(href) if href else None
        if isinstance(link, EntityLink):
            entity = self.entity(link.entity_id)
            if entity is not None:
                return f"{entity.name} — {entity.kind.value}" + (f": {entity.title}" if entity.title else "")
        return href if href and not href.startswith(entity_href("")[:4]) else ""

    @Slot(object)
    def set_entities(self, entities: tuple[Entity, ...]) -> None:
        """The annotations changed: the entity list and the counts follow, where the reader was."""
        if self.opened is None:
            return
        self.opened = opened = dataclasses.replace(self.opened, entities=tuple(entities))
        current = self.detail.page.entity.id if self.detail.page is not None else None
        value = self.entities.tree.verticalScrollBar().value()
        self.entities.set_entities(opened.entities)
        if self.stats is not None:
            self.entities.set_counts(self.stats.mention_counts)
        self.entities.tree.verticalScrollBar().setValue(value)
        if current is not None:
            self.entities.select(current)
        self.corpus_status.show_counts(opened.name, self.stats.articles if self.stats else None,
                                       len(opened.entities), opened.explorer.shared_index_location)

    def show_welcome(self) -> None:
        """The welcome page, unless an article is shown."""
        opened, stats = self.opened, self.stats
        if opened is None or self.article_view.page is not None:
            return
        counts = stats.mention_counts if stats else {}
        secondary = marks_for(self.article_view.palette()).secondary.name()
        self.article_view.show_welcome(welcome_html(
            opened.name, stats.articles if stats else 0, len(opened.entities), example_queries(opened.entities, counts),
            secondary, self.session.indexing))

    @Slot(object)
    def _on_problems_problem_activated(self, problem: Problem) -> None:
        if problem.path.endswith(".txt"):
            self.article_requested.emit(ArticleLocation(problem.path))
            return
        if self._corpus is not None:
            path = Path(problem.path) if Path(problem.path).is_absolute() else self._corpus[0] / problem.path
            if path.exists():
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    @Slot()
    def _on_remember_timer_timeout(self) -> None:
        if self.opened is not None and self._corpus is not None:
            self.recent.remember(*self._corpus)

    # -- session slots -----------------------------------------------------------------------

    @Slot(object)
    def _on_session_corpus_opening(self, corpus: Path) -> None:
        self.corpus_status.show_opening(Path(corpus).name)

    @Slot(object)
    def _on_session_corpus_opened(self, opened: OpenedCorpus) -> None:
        self.opened = opened
        self.problems.set_problems(opened.problems)
        self.corpus_status.show_counts(opened.name, None, len(opened.entities), opened.explorer.shared_index_location)
        self.detail.show_placeholder(DETAIL_HINT if opened.entities else
                                     "This corpus has no curated entities (no annotations/*.yaml).")
        self._remember_timer.start()
        self.article_view.page = None
        self.show_welcome()
        # Filling the entity tree takes tens of milliseconds for a few hundred entities: in a pass of its own,
        # so that the window is not frozen for this slot and the tree back to back.
        QTimer.singleShot(NEXT_PASS_MS, self, lambda: self._fill_entity_tree(opened))

    def _fill_entity_tree(self, opened: OpenedCorpus) -> None:
        if self.opened is None or self.opened.explorer is not opened.explorer:
            return  # another corpus opened meanwhile
        self.entities.set_entities(self.opened.entities)
        if self.detail.page is not None:
            self.entities.select(self.detail.page.entity.id)

    @Slot(str)
    def _on_session_corpus_failed(self, message: str) -> None:
        color = marks_for(self.article_view.palette()).error.name()
        self.article_view.show_welcome(error_html("This corpus cannot be opened", message, color))
        name = self._corpus[0].name if self._corpus else "the corpus"
        self.corpus_status.setText(f"Cannot open {name}")
        self.message.emit(message)

    @Slot(object)
    def _on_session_article_loaded(self, page: ArticlePage) -> None:
        self.entities.set_article_entities(frozenset(entity.id for entity in page.entities))
        name = self.opened.name if self.opened else ""
        self.title_changed.emit(f"{page.article.info.title} — {name} — gdexplorer")

    @Slot(str)
    def _on_session_article_failed(self, message: str) -> None:
        color = marks_for(self.article_view.palette()).error.name()
        self.article_view.show_welcome(error_html("This article cannot be shown", message, color))
        self.entities.set_article_entities(None)

    @Slot(str)
    def _on_session_entity_failed(self, message: str) -> None:
        self.detail.show_placeholder(html.escape(message))

    @Slot(object)
    def _on_session_stats_changed(self, stats: CorpusStats) -> None:
        self.stats = stats
        self.entities.set_counts(stats.mention_counts)
        if self.opened is not None:
            self.corpus_status.show_counts(self.opened.name, stats.articles, len(self.opened.entities),
                                           self.opened.explorer.shared_index_location)
        self.problems.set_problems(stats.problems)
        self.show_welcome()
