"""Suggested entities in the window: finds them in a child process once the index is ready, lists
them in the sidebar beside the curated ones, and turns Accept / Merge into… / Reject into saves.

The recognizer runs in ``python -m gdexplorer.buildproc --suggest`` (niced, its own GIL, killed
when the window closes: its cache resumes where it stopped). Accept and Merge go through the
curation controller, so they are validated, minimal, atomic and undoable like every other edit.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, Slot

from gdexplorer.gui.widgets.suggestedpanel import SuggestedDetail, SuggestedFilter, SuggestedList

if TYPE_CHECKING:
    from gdexplorer.explorer import Explorer
    from gdexplorer.gui.curationcontroller import CurationController
    from gdexplorer.gui.pages import OpenedCorpus
    from gdexplorer.gui.session import ExplorerSession
    from gdexplorer.gui.widgets.detailtabs import DetailTabs
    from gdexplorer.gui.widgets.entitypanel import EntityPanel
    from gdexplorer.model import Entity, EntityKind, IndexStats, SuggestedEntity

log = logging.getLogger(__name__)

# "0" turns the background recognizer off (a slow machine; the GUI tests, which open hundreds of
# corpora): what an earlier run or `gdexplorer suggestions` cached is still shown.
AUTO_ENV = "GDEXPLORER_SUGGEST"


class SuggestedController(QObject):
    message = Signal(str)  # for the status bar
    article_requested = Signal(str, int, int)  # article id, focus in Article.text
    _loaded = Signal(int, object)  # generation, list[SuggestedEntity] (from the grouping thread)

    def __init__(self, session: ExplorerSession, entities: EntityPanel, tabs: DetailTabs,
                 curation: CurationController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._entities = entities
        self._tabs = tabs
        self._curation = curation
        self._explorer: Explorer | None = None
        self._generation = 0
        self._process: QProcess | None = None
        self._thread: threading.Thread | None = None
        self._buffer = b""
        self.suggestions: list[SuggestedEntity] = []

        self.filter = SuggestedFilter(entities)
        self.list = SuggestedList(entities)
        self.detail = SuggestedDetail(tabs)
        # Small hooks into the sidebar's layout: the filter under the scope row, the list under the tree.
        layout = entities.layout()
        layout.insertWidget(2, self.filter)  # type: ignore[attr-defined]
        layout.addWidget(self.list, 1)  # type: ignore[call-arg]
        layout.setStretchFactor(entities.tree, 2)  # type: ignore[attr-defined]  # the curated tree first
        self.list.hide()
        self._tab = tabs.addTab(self.detail, "Suggested")
        tabs.setTabToolTip(self._tab, "A suggested entity: accept it, merge it into an entity, or reject it")

        self.filter.changed.connect(self._on_filter_changed)
        entities.filter.textChanged.connect(self.list.set_text)
        self.list.suggestion_activated.connect(self.show)
        self.detail.accept_requested.connect(self.accept)
        self.detail.merge_requested.connect(self.merge)
        self.detail.reject_requested.connect(self.reject)
        self.detail.sentence_requested.connect(self._on_detail_sentence_requested)
        session.corpus_opened.connect(self._on_session_corpus_opened)
        session.index_finished.connect(self._on_session_index_finished)
        curation.curated.connect(self._reload)
        self._loaded.connect(self._on_loaded)

    # -- corpus ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Another corpus is opening: stop, and show nothing until it is open."""
        self.stop()
        self._explorer = None
        self.suggestions = []
        self.list.set_suggestions([])
        self.list.set_status("")
        self.detail.show_suggested(None)

    @Slot(object)
    def _on_session_corpus_opened(self, opened: OpenedCorpus) -> None:
        self.stop()
        self._explorer = opened.explorer
        self.detail.set_entities(opened.entities)
        self._reload()  # what an earlier run found shows at once
        if opened.index_ready:
            self.start()

    @Slot(object)
    def _on_session_index_finished(self, _stats: IndexStats) -> None:
        self.start()

    def set_entities(self, entities: tuple[Entity, ...]) -> None:
        self.detail.set_entities(entities)

    def running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> None:
        """Find names in new and changed articles, in a child process."""
        explorer = self._explorer
        if explorer is None or self.running() or os.environ.get(AUTO_ENV) == "0":
            return
        from gdexplorer.gui.indexbuild import _package_root, can_build_in_child

        if not can_build_in_child():
            return
        process = self._process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        path = env.value("PYTHONPATH")
        env.insert("PYTHONPATH", _package_root() + (os.pathsep + path if path else ""))
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        process.setProgram(sys.executable)
        process.setArguments(explorer.suggest_command())
        process.readyReadStandardOutput.connect(self._on_process_ready_read)
        process.finished.connect(self._on_process_finished)
        self._buffer = b""
        self.list.set_status("Finding names…")
        process.start()

    def stop(self) -> None:
        """Kill the child (its cache keeps every article it finished) and wait for the grouping thread."""
        self._generation += 1
        process, self._process = self._process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.finished.disconnect(self._on_process_finished)
            process.kill()
            process.waitForFinished(5000)
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @Slot()
    def _on_process_ready_read(self) -> None:
        process = self.sender()
        if not isinstance(process, QProcess):
            return
        self._buffer += bytes(process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "progress" and event.get("total"):
                text = f"Finding names: {event['done']:,} of {event['total']:,} articles"
                self.list.set_status(text)
                self.message.emit(text)
            elif event.get("event") == "suggested":
                missing = event.get("missing")
                self.list.set_status(missing or "")
                if missing:
                    self.message.emit(missing)
            elif event.get("event") == "failed":
                self.list.set_status(f"Cannot find names: {event.get('message')}")

    @Slot(int, QProcess.ExitStatus)
    def _on_process_finished(self, _code: int, _status: QProcess.ExitStatus) -> None:
        self._on_process_ready_read()
        self._reload()

    # -- showing -----------------------------------------------------------------------------

    @Slot()
    def _reload(self, *_args: object) -> None:
        explorer = self._explorer
        if explorer is None:
            return
        if self._thread is not None:
            self._thread.join()  # grouping takes well under a second; never two at once
        generation = self._generation

        def group() -> None:
            try:
                found = explorer.suggested_entities()
            except Exception as e:  # a bad rejections file: say so, show none
                log.info("suggested entities: %s", e)
                found = []
            self._loaded.emit(generation, found)

        self._thread = threading.Thread(target=group, name="suggested-entities", daemon=True)
        self._thread.start()

    @Slot(int, object)
    def _on_loaded(self, generation: int, found: list[SuggestedEntity]) -> None:
        if generation != self._generation:
            return
        self.suggestions = found
        self.list.set_suggestions(found)
        self.list.setVisible(self.filter.value != "curated")
        shown = self.detail.suggested
        if shown is not None:
            same = next((s for s in found if s.name == shown.name), None)
            self.detail.show_suggested(same)

    @Slot(str)
    def _on_filter_changed(self, value: str) -> None:
        self._entities.tree.setVisible(value != "suggested")
        self.list.setVisible(value != "curated")

    @Slot(object)
    def show(self, suggested: SuggestedEntity) -> None:
        self.detail.show_suggested(suggested)
        self._tabs.setCurrentWidget(self.detail)

    @Slot(str)
    def show_named(self, name: str) -> bool:
        """Open the suggested entity of this name (a link in the article pane); False if it is gone."""
        found = next((s for s in self.suggestions if s.name == name), None)
        if found is None:
            self.message.emit(f"{name} is no longer suggested")
            return False
        self.show(found)
        return True

    @Slot(str, int, int)
    def _on_detail_sentence_requested(self, article_id: str, start: int, end: int) -> None:
        explorer = self._explorer
        if explorer is None:
            return
        try:
            article = explorer.article(article_id)
        except Exception as e:
            self.message.emit(str(e))
            return
        self.article_requested.emit(article_id, article.body_offset + start, article.body_offset + end)

    # -- acting ------------------------------------------------------------------------------

    @Slot(object, object, bool)
    def accept(self, suggested: SuggestedEntity, kind: EntityKind, with_fact: bool) -> bool:
        from gdexplorer.gui.edits import CreateEntity, entity_id_for
        from gdexplorer.model import NewEntity, NewFact

        explorer = self._explorer
        if explorer is None:
            return False
        new = NewEntity(entity_id_for(suggested.name, frozenset(explorer.entities_by_id())), kind, suggested.name,
                        suggested.aliases)
        facts: tuple[NewFact, ...] = ()
        if with_fact and suggested.mentions:
            first = suggested.mentions[0]
            facts = (NewFact(first.sentence, first.article, first.sentence),)
        return self._curation.run(CreateEntity(new, facts), f"Accept {suggested.name}")

    @Slot(object, str)
    def merge(self, suggested: SuggestedEntity, entity_id: str) -> bool:
        from gdexplorer.gui.edits import AddAlias

        return self._curation.run(AddAlias(entity_id, suggested.name), f"Merge {suggested.name} into {entity_id}")

    @Slot(object)
    def reject(self, suggested: SuggestedEntity) -> None:
        explorer = self._explorer
        if explorer is None:
            return
        try:
            path = explorer.reject_suggestion(suggested.name)
        except Exception as e:
            self.message.emit(f"Cannot reject {suggested.name}: {e}")
            return
        self.message.emit(f"Rejected {suggested.name}: kept in {explorer.display_path(path)}")
        self.detail.show_suggested(None)
        self._reload()
