"""Documents inside other files: members of ``.zip`` archives, messages of ``.mbox`` files, and
attachments of e-mail messages, each read in place (nothing is unpacked to disk).

Their article ids say where they are, readable and stable while the container is unchanged:
``press.zip/2019/page.html`` for an archive member, ``box.mbox#3`` for the third message of a
mailbox, ``mail.eml#report.pdf`` and ``box.mbox#3#report.pdf`` for attachments.
"""

from __future__ import annotations

import mailbox
import os
import re
import zipfile
from email.message import EmailMessage
from pathlib import Path

from gdexplorer.corpus.documents import attachments, extract, format_of, message_document, parse_message
from gdexplorer.corpus.extracted import MAX_DOCUMENT_BYTES, Extracted, ExtractionError
from gdexplorer.corpus.zipdocs import open_zip, read_member

CONTAINERS = (".zip", ".mbox")
# Where a member id leaves its container's file name: "a.zip/x", "b.mbox#2", "c.eml#file.pdf".
_MEMBER = re.compile(r"(?i)(\.zip/|\.mbox#|\.eml#)")
MAX_MEMBERS = 20000
MAX_MBOX_BYTES = 2 * 1024 * 1024 * 1024


def wanted(name: str) -> bool:
    """A member or attachment name gdexplorer reads as a document."""
    return format_of(name) is not None or name.lower().endswith(".txt")


def is_container(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(CONTAINERS)


def split_member(article_id: str) -> tuple[str, str] | None:
    """(the container file's id, the member) for a member id; None for a plain file."""
    match = _MEMBER.search(article_id)
    if match is None:
        return None
    cut = match.start() + len(match.group(1)) - 1
    return article_id[:cut], article_id[cut + 1 :]


def list_members(path: Path, name: str, data: bytes | None = None) -> list[str]:
    """The member ids (without the container's id) of the documents in a container file.

    Raises ``ExtractionError`` for a container that cannot be listed.
    """
    lowered = name.lower()
    if lowered.endswith(".zip"):
        try:
            zf = open_zip(data) if data is not None else _open_zip_file(path)
        except OSError as e:
            raise ExtractionError(f"cannot read: {e.strerror or e}") from e
        with zf:
            names = [info.filename for info in zf.infolist()
                     if not info.is_dir() and wanted(info.filename)
                     and not any(part.startswith(".") or part == "__MACOSX" for part in info.filename.split("/"))]
        return names[:MAX_MEMBERS]
    if lowered.endswith(".mbox"):
        out: list[str] = []
        for number, message in enumerate(_mbox_messages(path), start=1):
            out.append(str(number))
            out.extend(f"{number}#{filename}" for filename, _ in attachments(message))
        return out[:MAX_MEMBERS]
    if lowered.endswith(".eml"):
        raw = data if data is not None else _read(path)
        return [filename for filename, _ in attachments(parse_message(raw))]
    return []


def read_member_document(path: Path, container: str, member: str) -> Extracted:
    """Extract one member of a container file; raises ``ExtractionError``."""
    lowered = container.lower()
    if lowered.endswith(".zip"):
        try:
            with _open_zip_file(path) as zf:
                declared = zf.getinfo(member).file_size
                if declared > MAX_DOCUMENT_BYTES:  # refused by what it says before what it really is
                    raise ExtractionError(f"{member} expands to {declared >> 20} MB (more than "
                                          f"{MAX_DOCUMENT_BYTES >> 20} MB): refused as a possible zip bomb")
                data = read_member(zf, member)
        except KeyError as e:
            raise ExtractionError(f"no {member} in this archive (it changed?)") from e
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as e:
            raise ExtractionError(f"cannot read {member} from the archive: {e}") from e
        if is_container(member):
            raise ExtractionError("an archive inside an archive is not read")
        return extract(member, data)
    if lowered.endswith(".mbox"):
        number, _, filename = member.partition("#")
        if not number.isdigit():
            raise ExtractionError(f"no message {member} in this mailbox")
        for index, message in enumerate(_mbox_messages(path), start=1):
            if index == int(number):
                return _message_part(message, filename, f"message {number}")
        raise ExtractionError(f"no message {number} in this mailbox (it changed?)")
    if lowered.endswith(".eml"):
        return _message_part(parse_message(_read(path)), member, "the message")
    raise ExtractionError("not a container")


def _message_part(message: EmailMessage, filename: str, where: str) -> Extracted:
    if not filename:
        return message_document(message)
    for name, data in attachments(message):
        if name == filename:
            return extract(name, data)
    raise ExtractionError(f"no attachment {filename} in {where}")


def _read(path: Path) -> bytes:
    from gdexplorer.corpus.scanning import read_regular

    try:
        data = read_regular(path, MAX_DOCUMENT_BYTES + 1)
    except OSError as e:
        raise ExtractionError(f"cannot read: {e.strerror or e}") from e
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ExtractionError(f"larger than {MAX_DOCUMENT_BYTES >> 20} MB; not indexed")
    return data


def _open_zip_file(path: Path) -> zipfile.ZipFile:
    from gdexplorer.corpus.scanning import read_regular

    read_regular(path, 0)  # refuses FIFOs and devices before zipfile opens them
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"damaged zip archive: {e}") from e
    declared = sum(info.file_size for info in zf.infolist())
    from gdexplorer.corpus.extracted import MAX_EXPANDED_BYTES

    if declared > MAX_EXPANDED_BYTES * 16:
        zf.close()
        raise ExtractionError(f"expands to {declared >> 20} MB: refused as a possible zip bomb")
    return zf


def _mbox_messages(path: Path) -> list[EmailMessage]:
    from gdexplorer.corpus.scanning import read_regular

    try:
        read_regular(path, 0)
        st = path.stat()
        if st.st_size > MAX_MBOX_BYTES:
            raise ExtractionError(f"larger than {MAX_MBOX_BYTES >> 30} GB; not indexed")
        key = (os.fspath(path), st.st_mtime_ns, st.st_size, st.st_ino)
        held = _last_mbox[0] if _last_mbox else None
        if held is not None and held[0] == key:
            return held[1]
        box = mailbox.mbox(os.fspath(path), create=False)
        try:
            messages = [parse_message(box.get_bytes(k)) for k in box.iterkeys()]
        finally:
            box.close()
    except OSError as e:
        raise ExtractionError(f"cannot read: {e.strerror or e}") from e
    # An index update reads a mailbox's messages one after the other: parsing the whole file again
    # for each would be quadratic. One mailbox is kept, replaced as a whole (no lock needed).
    _last_mbox[:] = [(key, messages)]
    return messages


# ((path, mtime, size, inode), messages) of the last mailbox parsed, replaced in one assignment.
_last_mbox: list[tuple[tuple[str, int, int, int], list[EmailMessage]]] = []

