"""Render the window in a few states to PNGs: ``python -m gdexplorer.gui.screenshots OUTDIR``.

Runs offscreen with private settings and (unless GDEXPLORER_CACHE_DIR is set) a temporary index
cache, so it never touches the user's. The README's copies live in resources/screenshots/.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

from gdexplorer.gui.app import make_application
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.theme import dark_palette
from gdexplorer.paths import CACHE_ENV, seeds_dir

GUARDIAN = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "en-guardian-china-2007-2016"


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(signal: SignalInstance, timeout_s: float = 120) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def wait_until(condition: Callable[[], bool], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        spin(20)


class Shooter:
    """Opens windows of a given size and saves what they show."""

    def __init__(self, out: Path, width: int, height: int) -> None:
        self.out = out
        self.width, self.height = width, height
        self.settings_dir = Path(tempfile.mkdtemp(prefix="gdx-shots-"))
        self._count = 0

    def window(self) -> MainWindow:
        self._count += 1
        settings = QSettings(str(self.settings_dir / f"{self._count}.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.resize(self.width, self.height)
        window.show()
        return window

    def open(self, window: MainWindow, corpus: Path, annotations: Path | None = None) -> None:
        window.open_corpus(corpus, annotations)
        wait_until(lambda: window.overview.opened is not None and not window.session.indexing)
        wait_until(lambda: window.overview.stats is not None)
        spin(150)

    def search(self, window: MainWindow, query: str) -> None:
        window.search.setFocus()
        window.search_for(query)
        wait_for(window.session.search_finished)
        spin(100)

    def open_result(self, window: MainWindow, row: int = 0) -> None:
        window.results.view.setCurrentIndex(window.results.model.index(row, 0))
        window.results.view.activated.emit(window.results.model.index(row, 0))
        wait_for(window.session.article_loaded)
        spin(100)

    def wait_facets(self, window: MainWindow) -> None:
        """Until the Refine panel shows the counts of what the window shows now."""
        wait_until(lambda: window.facets.page is not None and window.facets.page.query == window.explore.query
                   and window.facets.page.filters == tuple(f.clause for f in window.filters)
                   and not window.session.busy())
        spin(100)

    def wait_suggestions(self, window: MainWindow) -> None:
        """Until the sidebar's suggested names are found (its "Finding names…" line is gone)."""
        wait_until(lambda: not window.suggested.list.status.text().startswith("Finding names"))
        spin(100)

    def open_entity(self, window: MainWindow, entity_id: str) -> None:
        window.open_entity(entity_id)
        wait_for(window.session.entity_loaded)
        spin(100)

    def close(self, window: MainWindow) -> None:
        """Close a window and free it here, on the UI thread.

        Left to Python, a window caught in a reference cycle is freed by whichever thread's garbage
        collection finds it, possibly a search worker's, and Qt objects must die on their own thread.
        """
        window.close()
        window.deleteLater()
        spin(50)
        gc.collect()

    def save(self, window: MainWindow, name: str) -> Path:
        spin(200)
        path = self.out / name
        window.grab().save(str(path), "PNG")
        print(f"wrote {path}")
        return path


def shoot(out: Path, width: int, height: int, guardian: Path | None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application([sys.argv[0]])
    app.setStyle("Fusion")
    light = app.palette()
    shooter = Shooter(out, width, height)
    written = []

    window = shooter.window()
    shooter.open(window, seeds_dir())
    written.append(shooter.save(window, "start.png"))
    shooter.search(window, "hydrogen")
    shooter.open_result(window, 0)
    shooter.open_entity(window, "gac-group")
    written.append(shooter.save(window, "seeds-search.png"))

    # Curating: words selected in the article, the Add Fact dialog over the window.
    written.append(shoot_add_fact(shooter, window))

    # A fact clicked: the article scrolled to its sentence, in the dark palette.
    app.setPalette(dark_palette())
    spin(100)
    window.detail.follow(_fact_href(window, 2))
    wait_for(window.session.article_loaded)
    written.append(shooter.save(window, "dark.png"))
    shooter.close(window)
    app.setPalette(light)

    if guardian is not None and guardian.is_dir():
        window = shooter.window()
        shooter.open(window, guardian, seeds_dir() / "annotations")
        shooter.search(window, "shenzhen innovation")
        shooter.open_result(window, 0)
        window.entities.show_article_scope(True)
        shooter.open_entity(window, "shenzhen")
        written.append(shooter.save(window, "guardian.png"))
        shooter.close(window)
        written.extend(shoot_exploring(shooter, guardian))
    return written


def shoot_exploring(shooter: Shooter, guardian: Path) -> list[Path]:
    """Facets, chips and the timeline for a query narrowed twice; then an entity's network."""
    from gdexplorer.gui.explorepages import entity_filter, span_filter

    written = []
    window = shooter.window()
    shooter.open(window, guardian, seeds_dir() / "annotations")
    shooter.wait_facets(window)
    shooter.search(window, "pollution")
    shooter.wait_facets(window)
    window.set_filters((entity_filter("beijing", "Beijing"),))
    shooter.wait_facets(window)
    window.set_filters((*window.filters, span_filter("2013-01", "2015-12")))
    shooter.wait_facets(window)
    shooter.open_result(window, 0)
    shooter.open_entity(window, "beijing")
    written.append(shooter.save(window, "explore.png"))

    window.set_filters(())
    shooter.wait_facets(window)
    window.detail_tabs.setCurrentWidget(window.network)
    window.open_entity("shenzhen")
    wait_for(window.session.network_loaded)
    spin(100)
    written.append(shooter.save(window, "network.png"))
    shooter.close(window)
    return written


ADD_FACT_QUOTE = "an automobile manufacturer based in Guangzhou"


def shoot_add_fact(shooter: Shooter, window: MainWindow) -> Path:
    """The Add Fact dialog, filled in as a user would, over the window (nothing is saved)."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor, QPainter, QTextCursor

    shooter.search(window, "tcl")
    shooter.open_result(window, 0)
    view = window.article.view
    found = view.document().find(ADD_FACT_QUOTE)
    cursor = QTextCursor(view.document())
    cursor.setPosition(found.selectionStart())
    cursor.setPosition(found.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    dialog = window.curation.add_fact()
    assert dialog is not None
    dialog.subject.search.setText("GAC")
    dialog.fact_text.insertPlainText("An automobile manufacturer based in Guangzhou.")  # as typed
    spin(300)
    image = window.grab().toImage()
    painter = QPainter(image)
    # Offscreen windows have no frames: a shadow and an edge set the dialog off the window.
    where = dialog.frameGeometry().topLeft() - window.frameGeometry().topLeft()
    rect = QRect(max(0, where.x()), max(0, where.y()), dialog.width(), dialog.height())
    for spread, alpha in ((10, 14), (6, 22), (3, 34)):
        painter.fillRect(rect.adjusted(-spread, -spread + 4, spread, spread + 4), QColor(0, 0, 0, alpha))
    painter.drawPixmap(rect.topLeft(), dialog.grab())
    painter.setPen(QColor(0, 0, 0, 90))
    painter.drawRect(rect.adjusted(-1, -1, 0, 0))
    painter.end()
    dialog.reject()
    path = shooter.out / "add-fact.png"
    image.save(str(path), "PNG")
    print(f"wrote {path}")
    return path


def _fact_href(window: MainWindow, index: int) -> str:
    from gdexplorer.gui.links import article_href

    page = window.detail.page
    assert page is not None
    fact = page.entity.facts[index]
    return article_href(fact.article, fact.span)


SIZES = ((1024, 640), (1366, 768), (1920, 1080))


def shoot_sizes(out: Path, sizes: tuple[tuple[int, int], ...] = SIZES) -> list[Path]:
    """The same moment (a search, an article, an entity) at each size, light and dark: size-WxH-light.png."""
    out.mkdir(parents=True, exist_ok=True)
    app = make_application([sys.argv[0]])
    app.setStyle("Fusion")
    light = app.palette()
    written = []
    for width, height in sizes:
        for theme in ("light", "dark"):
            app.setPalette(light if theme == "light" else dark_palette())
            shooter = Shooter(out, width, height)
            window = shooter.window()
            shooter.open(window, seeds_dir())
            shooter.search(window, "hydrogen")
            shooter.wait_facets(window)
            shooter.open_result(window, 0)
            shooter.open_entity(window, "gac-group")
            shooter.wait_suggestions(window)
            written.append(shooter.save(window, f"size-{width}x{height}-{theme}.png"))
            if (width, height) == (1366, 768):
                window.detail_tabs.setCurrentWidget(window.network)
                wait_for(window.session.network_loaded)
                spin(100)
                written.append(shooter.save(window, f"size-{width}x{height}-{theme}-network.png"))
            shooter.close(window)
    app.setPalette(light)
    written.extend(shoot_workbench(out))
    return written


def shoot_workbench(out: Path, width: int = 1366, height: int = 768) -> list[Path]:
    """An article starred, tagged and noted (workbench.png); a suggested entity opened (suggested.png).

    On a copy of the seeds in a scratch folder: the marks are saved as a user's would be, in YAML.
    """
    import shutil

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    corpus = Path(tempfile.mkdtemp(prefix="gdx-shots-seeds-")) / "seeds"
    shutil.copytree(seeds_dir(), corpus)
    shooter = Shooter(out, width, height)
    window = shooter.window()
    shooter.open(window, corpus)
    shooter.search(window, "hydrogen")
    shooter.open_result(window, 0)
    shooter.open_entity(window, "gac-group")
    shooter.wait_suggestions(window)
    bar = window.workbench_bar
    bar.star.click()
    wait_for(window.workbench.marks_changed)
    bar.tags.setText("hydrogen, guangdong, follow-up")
    QTest.keyClick(bar.tags, Qt.Key.Key_Return)
    wait_for(window.workbench.marks_changed)
    bar.note_button.click()
    bar.note.setPlainText("Ask GAC about the fuel-cell bus figures quoted here.")
    bar.save_note.click()
    wait_for(window.workbench.marks_changed)
    written = [shooter.save(window, "workbench.png")]
    suggestions = window.suggested.suggestions
    if suggestions:
        window.suggested.show(suggestions[0])
        spin(300)
        written.append(shooter.save(window, "suggested.png"))
    shooter.close(window)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdexplorer.gui.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT (default 1280x800)")
    parser.add_argument("--guardian", type=Path, default=GUARDIAN,
                        help="the Guardian China corpus for the big-corpus shot (skipped when missing)")
    parser.add_argument("--sizes", action="store_true",
                        help="instead: the seeds at 1024x640, 1366x768 and 1920x1080, light and dark")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    if not os.environ.get(CACHE_ENV):
        os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="gdx-shots-cache-")
    if args.sizes:
        shoot_sizes(args.out)
    else:
        shoot(args.out, width, height, args.guardian)
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
