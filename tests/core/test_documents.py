"""A bare folder of documents as a user saved them: every format, bad files, no network, the cache.

The documents are written here with the formats' own writers (reportlab, python-docx, zipfile and
XML for ODT/EPUB, the standard library's email and mailbox) from the seeds' real article text.
"""

from __future__ import annotations

import contextlib
import io
import json
import mailbox
import os
import re
import socket
import zipfile
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest

from gdexplorer.corpus.reading import Corpus
from gdexplorer.errors import CorpusError
from gdexplorer.explorer import Explorer
from gdexplorer.model import Progress
from tests.conftest import SEEDS, corpus_path

pytest.importorskip("reportlab", reason="reportlab writes the test PDFs (pip install -e '.[test]')")


def seed_text(number: int) -> tuple[str, list[str]]:
    text = (SEEDS / "articles" / f"000{number}.txt").read_text(encoding="utf-8")
    headline, _, body = text.partition("\n\n")
    return headline.strip(), [p.strip() for p in body.split("\n\n") if p.strip()]


HEADLINE1, PARAS1 = seed_text(1)
HEADLINE2, PARAS2 = seed_text(2)


def write_pdf(path: Path, pages: list[list[str]], title: str | None = None) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    style = getSampleStyleSheet()["Normal"]
    story: list[object] = []
    for number, paragraphs in enumerate(pages):
        if number:
            story.append(PageBreak())
        story.extend(Paragraph(p, style) for p in paragraphs)
    SimpleDocTemplate(str(path), pagesize=A4, title=title or "", author="China Daily").build(story)


def write_image_only_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 300, fill=1)  # a scanned page: pixels, no text layer
    c.showPage()
    c.save()


def write_docx(path: Path) -> None:
    import datetime as dt

    import docx

    document = docx.Document()
    document.core_properties.title = HEADLINE2
    document.core_properties.author = "Zhou Mo"
    document.core_properties.created = dt.datetime(2024, 5, 15, 8, 0)
    for paragraph in PARAS2:
        document.add_paragraph(paragraph)
    document.save(str(path))


def write_odt(path: Path) -> None:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in PARAS1[:3])
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text>'
               f"<text:h>{escape(HEADLINE1)}</text:h>{body}</office:text></office:body></office:document-content>")
    meta = ('<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<office:meta><dc:title>{escape(HEADLINE1)}</dc:title><dc:creator>Xu Weiwei</dc:creator>"
            "<meta:creation-date>2024-03-08T10:00:00</meta:creation-date></office:meta></office:document-meta>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr("meta.xml", meta)


def write_epub(path: Path) -> None:
    chapter = ('<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title>'
               "</head><body>" + "".join(f"<p>{escape(p)}</p>" for p in PARAS2[:3]) + "</body></html>")
    opf = ('<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f"<dc:title>{escape(HEADLINE2)}</dc:title><dc:creator>Guangdong Reporters</dc:creator>"
           "<dc:date>2024-05-20</dc:date><dc:language>en</dc:language></metadata>"
           '<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>'
           '<spine><itemref idref="c1"/></spine></package>')
    container = ('<?xml version="1.0"?><container version="1.0" '
                 'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                 '<rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/>'
                 "</rootfiles></container>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", container)
        zf.writestr("OEBPS/book.opf", opf)
        zf.writestr("OEBPS/c1.xhtml", chapter)


def write_rtf(path: Path) -> None:
    def rtf_escape(text: str) -> str:
        return "".join(c if ord(c) < 128 and c not in "\\{}" else f"\\u{ord(c)}?" for c in text)

    paragraphs = "".join(f"{rtf_escape(p)}\\par\\par\n" for p in PARAS1[3:6])
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}{\\info{\\title " + rtf_escape(HEADLINE1)
                    + "}{\\author Li Dongsheng}}\n" + paragraphs + "}", encoding="ascii")


def html_page(headline: str, paragraphs: list[str], date: str, author: str, site: str, url: str) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
                     "datePublished": date, "author": {"@type": "Person", "name": author},
                     "publisher": {"@type": "Organization", "name": site}})
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><title>{escape(headline)} - {site}</title>'
            f'<meta property="og:site_name" content="{site}"><link rel="canonical" href="{url}">'
            f'<script type="application/ld+json">{ld}</script></head><body>'
            '<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/business">Business</a></nav>'
            f'<article><h1>{escape(headline)}</h1><img src="http://images.example.invalid/a.jpg">{body}</article>'
            "<footer>Copyright 2024. All rights reserved. Contact us. Privacy policy.</footer></body></html>")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(subject: str, sender: str, date: str, text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = "desk@newsroom.example"
    msg["Date"] = date
    msg.set_content(text)
    return msg


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("documents")
    (root / "web").mkdir()
    (root / "web" / "page.html").write_text(
        html_page(HEADLINE1, PARAS1, "2024-03-08T09:30:00+08:00", "Xu Weiwei", "China Daily",
                  "https://www.chinadaily.com.cn/a/202403/08/guangdong.html"), encoding="utf-8")
    write_pdf(root / "report.pdf", [PARAS2[:3], PARAS2[3:]], title=HEADLINE2)
    write_docx(root / "memo.docx")
    write_odt(root / "notes.odt")
    write_epub(root / "book.epub")
    write_rtf(root / "story.rtf")
    (root / "brief.md").write_text(f"---\ntitle: {HEADLINE2}\ndate: 2024-05-16\nauthor: Desk\n---\n\n# {HEADLINE2}\n\n"
                                   + "\n\n".join(PARAS2[:2]), encoding="utf-8")
    (root / "legacy.text").write_bytes(("Café owners in Guangzhou\n\n" + PARAS1[0]).encode("cp1252"))
    mail = message("Guangdong tour schedule", "Zhou Mo <zhou@chinadaily.example>", "Tue, 14 May 2024 09:00:00 +0800",
                   "\n\n".join(PARAS2[:2]))
    pdf_buffer = io.BytesIO()
    write_pdf_to = root / "attachment-source.pdf"
    write_pdf(write_pdf_to, [PARAS1[6:9]], title="Tour itinerary")
    pdf_buffer.write(write_pdf_to.read_bytes())
    write_pdf_to.unlink()
    mail.add_attachment(pdf_buffer.getvalue(), maintype="application", subtype="pdf", filename="itinerary.pdf")
    (root / "tour.eml").write_bytes(bytes(mail))
    box = mailbox.mbox(str(root / "desk.mbox"))
    box.add(message("Okapi sighting", "Li Wei <li@desk.example>", "Mon, 01 Apr 2024 10:00:00 +0000",
                    PARAS1[1]))
    box.add(message("Drone makers", "Chen Jie <chen@desk.example>", "Tue, 02 Apr 2024 11:00:00 +0000", PARAS1[2]))
    box.close()
    with zipfile.ZipFile(root / "press.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024/may/tour.html", html_page(HEADLINE2, PARAS2, "2024-05-14", "Zhou Mo", "China Daily",
                                                    "https://www.chinadaily.com.cn/a/202405/14/tour.html"))
        zf.writestr("2024/may/notes.txt", f"{HEADLINE2}\n\n{PARAS2[0]}\n")
        zf.writestr("2024/may/cover.png", b"\x89PNG not a document")
    # The bad ones.
    write_image_only_pdf(root / "scanned.pdf")
    locked = root / "locked.pdf"
    write_pdf(locked, [PARAS1[:2]])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(locked)))
    writer.encrypt(user_password="secret", owner_password="owner")
    with locked.open("wb") as fh:
        writer.write(fh)
    full = (root / "memo.docx").read_bytes()
    (root / "broken.docx").write_bytes(full[: len(full) // 2])
    with zipfile.ZipFile(root / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.html", b"\0" * (65 * 1024 * 1024))  # 65 MB of zeros: about 64 KB packed
        zf.writestr("fine.html", html_page("Fine page", PARAS1[:2], "2024-01-01", "A", "B", "https://b.example/"))
    with (root / "huge.html").open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing written
    (root / "fake.pdf").write_text(html_page("Not really a PDF", PARAS1[:2], "2024-02-02", "Xu", "S", "https://s.example/"),
                                   encoding="utf-8")
    (root / "picture.docx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    (root / "empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    os.mkfifo(root / "pipe.html")
    (root / "gone.pdf").symlink_to(root / "nowhere.pdf")
    return root


GOOD = {
    "web/page.html": ("html", HEADLINE1, "2024-03-08", "Xu Weiwei", "China Daily"),
    "report.pdf": ("pdf", HEADLINE2, None, "China Daily", None),
    "memo.docx": ("docx", HEADLINE2, "2024-05-15", "Zhou Mo", None),
    "notes.odt": ("odt", HEADLINE1, "2024-03-08", "Xu Weiwei", None),
    "book.epub": ("epub", HEADLINE2, "2024-05-20", "Guangdong Reporters", None),
    "story.rtf": ("rtf", HEADLINE1, None, "Li Dongsheng", None),
    "brief.md": ("markdown", HEADLINE2, "2024-05-16", "Desk", None),
    "legacy.text": ("text", "Café owners in Guangzhou", None, None, None),
    "tour.eml": ("email", "Guangdong tour schedule", "2024-05-14", "Zhou Mo", "chinadaily.example"),
    "tour.eml#itinerary.pdf": ("pdf", "Tour itinerary", None, "China Daily", None),
    "desk.mbox#1": ("email", "Okapi sighting", "2024-04-01", "Li Wei", "desk.example"),
    "desk.mbox#2": ("email", "Drone makers", "2024-04-02", "Chen Jie", "desk.example"),
    "press.zip/2024/may/tour.html": ("html", HEADLINE2, "2024-05-14", "Zhou Mo", "China Daily"),
    "press.zip/2024/may/notes.txt": ("text", HEADLINE2, None, None, None),
    "bomb.zip/fine.html": ("html", "Fine page", "2024-01-01", None, None),
    "fake.pdf": ("html", "Not really a PDF", "2024-02-02", None, None),
}


@pytest.fixture(scope="module")
def explorer(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    seen: list[Progress] = []
    with pytest.MonkeyPatch.context() as patch:  # the corpus keeps the cache folder it first used
        patch.setenv("GDEXPLORER_CACHE_DIR", str(tmp_path_factory.mktemp("doc-cache")))
        explorer = Explorer(folder)
        explorer.update_index(progress=seen.append)
    explorer.progress_seen = seen  # type: ignore[attr-defined]
    return explorer


def test_every_format_is_read_with_its_own_metadata(folder: Path) -> None:
    corpus = Corpus(folder)
    found = corpus.scan()
    assert set(GOOD) <= set(found)
    assert "press.zip/2024/may/cover.png" not in found and "press.zip" not in found
    for article_id, (fmt, title, date, byline, site) in GOOD.items():
        article = corpus.read(article_id)
        info = article.info
        assert (info.format, info.title) == (fmt, title), article_id
        if date:  # None: the writer stamps the time it ran
            assert (info.date or "")[:10] == date, article_id
        if byline:
            assert info.byline == byline, article_id
        if site:
            assert info.site == site, article_id
        assert article.body.strip(), article_id
    page = corpus.read("web/page.html")
    assert page.info.url == "https://www.chinadaily.com.cn/a/202403/08/guangdong.html"
    assert PARAS1[3][:60] in page.body and "Privacy policy" not in page.body and "Business" not in page.body
    assert "Café owners" in corpus.read("legacy.text").text  # cp1252, not UTF-8


def test_pdf_pages_are_kept(folder: Path) -> None:
    corpus = Corpus(folder)
    doc, _ = corpus.extracted("report.pdf")
    assert len(doc.pages) >= 2  # the first part may run over a page: the second starts the last
    second = doc.body.index(" ".join(PARAS2[3].split()[:6]))
    assert doc.page_of(second) == 2 and doc.page_of(0) == 1


def test_documents_are_searchable_with_their_metadata(explorer: Explorer) -> None:
    result = explorer.search("itinerary")
    assert [h.path for h in result.hits] == ["tour.eml#itinerary.pdf"]
    hits = {h.path: h for h in explorer.search("Guangzhou", limit=100).hits}
    assert {"web/page.html", "report.pdf", "memo.docx"} <= set(hits)
    page = hits["web/page.html"].info
    assert (page.format, page.site, page.byline) == ("html", "China Daily", "Xu Weiwei")
    assert page.url == "https://www.chinadaily.com.cn/a/202403/08/guangdong.html"
    assert any(h.snippet for h in hits.values())
    progress = explorer.progress_seen  # type: ignore[attr-defined]
    assert progress and max(p.total for p in progress) >= len(GOOD)


BAD = {
    "scanned.pdf": "no text layer",
    "locked.pdf": "encrypted",
    "broken.docx": "DOCX",
    "bomb.zip/huge.html": "zip bomb",
    "huge.html": "larger than",
    "picture.docx": "not a DOCX",
    "empty.html": "no",
    "pipe.html": "not a regular file",
    "gone.pdf": "not a regular file",
}


def test_each_bad_file_is_one_problem_and_the_rest_is_searchable(explorer: Explorer) -> None:
    problems = explorer.check_articles()
    by_path: dict[str, list[str]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem.message)
    for path, words in BAD.items():
        assert path in by_path, (path, problems)
        assert len(by_path[path]) == 1 and words in by_path[path][0], (path, by_path[path])
    assert any("read as HTML" in m for m in by_path["fake.pdf"])
    assert not set(by_path) & (set(GOOD) - {"fake.pdf"}), by_path
    assert explorer.search('"Fine page"').total == 1  # the bomb's other member


def test_reading_documents_never_opens_a_socket(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a network connection during extraction: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(tmp_path))  # nothing cached: everything extracted here
    corpus = Corpus(folder)
    for article_id in corpus.scan():
        with contextlib.suppress(CorpusError):  # the bad files; an AssertionError goes through
            corpus.read(article_id)


def test_only_a_changed_document_is_read_again(folder: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    root = tmp_path / "docs"
    root.mkdir()
    for name in ("report.pdf", "memo.docx", "brief.md"):
        shutil.copy2(folder / name, root / name)
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(tmp_path / "cache"))
    explorer = Explorer(root)
    explorer.update_index()
    cached = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "extracted").rglob("*.json")}
    assert len(cached) == 3
    (root / "brief.md").write_text("# Okapi news\n\nAn okapi was seen near the river.", encoding="utf-8")
    stats = explorer.update_index()
    assert (stats.updated, stats.unchanged) == (1, 2)
    changed = [p for p in cached if p.stat().st_mtime_ns != cached[p]]
    assert len(changed) == 1
    assert explorer.search("okapi").total == 1


def test_a_quote_from_a_pdf_checks_against_its_extracted_text(folder: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "docs"
    (root / "annotations").mkdir(parents=True)
    shutil.copy2(folder / "report.pdf", root / "report.pdf")
    quote = " ".join(Corpus(root).read("report.pdf").body.split()[5:17])
    (root / "annotations" / "events.yaml").write_text(
        "entities:\n  - id: tour\n    type: event\n    name: media tour\n    facts:\n"
        f"      - text: The tour.\n        article: report.pdf\n        quote: {json.dumps(quote)}\n"
        f"      - text: Not there.\n        article: report.pdf\n        quote: \"words nowhere in the PDF\"\n",
        encoding="utf-8")
    explorer = Explorer(root)
    explorer.update_index()
    facts = explorer.entity("tour").facts  # type: ignore[union-attr]
    assert len(facts) == 1 and facts[0].span is not None
    text = Corpus(root).read("report.pdf").text
    assert " ".join(text[facts[0].span[0]:facts[0].span[1]].split()) == quote
    assert [p.message for p in explorer.problems()] == ['quote not found in report.pdf: "words nowhere in the PDF"']


@pytest.fixture(scope="module")
def news_pages() -> Path:
    return corpus_path("en-html-news-pages")


@pytest.fixture(scope="module")
def news_cache(news_pages: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Explorer, Path]:
    """The html folder indexed once; its extracted text stays in this cache for the other test."""
    cache = tmp_path_factory.mktemp("news-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GDEXPLORER_CACHE_DIR", str(cache))
        explorer = Explorer(news_pages)
        explorer.update_index()
    return explorer, cache


def tokens(text: str) -> Counter[str]:
    return Counter(text.split())


@pytest.mark.slow
@pytest.mark.corpora
def test_html_news_pages_body_f1_headline_and_date(news_pages: Path, news_cache: tuple[Explorer, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(news_cache[1]))  # extracted when the index was built
    corpus = Corpus(news_pages)
    truth = json.loads((news_pages / "ground-truth.json").read_text(encoding="utf-8"))
    scores = []
    titled = dated = 0
    for path, record in truth.items():
        doc = corpus.extracted(path)[0]
        got, want = tokens(doc.body), tokens(record["articleBody"])
        common = sum((got & want).values())
        precision, recall = common / max(1, sum(got.values())), common / max(1, sum(want.values()))
        scores.append(2 * precision * recall / (precision + recall) if common else 0.0)
        titled += bool(doc.title)
        dated += bool(doc.date)
    assert sum(scores) / len(scores) >= 0.95
    assert titled >= 0.95 * len(truth) and dated >= 0.95 * len(truth)


@pytest.mark.slow
@pytest.mark.corpora
def test_search_totals_match_the_ground_truth(news_pages: Path, news_cache: tuple[Explorer, Path]) -> None:
    truth = json.loads((news_pages / "ground-truth.json").read_text(encoding="utf-8"))
    explorer = news_cache[0]
    # Pages whose extracted body differs from the benchmark's on these words (a caption or a
    # related-story line kept, or a paragraph dropped): measured, not hidden.
    for word in ("climate", "police", "Trump", "football", "government", "China", "said"):
        pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
        want = {p for p, r in truth.items() if pattern.search(r["articleBody"])}
        result = explorer.search(f'"{word}"', limit=500)
        got = {h.path for h in result.hits} - {"PROVENANCE.md"}
        assert len(got ^ want) <= max(1, len(want) // 10), (word, sorted(got - want), sorted(want - got))
        for hit in result.hits:
            assert hit.info.format in ("html", "markdown") and hit.info.title


def test_type_and_site_facets_count_and_filter(explorer: Explorer) -> None:
    result = explorer.search("Guangdong OR Guangzhou OR okapi OR drone", limit=100, facets=True)
    assert result.facets is not None
    formats = dict(result.facets.formats)
    assert formats["pdf"] >= 1 and formats["html"] >= 2 and formats["email"] >= 1
    assert dict(result.facets.sites)["China Daily"] >= 2  # shown as the page wrote it
    filtered = explorer.search("Guangdong OR Guangzhou OR okapi OR drone", limit=100,
                               filters=("format:pdf",))
    assert filtered.total == formats["pdf"] and {h.info.format for h in filtered.hits} == {"pdf"}
    by_site = explorer.search("Guangzhou", limit=100, filters=("site:'China Daily'",))
    assert by_site.total >= 2 and {h.info.site for h in by_site.hits} == {"China Daily"}
    months = dict(result.facets.months)  # the timeline: the documents' own dates
    assert months.get("2024-03") and months.get("2024-05")


def test_citations_and_exports_cite_the_documents_own_metadata(explorer: Explorer) -> None:
    page = explorer.search('"Guangzhou"', limit=100, filters=("format:html",))
    hit = next(h for h in page.hits if h.path == "web/page.html")
    citation = explorer.citation(hit.info, "shore up technological innovation")
    assert citation.endswith(f"— {HEADLINE1}, China Daily (Xu Weiwei), 2024-03-08. "
                             "https://www.chinadaily.com.cn/a/202403/08/guangdong.html")
    rows = json.loads(explorer.results_json(page))
    row = next(r for r in (rows["hits"] if isinstance(rows, dict) else rows) if r["path"] == "web/page.html")
    assert (row["byline"], row["site"], row["format"]) == ("Xu Weiwei", "China Daily", "html")


def test_the_manifest_overrides_what_extraction_found(folder: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "docs"
    root.mkdir()
    shutil.copy2(folder / "web" / "page.html", root / "page.html")
    shutil.copy2(folder / "desk.mbox", root / "desk.mbox")
    (root / "manifest.jsonl").write_text(
        json.dumps({"file": "page.html", "title": "Edited headline", "date": "2020-01-02", "byline": "Desk"}) + "\n"
        + json.dumps({"file": "desk.mbox#2", "category": "tips"}) + "\n", encoding="utf-8")
    corpus = Corpus(root)
    assert corpus.manifest_problems() == []  # a message of a mailbox is a file the manifest can name
    info = corpus.read("page.html").info
    assert (info.title, info.date, info.byline, info.site) == ("Edited headline", "2020-01-02", "Desk", "China Daily")
    assert corpus.read("desk.mbox#2").info.category == "tips"
