"""Build or update an index in a process of its own, reporting as JSON lines. A Qt-free zone.

The window runs ``python -m gdexplorer.buildproc`` so that reading, analysing and pickling thousands
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
from pathlib import Path
from typing import Any, TextIO

from gdexplorer.errors import GdxError, IndexBusyError
from gdexplorer.explorer import Explorer
from gdexplorer.model import Progress
from gdexplorer.search.buildprotocol import stats_to_json

log = logging.getLogger(__name__)

# The child is niced so that on a small machine the window (and the user's typing) comes first.
NICENESS = 5


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


def suggest(corpus: Path, annotations: Path | None, index_folder: Path, out: TextIO,
            cancel: threading.Event) -> int:
    """Find suggested entities in new and changed articles (``--suggest``): progress lines, then
    ``{"event": "suggested", "done", "total", "missing"}``, or ``failed``. Resumable after a kill."""
    reporter = _Reporter(out)
    try:
        explorer = Explorer(corpus, annotations, cache_dir=index_folder.parent.parent)
        status = explorer.update_suggested(reporter.progress, cancel)
    except Exception as e:
        if not isinstance(e, GdxError):
            log.exception("finding suggested entities in %s failed", corpus)
        message = str(e) if isinstance(e, GdxError) else f"{type(e).__name__}: {e}"
        reporter.send({"event": "failed", "busy": False, "message": message})
        return 1
    reporter.send({"event": "suggested", "done": status.done, "total": status.total, "missing": status.missing})
    return 0


def build(corpus: Path, annotations: Path | None, index_folder: Path, out: TextIO,
          cancel: threading.Event) -> int:
    """Run the update and report it on ``out``; the exit code is 0 unless the update failed."""
    reporter = _Reporter(out)
    try:
        # Explorer(cache_dir=...) puts indexes in <cache_dir>/indexes/<name>: the same folder the window uses.
        explorer = Explorer(corpus, annotations, cache_dir=index_folder.parent.parent)
        if explorer.index_folder != index_folder:
            raise GdxError(f"the index folder would be {explorer.index_folder}, not {index_folder}")
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
    parser = argparse.ArgumentParser(prog="python -m gdexplorer.buildproc", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder")
    parser.add_argument("--annotations", type=Path, help="annotation folder (default: the corpus's own)")
    parser.add_argument("--index", type=Path, required=True, help="the index folder the caller expects")
    parser.add_argument("--suggest", action="store_true",
                        help="find suggested entities (named-entity recognition) instead of indexing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s index-build[{os.getpid()}] "
                                                   "%(name)s: %(message)s")
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    cancel = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: cancel.set())
    threading.Thread(target=_cancel_on_eof, args=(sys.stdin.fileno(), cancel), daemon=True).start()
    code = (suggest if args.suggest else build)(args.corpus, args.annotations, args.index, sys.stdout, cancel)
    with contextlib.suppress(OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    # Not a normal exit: after a cancel, Whoosh's sub-writer processes may still be waiting for work,
    # and multiprocessing would join them at exit. They die with this process (PDEATHSIG, index.py).
    os._exit(code)


if __name__ == "__main__":
    main()
