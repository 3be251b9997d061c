"""CI's look at the real window: Qt's xcb plugin on an X server, the seeds opened, a search typed.

    xvfb-run -a env QT_QPA_PLATFORM=xcb python .ci/window_smoke.py [--timeout S] [--screenshot FILE]

Starts the window as bare ``gdexplorer`` does (``gdexplorer.gui.app.run`` on the bundled seeds),
types "hydrogen" into the search field, waits for the seeds' two hits, and closes it: exit 0.
Anything else (the start-up check refusing a working display, another platform than xcb, the
wrong hits, no hits within the timeout) prints why and exits 1. The test suite runs offscreen,
which loads neither the xcb plugin nor the system libraries it needs: this is what checks them.
HOME, the XDG folders and the index cache are temporary, so nothing of the user's is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

QUERY = "hydrogen"
EXPECTED = {"High-quality development-themed media tour kicks off in Guangdong",
            "Tech innovation set to upgrade Guangdong development"}


def private_folders() -> Path:
    """A temporary HOME, XDG folders and index cache, set before Qt reads them."""
    root = Path(tempfile.mkdtemp(prefix="gdx-window-smoke-"))
    for name, var in (("home", "HOME"), ("config", "XDG_CONFIG_HOME"), ("cache", "XDG_CACHE_HOME"),
                      ("data", "XDG_DATA_HOME"), ("runtime", "XDG_RUNTIME_DIR"), ("index", "GDEXPLORER_CACHE_DIR")):
        folder = root / name
        folder.mkdir(mode=0o700)
        os.environ[var] = str(folder)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120, help="seconds before giving up (default 120)")
    parser.add_argument("--screenshot", type=Path, metavar="FILE",
                        help="save the X server's screen (grabbed from it, not rendered by Qt) once the hits show")
    args = parser.parse_args(argv)
    if os.environ.get("QT_QPA_PLATFORM") != "xcb":
        print("window smoke: run with QT_QPA_PLATFORM=xcb on an X server (xvfb-run -a env QT_QPA_PLATFORM=xcb ...)",
              file=sys.stderr)
        return 1
    root = private_folders()
    try:
        return drive(args.timeout, args.screenshot)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def drive(timeout_s: float, screenshot: Path | None) -> int:
    from PySide6.QtCore import QLibraryInfo, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QListView, QMainWindow

    from gdexplorer.gui import app as gui_app
    from gdexplorer.gui.platformcheck import fatal_as_one_line, window_problem
    from gdexplorer.paths import seeds_dir

    qt_argv = [sys.argv[0]]
    # The check bare `gdexplorer` runs first: a missing library shows here, and on a working
    # display it must not stand in the way (the run below would then fail).
    problem = window_problem(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)), qt_argv)
    if problem is not None:
        print(f"window smoke: gdexplorer's start-up check says: {problem}", file=sys.stderr)
        return 1
    with fatal_as_one_line():
        app = gui_app.make_application(qt_argv)  # run() below takes this one, as it does in the tests
    if app.platformName() != "xcb":
        print(f"window smoke: Qt runs on {app.platformName()!r}, not xcb", file=sys.stderr)
        return 1

    failures: list[str] = []
    state = {"typed": False, "done": False}

    def window() -> QMainWindow | None:
        return next((w for w in QApplication.topLevelWidgets()
                     if isinstance(w, QMainWindow) and w.objectName() == "mainWindow" and w.isVisible()), None)

    def finish(failure: str | None) -> None:
        if state["done"]:
            return
        state["done"] = True
        if failure:
            failures.append(failure)
        shown = window()
        if shown is not None:
            shown.close()  # the last window: run() returns
        else:
            app.exit(1)

    def step() -> None:
        if state["done"]:
            return
        shown = window()
        handle = shown.windowHandle() if shown is not None else None
        if shown is None or handle is None or not handle.isExposed():
            QTimer.singleShot(50, step)
            return
        field = shown.findChild(QLineEdit, "searchField")
        view = shown.findChild(QListView, "resultsView")
        summary = shown.findChild(QLabel, "resultsSummary")
        if field is None or view is None or summary is None:
            finish("the window has no searchField, resultsView or resultsSummary")
            return
        if not state["typed"]:
            if getattr(shown, "corpus", None) is None:
                # run() opens the corpus after the first paint, and opening clears the field.
                QTimer.singleShot(50, step)
                return
            # Typed key by key into the field, as a user does: the search runs (again once the
            # index is built) from what the field emits, not from a method call.
            field.setFocus()
            QTest.keyClicks(field, QUERY)
            state["typed"] = True
        model = view.model()
        titles = {model.data(model.index(row, 0)) for row in range(model.rowCount())}
        if model.rowCount() == len(EXPECTED) and summary.text().startswith(f"{len(EXPECTED)} results"):
            if titles != EXPECTED:
                finish(f"wrong hits for {QUERY!r}: {sorted(titles)}")
                return
            print(f"window smoke: {app.platformName()} window, {summary.text()!r} for {QUERY!r}: {sorted(titles)}")
            if screenshot is not None:
                image = shown.screen().grabWindow(0)  # the root window, read back from the X server
                if image.isNull() or not image.save(str(screenshot)):
                    finish(f"could not save the screenshot to {screenshot}")
                    return
            finish(None)
            return
        QTimer.singleShot(50, step)

    def give_up() -> None:
        shown = window()
        summary = shown.findChild(QLabel, "resultsSummary") if shown is not None else None
        finish(f"no {len(EXPECTED)} hits for {QUERY!r} within {timeout_s:.0f} s "
               f"(window {'shown' if shown else 'not shown'}, summary {summary.text() if summary else None!r})")

    QTimer.singleShot(0, step)
    QTimer.singleShot(int(timeout_s * 1000), give_up)
    code = gui_app.run(seeds_dir(), argv=qt_argv)
    if not state["done"]:
        failures.append(f"the window closed before the search was checked (exit code {code})")
    for failure in failures:
        print(f"window smoke: {failure}", file=sys.stderr)
    return 1 if failures or code != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
