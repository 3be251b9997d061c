"""A corpus's optional ``manifest.jsonl``: one JSON object per article (its file, title, date...).

Bad lines become problems and are skipped; records naming files that are not there are dropped
with a warning. Parsed in chunks with the garbage collector paused: 100,000 records load without
freezing the window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Collection
from pathlib import Path

from gdexplorer.corpus.containers import split_member
from gdexplorer.corpus.scanning import decode, gc_paused, read_regular, walk_txt
from gdexplorer.errors import CorpusError, Problem, Severity

MANIFEST = "manifest.jsonl"
MANIFEST_CHUNK = 2000  # manifest lines per json.loads call
# A manifest of 100,000 articles is about 30 MB, of 1,000,000 about 320 MB (the 1M benchmark's, whose
# dates were all dropped under the former 256 MB cap); past 1 GiB it is something else (a link to
# /dev/zero, a dump) and reading it would take the memory of the machine.
MAX_MANIFEST_BYTES = 1024 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
# A JSON escape of half a surrogate pair without its other half.
_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_UNPARSED = object()


def read_manifest(root: Path, digests: dict[str, str] | None = None) -> tuple[dict[str, dict[str, object]],
                                                                             list[Problem]]:
    """Parse ``manifest.jsonl``; bad lines become problems and are skipped.

    ``digests``, if given, receives a short hash of each record's line, by article id.
    """
    # 100,000 records are a million new objects; the collections they would set off walk every
    # object of the process, up to 100 ms each holding the GIL (the window froze). None is cyclic.
    with gc_paused():
        return _read_manifest(root, digests)


def _read_manifest(root: Path, digests: dict[str, str] | None) -> tuple[dict[str, dict[str, object]],
                                                                       list[Problem]]:
    path = root / MANIFEST
    records: dict[str, dict[str, object]] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return records, [Problem(MANIFEST, 0, 0, f"larger than {MAX_MANIFEST_BYTES >> 20} MB; the manifest is "
                                                     "ignored")]
        data = read_regular(path, MAX_MANIFEST_BYTES + 1)  # bounded again: the file may grow meanwhile
    except FileNotFoundError:
        return records, problems
    except OSError as e:
        return records, [Problem(MANIFEST, 0, 0, f"cannot read: {e.strerror or e}; the manifest is ignored")]
    if len(data) > MAX_MANIFEST_BYTES:
        return records, [Problem(MANIFEST, 0, 0, f"larger than {MAX_MANIFEST_BYTES >> 20} MB; the manifest is "
                                                 "ignored")]
    text, bad = decode(data)
    if bad is not None:
        problems.append(Problem(MANIFEST, bad[0], bad[1], "not valid UTF-8", Severity.WARNING))
    # Line by line rather than str.splitlines(): that one call on a 30 MB manifest holds the GIL for
    # ~40 ms, which the window's UI thread waits out; JSON Lines also ends lines only at "\n".
    numbered = [(n, line.rstrip("\n")) for n, line in enumerate(io.StringIO(text, newline=None), start=1)
                if line.strip()]
    parsed: list[object] = []
    for start in range(0, len(numbered), MANIFEST_CHUNK):
        # A few thousand lines parsed as one JSON array is several times faster than one call per
        # line, and short enough not to hold the GIL for long (the window's UI thread waits for it).
        # A bad line makes its chunk fail; then each of its lines is parsed alone to say which.
        chunk = numbered[start : start + MANIFEST_CHUNK]
        try:
            values = json.loads("[" + ",".join(line for _, line in chunk) + "]")
        except (json.JSONDecodeError, RecursionError):
            values = None
        if values is None or len(values) != len(chunk):  # "1, 2" on a line: not one record each
            values = [_UNPARSED] * len(chunk)
        parsed.extend(values)
    for index, (number, line) in enumerate(numbered):
        try:
            record = parsed[index] if parsed[index] is not _UNPARSED else json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(MANIFEST, number, e.colno, f"not JSON: {e.msg}"))
            continue
        lone = _LONE_SURROGATE.search(line) if "\\u" in line else None
        if lone is not None:
            # json.loads takes "\\ud800" alone, but no UTF-8 output or index can take the result.
            problems.append(Problem(MANIFEST, number, lone.start() + 1,
                                    f"{lone.group()} is half of a UTF-16 surrogate pair, not a character; "
                                    "replaced with \ufffd", Severity.WARNING))
            record = json.loads(_LONE_SURROGATE.sub(r"\\ufffd", line))
        if not isinstance(record, dict) or not isinstance(record.get("file"), str):
            problems.append(Problem(MANIFEST, number, 1, 'each line must be an object with a "file" key'))
            continue
        file = _manifest_file(record["file"])
        if file is None:
            problems.append(Problem(MANIFEST, number, 1, f"names a file outside the corpus folder: {record['file']}"))
            continue
        date = record.get("date")
        if date is not None and date != "" and parse_date(str(date)) is None:
            problems.append(Problem(MANIFEST, number, 1, f"not a date (years 1 to 9999): {date}; the article is "
                                                         "undated", Severity.WARNING))
            record["date"] = None
        records[file] = record
        lines[file] = number
        if digests is not None:
            digests[file] = hashlib.sha1(line.strip().encode("utf-8", "surrogatepass")).hexdigest()[:8]
    # Records naming missing files: found with one walk of the folders, not a stat per line.
    try:
        present: Collection[str] = walk_txt(root, set(), [], root, stat=False, documents=True) if records else {}
    except CorpusError:  # the folder went away meanwhile: that is for the scan to say
        present = records.keys()
    for file in [f for f in records if f not in present and (split_member(f) or ("",))[0] not in present]:
        problems.append(Problem(MANIFEST, lines[file], 1, f"names a missing file: {records[file]['file']}",
                                Severity.WARNING))
        del records[file]
        if digests is not None:
            digests.pop(file, None)
    problems.sort(key=lambda p: p.line)
    return records, problems


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
