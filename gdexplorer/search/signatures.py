"""Each indexed article's signature, saved beside the index so that an update need not read them back.

An article's signature says which version of it a document was built from. The index holds them in
its stored fields, but reading those unpickles every document: seconds at 100,000 articles, on every
update. So the last complete update also writes them to a base file and a delta file, tied to the
index generation and file sizes they describe; on any doubt they are ignored, never trusted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gdexplorer.corpus.scanning import FileStat
from gdexplorer.files import atomic_write, leftover_temporaries

log = logging.getLogger(__name__)

# Every article id -> signature, for the index generation (and file sizes) it names.
SIGNATURES = "signatures.json"
# The changes to that base made by later updates, for the generation they reached: a one-article
# edit rewrites a few lines instead of 100,000. Folded into a new base when it grows past DELTA_MAX.
SIGNATURES_DELTA = "signatures.delta.json"
SIGNATURE_FILES = "signatures"  # what both names and their temporary files begin with
SIGNATURES_FORMAT = 2  # 1 (no "format" key): one JSON object of all signatures, rewritten each time
DELTA_MAX = 1000


@dataclass(slots=True)
class SavedSignatures:
    """Signatures read from beside the index: the base's token and the delta applied to it."""

    signatures: dict[str, str]
    token: str
    changes: dict[str, str | None]


@dataclass(slots=True)
class UpdateMemo:
    """What the last update in this process left in the index, to compare the next scan against.

    Valid while no commit happened since (generation and file sizes) and the signature inputs
    (corpus, entity names, manifest, citing facts) are the same: then only the articles whose file
    stat changed need a signature, instead of 100,000 of them read or built on every update.
    """

    generation: int
    sizes: dict[str, int]
    key: tuple[str, str, int, dict[str, tuple[str, ...]]]  # root, mentions, manifest serial, facts
    files: dict[str, FileStat]  # the scan the index was brought up to date with
    signatures: dict[str, str]  # what the index holds, by article id
    saved: SavedSignatures | None  # the files on disk holding ``signatures``, if written


def doc_signatures(files: dict[str, FileStat], mentions: str, digests: Mapping[str, str],
                   fact_articles: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each article's signature: "mtime_ns:size:ctime_ns:inode|mentions|manifest line digest|citing facts"."""
    # One f-string per article, inline: this runs over the whole corpus on every update.
    get = digests.get
    signatures = {i: f"{f.mtime_ns}:{f.size}:{f.ctime_ns}:{f.inode}|{mentions}|{get(i, '')}|"
                  for i, f in files.items()}
    for article_id, cited in fact_articles.items():
        if cited and article_id in signatures:
            signatures[article_id] += ",".join(cited)
    return signatures


class SignatureStore:
    """The signature files in an index folder. Not locked: the index's update lock guards writes.

    ``skip`` names (as prefixes) the other files in the folder that are not the index's own, so
    that no commit changes them, and that :meth:`file_sizes` leaves out.
    """

    def __init__(self, folder: Path, skip: tuple[str, ...] = ()) -> None:
        self.folder = folder
        # Our temporary files start with a dot (gdexplorer.files): never part of a commit either.
        self._skip = (*skip, SIGNATURE_FILES, ".")

    def load(self, latest_generation: Callable[[], int]) -> SavedSignatures | None:
        """The signatures saved by the last complete update, if no commit happened since.

        Only a speed-up: on any doubt (no file, another generation, other index file sizes, a
        delta made for another base, a cut or garbled file) this says None and the caller reads
        the stored fields. ``latest_generation`` is asked only once a base is found.
        """
        try:
            base = self._read_base()
            if base is None:
                return None
            token, generation, files, signatures = base
            current = (latest_generation(), self.file_sizes())
            delta = self._read_delta()
            if delta is not None and delta[0] == token and delta[1:3] == current:
                changes = delta[3]
                for article_id, sig in changes.items():
                    if sig is None:
                        signatures.pop(article_id, None)
                    else:
                        signatures[article_id] = sig
                return SavedSignatures(signatures, token, changes)
            # A delta for an older generation or another base is left from an interrupted update.
            if (generation, files) == current:
                return SavedSignatures(signatures, token, {})
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            pass
        return None

    def save(self, generation: int, sizes: dict[str, int], signatures: dict[str, str],
             saved: SavedSignatures | None, changes: dict[str, str | None]) -> SavedSignatures | None:
        """Keep every document's signature beside the index, tied to its generation; what was written.

        With ``saved`` (the files the update started from) and at most DELTA_MAX ``changes`` since
        its base, only those are written; else a new base. A crash between a commit and this write
        leaves files for an older generation, which :meth:`load` ignores.
        """
        if saved is not None:
            merged = {**saved.changes, **changes}
            if len(merged) <= DELTA_MAX:
                delta = json.dumps({"format": SIGNATURES_FORMAT, "token": saved.token, "generation": generation,
                                    "files": sizes, "changes": merged})
                if self._write(SIGNATURES_DELTA, delta.encode("utf-8")):
                    return SavedSignatures(signatures, saved.token, merged)
                return None
        with contextlib.suppress(OSError):  # tidiness only: a delta names the token of its base
            self.forget(base=False)
        token = os.urandom(8).hex()
        plain = {k: v for k, v in signatures.items() if "\n" not in k and "\n" not in v}
        odd = {k: v for k, v in signatures.items() if k not in plain} if len(plain) < len(signatures) else {}
        # The ids, and the signatures in the same order, as two newline-joined strings: a join and
        # a split, which JSON encodes as one string each, are several times faster both ways than a
        # JSON object of 100,000 entries. Entries with a newline are kept apart as such an object.
        data = json.dumps({"format": SIGNATURES_FORMAT, "token": token, "generation": generation, "files": sizes,
                           "odd": odd, "ids": "\n".join(plain), "signatures": "\n".join(plain.values())})
        if self._write(SIGNATURES, data.encode("utf-8")):
            return SavedSignatures(signatures, token, {})
        return None

    def forget(self, base: bool = True) -> None:
        """Delete the delta, and the base too unless ``base`` is False; OSError other than a missing file."""
        names = (SIGNATURES_DELTA, SIGNATURES) if base else (SIGNATURES_DELTA,)
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()

    def file_sizes(self) -> dict[str, int]:
        """The size of each index file: with the generation, what tells a commit happened."""
        return {f.name: f.stat().st_size for f in self.folder.iterdir()
                if f.is_file() and not f.name.startswith(self._skip)}

    def temporary_files(self) -> list[Path]:
        """Temporary files a killed update may have left."""
        return leftover_temporaries(self.folder / SIGNATURE_FILES, "*")

    def _read_base(self) -> tuple[str, int, dict[str, int], dict[str, str]] | None:
        raw = json.loads((self.folder / SIGNATURES).read_bytes())
        ids, sigs, odd = raw["ids"], raw["signatures"], raw["odd"]
        if (raw["format"] != SIGNATURES_FORMAT or not isinstance(ids, str) or not isinstance(sigs, str)
                or not isinstance(odd, dict) or not isinstance(raw["files"], dict)):
            return None  # written by another version
        # strict: a different number of ids and signatures raises ValueError, read as "no file"
        signatures = dict(zip(ids.split("\n"), sigs.split("\n"), strict=True)) if ids or sigs else {}
        signatures.update({str(k): str(v) for k, v in odd.items()})
        return str(raw["token"]), raw["generation"], raw["files"], signatures

    def _read_delta(self) -> tuple[str, int, dict[str, int], dict[str, str | None]] | None:
        try:
            raw = json.loads((self.folder / SIGNATURES_DELTA).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        changes = raw["changes"]
        if raw["format"] != SIGNATURES_FORMAT or not isinstance(changes, dict) or not all(
                isinstance(v, str | None) for v in changes.values()):
            return None
        return str(raw["token"]), raw["generation"], raw["files"], changes

    def _write(self, name: str, data: bytes) -> bool:
        try:
            # Not durable: the signatures are only a speed-up, checked when read, and two syncs
            # per update would cost more than they save.
            atomic_write(self.folder / name, data, durable=False)
            return True
        except OSError as e:  # only a speed-up: the next update reads the stored fields instead
            log.info("could not save the signatures in %s: %s", self.folder, e)
            return False
