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

import datetime as dt
import email
import email.policy
import functools
import io
import json
import logging
import re
import zipfile
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

log = logging.getLogger(__name__)

# Extension -> format name (what the "Type" facet shows). ``.txt`` is the corpus's own format
# (headline on line 1) and stays with gdexplorer.corpus.reading.
FORMATS: dict[str, str] = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html", ".mhtml": "html", ".mht": "html",
    ".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".epub": "epub", ".rtf": "rtf",
    ".md": "markdown", ".markdown": "markdown", ".text": "text", ".eml": "email",
}
# Past these, a file is refused rather than read: a 200 MB "page" is a dump, not an article, and
# parsing it would take the memory of the machine.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_HTML_BYTES = 16 * 1024 * 1024
# A zip-based document (DOCX, ODT, EPUB) expands to at most this: refused by declared size and
# again by what was actually read (a bomb can lie in its directory).
MAX_EXPANDED_BYTES = 256 * 1024 * 1024
_HEADLINE_MAX = 300


class ExtractionError(Exception):
    """A document that cannot be read; ``page``/``line`` say where when there is a where."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Extracted:
    """What one document says: the text to index and show, and its own metadata."""

    format: str
    title: str
    body: str
    date: str | None = None  # ISO 8601
    byline: str | None = None
    site: str | None = None
    url: str | None = None
    language: str | None = None
    # Where each page starts in ``body`` (PDF): a hit's offset tells its page.
    pages: tuple[int, ...] = ()
    warnings: tuple[tuple[int, str], ...] = field(default=())  # (page or line, message)

    def page_of(self, offset: int) -> int:
        """The 1-based page of a body offset (1 when the document has no pages)."""
        page = 1
        for number, start in enumerate(self.pages, start=1):
            if start <= offset:
                page = number
        return page

    def dump(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def load(cls, text: str) -> Extracted:
        raw = json.loads(text)
        raw["pages"] = tuple(raw.get("pages") or ())
        raw["warnings"] = tuple((int(n), str(m)) for n, m in raw.get("warnings") or ())
        return cls(**raw)


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
        raise ExtractionError(f"cannot read this {kind.upper()} file: {_reason(e)}") from e
    if warnings:
        found = _replace(found, warnings=tuple(warnings) + found.warnings)
    if not found.body.strip():
        raise ExtractionError(f"no text found in this {found.format.upper()} file")
    return found


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def _replace(found: Extracted, **changes: Any) -> Extracted:
    values = asdict(found)
    values.update(changes)
    values["pages"] = tuple(values["pages"])
    values["warnings"] = tuple(tuple(w) for w in values["warnings"])
    return Extracted(**values)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def _first_line(body: str) -> str:
    for line in body.splitlines():
        if line.strip():
            return line.strip()[:_HEADLINE_MAX]
    return ""


def _tidy(text: str) -> str:
    """Lines stripped, runs of blank lines made one: paragraphs as the viewer shows them."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return out.strip("\n")


def iso_date(text: str | None) -> str | None:
    """A date found in a document, as ISO 8601; None when it is none."""
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return match.group(0)
    match = re.match(r"D:(\d{4})(\d{2})(\d{2})", text)  # PDF dates
    if match:
        return "-".join(match.groups())
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


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
    body = _tidy(decode_any(data))
    return Extracted("text", _first_line(body), body)


_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MD_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def _markdown(name: str, data: bytes) -> Extracted:
    text = _tidy(decode_any(data))
    meta: dict[str, str] = {}
    front = _MD_FRONT.match(text + "\n")
    if front:
        for line in front.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end():].lstrip("\n")
    heading = _MD_HEADING.search(text)
    title = meta.get("title") or (heading.group(1) if heading else _first_line(text))
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
    body = _tidy(getattr(doc, "text", None) or "")
    title = _clean(getattr(doc, "title", None)) or _first_line(body)
    return Extracted(fmt, title, body, date=iso_date(getattr(doc, "date", None)),
                     byline=_clean(getattr(doc, "author", None)), site=_clean(getattr(doc, "sitename", None)),
                     url=_clean(getattr(doc, "url", None)), language=_clean(getattr(doc, "language", None)))


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
                url = found.url or _clean(str(message.get("Snapshot-Content-Location") or "")) \
                    or _clean(str(part.get("Content-Location") or ""))
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
                raise ExtractionError(f"encrypted PDF ({_reason(e)}); cannot be read without its password") from e
            if not opened:
                raise ExtractionError("encrypted PDF; cannot be read without its password")
        pages: list[int] = []
        parts: list[str] = []
        warnings: list[tuple[int, str]] = []
        offset = 0
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = _tidy(page.extract_text() or "")
            except Exception as e:
                warnings.append((number, f"page {number}: cannot read its text ({_reason(e)})"))
                text = ""
            pages.append(offset)
            parts.append(text)
            offset += len(text) + 2
        meta: Any = reader.metadata or {}
    except PdfReadError as e:
        raise ExtractionError(f"damaged PDF: {_reason(e)}") from e
    body = "\n\n".join(parts)
    if not body.strip():
        raise ExtractionError(f"no text layer in this PDF ({len(pages)} page{'s' if len(pages) != 1 else ''}: "
                              "scanned or image-only); nothing to index")
    title = _clean(str(meta.get("/Title") or "")) or _first_line(body)
    return Extracted("pdf", title, body, date=iso_date(str(meta.get("/CreationDate") or "")),
                     byline=_clean(str(meta.get("/Author") or "")), pages=tuple(pages), warnings=tuple(warnings))


# -- zip-based documents --------------------------------------------------------------------


def open_zip(data: bytes) -> zipfile.ZipFile:
    """A zip whose members declare at most MAX_EXPANDED_BYTES in all (a zip bomb is refused)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"damaged zip container: {_reason(e)}") from e
    declared = sum(info.file_size for info in zf.infolist())
    if declared > MAX_EXPANDED_BYTES:
        raise ExtractionError(f"expands to {declared >> 20} MB (more than {MAX_EXPANDED_BYTES >> 20} MB): "
                              "refused as a possible zip bomb")
    return zf


def read_member(zf: zipfile.ZipFile, name: str, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """One member, stopping at ``limit`` actual bytes whatever its header declares."""
    with zf.open(name) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ExtractionError(f"{name} expands past {limit >> 20} MB: refused as a possible zip bomb")
    return data


def _xml_text(element: ElementTree.Element, paragraph_tags: tuple[str, ...]) -> str:
    """Text of an XML tree, one paragraph per element whose local name is in ``paragraph_tags``."""
    out: list[str] = []

    def walk(node: ElementTree.Element, buf: list[str]) -> None:
        local = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""
        if local in ("script", "style", "head"):
            return
        if local in ("tab",):
            buf.append("\t")
        elif local in ("s",):
            buf.append(" ")
        elif local in ("line-break", "br"):
            buf.append("\n")
        if node.text:
            buf.append(node.text)
        for child in node:
            child_local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if child_local in paragraph_tags:
                if buf:
                    out.append("".join(buf))
                    buf.clear()
                inner: list[str] = []
                walk(child, inner)
                out.append("".join(inner))
            else:
                walk(child, buf)
            if child.tail:
                buf.append(child.tail)

    rest: list[str] = []
    walk(element, rest)
    if rest:
        out.append("".join(rest))
    return _tidy("\n\n".join(p.strip() for p in out if p.strip()))


def _docx(name: str, data: bytes) -> Extracted:
    import docx

    open_zip(data).close()  # the bomb check before python-docx expands anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise ExtractionError(f"damaged DOCX: {_reason(e)}") from e
    paragraphs = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                paragraphs.append(" | ".join(cells))
    body = "\n\n".join(paragraphs)
    props = document.core_properties
    title = _clean(props.title) or _first_line(body)
    when = props.created or props.modified
    return Extracted("docx", title, body, date=when.isoformat() if when else None,
                     byline=_clean(props.author), language=_clean(props.language))


_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"


def _odt(name: str, data: bytes) -> Extracted:
    zf = open_zip(data)
    try:
        root = ElementTree.fromstring(read_member(zf, "content.xml"))
    except KeyError as e:
        raise ExtractionError("damaged ODT: no content.xml") from e
    except ElementTree.ParseError as e:
        raise ExtractionError(f"damaged ODT: content.xml is not XML ({e})", e.position[0]) from e
    body = _xml_text(root, ("p", "h"))
    title = byline = date = None
    try:
        meta = ElementTree.fromstring(read_member(zf, "meta.xml"))
        title = _clean(meta.findtext(f".//{_DC}title"))
        byline = _clean(meta.findtext(f".//{_DC}creator")) or _clean(meta.findtext(f".//{_ODF_META}initial-creator"))
        date = iso_date(meta.findtext(f".//{_ODF_META}creation-date") or meta.findtext(f".//{_DC}date"))
    except (KeyError, ElementTree.ParseError):
        pass
    return Extracted("odt", title or _first_line(body), body, date=date, byline=byline)


_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def _epub(name: str, data: bytes) -> Extracted:
    zf = open_zip(data)
    try:
        container = ElementTree.fromstring(read_member(zf, "META-INF/container.xml"))
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        if rootfile is None:
            raise ExtractionError("damaged EPUB: META-INF/container.xml names no package")
        opf_path = rootfile.get("full-path", "")
        opf = ElementTree.fromstring(read_member(zf, opf_path))
    except KeyError as e:
        raise ExtractionError(f"damaged EPUB: missing {e}") from e
    except ElementTree.ParseError as e:
        raise ExtractionError(f"damaged EPUB: not XML ({e})") from e
    base = PurePosixPath(opf_path).parent
    items = {item.get("id"): item.get("href", "") for item in opf.iter(f"{_OPF}item")}
    parts: list[str] = []
    for ref in opf.iter(f"{_OPF}itemref"):
        href = items.get(ref.get("idref"))
        if not href:
            continue
        member = str(base / href) if str(base) != "." else href
        try:
            tree = ElementTree.fromstring(read_member(zf, member))
        except (KeyError, ElementTree.ParseError):
            continue
        parts.append(_xml_text(tree, ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "blockquote")))
    body = "\n\n".join(p for p in parts if p)
    title = _clean(opf.findtext(f".//{_DC}title"))
    return Extracted("epub", title or _first_line(body), body, date=iso_date(opf.findtext(f".//{_DC}date")),
                     byline=_clean(opf.findtext(f".//{_DC}creator")),
                     language=_clean(opf.findtext(f".//{_DC}language")))


# -- RTF ------------------------------------------------------------------------------------


def _rtf(name: str, data: bytes) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    text = data.decode("latin-1")  # RTF is 7-bit; \'xx escapes carry the rest
    body = _tidy(rtf_to_text(text, errors="replace"))
    title = None
    match = re.search(r"\{\\info.*?\{\\title\s+([^}]*)\}", text, re.DOTALL)
    if match:
        title = _clean(rtf_to_text(match.group(1)))
    author = re.search(r"\{\\author\s+([^}]*)\}", text)
    return Extracted("rtf", title or _first_line(body), body,
                     byline=_clean(rtf_to_text(author.group(1))) if author else None)


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

        return _tidy(html_to_text(content, include_comments=False) or "")
    return _tidy(str(content))


def message_document(message: EmailMessage) -> Extracted:
    body = message_text(message)
    subject = _clean(str(message.get("Subject") or "")) or _first_line(body) or "(no subject)"
    sender = message.get("From")
    name, address = parseaddr(str(sender or ""))
    byline = _clean(name) or _clean(address)
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
    "text": _text, "markdown": _markdown, "html": _html, "mhtml": _mhtml, "pdf": _pdf, "docx": _docx,
    "odt": _odt, "epub": _epub, "rtf": _rtf, "email": _eml,
}
