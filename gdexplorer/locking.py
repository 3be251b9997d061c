"""One index update at a time, across processes: an flock held for the whole update.

The lock must not outlive the process that took it, including Whoosh's forked sub-writers, which
inherit the descriptor (see ``_after_fork_in_child``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from gdexplorer.errors import IndexBusyError

# Lock file descriptors held by this process's index updates. A forked child (Whoosh's parallel
# sub-writers) closes its copies at once: an flock lives as long as any copy of its descriptor,
# so an orphaned child would otherwise keep the index locked forever after its parent is killed.
_HELD_LOCKS: set[int] = set()


def _after_fork_in_child() -> None:
    for fd in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    if _HELD_LOCKS and sys.platform.startswith("linux"):
        # Die with the parent: a sub-writer has nothing to do once the writer that feeds it is gone.
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def update_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock for a whole update, across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise IndexBusyError("another gdexplorer is updating this index; try again when it is done") from e
        _HELD_LOCKS.add(fd)
        try:
            yield
        finally:
            _HELD_LOCKS.discard(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
