"""Curating from the window: add, edit, delete and undo facts; outside edits; exports; citations.

Every test works on a copy of the seeds (the ``opened`` fixture) and reads the YAML files back to
check that a save changed only what it had to.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QTextCursor
from PySide6.QtWidgets import QApplication, QFileDialog, QTextBrowser

from gdexplorer.cli import main as cli_main
from gdexplorer.explorer import Explorer
from gdexplorer.gui.edits import entity_id_for, sentence_around, valid_entity_id
from gdexplorer.gui.itemmodels import item_at
from gdexplorer.gui.links import FactLink, fact_href, parse_href
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.watcher import watch_list
from gdexplorer.gui.widgets.entitypicker import EntityPicker
from gdexplorer.gui.widgets.factdialog import FactDialog
from gdexplorer.model import EntityKind
from tests.gui.conftest import anchor_positions, click_anchor, detail_title, search

QUOTE = "an automobile manufacturer based in Guangzhou"
GAC_FACT = "Is cultivating forward-looking technologies such as autonomous driving, hydrogen fuel cells and flying vehicles."
SAVE_TIMEOUT = 10_000

# A popup menu on the offscreen platform asks for what it cannot have; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")


# -- helpers -----------------------------------------------------------------------------------


def open_article(qtbot, window: MainWindow, query: str, title_start: str) -> None:
    search(qtbot, window, query)
    model = window.results.model
    row = next(r for r in range(model.rowCount()) if model.hit(r).info.title.startswith(title_start))
    view = window.results.view
    view.scrollTo(model.index(row, 0))
    with qtbot.waitSignal(window.session.article_loaded, timeout=5000):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(model.index(row, 0)).center())


def select_text(qtbot, browser: QTextBrowser, text: str) -> None:
    """Select words with the mouse: press before the first, drag to after the last, release."""
    found = browser.document().find(text)
    assert not found.isNull(), f"{text!r} is not in the view"

    def point(position: int) -> QPoint:
        cursor = QTextCursor(browser.document())
        cursor.setPosition(position)
        rect = browser.cursorRect(cursor)
        return QPoint(rect.left() + 1, rect.center().y())

    start, end = found.selectionStart(), found.selectionEnd()
    bar = browser.verticalScrollBar()
    bar.setValue(bar.value() + browser.cursorRect(found).top() - 40)
    viewport = browser.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=point(start))
    qtbot.mouseMove(viewport, point((start + end) // 2))
    qtbot.mouseMove(viewport, point(end))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=point(end))
    assert browser.textCursor().selectedText().replace("\xa0", " ") == text  # find() matches no-break spaces too


def choose_from_context_menu(qtbot, browser: QTextBrowser, point: QPoint, text: str) -> None:
    """Right-click at ``point`` (a point of the viewport) and pick the menu item called ``text``."""
    chosen: list[str] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert menu is not None, "no context menu opened"
        names = [a.text().replace("&", "") for a in menu.actions()]
        action = next((a for a in menu.actions() if a.text().replace("&", "") == text), None)
        chosen.append(text if action is not None else f"not in {names}")
        menu.close()
        if action is not None:
            action.trigger()

    QTimer.singleShot(150, pick)
    # What a right-click delivers (QTest's mouse events do not make the platform send it).
    viewport = browser.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(lambda: bool(chosen), timeout=3000)
    assert chosen == [text]


def selection_point(browser: QTextBrowser) -> QPoint:
    return browser.cursorRect(browser.textCursor()).center()


def only_inserted(before: bytes, after: bytes) -> list[str]:
    """The lines ``after`` adds to ``before``, asserting that nothing else changed and they are one block."""
    old, new = before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True)
    ops = [op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes() if op[0] != "equal"]
    assert len(ops) == 1 and ops[0][0] == "insert", ops
    _, i1, _, j1, j2 = ops[0]
    assert old[:i1] + new[j1:j2] + old[i1:] == new
    return new[j1:j2]


def save(qtbot, window: MainWindow, dialog: FactDialog) -> None:
    assert dialog.save_button.isEnabled(), dialog.missing()
    with qtbot.waitSignal(window.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # A window manager gives the focus back to the window when a dialog closes; offscreen, nobody does.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def settle(qtbot, window: MainWindow) -> None:
    """Wait until the index refresh after a save, and the page reloads it asks for, are over."""

    def quiet() -> bool:
        QApplication.processEvents()
        return not (window.session.refreshing or window.session.busy() or window.curation.busy)

    qtbot.waitUntil(quiet, timeout=5000)
    QApplication.processEvents()


def fact_link_positions(window: MainWindow, entity_id: str, action: str) -> list[int]:
    return anchor_positions(window.detail, lambda href: f"fact/{entity_id}/" in href and href.endswith(f"do={action}"))


def open_entity(qtbot, window: MainWindow, entity_id: str) -> None:
    with qtbot.waitSignal(window.session.entity_loaded, timeout=5000):
        window.open_entity(entity_id)


@pytest.fixture
def clipboard():
    board = QGuiApplication.clipboard()
    board.clear()
    return board


# -- adding ------------------------------------------------------------------------------------


def test_selected_words_become_a_fact_in_the_yaml_file(qtbot, opened, seeds_corpus):
    yaml_file = seeds_corpus / "annotations" / "organizations.yaml"
    before = yaml_file.read_bytes()
    others = {p: p.read_bytes() for p in (seeds_corpus / "annotations").glob("*.yaml") if p != yaml_file}
    open_article(qtbot, opened, "tcl", "Tech innovation")
    view = opened.article.view
    select_text(qtbot, view, QUOTE)

    choose_from_context_menu(qtbot, view, selection_point(view), "Add Fact from the Selection…")
    dialog = opened.curation.dialog
    assert isinstance(dialog, FactDialog) and dialog.isVisible()
    assert dialog.quote.toPlainText() == QUOTE  # exactly the selection
    assert dialog.source.article_id == "articles/0001.txt"
    assert "articles/0001.txt" in dialog.source_label.text()
    assert dialog.quote_status.text() == "✓ in the article"
    # Guangzhou is named in the selection, so it is offered first; the user picks GAC Group by alias.
    assert dialog.subject.entity().id == "guangzhou"
    assert not dialog.save_button.isEnabled() and dialog.hint.text() == "Write the fact, in your own words."
    qtbot.keyClicks(dialog.subject.search, "GAC")
    assert dialog.subject.entity().id == "gac-group"
    assert dialog.file_label.text() == "Saves to annotations/organizations.yaml"
    qtbot.keyClicks(dialog.fact_text, "An automobile manufacturer based in Guangzhou.")
    save(qtbot, opened, dialog)

    assert opened.curation.dialog is None  # closed (and deleted)
    assert only_inserted(before, yaml_file.read_bytes()) == [
        "      - text: An automobile manufacturer based in Guangzhou.\n",
        "        article: articles/0001.txt\n",
        '        quote: "an automobile manufacturer based in Guangzhou"\n',
    ]
    assert {p: p.read_bytes() for p in others} == others
    # The new fact shows at once, last of GAC Group's facts, and the core reloaded it.
    assert detail_title(opened) == "GAC Group"
    text = opened.detail.toPlainText()
    assert "FACTS · 4" in text and f"“{QUOTE}”" in text
    assert text.index(GAC_FACT) < text.index(QUOTE)
    assert "saved to annotations/organizations.yaml" in opened.statusBar().currentMessage()
    assert opened.curation.undo_action.text() == "&Undo Add Fact to GAC Group"
    settle(qtbot, opened)


def test_a_relation_to_another_entity(qtbot, opened, seeds_corpus):
    yaml_file = seeds_corpus / "annotations" / "people.yaml"
    before = yaml_file.read_bytes()
    open_article(qtbot, opened, "tcl", "Tech innovation")
    quote = "Feng Xingya, president of GAC Group"
    select_text(qtbot, opened.article.view, quote)
    opened.curation.add_fact_action.trigger()
    dialog = opened.curation.dialog
    # Both names in the selection: the first is the subject, the second the likely target.
    assert dialog.subject.entity().id == "feng-xingya"
    qtbot.mouseClick(dialog.statement_group.button(FactDialog.RELATION), Qt.MouseButton.LeftButton)
    assert dialog.target.entity().id == "gac-group"
    assert dialog.hint.text() == "Say how they are related (the predicate)."
    qtbot.keyClicks(dialog.predicate, "leads")
    save(qtbot, opened, dialog)
    inserted = only_inserted(before, yaml_file.read_bytes())
    assert [line.strip() for line in inserted] == [
        "- predicate: leads", "object: gac-group", "article: articles/0001.txt", f'quote: "{quote}"']
    assert "leads" in opened.detail.toPlainText()
    settle(qtbot, opened)


def test_a_suggested_name_becomes_a_new_entity(qtbot, opened, seeds_corpus):
    yaml_file = seeds_corpus / "annotations" / "products.yaml"
    before = yaml_file.read_bytes()
    open_article(qtbot, opened, "hydrogen", "High-quality")
    bar = opened.article.suggestions
    assert bar.isVisible()
    names = [s.text for s in bar.suggestions]
    assert "Production Certificate" in names
    assert "Production Certificate" in bar.label.text()
    bar.label.linkActivated.emit(str(names.index("Production Certificate")))  # a click on the name
    dialog = opened.curation.dialog
    assert dialog.creating and dialog.name.text() == "Production Certificate"
    assert dialog.entity_id.text() == "production-certificate"
    quote = dialog.quote.toPlainText()
    assert "Production Certificate" in quote and dialog.quote_status.text() == "✓ in the article"
    assert dialog.hint.text() == "Choose the new entity's type."
    dialog.kind.setCurrentIndex(dialog.kind.findData(EntityKind.PRODUCT))
    assert dialog.file_label.text() == "Saves to annotations/products.yaml"
    qtbot.keyClicks(dialog.fact_text, "Issued by the Civil Aviation Administration of China to eVTOL makers.")
    save(qtbot, opened, dialog)

    inserted = only_inserted(before, yaml_file.read_bytes())
    assert inserted[0] == "\n"  # a blank line between entities, as in the rest of the file
    assert inserted[1:4] == ["  - id: production-certificate\n", "    type: product\n",
                             "    name: Production Certificate\n"]
    data = yaml.safe_load(yaml_file.read_text())
    entity = next(e for e in data["entities"] if e["id"] == "production-certificate")
    assert entity["facts"] == [{"text": "Issued by the Civil Aviation Administration of China to eVTOL makers.",
                                "article": "articles/0002.txt", "quote": quote}]
    assert detail_title(opened) == "Production Certificate"
    assert "Production Certificate" in opened.entities.visible_names()
    # Once the index caught up, the name is linked in the article and no longer suggested.
    qtbot.waitUntil(lambda: "Production Certificate" not in [s.text for s in bar.suggestions], timeout=5000)
    links = anchor_positions(opened.article.view, lambda href: href.endswith("entity/production-certificate"))
    assert len(links) == 2
    qtbot.waitUntil(lambda: opened.entities.model.count("production-certificate") == 1, timeout=5000)


def test_a_selected_name_can_be_annotated_from_the_context_menu(qtbot, opened):
    open_article(qtbot, opened, "hydrogen", "High-quality")
    view = opened.article.view
    select_text(qtbot, view, "Production Certificate")
    choose_from_context_menu(qtbot, view, selection_point(view),
                             "Annotate “Production Certificate” as a New Entity…")
    dialog = opened.curation.dialog
    assert dialog.creating and dialog.name.text() == "Production Certificate"
    assert dialog.quote.toPlainText() == (
        "The company's EH216-S passenger-carrying pilotless electric vertical takeoff and landing (eVTOL) aircraft "
        "obtained a Production Certificate issued by the Civil Aviation Administration of China (CAAC) in April "
        "this year, making it the world's first Production Certificate granted in the global eVTOL industry")
    dialog.reject()
    # An annotated name is not offered again.
    select_text(qtbot, view, "EHang Holdings Limited")
    assert not opened.curation.annotate_action.isEnabled()


def test_a_refused_save_keeps_the_dialog_and_writes_nothing(qtbot, opened, seeds_corpus):
    before = {p: p.read_bytes() for p in (seeds_corpus / "annotations").glob("*.yaml")}
    open_article(qtbot, opened, "tcl", "Tech innovation")
    select_text(qtbot, opened.article.view, QUOTE)
    opened.curation.add_fact_action.trigger()
    dialog = opened.curation.dialog
    dialog.quote.setPlainText(QUOTE + " and Shenzhen")
    assert dialog.quote_status.text() == "✗ not in the article"
    qtbot.keyClicks(dialog.fact_text, "Based in Guangzhou.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=SAVE_TIMEOUT)
    assert dialog.error.text() == ("articles/0001.txt: the quote is not in the article "
                                   "(it must be its exact words)")
    assert dialog.isVisible() and dialog.save_button.text() == "Add Fact"
    assert dialog.fact_text.toPlainText() == "Based in Guangzhou."  # nothing typed is lost
    assert {p: p.read_bytes() for p in before} == before
    dialog.reject()


# -- editing, deleting, undoing -----------------------------------------------------------------


def test_edit_delete_and_undo_from_the_detail_pane(qtbot, opened, seeds_corpus):
    yaml_file = seeds_corpus / "annotations" / "organizations.yaml"
    original = yaml_file.read_bytes()
    open_entity(qtbot, opened, "gac-group")
    detail = opened.detail

    # Edit: the "edit" link under the second fact.
    click_anchor(qtbot, detail, lambda href: href.endswith("fact/gac-group/1?do=edit"))
    dialog = opened.curation.dialog
    assert dialog.windowTitle() == "Edit Fact"
    assert dialog.fact_text.toPlainText() == "Aims to help consolidate Guangdong's core advantages in the NEV market."
    assert dialog.fixed_subject.text() == "GAC Group  ·  Organization  ·  fact 2 of 3"
    dialog.fact_text.selectAll()
    qtbot.keyClicks(dialog.fact_text, "Wants to consolidate Guangdong's lead in the NEV market.")
    save(qtbot, opened, dialog)
    edited = yaml_file.read_bytes()
    diff = [line for line in difflib.unified_diff(original.decode().splitlines(), edited.decode().splitlines(),
                                                  lineterm="", n=0) if line[:1] in "+-" and line[:3] not in "+++---"]
    # Quotes are written double-quoted like the rest of the file, so only the edited line differs.
    assert diff == ["-      - text: Aims to help consolidate Guangdong's core advantages in the NEV market.",
                    "+      - text: Wants to consolidate Guangdong's lead in the NEV market."]
    assert "Wants to consolidate Guangdong's lead" in detail.toPlainText()

    # Delete: from the context menu over the first fact.
    position = fact_link_positions(opened, "gac-group", "edit")[0]
    cursor = QTextCursor(detail.document())
    cursor.setPosition(position)
    point = detail.cursorRect(cursor).center()
    assert detail.item_at(point) == FactLink("gac-group", "fact", 0, "edit")
    with qtbot.waitSignal(opened.curation.curated, timeout=SAVE_TIMEOUT):
        choose_from_context_menu(qtbot, detail, point, "Delete Fact")
    deleted = yaml_file.read_bytes()
    assert b"The company will further its innovation investments" not in deleted
    assert "FACTS · 2" in detail.toPlainText()
    assert opened.curation.undo_action.text() == "&Undo Delete Fact of GAC Group"

    # Undo twice with Ctrl+Z: the file is as it was, byte for byte.
    with qtbot.waitSignal(opened.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.keyClick(detail, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert yaml_file.read_bytes() == edited
    assert "FACTS · 3" in detail.toPlainText()
    with qtbot.waitSignal(opened.curation.curated, timeout=SAVE_TIMEOUT):
        qtbot.keyClick(detail, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert yaml_file.read_bytes() == original
    assert "Aims to help consolidate Guangdong's core advantages" in detail.toPlainText()
    assert not opened.curation.undo_action.isEnabled()
    assert opened.statusBar().currentMessage().startswith("Undone: Edit Fact of GAC Group")
    settle(qtbot, opened)


def test_undo_is_refused_after_an_outside_edit_of_the_same_file(qtbot, opened, seeds_corpus):
    yaml_file = seeds_corpus / "annotations" / "organizations.yaml"
    open_entity(qtbot, opened, "gac-group")
    with qtbot.waitSignal(opened.curation.curated, timeout=SAVE_TIMEOUT):
        click_anchor(qtbot, opened.detail, lambda href: href.endswith("fact/gac-group/2?do=delete"))
    changed = yaml_file.read_bytes() + b"# reviewed\n"
    yaml_file.write_bytes(changed)
    with qtbot.waitSignal(opened.curation.message, timeout=SAVE_TIMEOUT) as blocker:
        opened.curation.undo_action.trigger()
    assert blocker.args[0].startswith("Cannot undo “Delete Fact of GAC Group”:")
    assert "changed since this edit" in blocker.args[0]
    assert yaml_file.read_bytes() == changed
    assert not opened.curation.undo_action.isEnabled()
    settle(qtbot, opened)


# -- outside edits -----------------------------------------------------------------------------


def test_outside_edits_show_up_without_a_restart(qtbot, opened, seeds_corpus):
    open_article(qtbot, opened, "tcl", "Tech innovation")
    open_entity(qtbot, opened, "gac-group")
    article_file = seeds_corpus / "articles" / "0001.txt"

    # An article edited in another program: the open article shows the new words.
    article_file.write_text(article_file.read_text() + "\nGAC Group also unveiled a solar-powered prototype.\n")
    qtbot.waitUntil(lambda: "solar-powered prototype" in opened.article.view.toPlainText(), timeout=5000)
    assert opened.article.view.page.article.info.id == "articles/0001.txt"

    # A YAML file saved by another editor the way most do (a temporary file renamed over it).
    yaml_file = seeds_corpus / "annotations" / "organizations.yaml"
    temporary = yaml_file.with_name(".organizations.yaml.swp")
    temporary.write_text(yaml_file.read_text().replace(
        "Automobile manufacturer based in Guangzhou, headed by president Feng Xingya.",
        "Carmaker based in Guangzhou."))
    os.replace(temporary, yaml_file)
    qtbot.waitUntil(lambda: "Carmaker based in Guangzhou." in opened.detail.toPlainText(), timeout=5000)

    # A new article: searchable, counted.
    (seeds_corpus / "articles" / "0003.txt").write_text(
        "Solar prototype shown in Guangzhou\n\nGAC Group showed a solar-powered prototype in Guangzhou.\n")
    qtbot.waitUntil(lambda: "3 articles" in opened.corpus_status.text(), timeout=5000)
    search(qtbot, opened, "prototype")
    assert opened.results.model.total == 2

    # A new entity written by hand in another editor joins the list.
    products = seeds_corpus / "annotations" / "products.yaml"
    products.write_text(products.read_text() + "\n  - id: solar-prototype\n    type: product\n"
                        "    name: solar-powered prototype\n")
    qtbot.waitUntil(lambda: "solar-powered prototype" in opened.entities.visible_names(), timeout=5000)

    # A removed article: gone from the results at once.
    (seeds_corpus / "articles" / "0003.txt").unlink()
    qtbot.waitUntil(lambda: opened.results.model.total == 1, timeout=5000)
    qtbot.waitUntil(lambda: "2 articles" in opened.corpus_status.text(), timeout=5000)

    # A YAML mistake made elsewhere lands in the Problems panel.
    yaml_file.write_text(yaml_file.read_text().replace("type: organization", "type: organisation", 1))
    qtbot.waitUntil(lambda: any("organisation" in p.message for p in opened.problems.model.problems()),
                    timeout=5000)
    assert opened.problems_dock.isVisible()
    settle(qtbot, opened)


# -- exports and citations -----------------------------------------------------------------------


def test_exports_contain_what_the_window_shows(qtbot, opened, tmp_path, monkeypatch):
    search(qtbot, opened, "hydrogen")
    shown = [opened.results.model.hit(r).info.title for r in range(opened.results.model.rowCount())]
    asked: list[str] = []

    def answer(parent, title, start, filters):
        asked.append(title)
        return str(tmp_path / Path(start).name), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    opened.menus.export_menu.aboutToShow.emit()
    assert opened.exports.csv_action.isEnabled() and opened.exports.json_action.isEnabled()
    with qtbot.waitSignal(opened.exporter.exported, timeout=10_000) as done:
        opened.exports.csv_action.trigger()
    path = done.args[0].path
    assert path == tmp_path / "results-hydrogen.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["title"] for row in rows] == shown
    assert all("hydrogen" in row["snippet"].lower() for row in rows)
    assert opened.statusBar().currentMessage() == f"Exported 2 results to {path}"

    with qtbot.waitSignal(opened.exporter.exported, timeout=10_000) as done:
        opened.exports.json_action.trigger()
    data = json.loads(done.args[0].path.read_text(encoding="utf-8"))
    assert data["query"] == "hydrogen" and data["total"] == len(shown)
    assert [hit["title"] for hit in data["hits"]] == shown

    open_entity(qtbot, opened, "gac-group")
    opened.menus.export_menu.aboutToShow.emit()
    assert opened.exports.dossier_action.text() == "Dossier of GAC Group as Markdown…"
    with qtbot.waitSignal(opened.exporter.exported, timeout=10_000) as done:
        opened.exports.dossier_action.trigger()
    markdown = done.args[0].path.read_text(encoding="utf-8")
    assert done.args[0].path.name == "gac-group.md"
    assert markdown.startswith("# GAC Group\n")
    for fact in opened.detail.page.entity.facts:
        assert f"- {fact.text}" in markdown
    assert asked == ["Export Results", "Export Results", "Export the Dossier of GAC Group"]


def test_copy_citation_of_a_fact_and_of_a_selection(qtbot, opened, clipboard):
    open_entity(qtbot, opened, "gac-group")
    click_anchor(qtbot, opened.detail, lambda href: href.endswith("fact/gac-group/2?do=cite"))
    assert clipboard.text() == (
        "“by cultivating new technologies such as autonomous driving, hydrogen fuel cells and flying vehicles”\n"
        "— Tech innovation set to upgrade Guangdong development, chinadaily.com.cn (Wang Keju), 2024-04-01. "
        "[articles/0001.txt]")
    assert opened.statusBar().currentMessage() == "Copied the citation"

    open_article(qtbot, opened, "hydrogen", "High-quality")
    view = opened.article.view
    # The article has no-break spaces here; the citation evens them out.
    select_text(qtbot, view, "Over 100 representatives from about 20 state and local media outlets")
    choose_from_context_menu(qtbot, view, selection_point(view), "Copy Citation of the Selection")
    assert clipboard.text() == (
        "“Over 100 representatives from about 20 state and local media outlets”\n"
        "— High-quality development-themed media tour kicks off in Guangdong, GDToday (Nina, Eastbrook), "
        "2024-05-14. [articles/0002.txt]")
    # Nothing selected: Ctrl+Shift+C cites the article.
    view.moveCursor(QTextCursor.MoveOperation.Start)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert clipboard.text() == ("High-quality development-themed media tour kicks off in Guangdong, GDToday "
                                "(Nina, Eastbrook), 2024-05-14. [articles/0002.txt]")


# -- a new user's trial ----------------------------------------------------------------------------


def test_three_new_facts_leave_a_clean_corpus(qtbot, opened, seeds_corpus, capsys):
    """Annotate three facts as a new user would; ``gdexplorer check`` passes and the diff is minimal."""
    originals = {p: p.read_bytes() for p in (seeds_corpus / "annotations").glob("*.yaml")}
    open_article(qtbot, opened, "tcl", "Tech innovation")
    steps = [
        ("Li Dongsheng, founder and chairman of Chinese consumer electronics maker TCL Technology Group Corp",
         "li-dongsheng", "Founder and chairman of TCL Technology Group Corp."),
        ("Developing technology-driven manufacturing industries requires substantial capital investment",
         "li-dongsheng", "Argues that technology-driven manufacturing needs substantial capital investment."),
        ("Guangdong has positioned itself as a major player in the new energy vehicle (NEV) industry",
         "guangdong", "A major player in the new energy vehicle industry."),
    ]
    for quote, entity_id, text in steps:
        select_text(qtbot, opened.article.view, quote)
        opened.curation.add_fact_action.trigger()
        dialog = opened.curation.dialog
        dialog.subject.select(entity_id)
        qtbot.keyClicks(dialog.fact_text, text)
        save(qtbot, opened, dialog)
        settle(qtbot, opened)
    people, places = (seeds_corpus / "annotations" / name for name in ("people.yaml", "places.yaml"))
    assert {p for p, data in originals.items() if p.read_bytes() != data} == {people, places}
    assert len(only_inserted(originals[places], places.read_bytes())) == 3
    added = difflib.ndiff(originals[people].decode().splitlines(), people.read_text().splitlines())
    assert sum(1 for line in added if line.startswith("+ ")) == 6
    assert not any(line.startswith("- ") for line in difflib.ndiff(
        originals[people].decode().splitlines(), people.read_text().splitlines()))
    assert cli_main(["check", "--corpus", str(seeds_corpus)]) == 0
    [summary] = capsys.readouterr().out.splitlines()  # no problem listed, only the summary
    assert summary.endswith(": 0 errors, 0 warnings")


def test_a_relation_is_deleted_and_put_back(qtbot, opened, seeds_corpus):
    yaml_file = seeds_corpus / "annotations" / "organizations.yaml"
    original = yaml_file.read_bytes()
    open_entity(qtbot, opened, "gac-group")
    assert "based in" in opened.detail.toPlainText()
    with qtbot.waitSignal(opened.curation.curated, timeout=SAVE_TIMEOUT):
        click_anchor(qtbot, opened.detail, lambda href: href.endswith("relation/gac-group/0?do=delete"))
    inserted = only_inserted(yaml_file.read_bytes(), original)  # what the deletion took out
    assert [line.strip() for line in inserted] == [
        "- predicate: based in", "object: guangzhou", "article: articles/0001.txt",
        'quote: "GAC Group, an automobile manufacturer based in Guangzhou"']
    assert "RELATIONS · 7" in opened.detail.toPlainText()  # 6 of its own, 1 pointing at it
    with qtbot.waitSignal(opened.curation.curated, timeout=SAVE_TIMEOUT):
        opened.curation.undo_action.trigger()
    assert yaml_file.read_bytes() == original
    settle(qtbot, opened)


# -- the pieces ----------------------------------------------------------------------------------


def test_the_entity_picker_finds_names_and_aliases(qtbot, qtmodeltester, opened):
    picker = EntityPicker()
    qtbot.addWidget(picker)
    picker.set_entities(opened.session.explorer.entities(), preferred=("guangzhou",))
    qtmodeltester.check(picker.model)
    assert picker.model.entity(0).id == "guangzhou"  # preferred first while nothing is typed
    picker.search.setText("gac")
    assert [picker.model.entity(r).name for r in range(picker.model.rowCount())] == ["GAC Group", "GAC Hino"]
    assert picker.entity().id == "gac-group"  # the best match is chosen as the user types
    assert item_at(picker.model.index(0, 0), Qt.ItemDataRole.DisplayRole) == "GAC Group  (GAC)"
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.entity().id == "gac-hino"
    picker.search.setText("fuel cell vehicle")
    assert picker.entity().id == "hydrogen-fuel-cell-vehicle"
    picker.search.setText("nobody by this name")
    assert picker.entity() is None and not picker.empty.isHidden()


@pytest.mark.parametrize(("text", "start", "end", "expected"), [
    ("One. Two words here! Three.", 9, 14, "Two words here"),
    ("Headline\n\nBody starts here. Then", 12, 16, "Body starts here"),
    ("No end at all", 3, 6, "No end at all"),
    ("广州是广东的省会。深圳是特区。", 10, 12, "深圳是特区"),
])
def test_the_sentence_around_a_name(text, start, end, expected):
    left, right = sentence_around(text, start, end)
    assert text[left:right] == expected


def test_new_entity_ids_follow_the_house_style():
    assert entity_id_for("GAC Group", frozenset()) == "gac-group"
    assert entity_id_for("GAC Group", frozenset({"gac-group"})) == "gac-group-2"
    assert entity_id_for("Guangdong Yuntao Hydrogen Technology Co., Ltd.", frozenset()) == \
        "guangdong-yuntao-hydrogen-technology-co-ltd"
    assert entity_id_for("广州塔", frozenset()) == "广州塔"
    assert valid_entity_id("gac-group") and not valid_entity_id("GAC") and not valid_entity_id("a b")


def test_fact_links_round_trip():
    link = FactLink("odd/id: x", "relation", 3, "delete")
    assert parse_href(fact_href(link.entity_id, link.item, link.index, link.action)) == link


def test_the_watch_list_covers_folders_files_and_annotations(seeds_corpus, tmp_path):
    (seeds_corpus / "articles" / "world").mkdir()
    (seeds_corpus / "articles" / "world" / "0003.txt").write_text("Title\n\nBody.\n")
    explorer = Explorer(seeds_corpus, cache_dir=tmp_path / "cache")
    found = watch_list(explorer)
    root = str(seeds_corpus.resolve())
    assert set(found.folders) == {root, f"{root}/articles", f"{root}/articles/world", f"{root}/annotations"}
    assert f"{root}/manifest.jsonl" in found.files and f"{root}/annotations/people.yaml" in found.files
    assert f"{root}/articles/world/0003.txt" in found.files
    # A corpus too big to watch file by file: folders only (and the annotation files).
    few = watch_list(explorer, file_limit=1)
    assert not any(path.endswith(".txt") for path in few.files) and f"{root}/articles/world" in few.folders
