"""A corpus with broken annotations still opens; the Problems panel lists what is wrong, and where."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QTableView

from tests.gui.conftest import INDEX_TIMEOUT

BROKEN = """\
entities:
  - id: zeppelin
    type: airship
    name: Zeppelin
"""


def test_a_broken_yaml_file_is_listed_with_path_line_and_column(qtbot, window, seeds_corpus: Path):
    (seeds_corpus / "annotations" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    dock = window.findChild(QDockWidget, "problemsPanel")
    assert dock.isVisible(), "errors open the Problems panel"
    assert dock.windowTitle().startswith("Problems (")
    table = window.findChild(QTableView, "problemsView")
    model = table.model()
    locations = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    assert "annotations/broken.yaml:3:11" in locations
    row = locations.index("annotations/broken.yaml:3:11")
    assert "airship" in model.data(model.index(row, 1))
    assert any(line.startswith("annotations/broken.yaml:3:11: error: ") for line in window.problems.lines())
    assert window.problems_button.isVisible()
    assert window.problems_button.text() == "1 problem"
    qtbot.mouseClick(window.problems_button, Qt.MouseButton.LeftButton)
    assert not dock.isVisible()
    qtbot.mouseClick(window.problems_button, Qt.MouseButton.LeftButton)
    assert dock.isVisible()
    # Everything valid still loaded.
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    assert "GAC Group" in window.entities.visible_names()


def test_yaml_that_does_not_parse_is_a_problem_too(qtbot, window, seeds_corpus: Path):
    (seeds_corpus / "annotations" / "bad.yaml").write_text("entities:\n  - id: [unclosed\n", encoding="utf-8")
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    lines = window.problems.lines()
    assert any(line.startswith("annotations/bad.yaml:") for line in lines)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)


def test_an_empty_corpus_opens_with_a_helpful_state(qtbot, window, tmp_path: Path):
    empty = tmp_path / "empty"
    (empty / "articles").mkdir(parents=True)
    with qtbot.waitSignal(window.session.stats_changed, timeout=INDEX_TIMEOUT):
        window.open_corpus(empty)
    qtbot.waitUntil(lambda: not window.session.indexing, timeout=INDEX_TIMEOUT)
    assert window.results.showing_empty_state()
    assert "Search 0 articles" in window.results.empty_text() or "Type a few words" in window.results.empty_text()
    assert "no curated entities" in window.detail.toPlainText()


def test_a_folder_that_is_not_a_corpus_says_so(qtbot, window, tmp_path: Path):
    with qtbot.waitSignal(window.session.corpus_failed, timeout=INDEX_TIMEOUT) as failed:
        window.open_corpus(tmp_path / "missing")
    assert "not a folder" in failed.args[0]
    assert "This corpus cannot be opened" in window.article.view.toPlainText()
