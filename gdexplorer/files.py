"""Writing files so that a crash, a kill or a full disk leaves either the old file or the new one,
and taking turns at it with other processes."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def atomic_write(path: Path, data: bytes, *, durable: bool = True,
                 before_replace: Callable[[], None] | None = None) -> None:
    """Replace ``path`` with ``data``: written beside it, then renamed over it.

    A symbolic link is written through: its target is replaced (the temporary file is made beside
    the target), and the link stays a link. The new file keeps the old one's permission bits.
    ``durable`` syncs the data and then the folder, so that the rename itself survives a power cut;
    a cache that is only a speed-up passes False and saves the two syncs (a lost or empty file
    there is detected and ignored). ``before_replace`` runs last before the rename, when the new
    file is ready: what it raises cancels the write. Raises ``OSError``; the temporary file never
    stays behind.

    Anything but a regular file or nothing is refused, and so is a file without write permission:
    renaming over it would replace a device, a FIFO or a file the user protected, even where
    permissions would not let us write it (a writable folder, or root).
    """
    # Renaming over a link would replace the link itself: the file it shares would never see the change.
    path = real_path(path)
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a folder, device, FIFO or socket)", str(path))
        if not mode & 0o222:
            raise PermissionError(errno.EACCES, "the file is read-only", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable and hasattr(os, "O_DIRECTORY"):  # POSIX: a folder can be opened and synced; not on Windows
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def write_output(path: Path, data: bytes) -> None:
    """Write a file the user named: a regular file (or a link to one) atomically, as ``atomic_write``;
    a character device or a FIFO (/dev/null, /dev/stdout, a named pipe) in place, as a shell's
    redirection would. Raises ``OSError``.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = 0
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        # No O_CREAT or O_TRUNC: the node is there and stays what it is.
        fd = os.open(path, os.O_WRONLY)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return
    atomic_write(path, data)


def leftover_temporaries(path: Path, pattern: str = "") -> list[Path]:
    """Temporary files that ``atomic_write(path, ...)`` calls killed midway left beside ``path``.

    ``pattern`` widens the name to a family of files (``"*"``: every file whose name starts with
    ``path``'s). Only safe to delete while nobody else is writing those files.
    """
    return sorted(path.parent.glob(f".{path.name}{pattern}.*.tmp"))


def real_path(path: Path) -> Path:
    """``path`` with its symbolic links followed (also a dangling link's target); absolute."""
    return Path(os.path.realpath(path))


# Folder locks this process holds: a forked child closes its copies, so that it never keeps a lock
# its parent released or died holding (an flock lives while any copy of its descriptor is open).
_HELD_FOLDER_LOCKS: set[int] = set()


def _close_held_in_child() -> None:
    for fd in list(_HELD_FOLDER_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_FOLDER_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


class FolderBusy(OSError):
    """Another process held a folder's lock for the whole wait."""


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` across processes (and threads), waiting up to ``timeout`` seconds.

    For read-edit-replace cycles on the files in it: whoever holds the lock may assume nobody else
    using it changes them meanwhile. POSIX locks the folder itself, so nothing is created in it;
    elsewhere a hidden lock file in the folder is used. Raises ``FolderBusy`` after the wait, or
    ``OSError`` if the folder cannot be opened.
    """
    if fcntl is None:
        from filelock import FileLock, Timeout

        lock = FileLock(folder / ".gdexplorer.lock", timeout=timeout, thread_local=False)
        try:
            lock.acquire()
        except Timeout as e:
            raise FolderBusy(f"another program kept {folder} locked for {timeout:.0f} s") from e
        try:
            yield
        finally:
            lock.release()
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # flock cannot wait with a time limit; saves hold it for a fraction of a second.
                if time.monotonic() > deadline:
                    raise FolderBusy(f"another program kept {folder} locked for {timeout:.0f} s") from None
                time.sleep(0.005)
        _HELD_FOLDER_LOCKS.add(fd)
        try:
            yield
        finally:
            _HELD_FOLDER_LOCKS.discard(fd)
            # Explicitly: a child forked meanwhile may still hold a copy of the descriptor.
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
