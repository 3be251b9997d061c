"""How long does the window's event loop stall while a corpus opens, indexes and is searched?

A QTimer heartbeat ticks every --interval ms from the moment the window is shown; the gap between
ticks is how long the UI thread was busy (a frozen window, to the user). Meanwhile the window
opens CORPUS with a fresh, empty index cache (so the index is built from scratch) and a simulated
user types queries letter by letter, opens the first result and an entity, while the index is
being built and after.

    python benchmarks/ui_stall.py /path/to/corpus [--annotations DIR] [--quick]

--quick types one round of queries and closes the window without waiting for the index (which
also measures how long closing takes while indexing runs). --cache DIR opens the corpus with the index
already in DIR (as on every start after the first; bench.py leaves one in --work as gdx-cache-N): with
--quick, that is the window's memory and stalls at a size too large to build for each run.
--warm-jieba: jieba's dictionary is loaded from our cache, as on every run after the first (by default
it is built from dict.txt).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtTest import QTest

QUERIES = ("china economy", "hydrogen", "xi jinping", "shenzhen innovation", "trade war", "energ*")
KEY_MS = 90  # a brisk typist
PAUSE_MS = 700  # reading the results before the next query


class Heartbeat:
    """Records the gaps between timer ticks on the UI thread."""

    def __init__(self, interval_ms: int) -> None:
        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self.worst_at = 0.0
        self._started = self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        if not self.gaps or gap > max(self.gaps):
            self.worst_at = now - self._started
        self.gaps.append(gap)
        self._last = now

    def stop(self) -> None:
        self._timer.stop()

    def watch(self, threshold_ms: int) -> None:
        """Print the UI thread's stack whenever a tick is late by more than ``threshold_ms``."""
        import threading
        import traceback

        main_id = threading.get_ident()

        def run() -> None:
            reported = 0.0
            while True:
                time.sleep(0.01)
                late = time.perf_counter() - self._last
                if late * 1000 > threshold_ms and self._last != reported:
                    reported = self._last
                    frame = sys._current_frames().get(main_id)
                    stack = "".join(traceback.format_stack(frame, limit=12)) if frame else "?"
                    print(f"--- UI thread late by {late * 1000:.0f} ms at {time.perf_counter() - self._started:.1f} s"
                          f"\n{stack}", file=sys.stderr)

        threading.Thread(target=run, daemon=True).start()


_timing = {"armed": False}


def timed_application(threshold_ms: int) -> None:
    """Create the QApplication as one that times each event it delivers (make_application reuses it).

    Events are timed once ``_timing["armed"]`` is set (when the heartbeat starts). Before then, the first
    events delivered through this Python ``notify`` cost 40-60 ms of PySide's one-time set-up of the
    receivers' Python types (their enums): the hook's own cost, which the window without it never pays.
    """
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    started = time.perf_counter()

    class TimedApplication(QApplication):
        def notify(self, receiver: QObject, event: QEvent) -> bool:
            if not _timing["armed"]:
                return super().notify(receiver, event)
            begun = time.perf_counter()
            kind = event.type()  # read before delivery: the event (or the receiver) may be gone after it
            # PySide sometimes hands a non-QObject receiver here (seen: a QEvent).
            name = f"{type(receiver).__name__}({receiver.objectName() if isinstance(receiver, QObject) else ''})"
            handled = super().notify(receiver, event)
            took = (time.perf_counter() - begun) * 1000
            if took > threshold_ms:
                print(f"--- {kind.name} to {name} took {took:.0f} ms at {begun - started:.2f} s", file=sys.stderr)
            return handled

    global _timed_app  # kept alive for the whole run
    _timed_app = TimedApplication([sys.argv[0]])


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def type_query(window, text: str) -> None:
    field = window.search
    field.setFocus()
    field.selectAll()
    for ch in text:
        QTest.keyClick(field, ch)
        wait(KEY_MS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--annotations", type=Path, help="annotations folder (e.g. seeds/annotations)")
    parser.add_argument("--interval", type=int, default=10, help="heartbeat in ms (default 10)")
    parser.add_argument("--quick", action="store_true", help="one round of queries, then close while indexing")
    parser.add_argument("--trace", type=int, metavar="MS",
                        help="print the UI thread's stack whenever it is MS ms late (to find what stalls it)")
    parser.add_argument("--from-construction", action="store_true",
                        help="start the heartbeat before the window is built (its construction then counts as a "
                             "stall; by default that is time to first window, see startup.py)")
    parser.add_argument("--warm-jieba", action="store_true",
                        help="write jieba's dictionary cache into the fresh cache first (as after the first Chinese "
                             "corpus); by default it is built from jieba's dict.txt, as on the first run")
    parser.add_argument("--events", type=int, metavar="MS",
                        help="print every Qt event whose delivery takes over MS ms (slots, paints, timers), which "
                             "--trace cannot see inside")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help="the index cache to use (one built before, e.g. by bench.py) instead of a fresh one")
    args = parser.parse_args(argv)
    if args.events:
        timed_application(args.events)

    # By default a fresh cache: the index is built from scratch.
    cache = str(args.cache.resolve()) if args.cache else tempfile.mkdtemp(prefix="gdx-stall-cache-")
    os.environ["GDEXPLORER_CACHE_DIR"] = cache
    if args.warm_jieba:
        import subprocess

        subprocess.run([sys.executable, "-c", "from gdexplorer.search.chinese import _jieba; _jieba()"],
                       check=True, cwd=Path(__file__).resolve().parent.parent)
    from gdexplorer.gui.app import make_application
    from gdexplorer.gui.mainwindow import MainWindow

    app = make_application([sys.argv[0]])
    settings = QSettings(str(Path(tempfile.mkdtemp(prefix="gdx-stall-settings-")) / "settings.ini"),
                         QSettings.Format.IniFormat)
    beat = Heartbeat(args.interval) if args.from_construction else None
    _timing["armed"] = args.from_construction
    started = time.perf_counter()
    window = MainWindow(settings)
    window.resize(1280, 800)
    window.show()
    shown = time.perf_counter() - started
    if beat is None:
        # From here on the user sees the window: any gap is a stall they can feel.
        beat = Heartbeat(args.interval)
        _timing["armed"] = True
    if args.trace:
        beat.watch(args.trace)
    marks: dict[str, float] = {}
    # What the user saw of the index status's progress bar while the index was built.
    bar = window.index_status.bar
    shown_values: list[tuple[int, int, str]] = []  # (value, maximum, label)

    def record_bar(value: int) -> None:
        if bar.isVisible() and bar.maximum() > 0:
            shown_values.append((value, bar.maximum(), window.index_status.label.text()))

    bar.valueChanged.connect(record_bar)

    def open_corpus() -> None:
        window.session.corpus_opened.connect(lambda _: marks.setdefault("opened", time.perf_counter() - started))
        window.session.index_finished.connect(lambda _: marks.setdefault("indexed", time.perf_counter() - started))
        window.open_corpus(args.corpus, args.annotations)

    # As gdexplorer.gui.app.run does: the corpus opens once the window is finished, after its first paint
    # (reading window.session or opening sooner would build the second pass's parts at once, in one pass).
    window.after_building(open_corpus)
    while "opened" not in marks:
        wait(20)

    searches = 0
    rounds = 0
    while True:
        for query in QUERIES:
            type_query(window, query)
            wait(PAUSE_MS)
            searches += 1
            if window.results.model.rowCount():
                window.results.view.setFocus()
                window.results.view.setCurrentIndex(window.results.model.index(0, 0))
                QTest.keyClick(window.results.view, Qt.Key.Key_Return)
                wait(PAUSE_MS // 2)
                page = window.article.view.page
                if page is not None and page.entities:
                    window.open_entity(page.entities[0].id)
                    wait(PAUSE_MS // 2)
        rounds += 1
        if args.quick or ("indexed" in marks and rounds >= 2):
            break
    during_index = "indexed" not in marks
    open_rss = _status_mb("VmRSS")
    closing = time.perf_counter()
    window.close()
    closed = time.perf_counter() - closing
    beat.stop()
    app.processEvents()

    gaps = sorted(beat.gaps)
    p = lambda q: gaps[min(len(gaps) - 1, int(q * len(gaps)))] * 1000  # noqa: E731
    print(f"corpus            {args.corpus}")
    print(f"window shown      {shown * 1000:.0f} ms after start")
    print(f"corpus opened     {marks.get('opened', 0) * 1000:.0f} ms after start")
    print(f"index built       {marks['indexed']:.1f} s after start" if "indexed" in marks else
          "index built       not yet when the window closed")
    if shown_values:
        print(f"progress bar      moved {len(shown_values)} times, from {shown_values[0][0]:,} to "
              f"{shown_values[-1][0]:,} of {shown_values[-1][1]:,} (last: {shown_values[-1][2]!r})")
    else:
        print("progress bar      never showed a count")
    print(f"searches typed    {searches} ({rounds} rounds, {KEY_MS} ms per key)")
    print(f"heartbeat         every {args.interval} ms, {len(gaps)} ticks")
    print(f"longest gap       {gaps[-1] * 1000:.0f} ms (at {beat.worst_at:.1f} s)")
    print(f"gap p50/p99/p99.9 {p(0.5):.0f} / {p(0.99):.0f} / {p(0.999):.0f} ms")
    print(f"gaps over 100 ms  {sum(1 for g in gaps if g > 0.1)}; over 50 ms {sum(1 for g in gaps if g > 0.05)}")
    print(f"mean gap          {statistics.fmean(gaps) * 1000:.1f} ms")
    print(f"close took        {closed * 1000:.0f} ms" + (" (while indexing)" if during_index else ""))
    # Peak resident memory: the window's process, and the largest of its children (the index build).
    import resource

    print(f"RSS at the end    {open_rss:.0f} MB (window open, after the searches)")
    print(f"peak RSS          window {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"build child {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    return 0


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
