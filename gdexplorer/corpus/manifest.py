"""A corpus's optional ``manifest.jsonl``: one JSON object per article (its file, title, date...).

Bad lines become problems and are skipped; records naming files that are not there are dropped
with a warning. Parsed in chunks with the garbage collector paused: 100,000 records load without
freezing the window. Kept as the file's bytes with a span per article, each record parsed again
when asked for: at a million articles that is 0.9 GB at the peak of reading, where the parsed
records took 2.7 GB and kept it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from gdexplorer.corpus.containers import split_member
from gdexplorer.corpus.scanning import gc_paused, read_regular, walk_txt
from gdexplorer.errors import CorpusError, Problem, Severity

MANIFEST = "manifest.jsonl"
MANIFEST_CHUNK = 2000  # manifest lines per json.loads call
# A manifest of 100,000 articles is about 30 MB, of 1,000,000 about 320 MB (the 1M benchmark's, whose
# dates were all dropped under the former 256 MB cap); past 1 GiB it is something else (a link to
# /dev/zero, a dump) and reading it would take the memory of the machine. Spans pack two offsets
# below 2**32 in one integer.
MAX_MANIFEST_BYTES = 1024 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
# A JSON escape of half a surrogate pair without its other half.
_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_UNPARSED = object()


class Manifest(Mapping[str, dict[str, object]]):
    """The manifest's records by article id, each parsed again from its line when asked for.

    Held as the file's bytes and a span per article rather than as parsed records: at a million
    articles, the records took 2.9 GB (a dict and its strings each); the bytes and spans a fifth of
    that. An article's record is wanted once per read; only an index update wants them all.
    """

    _serials = itertools.count(1)

    def __init__(self, data: bytes = b"", spans: dict[str, int] | None = None,
                 undated: frozenset[str] = frozenset(), surrogates: frozenset[str] = frozenset()) -> None:
        self._data = data
        self._spans = spans or {}  # article id -> start << 32 | end, in bytes
        self._undated = undated  # dates that are none: read as null
        self._surrogates = surrogates  # half surrogate pairs: read as U+FFFD
        # Which reading of the manifest this is: a signature input that compares in O(1), where
        # comparing the records (or their digests) would parse a million lines on every update.
        self.serial = next(Manifest._serials)

    def _line(self, article_id: str) -> str:
        return _line_at(self._data, self._spans[article_id])

    def __getitem__(self, article_id: str) -> dict[str, object]:
        line = self._line(article_id)
        if article_id in self._surrogates:
            line = _LONE_SURROGATE.sub(r"\\ufffd", line)
        record = json.loads(line)
        if article_id in self._undated:
            record["date"] = None
        return record  # an object: checked when read

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def digest(self, article_id: str) -> str:
        """A short hash of the article's line ("" without one): part of its index signature."""
        if article_id not in self._spans:
            return ""
        return hashlib.sha1(self._line(article_id).strip().encode("utf-8", "surrogatepass")).hexdigest()[:8]

    @property
    def digests(self) -> ManifestDigests:
        return ManifestDigests(self)


class ManifestDigests(Mapping[str, str]):
    """``Manifest.digest`` of every article with a line, computed when asked for."""

    def __init__(self, manifest: Manifest) -> None:
        self._manifest = manifest

    def __getitem__(self, article_id: str) -> str:
        if article_id not in self._manifest:
            raise KeyError(article_id)
        return self._manifest.digest(article_id)

    def get(self, article_id: str, default: str = "") -> str:  # type: ignore[override]  # the one call per article
        return self._manifest.digest(article_id) or default  # a line's digest is never ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._manifest)

    def __len__(self) -> int:
        return len(self._manifest)


def read_manifest(root: Path, scanned: Collection[str] | None = None,
                  closing: threading.Event | None = None) -> tuple[Manifest, list[Problem]]:
    """Parse ``manifest.jsonl``; bad lines become problems and are skipped.

    ``closing``, once set, ends the parse at the next chunk with a ``CorpusError``: a window closed
    while a million lines were being read (10 s) waited for them before its process could end.

    ``scanned``: the files a scan of the corpus has just found (ids, containers rather than their
    members). A record naming another file is then checked with a stat of its own, rather than
    by walking every folder of the corpus again (2.2 s at a million articles, after a scan that
    has just listed them).
    """
    # 100,000 records are a million new objects; the collections they would set off walk every
    # object of the process, up to 100 ms each holding the GIL (the window froze). None is cyclic.
    with gc_paused():
        return _read_manifest(root, scanned, closing)


def _read_manifest(root: Path, scanned: Collection[str] | None,
                   closing: threading.Event | None) -> tuple[Manifest, list[Problem]]:
    path = root / MANIFEST
    problems: list[Problem] = []
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return Manifest(), [Problem(MANIFEST, 0, 0, f"larger than {MAX_MANIFEST_BYTES >> 20} MB; the manifest "
                                                        "is ignored")]
        data = read_regular(path, MAX_MANIFEST_BYTES + 1)  # bounded again: the file may grow meanwhile
    except FileNotFoundError:
        return Manifest(), problems
    except OSError as e:
        return Manifest(), [Problem(MANIFEST, 0, 0, f"cannot read: {e.strerror or e}; the manifest is ignored")]
    if len(data) > MAX_MANIFEST_BYTES:
        return Manifest(), [Problem(MANIFEST, 0, 0, f"larger than {MAX_MANIFEST_BYTES >> 20} MB; the manifest is "
                                                    "ignored")]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    spans: dict[str, int] = {}
    lines: dict[str, int] = {}
    undated: set[str] = set()
    surrogates: set[str] = set()
    bad_bytes: tuple[int, int] | None = None
    number = 0
    offset = 0
    size = len(data)
    while offset < size:
        if closing is not None and closing.is_set():
            raise CorpusError(MANIFEST, "not read: the corpus is being closed")
        # A few thousand lines parsed as one JSON array is several times faster than one call per
        # line, and short enough not to hold the GIL for long (the window's UI thread waits for it).
        # Only a chunk's lines exist as objects at once, never the whole file's.
        end = offset
        for _ in range(MANIFEST_CHUNK):
            end = data.find(b"\n", end) + 1 or size
            if end == size:
                break
        numbered: list[tuple[int, int, int, str]] = []  # line number, start, end, text
        piece = data[offset:end]
        raws = piece.split(b"\n")  # for the byte offsets
        try:
            # One decoding a chunk, not one a line; "\n" is one byte in UTF-8, so the lines pair up.
            texts: list[str] | None = piece.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            texts = None
        if piece.endswith(b"\n"):
            raws.pop()  # what follows the chunk's last newline is the next chunk's
        for k, raw in enumerate(raws):
            number += 1
            start, offset = offset, offset + len(raw) + 1
            if texts is not None:
                line = texts[k]
            else:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    if bad_bytes is None:
                        bad_bytes = (number, e.start + 1)
                    line = raw.decode("utf-8", "replace")
            if line.strip():
                numbered.append((number, start, start + len(raw), line))
        offset = end
        try:
            values = json.loads("[" + ",".join(n[3] for n in numbered) + "]")
        except (json.JSONDecodeError, RecursionError):
            values = None
        if values is None or len(values) != len(numbered):  # "1, 2" on a line: not one record each
            values = [_UNPARSED] * len(numbered)
        for (number_, start, stop, line), record in zip(numbered, values, strict=True):
            file = _checked(record, number_, line, problems, undated, surrogates)
            if file is not None:
                spans[file] = start << 32 | stop
                lines[file] = number_
    if bad_bytes is not None:
        problems.append(Problem(MANIFEST, bad_bytes[0], bad_bytes[1], "not valid UTF-8", Severity.WARNING))
    # Records naming missing files: found with one walk of the folders (not a stat per line), or
    # from the scan just made when it lists every file named. Where it does not (a file made
    # since, or one the scan does not read: another folder, another format), the walk decides.
    unlisted = _unlisted(spans, scanned) if scanned is not None else None
    if unlisted is None or unlisted:
        try:
            unlisted = _unlisted(spans, walk_txt(root, set(), [], root, stat=False, documents=True) if spans else {})
        except CorpusError:  # the folder went away meanwhile: that is for the scan to say
            unlisted = []
    for file in unlisted:
        problems.append(Problem(MANIFEST, lines[file], 1, f"names a missing file: {_file_text(data, spans[file])}",
                                Severity.WARNING))
        del spans[file]
    problems.sort(key=lambda p: p.line)
    return Manifest(data, spans, frozenset(undated & spans.keys()), frozenset(surrogates & spans.keys())), problems


def _checked(record: object, number: int, line: str, problems: list[Problem], undated: set[str],
             surrogates: set[str]) -> str | None:
    """The article id of one parsed line; None, with a problem, when the line is no usable record."""
    try:
        if record is _UNPARSED:
            record = json.loads(line)
    except json.JSONDecodeError as e:
        problems.append(Problem(MANIFEST, number, e.colno, f"not JSON: {e.msg}"))
        return None
    lone = _LONE_SURROGATE.search(line) if "\\u" in line else None
    if lone is not None:
        # json.loads takes "\\ud800" alone, but no UTF-8 output or index can take the result.
        problems.append(Problem(MANIFEST, number, lone.start() + 1,
                                f"{lone.group()} is half of a UTF-16 surrogate pair, not a character; "
                                "replaced with \ufffd", Severity.WARNING))
        record = json.loads(_LONE_SURROGATE.sub(r"\\ufffd", line))
    if not isinstance(record, dict) or not isinstance(record.get("file"), str):
        problems.append(Problem(MANIFEST, number, 1, 'each line must be an object with a "file" key'))
        return None
    file = _manifest_file(record["file"])
    if file is None:
        problems.append(Problem(MANIFEST, number, 1, f"names a file outside the corpus folder: {record['file']}"))
        return None
    if lone is not None:
        surrogates.add(file)
    else:
        surrogates.discard(file)  # a later line for the same file wins, as a later record did
    date = record.get("date")
    if date is not None and date != "" and parse_date(str(date)) is None:
        problems.append(Problem(MANIFEST, number, 1, f"not a date (years 1 to 9999): {date}; the article is "
                                                     "undated", Severity.WARNING))
        undated.add(file)
    else:
        undated.discard(file)
    return file


def _unlisted(spans: Mapping[str, int], present: Collection[str]) -> list[str]:
    """The files named in the manifest that are not in ``present`` (nor is their container)."""
    return [f for f in spans if f not in present and (split_member(f) or ("",))[0] not in present]


def _line_at(data: bytes, span: int) -> str:
    """The line a span (``start << 32 | end``, in bytes) marks in the manifest's bytes."""
    return data[span >> 32 : span & 0xFFFFFFFF].decode("utf-8", "replace")


def _file_text(data: bytes, span: int) -> str:
    """The ``file`` of a line kept (so it parses)."""
    return str(json.loads(_line_at(data, span))["file"])


def _manifest_file(text: str) -> str | None:
    """A manifest ``file`` as an article id; None when it would leave the corpus folder."""
    file = text.replace("\\", "/")
    while file.startswith("./"):
        file = file[2:]
    if file.startswith("/") or _DRIVE.match(file) or ".." in file.split("/"):
        return None
    return file


def parse_date(text: str | None) -> dt.datetime | None:
    """A manifest date as a naive UTC datetime; None when it is no date (or out of years 1-9999)."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.strptime(value[:10], "%Y-%m-%d")
        except ValueError:
            return None
    # Whoosh compares naive datetimes; keep the wall-clock time in UTC.
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00:00+05:00, a zero date some scrapers write
            return None
    return parsed
