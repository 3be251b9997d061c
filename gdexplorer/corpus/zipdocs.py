"""Documents that are zip archives of XML: Word (DOCX), OpenDocument text (ODT) and EPUB, read
with the standard library, within the size limits of ``gdexplorer.corpus.extracted``."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from xml.etree import ElementTree

from gdexplorer.corpus.extracted import (
    MAX_DOCUMENT_BYTES,
    MAX_EXPANDED_BYTES,
    Extracted,
    ExtractionError,
    clean,
    first_line,
    iso_date,
    reason,
    tidy,
)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """A zip whose members declare at most MAX_EXPANDED_BYTES in all (a zip bomb is refused)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"damaged zip container: {reason(e)}") from e
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
    return tidy("\n\n".join(p.strip() for p in out if p.strip()))


def read_docx(name: str, data: bytes) -> Extracted:
    import docx

    open_zip(data).close()  # the bomb check before python-docx expands anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise ExtractionError(f"damaged DOCX: {reason(e)}") from e
    paragraphs = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                paragraphs.append(" | ".join(cells))
    body = "\n\n".join(paragraphs)
    props = document.core_properties
    title = clean(props.title) or first_line(body)
    when = props.created or props.modified
    return Extracted("docx", title, body, date=when.isoformat() if when else None,
                     byline=clean(props.author), language=clean(props.language))


_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"


def read_odt(name: str, data: bytes) -> Extracted:
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
        title = clean(meta.findtext(f".//{_DC}title"))
        byline = clean(meta.findtext(f".//{_DC}creator")) or clean(meta.findtext(f".//{_ODF_META}initial-creator"))
        date = iso_date(meta.findtext(f".//{_ODF_META}creation-date") or meta.findtext(f".//{_DC}date"))
    except (KeyError, ElementTree.ParseError):
        pass
    return Extracted("odt", title or first_line(body), body, date=date, byline=byline)


_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def read_epub(name: str, data: bytes) -> Extracted:
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
    title = clean(opf.findtext(f".//{_DC}title"))
    return Extracted("epub", title or first_line(body), body, date=iso_date(opf.findtext(f".//{_DC}date")),
                     byline=clean(opf.findtext(f".//{_DC}creator")),
                     language=clean(opf.findtext(f".//{_DC}language")))
