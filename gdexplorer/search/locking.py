"""One index update at a time, across processes: a file lock held for the whole update.

The lock itself is ``filelock``'s (flock on POSIX, ``msvcrt`` on Windows), so the core imports
and runs on any OS. What stays ours is POSIX-only: the lock must not outlive the process that
took it, including Whoosh's forked sub-writers, which inherit the descriptor (see
``_after_fork_in_child``).
"""

from __future__ import annotations

import contextlib
import os
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
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork to guard against
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def update_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock for a whole update, across processes."""
    # Here, not at the top: filelock's import (its platform probes) is a tenth of a read-only
    # command's start, and only updates lock.
    from filelock import FileLock, SoftFileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptors: list[int] = []
    # No soft (lock-file) fallback where the system locks files: a soft lock outlives a killed process,
    # a real one never does. Only a POSIX system without fcntl has nothing better than a soft lock.
    if FileLock is not SoftFileLock:
        lock = FileLock(path, timeout=0, thread_local=False, fallback_to_soft=False, preserve_lock_file=True,
                        on_acquired=descriptors.append)
    else:  # a soft lock has no descriptor to report, and filelock refuses both options for it
        lock = FileLock(path, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout as e:
        raise IndexBusyError("another gdexplorer is updating this index; try again when it is done") from e
    _HELD_LOCKS.update(descriptors)
    try:
        yield
    finally:
        _HELD_LOCKS.difference_update(descriptors)
        lock.release()
