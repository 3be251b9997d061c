"""Entry point of the desktop window: ``run()`` (what bare ``gdexplorer`` calls) and ``python -m``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QSettings
from PySide6.QtWidgets import QApplication

import gdexplorer
from gdexplorer.gui.collector import UiThreadCollector
from gdexplorer.gui.icons import app_icon
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.gui.platformcheck import fatal_as_one_line, window_problem
from gdexplorer.paths import seeds_dir

log = logging.getLogger(__name__)

ORGANIZATION = "gdexplorer"
APPLICATION = "gdexplorer"


def _setup_logging() -> None:
    # Handlers are set once, here or in cli.main; a caller that configured logging keeps its own.
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def make_application(argv: Sequence[str]) -> QApplication:
    """The QApplication, named so QSettings finds the user's settings."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(gdexplorer.__version__)
    app.setApplicationDisplayName("gdexplorer")
    app.setDesktopFileName("gdexplorer")
    app.setWindowIcon(app_icon())
    # Index and search workers are CPU-bound Python threads; with the default 5 ms GIL switch
    # interval the UI thread waited up to ~200 ms for its turn while a build was committing.
    sys.setswitchinterval(0.001)
    if app.findChild(UiThreadCollector) is None:
        UiThreadCollector(app).start()
    return app


def start_target(window: MainWindow, corpus: Path | None, annotations: Path | None) -> tuple[Path, Path | None]:
    """What to open: the corpus asked for, else the last one that still exists, else the seeds."""
    if corpus is not None:
        return corpus, annotations
    last = window.last_corpus()
    if last is not None:
        return last
    return seeds_dir(), annotations


def run(corpus: Path | None = None, annotations: Path | None = None, argv: list[str] | None = None,
        server: str | None = None) -> int:
    """Show the window at once, open a corpus in the background, and run until it is closed;
    ``server``: search the shared index on that PostgreSQL server."""
    _setup_logging()
    argv = argv if argv is not None else sys.argv[:1]
    starting_qt = QApplication.instance() is None
    if starting_qt:
        # Where Qt cannot open a window it aborts the process (core dump, a screenful of text): say why.
        problem = window_problem(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)), argv)
        if problem is not None:
            print(f"gdexplorer: {problem}", file=sys.stderr)
            return 1  # as the command line's Exit.FAILED
    with fatal_as_one_line() if starting_qt else contextlib.nullcontext():
        app = make_application(argv)
    window = MainWindow(QSettings())
    window.show()
    target, notes = start_target(window, Path(corpus) if corpus else None, Path(annotations) if annotations else None)
    log.info("opening %s%s", target, f" with annotations from {notes}" if notes else "")
    # Once the window is finished, after its first paint: it appears before any work starts.
    window.after_building(lambda: _open(window, target, notes, server))
    code = app.exec()
    return int(code)


def _open(window: MainWindow, corpus: Path, annotations: Path | None, server: str | None) -> None:
    window.finish_building()  # the session exists once the window is built
    window.session.server = server
    window.open_corpus(corpus, annotations)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdexplorer.gui.app", description="Open the gdexplorer window.")
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: the last one opened, else the seeds)")
    parser.add_argument("--annotations", type=Path, help="annotations folder to use instead of CORPUS/annotations")
    args, qt_args = parser.parse_known_args(argv)
    return run(args.corpus, args.annotations, [sys.argv[0], *qt_args])


if __name__ == "__main__":
    sys.exit(main())
