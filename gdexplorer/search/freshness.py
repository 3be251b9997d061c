"""Cheap signals that nothing was added, removed or renamed since the index's last complete update.

A full update stats every article and reads the manifest: 2 s at 100,000 articles, before a
one-shot command (``gdexplorer search``) can answer. After each complete update this module saves
the stat of every folder the scan walked (the corpus folder, ``articles/`` and its subfolders, the
annotation folders), of the manifest and of each annotation file, tied to the index generation.
If all of them are unchanged, the index still describes the corpus, with one exception:

An article edited in place keeps its folder's mtime (a folder changes only when an entry is
added, removed or renamed in it), so an in-place edit is **not** seen by these signals; a save
that writes a new file and renames it over the old one (most editors) is. Statting 100,000
articles to catch in-place edits costs more than the whole search, so the commands that trust
these signals take ``--update`` to check every file; the window and ``gdexplorer index`` always do.

"Racy" stats are never trusted: a folder changed at about the time the update's scan began may
have changed after the scan listed it, in the same tick of the file system's clock, so it is
saved as changed and the next command updates (and saves it again, by then settled).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from gdexplorer.files import atomic_write

log = logging.getLogger(__name__)

# Begins like the signature files: SignatureStore leaves it out of the index's file sizes, and
# Whoosh's commits never touch it.
FRESHNESS = "signatures.folders.json"
FORMAT = 1
# File system timestamps come from a clock that may lag the system time by a tick (a few ms);
# anything stamped within this of the scan's start may hide a later change in the same tick.
RACY_NS = 50_000_000

Stat = list[int] | None  # [mtime_ns, size, ctime_ns, inode], or None for a path that does not exist


def stat_of(path: str) -> Stat:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino]


def folders_under(top: Path) -> list[str]:
    """``top`` and every folder below it, not hidden and not through a link (as the scans walk them)."""
    found: list[str] = []
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        found.append(folder)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if entry.name[:1] != "." and entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
        except OSError:
            continue  # its stat is saved: becoming readable changes its ctime
    return found


def take(paths: Iterable[str], scan_started_ns: int) -> dict[str, Stat | str]:
    """The stat of each path; "racy" for one changed too close to ``scan_started_ns`` to trust."""
    found: dict[str, Stat | str] = {}
    for path in paths:
        st = stat_of(path)
        racy = st is not None and max(st[0], st[2]) >= scan_started_ns - RACY_NS
        found[path] = "racy" if racy else st
    return found


class FreshnessRecord:
    """The saved signals in an index folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FRESHNESS
        self._written: bytes | None = None  # what this object last saved: the window refreshes often

    def save(self, generation: int, signals: dict[str, Stat | str]) -> None:
        data = json.dumps({"format": FORMAT, "generation": generation, "paths": signals}).encode("utf-8")
        if data == self._written:
            with contextlib.suppress(OSError):
                if self.path.read_bytes() == data:
                    return
        try:
            # Not durable: a lost or cut file means "changed", never "unchanged".
            atomic_write(self.path, data, durable=False)
            self._written = data
        except OSError as e:
            self._written = None
            log.info("could not save %s: %s", self.path, e)

    def forget(self) -> None:
        self._written = None
        with contextlib.suppress(OSError):
            self.path.unlink()

    def changed(self, generation: int) -> str:
        """Why the saved signals do not vouch for the index at ``generation``; "" when they do."""
        try:
            raw = json.loads(self.path.read_bytes())
            if raw["format"] != FORMAT or not isinstance(raw["paths"], dict):
                return "the index was last updated by another version"
            if raw["generation"] != generation:
                return "the index changed since it was last checked"
            for path, saved in raw["paths"].items():
                if saved == "racy":
                    return f"{path} changed while the index was being updated"
                if stat_of(path) != saved:
                    return f"{path} changed"
        except FileNotFoundError:
            return "the index has not been checked against the corpus yet"
        except (OSError, ValueError, TypeError, KeyError):
            return "the saved check of the index is unreadable"
        return ""
