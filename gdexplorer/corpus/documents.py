"""Text and news metadata out of the documents a user saved: web pages, PDF, Word, ODT, EPUB, RTF,
Markdown, plain text in any encoding, and e-mail.

One entry point, ``extract(name, data)``, turns a file's bytes into an ``Extracted``: the headline,
the body text, and what the document says about itself (date, byline, site, canonical URL,
language). What a file really is comes from its bytes first and its extension second, so a PDF
saved as ``.html`` is still read as a PDF. Anything that stops a document from being read is an
``ExtractionError`` with the page or line where there is one; the caller makes it one problem line.

Nothing here touches the network: trafilatura is only given bytes (never a URL to fetch) and
images are not followed; ``tests/core/test_documents.py`` fails any socket opened meanwhile.
The libraries are imported where they are first needed: a corpus of ``.txt`` files never loads them.
"""

from __future__ import annotations

import email
import email.policy
import functools
import io
import logging
import re
import zipfile
from dataclasses import asdict
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from gdexplorer.corpus.extracted import (
    MAX_DOCUMENT_BYTES,
    MAX_HTML_BYTES,
    Extracted,
    ExtractionError,
    clean,
    first_line,
    iso_date,
    reason,
    tidy,
)
from gdexplorer.corpus.zipdocs import read_docx, read_epub, read_odt

log = logging.getLogger(__name__)

# Extension -> format name (what the "Type" facet shows). ``.txt`` is the corpus's own format
# (headline on line 1) and stays with gdexplorer.corpus.reading.
FORMATS: dict[str, str] = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html", ".mhtml": "html", ".mht": "html",
    ".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".epub": "epub", ".rtf": "rtf",
    ".md": "markdown", ".markdown": "markdown", ".text": "text", ".eml": "email",
}


def format_of(name: str) -> str | None:
    """The format a file name says it has; None for files that are not documents."""
    dot = name.rfind(".")
    return FORMATS.get(name[dot:].lower()) if dot > 0 else None


def sniff(data: bytes) -> str | None:
    """What the bytes are, whatever the name says; None when they do not tell."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "mimetype" in names:
                    kind = zf.read("mimetype")[:100]
                    if b"epub" in kind:
                        return "epub"
                    if b"opendocument.text" in kind:
                        return "odt"
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
            return "zip"
        return "zip"
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered:
        return "html"
    if lowered.startswith(b"mime-version:") and b"multipart/related" in data[:4096].lower():
        return "mhtml"
    if data[:5] in (b"\x7fELF\x02", b"\x7fELF\x01") or data[:4] in (b"\x89PNG", b"GIF8") or data[:3] == b"\xff\xd8\xff":
        return "binary"
    return None


def extract(name: str, data: bytes) -> Extracted:
    """Read one document's bytes; raises ``ExtractionError`` when there is nothing to index."""
    said = format_of(name) or "text"
    if len(data) > MAX_DOCUMENT_BYTES or (said == "html" and len(data) > MAX_HTML_BYTES):
        limit = MAX_HTML_BYTES if said == "html" else MAX_DOCUMENT_BYTES
        raise ExtractionError(f"larger than {limit >> 20} MB; not indexed")
    seen = sniff(data)
    kind = said
    warnings: list[tuple[int, str]] = []
    if seen == "mhtml" and said == "html":
        kind = "mhtml"
    elif seen in ("pdf", "rtf", "docx", "odt", "epub") and seen != said:
        warnings.append((0, f"not a {said.upper()} file but {seen.upper()}; read as {seen.upper()}"))
        kind = seen
    elif seen == "html" and said in ("pdf", "rtf", "docx", "odt", "epub"):
        warnings.append((0, f"not a {said.upper()} file but HTML; read as HTML"))
        kind = "html"
    elif seen != said and said in ("pdf", "rtf", "docx", "odt", "epub"):
        raise ExtractionError(f"not a {said.upper()} file (damaged, or another kind of file with this extension)")
    elif seen in ("binary", "zip"):
        what = "a zip archive" if seen == "zip" else "binary data"
        raise ExtractionError(f"not a {said.upper()} file (its bytes are {what})")
    reader = _READERS[kind]
    try:
        found = reader(name, data)
    except ExtractionError:
        raise
    except (MemoryError, RecursionError) as e:
        raise ExtractionError(f"too large or too deeply nested to read ({type(e).__name__})") from e
    except Exception as e:
        log.debug("cannot read %s", name, exc_info=True)
        raise ExtractionError(f"cannot read this {kind.upper()} file: {reason(e)}") from e
    if warnings:
        found = _replace(found, warnings=tuple(warnings) + found.warnings)
    if not found.body.strip():
        raise ExtractionError(f"no text found in this {found.format.upper()} file")
    return found


def _replace(found: Extracted, **changes: Any) -> Extracted:
    values = asdict(found)
    values.update(changes)
    values["pages"] = tuple(values["pages"])
    values["warnings"] = tuple(tuple(w) for w in values["warnings"])
    return Extracted(**values)


# -- plain text -----------------------------------------------------------------------------


def decode_any(data: bytes) -> str:
    """Text in whatever common encoding it was saved in (UTF-8 first: it is almost always that)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1 << 20]).best()
    encoding = best.encoding if best is not None else "cp1252"
    return data.decode(encoding, errors="replace")


def _text(name: str, data: bytes) -> Extracted:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("binary data, not text (it has NUL bytes)")
    body = tidy(decode_any(data))
    return Extracted("text", first_line(body), body)


_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MD_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def _markdown(name: str, data: bytes) -> Extracted:
    text = tidy(decode_any(data))
    meta: dict[str, str] = {}
    front = _MD_FRONT.match(text + "\n")
    if front:
        for line in front.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end():].lstrip("\n")
    heading = _MD_HEADING.search(text)
    title = meta.get("title") or (heading.group(1) if heading else first_line(text))
    return Extracted("markdown", title, text, date=iso_date(meta.get("date")),
                     byline=meta.get("author"), url=meta.get("url"))


# -- web pages ------------------------------------------------------------------------------


def _html(name: str, data: bytes) -> Extracted:
    return _html_text(data, "html")


def _html_text(data: bytes | str, fmt: str) -> Extracted:
    from trafilatura import bare_extraction

    doc = bare_extraction(data, with_metadata=True, include_comments=False, include_images=False,
                          include_links=False, include_tables=True, config=_trafilatura_config())
    if doc is None:
        raise ExtractionError("no article text found in this page")
    body = tidy(getattr(doc, "text", None) or "")
    title = clean(getattr(doc, "title", None)) or first_line(body)
    return Extracted(fmt, title, body, date=iso_date(getattr(doc, "date", None)),
                     byline=clean(getattr(doc, "author", None)), site=clean(getattr(doc, "sitename", None)),
                     url=clean(getattr(doc, "url", None)), language=clean(getattr(doc, "language", None)))


@functools.cache
def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()  # parses an ini file: once, not per page
    # No time limit from signals: extraction runs off the main thread, where signal.alarm cannot.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _mhtml(name: str, data: bytes) -> Extracted:
    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found = _html_text(payload, "mhtml")
                url = found.url or clean(str(message.get("Snapshot-Content-Location") or "")) \
                    or clean(str(part.get("Content-Location") or ""))
                return _replace(found, url=url)
    raise ExtractionError("no HTML page inside this MHTML file")


# -- PDF ------------------------------------------------------------------------------------


def _pdf(name: str, data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as e:
                raise ExtractionError(f"encrypted PDF ({reason(e)}); cannot be read without its password") from e
            if not opened:
                raise ExtractionError("encrypted PDF; cannot be read without its password")
        pages: list[int] = []
        parts: list[str] = []
        warnings: list[tuple[int, str]] = []
        offset = 0
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = tidy(page.extract_text() or "")
            except Exception as e:
                warnings.append((number, f"page {number}: cannot read its text ({reason(e)})"))
                text = ""
            pages.append(offset)
            parts.append(text)
            offset += len(text) + 2
        meta: Any = reader.metadata or {}
    except PdfReadError as e:
        raise ExtractionError(f"damaged PDF: {reason(e)}") from e
    body = "\n\n".join(parts)
    if not body.strip():
        raise ExtractionError(f"no text layer in this PDF ({len(pages)} page{'s' if len(pages) != 1 else ''}: "
                              "scanned or image-only); nothing to index")
    title = clean(str(meta.get("/Title") or "")) or first_line(body)
    return Extracted("pdf", title, body, date=iso_date(str(meta.get("/CreationDate") or "")),
                     byline=clean(str(meta.get("/Author") or "")), pages=tuple(pages), warnings=tuple(warnings))


# -- RTF ------------------------------------------------------------------------------------


def _rtf(name: str, data: bytes) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    text = data.decode("latin-1")  # RTF is 7-bit; \'xx escapes carry the rest
    body = tidy(rtf_to_text(text, errors="replace"))
    title = None
    match = re.search(r"\{\\info.*?\{\\title\s+([^}]*)\}", text, re.DOTALL)
    if match:
        title = clean(rtf_to_text(match.group(1)))
    author = re.search(r"\{\\author\s+([^}]*)\}", text)
    return Extracted("rtf", title or first_line(body), body,
                     byline=clean(rtf_to_text(author.group(1))) if author else None)


# -- e-mail ---------------------------------------------------------------------------------


def message_text(message: EmailMessage) -> str:
    """A message's own text: its plain part, else its HTML part's text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset
        payload = part.get_payload(decode=True)
        content = decode_any(payload) if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        from trafilatura import extract as html_to_text

        return tidy(html_to_text(content, include_comments=False) or "")
    return tidy(str(content))


def message_document(message: EmailMessage) -> Extracted:
    body = message_text(message)
    subject = clean(str(message.get("Subject") or "")) or first_line(body) or "(no subject)"
    sender = message.get("From")
    name, address = parseaddr(str(sender or ""))
    byline = clean(name) or clean(address)
    date = iso_date(str(message.get("Date") or ""))
    site = address.rpartition("@")[2] or None if address else None
    return Extracted("email", subject, body or subject, date=date, byline=byline, site=site)


def attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    """The attachments of a message that are documents gdexplorer reads, as (file name, bytes)."""
    found: list[tuple[str, bytes]] = []
    for part in message.iter_attachments():
        filename = part.get_filename()
        if not filename or (format_of(filename) is None and not filename.lower().endswith(".txt")):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append((filename.replace("/", "_"), payload))
    return found


def parse_message(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _eml(name: str, data: bytes) -> Extracted:
    return message_document(parse_message(data))


_READERS = {
    "text": _text, "markdown": _markdown, "html": _html, "mhtml": _mhtml, "pdf": _pdf, "docx": read_docx,
    "odt": read_odt, "epub": read_epub, "rtf": _rtf, "email": _eml,
}
