"""What reading a document gives (``Extracted``) or why it could not (``ExtractionError``), the
limits every reader keeps, and the small helpers the readers share."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime

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


def clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def first_line(body: str) -> str:
    for line in body.splitlines():
        if line.strip():
            return line.strip()[:_HEADLINE_MAX]
    return ""


def tidy(text: str) -> str:
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


def reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]
