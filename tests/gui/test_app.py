"""The application: settings that persist, the start corpus, clean exits, icons, the About box."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

import gdexplorer
from gdexplorer.explorer import Explorer
from gdexplorer.gui import app as gui_app
from gdexplorer.gui.icons import icon_path, kind_icon, render_svg
from gdexplorer.gui.indexbuild import IndexBuildProcess
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.model import EntityKind
from gdexplorer.paths import seeds_dir
from gdexplorer.search.locking import update_lock
from tests.gui.conftest import INDEX_TIMEOUT


def make_corpus(root: Path, articles: int) -> Path:
    """A synthetic corpus big enough that indexing it takes a moment."""
    folder = root / "articles"
    folder.mkdir(parents=True)
    words = ["hydrogen", "battery", "province", "industry", "vehicle", "research", "innovation", "market", "policy", "energy", "factory", "export", "growth", "city", "port", "design", "network"]
    for n in range(articles):
        body = " ".join(words[(n * 7 + i * 3) % len(words)] for i in range(400))
        # The number in the body too: with only the headline apart they would be near copies, one hit.
        (folder / f"{n:05}.txt").write_text(f"Article {n}\n\n{body} {n}.\n", encoding="utf-8")
    return root


def test_geometry_splitters_and_recent_corpora_are_remembered(qtbot, settings: QSettings, seeds_corpus: Path):
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.built, timeout=5000)
    first.resize(760, 560)  # within the offscreen screen (800x600): restoreGeometry clamps to it
    first.main_splitter.setSizes([200, 340, 220])
    with qtbot.waitSignal(first.session.corpus_opened, timeout=INDEX_TIMEOUT):
        first.open_corpus(seeds_corpus)
    qtbot.waitUntil(lambda: not first.session.indexing, timeout=INDEX_TIMEOUT)
    sizes = first.main_splitter.sizes()
    wanted = first.size()  # 760x560, or taller if the open corpus's panes need more height
    assert wanted.width() == 760
    first.close()

    second = MainWindow(settings)
    qtbot.addWidget(second)
    second.show()
    assert second.size() == wanted
    assert second.main_splitter.sizes() == sizes
    assert second.last_corpus() == (seeds_corpus.resolve(), None)
    assert second.menus.recent_menu.actions()[0].text() == "seeds"
    second.close()


def test_an_opened_corpus_is_remembered_after_the_opening_or_when_left(qtbot, window: MainWindow,
                                                                       seeds_corpus: Path, tmp_path: Path):
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    # Written a moment later, so that the settings file's write does not add to the opening's work.
    qtbot.waitUntil(lambda: window.menus.recent_menu.corpora() == [(seeds_corpus.resolve(), None)], timeout=5000)

    other = tmp_path / "other"
    shutil.copytree(seeds_corpus, other)
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.open_corpus(other)
    window.open_corpus(seeds_corpus)  # left at once: still remembered
    assert window.menus.recent_menu.corpora()[0] == (other.resolve(), None)
    qtbot.waitUntil(lambda: not window.session.busy(), timeout=INDEX_TIMEOUT)


def test_a_vanished_corpus_is_skipped_at_start(qtbot, settings: QSettings, tmp_path: Path, seeds_corpus: Path):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.menus.recent_menu.remember(seeds_corpus, None)
    window.menus.recent_menu.remember(tmp_path / "gone", None)
    assert window.last_corpus() == (seeds_corpus.resolve(), None)
    assert gui_app.start_target(window, None, None) == (seeds_corpus.resolve(), None)
    explicit = tmp_path / "other"
    assert gui_app.start_target(window, explicit, None) == (explicit, None)
    window.settings.remove("recent/corpora")
    assert gui_app.start_target(window, None, None) == (seeds_dir(), None)
    window.close()


def test_open_corpus_and_use_annotations_from_ask_for_a_folder(qtbot, window: MainWindow, seeds_corpus: Path,
                                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    answers = iter([str(seeds_corpus), str(notes)])
    asked: list[tuple[str, str]] = []

    def choose(parent, title: str, start: str) -> str:
        asked.append((title, start))
        return next(answers)

    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getExistingDirectory", choose)
    assert not window.menus.annotations_action.isEnabled()  # no corpus to use them on yet
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.menus.open_action.trigger()
    assert (window.corpus, window.annotations) == (seeds_corpus, None)
    with qtbot.waitSignal(window.session.corpus_opened, timeout=INDEX_TIMEOUT):
        window.menus.annotations_action.trigger()
    assert (window.corpus, window.annotations) == (seeds_corpus, notes)
    assert asked == [("Open Corpus", str(Path.home())), ("Use Annotations From", str(seeds_corpus))]
    qtbot.waitUntil(lambda: not window.session.busy(), timeout=INDEX_TIMEOUT)


@pytest.mark.parametrize("in_child", [True, False], ids=["child process", "thread"])
def test_closing_while_indexing_exits_cleanly(qtbot, window: MainWindow, tmp_path: Path, in_child: bool):
    window.session.build_in_child = in_child
    corpus = make_corpus(tmp_path / "big", 400)
    with qtbot.waitSignal(window.session.index_progressed, timeout=INDEX_TIMEOUT,
                          check_params_cb=lambda progress: progress.done > 0):
        window.open_corpus(corpus)
    assert window.session.indexing
    assert window.index_status.bar.isVisible()
    window.close()
    assert not window.isVisible()
    assert not window.session.busy()


def test_typing_while_the_index_is_built_searches_what_is_there(qtbot, window: MainWindow, tmp_path: Path):
    corpus = make_corpus(tmp_path / "big", 300)
    with qtbot.waitSignal(window.session.index_progressed, timeout=INDEX_TIMEOUT):
        window.open_corpus(corpus)
    with qtbot.waitSignals([window.session.search_finished, window.session.index_finished], timeout=60_000,
                           order="none"):
        window.search_for("hydrogen")
    # When the index is complete, the search runs again and finds everything.
    qtbot.waitUntil(lambda: window.results.model.total == 300, timeout=10_000)
    assert window.results.summary.text().startswith("300 results")


@pytest.mark.parametrize("in_child", [True, False], ids=["child process", "thread"])
def test_cancel_stops_indexing_and_keeps_what_was_done(qtbot, window: MainWindow, tmp_path: Path, in_child: bool):
    window.session.build_in_child = in_child
    corpus = make_corpus(tmp_path / "big", 300)
    with qtbot.waitSignal(window.session.index_progressed, timeout=INDEX_TIMEOUT,
                          check_params_cb=lambda progress: progress.done > 0):
        window.open_corpus(corpus)
    with qtbot.waitSignal(window.session.index_finished, timeout=60_000) as finished:
        window.index_status.cancel.click()
    assert finished.args[0].cancelled
    assert window.index_status.label.text().startswith("Indexing stopped")


@pytest.mark.parametrize("in_child", [True, False], ids=["child process", "thread"])
def test_a_busy_index_is_said_and_what_is_there_still_answers(qtbot, window: MainWindow, seeds_corpus: Path,
                                                               in_child: bool):
    window.session.build_in_child = in_child
    Explorer(seeds_corpus).update_index()
    folder = Explorer(seeds_corpus).index_folder
    with update_lock(folder.with_name(folder.name + ".lock")), \
            qtbot.waitSignal(window.session.index_failed, timeout=INDEX_TIMEOUT):
        window.open_corpus(seeds_corpus)
    assert window.index_status.label.text() == "Another gdexplorer is updating this index; try again when it is done"
    assert not window.index_status.bar.isVisible()
    with qtbot.waitSignal(window.session.search_finished, timeout=10_000) as found:
        window.search_for("hydrogen")
    assert found.args[0].result.total == 2


def test_a_refresh_asked_for_during_a_build_runs_after_it(qtbot, window: MainWindow, tmp_path: Path):
    corpus = make_corpus(tmp_path / "big", 300)
    with qtbot.waitSignal(window.session.index_progressed, timeout=INDEX_TIMEOUT,
                          check_params_cb=lambda progress: progress.done > 0):
        window.open_corpus(corpus)
    order: list[str] = []
    window.session.index_finished.connect(lambda _: order.append("indexed"))
    window.session.corpus_refreshed.connect(lambda _: order.append("refreshed"))
    window.session.index_failed.connect(order.append)
    with qtbot.waitSignal(window.session.corpus_refreshed, timeout=60_000) as refreshed:
        window.session.refresh()  # as an outside change would; one writer at a time
    assert order == ["indexed", "refreshed"]
    assert not refreshed.args[0].report.changed


def test_a_build_process_that_dies_is_reported(qtbot, window: MainWindow, tmp_path: Path):
    corpus = make_corpus(tmp_path / "big", 400)
    with qtbot.waitSignal(window.session.index_progressed, timeout=INDEX_TIMEOUT,
                          check_params_cb=lambda progress: progress.done > 0):
        window.open_corpus(corpus)
    build = window.findChild(IndexBuildProcess)
    assert build is not None
    with qtbot.waitSignal(window.session.index_failed, timeout=INDEX_TIMEOUT) as failed:
        os.kill(build.process_id(), signal.SIGKILL)
    assert failed.args[0] == "indexing failed: the indexing process crashed without a report"
    assert not window.session.indexing
    # The next update picks up where the killed one stopped.
    with qtbot.waitSignal(window.session.index_finished, timeout=60_000) as finished:
        window.menus.reindex_action.trigger()
    assert finished.args[0].added + finished.args[0].unchanged == 400
    assert not finished.args[0].cancelled


def test_run_shows_the_window_and_returns_the_exit_code(qtbot, seeds_corpus: Path):
    def close_when_indexed() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[0].corpus == seeds_corpus and not windows[0].session.indexing \
                and windows[0].results.model.rowCount():
            windows[0].close()
        else:
            QTimer.singleShot(20, close_when_indexed)

    QTimer.singleShot(0, close_when_indexed)
    assert gui_app.run(seeds_corpus, argv=[sys.argv[0]]) == 0
    assert QApplication.applicationName() == "gdexplorer"


def test_the_window_imports_no_engine_before_its_first_paint():
    """Whoosh, YAML and the core's explorer and curation come with a corpus, the fact dialog with its use."""
    later = ("whoosh", "yaml", "gdexplorer.explorer", "gdexplorer.search.index", "gdexplorer.search.query", "gdexplorer.annotations.curation",
             "gdexplorer.annotations.loading", "gdexplorer.gui.widgets.factdialog", "gdexplorer.gui.widgets.formparts")
    code = (
        "import sys\n"
        "import gdexplorer.gui.app\n"
        f"print(sorted(m for m in sys.modules if m.startswith({later!r})))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(Path(gdexplorer.__file__).parent.parent)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_about_names_the_version(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch):
    shown = {}
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.about",
                        lambda parent, title, text: shown.update(title=title, text=text))
    window.menus.about_action.trigger()
    assert gdexplorer.__version__ in shown["text"]


@pytest.mark.parametrize("name", ["app", *(kind.value for kind in EntityKind)])
def test_the_icons_load_and_render(qapp, name: str):
    path = icon_path(name)
    assert QSvgRenderer(str(path)).isValid()
    image = render_svg(path, 32)
    assert image.pixelColor(16, 16).alpha() > 0, "the middle of the icon is drawn"


def test_every_type_has_an_icon(qapp):
    for kind in EntityKind:
        assert not kind_icon(kind).isNull()
        assert not kind_icon(kind).pixmap(16, 16).isNull()


def test_none_and_bools_survive_many_binding_calls(qapp):
    from PySide6.QtCore import QObject, Signal

    class Noisy(QObject):
        pinged = Signal()

    # PySide6 6.12.0 dropped references to None/True/False on Python 3.11 (pyproject.toml excludes it):
    # an affected binding aborts the interpreter within these calls.
    noisy = Noisy()
    before = sys.getrefcount(None)
    for _ in range(20_000):
        noisy.setObjectName("x")  # returns None
        noisy.pinged.emit()  # returns True
    assert sys.getrefcount(None) > 1000 or before <= 1000
