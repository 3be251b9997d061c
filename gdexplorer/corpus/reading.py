"""Reading a corpus folder: article files, the optional manifest, and decoding.

A corpus is ``ROOT/articles/[category/]NAME.txt`` (line 1 the headline, a blank line, the body),
an optional ``ROOT/manifest.jsonl`` and ``ROOT/annotations/**/*.yaml``. A bare folder of ``.txt``
files opens too. An article's id is its path relative to ROOT, with forward slashes.

``Corpus`` is here, with what makes an article of a file's text; finding the files and reading
them safely is ``corpus.scanning``'s, the manifest ``corpus.manifest``'s.

Nothing here writes: the corpus belongs to the user.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import threading
from collections.abc import Collection, Mapping
from pathlib import Path

from gdexplorer.corpus.containers import is_container, list_members, read_member_document, split_member
from gdexplorer.corpus.documents import extract, format_of
from gdexplorer.corpus.extracted import MAX_DOCUMENT_BYTES, MAX_HTML_BYTES, Extracted, ExtractionError
from gdexplorer.corpus.manifest import MANIFEST, Manifest, ManifestDigests, parse_date, read_manifest
from gdexplorer.corpus.manifest import MAX_MANIFEST_BYTES as MAX_MANIFEST_BYTES  # re-exported: tests import it here
from gdexplorer.corpus.scanning import FileStat, decode, gc_paused, read_regular, shown_path, walk_txt
from gdexplorer.errors import CorpusError, Problem, Severity
from gdexplorer.files import atomic_write
from gdexplorer.model import Article, ArticleInfo
from gdexplorer.paths import cache_dir, seeds_dir

log = logging.getLogger(__name__)
# Past this size (about 100,000 articles) a manifest is read for its problems only once an update
# reads it anyway: opening a corpus in the window does not wait for it.
LARGE_MANIFEST_BYTES = 32 * 1024 * 1024

_PAGES_KEPT = 50_000  # documents' page starts remembered (a few hundred bytes each at most)
ARTICLES = "articles"
ANNOTATIONS = "annotations"
# Bodies past this are cut for indexing and display; a reader gets a warning, not a frozen app.
MAX_ARTICLE_BYTES = 8 * 1024 * 1024
_KNOWN_KEYS = ("file", "title", "category", "date", "url", "source", "byline", "site", "format")
EXTRACTED = "extracted"  # the per-user cache folder of extracted document text


class Corpus:
    """A corpus folder. Cheap to create; ``scan()`` walks it, ``read()`` reads one article."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise CorpusError(str(root), "not a folder (a corpus is a folder of articles)")
        articles = self.root / ARTICLES
        self.articles_dir = articles if articles.is_dir() else self.root
        # Installed, the bundled seeds live in the package as _seeds: users know them as "seeds".
        # Otherwise the folder's name, printable (for titles and messages).
        self.name = "seeds" if self.root == seeds_dir().resolve() else shown_path(self.root.name)
        self._manifest: Manifest | None = None
        self._manifest_problems: list[Problem] = []
        self._manifest_signature: tuple[int, int] | None = None
        self.scan_problems: list[Problem] = []  # folders and files the last scan could not read
        self.scanned_folders: list[str] = []  # the folders the last scan listed (their stat tells of new files)
        self._listings: dict[str, tuple[str, list[str]]] = {}  # container id -> (signature, member ids)
        self._extract_cache: Path | None = None
        # Page starts of the documents read lately, so a search hit can say its page without
        # reading the document's cached text a second time (see ``pages``).
        self._pages: dict[str, tuple[int, ...]] = {}
        # The files the last scan found (containers, not their members), while the manifest is to
        # be read again: its check for missing files takes them rather than walking the folders.
        self._scanned: Collection[str] | None = None
        self._closing = threading.Event()
        self.refresh_manifest()

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r})"

    @property
    def default_annotations_dir(self) -> Path:
        return self.root / ANNOTATIONS

    # -- the files ---------------------------------------------------------------------------

    def scan(self, previous: Mapping[str, FileStat] | None = None) -> dict[str, FileStat]:
        """Every article file, by id, in a fixed order. Symlinked folders are not followed (no loops).

        An unchanged file's entry is the very object it has in ``previous`` (an earlier scan)."""
        self.scan_problems = []
        self.scanned_folders = []
        self.check_available()
        with gc_paused():
            # The articles/ layout is the corpus's own format, read as it always was; a bare folder
            # is a folder of documents as a user saved them, read in every format.
            found = walk_txt(self.articles_dir, self._skipped_dirs(), self.scan_problems, self.root,
                              documents=self.articles_dir == self.root, folders=self.scanned_folders,
                              previous=previous)
        if self._manifest is None:
            # A view of what is handed back (no copy of a million ids): callers read a scan, never change it.
            self._scanned = found.keys()
        if any(not k.endswith(".txt") for k in found):
            found = self._expand_containers(found)
        return found

    def _expand_containers(self, found: dict[str, FileStat]) -> dict[str, FileStat]:
        """Archives and mailboxes replaced by their documents; e-mails followed by their attachments.

        A member shares its container's stat: it changes when the container does. The listing is
        kept per container signature, so an unchanged mailbox is not parsed again on each update.
        """
        out: dict[str, FileStat] = {}
        listings: dict[str, tuple[str, list[str]]] = {}
        for article_id, stat in found.items():
            lowered = article_id.lower()
            container = is_container(article_id)
            if not container:
                out[article_id] = stat
            if not (container or lowered.endswith(".eml")):
                continue
            held = self._listings.get(article_id)
            if held is not None and held[0] == stat.signature:
                members = held[1]
            else:
                try:
                    members = list_members(stat.path, article_id)
                except ExtractionError as e:
                    self.scan_problems.append(Problem(article_id, e.line, 0, e.message, Severity.WARNING))
                    members = []
                except Exception as e:
                    self.scan_problems.append(Problem(article_id, 0, 0, f"cannot list its documents: {e}",
                                                      Severity.WARNING))
                    members = []
            listings[article_id] = (stat.signature, members)
            sep = "/" if lowered.endswith(".zip") else "#"
            for member in members:
                member_id = f"{article_id}{sep}{member}"
                out[member_id] = stat._replace(id=member_id)
        self._listings = listings
        return out

    def check_available(self) -> None:
        """Raise ``CorpusError`` if the corpus folder (or its articles folder) cannot be listed now.

        A network share or a USB disk can be gone for a moment: that is "unavailable", never
        "every article deleted", so whoever scans must stop rather than drop the whole index.
        """
        for folder in (self.root, self.articles_dir):
            try:
                os.scandir(folder).close()
            except OSError as e:
                raise CorpusError(str(folder), f"the corpus folder is unavailable ({e.strerror or e}); "
                                               "the index is kept as it is") from e

    def _skipped_dirs(self) -> set[Path]:
        # In a bare folder the annotations live beside the articles: never index them as text.
        if self.articles_dir == self.root:
            return {self.root / ANNOTATIONS, self.root / ".git"}
        return set()

    def path_of(self, article_id: str) -> Path:
        if "\0" in article_id:  # resolve() and open() raise ValueError on it, not OSError
            raise CorpusError(article_id.replace("\0", "\\0"), "an article path cannot contain a NUL character")
        member = split_member(article_id)
        if member is not None:  # a document inside an archive or a mailbox: its container's file
            article_id = member[0]
        path = (self.root / article_id).resolve()
        if not path.is_relative_to(self.root):
            raise CorpusError(article_id, "article path leaves the corpus folder")
        return path

    def exists(self, article_id: str) -> bool:
        try:
            return self.path_of(article_id).is_file()
        except CorpusError:
            return False

    def read_body(self, article_id: str) -> str:
        """Just the body: what snippets need, without the manifest (slow to load for 100k articles)."""
        if is_document_id(article_id):
            return self.extracted(article_id)[0].body
        path = self.path_of(article_id)
        try:
            data = read_regular(path, MAX_ARTICLE_BYTES)
        except OSError as e:
            raise CorpusError(article_id, f"cannot read: {e.strerror or e}") from e
        text = decode(data)[0].replace("\r\n", "\n").replace("\r", "\n")
        return text[split_headline(text)[1] :]

    def read(self, article_id: str) -> Article:
        """Read and decode one article; raises ``CorpusError`` when it cannot be read."""
        article, _ = self.read_checked(article_id)
        return article

    def read_text(self, article_id: str) -> str:
        """``read(article_id).text``; for a .txt article without parsing the manifest, whose lines
        give a .txt article's metadata but never its text (only a document's headline)."""
        if is_document_id(article_id):
            return self.read(article_id).text
        return self._txt_text(article_id)[0]

    def read_checked(self, article_id: str) -> tuple[Article, list[Problem]]:
        """Read one article and report what was odd about it (bad bytes, no body...)."""
        if is_document_id(article_id):
            return self._read_document(article_id)
        text, problems = self._txt_text(article_id)
        article = make_article(article_id, text, self.manifest().get(article_id, {}))
        if not article.body.strip():
            problems.append(Problem(article_id, 0, 0, "the article has no body", Severity.WARNING))
        return article, problems

    def _txt_text(self, article_id: str) -> tuple[str, list[Problem]]:
        path = self.path_of(article_id)
        try:
            data = read_regular(path, MAX_ARTICLE_BYTES + 1)
        except OSError as e:
            raise CorpusError(article_id, f"cannot read: {e.strerror or e}") from e
        problems: list[Problem] = []
        if len(data) > MAX_ARTICLE_BYTES:
            data = data[:MAX_ARTICLE_BYTES]
            problems.append(
                Problem(article_id, 0, 0, f"larger than {MAX_ARTICLE_BYTES >> 20} MB; only the start is used",
                        Severity.WARNING)
            )
        if b"\x00" in data[:8192]:
            raise CorpusError(article_id, "binary data, not text (it has NUL bytes)")
        text, bad = decode(data)
        if bad is not None:
            line, col = bad
            problems.append(
                Problem(article_id, line, col, "not valid UTF-8; undecodable bytes were replaced with \ufffd",
                        Severity.WARNING)
            )
        return text.replace("\r\n", "\n").replace("\r", "\n"), problems

    # -- documents of other formats ---------------------------------------------------------

    def extracted(self, article_id: str) -> tuple[Extracted, list[Problem]]:
        """A document's extracted text and metadata, from the per-user cache when its file is unchanged.

        Raises ``CorpusError`` for a document that cannot be read (the reason is cached too, so
        ``check`` does not parse a broken 60 MB PDF again each time).
        """
        path = self.path_of(article_id)
        try:
            st = path.stat()
        except OSError as e:
            raise CorpusError(article_id, f"cannot read: {e.strerror or e}") from e
        signature = f"{st.st_mtime_ns}:{st.st_size}:{st.st_ctime_ns}:{st.st_ino}"
        cached = self._cache_file(article_id)
        found: Extracted | None = None
        error: tuple[str, int] | None = None
        try:
            raw = json.loads(cached.read_text(encoding="utf-8"))
            if raw.get("sig") == signature:
                if "error" in raw:
                    error = (str(raw["error"]), int(raw.get("line") or 0))
                else:
                    found = Extracted.load(json.dumps(raw["doc"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if found is None and error is None:
            try:
                found = self._extract(article_id, path)
                record: dict[str, object] = {"sig": signature, "doc": json.loads(found.dump())}
            except ExtractionError as e:
                error = (e.message, e.line)
                record = {"sig": signature, "error": e.message, "line": e.line}
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(cached, json.dumps(record, ensure_ascii=False).encode("utf-8"), durable=False)
            except OSError as e:  # only a speed-up: a read-only cache still reads every document
                log.debug("cannot cache the text of %s: %s", article_id, e)
        if error is not None:
            raise CorpusError(article_id, error[0], error[1])
        assert found is not None
        if len(self._pages) > _PAGES_KEPT:
            self._pages.clear()
        self._pages[article_id] = found.pages
        problems = [Problem(article_id, line, 0, message, Severity.WARNING) for line, message in found.warnings]
        return found, problems

    def pages(self, article_id: str) -> tuple[int, ...]:
        """Where each page starts in a document's body (PDF); () for unpaged ones and ``.txt`` articles.

        As last read (``read_body`` just before is what makes it current); raises ``CorpusError``
        like ``extracted`` for a document not read yet that cannot be read.
        """
        if not is_document_id(article_id):
            return ()
        pages = self._pages.get(article_id)
        return pages if pages is not None else self.extracted(article_id)[0].pages

    def _extract(self, article_id: str, path: Path) -> Extracted:
        member = split_member(article_id)
        if member is not None:
            return read_member_document(path, *member)
        limit = MAX_HTML_BYTES if format_of(article_id) == "html" else MAX_DOCUMENT_BYTES
        try:
            if path.stat().st_size > limit:  # refused before reading: a 200 MB page is not read into memory
                raise ExtractionError(f"larger than {limit >> 20} MB; not indexed")
            data = read_regular(path, limit + 1)
        except OSError as e:
            raise ExtractionError(f"cannot read: {e.strerror or e}") from e
        return extract(article_id, data)

    def _cache_file(self, article_id: str) -> Path:
        if self._extract_cache is None:
            key = hashlib.sha1(str(self.root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
            self._extract_cache = cache_dir() / EXTRACTED / key
        name = hashlib.sha1(article_id.encode("utf-8", "surrogatepass")).hexdigest()
        return self._extract_cache / name[:2] / f"{name}.json"

    def _read_document(self, article_id: str) -> tuple[Article, list[Problem]]:
        found, problems = self.extracted(article_id)
        meta: dict[str, object] = {k: v for k, v in (("title", found.title), ("date", found.date),
                                                      ("url", found.url), ("byline", found.byline),
                                                      ("site", found.site)) if v}
        manifest = self.manifest().get(article_id, {})
        meta.update({k: v for k, v in manifest.items() if v is not None and v != ""})  # the manifest wins
        if meta.get("date") and parse_date(str(meta["date"])) is None:
            meta.pop("date")
        title = str(meta.get("title") or found.title or Path(article_id).stem)
        text = f"{title}\n\n{found.body}"
        info = make_info(article_id, title, meta)
        info = dataclasses.replace(info, format=found.format, site=_text_or_none(meta.get("site")),
                                   category=info.category)
        return Article(info, text, len(title) + 2), problems

    # -- the manifest ------------------------------------------------------------------------

    def manifest(self) -> Manifest:
        """Manifest records by article id (none when there is no manifest)."""
        if self._manifest is None:
            self._manifest, self._manifest_problems = read_manifest(self.root, self._scanned, self._closing)
            self._scanned = None
        return self._manifest

    def close(self) -> None:
        """The corpus is being closed: a manifest parse under way in another thread stops (with a
        ``CorpusError``) rather than run on for seconds, and so does any later one."""
        self._closing.set()

    def manifest_digests(self) -> ManifestDigests:
        """``manifest_digest`` for every article with a manifest line."""
        return self.manifest().digests

    def manifest_digest(self, article_id: str) -> str:
        """A short hash of the article's manifest line ("" without one): part of its index signature."""
        return self.manifest().digest(article_id)

    def refresh_manifest(self) -> bool:
        """Forget the parsed manifest if the file changed on disk; True if it did."""
        try:
            stat = (self.root / MANIFEST).stat()
            signature: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            signature = None
        if signature == self._manifest_signature:
            return False
        self._manifest_signature = signature
        self._manifest = None
        self._scanned = None  # a scan made before this one is not the one to check it against
        return True

    def manifest_unchanged(self) -> bool:
        """Whether the manifest on disk is still the one ``refresh_manifest`` last saw (nothing is forgotten)."""
        try:
            stat = (self.root / MANIFEST).stat()
        except OSError:
            return self._manifest_signature is None
        return (stat.st_mtime_ns, stat.st_size) == self._manifest_signature

    def manifest_problems(self) -> list[Problem]:
        self.manifest()
        return list(self._manifest_problems)

    def manifest_is_pending(self) -> bool:
        """Whether the manifest is large and not read yet: its problems would cost a long parse
        (9-10 s for the 316 MB of a million articles)."""
        if self._manifest is not None:
            return False
        try:
            return (self.root / MANIFEST).stat().st_size > LARGE_MANIFEST_BYTES
        except OSError:
            return False

    def info(self, article_id: str, title: str) -> ArticleInfo:
        """Metadata for an article whose headline is already known."""
        return make_info(article_id, title, self.manifest().get(article_id, {}))


def is_document_id(article_id: str) -> bool:
    """True for an article that is a document of another format than the corpus's own ``.txt``."""
    return article_id[-4:].lower() != ".txt" or split_member(article_id) is not None


def _text_or_none(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def split_headline(text: str) -> tuple[str, int]:
    """The headline (first non-empty line) and where the body starts."""
    offset = 0
    while offset < len(text) and text[offset] == "\n":
        offset += 1
    end = text.find("\n", offset)
    if end < 0:
        return text[offset:].strip(), len(text)
    headline = text[offset:end].strip()
    body = end + 1
    while body < len(text) and text[body] == "\n":
        body += 1
    return headline, body


def make_article(article_id: str, text: str, meta: dict[str, object]) -> Article:
    headline, body_offset = split_headline(text)
    return Article(make_info(article_id, headline, meta), text, body_offset)


def make_info(article_id: str, headline: str, meta: dict[str, object]) -> ArticleInfo:
    def text_of(key: str) -> str | None:
        value = meta.get(key)
        return None if value is None or value == "" else str(value)

    extra = tuple(
        (key, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
        for key, value in meta.items()
        if key not in _KNOWN_KEYS and value is not None
    )
    category = text_of("category")
    if category is None:
        parts = article_id.split("/")
        # articles/<category>/NAME.txt: the folder is the category when the manifest has none.
        if len(parts) == 3 and parts[0] == ARTICLES:
            category = parts[1]
    return ArticleInfo(
        id=article_id,
        title=text_of("title") or headline or Path(article_id).stem,
        category=category,
        date=text_of("date"),
        url=text_of("url"),
        source=text_of("source"),
        byline=text_of("byline"),
        extra=extra,
    )
