"""Build or update an index in a process of its own, reporting as JSON lines. A Qt-free zone.

The window runs ``python -m gdexplorer.search.buildproc`` so that reading, analysing and pickling thousands
of articles does not share a GIL with its UI thread (in a worker thread, that stalled the window for
up to ~200 ms at a time). The protocol is one JSON object per line on stdout::

    {"event": "progress", "done": 250, "total": 2000, "stage": "Indexing"}
    {"event": "finished", "stats": {...IndexStats...}}
    {"event": "failed", "busy": false, "message": "cannot create the index in ...: No space left on device"}

The build is cancelled when stdin reaches its end (the parent closed it, or died) or on SIGTERM:
it stops after the current document and keeps what was committed, as an in-process cancel does.
A SIGKILL is safe too: the index's update lock and per-document signatures make the next update
finish the job (see ``gdexplorer.search.index``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gdexplorer.errors import GdxError, IndexBusyError, Problem, Severity
from gdexplorer.model import IndexStats, Progress

log = logging.getLogger(__name__)

# The child is niced so that on a small machine the window (and the user's typing) comes first.
NICENESS = 5


@dataclass(frozen=True, slots=True)
class BuildFailure:
    """Why a build in the child failed: ``busy`` when another process holds the index's lock."""

    busy: bool
    message: str


def stats_to_json(stats: IndexStats) -> dict[str, Any]:
    return {
        "added": stats.added, "updated": stats.updated, "deleted": stats.deleted, "unchanged": stats.unchanged,
        "seconds": stats.seconds, "rebuilt": stats.rebuilt, "cancelled": stats.cancelled, "reason": stats.reason,
        "problems": [[p.path, p.line, p.column, p.message, p.severity.value] for p in stats.problems],
    }


def stats_from_json(raw: dict[str, Any]) -> IndexStats:
    problems = tuple(Problem(str(path), int(line), int(column), str(message), Severity(severity))
                     for path, line, column, message, severity in raw.get("problems", ()))
    return IndexStats(
        added=int(raw["added"]), updated=int(raw["updated"]), deleted=int(raw["deleted"]),
        unchanged=int(raw["unchanged"]), seconds=float(raw["seconds"]), rebuilt=bool(raw["rebuilt"]),
        cancelled=bool(raw["cancelled"]), reason=str(raw["reason"]), problems=problems,
    )


def parse_line(line: str) -> Progress | IndexStats | BuildFailure | None:
    """One line of the child's output; None for anything that is not part of the protocol."""
    try:
        raw = json.loads(line)
        event = raw["event"]
        if event == "progress":
            return Progress(int(raw["done"]), int(raw["total"]), str(raw["stage"]))
        if event == "finished":
            return stats_from_json(raw["stats"])
        if event == "failed":
            return BuildFailure(bool(raw["busy"]), str(raw["message"]))
    except (ValueError, KeyError, TypeError):
        pass
    return None


def command(corpus: Path, annotations: Path | None, index_folder: Path) -> list[str]:
    """The arguments (after the Python executable) that build ``index_folder`` for this corpus."""
    args = ["-m", "gdexplorer.search.buildproc", "--corpus", str(corpus), "--index", str(index_folder)]
    if annotations is not None:
        args += ["--annotations", str(annotations)]
    return args


class _Reporter:
    """Writes protocol lines; one lock, since progress comes from the build and the end from main."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def send(self, payload: dict[str, Any]) -> None:
        # The reader is gone (the window closed or died): the build was cancelled, nobody to tell.
        with self._lock, contextlib.suppress(BrokenPipeError):
            self._out.write(json.dumps(payload) + "\n")
            self._out.flush()

    def progress(self, progress: Progress) -> None:
        self.send({"event": "progress", "done": progress.done, "total": progress.total, "stage": progress.stage})


def _cancel_on_eof(fd: int, cancel: threading.Event) -> None:
    # os.read, not sys.stdin.read: a thread blocked in the latter holds sys.stdin's lock, and Whoosh's
    # forked sub-writers deadlock closing sys.stdin (multiprocessing does) with that lock held.
    with contextlib.suppress(OSError):
        while os.read(fd, 4096):
            pass
    cancel.set()


def build(corpus: Path, annotations: Path | None, index_folder: Path, out: TextIO,
          cancel: threading.Event) -> int:
    """Run the update and report it on ``out``; the exit code is 0 unless the update failed."""
    from gdexplorer.explorer import Explorer

    reporter = _Reporter(out)
    try:
        # Explorer(cache_dir=...) puts indexes in <cache_dir>/indexes/<name>: the same folder the window uses.
        explorer = Explorer(corpus, annotations, cache_dir=index_folder.parent.parent)
        if explorer.index.folder != index_folder:
            raise GdxError(f"the index folder would be {explorer.index.folder}, not {index_folder}")
        stats = explorer.update_index(reporter.progress, cancel)
    except IndexBusyError as e:
        reporter.send({"event": "failed", "busy": True, "message": str(e)})
        return 1
    except Exception as e:
        if not isinstance(e, GdxError):
            log.exception("building the index of %s failed", corpus)
        # As the window words a failure: ours are sentences, anything else names its type.
        message = str(e) if isinstance(e, GdxError) else f"{type(e).__name__}: {e}"
        reporter.send({"event": "failed", "busy": False, "message": message})
        return 1
    reporter.send({"event": "finished", "stats": stats_to_json(stats)})
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdexplorer.search.buildproc", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder")
    parser.add_argument("--annotations", type=Path, help="annotation folder (default: the corpus's own)")
    parser.add_argument("--index", type=Path, required=True, help="the index folder the caller expects")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s index-build[{os.getpid()}] "
                                                   "%(name)s: %(message)s")
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    cancel = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: cancel.set())
    threading.Thread(target=_cancel_on_eof, args=(sys.stdin.fileno(), cancel), daemon=True).start()
    code = build(args.corpus, args.annotations, args.index, sys.stdout, cancel)
    with contextlib.suppress(OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    # Not a normal exit: after a cancel, Whoosh's sub-writer processes may still be waiting for work,
    # and multiprocessing would join them at exit. They die with this process (PDEATHSIG, index.py).
    os._exit(code)


if __name__ == "__main__":
    main()
