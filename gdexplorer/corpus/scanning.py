"""The files of a corpus folder: finding them, reading one safely, decoding it, showing its name.

``walk_txt`` lists every article file with its stat in one plain loop (it runs on every update);
``read_regular`` reads only regular files, bounded (a FIFO or a link to /dev/zero never hangs a
read); file names that are not valid UTF-8 are skipped with a problem, and printed escaped.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import stat as stat_mode
from collections.abc import Iterator, Mapping
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from gdexplorer.corpus.containers import CONTAINERS
from gdexplorer.corpus.documents import FORMATS
from gdexplorer.errors import CorpusError, Problem, Severity


class FileStat(NamedTuple):
    """An article file as found on disk; mtime, size, ctime and inode tell whether it changed.

    Not mtime and size alone: an edit in place that keeps the size and restores the mtime (a tool
    preserving timestamps, ``touch -r``) changes neither, but the system sets the ctime on any
    write or utime, and a file replaced by a rename has another inode. (On Windows, ``st_ctime``
    is the creation time: only the other three count there.)

    A named tuple rather than a frozen dataclass: a scan makes one per article, and a frozen
    dataclass's constructor was a third of scanning 100,000 of them.
    """

    id: str
    file: str  # the path as a string: a Path per file costs a second on 100,000 articles
    mtime_ns: int
    size: int
    ctime_ns: int
    inode: int

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def signature(self) -> str:
        return f"{self.mtime_ns}:{self.size}:{self.ctime_ns}:{self.inode}"


def walk_txt(top: Path, skip: set[Path], problems: list[Problem], root: Path,
              stat: bool = True, documents: bool = False, folders: list[str] | None = None,
              previous: Mapping[str, FileStat] | None = None) -> dict[str, FileStat]:
    """Every .txt file under ``top`` by id (relative to ``root``, with "/"): each folder's files by
    name, then its subfolders by name, depth first. Without ``stat``, the stat fields are 0. With
    ``documents``, the files of the other formats gdexplorer reads too (gdexplorer.corpus.documents).
    ``folders``, if given, receives each folder listed. A file whose stat equals its entry in
    ``previous`` keeps that entry's object: the caller tells the changed files by identity, and a
    million unchanged files make no new objects for the garbage collector to walk (1.4 s at 1M).

    One plain loop, strings rather than Paths, and no generator: this runs on every update, and at
    100,000 articles each per-file step (a Path, a generator step, a Python-level constructor call)
    cost tens of milliseconds beside the stat calls themselves.
    """
    skipped = {str(p) for p in skip}
    prefix = len(str(root).rstrip(os.sep)) + 1
    slashes = os.sep != "/"
    found: dict[str, FileStat] = {}
    held = (previous or {}).get
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        if folders is not None:
            folders.append(folder)  # an unreadable one too: made readable, its ctime changes
        try:
            with os.scandir(folder) as scanned:
                entries = sorted(scanned, key=_BY_NAME)
        except OSError as e:
            if folder == str(top):
                # Not one folder of many: without the top there is no corpus to tell apart from an empty one.
                raise CorpusError(str(top), f"the corpus folder is unavailable ({e.strerror or e}); "
                                            "the index is kept as it is") from e
            problems.append(Problem(shown_path(_relative(Path(folder), root)), 0, 0,
                                    f"cannot read this folder: {e.strerror or e}"))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                # is_file() follows a symlink to its file; both checks use the folder listing's
                # file type, so only stat() is a system call.
                wanted = name.endswith(".txt") or name[-4:].lower() == ".txt" or (documents and _is_document(name))
                if wanted and entry.is_file():
                    if not name.isascii() and not _is_utf8(name):
                        problems.append(_bad_name(entry.path, root))
                        continue
                    path = entry.path
                    relative = path[prefix:].replace(os.sep, "/") if slashes else path[prefix:]
                    if stat:
                        st = entry.stat()
                        fields = (relative, path, st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino)
                        before = held(relative)
                        found[relative] = before if before == fields else _file_stat(fields)
                    else:
                        found[relative] = _file_stat((relative, path, 0, 0, 0, 0))
                elif documents and _is_document(name) and not entry.is_dir():
                    # A FIFO would block the reader for ever; a dangling link has nothing to read.
                    problems.append(Problem(shown_path(_relative_text(entry.path, root)), 0, 0,
                                            "skipped: not a regular file (a FIFO, device or socket, or a link "
                                            "to nothing)", Severity.WARNING))
                elif entry.is_dir(follow_symlinks=False) and entry.path not in skipped:
                    if not name.isascii() and not _is_utf8(name):
                        problems.append(_bad_name(entry.path, root))
                        continue
                    subdirs.append(entry.path)
            except OSError as e:  # a dangling link, a file that vanished mid-walk
                problems.append(Problem(shown_path(_relative(Path(entry.path), root)), 0, 0,
                                        f"skipped: {e.strerror or e}", Severity.WARNING))
        stack.extend(reversed(subdirs))
    return found


_BY_NAME = attrgetter("name")


def _is_document(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in _DOCUMENT_SUFFIXES


_DOCUMENT_SUFFIXES = frozenset((*FORMATS, *CONTAINERS))


def _is_utf8(name: str) -> bool:
    # Undecodable bytes of a file name come back as lone surrogates (PEP 383), which no index,
    # JSON or terminal can take.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_name(path: str, root: Path) -> Problem:
    return Problem(shown_path(_relative_text(path, root)), 0, 0,
                   "the name is not valid UTF-8: skipped (rename it to index it)")


def _relative_text(path: str, root: Path) -> str:
    prefix = str(root).rstrip(os.sep) + os.sep
    return (path[len(prefix):] if path.startswith(prefix) else path).replace(os.sep, "/")


def shown_path(text: str) -> str:
    """A path as it can be printed: undecodable bytes of a file name shown as ``\\xff``."""
    if text.isascii() or _is_utf8(text):
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def read_regular(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of a regular file (a link to one is followed).

    Raises ``OSError`` for anything else: opening a FIFO blocks for ever and a link to /dev/zero
    never ends. Checked before opening (so nothing blocks) and again on the open file.
    """
    if not stat_mode.S_ISREG(path.stat().st_mode):
        raise OSError(errno.EINVAL, _NOT_REGULAR)
    with path.open("rb") as fh:
        if not stat_mode.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, _NOT_REGULAR)
        return fh.read(limit)


_NOT_REGULAR = "not a regular file (a device, FIFO or socket)"
# FileStat's generated __new__ is a Python function; tuple.__new__ builds the same named tuple in C.
_file_stat = partial(tuple.__new__, FileStat)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile (one already paused by the caller stays paused).

    A scan keeps 100,000 new tuples: the collections they set off on the way each walk every
    object of the process (the index keeps the last scan and the signatures), which made a scan
    at 100k take 0.6 to 0.9 s instead of 0.6 s. Nothing the scan makes is cyclic garbage.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() + ("/" if path.is_dir() else "")
    except ValueError:
        return str(path)


def decode(data: bytes) -> tuple[str, tuple[int, int] | None]:
    """Decode UTF-8 (a BOM is dropped); on bad bytes, replace them and say where the first was."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        column = e.start - (before.rfind(b"\n") + 1) + 1
        return data.decode("utf-8-sig", errors="replace"), (line, column)
