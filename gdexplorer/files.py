"""Writing files so that a crash, a kill or a full disk leaves either the old file or the new one."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data``: written beside it, then renamed over it.

    The new file keeps the old one's permission bits. ``durable`` syncs the data and then the
    folder, so that the rename itself survives a power cut; a cache that is only a speed-up
    passes False and saves the two syncs (a lost or empty file there is detected and ignored).
    Raises ``OSError``; the temporary file never stays behind.

    A symlink's target is what gets written (the link stays a link). Anything but a regular file
    or nothing is refused, and so is a file without write permission: renaming over it would
    replace a device, a FIFO or a file the user protected, even where permissions would not let
    us write it (a writable folder, or root).
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
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
