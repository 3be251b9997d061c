"""Time to first window: gdexplorer's against a bare PySide6 QMainWindow with the same kinds of widgets.

Each start runs in a fresh process (interpreter start and imports count, as they do for a user)
and is timed from just before the process is launched to the end of the window's first paint.
The two kinds alternate, so that a machine busy with something else slows both alike.

    python benchmarks/startup.py [--corpus DIR] [--annotations DIR] [--repeats N]

gdexplorer starts as ``gdexplorer.gui.app.run`` does (the corpus opens in the background, with a
fresh index cache and private settings); the window is closed right after its first paint.
Bytecode is cached (in a scratch folder, after one untimed start), as it is for an installed package;
``--compile-each-start`` measures without the cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Run in the child. Prints time.monotonic() (one clock for all processes) once the first paint is over.
# The filter watches the window alone: on the whole application, a Python filter is called for every
# event and makes PySide set up the Python types of each new kind of event and receiver (30-40 ms of
# the first paint), a cost that neither window pays without it.
_COMMON = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

class FirstPaint(QObject):
    def __init__(self):
        super().__init__()
        self.seen = False

    def eventFilter(self, obj, event):
        # The top-level window is painted first in the frame that paints its children.
        if not self.seen and event.type() == QEvent.Type.Paint:
            self.seen = True
            QTimer.singleShot(0, self.done)  # after the whole frame is painted
        return False

    def done(self):
        print(time.monotonic(), flush=True)
        for window in QApplication.topLevelWidgets():
            window.close()
        QTimer.singleShot(0, QApplication.quit)
"""

BARE = _COMMON + """
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDockWidget, QLineEdit, QListView, QMainWindow, QSplitter, QTabWidget,
                               QTextBrowser, QToolBar, QTreeView, QVBoxLayout, QWidget)

app = QApplication(sys.argv[:1])
watcher = FirstPaint()
window = QMainWindow()
window.installEventFilter(watcher)
toolbar = QToolBar(window)
toolbar.addWidget(QLineEdit(window))
window.addToolBar(toolbar)
splitter = QSplitter(Qt.Orientation.Horizontal, window)
column = QWidget(window)
QVBoxLayout(column).addWidget(QListView(column))
splitter.addWidget(column)
browser = QTextBrowser(window)
browser.setHtml("<h1>Welcome</h1><p>Type a few words above.</p>")
splitter.addWidget(browser)
side = QSplitter(Qt.Orientation.Vertical, window)
side.addWidget(QTreeView(window))
tabs = QTabWidget(window)
tabs.addTab(QTextBrowser(window), "Details")
tabs.addTab(QWidget(window), "Network")
side.addWidget(tabs)
splitter.addWidget(side)
window.setCentralWidget(splitter)
dock = QDockWidget("Refine", window)
dock.setWidget(QTreeView(dock))
window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
window.statusBar().showMessage("Ready")
window.resize(1280, 800)
window.show()
app.exec()
"""

APP = _COMMON + """
from pathlib import Path
from PySide6.QtCore import QSettings

app = QApplication(sys.argv[:1])  # run() reuses it
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[3])
from gdexplorer.gui import app as gui_app
from gdexplorer.gui.mainwindow import MainWindow

watcher = FirstPaint()
show = MainWindow.show

def watched_show(window):
    window.installEventFilter(watcher)
    show(window)

MainWindow.show = watched_show
gui_app.run(Path(sys.argv[1]), Path(sys.argv[2]) if sys.argv[2] else None)
"""


def start_once(code: str, args: list[str], env: dict[str, str]) -> float:
    """Seconds from launching a process to the end of its window's first paint."""
    launched = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"the window did not start (exit {out.returncode}):\n{out.stderr[-2000:]}")
    return float(lines[-1]) - launched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "seeds", help="corpus the window opens (default: seeds)")
    parser.add_argument("--annotations", type=Path, help="annotations folder (e.g. seeds/annotations)")
    parser.add_argument("--repeats", type=int, default=7, help="starts of each kind (default 7)")
    parser.add_argument("--compile-each-start", action="store_true",
                        help="do not cache bytecode: each start compiles gdexplorer's sources (as with "
                             "PYTHONDONTWRITEBYTECODE=1)")
    args = parser.parse_args(argv)

    bare: list[float] = []
    ours: list[float] = []
    with tempfile.TemporaryDirectory(prefix="gdx-startup-") as scratch:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "PYTHONPATH": str(REPO)}
        if not args.compile_each_start:
            # An installed gdexplorer has its bytecode cached, as PySide6 and the standard library do; with
            # PYTHONDONTWRITEBYTECODE set (as on our machines) every start would compile its sources again.
            # The cache goes to the scratch folder, not beside the sources.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
            start_once(APP, [str(args.corpus), str(args.annotations or ""), str(Path(scratch) / "settings-warm")],
                       {**env, "GDEXPLORER_CACHE_DIR": str(Path(scratch) / "cache-warm")})
        for n in range(args.repeats):
            bare.append(start_once(BARE, [], env))
            # A fresh cache each time: the window opens a corpus it has never indexed.
            cache = Path(scratch) / f"cache-{n}"
            settings = Path(scratch) / f"settings-{n}"
            ours.append(start_once(APP, [str(args.corpus), str(args.annotations or ""), str(settings)],
                                   {**env, "GDEXPLORER_CACHE_DIR": str(cache)}))

    def describe(times: list[float]) -> str:
        ms = sorted(t * 1000 for t in times)
        return f"median {statistics.median(ms):.0f} ms (range {ms[0]:.0f}-{ms[-1]:.0f})"

    print(f"corpus            {args.corpus}")
    print(f"bytecode          {'compiled at each start' if args.compile_each_start else 'cached'}")
    print(f"bare QMainWindow  {describe(bare)}")
    print(f"gdexplorer        {describe(ours)}")
    ratios = sorted(o / b for o, b in zip(ours, bare, strict=True))
    print(f"ratio             {statistics.median(ours) / statistics.median(bare):.2f} of the medians "
          f"(pairwise {ratios[0]:.2f}-{ratios[-1]:.2f}); target <= 1.5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
